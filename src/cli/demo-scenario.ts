// What `simple-edge demo` plays across the border, step by step: both users register with digest at
// their own community, bob watches alice's presence (RFC 3856) from the other community, alice
// publishes open then closed (RFC 3903) and bob is notified of each, and alice pages bob
// (RFC 3428 MESSAGE). Each step is one printed line; a step that fails or stalls throws.

import type { IncomingRequest } from '../sip/incoming-message.js';
import type { DemoUserAgent } from './demo-user-agent.js';

export interface ScenarioContext {
  readonly alice: DemoUserAgent;
  readonly bob: DemoUserAgent;
  /** Runs one step under the demo's time limit; its result is what the step printed. */
  readonly step: <T>(name: string, work: () => Promise<T>) => Promise<T>;
  readonly say: (line: string) => void;
}

const ARROW = '→';

export async function runFederationScenario(context: ScenarioContext): Promise<void> {
  const { alice, bob } = context;
  await register(context, alice);
  await register(context, bob);
  const subscription = await subscribe(context);
  const etag = await publishAndNotify(context, subscription, 'open', undefined);
  await publishAndNotify(context, subscription, 'closed', etag);
  await page(context, `Hello ${bob.address}, this is ${alice.address}`);
}

async function register({ step, say }: ScenarioContext, agent: DemoUserAgent): Promise<void> {
  const domain = agent.address.split('@')[1]!;
  const { challenged, response } = await step(`${agent.address} registers`, () => agent.register(600));
  expectSuccess(response.status, `${agent.address}: REGISTER`);
  say(
    `${agent.address}: registered at ${domain} (${challenged ? '401 digest challenge answered, then ' : ''}${response.status}) as ${agent.contact}`,
  );
}

/** Bob's SUBSCRIBE crosses from B to A; A's presence server answers and sends the first NOTIFY. */
async function subscribe({ alice, bob, step, say }: ScenarioContext): Promise<string> {
  const response = await step(`${bob.address} subscribes to ${alice.address}`, () =>
    bob.request('SUBSCRIBE', `sip:${alice.address}`, {
      headers: [
        ['Event', 'presence'],
        ['Accept', 'application/pidf+xml'],
        ['Expires', '3600'],
      ],
    }),
  );
  expectSuccess(response.status, `${bob.address} ${ARROW} ${alice.address}: SUBSCRIBE`);
  say(`${bob.address} ${ARROW} ${alice.address}: SUBSCRIBE presence crossed (${response.status})`);
  const callId = response.callId;
  const first = await step('the first NOTIFY', () => bob.waitFor('NOTIFY', (r) => isNotifyOf(r, callId)));
  say(
    `${alice.address} ${ARROW} ${bob.address}: NOTIFY crossed (Subscription-State: ${first.headers.get('subscription-state') ?? '?'})`,
  );
  return callId;
}

/** One PUBLISH of a basic status (a refresh of the same publication when `etag` names it), and bob's NOTIFY of it. */
async function publishAndNotify(
  { alice, bob, step, say }: ScenarioContext,
  callId: string,
  status: 'open' | 'closed',
  etag: string | undefined,
): Promise<string> {
  const mark = bob.received.length;
  const response = await step(`${alice.address} publishes ${status}`, () =>
    alice.request('PUBLISH', `sip:${alice.address}`, {
      headers: [
        ['Event', 'presence'],
        ['Expires', '3600'],
        ...(etag === undefined ? [] : [['SIP-If-Match', etag] as const]),
      ],
      body: pidf(alice.address, status),
      contentType: 'application/pidf+xml',
    }),
  );
  expectSuccess(response.status, `${alice.address}: PUBLISH ${status}`);
  say(`${alice.address}: PUBLISH ${status} (${response.status})`);
  await step(`bob's NOTIFY of ${status}`, () =>
    bob.waitFor(
      `NOTIFY saying ${status}`,
      (r) =>
        bob.received.indexOf(r) >= mark &&
        isNotifyOf(r, callId) &&
        r.body.toString('utf8').includes(`<basic>${status}</basic>`),
    ),
  );
  say(`${alice.address} ${ARROW} ${bob.address}: NOTIFY crossed, alice is ${status}`);
  return response.headers.get('sip-etag') ?? '';
}

async function page({ alice, bob, step, say }: ScenarioContext, text: string): Promise<void> {
  const response = await step(`${alice.address} sends bob a MESSAGE`, () =>
    alice.request('MESSAGE', `sip:${bob.address}`, { body: text }),
  );
  expectSuccess(response.status, `${alice.address} ${ARROW} ${bob.address}: MESSAGE`);
  say(`${alice.address} ${ARROW} ${bob.address}: MESSAGE crossed (${response.status})`);
  const received = await step(`bob receives the MESSAGE`, () =>
    bob.waitFor('MESSAGE', (r) => r.method === 'MESSAGE' && r.callId === response.callId),
  );
  say(`${bob.address}: MESSAGE received: "${received.body.toString('utf8')}"`);
}

function isNotifyOf(request: IncomingRequest, callId: string): boolean {
  return request.method === 'NOTIFY' && request.callId === callId;
}

function expectSuccess(status: number, what: string): void {
  if (status < 200 || status >= 300) throw new Error(`${what} answered ${status}`);
}

/** RFC 3863: the smallest presence document, one tuple with a basic status. */
function pidf(address: string, status: 'open' | 'closed'): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:${address}">`,
    `<tuple id="demo"><status><basic>${status}</basic></status></tuple>`,
    '</presence>',
  ].join('');
}
