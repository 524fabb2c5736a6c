// Static routes to peer communities. Discovery (RFC 3263, ENUM, MIMI) has its own section
// (discovery-schema.ts); a static route, when present, wins over discovery for its domain.
import { z } from 'zod';
import { domainNameField } from './network-fields.js';
import { targetList } from './target-schema.js';

export const routeSchema = z
  .strictObject({
    domain: domainNameField(),
    targets: targetList(),
    /**
     * D1: the domains the peer's certificate may name instead of `domain` (a hosted edge's own name).
     * A flow authenticated as one of them counts as this peer's (F4 reuse, F7 authority). Default: [domain].
     */
    identity: z.array(domainNameField()).min(1).optional(),
    /**
     * D2, F2: the inter-domain profile requires TLS between edges, so a target over tcp or udp is
     * refused unless the route says, here, that cleartext to this peer is meant (a lab, a peer behind
     * a VPN). Every opt-in is logged as a warning at start.
     */
    plaintext: z.boolean().optional(),
  })
  .superRefine((route, ctx) => {
    if (route.plaintext === true) return;
    route.targets.forEach((target, index) => {
      if (target.transport === 'tls') return;
      ctx.addIssue({
        code: 'custom',
        path: ['targets', index, 'transport'],
        message: `reaches the peer \`${route.domain}\` over ${target.transport}, in cleartext; the inter-domain profile requires TLS between edges`,
        params: {
          fix: `write transport: tls (port 5061), or set plaintext: true on this route to accept cleartext to ${route.domain} (logged as a warning at start)`,
        },
      });
    });
  })
  .meta({
    examples: [{ domain: 'b.example.net', targets: [{ host: 'sip.b.example.net', port: 5061, transport: 'tls' }] }],
  });

export type Route = z.infer<typeof routeSchema>;

export const routesSchema = z
  .array(routeSchema)
  .default([])
  .superRefine((routes, ctx) => {
    const seen = new Map<string, number>();
    routes.forEach((route, index) => {
      const first = seen.get(route.domain);
      if (first === undefined) {
        seen.set(route.domain, index);
        return;
      }
      ctx.addIssue({
        code: 'custom',
        path: [index, 'domain'],
        message: `repeats the domain \`${route.domain}\` of routes[${first}]`,
        params: { fix: `merge the targets into routes[${first}] and remove routes[${index}]` },
      });
    });
  });
