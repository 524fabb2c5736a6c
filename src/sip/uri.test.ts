import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EdgeError } from '../errors.js';
import { loadTortureCorpus } from '../../test/conformance/torture-corpus.js';
import {
  type Uri,
  formatUri,
  isAbsoluteUri,
  isEnumUri,
  isImPresUri,
  isSipUri,
  isTelUri,
  parseSipUri,
  parseUri,
  unescapeUriPart,
  uriEquals,
} from './uri.js';

const REQUEST_URI = { allowHeaders: false } as const;

function failureOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectMalformed(text: string, options?: { allowHeaders?: boolean }): void {
  const error = failureOf(() => parseUri(text, options));
  expect(error, text).toBeInstanceOf(EdgeError);
  expect((error as EdgeError).code).toBe('URI_MALFORMED');
}

function sip(text: string, options?: { allowHeaders?: boolean }) {
  return parseSipUri(text, options);
}

describe('sip URI grammar (RFC 3261 §19.1)', () => {
  it('MUST accept an escaped sips URI inside the user part, keeping the escapes (RFC 4475 §3.1.1.3)', () => {
    const uri = sip('sip:sips%3Auser%40example.com@example.net', REQUEST_URI);
    expect(uri).toMatchObject({
      scheme: 'sip',
      user: 'sips%3Auser%40example.com',
      host: 'example.net',
      hostKind: 'hostname',
    });
    expect(unescapeUriPart(uri.user ?? '')).toBe('sips:user@example.com');
  });

  it('MUST accept escaped user characters and keep parameter values as written', () => {
    const uri = sip('sip:%61lice@atlanta.com;transport=TCP');
    expect(uri.user).toBe('%61lice');
    expect(uri.params.get('transport')).toBe('TCP');
  });

  it('MUST accept %00 in the user part (RFC 4475 §3.1.1.4)', () => {
    expect(sip('sip:null-%00-null@example.com').user).toBe('null-%00-null');
    expect(unescapeUriPart(sip('sip:%00%00@host5.example.com').user ?? '')).toBe('\u0000\u0000');
  });

  it('MUST accept ";" and "=" in the user part (RFC 4475 §3.1.1.9)', () => {
    const uri = sip('sip:user;par=u%40example.net@example.com', REQUEST_URI);
    expect(uri).toMatchObject({ user: 'user;par=u%40example.net', host: 'example.com' });
    expect(uri.params.size).toBe(0);
  });

  it('MUST accept the unusual user and password of RFC 4475 §3.1.1.2', () => {
    const text =
      "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com";
    const uri = sip(text, REQUEST_URI);
    expect(uri.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    expect(uri.password).toBe("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    expect(uri.host).toBe('example.com');
  });

  it('MUST decode escaped parameter names, keeping escaped values (RFC 4475 §3.1.1.3)', () => {
    const uri = sip('sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31');
    expect([...uri.params]).toEqual([
      ['lr', null],
      ['name', 'v%61lue%25%34%31'],
    ]);
    expect(unescapeUriPart(uri.params.get('name') ?? '')).toBe('value%41');
  });

  it('MUST extract port, lower-cased parameter names, flags and headers', () => {
    const uri = sip(
      'SIPS:alice:secret@Atlanta.example.com:5061;Transport=TCP;lr;maddr=239.255.255.1?Subject=hi%20there&Priority=urgent',
    );
    expect(uri).toMatchObject({
      scheme: 'sips',
      user: 'alice',
      password: 'secret',
      host: 'Atlanta.example.com',
      port: 5061,
    });
    expect([...uri.params]).toEqual([
      ['transport', 'TCP'],
      ['lr', null],
      ['maddr', '239.255.255.1'],
    ]);
    expect([...uri.headers]).toEqual([
      ['Subject', 'hi%20there'],
      ['Priority', 'urgent'],
    ]);
  });

  it('MUST accept an escaped Route header in a URI that is not a Request-URI (RFC 4475 §3.3.14)', () => {
    expect(sip('sip:user@example.com?Route=%3Csip:sip.example.com%3E').headers.get('Route')).toBe(
      '%3Csip:sip.example.com%3E',
    );
  });

  it('MUST accept an empty password, an IPv4 host, ports 0 and 65535 and a root dot', () => {
    expect(sip('sip:alice:@192.0.2.1:0')).toMatchObject({ password: '', hostKind: 'ipv4', port: 0 });
    expect(sip('sip:example.com.:65535')).toMatchObject({ user: undefined, host: 'example.com.', port: 65535 });
  });

  it.each([
    ['sip:', 'empty host'],
    ['sip:@example.com', 'empty user'],
    ['sip:user@', 'empty host after @'],
    ['sip:user@example.com:99999', 'port above 65535'],
    ['sip:user@example.com:65536', 'port just above 65535'],
    ['sip:user@example.com:abc', 'non-numeric port'],
    ['sip:user@example.com:', 'empty port'],
    ['sip:user@exa mple.com', 'space in host'],
    ['sip:us er@example.com', 'space in user'],
    [' sip:user@example.com', 'leading space'],
    ['sip:user@example.com ', 'trailing space'],
    ['sip:%4Guser@example.com', 'bad escape %4G'],
    ['sip:user%4@example.com', 'truncated escape'],
    ['sip:user@example.com;a=%zz', 'bad escape in a parameter'],
    ['sip:user@ex_ample.com', 'underscore in host'],
    ['sip:user@-example.com', 'label starting with "-"'],
    ['sip:user@example..com', 'empty label'],
    ['sip:user@example.3com', 'top label starting with a digit'],
    ['sip:user@192.0.2', 'three-octet IPv4'],
    ['sip:user@192.0.2.256', 'IPv4 octet above 255'],
    ['sip:user@example.com;;lr', 'empty parameter'],
    ['sip:user@example.com;lr=', 'empty parameter value'],
    ['sip:user@example.com;a=b=c', '"=" inside a parameter value'],
    ['sip:user@example.com;lr;LR', 'repeated parameter (RFC 3261 §19.1.1)'],
    ['sip:user@example.com?', 'empty headers'],
    ['sip:user@example.com?Subject', 'header without "="'],
    ['sip:user@example.com?a=b&', 'trailing "&"'],
    ['sip:user@host@example.com', 'second "@"'],
    ['sip:user:pa:ss@example.com', 'second ":" in userinfo'],
    ['sip:user@example.com#frag', 'fragment'],
    ['sip:user@exämple.com', 'non-ASCII host'],
    ['sip:user\u0000@example.com', 'raw NUL'],
    ['sip:user@example.com;%FF=1', 'escaped parameter name that is not UTF-8'],
  ])('MUST reject %s (%s)', (text) => {
    expectMalformed(text);
  });

  it('MUST reject a scheme other than sip or sips in parseSipUri', () => {
    expect(failureOf(() => parseSipUri('tel:+12015550123'))).toMatchObject({ code: 'URI_MALFORMED' });
  });
});

describe('IPv6 references (RFC 3261 §25.1, RFC 5118)', () => {
  it.each([
    ['sip:[2001:db8::10]', '[2001:db8::10]', undefined],
    ['sip:[::]', '[::]', undefined],
    ['sip:[1:2:3:4:5:6:7::]', '[1:2:3:4:5:6:7::]', undefined],
    ['sip:[2001:db8::10]:5070', '[2001:db8::10]', 5070],
    ['sip:[2001:db8::10:5070]', '[2001:db8::10:5070]', undefined],
    ['sip:ted@[::ffff:192.0.2.2]', '[::ffff:192.0.2.2]', undefined],
    ['sip:user@[2001:db8::192.0.2.1]', '[2001:db8::192.0.2.1]', undefined],
    ['sip:user@[2001:db8:::192.0.2.1]', '[2001:db8:::192.0.2.1]', undefined],
    ['sip:[::1]', '[::1]', undefined],
    ['sip:[2001:db8:0:0:0:0:0:10]', '[2001:db8:0:0:0:0:0:10]', undefined],
  ])('MUST accept %s, keeping the brackets', (text, host, port) => {
    expect(sip(text, REQUEST_URI)).toMatchObject({ host, hostKind: 'ipv6', port });
  });

  it.each([
    ['sip:2001:db8::10', 'unbracketed address (RFC 5118 §4.2)'],
    ['sip:[2001:db8::10', 'unclosed bracket'],
    ['sip:[2001:db8::10]5070', 'port without ":"'],
    ['sip:[2001:db8::10]:', 'empty port'],
    ['sip:[]', 'empty brackets'],
    ['sip:[2001:db8::10::1]', 'two "::"'],
    ['sip:[1:2:3:4:5:6:7:8:9]', 'nine groups'],
    ['sip:[1:2:3:4:5:6:7]', 'seven groups without "::"'],
    ['sip:[2001:db8:::10]', 'three colons not before an IPv4 tail'],
    ['sip:[2001:db8:::]', 'three colons at the end'],
    ['sip:[:::]', 'three colons alone'],
    ['sip:[:1::2]', 'single leading colon'],
    ['sip:[1::2:]', 'single trailing colon'],
    ['sip:[12345::1]', 'five-digit group'],
    ['sip:[::ffff:192.0.2.256]', 'bad IPv4 tail'],
    ['sip:[fe80::1%25eth0]', 'zone identifier'],
  ])('MUST reject %s (%s)', (text) => {
    expectMalformed(text);
  });
});

describe('Request-URI (RFC 3261 §19.1.1, RFC 4475 §3.1.2)', () => {
  it('MUST reject escaped headers in a Request-URI (RFC 4475 §3.1.2.11)', () => {
    expectMalformed('sip:user@example.com?Route=%3Csip:example.com%3E', REQUEST_URI);
    expectMalformed('pres:user@example.com?subject=x', REQUEST_URI);
  });

  it('MUST reject a Request-URI enclosed in "<" ">" (RFC 4475 §3.1.2.7)', () => {
    expectMalformed('<sip:user@example.com>', REQUEST_URI);
  });

  it('MUST reject white space inside a Request-URI (RFC 4475 §3.1.2.8)', () => {
    expectMalformed('sip:user@example.com; lr', REQUEST_URI);
    expectMalformed('sip:user@example.com;lr ', REQUEST_URI);
  });

  const corpus = loadTortureCorpus();
  it.skipIf(corpus === undefined)('MUST accept the Request-URI of every valid torture request', () => {
    for (const entry of corpus ?? []) {
      const requestLine = /^(\S+) (\S+) SIP\/2\.0\r?\n/.exec(entry.bytes.toString('latin1'));
      if (entry.class !== 'valid' || requestLine === null) continue;
      expect(() => parseUri(requestLine[2] ?? '', REQUEST_URI), entry.name).not.toThrow();
    }
  });
});

describe('absoluteURI (RFC 3261 §25.1, RFC 4475 §3.3)', () => {
  it.each([
    ['nobodyKnowsThisScheme:totallyopaquecontent', 'nobodyknowsthisscheme', 'totallyopaquecontent'],
    ['soap.beep://192.0.2.103:3002', 'soap.beep', '//192.0.2.103:3002'],
    ['isbn:2983792873', 'isbn', '2983792873'],
    ['http://www.example.com', 'http', '//www.example.com'],
    ['name:John_Smith', 'name', 'John_Smith'],
    ['http://[2001:db8::1]/a?b=c%20d', 'http', '//[2001:db8::1]/a?b=c%20d'],
  ])('MUST accept %s as an opaque URI', (text, scheme, opaque) => {
    const uri = parseUri(text, REQUEST_URI);
    expect(isAbsoluteUri(uri)).toBe(true);
    expect(uri).toEqual({ scheme, opaque });
  });

  it.each([
    ['http:', 'empty after the scheme'],
    ['1http://example.com', 'scheme starting with a digit'],
    ['ht_tp://example.com', 'underscore in the scheme'],
    ['example.com', 'no scheme'],
    ['http://example.com/a b', 'space'],
    ['http://example.com/\t', 'control character'],
    ['http://example.com/%zz', 'bad escape'],
    ['http://example.com/<x>', 'character outside uric'],
  ])('MUST reject %s (%s)', (text) => {
    expectMalformed(text);
  });
});

describe('tel URI (RFC 3966)', () => {
  it('MUST accept a global number with visual separators, kept as written', () => {
    const uri = parseUri('tel:+1-201-555-0123;ext=1234;isub=1411');
    expect(isTelUri(uri)).toBe(true);
    expect(uri).toMatchObject({ number: '+1-201-555-0123', global: true });
    expect(isTelUri(uri) && [...uri.params]).toEqual([
      ['ext', '1234'],
      ['isub', '1411'],
    ]);
  });

  it('MUST accept a local number with a domain or global-number phone-context', () => {
    expect(parseUri('tel:7042;phone-context=example.com')).toMatchObject({ number: '7042', global: false });
    expect(parseUri('TEL:#42*A;Phone-Context=+1-201')).toMatchObject({ scheme: 'tel', number: '#42*A' });
  });

  it.each([
    ['tel:7042', 'local number without phone-context (RFC 3966 §5.1.5)'],
    ['tel:+', 'global number without digits'],
    ['tel:+1-201-555-0123;ext=12a', 'non-digit extension'],
    ['tel:+1-201-555-0123;ext', 'extension without value'],
    ['tel:7042;phone-context=192.0.2.1', 'IPv4 address as phone-context'],
    ['tel:7042;phone-context=+', 'phone-context "+" without digits'],
    ['tel:+12015550123;foo=1;FOO=2', 'repeated parameter'],
    ['tel:+1 201', 'space'],
    ['tel:+12015550123;', 'empty parameter'],
    ['tel:+12015550123@example.com', 'character after the number'],
  ])('MUST reject %s (%s)', (text) => {
    expectMalformed(text);
  });
});

describe('enum URI (draft-brandner-enum-uri-01 §2)', () => {
  it('MUST accept a global number and keep it as "+" and digits', () => {
    const uri = parseUri('enum:+43-1-1234567890');
    expect(isEnumUri(uri)).toBe(true);
    expect(uri).toEqual({ scheme: 'enum', number: '+4311234567890', params: new Map() });
  });

  it('MUST accept (and keep) parameters that an ENUM client SHOULD ignore (§3.1)', () => {
    expect(parseUri('enum:+4312345;es=sip')).toEqual({
      scheme: 'enum',
      number: '+4312345',
      params: new Map([['es', 'sip']]),
    });
  });

  it.each([
    ['enum:4311234567890', 'local number'],
    ['enum:+43;isub=1234', 'isdn-subaddress (excluded by §2)'],
    ['enum:+', 'no digits'],
    ['enum:', 'empty'],
  ])('MUST reject %s (%s)', (text) => {
    expectMalformed(text);
  });

  it('MUST compare enum URIs by number alone', () => {
    expect(uriEquals(parseUri('enum:+43-1-12345'), parseUri('enum:+43112345;es=sip'))).toBe(true);
    expect(uriEquals(parseUri('enum:+4312345'), parseUri('tel:+4312345'))).toBe(false);
  });
});

describe('im and pres URIs (RFC 3861 §3)', () => {
  it('MUST accept a mailbox with optional headers', () => {
    const im = parseUri('im:alice@example.com');
    expect(isImPresUri(im)).toBe(true);
    expect(im).toMatchObject({ scheme: 'im', user: 'alice', host: 'example.com', hostKind: 'hostname' });
    const pres = parseUri('PRES:bob.smith@[2001:db8::1]?subject=hi');
    expect(pres).toMatchObject({ scheme: 'pres', user: 'bob.smith', host: '[2001:db8::1]' });
    expect(isImPresUri(pres) && pres.headers.get('subject')).toBe('hi');
  });

  it.each([
    ['im:', 'empty'],
    ['im:@example.com', 'empty local part'],
    ['im:.alice@example.com', 'leading dot'],
    ['im:alice@example.com:5060', 'port'],
    ['pres:alice@example.com;lr', 'parameter'],
    ['im:al ice@example.com', 'space'],
  ])('MUST reject %s (%s)', (text) => {
    expectMalformed(text);
  });
});

describe('unescapeUriPart (RFC 3261 §25.1 escaped)', () => {
  it('MUST decode escapes as UTF-8 and leave other text alone', () => {
    expect(unescapeUriPart('I%20have%20spaces')).toBe('I have spaces');
    expect(unescapeUriPart('caf%C3%A9')).toBe('café');
    expect(unescapeUriPart('plain')).toBe('plain');
  });

  it.each(['%4G', '%4', '%', 'a%zzb', '%FF'])('MUST reject %s with URI_MALFORMED', (text) => {
    expect(failureOf(() => unescapeUriPart(text))).toMatchObject({ code: 'URI_MALFORMED' });
  });
});

describe('formatUri', () => {
  it.each([
    ['sip:%61lice@atlanta.com;transport=TCP', 'sip:%61lice@atlanta.com;transport=TCP'],
    ['SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:ALICE@AtLanTa.CoM;transport=udp'],
    ['sip:c@h;%6C%72;n%61me=v?%53ubject=x', 'sip:c@h;lr;name=v?Subject=x'],
    ['sip:h;a%3Bb=1', 'sip:h;a%3Bb=1'],
    ['sip:h;caf%c3%a9=1', 'sip:h;caf%C3%A9=1'],
    [
      'sips:u:p@[2001:db8::10]:5070;maddr=[2001:db8::1]?a=&b=c',
      'sips:u:p@[2001:db8::10]:5070;maddr=[2001:db8::1]?a=&b=c',
    ],
    ['tel:7042;Phone-Context=example.com', 'tel:7042;phone-context=example.com'],
    ['enum:+43-1-234', 'enum:+431234'],
    ['Pres:bob@example.com?Subject=x', 'pres:bob@example.com?Subject=x'],
    ['HTTP://www.example.com', 'http://www.example.com'],
  ])('MUST serialise %s canonically and round-trip it', (text, canonical) => {
    const uri = parseUri(text);
    expect(formatUri(uri)).toBe(canonical);
    expect(parseUri(formatUri(uri))).toEqual(uri);
  });
});

describe('uriEquals (RFC 3261 §19.1.4, RFC 3966 §4)', () => {
  const equal = (a: string, b: string): boolean => uriEquals(parseUri(a), parseUri(b));

  it.each([
    ['sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;security=on'],
    ['sip:carol@chicago.com;newparam=5', 'sip:carol@chicago.com;security=on'],
    [
      'sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com',
      'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com',
    ],
    [
      'sip:alice@atlanta.com?subject=project%20x&priority=urgent',
      'sip:alice@atlanta.com?priority=urgent&subject=project%20x',
    ],
    ['sip:[2001:db8::10]', 'sip:[2001:DB8:0:0:0:0:0:10]'],
    ['sip:user@[2001:db8:::192.0.2.1]', 'sip:user@[2001:db8::c000:201]'],
  ])('MUST treat %s and %s as equivalent', (a, b) => {
    expect(equal(a, b)).toBe(true);
    expect(equal(b, a)).toBe(true);
  });

  it.each([
    ['SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP', 'different usernames'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060', 'explicit port'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp', 'transport in one only'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp', 'port and transport'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting', 'header in one only'],
    ['sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4', 'hostname against address'],
    ['sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off', 'parameter in both differs'],
    ['sip:alice@atlanta.com', 'sips:alice@atlanta.com', 'sip against sips'],
    ['sip:alice@atlanta.com', 'sip:atlanta.com', 'userinfo in one only'],
    ['sip:alice;x@atlanta.com', 'sip:alice%3Bx@atlanta.com', 'escaped reserved character'],
    ['sip:atlanta.com;maddr=192.0.2.1', 'sip:atlanta.com', 'maddr in one only'],
    ['sip:atlanta.com;user=phone', 'sip:atlanta.com', 'user in one only'],
    ['sip:atlanta.com;ttl=1', 'sip:atlanta.com', 'ttl in one only'],
    ['sip:atlanta.com;method=INVITE', 'sip:atlanta.com', 'method in one only'],
    ['sip:h;name=value%41', 'sip:h;name=v%61lue%25%34%31', 'escapes are not decoded twice (RFC 4475 §3.1.1.3)'],
    ['sip:[2001:db8::10:5070]', 'sip:[2001:db8::10]:5070', 'port inside the brackets (RFC 5118 §4.3)'],
  ])('MUST NOT treat %s and %s as equivalent (%s)', (a, b) => {
    expect(equal(a, b)).toBe(false);
    expect(equal(b, a)).toBe(false);
  });

  it('MUST treat tel numbers as equal without visual separators (RFC 3966 §4)', () => {
    expect(equal('tel:+1-201-555-0123', 'tel:+12015550123')).toBe(true);
    expect(equal('tel:7042;phone-context=Example.COM', 'tel:7042;phone-context=example.com')).toBe(true);
    expect(equal('tel:7042;phone-context=+1-201', 'tel:70-42;phone-context=+1201')).toBe(true);
    expect(equal('tel:+12015550123;ext=1-2', 'tel:+1-201-555-0123;ext=12')).toBe(true);
  });

  it('MUST NOT treat tel URIs with a different kind, number or parameter set as equal (RFC 3966 §4)', () => {
    expect(equal('tel:+7042;foo=1', 'tel:7042;phone-context=example.com')).toBe(false);
    expect(equal('tel:+12015550123', 'tel:+12015550124')).toBe(false);
    expect(equal('tel:+12015550123', 'tel:+12015550123;ext=1')).toBe(false);
  });

  it('MUST compare opaque URIs by scheme and exact text, and never across kinds', () => {
    expect(equal('HTTP://www.example.com', 'http://www.example.com')).toBe(true);
    expect(equal('http://www.example.com', 'http://WWW.example.com')).toBe(false);
    expect(equal('im:alice@Example.com', 'im:alice@example.com')).toBe(true);
    expect(equal('im:alice@example.com', 'pres:alice@example.com')).toBe(false);
    expect(equal('im:alice@example.com', 'sip:alice@example.com')).toBe(false);
  });
});

describe('robustness: every input parses or fails with URI_MALFORMED', () => {
  const seeds = [
    'sip:sips%3Auser%40example.com@example.net',
    'sips:alice:pw@[2001:db8::10]:5070;transport=tcp;lr?Subject=x&Route=%3Csip:a%3E',
    'sip:user@[2001:db8:::192.0.2.1]',
    'tel:7042;phone-context=example.com;ext=12',
    'enum:+43-1-234;es=sip',
    'pres:bob@example.com?subject=hi',
    'soap.beep://192.0.2.103:3002',
  ];
  const alphabet = fc.constantFrom(...'sip:@[]%;?=&.+-#<> \t\u0000aZ09:fF'.split(''), '%4', '%00', '::', 'é');
  const mutated = fc
    .tuple(fc.constantFrom(...seeds), fc.nat(), fc.nat(3), fc.string({ unit: alphabet, maxLength: 4 }))
    .map(([seed, at, removed, inserted]) => {
      const position = at % (seed.length + 1);
      return seed.slice(0, position) + inserted + seed.slice(position + removed);
    });
  const arbitraryText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.string({ unit: alphabet, maxLength: 40 }),
    mutated,
  );

  it('MUST never throw anything but EdgeError URI_MALFORMED, and MUST round-trip what it accepts', () => {
    fc.assert(
      fc.property(arbitraryText, fc.boolean(), (text, allowHeaders) => {
        let uri: Uri;
        try {
          uri = parseUri(text, { allowHeaders });
        } catch (error) {
          return error instanceof EdgeError && error.code === 'URI_MALFORMED';
        }
        const again = parseUri(formatUri(uri), { allowHeaders });
        expect(again).toEqual(uri);
        expect(uriEquals(uri, again)).toBe(true);
        if (isSipUri(uri)) {
          const failure = failureOf(() => unescapeUriPart(uri.user ?? ''));
          if (failure !== undefined) expect(failure).toMatchObject({ code: 'URI_MALFORMED' });
        }
        return true;
      }),
      { seed: 4475, numRuns: 2000 },
    );
  });
});
