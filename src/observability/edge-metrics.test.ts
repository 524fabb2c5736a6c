import { describe, expect, it } from 'vitest';
import { EdgeMetrics } from './edge-metrics.js';

describe('Y5 overload metrics', () => {
  it('Y5 counts shed requests by cause, side, peer and answer, and shows the admission state', async () => {
    const metrics = new EdgeMetrics();
    metrics.overload.shed({ cause: 'event-loop', side: 'external', peer: 'b.example.net', answered: 40, dropped: 2 });
    metrics.overload.state({ shedding: true, eventLoopUtilisation: 0.97, capacityPerSecond: 1200 });
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'simple_edge_overload_shed_total{cause="event-loop",side="external",peer="b.example.net",answer="503"} 40',
    );
    expect(text).toContain(
      'simple_edge_overload_shed_total{cause="event-loop",side="external",peer="b.example.net",answer="dropped"} 2',
    );
    expect(text).toContain('simple_edge_overload_shedding 1');
    expect(text).toContain('simple_edge_event_loop_utilisation_ratio 0.97');
    expect(text).toContain('simple_edge_overload_capacity_per_second 1200');
    metrics.overload.state({ shedding: false, eventLoopUtilisation: 0.3, capacityPerSecond: Infinity });
    const after = await metrics.registry.metrics();
    expect(after).toContain('simple_edge_overload_shedding 0');
    expect(after).toContain('simple_edge_overload_capacity_per_second 0');
  });

  it('Y5 a peer cannot choose label values past the bounded set', async () => {
    const metrics = new EdgeMetrics();
    for (let i = 0; i < 1001; i++)
      metrics.overload.shed({ cause: 'capacity', side: 'external', peer: `p${i}.example`, answered: 1, dropped: 0 });
    expect(await metrics.registry.metrics()).toContain('peer="other",answer="503"} 1');
  });
});
