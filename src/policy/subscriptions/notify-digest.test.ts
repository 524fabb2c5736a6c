import { describe, expect, it } from 'vitest';
import { notify, pidf, request, subscribe } from '../../../test/support/policy-fixture.js';
import { notifyDigest, parametersDigest } from './notify-digest.js';
import { digest53, digest96 } from './text-digest.js';

// The fixture turns \n into CRLF on the whole message, so bodies here lay out with spaces and tabs.
const reasserted = pidf('open', '<timestamp>2026-11-21T12:10:00Z</timestamp>')
  .replace('<tuple', ' \t<!-- refresh -->  <tuple')
  .replace('<presence ', '<presence version="7" ');

describe('P8 what counts as a change of state', () => {
  it('MUST treat the same document re-sent with a fresh timestamp, version counter, comment or layout as unchanged', () => {
    expect(notifyDigest(notify('active;expires=2400', reasserted))).toBe(
      notifyDigest(notify('active;expires=3600', pidf('open'))),
    );
  });

  it('MUST see a change of basic status, of substate, or of reason', () => {
    const open = notifyDigest(notify('active', pidf('open')));
    expect(notifyDigest(notify('active', pidf('closed')))).not.toBe(open);
    expect(notifyDigest(notify('pending', pidf('open')))).not.toBe(open);
    expect(notifyDigest(notify('terminated;reason=timeout'))).not.toBe(
      notifyDigest(notify('terminated;reason=noresource')),
    );
  });

  it('MUST compare bodies that are not XML byte for byte', () => {
    const text = (body: string) =>
      notifyDigest(request('NOTIFY', ['Subscription-State: active', 'Content-Type: text/plain'], { body }));
    expect(text('a  b')).not.toBe(text('a b'));
    expect(text('a b')).toBe(text('a b'));
  });

  it('is a 53-bit number, exact in a double; dialog ids are 16 base64url characters', () => {
    expect(Number.isSafeInteger(digest53('presence'))).toBe(true);
    expect(digest53('presence')).toBe(digest53('presence'));
    expect(digest96('c1\nb1\na9\npresence')).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(digest96('c1\nb1\na9\npresence')).not.toBe(digest96('c1\na9\nb1\npresence'));
  });
});

describe('P7 what counts as a change of subscription parameters', () => {
  const withEvent = (event: string, extra: string[] = [], body?: string) =>
    request('SUBSCRIBE', [`Event: ${event}`, 'Accept: application/pidf+xml', 'Expires: 600', ...extra], {
      toTag: 'a9',
      ...(body === undefined ? {} : { body }),
    });

  it('MUST NOT count Expires or the dialog tags as parameters', () => {
    expect(parametersDigest(withEvent('presence'))).toBe(parametersDigest(subscribe(['Expires: 3600'])));
  });

  it('MUST count the Event id, the Accept list and a filter body (RFC 4661) as parameters', () => {
    const base = parametersDigest(withEvent('presence'));
    expect(parametersDigest(withEvent('presence;id=2'))).not.toBe(base);
    expect(
      parametersDigest(
        request('SUBSCRIBE', ['Event: presence', 'Accept: application/pidf+xml, application/pidf-diff+xml'], {
          toTag: 'a9',
        }),
      ),
    ).not.toBe(base);
    expect(
      parametersDigest(
        withEvent(
          'presence',
          ['Content-Type: application/simple-filter+xml'],
          '<filter-set xmlns="urn:ietf:params:xml:ns:simple-filter"/>',
        ),
      ),
    ).not.toBe(base);
  });
});
