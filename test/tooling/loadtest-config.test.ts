// L1: config/loadtest/edge.yaml is the edge the shipped scenario file expects, so the README's load
// test is two commands (`start --config config/loadtest/edge.yaml`, then `loadtest …`): the edge
// listens where the scenario's target points, and sends its community's and the peer's traffic to
// where the tool answers as the far side. test/tooling/readme-walk.test.ts runs the two commands.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfigFile } from '../../src/config/load-config.js';
import { parseScenarioFile } from '../../src/loadtest/scenario-file.js';

const root = path.resolve(import.meta.dirname, '../..');

function shipped() {
  const edge = readConfigFile(path.join(root, 'config/loadtest/edge.yaml'));
  if (!edge.ok) throw new Error(JSON.stringify(edge.problems));
  const scenario = parseScenarioFile(
    readFileSync(path.join(root, 'config/loadtest/federation-policies.yaml'), 'utf8'),
    {},
  );
  if (!scenario.ok) throw new Error(scenario.problems.join('\n'));
  return { edge: edge.config, file: scenario.file };
}

describe('L1 config/loadtest: an edge ready for the shipped scenario file', () => {
  it('L1 the edge listens where the scenario targets it, for the domain it names', () => {
    const { edge, file } = shipped();
    expect(edge.domains).toEqual([file.target.localDomain]);
    expect(edge.listen.external).toContainEqual({
      transport: 'tls',
      address: file.target.external.host,
      port: file.target.external.port,
    });
    expect(edge.listen.internal).toContainEqual({
      transport: 'tcp',
      address: file.target.internal!.host,
      port: file.target.internal!.port,
    });
  });

  it("L1 the edge's registrar, presence server and route to the peer are the tool's far-side listeners", () => {
    const { edge, file } = shipped();
    const community = [{ host: file.listen.community!.host, port: file.listen.community!.port, transport: 'tcp' }];
    expect(edge.internal).toMatchObject({ registrar: community, presence: community });
    expect(edge.routes).toEqual([
      {
        domain: file.target.peerDomain,
        targets: [{ host: file.listen.peer!.host, port: file.listen.peer!.port, transport: 'tls' }],
      },
    ]);
  });
});
