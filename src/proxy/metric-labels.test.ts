// B4 (docs/SECURITY.md): nothing a peer or client writes grows the edge's metric series
// without bound. Methods are counted by the known set, peers by who the connection proved to be.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProxyHarness } from '../../test/support/proxy-harness.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { BoundedLabel } from '../observability/bounded-label.js';
import { ImplicitAuthority } from './implicit-authority.js';

function message(n: number, from: string, method = 'MESSAGE'): string {
  return [
    `${method} sip:alice@a.example.com SIP/2.0`,
    `Via: SIP/2.0/TLS 198.51.100.20:5061;branch=z9hG4bK-labels-${n}`,
    'Max-Forwards: 70',
    `From: <sip:bob@${from}>;tag=b${n}`,
    'To: <sip:alice@a.example.com>',
    `Call-ID: labels-${n}@b.example.net`,
    `CSeq: 1 ${method}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\n');
}

async function seriesCount(edge: ProxyHarness): Promise<number> {
  const metrics = await edge.metrics.registry.getMetricsAsJSON();
  return metrics
    .filter(
      (m) =>
        m.name.startsWith('simple_edge_') &&
        !m.name.startsWith('simple_edge_process') &&
        !m.name.startsWith('simple_edge_nodejs'),
    )
    .reduce((n, m) => n + m.values.length, 0);
}

describe('B4 metric labels a peer cannot choose (F7, O3)', () => {
  it('F7 counts a refused request under the authenticated peer, never the From domain it claims', async () => {
    const edge = new ProxyHarness({ authority: new ImplicitAuthority([]) });
    const peer = new RecordingFlow({ side: 'external', protocol: 'tls', peerIdentity: ['b.example.net'] });
    await edge.receive(message(1, 'forged.example.org'), peer);
    const responses = await edge.metrics.responses.get();
    expect(responses.values).toEqual([
      expect.objectContaining({
        value: 1,
        labels: expect.objectContaining({ peer: 'b.example.net', status_class: '4xx' }),
      }),
    ]);
  });

  it('keeps the series count bounded whatever From domains and method tokens a peer sends', async () => {
    const edge = new ProxyHarness({ authority: new ImplicitAuthority([]) });
    const peer = new RecordingFlow({ side: 'external', protocol: 'tls', peerIdentity: ['b.example.net'] });
    let n = 0;
    const domain = fc.domain().map((d) => d.toLowerCase());
    const method = fc.stringMatching(/^[A-Z]{3,12}$/);
    await edge.receive(message(++n, 'warmup.example.org'), peer);
    const before = await seriesCount(edge);
    await fc.assert(
      fc.asyncProperty(domain, method, async (from, token) => {
        await edge.receive(message(++n, from, token), peer);
      }),
      { seed: 4, numRuns: 200 },
    );
    // A handful of new series at most (each known method once, and "other"), not one per request.
    expect((await seriesCount(edge)) - before).toBeLessThan(20);
  });

  it('admits a bounded number of distinct values, each keeping its label', () => {
    const label = new BoundedLabel(2);
    expect([label.of('a'), label.of('b'), label.of('c'), label.of('a'), label.of('c')]).toEqual([
      'a',
      'b',
      'other',
      'a',
      'other',
    ]);
  });
});
