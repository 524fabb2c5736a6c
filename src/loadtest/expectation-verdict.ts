// A verdict for each policy expectation a scenario declares: counts and shares of an outcome, or how
// many requests of one dialog crossed to the far side. The verdict says what was expected and what
// was seen, so the report reads without the scenario file beside it.

import type { ScenarioRecord } from './outcome-recorder.js';
import type { Expectation } from './scenario-schema.js';

export interface Verdict {
  readonly scenario: string;
  readonly policy: string;
  readonly says: string;
  readonly passed: boolean;
  readonly observed: string;
}

export function judge(scenario: string, expectation: Expectation, record: ScenarioRecord): Verdict {
  if ('maxCrossedPerDialog' in expectation) return judgeCrossing(scenario, expectation, record);
  const count = countOf(record, expectation.outcome);
  const share = record.completed === 0 ? 0 : count / record.completed;
  const failures: string[] = [];
  if (expectation.atLeast !== undefined && count < expectation.atLeast)
    failures.push(`fewer than ${expectation.atLeast}`);
  if (expectation.atMost !== undefined && count > expectation.atMost) failures.push(`more than ${expectation.atMost}`);
  if (expectation.atLeastShare !== undefined && share < expectation.atLeastShare)
    failures.push(`share below ${percent(expectation.atLeastShare)}`);
  if (expectation.atMostShare !== undefined && share > expectation.atMostShare)
    failures.push(`share above ${percent(expectation.atMostShare)}`);
  return {
    scenario,
    policy: expectation.policy,
    says: expectation.says ?? describeOutcomeExpectation(expectation),
    passed: failures.length === 0 && record.completed > 0,
    observed:
      record.completed === 0
        ? 'no operation completed'
        : `${count} of ${record.completed} were ${expectation.outcome} (${percent(share)})${failures.length === 0 ? '' : `: ${failures.join(', ')}`}`,
  };
}

/** An outcome's count; a class (`4xx`) sums its codes, a 404 at the border included. */
function countOf(record: ScenarioRecord, outcome: string): number {
  const status = /^([3-6])xx$/.exec(outcome);
  if (status === null) return record.outcomes.get(outcome) ?? 0;
  let sum = 0;
  for (const [name, count] of record.outcomes) if (name.startsWith(status[1]!) && /^\d/.test(name)) sum += count;
  return sum;
}

function judgeCrossing(
  scenario: string,
  expectation: Extract<Expectation, { maxCrossedPerDialog: number }>,
  record: ScenarioRecord,
): Verdict {
  let worst = 0;
  for (const count of record.crossedPerDialog.values()) worst = Math.max(worst, count);
  const dialogs = record.crossedPerDialog.size;
  return {
    scenario,
    policy: expectation.policy,
    says: expectation.says ?? `at most ${expectation.maxCrossedPerDialog} request(s) per dialog crossed the border`,
    passed: worst <= expectation.maxCrossedPerDialog && record.completed > 0,
    observed: `${record.completed} sent in ${dialogs} dialog(s) reaching the far side; at most ${worst} crossed in one dialog`,
  };
}

function describeOutcomeExpectation(e: Extract<Expectation, { outcome: string }>): string {
  const parts: string[] = [];
  if (e.atLeast !== undefined) parts.push(`at least ${e.atLeast}`);
  if (e.atMost !== undefined) parts.push(`at most ${e.atMost}`);
  if (e.atLeastShare !== undefined) parts.push(`at least ${percent(e.atLeastShare)}`);
  if (e.atMostShare !== undefined) parts.push(`at most ${percent(e.atMostShare)}`);
  return `${parts.length === 0 ? 'any number' : parts.join(' and ')} answered ${e.outcome}`;
}

function percent(share: number): string {
  return `${(share * 100).toFixed(share >= 0.1 || share === 0 ? 0 : 2)} %`;
}
