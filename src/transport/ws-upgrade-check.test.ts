import { describe, expect, it } from 'vitest';
import { checkUpgrade, normalisedOrigin, originAllowed, refusalResponse } from './ws-upgrade-check.js';

const SETTINGS = { path: '/sip', origins: ['https://app.a.example.com'] };
const room = () => true;

function upgrade(headers: Record<string, string>, url = '/sip') {
  return { url, headers: { upgrade: 'websocket', 'sec-websocket-protocol': 'sip', ...headers } };
}

describe('I7 which upgrades become SIP WebSocket connections (RFC 7118 §4.1)', () => {
  it('I7 admits an upgrade on the path, offering sip among other subprotocols, from a listed Origin', () => {
    const request = upgrade({ 'sec-websocket-protocol': 'chat, sip', origin: 'https://app.a.example.com' });
    expect(checkUpgrade(request, SETTINGS, room)).toBeUndefined();
  });

  it('I7 refuses without the sip subprotocol (400), case and all', () => {
    expect(checkUpgrade(upgrade({ 'sec-websocket-protocol': 'SIP' }), SETTINGS, room)).toMatchObject({
      reason: 'subprotocol',
      status: 400,
    });
    const { headers } = upgrade({});
    delete (headers as Record<string, string>)['sec-websocket-protocol'];
    expect(checkUpgrade({ url: '/sip', headers }, SETTINGS, room)?.reason).toBe('subprotocol');
  });

  it('I7 refuses another Origin with 403 and admits a request with none (not a page)', () => {
    expect(checkUpgrade(upgrade({ origin: 'https://evil.example.org' }), SETTINGS, room)).toMatchObject({
      reason: 'origin',
      status: 403,
    });
    expect(checkUpgrade(upgrade({}), SETTINGS, room)).toBeUndefined();
    expect(originAllowed('null', SETTINGS.origins)).toBe(false);
  });

  it('I7 compares origins as browsers serialise them: scheme and host in lower case, default port dropped', () => {
    expect(normalisedOrigin('HTTPS://App.A.Example.com:443')).toBe('https://app.a.example.com');
    expect(originAllowed('https://app.a.example.com:8443', SETTINGS.origins)).toBe(false);
  });

  it('I7 refuses another path (404), a request that is no upgrade (400), and over the connection cap (503)', () => {
    expect(checkUpgrade(upgrade({}, '/other?x=1'), SETTINGS, room)?.status).toBe(404);
    expect(checkUpgrade(upgrade({}, '/sip?token=1'), SETTINGS, room)).toBeUndefined();
    expect(checkUpgrade(upgrade({ upgrade: 'h2c' }), SETTINGS, room)?.reason).toBe('not-websocket');
    expect(checkUpgrade(upgrade({}), SETTINGS, () => false)).toMatchObject({ reason: 'connection-cap', status: 503 });
  });

  it('I7 a refusal is a complete HTTP response that closes the connection', () => {
    const text = refusalResponse({ reason: 'origin', status: 403, text: 'no' });
    expect(text).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(text).toContain('Connection: close\r\n');
    expect(text.endsWith('\r\n\r\nno\n')).toBe(true);
  });
});
