import { describe, expect, it } from 'vitest';
import { applyNaptrRule, parseNaptrRegexp } from './naptr-regexp.js';

const apply = (field: string, subject: string) => applyNaptrRule(parseNaptrRegexp(field), subject);

function refusal(field: string): string {
  try {
    parseNaptrRegexp(field);
  } catch (error) {
    expect(error).toMatchObject({ code: 'NAPTR_REGEXP_MALFORMED' });
    return (error as Error).message;
  }
  throw new Error(`${field} was accepted`);
}

describe('D4 the NAPTR regexp field (RFC 3402 §3.2)', () => {
  it('D4 applies a terminal rule that replaces the whole string', () => {
    expect(apply('!^.*$!sip:alice@b.example.net!', '+4311234567890')).toBe('sip:alice@b.example.net');
    expect(apply('!^.*$!pres:jon.peterson@neustar.biz!', '+12025332600')).toBe('pres:jon.peterson@neustar.biz');
  });

  it('D4 substitutes back-references \\1 to \\9', () => {
    expect(apply('!^\\+44(20)([0-9]+)$!sip:\\2@london-\\1.example.net!', '+442079460000')).toBe(
      'sip:79460000@london-20.example.net',
    );
    expect(apply('!^\\+(1)(2)(3)(4)(5)(6)(7)(8)(9)$!\\9\\8\\7\\6\\5\\4\\3\\2\\1!', '+123456789')).toBe('987654321');
  });

  it('D6 does not match draft-brandner-enum-uri\'s example as written: the string starts with "+" (RFC 6116 §3.2.1)', () => {
    expect(apply('!^43222(.*)$!enum:+431\\1!', '+432221234567890')).toBeUndefined();
  });

  it('D6 matches the corrected example and redirects to the new number', () => {
    expect(apply('!^\\+43222(.*)$!enum:+431\\1!', '+432221234567890')).toBe('enum:+4311234567890');
  });

  it('D4 honours the i flag', () => {
    expect(apply('!^\\+1(.*)$!sip:\\1@EXAMPLE.net!', '+1555')).toBe('sip:555@EXAMPLE.net');
    expect(apply('/^SIP$/ok/i', 'sip')).toBe('ok');
    expect(apply('/^SIP$/ok/', 'sip')).toBeUndefined();
  });

  it('D4 takes any delimiter but digits, "\\" and "i", and "\\<delim>" stands for it', () => {
    expect(apply('#^\\+1(.*)$#sip:\\1@b.example.net#', '+1555')).toBe('sip:555@b.example.net');
    expect(apply('/^\\+1(.*)$/http:\\/\\/b.example.net\\/\\1/', '+1555')).toBe('http://b.example.net/555');
    expect(apply('z^\\+1(.*)$zsip:\\1@b.example.net\\zz', '+1555')).toBe('sip:555@b.example.netz');
  });

  it('D4 replaces only the matched part, as sed does', () => {
    expect(apply('!555!666!', '+15551234')).toBe('+16661234');
  });

  it('D4 reads POSIX bracket expressions and intervals', () => {
    expect(apply('!^\\+[[:digit:]]{2}([0-9]{3,})$!sip:\\1@b.example.net!', '+4412345')).toBe('sip:12345@b.example.net');
    expect(apply('!^[]a]+$!x!', ']a]')).toBe('x');
    expect(apply('!^[\\]+$!x!', '\\\\')).toBe('x');
  });

  it('D4 refuses malformed rules, saying what is wrong', () => {
    expect(refusal('')).toMatch(/it is empty/);
    expect(refusal('1^.*$1x1')).toMatch(/cannot be the delimiter/);
    expect(refusal('!^.*$!sip:x')).toMatch(/needs three "!" delimiters/);
    expect(refusal('!^.*$!sip:x!g')).toMatch(/the only flag is "i"/);
    expect(refusal('!^(.*$!sip:x!')).toMatch(/"\(" without a closing "\)"/);
    expect(refusal('!^.*)$!sip:x!')).toMatch(/has no opening "\("/);
    expect(refusal('!^.*$!sip:\\1!')).toMatch(/refers to \\1, but the regexp has no group/);
    expect(refusal('!^(.)$!sip:\\2!')).toMatch(/only 1 group/);
    expect(refusal('!^\\d+$!x!')).toMatch(/"\\d" at offset 1 is undefined in an ERE/);
    expect(refusal('!^(?:a)$!x!')).toMatch(/"\(\?" at offset 1 is not ERE syntax/);
    expect(refusal('!*a!x!')).toMatch(/repeats nothing/);
    expect(refusal('!a**!x!')).toMatch(/repeats a repetition/);
    expect(refusal('!a{2,1}!x!')).toMatch(/out of order/);
    expect(refusal('!a{x}!x!')).toMatch(/does not start an interval/);
    expect(refusal('![abc!x!')).toMatch(/has no closing "]"/);
    expect(refusal('![[:digits:]]!x!')).toMatch(/not a POSIX character class/);
    expect(refusal('!a!\\q!')).toMatch(/"\\q" in the replacement/);
    expect(refusal('!a\\!')).toMatch(/needs three/);
  });
});
