// O6: the Dockerfile cannot be built on this machine (no Docker engine), so it is checked here for
// what can go wrong without a build: files it copies that do not exist, ports it exposes that the
// configuration it ships does not use (or the reverse), a root user, a health check on the wrong port.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load-config.js';
import { parseHostPort } from '../../src/config/host-port.js';

const root = path.resolve(import.meta.dirname, '../..');
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const instructions = dockerfile
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'))
  .join('\n')
  .replace(/\\\n\s*/g, ' ')
  .split('\n');

function argumentsOf(keyword: string): string[][] {
  return instructions
    .filter((l) => l.startsWith(`${keyword} `))
    .map((l) =>
      l
        .slice(keyword.length + 1)
        .trim()
        .split(/\s+/),
    );
}

function shippedConfig() {
  const copy = argumentsOf('COPY').find((args) => args.at(-1) === './config/edge.yaml');
  if (copy === undefined) throw new Error('the Dockerfile copies no config/edge.yaml');
  const result = parseConfigText(readFileSync(path.join(root, copy[0]!), 'utf8'), copy[0]!);
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.key}: ${p.problem}`).join('\n'));
  return result.config;
}

describe('Dockerfile', () => {
  it('O6 copies from the build context only files and directories that exist', () => {
    const sources = argumentsOf('COPY')
      .filter((args) => !args[0]!.startsWith('--from='))
      .flatMap((args) => args.slice(0, -1));
    expect(sources.length).toBeGreaterThan(3);
    expect(sources.filter((source) => !existsSync(path.join(root, source)))).toEqual([]);
  });

  it('O6 ships a configuration that passes check-config and exposes exactly the ports it listens on', () => {
    const config = shippedConfig();
    const listened = [...config.listen.internal, ...config.listen.external].map(
      (l) => `${l.port}/${l.transport === 'udp' ? 'udp' : 'tcp'}`,
    );
    const admin = parseHostPort(config.admin.listen);
    if (!admin.ok) throw new Error(admin.problem);
    const exposed = argumentsOf('EXPOSE').flat();
    expect(new Set(exposed)).toEqual(new Set([...listened, `${admin.port}/tcp`]));
    // Inside a container the listeners must take traffic from outside it.
    expect(
      [...config.listen.internal, ...config.listen.external].every(
        (l) => l.address === '0.0.0.0' || l.address === '::',
      ),
    ).toBe(true);
  });

  it("O6 runs as a non-root user, with a health check on the admin listener's /healthz", () => {
    const config = shippedConfig();
    const admin = parseHostPort(config.admin.listen);
    if (!admin.ok) throw new Error(admin.problem);
    const users = argumentsOf('USER').map((args) => args[0]);
    expect(users.at(-1)).toBeDefined();
    expect(users.at(-1)).not.toBe('root');
    const healthcheck = instructions.find((l) => l.startsWith('HEALTHCHECK '));
    expect(healthcheck).toContain(`127.0.0.1:${admin.port}/healthz`);
  });

  it('O6 installs only production dependencies in the image it runs', () => {
    expect(instructions).toContain('RUN npm run build && npm ci --omit=dev');
    const stages = instructions.filter((l) => l.startsWith('FROM '));
    expect(stages).toHaveLength(2);
    const runtimeStage = instructions.slice(instructions.indexOf(stages[1]!));
    expect(runtimeStage.some((l) => /^RUN npm (ci|install)\b/.test(l))).toBe(false);
    expect(runtimeStage).toContain('COPY --from=build /src/node_modules ./node_modules');
  });
});
