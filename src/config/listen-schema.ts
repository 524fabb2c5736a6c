// Where the edge listens: the internal side faces this community's registrar, presence server and
// UAs; the external side faces peer communities (mutual TLS, RFC 5922).
import { z } from 'zod';
import { ipAddressField, portField, transportField } from './network-fields.js';
import { section } from './section.js';

export const listenerSchema = z
  .strictObject({
    transport: transportField(),
    address: ipAddressField(),
    port: portField(),
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
