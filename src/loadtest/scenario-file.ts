// Reading a scenario file: YAML, validated by the zod schema, with the command line's run settings
// laid over it, and the peer certificate found (by default the one `simple-edge certs` wrote to
// certs/ for the peer domain).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { PeerIdentity } from './far-side.js';
import { scenarioFileSchema, type RunSettings, type ScenarioFile } from './scenario-schema.js';

export type RunOverrides = Partial<RunSettings>;

export type ScenarioFileResult =
  { readonly ok: true; readonly file: ScenarioFile } | { readonly ok: false; readonly problems: readonly string[] };

export function parseScenarioFile(text: string, overrides: RunOverrides = {}): ScenarioFileResult {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    return { ok: false, problems: [`not YAML: ${error instanceof Error ? error.message : String(error)}`] };
  }
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const merged = typeof raw === 'object' && raw !== null ? { ...raw, ...defined } : raw;
  const parsed = scenarioFileSchema.safeParse(merged);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`),
    };
  }
  const names = parsed.data.scenarios.map((s, i) => s.name ?? `${s.kind}${i === 0 ? '' : `-${i + 1}`}`);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined)
    return { ok: false, problems: [`scenarios: the name ${duplicate} is used twice; give each scenario its own name`] };
  return {
    ok: true,
    file: { ...parsed.data, scenarios: parsed.data.scenarios.map((s, i) => ({ ...s, name: names[i] })) },
  };
}

/** The peer certificate: the file's `tls`, relative to the file, or certs/<peerDomain>.{pem,key} and certs/dev-ca.pem. */
export function readPeerIdentity(file: ScenarioFile, options: { baseDir: string; certsDir?: string }): PeerIdentity {
  const certs = options.certsDir ?? path.resolve('certs');
  const files =
    file.tls === undefined
      ? {
          cert: path.join(certs, `${file.target.peerDomain}.pem`),
          key: path.join(certs, `${file.target.peerDomain}.key`),
          ca: path.join(certs, 'dev-ca.pem'),
        }
      : {
          cert: path.resolve(options.baseDir, file.tls.cert),
          key: path.resolve(options.baseDir, file.tls.key),
          ca: path.resolve(options.baseDir, file.tls.ca),
        };
  return { cert: readFileSync(files.cert), key: readFileSync(files.key), ca: readFileSync(files.ca) };
}
