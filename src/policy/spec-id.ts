// The requirement IDs of /work/shared/SPEC.md the request route and the border rules implement. A
// rule or route step names exactly one of them, so the decisions metric, the log line and the audit
// `decision` point at a requirement that exists; a misspelt or invented ID does not compile.

export type SpecId =
  // D: discovery and provisioning
  | 'D1'
  // F: federation and authority
  | 'F7'
  // G: agreements and published policy
  | 'G1'
  | 'G2'
  // I: the internal side (I2: the community's own users authenticated)
  | 'I2'
  // M: instant messaging
  | 'M4'
  // O: operations
  | 'O5'
  // P: presence
  | 'P2'
  | 'P3'
  | 'P4'
  | 'P5'
  | 'P6'
  | 'P7'
  | 'P8'
  | 'P9'
  // S: SIP in general (S3: Max-Forwards, loops, RFC 3261 stateful proxy behaviour)
  | 'S2'
  | 'S3'
  // X: privacy and trust
  | 'X2'
  | 'X3'
  // Y: abuse and hostile input
  | 'Y1'
  | 'Y2'
  | 'Y3'
  | 'Y4';
