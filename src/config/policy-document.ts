// The federation policy document (G2; draft-levin-simple-interdomain-reqs-03 §9.4, §10.5): what a
// community tells its peers about the traffic it accepts — subscription durations, the NOTIFY interval, rate limits, the
// Record-Route limit, IM modes, what its trust-level header means, an optional administrator contact
// — with a version that changes when any of it does. The XML schema is schemas/sip-federation-policy.xsd;
// this module writes the document from the configuration and reads (and checks) a peer's.

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import type { EdgeConfig } from './config-schema.js';

export const POLICY_DOCUMENT_NAMESPACE = 'urn:simple-edge:params:xml:ns:sip-federation-policy';
export const POLICY_DOCUMENT_PATH = '/.well-known/sip-federation-policy.xml';

const rate = z.strictObject({ capacity: z.number().int().positive(), refillPerSecond: z.number().positive() });

export const policyDocumentSchema = z
  .strictObject({
    version: z.number().int().nonnegative(),
    domains: z.array(z.string().min(1)).min(1),
    subscription: z.strictObject({
      minExpiresSeconds: z.number().int().positive(),
      maxExpiresSeconds: z.number().int().positive(),
    }),
    notify: z.strictObject({ minIntervalSeconds: z.number().int().nonnegative() }),
    rates: z.strictObject({ perSender: rate, perPeer: rate, perRecipient: rate }),
    recordRoute: z.strictObject({ maxBytes: z.number().int().positive() }),
    im: z.strictObject({ pageMode: z.boolean(), sessionMode: z.boolean() }),
    trust: z.strictObject({ header: z.string().min(1), semantics: z.string() }),
    adminContact: z.string().min(1).optional(),
  })
  .refine((d) => d.subscription.minExpiresSeconds <= d.subscription.maxExpiresSeconds, {
    message: 'minExpiresSeconds is above maxExpiresSeconds',
  });

export type PolicyDocument = z.infer<typeof policyDocumentSchema>;

/** What this edge publishes: its own limits for peers without an agreement (the ones a stranger meets). */
export function policyDocumentOf(config: EdgeConfig): PolicyDocument {
  const limits = { ...config.policy.limits, ...stripUndefined(config.policy.discovered) };
  const document = config.policyDocument;
  return {
    version: document.version,
    domains: [...config.domains],
    subscription: {
      minExpiresSeconds: limits.minSubscriptionExpiresSeconds,
      maxExpiresSeconds: limits.maxSubscriptionExpiresSeconds,
    },
    notify: { minIntervalSeconds: limits.notifyIntervalSeconds },
    rates: {
      perSender: bucket(limits.perSender),
      perPeer: bucket(limits.perPeer),
      perRecipient: bucket(limits.perRecipient),
    },
    recordRoute: { maxBytes: limits.maxRecordRouteBytes ?? config.limits.maxRecordRouteBytes },
    im: {
      pageMode: config.community.imModes.includes('page'),
      sessionMode: config.community.imModes.includes('session'),
    },
    trust: { header: config.policy.trustHeader, semantics: document.trustSemantics },
    ...(document.adminContact === null ? {} : { adminContact: document.adminContact }),
  };
}

function bucket(value: { capacity: number; refillPerSecond: number }) {
  return { capacity: value.capacity, refillPerSecond: value.refillPerSecond };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function formatPolicyDocument(document: PolicyDocument): string {
  const rateElement = (name: string, r: { capacity: number; refillPerSecond: number }) =>
    `    <${name} capacity="${r.capacity}" refill-per-second="${r.refillPerSecond}"/>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<federation-policy xmlns="${POLICY_DOCUMENT_NAMESPACE}" version="${document.version}">`,
    ...document.domains.map((d) => `  <domain>${escapeXml(d)}</domain>`),
    `  <subscription min-expires="${document.subscription.minExpiresSeconds}" max-expires="${document.subscription.maxExpiresSeconds}"/>`,
    `  <notify min-interval="${document.notify.minIntervalSeconds}"/>`,
    '  <rate-limits>',
    rateElement('per-sender', document.rates.perSender),
    rateElement('per-peer', document.rates.perPeer),
    rateElement('per-recipient', document.rates.perRecipient),
    '  </rate-limits>',
    `  <record-route max-bytes="${document.recordRoute.maxBytes}"/>`,
    `  <im page-mode="${document.im.pageMode}" session-mode="${document.im.sessionMode}"/>`,
    `  <trust-level header="${escapeXml(document.trust.header)}">${escapeXml(document.trust.semantics)}</trust-level>`,
    ...(document.adminContact === undefined
      ? []
      : [`  <admin-contact>${escapeXml(document.adminContact)}</admin-contact>`]),
    '</federation-policy>',
    '',
  ].join('\n');
}

export type PolicyDocumentResult = { ok: true; document: PolicyDocument } | { ok: false; problem: string };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: false,
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (name) => name === 'domain' || name.endsWith(':domain'),
  processEntities: true,
});

/** A peer's document, checked; `problem` says what is wrong with one that is refused. */
export function parsePolicyDocument(xml: string): PolicyDocumentResult {
  const wellFormed = XMLValidator.validate(xml);
  if (wellFormed !== true)
    return { ok: false, problem: `not well-formed XML: ${wellFormed.err.msg} (line ${wellFormed.err.line})` };
  const parsed = parser.parse(xml) as Record<string, unknown>;
  const rootName = Object.keys(parsed).find(
    (name) => name === 'federation-policy' || name.endsWith(':federation-policy'),
  );
  const found = rootName === undefined ? undefined : parsed[rootName];
  if (rootName === undefined || typeof found !== 'object' || found === null)
    return { ok: false, problem: 'the root element is not <federation-policy>' };
  const prefix = rootName.includes(':') ? rootName.slice(0, rootName.indexOf(':')) : undefined;
  const declared = (found as Record<string, unknown>)[prefix === undefined ? '@xmlns' : `@xmlns:${prefix}`];
  if (declared !== POLICY_DOCUMENT_NAMESPACE)
    return { ok: false, problem: `the root element is not in the namespace ${POLICY_DOCUMENT_NAMESPACE}` };
  // Our elements by their local names; elements of other namespaces keep a prefix and are ignored.
  const root =
    prefix === undefined ? (found as Record<string, unknown>) : withoutPrefix(found as Record<string, unknown>, prefix);
  const attributes = (name: string) => (root[name] ?? {}) as Record<string, string>;
  const rates = (root['rate-limits'] ?? {}) as Record<string, Record<string, string>>;
  const rateOf = (name: string) => ({
    capacity: number(rates[name]?.['@capacity']),
    refillPerSecond: number(rates[name]?.['@refill-per-second']),
  });
  const trust = root['trust-level'] as Record<string, string> | undefined;
  const candidate = {
    version: number(root['@version'] as string | undefined),
    domains: ((root.domain as unknown[] | undefined) ?? []).map(String),
    subscription: {
      minExpiresSeconds: number(attributes('subscription')['@min-expires']),
      maxExpiresSeconds: number(attributes('subscription')['@max-expires']),
    },
    notify: { minIntervalSeconds: number(attributes('notify')['@min-interval']) },
    rates: { perSender: rateOf('per-sender'), perPeer: rateOf('per-peer'), perRecipient: rateOf('per-recipient') },
    recordRoute: { maxBytes: number(attributes('record-route')['@max-bytes']) },
    im: {
      pageMode: attributes('im')['@page-mode'] === 'true',
      sessionMode: attributes('im')['@session-mode'] === 'true',
    },
    trust: { header: trust?.['@header'] ?? '', semantics: trust?.['#text'] ?? '' },
    ...(root['admin-contact'] === undefined ? {} : { adminContact: String(root['admin-contact']) }),
  };
  const checked = policyDocumentSchema.safeParse(candidate);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    return { ok: false, problem: `${issue.path.join('.') || 'document'}: ${issue.message}` };
  }
  return { ok: true, document: checked.data };
}

function withoutPrefix(element: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const ours = `${prefix}:`;
  return Object.fromEntries(
    Object.entries(element).map(([name, value]) => [
      name.startsWith(ours) ? name.slice(ours.length) : name,
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? withoutPrefix(value as Record<string, unknown>, prefix)
        : value,
    ]),
  );
}

function number(text: string | undefined): number {
  return text === undefined || text.trim() === '' ? Number.NaN : Number(text);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
