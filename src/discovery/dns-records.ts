// The DNS records discovery reads, as plain frozen values with their TTLs (D3): the cache hands the
// same objects to every caller, so nothing downstream may change them.

/** Query types: the named ones, and TYPEnnn (RFC 3597) read as TXT-format strings (MIMI stand-ins). */
export type RecordType = 'A' | 'AAAA' | 'SRV' | 'NAPTR' | TextRecordType;

/** The types read as TXT-format strings. */
export type TextRecordType = 'TXT' | `TYPE${number}`;

interface RecordBase {
  /** The owner name, lower case, without the trailing dot. */
  readonly name: string;
  /** Seconds, as the authoritative server gave it. */
  readonly ttl: number;
}

export interface AddressRecord extends RecordBase {
  readonly type: 'A' | 'AAAA';
  readonly address: string;
}

/** RFC 2782. */
export interface SrvRecord extends RecordBase {
  readonly type: 'SRV';
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  /** Lower case, no trailing dot; "" for the root ("service not available here"). */
  readonly target: string;
}

/** RFC 3403 §4.1. */
export interface NaptrRecord extends RecordBase {
  readonly type: 'NAPTR';
  readonly order: number;
  readonly preference: number;
  readonly flags: string;
  readonly services: string;
  readonly regexp: string;
  /** Lower case, no trailing dot; "" for the root ("."). */
  readonly replacement: string;
}

/** TXT, or a TYPEnnn record whose data has the TXT layout (RFC 1035 §3.3.14). */
export interface TextRecord extends RecordBase {
  readonly type: TextRecordType;
  readonly strings: readonly string[];
}

export interface CnameRecord extends RecordBase {
  readonly type: 'CNAME';
  readonly target: string;
}

export type DnsRecord = AddressRecord | SrvRecord | NaptrRecord | TextRecord | CnameRecord;

export interface RecordOf {
  readonly A: AddressRecord;
  readonly AAAA: AddressRecord;
  readonly SRV: SrvRecord;
  readonly NAPTR: NaptrRecord;
  readonly TXT: TextRecord;
}

export type RecordFor<T extends RecordType> = T extends keyof RecordOf ? RecordOf[T] : TextRecord;

export type ResponseCode = 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'FORMERR' | 'NOTIMP' | string;

/** One DNS response, decoded: what a transport returns and a fake transport makes up. */
export interface DnsResponse {
  readonly rcode: ResponseCode;
  /** The records of the answer section (CNAMEs included). */
  readonly answers: readonly DnsRecord[];
  /** RFC 2308 §5: min(SOA TTL, SOA MINIMUM) from the authority section; undefined without an SOA. */
  readonly negativeTtl: number | undefined;
  /** Which resolver answered, for the trace ("127.0.0.1:5300"). */
  readonly server: string;
}

/** A resolver address. */
export interface DnsServer {
  readonly address: string;
  readonly port: number;
}

export function formatServer(server: DnsServer): string {
  return server.address.includes(':') ? `[${server.address}]:${server.port}` : `${server.address}:${server.port}`;
}

/** Names are compared case-insensitively and kept without the root's trailing dot. */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** The zone-file form of a record's data, for `simple-edge resolve` and the logs. */
export function formatRecordData(record: DnsRecord): string {
  switch (record.type) {
    case 'A':
    case 'AAAA':
      return record.address;
    case 'SRV':
      return `${record.priority} ${record.weight} ${record.port} ${record.target || '.'}`;
    case 'NAPTR':
      return `${record.order} ${record.preference} "${record.flags}" "${record.services}" "${record.regexp}" ${record.replacement || '.'}`;
    case 'CNAME':
      return record.target;
    default:
      return record.strings.map((s) => JSON.stringify(s)).join(' ');
  }
}
