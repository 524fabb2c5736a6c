// Fields for the network names and addresses the configuration holds. Each refusal carries its own
// fix (in the issue's params) so the problem report can tell the operator what to write instead.
import { isIP } from 'node:net';
import { z } from 'zod';

// RFC 1123 §2.1: letters, digits and hyphens, 1..63 per label, no hyphen at either end.
const HOSTNAME_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

export function isHostname(text: string): boolean {
  return text.length > 0 && text.length <= 253 && text.split('.').every((label) => HOSTNAME_LABEL.test(label));
}

/** Adds a refusal whose fix the problem report prints as written. */
export function refuse(ctx: z.RefinementCtx, problem: string, fix: string): void {
  ctx.addIssue({ code: 'custom', message: problem, params: { fix } });
}

/** An IPv4 or IPv6 literal: listeners bind addresses, never names, so start-up needs no DNS. */
export function ipAddressField() {
  return z
    .string()
    .superRefine((value, ctx) => {
      if (isIP(value) === 0) {
        refuse(
          ctx,
          `\`${value}\` is not an IPv4 or IPv6 address literal`,
          'write an address such as 127.0.0.1 or ::1 (0.0.0.0 or :: for every interface; host names are not accepted here)',
        );
      }
    })
    .meta({ examples: ['127.0.0.1'] });
}

/** A DNS domain name, compared case-insensitively everywhere, so it is stored in lower case. */
export function domainNameField() {
  return z
    .string()
    .toLowerCase()
    .superRefine((value, ctx) => {
      if (!isHostname(value) || isIP(value) !== 0) {
        refuse(
          ctx,
          `\`${value}\` is not a valid domain name`,
          'write a DNS name such as a.example.com: letters, digits and hyphens in dot-separated labels',
        );
      }
    })
    .meta({ examples: ['a.example.com'] });
}

/** Where a target lives: a DNS name or an IP literal. */
export function hostField() {
  return z
    .string()
    .superRefine((value, ctx) => {
      if (!isHostname(value) && isIP(value) === 0) {
        refuse(
          ctx,
          `\`${value}\` is neither a host name nor an IP address`,
          'write a host name such as sip.a.example.com or an address such as 192.0.2.10',
        );
      }
    })
    .meta({ examples: ['sip.a.example.com'] });
}

export function portField() {
  return z
    .number()
    .int()
    .min(1)
    .max(65535)
    .meta({ examples: [5061] });
}

export function filePathField() {
  return z
    .string()
    .min(1)
    .meta({ examples: ['certs/a.example.com.pem'] });
}

export const TRANSPORTS = ['udp', 'tcp', 'tls'] as const;
export type TransportName = (typeof TRANSPORTS)[number];

export function transportField() {
  return z.enum(TRANSPORTS);
}
