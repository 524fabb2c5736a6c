// The methods the edge knows by name (RFC 3261, 3262, 3311, 3428, 3515, 3903, 6086, 6665).

export const KNOWN_METHODS = [
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'REGISTER',
  'PRACK',
  'UPDATE',
  'INFO',
  'MESSAGE',
  'SUBSCRIBE',
  'NOTIFY',
  'PUBLISH',
  'REFER',
] as const;

export type KnownMethod = (typeof KNOWN_METHODS)[number];

const KNOWN = new Set<string>(KNOWN_METHODS);

export function isKnownMethod(method: string): method is KnownMethod {
  return KNOWN.has(method);
}
