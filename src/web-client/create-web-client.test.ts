import { Registry } from 'prom-client';
import { pino } from 'pino';
import type { Logger } from '../observability/logger.js';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/load-config.js';
import type { EdgeConfig } from '../config/config-schema.js';
import { webClientOf } from './create-web-client.js';

function config(yaml: string): EdgeConfig {
  const result = parseConfigText(`domains: [a.example.com]\n${yaml}`, 'test');
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config;
}

/** A logger that keeps its lines, to read what the edge said at start. */
function recordingLog(): { log: Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const log: Logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

const WS_LISTENER = 'listen:\n  internal: [{ transport: tcp, address: 127.0.0.1, port: 5060 }, ';

describe('I7 community.webClient', () => {
  it('I7 is off by default: the WebSocket listeners get no web client and no metric', () => {
    const registry = new Registry();
    const { log } = recordingLog();
    const off = config(`${WS_LISTENER}{ transport: ws, address: 127.0.0.1, port: 5062 }]\n`);
    expect(off.community.webClient).toBe(false);
    expect(webClientOf(off, { log, registry })).toBeUndefined();
    expect(registry.getSingleMetric('simple_edge_web_client_requests_total')).toBeUndefined();
  });

  it('I7 when on, hands the listeners a handler and counts its answers by outcome', () => {
    const registry = new Registry();
    const { log, lines } = recordingLog();
    const on = config(
      `${WS_LISTENER}{ transport: ws, address: 127.0.0.1, port: 5062, path: /sip }]\ncommunity: { webClient: true }\n`,
    );
    expect(webClientOf(on, { log, registry })).toBeTypeOf('function');
    expect(registry.getSingleMetric('simple_edge_web_client_requests_total')).toBeDefined();
    expect(lines).toEqual([]);
  });
});
