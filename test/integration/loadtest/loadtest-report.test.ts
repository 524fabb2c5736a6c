// L1: `simple-edge loadtest` as an operator runs it (the CLI, a YAML scenario file) against a
// real simple-edge, and its HTML report opened in headless Chromium (Debian `chromium`, installed
// here with apt, driven by playwright-core): the charts render and the page logs no error. The
// screenshot is kept in the test's temp dir; with SIMPLE_EDGE_UPDATE_SCREENSHOTS=1 it is copied to
// docs/images/ for the README.

import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../../../src/cli/main.js';
import type { LoadReport } from '../../../src/loadtest/load-report.js';
import { ensureDebianPackages } from '../../support/apt.js';
import { LoadtestLab } from '../../support/loadtest-lab.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
let workDir: string;
let lab: LoadtestLab;
let browser: Browser | undefined;

beforeAll(async () => {
  await ensureDebianPackages(['chromium']);
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-loadtest-report-'));
  lab = new LoadtestLab(workDir);
  await lab.startEdge({
    policy: {
      limits: {
        perSender: { capacity: 10, refillPerSecond: 5 },
        perRecipient: { capacity: 1000, refillPerSecond: 1000 },
        perPeer: { capacity: 10_000, refillPerSecond: 10_000 },
        maxDistinctRecipientsPerSender: 30,
      },
    },
  });
});

afterAll(async () => {
  await browser?.close();
  await lab?.stopEdge();
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

/** A mix of every policy the edge answers on its own, with the expectations an operator would declare. */
function writeScenarioFile(expectations: 'hold' | 'break'): string {
  const certs = lab.certificates;
  const peer = certs.byDomain['b.example.net']!;
  const file = path.join(workDir, `mix-${expectations}.yaml`);
  writeFileSync(
    file,
    stringify(
      lab.scenarioObject({
        tls: { cert: peer.cert, key: peer.key, ca: certs.ca },
        rate: 120,
        duration: 3,
        ramp: 1,
        senders: 2,
        scenarios: [
          {
            name: 'flood',
            kind: 'message-flood',
            weight: 4,
            expect: [{ policy: 'Y1 rate limits', outcome: '503', atLeast: expectations === 'hold' ? 1 : 100_000 }],
          },
          {
            name: 'harvest',
            kind: 'harvesting',
            weight: 2,
            params: { sender: `walker-${expectations}` },
            expect: [{ policy: 'Y1 distinct recipients', outcome: '2xx', atMost: 30 }],
          },
          {
            name: 'short-expires',
            kind: 'subscribe-short-expires',
            expect: [{ policy: 'P6 minimum Expires', outcome: '423', atLeastShare: 1 }],
          },
          {
            name: 'notify',
            kind: 'notify-storm',
            params: { dialogs: 3 },
            expect: [
              {
                policy: 'P8 NOTIFY rate',
                maxCrossedPerDialog: 1,
                says: 'at most 1 unchanged NOTIFY per 10 min per dialog crossed',
              },
            ],
          },
          {
            name: '604',
            kind: 'repeat-604',
            expect: [{ policy: 'P4 604 cache', outcome: '404-at-border', atLeastShare: 0.8 }],
          },
          {
            name: 'long-rr',
            kind: 'long-record-route',
            expect: [{ policy: 'S2 Record-Route length', outcome: '513', atLeastShare: 1 }],
          },
          {
            name: 'spoofed',
            kind: 'spoofed-origin',
            expect: [{ policy: 'F7 implicit authority', outcome: '403', atLeastShare: 1 }],
          },
        ],
      }),
    ),
  );
  return file;
}

async function runCli(
  expectations: 'hold' | 'break',
): Promise<{ code: number; out: string[]; report: LoadReport; html: string }> {
  const out: string[] = [];
  const json = path.join(workDir, `report-${expectations}.json`);
  const html = path.join(workDir, `report-${expectations}.html`);
  const code = await main(
    ['loadtest', writeScenarioFile(expectations), '--json', json, '--html', html, '--no-progress'],
    {
      io: { out: (line) => out.push(line), err: (line) => out.push(line) },
    },
  );
  return { code, out, report: JSON.parse(readFileSync(json, 'utf8')) as LoadReport, html };
}

describe('L1 simple-edge loadtest from the command line, and its report', () => {
  let held: Awaited<ReturnType<typeof runCli>>;

  it('L1 the CLI writes the JSON and HTML reports, with outcomes and latency per scenario and per policy, and exits 0 when every expectation held', async () => {
    held = await runCli('hold');
    expect(held.code, held.out.join('\n')).toBe(0);
    expect(held.report.passed).toBe(true);
    expect(held.report.scenarios.map((s) => s.name)).toEqual([
      'flood',
      'harvest',
      'short-expires',
      'notify',
      '604',
      'long-rr',
      'spoofed',
    ]);
    expect(held.report.policies).toHaveLength(7);
    for (const s of held.report.scenarios) expect(s.latencyMs.count, s.name).toBeGreaterThan(0);
    expect(
      held.out.some((line) =>
        line.startsWith('  HELD   P8 NOTIFY rate (notify): at most 1 unchanged NOTIFY per 10 min per dialog crossed'),
      ),
    ).toBe(true);
  });

  it('L1 the CLI exits 5 and marks the verdict broken when an expectation does not hold', async () => {
    const broken = await runCli('break');
    expect(broken.code).toBe(5);
    expect(broken.report.verdicts.find((v) => v.scenario === 'flood')?.passed).toBe(false);
    expect(broken.out.some((line) => line.startsWith('  BROKEN Y1 rate limits (flood)'))).toBe(true);
  });

  it('L1 the HTML report opens offline in headless Chromium: every chart renders non-empty SVG and the page logs no error', async () => {
    expect(held, 'the first test writes the report').toBeDefined();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    // Any request beyond the file itself would be the page reaching for the network.
    page.on('request', (request) => {
      if (!request.url().startsWith('file://')) problems.push(`network request: ${request.url()}`);
    });
    await page.goto(`file://${held.html}`);
    for (const id of ['rate', 'latency', 'outcomes']) {
      const box = await page.locator(`#chart-${id} svg`).boundingBox();
      expect(box?.width, id).toBeGreaterThan(100);
      expect(box?.height, id).toBeGreaterThan(100);
    }
    expect(await page.locator('#chart-rate polyline.series').count()).toBe(2);
    expect(await page.locator('#chart-latency polyline.series').count()).toBe(2);
    expect(await page.locator('#chart-outcomes rect.bar').count()).toBeGreaterThanOrEqual(7);
    const screenshot = path.join(workDir, 'loadtest-report.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);
    // The README's sample report is this screenshot; a run refreshes it only when asked, so that a
    // test run leaves the checkout as it found it.
    if (process.env.SIMPLE_EDGE_UPDATE_SCREENSHOTS === '1') {
      const images = path.join(REPO_ROOT, 'docs', 'images');
      if (!existsSync(images)) mkdirSync(images, { recursive: true });
      copyFileSync(screenshot, path.join(images, 'loadtest-report.png'));
    }
    expect(problems).toEqual([]);
  });
});
