// G2 (003 §9.4, §10.5 "Policy Discovery"): each peer's federation policy document, fetched over
// HTTPS when the peer first connects (either way) and again once it is older than refreshSeconds, so
// a new version is picked up while the peers stay connected. The server must prove the *peer
// domain* in its certificate (as RFC 5922 asks of the SIP edge), whatever host the URL names. A
// document that fails to load or to validate leaves the last good one in force and is logged. The
// URL's host is resolved through the edge's own DNS client (`lookup`: discovery.resolvers, its cache
// and timeouts), as every other border look-up is, never through the system resolver.

import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { checkServerIdentity, rootCertificates, type PeerCertificate } from 'node:tls';
import { parsePolicyDocument, POLICY_DOCUMENT_PATH, type PolicyDocument } from '../config/policy-document.js';
import type { PolicyDocumentConfig } from '../config/policy-document-schema.js';
import type { Logger } from '../observability/logger.js';

/** Documents are small; anything larger is not one. */
const MAX_DOCUMENT_BYTES = 64 * 1024;
const FETCH_TIMEOUT_MS = 5000;

export interface PeerPolicyEntry {
  readonly peer: string;
  readonly url: string;
  readonly document?: PolicyDocument;
  /** Wall-clock ms of the last attempt, and of the last success. */
  readonly triedAt?: number;
  readonly fetchedAt?: number;
  /** Why the last attempt failed, if it did. */
  readonly problem?: string;
}

export interface PolicyDocumentFetcherOptions {
  readonly config: PolicyDocumentConfig;
  /** Trust anchors beside the public roots (the peers' CAs, tls.ca). */
  readonly ca?: string | Buffer;
  readonly log: Logger;
  /** D3: how the URL's host becomes an address (host-lookup.ts over the discovery DNS client). */
  readonly lookup?: LookupFunction;
  readonly now?: () => number;
  /** Tests replace the HTTPS GET; it must verify `peer` in the server's certificate as the default does. */
  readonly get?: (url: string, peer: string) => Promise<string>;
}

export class PolicyDocumentFetcher {
  #options: PolicyDocumentFetcherOptions;
  readonly #entries = new Map<string, PeerPolicyEntry>();
  readonly #inFlight = new Map<string, Promise<PeerPolicyEntry>>();
  readonly #now: () => number;

  constructor(options: PolicyDocumentFetcherOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** O2: a reloaded `policyDocument` section (URLs, refresh period, fetch on or off). */
  reconfigure(config: PolicyDocumentConfig): void {
    this.#options = { ...this.#options, config };
  }

  /** The peer's last good document; a stale one is refreshed in the background meanwhile. */
  documentOf(peer: string): PolicyDocument | undefined {
    const entry = this.#entries.get(peer);
    if (entry !== undefined && this.#stale(entry)) void this.refresh(peer);
    return entry?.document;
  }

  /** A flow with the peer opened: fetch its document unless a fresh one is at hand. */
  peerConnected(peer: string): void {
    if (!this.#options.config.fetch) return;
    const entry = this.#entries.get(peer);
    if (entry === undefined || this.#stale(entry)) void this.refresh(peer);
  }

  /** Every peer asked about, for the admin API and `simple-edge policy show`. */
  entries(): PeerPolicyEntry[] {
    return [...this.#entries.values()];
  }

  /** Fetch now (one fetch per peer at a time); resolves with the entry as it then stands. */
  refresh(peer: string): Promise<PeerPolicyEntry> {
    const pending = this.#inFlight.get(peer);
    if (pending !== undefined) return pending;
    const fetching = this.#fetch(peer).finally(() => this.#inFlight.delete(peer));
    this.#inFlight.set(peer, fetching);
    return fetching;
  }

  urlOf(peer: string): string {
    return this.#options.config.peers.find((p) => p.peer === peer)?.url ?? `https://${peer}${POLICY_DOCUMENT_PATH}`;
  }

  async #fetch(peer: string): Promise<PeerPolicyEntry> {
    const url = this.urlOf(peer);
    const previous = this.#entries.get(peer);
    const triedAt = this.#now();
    const failed = (problem: string): PeerPolicyEntry => {
      this.#options.log.warn({ peer, url, problem }, 'G2 peer policy document not taken; the last good one stays');
      return this.#keep({ ...previous, peer, url, triedAt, problem });
    };
    let text: string;
    try {
      text = await (
        this.#options.get ?? ((u, p) => httpsGet(u, p, { ca: this.#options.ca, lookup: this.#options.lookup }))
      )(url, peer);
    } catch (error) {
      return failed(error instanceof Error ? error.message : String(error));
    }
    const parsed = parsePolicyDocument(text);
    if (!parsed.ok) return failed(parsed.problem);
    if (!parsed.document.domains.includes(peer))
      return failed(`the document covers ${parsed.document.domains.join(', ')}, not ${peer}`);
    if (previous?.document?.version !== parsed.document.version) {
      this.#options.log.info(
        { peer, url, version: parsed.document.version, was: previous?.document?.version },
        'G2 peer policy document taken',
      );
    }
    return this.#keep({ peer, url, document: parsed.document, triedAt, fetchedAt: triedAt });
  }

  #keep(entry: PeerPolicyEntry): PeerPolicyEntry {
    this.#entries.set(entry.peer, entry);
    return entry;
  }

  #stale(entry: PeerPolicyEntry): boolean {
    return entry.triedAt === undefined || this.#now() - entry.triedAt >= this.#options.config.refreshSeconds * 1000;
  }
}

export interface HttpsGetOptions {
  /** Trust anchors beside the public roots. */
  readonly ca?: string | Buffer | undefined;
  /** Resolves the URL's host; the system resolver when absent (the CLI without a configuration). */
  readonly lookup?: LookupFunction | undefined;
}

/**
 * GET over HTTPS, the certificate checked against the peer domain; the body as text. With `lookup`
 * the connection goes to the address it gives, while SNI and the certificate check keep the name.
 */
export function httpsGet(url: string, peer: string, options: HttpsGetOptions = {}): Promise<string> {
  const { ca, lookup } = options;
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      url,
      {
        method: 'GET',
        timeout: FETCH_TIMEOUT_MS,
        headers: { accept: 'application/xml' },
        ...(ca === undefined ? {} : { ca: [...rootCertificates, ca.toString()] }),
        ...(lookup === undefined ? {} : { lookup }),
        checkServerIdentity: (_host: string, certificate: PeerCertificate) => checkServerIdentity(peer, certificate),
      },
      (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          return reject(new Error(`${url}: HTTP ${response.statusCode}`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_DOCUMENT_BYTES) request.destroy(new Error(`${url}: larger than ${MAX_DOCUMENT_BYTES} bytes`));
          else chunks.push(chunk);
        });
        response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${url}: no answer within ${FETCH_TIMEOUT_MS} ms`)));
    request.on('error', reject);
    request.end();
  });
}
