// A vitest reporter that ends the run with one plain line, "Tests: N passed, N failed, N skipped",
// which any CI reads the same way whatever the test runner. Above it, once each, it prints the titles
// of tests skipped for a missing prerequisite (titled "… skipped: <how to run it>"): the default
// reporter shows only a count for a skipped file, and a reader must see what did not run, and why.
import type { Reporter, TestModule } from 'vitest/node';

const EXPLAINED_SKIP = / skipped: /;

export default class PlainSummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const explainedSkips = new Set<string>();
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') counts.failed++;
        else {
          counts.skipped++;
          if (EXPLAINED_SKIP.test(test.name)) explainedSkips.add(test.name);
        }
      }
    }
    const skipLines = [...explainedSkips].map((title) => `\nSkipped: ${title}`).join('');
    process.stdout.write(
      `${skipLines}\nTests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`,
    );
  }
}
