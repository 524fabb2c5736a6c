import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import { TransportLayer } from './transport-layer.js';
import type { ListenerOptions, TransportLimits } from './transport-options.js';

const LIMITS: TransportLimits = {
  parser: DEFAULT_PARSER_LIMITS,
  maxConnections: 100,
  maxPendingBytesPerConnection: 65_536,
  idleTimeoutMs: 60_000,
  handshakeTimeoutMs: 1000,
  maxHandshakesInProgress: 10,
  keepaliveIntervalMs: 0,
};

function make(limits: Partial<TransportLimits>, listeners: ListenerOptions[] = []): TransportLayer {
  return new TransportLayer({
    listeners,
    limits: { ...LIMITS, ...limits },
    clock: new FakeClock(),
    onMessage: () => {},
  });
}

describe('Y4 transport limits are validated at start-up', () => {
  it('Y4 refuses a zero, negative or fractional limit', () => {
    expect(() => make({ maxConnections: 0 })).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID' }));
    expect(() => make({ idleTimeoutMs: -1 })).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID' }));
    expect(() => make({ keepaliveIntervalMs: 0.5 })).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID' }));
  });

  it('F1 refuses a listener with a host name, a bad port, or TLS without a certificate', () => {
    expect(() => make({}, [{ side: 'internal', protocol: 'udp', address: 'localhost', port: 5060 }])).toThrow(
      /IP literal/,
    );
    expect(() => make({}, [{ side: 'internal', protocol: 'tcp', address: '::1', port: 70_000 }])).toThrow(/port/);
    expect(() => make({}, [{ side: 'external', protocol: 'tls', address: '127.0.0.1', port: 5061 }])).toThrow(
      /tls options/,
    );
  });

  it('connect() refuses before listen()', async () => {
    const layer = make({ keepaliveIntervalMs: 0 });
    await expect(
      layer.connect({ protocol: 'tcp', side: 'external', address: '127.0.0.1', port: 5060 }),
    ).rejects.toMatchObject({ code: 'LAYER_CLOSED' });
  });
});
