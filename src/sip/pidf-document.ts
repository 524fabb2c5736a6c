// RFC 3863: whether a body is a PIDF document — well-formed XML whose root is <presence> in the PIDF
// namespace. The border (P5, pidf-body) and the community's presence server (publication-handler)
// both ask; extensions inside (RPID, CIPID, …) are not looked at.

import { XMLParser, XMLValidator } from 'fast-xml-parser';

const PIDF_NAMESPACE = 'urn:ietf:params:xml:ns:pidf';
const rootReader = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: false,
  processEntities: false,
  stopNodes: ['*.*'],
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
