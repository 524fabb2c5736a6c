// Scenarios made of independent requests from the peer community (or, for the 604 cache, from the
// community towards the peer): each operation is one request on one flow, its outcome the final
// answer. The far side answers 200 unless the scenario says otherwise.

import type { IncomingRequest } from '../../sip/incoming-message.js';
import { newTag } from '../../sip/identifiers.js';
import {
  numberParam,
  pickFlow,
  scenarioCallId,
  sendRequest,
  stringParam,
  type Done,
  type FarAnswer,
  type LoadContext,
  type LoadScenario,
  type RequestParts,
} from '../load-scenario.js';
import type { ScenarioSpec } from '../scenario-schema.js';

interface RequestScenarioOptions {
  readonly index: number;
  readonly spec: ScenarioSpec;
  readonly policy: string;
  /** Which flow carries the request: the peer's TLS flows, or the community's TCP flow. */
  readonly side: 'peer' | 'community';
  readonly build: (context: LoadContext, n: number, callId: string) => RequestParts;
  readonly answer?: (request: IncomingRequest) => FarAnswer;
}

const TEXT = 'Load test: how does the border hold its policy?';

function requestScenario(options: RequestScenarioOptions): LoadScenario {
  let n = 0;
  return {
    index: options.index,
    name: options.spec.name ?? options.spec.kind,
    kind: options.spec.kind,
    policy: options.policy,
    start(context: LoadContext, done: Done): boolean {
      const flow = options.side === 'peer' ? pickFlow(context.peerFlows, n) : context.communityFlow;
      if (flow === undefined || flow.closed) return false;
      const callId = scenarioCallId(options.index);
      sendRequest(context, options.index, flow, options.build(context, n++, callId), done);
      return true;
    },
    answer: options.answer ?? (() => ({ status: 200 })),
  };
}

function message(uri: string, from: string, callId: string, headers: readonly string[] = []): RequestParts {
  return {
    method: 'MESSAGE',
    uri,
    from: `<${from}>;tag=${newTag()}`,
    to: `<${uri}>`,
    callId,
    cseq: 1,
    headers: ['Content-Type: text/plain', ...headers],
    body: TEXT,
  };
}

/** Y1: many senders, each writing to a few recipients, at the rate given. */
export function messageFlood(index: number, spec: ScenarioSpec): LoadScenario {
  const recipients = numberParam(spec.params, 'recipients', 50);
  return requestScenario({
    index,
    spec,
    policy: spec.policy ?? 'Y1 rate limits',
    side: 'peer',
    build: (context, n, callId) =>
      message(
        `sip:user-${n % recipients}@${context.localDomain}`,
        `sip:sender-${n % context.settings.senders}@${context.peerDomain}`,
        callId,
      ),
  });
}

/** Y1: one sender walking ever new recipients, as an address harvester does. */
export function harvesting(index: number, spec: ScenarioSpec): LoadScenario {
  const sender = stringParam(spec.params, 'sender', 'harvester');
  return requestScenario({
    index,
    spec,
    policy: spec.policy ?? 'Y1 distinct recipients',
    side: 'peer',
    build: (context, n, callId) =>
      message(`sip:h${n}@${context.localDomain}`, `sip:${sender}@${context.peerDomain}`, callId),
  });
}

/** F7: the peer's flow carries requests whose From names a domain its certificate does not cover. */
export function spoofedOrigin(index: number, spec: ScenarioSpec): LoadScenario {
  const domain = stringParam(spec.params, 'domain', 'c.example.org');
  return requestScenario({
    index,
    spec,
    policy: spec.policy ?? 'F7 implicit authority',
    side: 'peer',
    build: (context, n, callId) =>
      message(
        `sip:user-${n % 50}@${context.localDomain}`,
        `sip:sender-${n % context.settings.senders}@${domain}`,
        callId,
      ),
  });
}

/** S2: dialog-creating requests carrying a Record-Route of many hops. */
export function longRecordRoute(index: number, spec: ScenarioSpec): LoadScenario {
  // 100 hops of about 33 bytes: past the profile's default limit of 2048 bytes (S2).
  const entries = numberParam(spec.params, 'entries', 100);
  const recordRoute = `Record-Route: ${Array.from({ length: entries }, (_, i) => `<sip:proxy-${i}.loadtest.invalid;lr>`).join(', ')}`;
  return requestScenario({
    index,
    spec,
    policy: spec.policy ?? 'S2 Record-Route length',
    side: 'peer',
    build: (context, n, callId) => {
      const uri = `sip:user-${n % 50}@${context.localDomain}`;
      return {
        method: 'SUBSCRIBE',
        uri,
        from: `<sip:sender-${n % context.settings.senders}@${context.peerDomain}>;tag=${newTag()}`,
        to: `<${uri}>`,
        callId,
        cseq: 1,
        headers: [
          recordRoute,
          'Event: presence',
          'Accept: application/pidf+xml',
          'Expires: 3600',
          `Contact: <${context.peerContact ?? `sip:watcher@${context.peerDomain}`}>`,
        ],
      };
    },
    answer: subscriptionGranted,
  });
}

/**
 * P4: the community keeps writing to an address the peer answers 604 for (the far side, as the
 * peer, answers 604): after the first, the edge should answer 404 itself and stop crossing.
 */
export function repeat604(index: number, spec: ScenarioSpec): LoadScenario {
  const user = stringParam(spec.params, 'user', 'gone');
  return requestScenario({
    index,
    spec,
    policy: spec.policy ?? 'P4 604 cache',
    side: 'community',
    build: (context, n, callId) =>
      message(
        `sip:${user}@${context.peerDomain}`,
        `sip:member-${n % context.settings.senders}@${context.localDomain}`,
        callId,
      ),
    answer: () => ({ status: 604, reason: 'Does Not Exist Anywhere' }),
  });
}

/** A presence server's 200 to a SUBSCRIBE (RFC 6665 §4.2.1.1): the Expires asked for, a Contact. */
export function subscriptionGranted(request: IncomingRequest): FarAnswer {
  if (request.method !== 'SUBSCRIBE') return { status: 200 };
  return { status: 200, headers: [`Expires: ${request.headers.get('expires') ?? '3600'}`] };
}
