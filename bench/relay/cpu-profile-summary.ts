// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per source file,
// as shares of the profiled time without idle, so it says where simple-edge spends its CPU under load.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly where: string;
  readonly ms: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly busyMs: number;
  readonly idleMs: number;
  readonly functions: readonly SelfTime[];
  readonly files: readonly SelfTime[];
}

export function latestProfile(dir: string): string | undefined {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort();
  return files.length === 0 ? undefined : path.join(dir, files[files.length - 1]!);
}

export function summariseProfile(file: string, repoRoot: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const functions = new Map<string, { name: string; where: string; us: number }>();
  const files = new Map<string, { name: string; where: string; us: number }>();
  let idleUs = 0;
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const where = shortUrl(frame.url, repoRoot);
    const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
    const key = `${name} ${where}:${frame.lineNumber}`;
    const entry = functions.get(key) ?? { name, where: where === '' ? '' : `${where}:${frame.lineNumber + 1}`, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    const fileKey = where === '' ? name : where;
    const fileEntry = files.get(fileKey) ?? { name: fileKey, where: '', us: 0 };
    fileEntry.us += us;
    files.set(fileKey, fileEntry);
  }
  const ranked = (m: Map<string, { name: string; where: string; us: number }>): SelfTime[] =>
    [...m.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((e) => ({ name: e.name, where: e.where, ms: e.us / 1000, share: busyUs === 0 ? 0 : e.us / busyUs }));
  return { file, busyMs: busyUs / 1000, idleMs: idleUs / 1000, functions: ranked(functions), files: ranked(files) };
}

export function formatProfile(summary: ProfileSummary): string[] {
  const line = (e: SelfTime): string =>
    `  ${(e.share * 100).toFixed(1).padStart(5)} %  ${e.ms.toFixed(0).padStart(7)} ms  ${e.name}${e.where === '' ? '' : `  ${e.where}`}`;
  return [
    `CPU profile ${summary.file}: ${(summary.busyMs / 1000).toFixed(1)} s busy, ${(summary.idleMs / 1000).toFixed(1)} s idle`,
    'top self time by function (share of busy time):',
    ...summary.functions.map(line),
    'self time by source file:',
    ...summary.files.slice(0, 15).map(line),
  ];
}

function shortUrl(url: string, repoRoot: string): string {
  if (url === '') return '';
  const plain = url.startsWith('file://') ? url.slice('file://'.length) : url;
  return plain.startsWith(repoRoot) ? path.relative(repoRoot, plain) : plain;
}
