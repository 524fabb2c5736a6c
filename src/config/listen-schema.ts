// Where the edge listens: the internal side faces this community's registrar, presence server and
// UAs; the external side faces peer communities (mutual TLS, RFC 5922).
import { z } from 'zod';
import { ipAddressField, portField, refuse, TRANSPORTS } from './network-fields.js';
import { section } from './section.js';

// SPEC I7 (RFC 7118): browsers on the community side speak SIP over WebSocket, plain or over TLS.
const LISTENER_TRANSPORTS = [...TRANSPORTS, 'ws', 'wss'] as const;

/** An origin as a browser sends it (RFC 6454): scheme, host and port only. */
function originField() {
  return z
    .string()
    .superRefine((value, ctx) => {
      let url: URL | undefined;
      try {
        url = new URL(value);
      } catch {
        url = undefined;
      }
      if (url === undefined || url.origin === 'null' || url.origin !== value.replace(/\/$/, '').toLowerCase()) {
        refuse(
          ctx,
          `\`${value}\` is not a web origin`,
          'write scheme, host and port only, as a browser sends it: https://app.a.example.com or https://a.example.com:8443',
        );
      }
    })
    .meta({ examples: ['https://app.a.example.com'] });
}

export const listenerSchema = z
  .strictObject({
    transport: z.enum(LISTENER_TRANSPORTS),
    address: ipAddressField(),
    port: portField(),
    /** ws, wss: the HTTP path of the WebSocket endpoint; other paths are left to the web client's pages. */
    path: z
      .string()
      .regex(/^\/[^\s?#]*$/, 'must start with / and hold no query')
      .optional(),
    /** ws, wss: the web origins a browser may connect from (403 for others); absent or empty: any. */
    origins: z.array(originField()).optional(),
  })
  .meta({ examples: [{ transport: 'tls', address: '127.0.0.1', port: 5061 }] });

export type Listener = z.infer<typeof listenerSchema>;

const DEFAULT_INTERNAL: Listener[] = [
  { transport: 'udp', address: '127.0.0.1', port: 5060 },
  { transport: 'tcp', address: '127.0.0.1', port: 5060 },
];
const DEFAULT_EXTERNAL: Listener[] = [
  { transport: 'tls', address: '127.0.0.1', port: 5061 },
  { transport: 'tls', address: '::1', port: 5061 },
];

function listenerList(defaults: Listener[]) {
  return z.array(listenerSchema).min(1).default(defaults);
}

export const listenSchema = section(
  z
    .strictObject({
      internal: listenerList(DEFAULT_INTERNAL),
      external: listenerList(DEFAULT_EXTERNAL),
    })
    .superRefine((listen, ctx) => {
      const seen = new Map<string, string>();
      for (const side of ['internal', 'external'] as const) {
        listen[side].forEach((listener, index) => {
          const where = `listen.${side}[${index}]`;
          webSocketProblems(listener, side, index, ctx);
          // TCP and TLS share the TCP port space; UDP has its own.
          const socket = `${listener.transport === 'udp' ? 'udp' : 'tcp'} ${listener.address} ${listener.port}`;
          const first = seen.get(socket);
          if (first === undefined) {
            seen.set(socket, where);
            return;
          }
          ctx.addIssue({
            code: 'custom',
            path: [side, index],
            message: `binds the same ${listener.transport === 'udp' ? 'UDP' : 'TCP'} port ${listener.address}:${listener.port} as ${first}`,
            params: { fix: `give ${where} another port or address, or remove it` },
          });
        });
      }
    }),
);

export type Listen = z.infer<typeof listenSchema>;

/** SPEC I7: WebSocket listeners face browsers, so only the community side has them; path and origins are theirs. */
function webSocketProblems(
  listener: Listener,
  side: 'internal' | 'external',
  index: number,
  ctx: z.RefinementCtx,
): void {
  const webSocket = listener.transport === 'ws' || listener.transport === 'wss';
  if (webSocket && side === 'external') {
    ctx.addIssue({
      code: 'custom',
      path: [side, index, 'transport'],
      message: `${listener.transport} is for browsers of this community, not for peers`,
      params: { fix: 'move this listener to listen.internal; peers connect over tls' },
    });
  }
  for (const key of ['path', 'origins'] as const) {
    if (!webSocket && listener[key] !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [side, index, key],
        message: `only ws and wss listeners take ${key}`,
        params: { fix: `remove ${key}, or set transport to ws or wss` },
      });
    }
  }
}
