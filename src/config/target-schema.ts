// A next hop given by the operator rather than discovered: used by static routes to peer
// communities and by external registrar/presence servers inside the community.
import { z } from 'zod';
import { hostField, portField, transportField } from './network-fields.js';

export const targetSchema = z
  .strictObject({
    host: hostField(),
    port: portField(),
    transport: transportField(),
  })
  .meta({ examples: [{ host: 'sip.b.example.net', port: 5061, transport: 'tls' }] });

export type Target = z.infer<typeof targetSchema>;

export function targetList() {
  return z.array(targetSchema).min(1);
}
