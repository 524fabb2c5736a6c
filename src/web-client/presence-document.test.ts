import { describe, expect, it } from 'vitest';
import { closedPidf } from '../community/pidf-composition.js';
import { presenceDocument, readPresence } from '../../web/presence-document.js';

const ENTITY = 'sip:alice@a.example.com';

describe('I7 the web client presence documents', () => {
  it('I7 publishes available, busy and away as PIDF with an RPID activity, and reads each back', () => {
    for (const state of ['available', 'busy', 'away'] as const) {
      const xml = presenceDocument({ entity: ENTITY, state, note: 'back at 3', id: 'x1' });
      expect(xml).toContain('<basic>open</basic>');
      expect(xml.includes('<rpid:activities>'), state).toBe(state !== 'available');
      expect(readPresence(xml)).toEqual({ state, note: 'back at 3' });
    }
  });

  it('I7 escapes a note as XML text and reads it back unchanged', () => {
    const note = `<b>"fish" & 'chips'</b>`;
    const xml = presenceDocument({ entity: ENTITY, state: 'busy', note, id: 'x1' });
    expect(xml).not.toContain('<b>');
    expect(readPresence(xml).note).toBe(note);
  });

  it("I7 reads the community's closed document, and nothing at all, as offline", () => {
    expect(readPresence(closedPidf(ENTITY))).toEqual({ state: 'offline', note: '' });
    expect(readPresence(undefined)).toEqual({ state: 'offline', note: '' });
  });

  it('I7 reads documents from other clients by local name, whatever their prefixes', () => {
    const xml =
      '<p:presence xmlns:p="urn:ietf:params:xml:ns:pidf" xmlns:r="urn:ietf:params:xml:ns:pidf:rpid" ' +
      'xmlns:d="urn:ietf:params:xml:ns:pidf:data-model" entity="sip:bob@b.example.net">' +
      '<p:tuple id="t"><p:status><p:basic>open</p:basic></p:status></p:tuple>' +
      '<d:person id="p"><r:activities><r:on-the-phone/></r:activities><d:note>on a call</d:note></d:person>' +
      '</p:presence>';
    expect(readPresence(xml)).toEqual({ state: 'busy', note: 'on a call' });
  });
});
