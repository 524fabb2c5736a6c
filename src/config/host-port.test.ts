import { describe, expect, it } from 'vitest';
import { parseHostPort } from './host-port.js';

describe('O1 admin host:port', () => {
  it.each([
    ['127.0.0.1:9060', '127.0.0.1', 9060],
    ['[::1]:9060', '::1', 9060],
    ['localhost:80', 'localhost', 80],
  ])('accepts %s', (text, host, port) => {
    expect(parseHostPort(text)).toEqual({ ok: true, host, port });
  });

  it.each(['9060', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', '[127.0.0.1]:9060', 'bad_host:1', '::1:9060'])(
    'refuses %s',
    (text) => {
      const result = parseHostPort(text);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.fix).toContain('[::1]:9060');
    },
  );
});
