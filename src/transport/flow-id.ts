// How flows are named in logs, metrics and the admin API: protocol, the two endpoints with an arrow
// pointing the way the connection was opened, and a serial that keeps ids unique for the process.
// `tls:127.0.0.1:5061<-127.0.0.1:40112#17` was opened by the peer; `->` by the edge.

import type { Endpoint, TransportProtocol } from './flow.js';

export type FlowDirection = 'inbound' | 'outbound';

export function formatEndpoint(endpoint: Endpoint): string {
  return endpoint.address.includes(':')
    ? `[${endpoint.address}]:${endpoint.port}`
    : `${endpoint.address}:${endpoint.port}`;
}

export function flowId(
  protocol: TransportProtocol,
  local: Endpoint,
  remote: Endpoint,
  direction: FlowDirection,
  serial: number,
): string {
  const arrow = direction === 'inbound' ? '<-' : '->';
  return `${protocol}:${formatEndpoint(local)}${arrow}${formatEndpoint(remote)}#${serial}`;
}
