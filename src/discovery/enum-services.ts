// The ENUM services field (RFC 6116 §3.4.3): "E2U" followed by "+type" or "+type:subtype" entries,
// compared case-insensitively; the RFC 2916 form "sip+E2U" is still read, as deployed zones use it.

/** The enumservices this edge follows: SIP (RFC 3764), IM (RFC 5028), presence (RFC 3953). */
export type EnumService = 'sip' | 'im' | 'pres';

// RFC 6116 §3.4.3: type and subtype are 1*32 ALPHA / DIGIT / "-".
const ENUMSERVICE = /^[a-z0-9-]{1,32}(:[a-z0-9-]{1,32})*$/;
const LEGACY = /^([a-z0-9-]{1,32})\+e2u$/;

/** The enumservice types a record offers, lower case; undefined when it is not an E2U record. */
export function enumserviceTypes(services: string): string[] | undefined {
  const field = services.toLowerCase();
  const legacy = LEGACY.exec(field);
  if (legacy !== null) return [legacy[1]!];
  if (!field.startsWith('e2u')) return undefined;
  if (field === 'e2u') return [];
  if (field[3] !== '+') return undefined;
  const specs = field.slice(4).split('+');
  if (!specs.every((spec) => ENUMSERVICE.test(spec))) return undefined;
  return specs.map((spec) => spec.split(':')[0]!);
}

/** What the request is for decides the enumservice tried first (D4); SIP is always the fallback. */
export function enumservicesFor(method: string, event: string | undefined): EnumService[] {
  if (method === 'MESSAGE') return ['im', 'sip'];
  if (method === 'SUBSCRIBE' && /^presence\b/i.test(event ?? '')) return ['pres', 'sip'];
  return ['sip'];
}
