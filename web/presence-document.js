// The web client's presence documents: PIDF (RFC 3863) with an RPID activity (RFC 4480) for busy
// and away, and a note. Written for publication, read from NOTIFY bodies. Reading looks at local
// names only, so a watcher understands documents from any client, whatever prefixes it chose.

/** What a person can say about themselves; "offline" is what a closed or empty document reads as. */
export const PRESENCE_STATES = ['available', 'busy', 'away'];

const ACTIVITY_OF_STATE = { busy: 'busy', away: 'away' };
/** RFC 4480 activities, read as the nearest of the client's states. */
const STATE_OF_ACTIVITY = {
  busy: 'busy',
  'on-the-phone': 'busy',
  meeting: 'busy',
  performance: 'busy',
  away: 'away',
  vacation: 'away',
  sleeping: 'away',
  travel: 'away',
};

/**
 * A PIDF document for `entity` (a sip: URI): one tuple with basic open, the note, and, for busy or
 * away, a person element carrying the RPID activity.
 */
export function presenceDocument({ entity, state, note = '', id }) {
  if (!PRESENCE_STATES.includes(state)) throw new Error(`unknown presence state: ${state}`);
  const noteElement = note.trim() === '' ? '' : `<note>${escapeXml(note.trim())}</note>`;
  const activity = ACTIVITY_OF_STATE[state];
  const person =
    activity === undefined
      ? ''
      : `<dm:person id="p-${id}"><rpid:activities><rpid:${activity}/></rpid:activities></dm:person>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"',
    ` xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="${escapeXml(entity)}">`,
    `<tuple id="t-${id}"><status><basic>open</basic></status>${noteElement}</tuple>`,
    person,
    '</presence>',
  ].join('');
}

/** What a NOTIFY body says: the state (offline unless some tuple is open) and the first note. */
export function readPresence(xml) {
  const text = typeof xml === 'string' ? xml : '';
  const open = [...text.matchAll(/<(?:[\w.-]+:)?basic\s*>\s*([a-z]+)\s*</g)].some((m) => m[1] === 'open');
  const noteMatch = /<(?:[\w.-]+:)?note\b[^>]*>([\s\S]*?)<\/(?:[\w.-]+:)?note\s*>/.exec(text);
  const note = noteMatch === null ? '' : unescapeXml(noteMatch[1]).trim();
  if (!open) return { state: 'offline', note };
  return { state: activityState(text) ?? 'available', note };
}

function activityState(text) {
  const activities = /<(?:[\w.-]+:)?activities\b[^>]*>([\s\S]*?)<\/(?:[\w.-]+:)?activities\s*>/.exec(text);
  if (activities === null) return undefined;
  for (const match of activities[1].matchAll(/<(?:[\w.-]+:)?([\w-]+)\b/g)) {
    const state = STATE_OF_ACTIVITY[match[1]];
    if (state !== undefined) return state;
  }
  return undefined;
}

export function escapeXml(text) {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function unescapeXml(text) {
  return text
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/&#x([0-9a-fA-F]+);/g, (_, hex) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#([0-9]+);/g, (_, dec) => String.fromCodePoint(parseInt(dec, 10)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
