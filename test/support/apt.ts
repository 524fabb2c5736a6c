// Test setup: the Debian packages the integration tests drive as real peers, installed with
// apt-get when their programs are missing. Fast and silent when everything is already there, so the
// vitest global setup can call it on every run.

import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The programs each package provides; a package counts as installed when any of them is on PATH. */
const PROGRAMS: Readonly<Record<string, readonly string[]>> = {
  'sip-tester': ['sipp'],
  iproute2: ['ip'],
  stunnel4: ['stunnel4', 'stunnel'],
  'libxml2-utils': ['xmllint'],
  kamailio: ['kamailio'],
  // A module package has no program: its module file stands for it.
  'kamailio-presence-modules': ['/usr/lib/x86_64-linux-gnu/kamailio/modules/presence.so'],
  'kamailio-tls-modules': ['/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so', '/usr/lib/kamailio/modules/tls.so'],
};

/** Packages that install no program of their own (kamailio-tls-modules): present when dpkg says so. */
function dpkgInstalled(packageName: string): boolean {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', packageName], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).includes('install ok installed');
  } catch {
    return false;
  }
}

function isInstalled(packageName: string): boolean {
  const programs = PROGRAMS[packageName];
  if (programs !== undefined) return findProgram(programs) !== undefined;
  return findProgram([packageName]) !== undefined || dpkgInstalled(packageName);
}

/** apt-get update plus install over a slow mirror; a hung apt must not hang the test run for ever. */
const APT_TIMEOUT_MS = 10 * 60_000;

/** Packages are missing and this process may not install them (it is not root). */
export class MissingPackagesError extends Error {
  constructor(
    readonly packages: readonly string[],
    readonly command: string,
  ) {
    super(`the integration tests need the Debian packages ${packages.join(', ')}; run as root: ${command}`);
    this.name = 'MissingPackagesError';
  }
}

/** The first of `programs` found on PATH (absolute path), or undefined. */
export function findProgram(programs: readonly string[]): string | undefined {
  const dirs = (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(path.delimiter).filter((d) => d !== '');
  for (const program of programs) {
    if (path.isAbsolute(program)) {
      try {
        accessSync(program, constants.R_OK);
        return program;
      } catch {
        continue;
      }
    }
    for (const dir of [...dirs, '/usr/sbin', '/usr/bin']) {
      const candidate = path.join(dir, program);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here; keep looking
      }
    }
  }
  return undefined;
}

/** The absolute path of a program a package in PROGRAMS provides; throws with the fix when missing. */
export function requireProgram(packageName: string): string {
  const programs = PROGRAMS[packageName] ?? [packageName];
  const found = findProgram(programs);
  if (found === undefined) {
    throw new Error(
      `${programs.join(' or ')} not found: install the Debian package ${packageName} (the vitest global setup does so as root)`,
    );
  }
  return found;
}

/**
 * Installs whichever of `packages` lack their programs: `apt-get update` once, then one
 * `apt-get install -y`. Needs root; anyone else gets the command to run.
 */
export async function ensureDebianPackages(packages: readonly string[]): Promise<void> {
  const missing = packages.filter((name) => !isInstalled(name));
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new MissingPackagesError(missing, command);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const options = { env, timeout: APT_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 };
  try {
    await run('apt-get', ['update'], options);
    await run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], options);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`installing ${missing.join(', ')} failed (${command}): ${detail}`, { cause: error });
  }
  const stillMissing = missing.filter((name) => !isInstalled(name));
  if (stillMissing.length > 0)
    throw new Error(`apt-get installed ${stillMissing.join(', ')} but its programs are not on PATH`);
}
