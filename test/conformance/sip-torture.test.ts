// RFC 4475 (SIP torture tests) and RFC 5118 (IPv6 torture tests): every valid message must parse and
// validate; every invalid one must be rejected with an EdgeError naming the problem. One test per
// message, named after it, over both the datagram parser (UDP) and the stream framer (TCP/TLS).

import { describe, expect, it } from 'vitest';
import { EdgeError } from '../../src/errors.js';
import { parseDatagram } from '../../src/sip/datagram-parser.js';
import type { HeaderIndex } from '../../src/sip/header-index.js';
import type { IncomingMessage } from '../../src/sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../../src/sip/parser-limits.js';
import { StreamFramer } from '../../src/sip/stream-framer.js';
import { validateMessage } from '../../src/sip/validate-message.js';
import { CORPUS_MISSING, loadTortureCorpus, type TortureCase } from './torture-corpus.js';

/**
 * What a receiver ends up with: messages that validated, a rejection, or nothing yet (waiting). A
 * rejection is answerable (400, 505 …) when the request's headers, Via included, could be indexed;
 * otherwise the receiver can only drop the datagram or close the stream: silence.
 */
interface Outcome {
  readonly accepted: IncomingMessage[];
  readonly rejection: EdgeError | undefined;
  readonly answerable: boolean;
}

function rejected(error: EdgeError, headers: HeaderIndex | undefined, accepted: IncomingMessage[] = []): Outcome {
  return { accepted, rejection: error, answerable: headers !== undefined && headers.has('via') };
}

function validated(message: IncomingMessage): EdgeError | undefined {
  try {
    validateMessage(message, { limits: DEFAULT_PARSER_LIMITS, grammar: 'full' });
    return undefined;
  } catch (error) {
    if (error instanceof EdgeError) return error;
    throw error;
  }
}

function overDatagram(bytes: Buffer): Outcome {
  const frame = parseDatagram(bytes, DEFAULT_PARSER_LIMITS);
  if (frame.kind === 'error') return rejected(frame.error, frame.headers);
  if (frame.kind !== 'message') return { accepted: [], rejection: undefined, answerable: false };
  const rejection = validated(frame.message);
  return rejection
    ? rejected(rejection, frame.message.headers)
    : { accepted: [frame.message], rejection, answerable: false };
}

function overStream(bytes: Buffer): Outcome {
  const framer = new StreamFramer(DEFAULT_PARSER_LIMITS);
  framer.push(bytes);
  const accepted: IncomingMessage[] = [];
  for (let frame = framer.next(); frame !== undefined; frame = framer.next()) {
    if (frame.kind === 'error') return rejected(frame.error, frame.headers, accepted);
    if (frame.kind !== 'message') continue;
    const rejection = validated(frame.message);
    if (rejection) return rejected(rejection, frame.message.headers, accepted);
    accepted.push(frame.message);
  }
  return { accepted, rejection: undefined, answerable: false };
}

/** Check an outcome against a manifest pass rule such as "4xx", "4xx|silence" or "!400|silence". */
function expectRule(outcome: Outcome, rule: string, testCase: TortureCase, transport: string): void {
  const alternatives = rule.split('|');
  const label = `${testCase.name} over ${transport} (${testCase.reason})`;
  if (alternatives.includes('any')) return;
  if (outcome.rejection !== undefined && !(outcome.answerable && !isResponse(testCase.bytes))) {
    // Dropped or closed without an answer: a rejection, but silent on the wire.
    expect(outcome.rejection.message, label).not.toBe('');
    expect(
      alternatives.includes('silence'),
      `${label}: rejected (${outcome.rejection.code}: ${outcome.rejection.message}) but nothing could be answered`,
    ).toBe(true);
    return;
  }
  if (outcome.rejection !== undefined) {
    expect(outcome.rejection.message, label).not.toBe('');
    const status = outcome.rejection.status;
    const allowed = alternatives.some(
      (a) => (a === '4xx' && status >= 400 && status < 500) || a === String(status) || (a === '!400' && status !== 400),
    );
    expect(allowed, `${label}: rejected with ${status} ${outcome.rejection.code}: ${outcome.rejection.message}`).toBe(
      true,
    );
    return;
  }
  if (outcome.accepted.length === 0) {
    expect(alternatives.includes('silence'), `${label}: nothing was framed`).toBe(true);
    return;
  }
  expect(testCase.class, `${label}: an invalid message was accepted`).toBe('valid');
}

function isResponse(bytes: Buffer): boolean {
  return bytes.subarray(0, 4).toString('latin1').toUpperCase() === 'SIP/';
}

/** Why each invalid message is rejected: the EdgeError code the parser must give (tests assert codes). */
const EXPECTED_REJECTION: Readonly<Record<string, string>> = {
  badinv01: 'HEADER_VALUE_MALFORMED',
  clerr: 'CONTENT_LENGTH_EXCEEDS_DATAGRAM',
  ncl: 'CONTENT_LENGTH_INVALID',
  scalar02: 'HEADER_VALUE_MALFORMED',
  scalarlg: 'HEADER_VALUE_MALFORMED',
  quotbal: 'HEADER_VALUE_MALFORMED',
  ltgtruri: 'URI_MALFORMED',
  lwsruri: 'START_LINE_MALFORMED',
  lwsstart: 'START_LINE_MALFORMED',
  trws: 'START_LINE_MALFORMED',
  escruri: 'URI_MALFORMED',
  baddate: 'HEADER_VALUE_MALFORMED',
  regbadct: 'HEADER_VALUE_MALFORMED',
  badaspec: 'HEADER_VALUE_MALFORMED',
  baddn: 'HEADER_BLOCK_UNTERMINATED',
  badvers: 'VERSION_NOT_SUPPORTED',
  mismatch01: 'CSEQ_METHOD_MISMATCH',
  mismatch02: 'CSEQ_METHOD_MISMATCH',
  bigcode: 'STATUS_CODE_INVALID',
  insuf: 'HEADER_MISSING',
  multi01: 'HEADER_DUPLICATED',
  mcl01: 'CONTENT_LENGTH_INVALID',
  test: 'HEADER_LINE_MALFORMED',
  'ipv6-bad': 'URI_MALFORMED',
  'baddn-terminated': 'HEADER_VALUE_MALFORMED',
};

const corpus = loadTortureCorpus();

if (corpus === undefined) {
  describe('SIP torture messages (RFC 4475, RFC 5118)', () => {
    it.skip(CORPUS_MISSING, () => {});
  });
} else {
  describe('S3 SIP torture messages (RFC 4475, RFC 5118)', () => {
    it('covers every message of the manifest', () => {
      expect(corpus.length).toBeGreaterThanOrEqual(60);
    });

    for (const testCase of corpus) {
      it(testCase.name, () => {
        const udp = overDatagram(testCase.bytes);
        const tcp = overStream(testCase.bytes);
        if (testCase.class === 'valid') {
          expect(udp.rejection?.message, `${testCase.name} must parse over UDP`).toBeUndefined();
          expect(udp.accepted).toHaveLength(1);
        } else {
          expect(udp.accepted, `${testCase.name} must be rejected over UDP (${testCase.reason})`).toHaveLength(0);
          expect(udp.rejection?.code, udp.rejection?.message).toBe(EXPECTED_REJECTION[testCase.name]);
        }
        expectRule(udp, testCase.udp, testCase, 'UDP');
        expectRule(tcp, testCase.tcp, testCase, 'TCP');
      });
    }

    it('dblreq: UDP ignores the octets after Content-Length 0; a stream frames them as a second request', () => {
      const dblreq = corpus.find((c) => c.name === 'dblreq');
      expect(dblreq).toBeDefined();
      const udp = overDatagram(dblreq!.bytes);
      expect(udp.accepted.map((m) => m.kind === 'request' && m.method)).toEqual(['REGISTER']);
      const tcp = overStream(dblreq!.bytes);
      expect(tcp.accepted.map((m) => m.kind === 'request' && m.method)).toEqual(['REGISTER', 'INVITE']);
    });

    it('badvers: SIP/7.0 is answered 505 Version Not Supported', () => {
      const badvers = corpus.find((c) => c.name === 'badvers');
      expect(overDatagram(badvers!.bytes).rejection?.status).toBe(505);
    });
  });
}
