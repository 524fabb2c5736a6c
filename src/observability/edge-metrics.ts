// The edge's Prometheus metrics (prom-client). Labels stay bounded: methods, status classes, sides
// and reasons, never user addresses.

import { Counter, Gauge, Registry } from 'prom-client';

export class EdgeMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'simple_edge_requests_total', help: 'Requests received, by method and side', labelNames: ['method', 'side'] as const, registers: [this.registry] });
  readonly responses = new Counter({ name: 'simple_edge_responses_total', help: 'Responses sent upstream, by status class', labelNames: ['status_class'] as const, registers: [this.registry] });
  readonly edgeAnswers = new Counter({ name: 'simple_edge_answers_total', help: 'Requests the edge answered itself instead of relaying, by status and the rule or RFC step behind it', labelNames: ['status', 'because'] as const, registers: [this.registry] });
  readonly policyDecisions = new Counter({ name: 'simple_edge_policy_decisions_total', help: 'Border policy decisions other than pass, by rule, verdict (shadow- when not applied) and peer domain', labelNames: ['rule', 'verdict', 'peer'] as const, registers: [this.registry] });
  readonly peerConnections = new Gauge({ name: 'simple_edge_peer_connections', help: 'Open connections with peer edges, by peer domain and who opened them (F4)', labelNames: ['peer', 'direction'] as const, registers: [this.registry] });
  readonly peerConnectionsRefused = new Counter({ name: 'simple_edge_peer_connections_refused_total', help: 'Connections refused once the peer was known, by reason: cap, denied, not-allowed, untrusted (F4, D1, G1)', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly transactions = new Gauge({ name: 'simple_edge_transactions', help: 'Live SIP transactions', registers: [this.registry] });

  answeredAtEdge(status: number, because: string): void {
    this.edgeAnswers.inc({ status: String(status), because });
  }
}
