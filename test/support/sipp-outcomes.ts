// What a SIPp run saw, read back from its -trace_msg message log: the final responses a UAC got (the
// border-rule tests assert the status, reason and headers the edge sent) and the requests a UAS got
// (a request the edge answered itself must never reach the far side).

import { receivedHeads } from './sipp-relay.js';
import type { SippResult } from './sipp.js';

/** One received message's start line and header lines, with case-insensitive header lookup. */
export class ReceivedHead {
  constructor(readonly lines: readonly string[]) {}

  get startLine(): string {
    return this.lines[0] ?? '';
  }

  /** Every value of a header, one per line, trimmed; header names compared without case. */
  values(name: string): string[] {
    const wanted = name.toLowerCase();
    return this.lines.slice(1).flatMap((line) => {
      const colon = line.indexOf(':');
      return colon > 0 && line.slice(0, colon).trim().toLowerCase() === wanted ? [line.slice(colon + 1).trim()] : [];
    });
  }

  /** The first value of a header, or undefined. */
  value(name: string): string | undefined {
    return this.values(name)[0];
  }

  /** The user part of the To header's URI: the address a call was for. */
  get toUser(): string | undefined {
    return /sips?:([^@>;]+)@/.exec(this.value('to') ?? '')?.[1];
  }
}

export class FinalResponse extends ReceivedHead {
  get status(): number {
    return Number(/^SIP\/2\.0 (\d{3})/.exec(this.startLine)?.[1] ?? Number.NaN);
  }

  get reason(): string {
    return this.startLine.replace(/^SIP\/2\.0 \d{3} ?/, '');
  }
}

export class ReceivedRequest extends ReceivedHead {
  get method(): string {
    return this.startLine.split(' ', 1)[0] ?? '';
  }
}

/** The final responses a UAC received, in the order they arrived (provisionals skipped). */
export function finalResponses(run: SippResult): FinalResponse[] {
  return receivedHeads(run.messageLog)
    .filter((lines) => /^SIP\/2\.0 [2-6]\d\d/.test(lines[0] ?? ''))
    .map((lines) => new FinalResponse(lines));
}

/** The status codes a UAC received, in order: with -l 1 one per call, in call order. */
export function statuses(run: SippResult): number[] {
  return finalResponses(run).map((response) => response.status);
}

/** The requests a UAS received (of one method, when given), in order. */
export function requestsReceived(run: SippResult, method?: string): ReceivedRequest[] {
  return receivedHeads(run.messageLog)
    .filter((lines) => !(lines[0] ?? '').startsWith('SIP/2.0 '))
    .map((lines) => new ReceivedRequest(lines))
    .filter((request) => method === undefined || request.method === method);
}

/**
 * When a run sent its messages (wall-clock ms), from the time stamps SIPp writes above each message
 * in its log: the span a load really took, without SIPp's start and stop.
 */
export function sendTimes(run: SippResult): number[] {
  const stamps = run.messageLog.matchAll(/^-{20,} (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d+)\r?\n\S+ message sent/gm);
  return [...stamps].map((match) => Date.parse(`${match[1]}T${match[2]!.slice(0, 12)}`));
}
