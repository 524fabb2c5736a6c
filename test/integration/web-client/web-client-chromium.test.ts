// I7, the user side: the web client in headless Chromium (Debian `chromium`, driven by
// playwright-core) on both communities of the federation lab. a.example.com and b.example.net are
// two simple-edges, each with its built-in registrar and presence server, a WebSocket listener on the
// community side serving the web client, and mutual TLS between them (each trusts only the other's
// CA); A also demands proxy credentials on its users' MESSAGE, SUBSCRIBE and PUBLISH.
// alice signs in at A and bob at B, in browser contexts of their own; each sees the other's
// presence change and receives the other's MESSAGE across the border. Screenshots of both tabs stay
// in the test's temp dir; with SIMPLE_EDGE_UPDATE_SCREENSHOTS=1 they are copied to docs/images/ for
// the README.

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Edge } from '../../../src/edge.js';
import { ensureDebianPackages } from '../../support/apt.js';
import { LOOPBACK, PortAllocator, startEdge, stopEdge } from '../../support/edge-harness.js';
import { A, B, communityTls, edgeTls, tlsFlowIds, type CommunityTls } from '../federation/federation-lab.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
/** How long a step of the browser may take: a sign-in, a NOTIFY, a MESSAGE across both edges. */
const STEP_MS = 10_000;

const USERS = {
  [A]: { user: 'alice', password: 'wonderland' },
  [B]: { user: 'bob', password: 'looking-glass' },
} as const;

interface Community {
  readonly domain: typeof A | typeof B;
  readonly tls: CommunityTls;
  readonly ports: { readonly tcp: number; readonly ws: number; readonly tls: number };
}

const allocator = new PortAllocator();
const communities: Community[] = ([A, B] as const).map((domain) => {
  const first = allocator.take(3);
  return { domain, tls: communityTls(domain), ports: { tcp: first, ws: first + 1, tls: first + 2 } };
});
const [communityA, communityB] = communities as [Community, Community];

let workDir: string;
let edges: Edge[] = [];
let browser: Browser | undefined;
/** Console errors, page errors (a CSP refusal among them) and requests beyond the page's own origin. */
const problems: string[] = [];

function yamlFor(own: Community, peer: Community): string {
  const { user, password } = USERS[own.domain];
  const usersFile = path.join(workDir, `${own.domain}.users.yaml`);
  writeFileSync(usersFile, `users:\n  - { address: ${user}@${own.domain}, password: ${password} }\n`);
  return [
    `domains: [${own.domain}]`,
    'listen:',
    '  internal:',
    `    - { transport: tcp, address: ${LOOPBACK}, port: ${own.ports.tcp} }`,
    `    - { transport: ws, address: ${LOOPBACK}, port: ${own.ports.ws} }`,
    `  external: [{ transport: tls, address: ${LOOPBACK}, port: ${own.ports.tls} }]`,
    'internal: { registrar: builtin, presence: builtin }',
    // A challenges its users' own requests too (community.authenticate): SIP.js answers the 407s.
    `community: { usersFile: ${usersFile}, webClient: true${own.domain === A ? ', authenticate: [MESSAGE, SUBSCRIBE, PUBLISH]' : ''} }`,
    'routes:',
    `  - { domain: ${peer.domain}, targets: [{ host: ${LOOPBACK}, port: ${peer.ports.tls}, transport: tls }] }`,
    'state: { backend: memory }',
    'log: { level: warn }',
    '',
  ].join('\n');
}

function pageUrl(own: Community, peer: Community): string {
  const query = new URLSearchParams({
    user: `${USERS[own.domain].user}@${own.domain}`,
    buddy: `${USERS[peer.domain].user}@${peer.domain}`,
  });
  return `http://${LOOPBACK}:${own.ports.ws}/?${query.toString()}`;
}

/** A page in a browser context of its own (storage apart, as two people's browsers would be). */
async function openClient(own: Community, peer: Community): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width: 900, height: 1000 } });
  const page = await context.newPage();
  const origin = `http://${LOOPBACK}:${own.ports.ws}`;
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`${own.domain}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`${own.domain}: ${error.message}`));
  page.on('request', (request) => {
    if (!request.url().startsWith(origin) && !request.url().startsWith(`ws://${LOOPBACK}:${own.ports.ws}`))
      problems.push(`${own.domain}: request beyond the origin: ${request.url()}`);
  });
  await page.goto(pageUrl(own, peer));
  return page;
}

/** Signs in with the mouse, or, `byKeyboard`, as a keyboard user does: Tab from the address, type, Enter. */
async function signIn(page: Page, community: Community, byKeyboard = false): Promise<void> {
  const { password } = USERS[community.domain];
  if (byKeyboard) {
    await page.getByLabel('Address').focus();
    await page.keyboard.press('Tab');
    await page.keyboard.type(password);
    await page.keyboard.press('Enter');
  } else {
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  const address = `${USERS[community.domain].user}@${community.domain}`;
  await page.getByText(`Signed in as ${address}`, { exact: true }).waitFor({ timeout: STEP_MS });
}

function presenceOf(page: Page, buddy: string, state: string) {
  return page.locator(`li[data-address="${buddy}"] .presence[data-state="${state}"]`);
}

async function send(page: Page, to: string, text: string): Promise<void> {
  await page.getByRole('button', { name: `Write to ${to}` }).click();
  const field = page.getByRole('textbox', { name: 'Message' });
  await field.fill(text);
  await field.press('Enter');
  await page.getByText(`Delivered to ${to}`, { exact: true }).waitFor({ timeout: STEP_MS });
}

async function screenshot(page: Page, name: string): Promise<void> {
  const file = path.join(workDir, name);
  await page.screenshot({ path: file, fullPage: true });
  expect(statSync(file).size).toBeGreaterThan(10_000);
  // The README shows these; a run refreshes them only when asked, so a test run leaves the checkout as it was.
  if (process.env.SIMPLE_EDGE_UPDATE_SCREENSHOTS === '1') {
    const images = path.join(REPO_ROOT, 'docs', 'images');
    if (!existsSync(images)) mkdirSync(images, { recursive: true });
    copyFileSync(file, path.join(images, name));
  }
}

beforeAll(async () => {
  await ensureDebianPackages(['chromium']);
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-web-client-'));
  edges = [
    await startEdge({ yaml: yamlFor(communityA, communityB), tls: edgeTls(communityA.tls, communityB.tls) }),
    await startEdge({ yaml: yamlFor(communityB, communityA), tls: edgeTls(communityB.tls, communityA.tls) }),
  ];
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  for (const edge of edges) await stopEdge(edge).catch(() => undefined);
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

describe('I7 the web client in a browser, across the federation', () => {
  let alice: Page;
  let bob: Page;

  it('I7 serves a page whose every control has a label, with landmarks and a live region for incoming messages', async () => {
    alice = await openClient(communityA, communityB);
    // Evaluated in the page (as text: the tests compile without the DOM's types).
    const structure = await alice.evaluate(`({
      landmarks: ['header', 'main', 'footer'].filter((tag) => document.querySelector(tag) !== null),
      unlabelled: [...document.querySelectorAll('input, textarea, select')]
        .filter((control) => control.labels.length === 0)
        .map((control) => control.id),
      live: document.getElementById('messages').getAttribute('aria-live'),
    })`);
    expect(structure).toEqual({ landmarks: ['header', 'main', 'footer'], unlabelled: [], live: 'polite' });
    expect(await alice.getByLabel('Address').inputValue()).toBe(`alice@${A}`);
  });

  it('I7 alice signs in at a.example.com and bob at b.example.net (by keyboard alone) with their digest credentials, each over WebSocket', async () => {
    bob = await openClient(communityB, communityA);
    await signIn(alice, communityA);
    await signIn(bob, communityB, true);
  });

  it("I7 each sees the other's presence across the border, and bob sees alice turn busy with a note", async () => {
    await presenceOf(alice, `bob@${B}`, 'available').waitFor({ timeout: STEP_MS });
    await presenceOf(bob, `alice@${A}`, 'available').waitFor({ timeout: STEP_MS });
    await alice.getByLabel('Busy').check();
    await alice.getByLabel('Note').fill('in a meeting until 3');
    await alice.getByRole('button', { name: 'Publish' }).click();
    await alice.getByText('Published: Busy: in a meeting until 3', { exact: true }).waitFor({ timeout: STEP_MS });
    const busy = presenceOf(bob, `alice@${A}`, 'busy');
    await busy.waitFor({ timeout: STEP_MS });
    expect(await busy.textContent()).toBe('Busy: in a meeting until 3');
  });

  it("I7 each receives the other's MESSAGE across mutual TLS between the two edges", async () => {
    await send(alice, `bob@${B}`, 'Hello Bob, this is Alice at A');
    const atBob = bob.locator('#messages li.incoming', { hasText: 'Hello Bob, this is Alice at A' });
    await atBob.waitFor({ timeout: STEP_MS });
    expect(await atBob.getAttribute('data-peer')).toBe(`alice@${A}`);
    await send(bob, `alice@${A}`, 'Hi Alice, Bob here at B');
    await alice.locator('#messages li.incoming', { hasText: 'Hi Alice, Bob here at B' }).waitFor({ timeout: STEP_MS });
    expect(tlsFlowIds(edges[0]!).length).toBeGreaterThan(0);
    expect(tlsFlowIds(edges[1]!).length).toBeGreaterThan(0);
    await bob.getByLabel('Away').check();
    await bob.getByRole('button', { name: 'Publish' }).click();
    await presenceOf(alice, `bob@${B}`, 'away').waitFor({ timeout: STEP_MS });
    await screenshot(alice, 'web-client-alice.png');
    await screenshot(bob, 'web-client-bob.png');
  });

  it('I7 a wrong password is refused and said so on the sign-in form', async () => {
    const stranger = await openClient(communityA, communityB);
    await stranger.getByLabel('Password').fill('not the password');
    await stranger.getByRole('button', { name: 'Sign in' }).click();
    await stranger.getByText(/^Sign-in failed: refused \((401|403)/).waitFor({ timeout: STEP_MS });
    await stranger.context().close();
  });

  it('I7 the pages logged no error, broke no Content-Security-Policy rule and reached for nothing beyond their edge', () => {
    expect(problems).toEqual([]);
  });
});
