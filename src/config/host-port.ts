// `host:port` strings (the admin listener): IPv6 literals must be bracketed, as in URLs (RFC 3986
// §3.2.2), because an unbracketed `::1:9060` cannot be split unambiguously.
import { isIP } from 'node:net';
import { isHostname } from './network-fields.js';

export type HostPortResult = { ok: true; host: string; port: number } | { ok: false; problem: string; fix: string };

const BRACKETED = /^\[([^\]]*)\]:(\d+)$/;
const PLAIN = /^([^:]*):(\d+)$/;
const FIX = 'write host:port such as 127.0.0.1:9060, or [::1]:9060 for IPv6';

export function parseHostPort(text: string): HostPortResult {
  const bracketed = BRACKETED.exec(text);
  if (bracketed) {
    const host = bracketed[1] ?? '';
    if (isIP(host) !== 6) return refusal(`\`${host}\` in brackets is not an IPv6 address`);
    return withPort(host, bracketed[2] ?? '');
  }
  const plain = PLAIN.exec(text);
  if (!plain) {
    const unbracketed = isIP(text.slice(0, text.lastIndexOf(':'))) === 6;
    return refusal(unbracketed ? `\`${text}\` has an IPv6 address without brackets` : `\`${text}\` is not host:port`);
  }
  const host = plain[1] ?? '';
  if (isIP(host) !== 4 && !isHostname(host)) return refusal(`\`${host}\` is neither a host name nor an IPv4 address`);
  return withPort(host, plain[2] ?? '');
}

function withPort(host: string, digits: string): HostPortResult {
  const port = Number(digits);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return refusal(`port ${digits} is outside 1..65535`);
  return { ok: true, host, port };
}

function refusal(problem: string): HostPortResult {
  return { ok: false, problem, fix: FIX };
}
