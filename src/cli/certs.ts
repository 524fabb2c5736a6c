// `simple-edge certs init --domain a.example.com [--domain b.example.net] [--dir certs]`: a
// development CA and one certificate per served domain (subjectAltName DNS:<domain> and
// URI:sip:<domain>, RFC 5922 §7.1), the same files `npm start` makes on a fresh clone. Prints what it
// wrote and the configuration lines that use them.

import path from 'node:path';
import type { Command } from 'commander';
import { domainNameField } from '../config/network-fields.js';
import type { CommandContext } from './check-config.js';
import type { CliIo } from './cli-io.js';
import { ensureDevCertificates } from './dev-certificates.js';
import { ExitCode } from './exit-code.js';

export const DEFAULT_CERTIFICATES_DIR = 'certs';

export interface CertsInitOptions {
  readonly domains: readonly string[];
  readonly dir: string;
}

export function runCertsInit(options: CertsInitOptions, io: CliIo): number {
  const invalid = options.domains.filter((d) => !domainNameField().safeParse(d).success);
  if (options.domains.length === 0 || invalid.length > 0) {
    io.err(
      options.domains.length === 0
        ? 'certs init: name at least one --domain'
        : `certs init: not a domain name: ${invalid.join(', ')}`,
    );
    return ExitCode.usage;
  }
  const domains = [...new Set(options.domains.map((d) => d.toLowerCase()))];
  const made = ensureDevCertificates(options.dir, domains);
  const kept = [made.caCert, made.caKey, ...made.certificates.flatMap((c) => [c.cert, c.key])].filter(
    (f) => !made.written.includes(f),
  );
  for (const file of made.written) io.out(`wrote ${file}${file.endsWith('.key') ? ' (mode 0600)' : ''}`);
  for (const file of kept) io.out(`kept ${file} (exists)`);
  io.out('');
  io.out('# development certificates: for one machine or a lab, never for federation with real peers');
  // Absolute: a relative path in a configuration file is read from that file's directory, not from here.
  io.out('tls:');
  io.out('  certificates:');
  for (const c of made.certificates)
    io.out(`    - { domain: ${c.domain}, cert: ${path.resolve(c.cert)}, key: ${path.resolve(c.key)} }`);
  io.out(`  ca: ${path.resolve(made.caCert)}   # trust peers whose certificates this CA issued; give it to them too`);
  io.out('');
  io.out(`keep ${made.caKey} and the .key files out of version control (.gitignore covers certs/ and *.key)`);
  return ExitCode.ok;
}

export function registerCerts(program: Command, context: CommandContext): void {
  const certs = program.command('certs').description('development certificates');
  certs
    .command('init')
    .description('make a development CA and a certificate per served domain')
    .option(
      '-d, --domain <domain>',
      'a served domain (repeat for several)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--dir <dir>', 'where to write the files', DEFAULT_CERTIFICATES_DIR)
    .action((options: { domain: string[]; dir: string }) => {
      context.setExitCode(runCertsInit({ domains: options.domain, dir: options.dir }, context.io));
    });
}
