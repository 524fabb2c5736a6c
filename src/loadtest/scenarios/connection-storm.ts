// F4, Y4: more mutual-TLS connections than the edge accepts. Each operation opens one more flow and
// asks OPTIONS of the edge's domain over it (M3); a flow that completes the handshake and is
// answered counts as accepted, one that is reset, closed or never answered as refused. Flows stay
// open until the run ends, so the edge really holds them all at once.

import type { IncomingRequest } from '../../sip/incoming-message.js';
import { newTag } from '../../sip/identifiers.js';
import {
  numberParam,
  scenarioCallId,
  sendRequest,
  type Done,
  type FarAnswer,
  type LoadContext,
  type LoadScenario,
} from '../load-scenario.js';
import type { ScenarioSpec } from '../scenario-schema.js';
import type { SipConnection } from '../sip-connection.js';

export function connectionStorm(index: number, spec: ScenarioSpec): LoadScenario {
  const limit = numberParam(spec.params, 'connections', 100);
  const opened: SipConnection[] = [];
  let attempts = 0;
  return {
    index,
    name: spec.name ?? spec.kind,
    kind: spec.kind,
    policy: spec.policy ?? 'F4 connection cap',
    start(context: LoadContext, done: Done): boolean {
      if (attempts >= limit) return false;
      attempts++;
      const startedAt = performance.now();
      context.recorder.sent(index, startedAt);
      context.openPeerFlow().then(
        (flow) => {
          opened.push(flow);
          ask(context, index, flow, (outcome) =>
            done(
              outcome === 'timeout' || outcome === 'connection-closed' ? 'refused' : 'accepted',
              performance.now() - startedAt,
            ),
          );
        },
        () => done('refused', performance.now() - startedAt),
      );
      return true;
    },
    answer: (_request: IncomingRequest): FarAnswer => ({ status: 200 }),
    finish(): void {
      for (const flow of opened) flow.close();
    },
  };
}

/** OPTIONS to the edge's domain; its outcome, without counting it as a request of its own. */
function ask(context: LoadContext, index: number, flow: SipConnection, done: (outcome: string) => void): void {
  const uri = `sip:${context.localDomain}`;
  // The connection attempt was counted as sent; its probe is part of it, not a request of its own.
  sendRequest(
    context,
    index,
    flow,
    {
      method: 'OPTIONS',
      uri,
      from: `<sip:prober@${context.peerDomain}>;tag=${newTag()}`,
      to: `<${uri}>`,
      callId: scenarioCallId(index),
      cseq: 1,
    },
    (outcome) => done(outcome),
    false,
  );
}
