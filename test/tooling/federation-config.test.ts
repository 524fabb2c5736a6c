// config/federation, the two-community setup README's "Federate two communities" and
// `simple-edge demo` start from: each file passes the configuration loader (what check-config and
// start run), each community's static route and published DNS records point at the other's external
// TLS listener, and nothing the two edges bind, write or read collides.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { EdgeConfig } from '../../src/config/config-schema.js';
import { readConfigFile } from '../../src/config/load-config.js';
import { main } from '../../src/cli/main.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIR = 'config/federation';
const A = 'a.example.com';
const B = 'b.example.net';

function load(domain: string): EdgeConfig {
  const result = readConfigFile(path.join(REPO, DIR, `${domain}.yaml`));
  if (!result.ok) throw new Error(`${domain}.yaml: ${JSON.stringify(result.problems)}`);
  return result.config;
}

function externalTlsPort(config: EdgeConfig): number {
  const listener = config.listen.external.find((l) => l.transport === 'tls');
  if (listener === undefined) throw new Error(`${config.domains[0]!}: no external TLS listener`);
  return listener.port;
}

/** The SRV records of each $ORIGIN section of the zone file: owner → port. */
function srvPorts(zone: string): Map<string, number> {
  const ports = new Map<string, number>();
  let origin = '';
  for (const line of zone.split('\n').map((l) => l.replace(/;.*/, '').trim())) {
    const originMatch = /^\$ORIGIN\s+(\S+)\.$/.exec(line);
    if (originMatch !== null) origin = originMatch[1]!;
    const srv = /^(\S+)\s+IN\s+SRV\s+\d+\s+\d+\s+(\d+)\s+/.exec(line);
    if (srv !== null) ports.set(`${srv[1]!}.${origin}`, Number(srv[2]));
  }
  return ports;
}

const a = load(A);
const b = load(B);

describe('config/federation: two communities federating on loopback', () => {
  it('O1 both files pass the configuration loader, each serving its own domain with the built-in registrar and presence server', () => {
    expect(a.domains).toEqual([A]);
    expect(b.domains).toEqual([B]);
    for (const config of [a, b]) {
      expect(config.internal).toMatchObject({ registrar: 'builtin', presence: 'builtin' });
      expect(config.listen.internal.map((l) => l.transport).sort()).toEqual(['tcp', 'udp']);
      expect(config.state.backend).toBe('sqlite');
    }
  });

  it('O1 `simple-edge check-config` accepts both files', async () => {
    const lines: string[] = [];
    const io = { out: (line: string) => void lines.push(line), err: (line: string) => void lines.push(line) };
    const files = [A, B].map((domain) => path.join(REPO, DIR, `${domain}.yaml`));
    for (const file of files) expect(await main(['check-config', file], { io })).toBe(0);
    expect(lines.filter((line) => line.includes(': OK'))).toEqual(
      files.map((file) => `${file}: OK (1 domain, 3 listeners)`),
    );
  });

  it("D1 each community's static route targets the other's external TLS listener", () => {
    expect(a.routes).toEqual([
      { domain: B, targets: [{ host: '127.0.0.1', port: externalTlsPort(b), transport: 'tls' }] },
    ]);
    expect(b.routes).toEqual([
      { domain: A, targets: [{ host: '127.0.0.1', port: externalTlsPort(a), transport: 'tls' }] },
    ]);
  });

  it("D2 federation.zone publishes each community's SIPS, im and pres SRV records at its external TLS port", () => {
    const ports = srvPorts(readFileSync(path.join(REPO, DIR, 'federation.zone'), 'utf8'));
    for (const [domain, config] of [
      [A, a],
      [B, b],
    ] as const) {
      for (const service of ['_sips._tcp', '_im._sip', '_pres._sip'])
        expect(ports.get(`${service}.${domain}`), `${service}.${domain}`).toBe(externalTlsPort(config));
    }
  });

  it('binds no port, state file or admin listener twice', () => {
    const ports = [a, b].flatMap((c) =>
      [...c.listen.internal, ...c.listen.external].map((l) => `${l.transport}:${l.port}`),
    );
    expect(new Set(ports).size).toBe(ports.length);
    expect(a.admin.listen).not.toBe(b.admin.listen);
    expect(a.state.path).not.toBe(b.state.path);
  });

  it("F2 both trust the one development CA certs init makes, each serving its own domain's certificate from config/federation/certs", () => {
    for (const [domain, config] of [
      [A, a],
      [B, b],
    ] as const) {
      // O1: written relative to the file, read from config/federation/.
      const certs = path.join(REPO, DIR, 'certs');
      expect(config.tls.ca).toBe(path.join(certs, 'dev-ca.pem'));
      expect(config.tls.certificates).toEqual([
        { domain, cert: path.join(certs, `${domain}.pem`), key: path.join(certs, `${domain}.key`) },
      ]);
    }
  });

  it('I2 the users files give alice to A and bob to B', () => {
    const users = (config: EdgeConfig): string[] =>
      (
        parse(readFileSync(path.resolve(REPO, config.community.usersFile!), 'utf8')) as {
          users: Array<{ address: string }>;
        }
      ).users.map((u) => u.address);
    expect(users(a)).toEqual([`alice@${A}`]);
    expect(users(b)).toEqual([`bob@${B}`]);
  });

  it("keeps the generated certificates and keys out of git, but not the folder's README", () => {
    const ignored = (file: string): boolean => {
      try {
        execFileSync('git', ['check-ignore', '-q', file], { cwd: REPO });
        return true;
      } catch {
        return false;
      }
    };
    expect(ignored(`${DIR}/certs/dev-ca.pem`)).toBe(true);
    expect(ignored(`${DIR}/certs/dev-ca.key`)).toBe(true);
    expect(ignored(`${DIR}/certs/a.example.com.pem`)).toBe(true);
    expect(ignored(`${DIR}/certs/README.md`)).toBe(false);
  });
});
