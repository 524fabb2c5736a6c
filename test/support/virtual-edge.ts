// A whole edge with no socket (`createEdge({ network: 'virtual' })`), driven with `inject()`: the
// in-process border most edge tests share. VIRTUAL_BORDER is its usual configuration — the
// community a.example.com with the built-in registrar and presence server, an internal TCP and an
// external TLS listener on documentation addresses, and the peer b.example.net routed statically;
// a test appends the keys it is about.

import { parseConfigText } from '../../src/config/load-config.js';
import { createEdge } from '../../src/edge/create-edge.js';
import type { Edge, EdgeOptions } from '../../src/edge/edge-types.js';
import { MemoryStore } from '../../src/state/memory-store.js';
import { FakeClock } from './fake-clock.js';

export const VIRTUAL_BORDER = `
domains: [a.example.com]
listen:
  internal:
    - { transport: tcp, address: 192.0.2.1, port: 5060 }
  external:
    - { transport: tls, address: 203.0.113.1, port: 5061 }
internal: { registrar: builtin, presence: builtin }
routes:
  - domain: b.example.net
    targets: [{ host: 198.51.100.20, port: 5061, transport: tls }]
discovery: { allow: [b.example.net] }
state: { backend: memory }
`;

export interface VirtualEdgeOptions extends Pick<EdgeOptions, 'logger' | 'store' | 'wallClock'> {
  /** Whether to call `listen()` (the built-in community starts there); default true. */
  readonly listen?: boolean;
}

/** An edge on `yaml` with a fake clock and, unless given, a memory store at wall-clock time 0. */
export async function startVirtualEdge(yaml: string, options: VirtualEdgeOptions = {}): Promise<Edge> {
  const parsed = parseConfigText(yaml, 'test');
  if (!parsed.ok) throw new Error(parsed.problems.map((p) => p.problem).join('; '));
  const { listen = true, store = new MemoryStore({ now: () => 0 }), ...rest } = options;
  const edge = createEdge({ config: parsed.config, network: 'virtual', clock: new FakeClock(), store, ...rest });
  if (listen) await edge.listen();
  return edge;
}
