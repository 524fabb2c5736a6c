// The start line (RFC 3261 §7.1, §7.2): Request-Line = Method SP Request-URI SP SIP-Version, and
// Status-Line = SIP-Version SP Status-Code SP Reason-Phrase. Single spaces only (RFC 4475 §3.1.2.9-10).

import { EdgeError } from '../errors.js';
import { isToken } from './char-classes.js';

export interface RequestLine {
  readonly kind: 'request';
  readonly method: string;
  readonly requestUriText: string;
}

export interface StatusLine {
  readonly kind: 'response';
  readonly status: number;
  /** As received (latin1 byte string; may hold UTF-8, RFC 3261 §25.1 Reason-Phrase). */
  readonly reason: string;
}

export type StartLine = RequestLine | StatusLine;

const SIP_VERSION = /^SIP\/(\d+)\.(\d+)$/i;

export function parseStartLine(line: string): StartLine {
  if (line.length > 4 && line.charCodeAt(3) === 0x2f && /^sip$/i.test(line.slice(0, 3))) return parseStatusLine(line);
  return parseRequestLine(line);
}

function parseRequestLine(line: string): RequestLine {
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 === -1 ? -1 : line.indexOf(' ', sp1 + 1);
  if (sp1 === -1 || sp2 === -1) throw malformed(line, 'a Request-Line is "Method SP Request-URI SP SIP-Version"');
  const method = line.slice(0, sp1);
  const requestUriText = line.slice(sp1 + 1, sp2);
  const version = line.slice(sp2 + 1);
  if (!isToken(method)) throw new EdgeError('METHOD_INVALID', `method "${method.slice(0, 40)}" is not a token`);
  if (requestUriText.length === 0) throw malformed(line, 'empty Request-URI (more than one space between elements)');
  checkVersion(line, version);
  return { kind: 'request', method, requestUriText };
}

function parseStatusLine(line: string): StatusLine {
  const sp1 = line.indexOf(' ');
  if (sp1 === -1) throw malformed(line, 'a Status-Line is "SIP-Version SP Status-Code SP Reason-Phrase"');
  checkVersion(line, line.slice(0, sp1));
  const sp2 = line.indexOf(' ', sp1 + 1);
  const code = line.slice(sp1 + 1, sp2 === -1 ? line.length : sp2);
  if (!/^[1-6]\d\d$/.test(code))
    throw new EdgeError('STATUS_CODE_INVALID', `status code "${code.slice(0, 20)}" is not 100-699`);
  return { kind: 'response', status: Number(code), reason: sp2 === -1 ? '' : line.slice(sp2 + 1) };
}

function checkVersion(line: string, version: string): void {
  const match = SIP_VERSION.exec(version);
  if (match === null) throw malformed(line, `"${version.slice(0, 20)}" is not a SIP-Version`);
  if (Number(match[1]) !== 2 || Number(match[2]) !== 0) {
    throw new EdgeError('VERSION_NOT_SUPPORTED', `SIP version ${version} is not supported (only SIP/2.0)`);
  }
}

function malformed(line: string, problem: string): EdgeError {
  return new EdgeError('START_LINE_MALFORMED', `${problem}: "${line.slice(0, 80)}"`);
}
