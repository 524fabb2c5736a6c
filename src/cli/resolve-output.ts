// How `simple-edge resolve` prints a resolution (D8): each stage at the margin, each DNS question
// under it with every record and its TTL, each rule chosen and why, then the targets in order.

import type { DnsAnswer } from '../discovery/dns-cache.js';
import { formatRecordData } from '../discovery/dns-records.js';
import type { AnswerSource, TraceStep } from '../discovery/resolution-trace.js';
import type { LocatedTarget } from '../discovery/sip-locator.js';

export function formatTrace(steps: readonly TraceStep[]): string[] {
  return steps.flatMap(formatStep);
}

function formatStep(step: TraceStep): string[] {
  switch (step.kind) {
    case 'stage':
      return [step.text];
    case 'decision':
      return [`  → ${step.text}`];
    case 'query-failed':
      return [`  ${step.type} ${step.name}: failed: ${step.error}`];
    case 'query':
      return formatQuery(step.answer, step.source, step.secondsLeft);
  }
}

function formatQuery(answer: DnsAnswer, source: AnswerSource, secondsLeft: number): string[] {
  const head = `  ${answer.type} ${answer.name}: ${outcome(answer)} (${origin(answer, source, secondsLeft)})`;
  const records = answer.records.map((record) => `    ${record.type} ${formatRecordData(record)}  ttl ${record.ttl}`);
  return [head, ...records];
}

function outcome(answer: DnsAnswer): string {
  if (answer.rcode === 'NXDOMAIN') return `NXDOMAIN, kept ${answer.ttl} s (RFC 2308)`;
  if (answer.records.length === 0) return `no records (NODATA), kept ${answer.ttl} s (RFC 2308)`;
  return `${answer.records.length} record${answer.records.length === 1 ? '' : 's'}, kept ${answer.ttl} s`;
}

function origin(answer: DnsAnswer, source: AnswerSource, secondsLeft: number): string {
  if (source === 'cache') return `from the cache, ${secondsLeft} s left`;
  if (source === 'shared') return `shared with the same question in flight to ${answer.server}`;
  return `from ${answer.server}`;
}

export function formatTargets(targets: readonly LocatedTarget[]): string[] {
  return [
    'targets, in the order the edge tries them (the next on connect error, timeout or 503):',
    ...targets.map((t, i) => {
      const host = t.address.includes(':') ? `[${t.address}]` : t.address;
      return `  ${i + 1}. ${t.protocol} ${host}:${t.port}${t.protocol === 'tls' ? ` (TLS servername ${t.servername})` : ''}`;
    }),
  ];
}
