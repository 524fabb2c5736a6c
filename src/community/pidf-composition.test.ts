import { describe, expect, it } from 'vitest';
import { composePidf } from './pidf-composition.js';
import { topLevelElements } from './pidf-elements.js';

const ENTITY = 'sip:alice@a.example.com';

function pidf(content: string): string {
  return `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" entity="${ENTITY}">${content}</presence>`;
}

describe('P5 PIDF composition of several publications (RFC 3903 §4, RFC 4479 §3.4)', () => {
  it('splits content into its top-level elements, past comments, CDATA and nested elements of the same name', () => {
    const elements = topLevelElements(
      '<tuple id="a"><tuple id="inner"/><note><![CDATA[</tuple>]]></note></tuple><!-- <tuple id="c"> --><dm:person id="p"/>',
    );
    expect(elements.map((e) => [e.name, e.id])).toEqual([
      ['tuple', 'a'],
      ['dm:person', 'p'],
    ]);
    expect(elements[0]!.text).toBe('<tuple id="a"><tuple id="inner"/><note><![CDATA[</tuple>]]></note></tuple>');
  });

  it("lets the newer publication's tuple or person replace an older one with the same id, and keeps the rest", () => {
    const older = pidf(
      '<tuple id="t1"><status><basic>unknown</basic></status></tuple><dm:person id="p1"><x/></dm:person><tuple id="phone"><status><basic>open</basic></status></tuple>',
    );
    const newer = pidf('<tuple id="t1"><status><basic>closed</basic></status></tuple>');
    const composed = composePidf(ENTITY, [older, newer]);
    expect(composed.match(/<tuple id="t1">/g)).toHaveLength(1);
    expect(composed).toContain('<basic>closed</basic>');
    expect(composed).not.toContain('<basic>unknown</basic>');
    expect(composed).toContain('<tuple id="phone">');
    expect(composed).toContain('<dm:person id="p1"><x/></dm:person>');
  });
});
