// Discovery of peer communities through DNS (SPEC D1-D7): which domains may be discovered, which
// resolvers are asked and how patiently, how long answers are kept, and the ENUM and MIMI knobs.
// docs/DISCOVERY.md explains the order of resolution and every key below.
import { isIP } from 'node:net';
import { z } from 'zod';
import { boundedInt } from './bounded-int.js';
import { parseHostPort } from './host-port.js';
import { domainNameField, refuse, TRANSPORTS } from './network-fields.js';
import { section } from './section.js';

export const FEDERATION_MODES = ['closed', 'open'] as const;
export const ADDRESS_FAMILIES = ['ipv4', 'ipv6'] as const;

/** A resolver is an address: the edge cannot look up the name of the server it looks names up with. */
function resolverField() {
  return z
    .string()
    .superRefine((value, ctx) => {
      const parsed = parseHostPort(value);
      if (!parsed.ok)
        return refuse(ctx, parsed.problem, 'write an IP address and port such as 127.0.0.1:53 or [::1]:53');
      if (isIP(parsed.host) === 0) {
        refuse(
          ctx,
          `\`${parsed.host}\` is a host name; a resolver must be an IP address`,
          'write the resolver as 192.0.2.53:53 or [2001:db8::53]:53',
        );
      }
    })
    .meta({ examples: ['127.0.0.1:53'] });
}

/** An ordered list without repeats: the order is a preference, a repeat is a typo. */
function preferenceList<T extends string>(choices: readonly [T, ...T[]], defaults: T[]) {
  return z
    .array(z.enum(choices))
    .min(1)
    .default(defaults)
    .superRefine((list, ctx) => {
      list.forEach((item, index) => {
        if (list.indexOf(item) !== index) {
          ctx.addIssue({
            code: 'custom',
            path: [index],
            message: `repeats \`${item}\``,
            params: { fix: 'list each choice once, in order of preference' },
          });
        }
      });
    });
}

// RFC 3597 §5: a record type without a mnemonic is written TYPEnnn.
const RECORD_TYPE = /^(TXT|TYPE([1-9][0-9]{0,4}))$/;

function recordTypeField() {
  return z
    .string()
    .toUpperCase()
    .default('TXT')
    .superRefine((value, ctx) => {
      const match = RECORD_TYPE.exec(value);
      if (match === null || Number(match[2] ?? 16) > 65_535) {
        refuse(
          ctx,
          `\`${value}\` is not a record type the edge can read MIMI strings from`,
          'write TXT, or TYPEnnn (1..65535) for a private-use type whose data is TXT-format strings (RFC 3597)',
        );
      }
    });
}

/** A record owner name with one placeholder, such as `_mimi.{mui}`. */
function ownerTemplateField(placeholder: string, fallback: string) {
  return z
    .string()
    .default(fallback)
    .superRefine((value, ctx) => {
      if (value.split(placeholder).length !== 2) {
        refuse(
          ctx,
          `\`${value}\` must contain \`${placeholder}\` exactly once`,
          `write \`${placeholder}\`, or a prefix such as \`_mimi.${placeholder}\``,
        );
      }
    });
}

export const dnsCacheSchema = section(
  z.strictObject({
    maxEntries: boundedInt({ min: 16, max: 10_000_000, default: 100_000 }),
    /** A ceiling on any record's TTL, so a mistyped week-long TTL cannot pin a dead peer. */
    maxTtlSeconds: boundedInt({ min: 1, max: 604_800, default: 86_400 }),
    /** RFC 2308 §5: negative answers are kept for min(SOA TTL, SOA MINIMUM), capped here. */
    maxNegativeTtlSeconds: boundedInt({ min: 0, max: 86_400, default: 3_600 }),
  }),
);

export const enumSchema = section(
  z.strictObject({
    suffixes: z.array(domainNameField()).min(1).default(['e164.arpa']),
    /** Non-terminal NAPTR hops plus enum: re-submissions on one path (D6). */
    maxChainDepth: boundedInt({ min: 1, max: 20, default: 5 }),
  }),
);

export const mimiSchema = section(
  z.strictObject({
    /** D7 is experimental: off unless the operator asks for it. */
    enabled: z.boolean().default(false),
    recordName: ownerTemplateField('{mui}', '{mui}'),
    recordType: recordTypeField(),
    mimixName: ownerTemplateField('{domain}', '{domain}'),
    mimixType: recordTypeField(),
    /** The `s=` values this edge can reach; records without `s=` name a generic MIMI service and are kept. */
    services: z.array(z.string().min(1).toLowerCase()).default(['sip']),
  }),
);

export const discoverySchema = section(
  z.strictObject({
    federation: z.enum(FEDERATION_MODES).default('closed'),
    /** Peer domains found through DNS in `closed` mode, and admitted inbound (static routes are allowed already). */
    allow: z.array(domainNameField()).default([]),
    /** Never routed to, and refused inbound, in either mode. */
    deny: z.array(domainNameField()).default([]),
    /** `host:port` of recursive resolvers, asked in order; empty: the system's resolvers. */
    resolvers: z.array(resolverField()).default([]),
    timeoutMs: boundedInt({ min: 50, max: 30_000, default: 2_000 }),
    /** Further attempts after the first, each to the next resolver in the list. */
    retries: boundedInt({ min: 0, max: 10, default: 2 }),
    /** RFC 6891 UDP payload size offered; 0 sends no EDNS and keeps answers to 512 bytes. */
    ednsUdpPayloadBytes: boundedInt({ min: 0, max: 4_096, default: 1_232 }),
    /**
     * Transports to discovered peers, most preferred first (RFC 3263 §4.1). TLS only by default: the
     * inter-domain profile requires TLS between edges (D2, F2), so a peer whose DNS also lists plain
     * SIP is still reached over TLS or not at all. Listing tcp or udp is the operator's explicit
     * opt-in to cleartext, logged as a warning at start.
     */
    transports: preferenceList(TRANSPORTS, ['tls']),
    addressFamilies: preferenceList(ADDRESS_FAMILIES, ['ipv4', 'ipv6']),
    maxTargets: boundedInt({ min: 1, max: 64, default: 16 }),
    /** How long a target that failed (connect error, timeout, 503) goes to the back of the list (D2). */
    failureBackoffMs: boundedInt({ min: 0, max: 3_600_000, default: 30_000 }),
    cache: dnsCacheSchema,
    enum: enumSchema,
    mimi: mimiSchema,
  }),
);

export type DiscoveryConfig = z.infer<typeof discoverySchema>;
