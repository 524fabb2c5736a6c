// The generator of the egress hunt: every way a softphone of the community — ordinary, misconfigured
// or hostile — can address a request to the edge's internal side. A case is plain data (fast-check
// draws it from a fixed seed); render() turns it into bytes once the socket it leaves from is known.
//
// Hosts a message names are unique to the case: IP literals 127.66.<n/256>.<n%256> (loopback inside
// the edge's namespace, where only the edge lives) and names `<field><n>.<token>.invalid`, so a
// packet or a DNS query the edge sends to or for one of them names the case that caused it.

import fc from 'fast-check';
import { LOCAL_DOMAIN, PEER_DOMAIN } from '../support/edge-harness.js';
import type { ClientTransport } from './softphone.js';

/** The sent-by port spoofed Vias name instead of the softphone's own. */
export const SPOOFED_SENT_BY_PORT = 5099;

export const METHODS = ['MESSAGE', 'SUBSCRIBE', 'OPTIONS', 'PUBLISH'] as const;
export const TARGETS = [
  'peer-user',
  'peer-user-sips',
  'own-registered',
  'own-unregistered',
  'own-domain',
  'foreign-domain',
  'tel-peer',
  'tel-own',
  'user-phone-peer',
  'user-phone-own',
  'im-peer',
  'pres-peer',
  'im-own',
  'pres-own',
  'peer-edge-ip',
  'unrelated-ip',
  'unrelated-public-ip',
  'edge-ip',
  'cleartext-peer',
] as const;
export const URI_PARAMS = [
  'none',
  'maddr-ip',
  'maddr-name',
  'transport-udp',
  'transport-tcp',
  'transport-tls',
] as const;
export const ROUTES = [
  'none',
  'own-loose',
  'own-strict',
  'external-listener',
  'own-twice',
  'own-then-foreign-name',
  'own-then-peer-edge-ip',
  'foreign-ip',
  'foreign-name',
] as const;
export const VIAS = ['honest-rport', 'honest', 'spoofed-ip', 'spoofed-name-rport', 'spoofed-received'] as const;
export const FROMS = ['own', 'foreign'] as const;
export const CONTACTS = ['honest', 'foreign-ip', 'foreign-name'] as const;
export const RECORD_ROUTES = ['none', 'foreign-name'] as const;

export interface AddressingCase {
  readonly transport: ClientTransport;
  readonly method: (typeof METHODS)[number];
  readonly target: (typeof TARGETS)[number];
  readonly uriParam: (typeof URI_PARAMS)[number];
  readonly route: (typeof ROUTES)[number];
  readonly via: (typeof VIAS)[number];
  readonly from: (typeof FROMS)[number];
  readonly contact: (typeof CONTACTS)[number];
  readonly recordRoute: (typeof RECORD_ROUTES)[number];
  /** A To tag: the request claims to be inside a dialog. */
  readonly inDialog: boolean;
}

/** Where the case's bytes go and come from, known once its socket is open. */
export interface RenderContext {
  /** The case's number, unique in the run. */
  readonly index: number;
  /** Unique to the run, in every Call-ID and every name a message invents. */
  readonly token: string;
  readonly edge: string;
  readonly edgePort: number;
  readonly externalPort: number;
  readonly world: string;
  readonly sourcePort: number;
  readonly peerPort: number;
}

/** Honest cases are drawn as often as hostile ones: the ordinary softphone is the common case. */
export const addressingCase: fc.Arbitrary<AddressingCase> = fc.record({
  transport: fc.constantFrom<ClientTransport>('udp', 'tcp'),
  method: fc.constantFrom(...METHODS),
  target: fc.constantFrom(...TARGETS),
  uriParam: fc.oneof(
    { weight: 3, arbitrary: fc.constant('none' as const) },
    { weight: 2, arbitrary: fc.constantFrom(...URI_PARAMS) },
  ),
  route: fc.constantFrom(...ROUTES),
  via: fc.oneof(
    { weight: 2, arbitrary: fc.constant('honest-rport' as const) },
    { weight: 3, arbitrary: fc.constantFrom(...VIAS) },
  ),
  from: fc.oneof(
    { weight: 4, arbitrary: fc.constant('own' as const) },
    { weight: 1, arbitrary: fc.constant('foreign' as const) },
  ),
  contact: fc.constantFrom(...CONTACTS),
  recordRoute: fc.oneof(
    { weight: 3, arbitrary: fc.constant('none' as const) },
    { weight: 1, arbitrary: fc.constant('foreign-name' as const) },
  ),
  inDialog: fc.boolean(),
});

export function callIdFor(context: Pick<RenderContext, 'index' | 'token'>): string {
  return `adv-${context.token}-${context.index}`;
}

/** The loopback IP literal unique to case `index`. */
export function caseAddress(index: number): string {
  return `127.66.${index >> 8}.${index & 255}`;
}

/** A public IP literal (TEST-NET-3, ends in the namespace's sink) of case `index`, unique below 254 cases. */
export function casePublicAddress(index: number): string {
  return `198.51.100.${(index % 254) + 1}`;
}

/** A name unique to the case and the header field that carries it. */
export function caseName(
  field: 'via' | 'contact' | 'from' | 'rr' | 'route' | 'maddr' | 'dom',
  context: Pick<RenderContext, 'index' | 'token'>,
): string {
  return `${field}${context.index}.${context.token}.invalid`;
}

/** One line naming the case, for failure messages. */
export function describeCase(c: AddressingCase, index: number): string {
  return (
    `#${index} ${c.transport.toUpperCase()} ${c.method} target=${c.target}${c.uriParam === 'none' ? '' : `;${c.uriParam}`} route=${c.route} ` +
    `via=${c.via} from=${c.from} contact=${c.contact} record-route=${c.recordRoute}${c.inDialog ? ' in-dialog' : ''}`
  );
}

function targetUri(c: AddressingCase, x: RenderContext): string {
  switch (c.target) {
    case 'peer-user':
      return `sip:bob@${PEER_DOMAIN}`;
    case 'peer-user-sips':
      return `sips:bob@${PEER_DOMAIN}`;
    case 'own-registered':
      return `sip:alice@${LOCAL_DOMAIN}`;
    case 'own-unregistered':
      return `sip:carol@${LOCAL_DOMAIN}`;
    case 'own-domain':
      return `sip:${LOCAL_DOMAIN}`;
    case 'foreign-domain':
      return `sip:someone@${caseName('dom', x)}`;
    case 'tel-peer':
      return 'tel:+15550001';
    case 'tel-own':
      return 'tel:+15550002';
    case 'user-phone-peer':
      return `sip:+15550001@${LOCAL_DOMAIN};user=phone`;
    case 'user-phone-own':
      return `sip:+15550002@${LOCAL_DOMAIN};user=phone`;
    case 'im-peer':
      return `im:bob@${PEER_DOMAIN}`;
    case 'pres-peer':
      return `pres:bob@${PEER_DOMAIN}`;
    case 'im-own':
      return `im:alice@${LOCAL_DOMAIN}`;
    case 'pres-own':
      return `pres:alice@${LOCAL_DOMAIN}`;
    case 'peer-edge-ip':
      return `sip:bob@${x.world}:${x.peerPort};transport=tls`;
    case 'unrelated-ip':
      return `sip:bob@${caseAddress(x.index)}:5060`;
    case 'unrelated-public-ip':
      return `sip:bob@${casePublicAddress(x.index)}`;
    case 'edge-ip':
      return `sip:alice@${x.edge}:${x.edgePort}`;
    case 'cleartext-peer':
      return 'sip:bob@cleartext.example.net';
  }
}

function withParam(uri: string, c: AddressingCase, x: RenderContext): string {
  if (c.uriParam === 'none' || !/^sips?:/.test(uri)) return uri;
  const param = {
    'maddr-ip': `maddr=${caseAddress(x.index)}`,
    'maddr-name': `maddr=${caseName('maddr', x)}`,
    'transport-udp': 'transport=udp',
    'transport-tcp': 'transport=tcp',
    'transport-tls': 'transport=tls',
  }[c.uriParam];
  // A parameter that is already there (transport=tls of the peer edge's literal) is not doubled.
  return uri.includes(param.split('=')[0]!) ? uri : `${uri};${param}`;
}

function routeSet(c: AddressingCase, x: RenderContext): string[] {
  const own = `<sip:${x.edge}:${x.edgePort};transport=${c.transport};lr>`;
  switch (c.route) {
    case 'none':
      return [];
    case 'own-loose':
      return [own];
    case 'own-strict':
      return []; // rendered in render(): the edge is the Request-URI
    case 'external-listener':
      return [`<sip:${x.edge}:${x.externalPort};transport=tls;lr>`];
    case 'own-twice':
      return [own, own];
    case 'own-then-foreign-name':
      return [own, `<sip:${caseName('route', x)};lr>`];
    case 'own-then-peer-edge-ip':
      return [own, `<sip:${x.world}:${x.peerPort};transport=tls;lr>`];
    case 'foreign-ip':
      return [`<sip:${caseAddress(x.index)};lr>`];
    case 'foreign-name':
      return [`<sip:${caseName('route', x)};lr>`];
  }
}

function viaHeader(c: AddressingCase, x: RenderContext): string {
  const sentBy = `SIP/2.0/${c.transport.toUpperCase()}`;
  const branch = `branch=z9hG4bK-${x.token}-${x.index}`;
  switch (c.via) {
    case 'honest-rport':
      return `${sentBy} ${x.world}:${x.sourcePort};${branch};rport`;
    case 'honest':
      return `${sentBy} ${x.world}:${x.sourcePort};${branch}`;
    // RFC 3261 §18.2.2: the source address differs from sent-by, so the answer goes to `received`.
    case 'spoofed-ip':
      return `${sentBy} ${caseAddress(x.index)}:${x.sourcePort};${branch}`;
    case 'spoofed-name-rport':
      return `${sentBy} ${caseName('via', x)}:${SPOOFED_SENT_BY_PORT};${branch};rport`;
    // A client's own received/rport values are not the source: the edge must overwrite them.
    case 'spoofed-received':
      return `${sentBy} ${x.world}:${SPOOFED_SENT_BY_PORT};${branch};received=${caseAddress(x.index)};rport=${SPOOFED_SENT_BY_PORT}`;
  }
}

function methodHeaders(method: AddressingCase['method']): { headers: string[]; body: string } {
  switch (method) {
    case 'MESSAGE':
      return { headers: ['Content-Type: text/plain'], body: 'hello across the border' };
    case 'SUBSCRIBE':
      return { headers: ['Event: presence', 'Expires: 600', 'Accept: application/pidf+xml'], body: '' };
    case 'OPTIONS':
      return { headers: ['Accept: application/sdp'], body: '' };
    case 'PUBLISH':
      return {
        headers: ['Event: presence', 'Expires: 600', 'Content-Type: application/pidf+xml'],
        body: `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:user@${LOCAL_DOMAIN}"><tuple id="t"><status><basic>open</basic></status></tuple></presence>`,
      };
  }
}

/** The request's bytes. */
export function render(c: AddressingCase, x: RenderContext): string {
  const target = withParam(targetUri(c, x), c, x);
  const strict = c.route === 'own-strict';
  // RFC 3261 §12.2.1.1: towards a strict router the Request-URI is the router, the target the last Route.
  const requestUri = strict ? `sip:${x.edge}:${x.edgePort};transport=${c.transport}` : target;
  const routes = strict ? [`<${target}>`] : routeSet(c, x);
  const fromHost = c.from === 'own' ? LOCAL_DOMAIN : caseName('from', x);
  const contactHost = {
    honest: `${x.world}:${x.sourcePort};transport=${c.transport}`,
    'foreign-ip': `${caseAddress(x.index)}:5060`,
    'foreign-name': caseName('contact', x),
  }[c.contact];
  const { headers, body } = methodHeaders(c.method);
  const toUri = /^sips?:|^tel:|^im:|^pres:/.test(target) ? target.replace(/;(maddr|transport)=[^;>]*/g, '') : target;
  return [
    `${c.method} ${requestUri} SIP/2.0`,
    `Via: ${viaHeader(c, x)}`,
    'Max-Forwards: 70',
    ...routes.map((route) => `Route: ${route}`),
    ...(c.recordRoute === 'none' ? [] : [`Record-Route: <sip:${caseName('rr', x)};lr>`]),
    `From: <sip:user${x.index}@${fromHost}>;tag=f${x.index}`,
    `To: <${toUri}>${c.inDialog ? `;tag=t${x.index}` : ''}`,
    `Call-ID: ${callIdFor(x)}`,
    `CSeq: ${c.inDialog ? 7 : 1} ${c.method}`,
    `Contact: <sip:user${x.index}@${contactHost}>`,
    ...headers,
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}
