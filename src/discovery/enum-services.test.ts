import { describe, expect, it } from 'vitest';
import { enumserviceTypes, enumservicesFor } from './enum-services.js';

describe('D4 enumservices (RFC 6116 §3.4.3)', () => {
  it('D4 reads E2U+sip, E2U+im (000) and E2U+pres (001), case-insensitively', () => {
    expect(enumserviceTypes('E2U+sip')).toEqual(['sip']);
    expect(enumserviceTypes('e2u+IM')).toEqual(['im']);
    expect(enumserviceTypes('E2U+pres')).toEqual(['pres']);
  });

  it('D4 reads the legacy RFC 2916 form sip+E2U', () => {
    expect(enumserviceTypes('sip+E2U')).toEqual(['sip']);
  });

  it('D4 reads several enumservices and subtypes', () => {
    expect(enumserviceTypes('E2U+voice:sip+video:sip')).toEqual(['voice', 'video']);
    expect(enumserviceTypes('E2U')).toEqual([]);
  });

  it('D4 says "not ENUM" for other services', () => {
    expect(enumserviceTypes('SIPS+D2T')).toBeUndefined();
    expect(enumserviceTypes('E2Ux')).toBeUndefined();
    expect(enumserviceTypes('E2U+')).toBeUndefined();
  });

  it('D4 MESSAGE prefers im, SUBSCRIBE to presence prefers pres, both fall back to sip', () => {
    expect(enumservicesFor('MESSAGE', undefined)).toEqual(['im', 'sip']);
    expect(enumservicesFor('SUBSCRIBE', 'presence;id=1')).toEqual(['pres', 'sip']);
    expect(enumservicesFor('SUBSCRIBE', 'message-summary')).toEqual(['sip']);
    expect(enumservicesFor('INVITE', undefined)).toEqual(['sip']);
  });
});
