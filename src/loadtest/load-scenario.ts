// The contract every traffic scenario meets, the context the run hands it (the flows it may use,
// the far sides' contacts), and the one way a scenario sends a request and turns its answer into an
// outcome. Call-IDs start with `lt<scenario index>-` so the far side knows whose request it got; the
// far side marks its answers with a header, which any proxy relays unchanged (RFC 3261 §16.7), so a
// sender tells an answer from the far side from one the edge gave at the border.

import type { IncomingRequest } from '../sip/incoming-message.js';
import { newBranch, newTag } from '../sip/identifiers.js';
import { outcomeOf, type OutcomeRecorder } from './outcome-recorder.js';
import type { RunSettings, ScenarioKind } from './scenario-schema.js';
import type { SipConnection } from './sip-connection.js';

/** How the far side answers a request of a scenario. */
export interface FarAnswer {
  readonly status: number;
  readonly reason?: string;
  readonly headers?: readonly string[];
  /** The To tag of a dialog-creating answer, when the scenario must know it; otherwise one is made. */
  readonly toTag?: string;
  /** What the far side learnt, handed to the scenario's `learn` in the sending thread. */
  readonly note?: FarNote;
}

/** Plain data (it crosses from the far side's worker thread). */
export type FarNote = Readonly<Record<string, string | number | readonly string[]>>;

/** The header the far side puts on every answer: present in a response means the request crossed. */
export const FAR_SIDE_HEADER = 'X-Loadtest-Far-Side';

export type Done = (outcome: string, latencyMs: number | undefined) => void;

export interface LoadContext {
  readonly settings: RunSettings;
  readonly localDomain: string;
  readonly peerDomain: string;
  readonly recorder: OutcomeRecorder;
  /** Mutual-TLS flows into the edge's external listener, as the peer community. */
  readonly peerFlows: readonly SipConnection[];
  /** A TCP flow into the edge's internal listener, as the community (when configured). */
  readonly communityFlow: SipConnection | undefined;
  /** Contacts of the far sides this tool answers as (undefined when not listening). */
  readonly communityContact: string | undefined;
  readonly peerContact: string | undefined;
  /** Opens one more mutual-TLS flow to the external listener (the connection storm). */
  openPeerFlow(): Promise<SipConnection>;
}

export interface LoadScenario {
  readonly index: number;
  readonly name: string;
  readonly kind: ScenarioKind;
  readonly policy: string;
  /** Work before the clock starts (establishing dialogs); may throw to abort the run. */
  prepare?(context: LoadContext): Promise<void>;
  /** Starts one operation; `done` runs exactly once. False when the scenario has nothing left to do. */
  start(context: LoadContext, done: Done): boolean;
  /** How the far side answers this scenario's requests. Runs in the far side's thread: no shared state. */
  answer(request: IncomingRequest): FarAnswer;
  /** A note the far side's answer carried, back in the sending thread. */
  learn?(note: FarNote): void;
  /** End of the run: release what the scenario holds open. */
  finish?(): void;
}

export interface RequestParts {
  readonly method: string;
  readonly uri: string;
  readonly from: string;
  readonly to: string;
  readonly callId: string;
  readonly cseq: number;
  readonly headers?: readonly string[];
  readonly body?: string;
}

/** The Via sent-by a flow's requests carry: its local address and the transport. */
function viaOf(flow: SipConnection, branch: string): string {
  const transport = 'encrypted' in flow.socket ? 'TLS' : 'TCP';
  return `SIP/2.0/${transport} ${flow.socket.localAddress ?? '127.0.0.1'}:${flow.socket.localPort ?? 0};branch=${branch};rport`;
}

export function requestText(flow: SipConnection, branch: string, parts: RequestParts): string {
  const body = parts.body ?? '';
  const headers = parts.headers === undefined || parts.headers.length === 0 ? '' : parts.headers.join('\r\n') + '\r\n';
  return (
    `${parts.method} ${parts.uri} SIP/2.0\r\nVia: ${viaOf(flow, branch)}\r\nMax-Forwards: 70\r\nFrom: ${parts.from}\r\n` +
    `To: ${parts.to}\r\nCall-ID: ${parts.callId}\r\nCSeq: ${parts.cseq} ${parts.method}\r\n${headers}` +
    `Content-Length: ${Buffer.byteLength(body, 'latin1')}\r\n\r\n${body}`
  );
}

const FAR_SIDE_KEY = FAR_SIDE_HEADER.toLowerCase();

/** A Call-ID the far side can attribute to scenario `index`; the tag makes it unique. */
export function scenarioCallId(index: number): string {
  return `lt${index}-${newTag()}@loadtest.invalid`;
}

/** The scenario index a Call-ID was made for, or undefined for someone else's request. */
export function scenarioOfCallId(callId: string): number | undefined {
  const match = /^lt(\d+)-/.exec(callId);
  return match === null ? undefined : Number(match[1]);
}

/** Sends a request on `flow`; the outcome names the status, and whether a 404 crossed the border. */
export function sendRequest(
  context: LoadContext,
  scenario: number,
  flow: SipConnection,
  parts: RequestParts,
  done: Done,
  counted = true,
): void {
  const branch = newBranch();
  const sentAt = performance.now();
  if (counted) context.recorder.sent(scenario, sentAt);
  flow.request(branch, requestText(flow, branch, parts), {
    sentAt,
    settle: (response, now, unanswered) => {
      // A connection the target closed is not a slow answer: the report names it apart from timeouts.
      if (response === undefined) done(unanswered ?? 'timeout', undefined);
      else done(outcomeOf(response.status, response.headers.has(FAR_SIDE_KEY)), now - sentAt);
    },
  });
}

/** Round-robin over the peer flows. */
export function pickFlow(flows: readonly SipConnection[], n: number): SipConnection | undefined {
  if (flows.length === 0) return undefined;
  for (let i = 0; i < flows.length; i++) {
    const flow = flows[(n + i) % flows.length]!;
    if (!flow.closed) return flow;
  }
  return undefined;
}

/** A numeric scenario parameter, or its default. */
export function numberParam(params: Readonly<Record<string, unknown>>, name: string, fallback: number): number {
  const value = params[name];
  return typeof value === 'number' ? value : fallback;
}

export function stringParam(params: Readonly<Record<string, unknown>>, name: string, fallback: string): string {
  const value = params[name];
  return typeof value === 'string' ? value : fallback;
}
