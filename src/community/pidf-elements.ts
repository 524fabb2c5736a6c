// The top-level elements of a PIDF document's content, as the bytes they were written with, and the
// `id` each carries (a <tuple>, <dm:person> or <dm:device>; RFC 3863 §4.1.1, RFC 4479 §3.4). Comments,
// processing instructions and CDATA are skipped over, never split.

export interface PidfElement {
  /** The element's qualified name as written (`tuple`, `dm:person`). */
  readonly name: string;
  readonly id: string | undefined;
  readonly text: string;
}

const START_TAG = /^<([A-Za-z_][\w.:-]*)([^>]*?)(\/?)>/;
const ID_ATTRIBUTE = /\sid\s*=\s*("([^"]*)"|'([^']*)')/;

/** The top-level elements of `content`; text between them (white space) is dropped. */
export function topLevelElements(content: string): PidfElement[] {
  const elements: PidfElement[] = [];
  let i = content.indexOf('<');
  while (i >= 0 && i < content.length) {
    const skipped = skipMarkup(content, i);
    if (skipped !== undefined) {
      i = content.indexOf('<', skipped);
      continue;
    }
    const start = START_TAG.exec(content.slice(i));
    if (start === null) break;
    const end = start[3] === '/' ? i + start[0].length : elementEnd(content, i, start[1]!);
    const id = ID_ATTRIBUTE.exec(start[2]!);
    elements.push({ name: start[1]!, id: id === null ? undefined : (id[2] ?? id[3]), text: content.slice(i, end) });
    i = content.indexOf('<', end);
  }
  return elements;
}

/** Past a comment, processing instruction or CDATA section starting at `i`; undefined for an element. */
function skipMarkup(content: string, i: number): number | undefined {
  if (content.startsWith('<!--', i)) return content.indexOf('-->', i) + 3;
  if (content.startsWith('<?', i)) return content.indexOf('?>', i) + 2;
  if (content.startsWith('<![CDATA[', i)) return content.indexOf(']]>', i) + 3;
  return undefined;
}

/** The offset just past the end tag that closes the element opened at `open`, counting nested ones of the same name. */
function elementEnd(content: string, open: number, name: string): number {
  const tag = new RegExp(
    `<(/?)${name.replace(/[.]/g, '\\.')}(?=[\\s/>])[^>]*?(/?)>|<!--[\\s\\S]*?-->|<!\\[CDATA\\[[\\s\\S]*?\\]\\]>`,
    'g',
  );
  tag.lastIndex = open;
  let depth = 0;
  for (let match = tag.exec(content); match !== null; match = tag.exec(content)) {
    if (match[0].startsWith('<!')) continue;
    if (match[1] === '/') depth--;
    else if (match[2] !== '/') depth++;
    if (depth === 0) return match.index + match[0].length;
  }
  return content.length;
}
