// L2 and Y5: the relay benchmark's overload leg. SIPp's statistics yield the 200s, the 503s (with and
// without Retry-After), timeouts and retransmissions; an overload step is summarised against the step
// at the proxy's maximum; the targets are judged ✓/✗ (n/a when unmeasured); the report prints
// simple-edge's overload rows beside Kamailio's; --no-overload and --quick shape the run.

import { describe, expect, it } from 'vitest';
import { summariseOverload, type OverloadFigures } from '../../bench/relay/overload-leg.js';
import { parseRelayBenchOptions } from '../../bench/relay/relay-bench-options.js';
import { formatOverloadTable, type ProxyRun } from '../../bench/relay/relay-report.js';
import { evaluateTargets, formatTargets, overloadTargets } from '../../bench/relay/relay-targets.js';
import type { StepOutcome } from '../../bench/relay/relay-step.js';
import { parseSippStatistics, summariseUacStatistics, type SippUacRun } from '../../bench/relay/sipp-runner.js';

/** The columns SIPp 3.6 writes with -trace_stat for uac-message.xml (its two scenario counters last). */
const COLUMNS =
  'StartTime;LastResetTime;CurrentTime;ElapsedTime(P);ElapsedTime(C);TargetRate;CallRate(P);CallRate(C);IncomingCall(P);IncomingCall(C);OutgoingCall(P);OutgoingCall(C);TotalCallCreated;CurrentCall;SuccessfulCall(P);SuccessfulCall(C);FailedCall(P);FailedCall(C);FailedCannotSendMessage(P);FailedCannotSendMessage(C);FailedMaxUDPRetrans(P);FailedMaxUDPRetrans(C);FailedTcpConnect(P);FailedTcpConnect(C);FailedTcpClosed(P);FailedTcpClosed(C);FailedUnexpectedMessage(P);FailedUnexpectedMessage(C);FailedCallRejected(P);FailedCallRejected(C);FailedCmdNotSent(P);FailedCmdNotSent(C);FailedRegexpDoesntMatch(P);FailedRegexpDoesntMatch(C);FailedRegexpShouldntMatch(P);FailedRegexpShouldntMatch(C);FailedRegexpHdrNotFound(P);FailedRegexpHdrNotFound(C);FailedOutboundCongestion(P);FailedOutboundCongestion(C);FailedTimeoutOnRecv(P);FailedTimeoutOnRecv(C);FailedTimeoutOnSend(P);FailedTimeoutOnSend(C);FailedTestDoesntMatch(P);FailedTestDoesntMatch(C);FailedTestShouldntMatch(P);FailedTestShouldntMatch(C);FailedStrcmpDoesntMatch(P);FailedStrcmpDoesntMatch(C);FailedStrcmpShouldntMatch(P);FailedStrcmpShouldntMatch(C);OutOfCallMsgs(P);OutOfCallMsgs(C);DeadCallMsgs(P);DeadCallMsgs(C);Retransmissions(P);Retransmissions(C);AutoAnswered(P);AutoAnswered(C);Warnings(P);Warnings(C);FatalErrors(P);FatalErrors(C);WatchdogMajor(P);WatchdogMajor(C);WatchdogMinor(P);WatchdogMinor(C);CallLength(P);CallLength(C);CallLengthStDev(P);CallLengthStDev(C);shedBare(P);shedBare(C);shedRetryAfter(P);shedRetryAfter(C);'.split(
    ';',
  );

const START = 1796569851;

function timestamp(epoch: number): string {
  return `2026-12-06\t15:10:51.000000\t${epoch.toFixed(6)}`;
}

/** One statistics line: every column 0 but the times and the given cumulative counters. */
function statLine(secondsSinceStart: number, counters: Record<string, number>): string {
  return COLUMNS.map((column) => {
    if (column === 'StartTime' || column === 'LastResetTime') return timestamp(START);
    if (column === 'CurrentTime') return timestamp(START + secondsSinceStart);
    if (column === '') return '';
    return String(counters[column] ?? 0);
  }).join(';');
}

function statFile(...lines: string[]): string {
  return [COLUMNS.join(';'), ...lines].join('\n') + '\n';
}

function uacRun(overrides: Partial<SippUacRun>): SippUacRun {
  return {
    calls: 0,
    successful: 0,
    sentRate: 0,
    shed: 0,
    shedWithRetryAfter: 0,
    timeouts: 0,
    retransmissions: 0,
    failed: 0,
    unfinished: 0,
    achievedRate: 0,
    goodput: 0,
    elapsedSeconds: 3,
    exitCode: 0,
    failureReasons: {},
    pid: 1,
    ...overrides,
  };
}

function step(
  rate: number,
  uac: Partial<SippUacRun>,
  probe: Partial<StepOutcome['probe']> = {},
  ok = true,
): StepOutcome {
  return {
    rate,
    ok,
    verdict: ok ? 'ok' : 'overloaded',
    uac: uacRun({ calls: rate * 3, ...uac }),
    probe: {
      ratePerSecond: 200,
      sent: 600,
      answered: 600,
      rejected: 0,
      unanswered: 0,
      p50Ms: 1,
      p99Ms: 4,
      maxMs: 6,
      shed: 0,
      shedWithRetryAfter: 0,
      shedP50Ms: undefined,
      shedP99Ms: undefined,
      shedMaxMs: undefined,
      ...probe,
    },
    failureRatio: 0,
    cpu: { groups: { proxy: 90, sipp: 40, stunnel: 0, probe: 5 }, machineBusy: 80, unaccounted: 2 },
  };
}

const BEST = step(4000, { calls: 12_000, successful: 12_000, goodput: 4000, achievedRate: 4000, sentRate: 4000 });

/** An edge at 1.5× its maximum that sheds the excess with 503 + Retry-After. */
function shedding(overrides: Partial<SippUacRun> = {}, probe: Partial<StepOutcome['probe']> = {}): StepOutcome {
  return step(
    6000,
    {
      calls: 18_000,
      successful: 11_400,
      goodput: 3800,
      sentRate: 6000,
      shed: 6600,
      shedWithRetryAfter: 6600,
      ...overrides,
    },
    { answered: 600, rejected: 200, shed: 200, shedWithRetryAfter: 200, shedP50Ms: 0.4, shedP99Ms: 2, ...probe },
    false,
  );
}

describe('relay benchmark: SIPp statistics of the overload leg (L2, Y5)', () => {
  it('Y5 counts 503s apart from the 200s, with and without Retry-After, and reads timeouts and retransmissions', () => {
    const text = statFile(
      statLine(1, { 'OutgoingCall(C)': 6000, 'SuccessfulCall(C)': 5000 }),
      statLine(3, {
        'OutgoingCall(C)': 18_000,
        'SuccessfulCall(C)': 17_000,
        'shedBare(C)': 100,
        'shedRetryAfter(C)': 5_900,
        'FailedCall(C)': 40,
        'FailedTimeoutOnRecv(C)': 40,
        'Retransmissions(C)': 7,
      }),
      statLine(8, {
        'OutgoingCall(C)': 18_000,
        'SuccessfulCall(C)': 17_500,
        'shedBare(C)': 100,
        'shedRetryAfter(C)': 5_900,
        'FailedCall(C)': 500,
        'FailedTimeoutOnRecv(C)': 500,
        'Retransmissions(C)': 7,
      }),
    );
    const run = summariseUacStatistics(parseSippStatistics(text)!, 18_000, 3);
    expect(run.successful).toBe(11_500);
    expect(run.shed).toBe(6000);
    expect(run.shedWithRetryAfter).toBe(5900);
    expect(run.timeouts).toBe(500);
    expect(run.retransmissions).toBe(7);
    expect(run.failureReasons).toEqual({ TimeoutOnRecv: 500 });
    expect(run.unfinished).toBe(0);
  });

  it('L2 goodput counts 200s per second of offered load, not the seconds SIPp waits for timeouts', () => {
    const text = statFile(
      statLine(1, { 'OutgoingCall(C)': 6000, 'SuccessfulCall(C)': 3000 }),
      statLine(3, { 'OutgoingCall(C)': 18_000, 'SuccessfulCall(C)': 12_000 }),
      statLine(8, {
        'OutgoingCall(C)': 18_000,
        'SuccessfulCall(C)': 12_000,
        'FailedCall(C)': 6000,
        'FailedTimeoutOnRecv(C)': 6000,
      }),
    );
    const run = summariseUacStatistics(parseSippStatistics(text)!, 18_000, 3);
    expect(run.goodput).toBe(4000);
    expect(run.achievedRate).toBe(1500);
    expect(run.sentRate).toBe(6000);
  });

  it('L2 without timeouts goodput is the achieved rate over the whole SIPp run (a generator slower than offered included)', () => {
    const text = statFile(
      statLine(3, { 'OutgoingCall(C)': 12_000, 'SuccessfulCall(C)': 12_000 }),
      statLine(5, { 'OutgoingCall(C)': 18_000, 'SuccessfulCall(C)': 18_000 }),
    );
    const run = summariseUacStatistics(parseSippStatistics(text)!, 18_000, 3);
    expect(run.sentRate).toBe(4000);
    expect(run.goodput).toBe(3600);
    expect(run.achievedRate).toBe(3600);
  });

  it('Y5 a proxy that stops reading (calls hang until it closes the connection) gets goodput up to its last 200', () => {
    const counters = (out: number, successful: number, shed: number): Record<string, number> => ({
      'OutgoingCall(C)': out,
      'SuccessfulCall(C)': successful + shed,
      'shedRetryAfter(C)': shed,
    });
    const text = statFile(
      statLine(1, counters(5491, 900, 0)),
      statLine(2, counters(11_470, 1000, 1343)),
      statLine(3, counters(17_303, 1000, 1640)),
      statLine(4, counters(18_000, 3000, 1640)),
      statLine(6, counters(18_000, 3600, 1640)),
      statLine(44, counters(18_000, 3600, 1640)),
      statLine(45, { ...counters(18_000, 3600, 1640), 'FailedCall(C)': 12_760, 'FailedTcpClosed(C)': 12_760 }),
    );
    const run = summariseUacStatistics(parseSippStatistics(text)!, 18_000, 3);
    expect(run.successful).toBe(3600);
    expect(run.goodput).toBe(600);
    expect(run.achievedRate).toBe(80);
    expect(run.sentRate).toBeCloseTo(17_303 / 3);
    expect(run.failureReasons).toEqual({ TcpClosed: 12_760 });
  });

  it('L2 a scenario without the shed counters reads 0 503s', () => {
    const columns = COLUMNS.filter((c) => !c.startsWith('shed'));
    const values = statLine(3, { 'OutgoingCall(C)': 10, 'SuccessfulCall(C)': 10 })
      .split(';')
      .filter((_, i) => !COLUMNS[i]!.startsWith('shed'));
    const run = summariseUacStatistics(parseSippStatistics(`${columns.join(';')}\n${values.join(';')}\n`)!, 10, 3);
    expect(run.shed).toBe(0);
    expect(run.successful).toBe(10);
  });
});

describe('relay benchmark: overload figures and targets (L2, Y5)', () => {
  it('Y5 summarises an overload step against the maximum: goodput kept, 503s of SIPp and probe, time-to-503', () => {
    const figures = summariseOverload(1.5, shedding(), BEST, undefined);
    expect(figures.keptShare).toBeCloseTo(0.95);
    expect(figures.shed).toBe(6800);
    expect(figures.shedWithRetryAfter).toBe(6800);
    expect(figures.admitted).toBe(11_400 + 400);
    expect(figures.requests).toBe(18_600);
    expect(figures.otherFailures).toBe(0);
    expect(figures.timeTo503P99Ms).toBe(2);
    expect(figures.admittedP99Ms).toBe(4);
  });

  it('Y5 an edge that sheds fast with Retry-After and keeps ≥ 90 % meets all three overload targets', () => {
    const results = overloadTargets('tcp', summariseOverload(1.5, shedding(), BEST, undefined));
    expect(results.map((r) => r.met)).toEqual([true, true, true]);
    expect(
      formatTargets(results)
        .slice(1)
        .every((line) => line.startsWith('✓')),
    ).toBe(true);
  });

  it('Y5 an edge that collapses (timeouts, no 503, slow admitted) fails them, and says why', () => {
    const collapsed = step(
      8000,
      { calls: 24_000, successful: 9_000, goodput: 2000, sentRate: 8000, timeouts: 15_000, failed: 15_000 },
      { answered: 100, unanswered: 500, p99Ms: 4800 },
      false,
    );
    const results = overloadTargets('tcp', summariseOverload(2, collapsed, BEST, undefined));
    expect(results.map((r) => r.met)).toEqual([false, false, false]);
    expect(results[1]!.measured).toContain('15,500 timeouts');
    expect(
      formatTargets(results)
        .slice(1)
        .every((line) => line.startsWith('✗')),
    ).toBe(true);
  });

  it('Y5 an edge that admits everything at the offered rate has no excess; one that queues it misses the target', () => {
    const keptUp = step(6000, { calls: 18_000, successful: 18_000, goodput: 5990, sentRate: 6000 }, {}, true);
    expect(overloadTargets('tcp', summariseOverload(1.5, keptUp, BEST, undefined))[1]!.met).toBe(true);
    const queued = step(
      6000,
      { calls: 18_000, successful: 18_000, goodput: 4200, sentRate: 6000 },
      { p99Ms: 850 },
      false,
    );
    const result = overloadTargets('tcp', summariseOverload(1.5, queued, BEST, undefined))[1]!;
    expect(result.met).toBe(false);
    expect(result.measured).toBe(
      'no 503: the excess was queued (goodput 4,200 of 6,000/s sent, p99 of admitted 850.0 ms)',
    );
  });

  it('Y5 503s without Retry-After or slower than 50 ms miss the shedding target', () => {
    const bare = overloadTargets('tcp', summariseOverload(1.5, shedding({ shedWithRetryAfter: 0 }), BEST, undefined));
    expect(bare[1]!.met).toBe(false);
    const slow = overloadTargets('tcp', summariseOverload(1.5, shedding({}, { shedP99Ms: 80 }), BEST, undefined));
    expect(slow[1]!.met).toBe(false);
  });

  it('Y5 time-to-503 unmeasured (no probe MESSAGE shed) leaves the shedding target n/a, not met', () => {
    const unmeasured = shedding(
      {},
      { rejected: 0, shed: 0, shedWithRetryAfter: 0, shedP50Ms: undefined, shedP99Ms: undefined },
    );
    const results = overloadTargets('tcp', summariseOverload(1.5, unmeasured, BEST, undefined));
    expect(results[1]!.met).toBeUndefined();
    expect(formatTargets(results)[2]!.startsWith('n/a')).toBe(true);
  });

  it('Y5 a proxy that died under overload fails the targets, and the figures carry why', () => {
    const figures = summariseOverload(2, shedding(), BEST, 'simple-edge exited with code 1');
    const results = overloadTargets('tcp', figures);
    expect(results[1]!.met).toBe(false);
    expect(results[1]!.measured).toContain('simple-edge exited');
  });
});

function proxyRun(
  proxy: ProxyRun['proxy'],
  best: StepOutcome,
  half: StepOutcome,
  overload: OverloadFigures[],
): ProxyRun {
  return {
    proxy,
    transport: 'tcp',
    description: proxy,
    ladder: { steps: [best, half], best, firstFailure: undefined },
    atEdgeHalf: half,
    overload: overload.map((figures) => ({ figures, step: undefined })),
  };
}

describe('relay benchmark: report beside Kamailio (L2)', () => {
  const edgeHalf = step(2000, { successful: 6000, goodput: 2000, achievedRate: 2000 }, { p99Ms: 3 });
  const edge = proxyRun('simple-edge', BEST, edgeHalf, [summariseOverload(1.5, shedding(), BEST, undefined)]);
  const kamailioBest = step(6000, { successful: 18_000, goodput: 6000, achievedRate: 6000 });
  const kamailioHalf = {
    ...step(2000, { successful: 6000, goodput: 2000, achievedRate: 2000 }, { p99Ms: 1 }),
    cpu: { groups: { proxy: 20 }, machineBusy: 30, unaccounted: 0 },
  };
  const kamailio = proxyRun('kamailio', kamailioBest, kamailioHalf, [
    summariseOverload(
      1.5,
      step(9000, { calls: 27_000, successful: 20_000, goodput: 5500, sentRate: 9000, timeouts: 7000 }, {}, false),
      kamailioBest,
      undefined,
    ),
  ]);

  it('L2 prints the overload rows of simple-edge and Kamailio together, per transport and load', () => {
    const lines = formatOverloadTable([edge, kamailio]);
    expect(lines[0]).toMatch(/goodput 2xx\/s.*503s.*Retry-After.*timeouts.*retrans.*p99 admitted ms.*time-to-503/);
    expect(lines[1]).toMatch(/^tcp\s+1\.5× max\s+simple-edge\s+6,000\s+6,000\s+3,800\s+95 %\s+6,800\s+100 %/);
    expect(lines[2]).toMatch(/^tcp\s+1\.5× max\s+kamailio\s+9,000\s+9,000\s+5,500\s+92 %\s+0\s+-\s+7,000/);
  });

  it('Y5 names the other failures of an overload step (a connection the proxy closed)', () => {
    const closed = step(
      8000,
      { calls: 24_000, successful: 14_000, goodput: 3600, sentRate: 7500, shed: 4000, failed: 6000 },
      {},
      false,
    );
    const figures = summariseOverload(
      2,
      { ...closed, uac: { ...closed.uac, failureReasons: { TcpClosed: 6000 } } },
      BEST,
      undefined,
    );
    expect(figures.otherFailures).toBe(6000);
    expect(figures.otherReasons).toEqual({ TcpClosed: 6000 });
    const lines = formatOverloadTable([{ ...edge, overload: [{ figures, step: undefined }] }]);
    expect(lines[1]).toMatch(/\| TcpClosed 6,000$/);
  });

  it('L2 judges the ratio, CPU and p99 targets against Kamailio with ✓/✗', () => {
    const results = evaluateTargets([edge, kamailio]);
    const byTarget = new Map(results.map((r) => [r.target, r]));
    const ratio = byTarget.get('max MESSAGE/s simple-edge / kamailio ≥ 0.5')!;
    expect(ratio.measured).toBe('4,000/s / 6,000/s = 0.67');
    expect(ratio.met).toBe(true);
    // At 2,000/s both passed: 90 % of a core for 2,200 MESSAGE/s against 20 % of a core.
    const cpu = byTarget.get('CPU/MESSAGE simple-edge ≤ 2× kamailio')!;
    expect(cpu.measured).toMatch(/^409 vs 91 µs at 2,000\/s = 4\.50×/);
    expect(cpu.met).toBe(false);
    const p99 = byTarget.get("p99 at ½ simple-edge max ≤ 2× kamailio's")!;
    expect(p99.measured).toBe('3.00 vs 1.00 ms at 2,000/s = 3.00×');
    expect(p99.met).toBe(false);
    expect(byTarget.get('p99 at ½ simple-edge max < 5 ms')!.met).toBe(true);
    expect(results.filter((r) => r.target.startsWith('at 1.5× max'))).toHaveLength(3);
    expect(results.every((r) => r.transport === 'tcp')).toBe(true);
  });

  it('Y5 an edge without a maximum says the overload leg was not run, and its targets are n/a', () => {
    const noMaximum: ProxyRun = {
      ...edge,
      ladder: { steps: [], best: undefined, firstFailure: BEST },
      atEdgeHalf: undefined,
      overload: undefined,
      overloadNotRun: 'no maximum (no rung of the ladder passed)',
    };
    const lines = formatOverloadTable([noMaximum, kamailio]);
    expect(lines[1]).toMatch(/^tcp\s+-\s+simple-edge\s.*\| not run: no maximum/);
    expect(lines[2]).toMatch(/^tcp\s+1\.5× max\s+kamailio/);
    const overload = evaluateTargets([noMaximum, kamailio]).filter((r) => r.target.startsWith('at 1.5×'));
    expect(overload.map((r) => r.met)).toEqual([undefined]);
  });

  it('L2 a failed step at half the edge maximum still shows its p99, and misses the p99 targets', () => {
    const failedHalf = { ...edgeHalf, ok: false, verdict: 'p99 104.6 ms', probe: { ...edgeHalf.probe, p99Ms: 104.6 } };
    const results = evaluateTargets([{ ...edge, atEdgeHalf: failedHalf }, kamailio]);
    const p99 = results.filter((r) => r.target.startsWith('p99 at ½'));
    expect(p99.map((r) => r.met)).toEqual([false, false]);
    expect(p99[1]!.measured).toBe('104.6 vs 1.00 ms at 2,000/s = 104.60× (step failed: p99 104.6 ms)');
  });

  it('L2 over TLS the Kamailio ratio target is 0.7', () => {
    const tls = (run: ProxyRun): ProxyRun => ({ ...run, transport: 'tls' });
    const ratio = evaluateTargets([tls(edge), tls(kamailio)]).find((r) => r.target.includes('/ kamailio'))!;
    expect(ratio.target).toBe('max MESSAGE/s simple-edge / kamailio ≥ 0.7');
    expect(ratio.met).toBe(false);
  });
});

describe('relay benchmark options (L2)', () => {
  it('L2 runs the overload leg unless --no-overload, and --quick keeps steps at 3 s', () => {
    expect(parseRelayBenchOptions([]).overload).toBe(true);
    expect(parseRelayBenchOptions(['--no-overload']).overload).toBe(false);
    const quick = parseRelayBenchOptions(['--quick']);
    expect(quick.stepSeconds).toBe(3);
    expect(quick.overload).toBe(true);
  });
});
