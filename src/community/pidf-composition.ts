// Composition of a presentity's publications into the one PIDF document its watchers get (RFC 3903
// §4 keeps each publication as its own piece of event state; RFC 3863 §4.1 lets a document carry any
// number of tuples). The elements of every publication are kept byte for byte, so RPID `activity`,
// CIPID `display-name` and `icon`, and extensions this server does not know reach the watchers
// unchanged (SPEC P5); namespace declarations move to the one root.

import { topLevelElements } from './pidf-elements.js';

export const PIDF_NAMESPACE = 'urn:ietf:params:xml:ns:pidf';

interface PidfParts {
  /** xmlns and xmlns:prefix declarations of the root, by attribute name. */
  readonly namespaces: ReadonlyMap<string, string>;
  readonly content: string;
}

const ROOT_START = /<(?:([A-Za-z_][\w.-]*):)?presence\b([^>]*?)(\/?)>/;
const NAMESPACE_ATTRIBUTE = /\s(xmlns(?::[A-Za-z_][\w.-]*)?)\s*=\s*("([^"]*)"|'([^']*)')/g;

/** The document for a presentity: its publications (oldest first) composed, or a closed status when it has none. */
export function composePidf(entity: string, documents: readonly string[]): string {
  if (documents.length === 1) return documents[0]!;
  if (documents.length === 0) return closedPidf(entity);
  const namespaces = new Map<string, string>([['xmlns', PIDF_NAMESPACE]]);
  // RFC 4479 §3.4: one tuple, person or device per id; a later publication's element replaces an
  // earlier one with the same id (a device that published twice, as baresip does, shows once).
  const elements = new Map<string, string>();
  let anonymous = 0;
  for (const parts of documents.map(splitPidf)) {
    if (parts === undefined || conflicts(namespaces, parts.namespaces)) continue;
    for (const [name, uri] of parts.namespaces) namespaces.set(name, uri);
    for (const element of topLevelElements(parts.content)) {
      elements.set(
        element.id === undefined ? `#${anonymous++}` : `${localName(element.name)}#${element.id}`,
        element.text,
      );
    }
  }
  const declarations = [...namespaces].map(([name, uri]) => `${name}="${uri}"`).join(' ');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<presence ${declarations} entity="${escapeAttribute(entity)}">${[...elements.values()].join('\n')}</presence>\n`;
}

/** RFC 3863: a basic status of closed, what a watcher sees of a presentity that published nothing (and P1's concealed answer). */
export function closedPidf(entity: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<presence xmlns="${PIDF_NAMESPACE}" entity="${escapeAttribute(entity)}">` +
    '<tuple id="simple-edge-closed"><status><basic>closed</basic></status></tuple></presence>\n'
  );
}

function splitPidf(xml: string): PidfParts | undefined {
  const start = ROOT_START.exec(xml);
  if (start === null) return undefined;
  const prefix = start[1];
  const namespaces = new Map<string, string>();
  for (const match of start[2]!.matchAll(NAMESPACE_ATTRIBUTE)) namespaces.set(match[1]!, match[3] ?? match[4] ?? '');
  // A prefixed root (<p:presence xmlns:p=…>) leaves the default namespace to its children, if any.
  if (prefix !== undefined && !namespaces.has('xmlns')) namespaces.set('xmlns', PIDF_NAMESPACE);
  if (start[3] === '/') return { namespaces, content: '' };
  const contentStart = start.index + start[0].length;
  const end = xml.lastIndexOf(`</${prefix === undefined ? '' : `${prefix}:`}presence`);
  return end < contentStart ? undefined : { namespaces, content: xml.slice(contentStart, end).trim() };
}

/** Two publications that bind one prefix to different namespaces cannot share a root; the later is left out. */
function conflicts(merged: ReadonlyMap<string, string>, next: ReadonlyMap<string, string>): boolean {
  for (const [name, uri] of next) if (merged.has(name) && merged.get(name) !== uri) return true;
  return false;
}

function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
