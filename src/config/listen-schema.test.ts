import { describe, expect, it } from 'vitest';
import { parseConfigText } from './load-config.js';

function parsed(listeners: string) {
  return parseConfigText(`domains: [a.example.com]\nlisten:\n${listeners}`, 'listen.yaml');
}

describe('I7 WebSocket listeners in listen.internal', () => {
  it('I7 takes ws and wss with a path and an Origin allow-list', () => {
    const result = parsed(
      [
        '  internal:',
        '    - { transport: ws, address: 127.0.0.1, port: 8080, path: /sip, origins: [https://app.a.example.com] }',
        '    - { transport: wss, address: 127.0.0.1, port: 8443 }',
      ].join('\n'),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.listen.internal[0]).toMatchObject({ transport: 'ws', path: '/sip' });
    expect(result.config.listen.internal[1]).toMatchObject({ transport: 'wss', port: 8443 });
  });

  it('I7 refuses a WebSocket listener on the peer side', () => {
    const result = parsed('  external:\n    - { transport: wss, address: 127.0.0.1, port: 8443 }\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.key)).toContain('listen.external[0].transport');
  });

  it('I7 refuses an origin that is not scheme, host and port, and origins on a SIP listener', () => {
    const result = parsed(
      [
        '  internal:',
        '    - { transport: ws, address: 127.0.0.1, port: 8080, origins: [https://app.a.example.com/page] }',
        '    - { transport: tcp, address: 127.0.0.1, port: 5060, origins: [https://app.a.example.com] }',
      ].join('\n'),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.key)).toEqual(
      expect.arrayContaining(['listen.internal[0].origins[0]', 'listen.internal[1].origins']),
    );
  });
});
