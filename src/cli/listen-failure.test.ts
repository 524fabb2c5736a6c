import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/load-config.js';
import type { CliIo } from './cli-io.js';
import { describeListenFailure } from './listen-failure.js';
import { serveEdge } from './serve.js';

function configListeningOn(udpPort: number, tcpPort: number) {
  const result = parseConfigText(
    [
      'domains: [a.example.com]',
      'listen:',
      `  internal: [{ transport: udp, address: 127.0.0.1, port: ${udpPort} }, { transport: tcp, address: 127.0.0.1, port: ${tcpPort} }]`,
      `  external: [{ transport: tcp, address: 127.0.0.2, port: ${tcpPort} }]`,
      'state: { backend: memory }',
    ].join('\n'),
    'edge.yaml',
  );
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config;
}

function recordingIo(): CliIo & { stderr: string[] } {
  const stderr: string[] = [];
  return { stderr, out: () => undefined, err: (line) => void stderr.push(line) };
}

describe('O1 a SIP port that cannot be bound at start', () => {
  it('O1 names the transport, the key and the fix when a TCP port is in use, and exits 3', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const busy = (holder.address() as AddressInfo).port;
    try {
      const io = recordingIo();
      // The UDP listener binds the same number (a different protocol); the TCP one finds it taken.
      expect(await serveEdge(configListeningOn(busy, busy), { io, configPath: 'edge.yaml' })).toBe(3);
      expect(io.stderr).toEqual([
        `cannot listen on listen.internal[1] (tcp 127.0.0.1:${busy}): the port is in use (another simple-edge, or another SIP server). ` +
          `Fix: stop the process holding it (\`ss -lntup 'sport = :${busy}'\` shows it) or set listen.internal[1].port to a free port in edge.yaml.`,
      ]);
    } finally {
      holder.close();
    }
  });

  it('O1 tells a UDP listener apart from the TCP one on the same port', async () => {
    const holder = createSocket('udp4');
    await new Promise<void>((resolve) => holder.bind(0, '127.0.0.1', resolve));
    const busy = holder.address().port;
    const second = createSocket('udp4');
    const error = await new Promise<Error>((resolve) => {
      second.once('error', resolve);
      second.bind(busy, '127.0.0.1');
    });
    holder.close();
    second.close();
    const lines = describeListenFailure(configListeningOn(busy, busy), error, 'edge.yaml');
    expect(lines?.[0]).toMatch(/^cannot listen on listen\.internal\[0\] \(udp 127\.0\.0\.1:\d+\): the port is in use/);
  });

  it('O1 leaves an error that is no configured listener to the generic message', () => {
    expect(describeListenFailure(configListeningOn(5060, 5060), new Error('boom'), 'edge.yaml')).toBeUndefined();
  });
});
