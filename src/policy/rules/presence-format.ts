// P5 (003 §5.2): presence crosses the border as PIDF. A presence SUBSCRIBE without Accept gets
// `Accept: application/pidf+xml`; a NOTIFY from a peer that claims PIDF must be well-formed XML with a
// PIDF <presence> root, else 400. Unknown extensions (RPID, CIPID, …) are not touched.

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseContentType } from '../../sip/media-type.js';
import { defineRequestRule, edit, pass, reply } from '../rule.js';

const PIDF_NAMESPACE = 'urn:ietf:params:xml:ns:pidf';
const rootReader = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: false,
  processEntities: false,
  stopNodes: ['*.*'],
});

export const presenceAccept = defineRequestRule({
  id: 'P5',
  name: 'presence-accept',
  phase: 'inbound-request',
  methods: ['SUBSCRIBE'],
  check(request) {
    const isPresence = /^presence\s*(;|$)/i.test(request.headers.get('event') ?? '');
    return isPresence && !request.headers.has('accept')
      ? edit({ op: 'set', name: 'Accept', value: 'application/pidf+xml' })
      : pass();
  },
});

export const pidfBody = defineRequestRule({
  id: 'P5',
  name: 'pidf-body',
  phase: 'inbound-request',
  methods: ['NOTIFY'],
  check(request) {
    const contentType = request.headers.get('content-type');
    if (contentType === undefined || request.body.length === 0) return pass();
    const media = parseContentType(contentType);
    if (media.type !== 'application' || media.subtype !== 'pidf+xml') return pass();
    const problem = pidfProblem(request.body.toString('utf8'));
    return problem === undefined ? pass() : reply(400, `Bad PIDF: ${problem}`);
  },
});

/** Why a body is not a PIDF document, or undefined when it is one. */
export function pidfProblem(xml: string): string | undefined {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return `not well-formed XML (${valid.err.msg}, line ${valid.err.line})`;
  const document = rootReader.parse(xml) as Record<string, unknown>;
  const rootName = Object.keys(document).find((key) => key !== '?xml');
  if (rootName === undefined) return 'no root element';
  const [prefix, local] = rootName.includes(':') ? rootName.split(':', 2) : [undefined, rootName];
  if (local !== 'presence') return `root element is <${rootName}>, not <presence>`;
  const root = document[rootName] as Record<string, unknown> | string;
  const namespace = typeof root === 'object' ? root[prefix === undefined ? 'xmlns' : `xmlns:${prefix}`] : undefined;
  return namespace === PIDF_NAMESPACE ? undefined : `<presence> is not in the PIDF namespace ${PIDF_NAMESPACE}`;
}
