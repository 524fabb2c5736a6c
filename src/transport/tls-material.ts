// The TLS material in force (SPEC F3, O2): one secure context per served domain — chosen by SNI when
// a peer dials in, by the local domain when the edge dials out — each with the same trust anchors,
// revocation lists and minimum version. Built whole from options, so a reload either swaps in a
// complete, valid set or fails and leaves the old one serving.

import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import { TransportError } from './transport-error.js';
import type { TlsOptions } from './transport-options.js';

export class TlsMaterial {
  readonly options: TlsOptions;
  /** For `tls.Server#setSecureContext`: the default context, used when SNI names no served domain. */
  readonly defaultContextOptions: SecureContextOptions;
  readonly #defaultContext: SecureContext;
  readonly #byDomain = new Map<string, SecureContext>();

  /** Throws TransportError OPTIONS_INVALID naming the certificate that OpenSSL refused. */
  constructor(options: TlsOptions) {
    this.options = options;
    this.defaultContextOptions = contextOptions(options, options);
    this.#defaultContext = build(this.defaultContextOptions, 'the default certificate');
    for (const certificate of options.certificates ?? []) {
      const domain = certificate.domain.toLowerCase();
      if (this.#byDomain.has(domain))
        throw new TransportError('OPTIONS_INVALID', `tls: two certificates for ${domain}`);
      this.#byDomain.set(domain, build(contextOptions(options, certificate), `the certificate for ${domain}`));
    }
  }

  /** RFC 6066 §3: the context of the served domain the client named; undefined keeps the default. */
  contextForServerName(servername: string): SecureContext | undefined {
    return this.#byDomain.get(servername.toLowerCase().replace(/\.$/, ''));
  }

  /** SPEC F3 outbound: the certificate of the local domain a request is from, else the default. */
  contextForLocalDomain(domain: string | undefined): SecureContext {
    return (domain === undefined ? undefined : this.#byDomain.get(domain.toLowerCase())) ?? this.#defaultContext;
  }
}

// RFC 7525 §3.1.1: TLS 1.2 at least; Node's maximum (TLS 1.3) stays, so 1.3 is preferred. OpenSSL as
// Node builds it never negotiates TLS compression (SPEC F6, RFC 7525 §3.3; docs/SECURITY.md).
function contextOptions(options: TlsOptions, own: Pick<TlsOptions, 'cert' | 'key'>): SecureContextOptions {
  return {
    cert: own.cert,
    key: own.key,
    minVersion: options.minVersion,
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    ...(options.crl === undefined || options.crl.length === 0 ? {} : { crl: [...options.crl] }),
  };
}

function build(options: SecureContextOptions, what: string): SecureContext {
  try {
    return createSecureContext(options);
  } catch (error) {
    throw new TransportError(
      'OPTIONS_INVALID',
      `tls: ${what} cannot be used: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}
