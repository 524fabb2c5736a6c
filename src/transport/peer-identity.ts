// The SIP domains a peer's certificate vouches for (RFC 5922 §7.1): the `sip:` URIs without a user
// part in subjectAltName; only when there are none, its dNSNames; the subject CN only when the
// certificate has no subjectAltName at all. Wildcards are never identities (RFC 5922 §7.2).

import type { PeerCertificate } from 'node:tls';

interface AltName {
  readonly type: string;
  readonly value: string;
}

/** The domains, lowercased and without duplicates, or undefined when there is no certificate. */
export function peerIdentityOf(certificate: PeerCertificate | undefined): string[] | undefined {
  if (certificate === undefined || Object.keys(certificate).length === 0) return undefined;
  const domains = new Set<string>();
  const altNames = certificate.subjectaltname;
  if (altNames !== undefined && altNames !== '') {
    const names = parseSubjectAltName(altNames);
    // RFC 5922 §7.1: when sip: URIs name domains, they alone do; the dNSNames only when none does.
    const uriDomains = names
      .filter(isSipUri)
      .map(domainOf)
      .filter((d) => d !== undefined);
    for (const domain of uriDomains.length > 0 ? uriDomains : names.filter((n) => n.type === 'DNS').map((n) => n.value))
      addDomain(domains, domain);
  } else {
    const commonName = certificate.subject?.CN as string | string[] | undefined;
    for (const cn of Array.isArray(commonName) ? commonName : [commonName]) addDomain(domains, cn);
  }
  return [...domains];
}

/** RFC 5922 §7.2: whether the identity covers the domain, compared exactly (case aside, no wildcards). */
export function identityCovers(identity: readonly string[] | undefined, domain: string): boolean {
  return identity !== undefined && identity.includes(domain.toLowerCase().replace(/\.$/, ''));
}

function isSipUri(name: AltName): boolean {
  return name.type === 'URI' && /^sip:/i.test(name.value);
}

/** The domain of a `sip:` URI name; undefined for a user's URI or an IP literal. */
function domainOf(name: AltName): string | undefined {
  const rest = name.value.slice(4);
  if (rest.includes('@') || rest.startsWith('[')) return undefined; // a user's URI, or an IP literal
  const end = rest.search(/[;?:]/);
  return end === -1 ? rest : rest.slice(0, end);
}

function addDomain(domains: Set<string>, candidate: string | undefined): void {
  if (candidate === undefined) return;
  const domain = candidate.toLowerCase().replace(/\.$/, '');
  if (domain === '' || domain.includes('*')) return;
  domains.add(domain);
}

/**
 * Node's `subjectaltname` text: `DNS:a.example, URI:sip:a.example`. Values holding a separator or a
 * quote come JSON-quoted (Node ≥ 17.3.1), so a crafted name cannot smuggle in a second entry.
 */
export function parseSubjectAltName(text: string): AltName[] {
  const names: AltName[] = [];
  let pos = 0;
  while (pos < text.length) {
    const colon = text.indexOf(':', pos);
    if (colon === -1) break;
    const type = text.slice(pos, colon);
    let end: number;
    let value: string;
    if (text[colon + 1] === '"') {
      end = closingQuote(text, colon + 2) + 1;
      value = decodeQuoted(text.slice(colon + 1, end));
    } else {
      end = text.indexOf(', ', colon + 1);
      if (end === -1) end = text.length;
      value = text.slice(colon + 1, end);
    }
    names.push({ type, value });
    pos = end + 2;
  }
  return names;
}

function closingQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length - 1;
}

function decodeQuoted(quoted: string): string {
  try {
    const value: unknown = JSON.parse(quoted);
    return typeof value === 'string' ? value : '';
  } catch {
    return '';
  }
}
