// D2, F2: the places a configuration lets the edge reach peers in cleartext. The profile requires
// TLS between edges; each of these is an explicit opt-in (routes[].plaintext, a tcp or udp entry in
// discovery.transports), listed so the edge can warn about every one when it starts.
import type { EdgeConfig } from './config-schema.js';

export interface PlaintextPeerOptIn {
  /** The configuration key that opts in, as check-config names it. */
  readonly key: string;
  /** The peer domain, or `discovered peers`. */
  readonly peer: string;
  readonly transports: readonly string[];
}

export function plaintextPeerOptIns(config: Pick<EdgeConfig, 'routes' | 'discovery'>): PlaintextPeerOptIn[] {
  const optIns: PlaintextPeerOptIn[] = [];
  config.routes.forEach((route, index) => {
    const transports = [...new Set(route.targets.map((t) => t.transport).filter((t) => t !== 'tls'))];
    if (route.plaintext === true && transports.length > 0)
      optIns.push({ key: `routes[${index}].plaintext`, peer: route.domain, transports });
  });
  const discovered = config.discovery.transports.filter((t) => t !== 'tls');
  if (discovered.length > 0)
    optIns.push({ key: 'discovery.transports', peer: 'discovered peers', transports: discovered });
  return optIns;
}

/** One line an operator reads at start: which peers, which cleartext transports, because of which key. */
export function describePlaintextOptIn(optIn: PlaintextPeerOptIn): string {
  return `D2 ${optIn.peer} may be reached in cleartext (${optIn.transports.join(', ')}) because of ${optIn.key}; the inter-domain profile requires TLS between edges`;
}
