// Scenarios about subscriptions: SUBSCRIBE storms asking for too short an Expires (P6), and NOTIFY
// refresh storms in live dialogs (P8), where the tool plays both ends of each dialog: the
// community's watcher (TCP into the edge's internal side) and the peer's notifier (its own TLS
// listener answers the SUBSCRIBE, its TLS flows send the NOTIFYs back across).

import type { IncomingRequest } from '../../sip/incoming-message.js';
import { newBranch, newTag } from '../../sip/identifiers.js';
import {
  numberParam,
  pickFlow,
  requestText,
  scenarioCallId,
  sendRequest,
  type Done,
  type FarAnswer,
  type FarNote,
  type LoadContext,
  type LoadScenario,
  type RequestParts,
} from '../load-scenario.js';
import type { ScenarioSpec } from '../scenario-schema.js';
import type { SipConnection } from '../sip-connection.js';
import { subscriptionGranted } from './message-scenarios.js';

/** P6: SUBSCRIBEs whose Expires is below the border's minimum. */
export function subscribeShortExpires(index: number, spec: ScenarioSpec): LoadScenario {
  const expires = numberParam(spec.params, 'expires', 60);
  let n = 0;
  return {
    index,
    name: spec.name ?? spec.kind,
    kind: spec.kind,
    policy: spec.policy ?? 'P6 minimum Expires',
    start(context: LoadContext, done: Done): boolean {
      const flow = pickFlow(context.peerFlows, n);
      if (flow === undefined) return false;
      const uri = `sip:user-${n % 50}@${context.localDomain}`;
      const callId = scenarioCallId(index);
      sendRequest(
        context,
        index,
        flow,
        {
          method: 'SUBSCRIBE',
          uri,
          from: `<sip:sender-${n++ % context.settings.senders}@${context.peerDomain}>;tag=${newTag()}`,
          to: `<${uri}>`,
          callId,
          cseq: 1,
          headers: [
            'Event: presence',
            'Accept: application/pidf+xml',
            `Expires: ${expires}`,
            `Contact: <${context.peerContact ?? `sip:watcher@${context.peerDomain}`}>`,
          ],
        },
        done,
      );
      return true;
    },
    answer: subscriptionGranted,
  };
}

/** One subscription dialog as its notifier (the peer) sees it (RFC 3261 §12.1.1). */
interface NotifierDialog {
  readonly callId: string;
  /** The notifier's own identity, with its tag (the To of the 2xx). */
  readonly local: string;
  /** The watcher, with its tag. */
  readonly remote: string;
  readonly remoteTarget: string;
  readonly routes: readonly string[];
  readonly presentity: string;
  cseq: number;
}

function pidf(entity: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?><presence xmlns="urn:ietf:params:xml:ns:pidf" ' +
    `entity="${entity}"><tuple id="t1"><status><basic>open</basic></status></tuple></presence>`
  );
}

/**
 * P8: `dialogs` subscriptions from the community to the peer, then NOTIFYs from the peer that carry
 * no change of state, round-robin over the dialogs. The edge should let one per dialog per interval
 * cross to the watcher and refuse the rest. The peer's notifier learns each dialog from the SUBSCRIBE
 * as it arrives at the far side (RFC 3261 §12.1.1), which notes it back to this thread.
 */
export function notifyStorm(index: number, spec: ScenarioSpec): LoadScenario {
  const dialogCount = numberParam(spec.params, 'dialogs', 10);
  const learnt = new Map<string, NotifierDialog>();
  let ready: NotifierDialog[] = [];
  let n = 0;
  return {
    index,
    name: spec.name ?? spec.kind,
    kind: spec.kind,
    policy: spec.policy ?? 'P8 NOTIFY rate',
    async prepare(context: LoadContext): Promise<void> {
      const flow = context.communityFlow;
      if (flow === undefined || context.communityContact === undefined || context.peerContact === undefined) {
        throw new Error(
          'notify-storm needs target.internal, listen.community and listen.peer: it plays the watcher and the notifier',
        );
      }
      const answered = await Promise.all(
        Array.from({ length: dialogCount }, (_, i) => subscribe(context, flow, index, i)),
      );
      const established = answered.filter((callId): callId is string => callId !== undefined);
      // The far side's note may trail the 2xx by a moment: it comes from another thread.
      for (let waited = 0; waited < 2000 && established.some((id) => !learnt.has(id)); waited += 10) await sleep(10);
      ready = established.flatMap((id) => learnt.get(id) ?? []);
      if (ready.length === 0)
        throw new Error(
          'notify-storm: no SUBSCRIBE through the edge was answered 2xx, so there is no dialog to NOTIFY in',
        );
    },
    start(context: LoadContext, done: Done): boolean {
      const flow = pickFlow(context.peerFlows, n);
      const dialog = ready[n++ % Math.max(1, ready.length)];
      if (flow === undefined || dialog === undefined) return false;
      sendRequest(context, index, flow, stormNotify(context, dialog), done);
      return true;
    },
    answer: notifierAnswer,
    learn(note: FarNote): void {
      learnt.set(String(note.callId ?? ''), notifierDialogOf(note));
    },
  };
}

/** A NOTIFY in a learnt dialog that changes nothing (the same PIDF again). */
function stormNotify(context: LoadContext, dialog: NotifierDialog): RequestParts {
  return {
    method: 'NOTIFY',
    uri: dialog.remoteTarget,
    from: dialog.local,
    to: dialog.remote,
    callId: dialog.callId,
    cseq: ++dialog.cseq,
    headers: [
      ...dialog.routes.map((r) => `Route: ${r}`),
      'Event: presence',
      'Subscription-State: active;expires=3600',
      `Contact: <${context.peerContact!}>`,
      'Content-Type: application/pidf+xml',
    ],
    body: pidf(dialog.presentity),
  };
}

/** The peer's notifier grants each SUBSCRIBE and notes the dialog back to the driving thread. */
function notifierAnswer(request: IncomingRequest): FarAnswer {
  if (request.method !== 'SUBSCRIBE') return { status: 200 };
  const toTag = newTag();
  const presentity = request.requestUriText;
  const note: FarNote = {
    callId: request.callId,
    local: `<${presentity}>;tag=${toTag}`,
    remote: request.headers.get('from') ?? '',
    remoteTarget: contactUri(request.headers.get('contact')) ?? presentity,
    routes: request.headers.values('record-route'),
    presentity,
  };
  return { ...subscriptionGranted(request), toTag, note };
}

function notifierDialogOf(note: FarNote): NotifierDialog {
  const text = (key: string): string => String(note[key] ?? '');
  const routes = note.routes;
  return {
    callId: text('callId'),
    local: text('local'),
    remote: text('remote'),
    remoteTarget: text('remoteTarget'),
    routes: Array.isArray(routes) ? routes : [],
    presentity: text('presentity'),
    cseq: 100,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The community's watcher subscribes to `pres-<i>` at the peer; resolves with the Call-ID on a 2xx. */
function subscribe(context: LoadContext, flow: SipConnection, index: number, i: number): Promise<string | undefined> {
  const uri = `sip:pres-${i}@${context.peerDomain}`;
  const callId = scenarioCallId(index);
  const branch = newBranch();
  const text = requestText(flow, branch, {
    method: 'SUBSCRIBE',
    uri,
    from: `<sip:watcher-${i}@${context.localDomain}>;tag=${newTag()}`,
    to: `<${uri}>`,
    callId,
    cseq: 1,
    headers: [
      'Event: presence',
      'Accept: application/pidf+xml',
      'Expires: 3600',
      `Contact: <${context.communityContact!}>`,
    ],
  });
  return new Promise((resolve) =>
    flow.request(branch, text, {
      sentAt: performance.now(),
      settle: (response) => {
        resolve(response !== undefined && response.status >= 200 && response.status < 300 ? callId : undefined);
      },
    }),
  );
}

function contactUri(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const match = /<([^>]+)>/.exec(value);
  return match?.[1] ?? value.split(';')[0]?.trim();
}
