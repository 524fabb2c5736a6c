// Y4: hostile input. Mutated, truncated and oversized messages must come back as a message or a
// typed EdgeError, never as another exception, and within bounded time and memory. Fixed seed and a
// bounded number of runs, so CI sees the same inputs every time.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EdgeError } from '../../src/errors.js';
import { parseDatagram } from '../../src/sip/datagram-parser.js';
import type { IncomingMessage } from '../../src/sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../../src/sip/parser-limits.js';
import { StreamFramer } from '../../src/sip/stream-framer.js';
import { validateMessage } from '../../src/sip/validate-message.js';
import { sip, MESSAGE_REQUEST } from '../support/sip-text.js';
import { loadTortureCorpus } from './torture-corpus.js';

const SEED = 4475;
const seeds: Buffer[] = [sip(MESSAGE_REQUEST), ...(loadTortureCorpus() ?? []).map((c) => c.bytes)];

/** Touch every accessor a proxy would, so lazily parsed grammars are exercised too. */
function exercise(message: IncomingMessage): void {
  try {
    validateMessage(message, { limits: DEFAULT_PARSER_LIMITS, grammar: 'full' });
    void message.topVia;
    if (message.kind === 'request') void message.requestUri;
  } catch (error) {
    if (!(error instanceof EdgeError)) throw error;
  }
}

function parseBothWays(bytes: Buffer): void {
  const frame = parseDatagram(bytes, DEFAULT_PARSER_LIMITS);
  if (frame.kind === 'message') exercise(frame.message);
  if (frame.kind === 'error') expect(frame.error).toBeInstanceOf(EdgeError);
  const framer = new StreamFramer(DEFAULT_PARSER_LIMITS);
  // Deliver in two pieces to exercise partial reads.
  const cut = bytes.length >> 1;
  framer.push(bytes.subarray(0, cut));
  for (let f = framer.next(); f !== undefined; f = framer.next()) if (f.kind === 'message') exercise(f.message);
  framer.push(bytes.subarray(cut));
  for (let f = framer.next(); f !== undefined; f = framer.next()) if (f.kind === 'message') exercise(f.message);
  expect(framer.bufferedBytes).toBeLessThanOrEqual(bytes.length);
}

const mutation = fc.record({
  seed: fc.integer({ min: 0, max: seeds.length - 1 }),
  edits: fc.array(
    fc.record({
      at: fc.nat(),
      kind: fc.constantFrom('flip', 'delete', 'insert', 'truncate', 'duplicate'),
      byte: fc.constantFrom(
        0x00,
        0x0a,
        0x0d,
        0x20,
        0x22,
        0x25,
        0x2c,
        0x3a,
        0x3b,
        0x3c,
        0x3e,
        0x40,
        0x5b,
        0x5d,
        0xff,
        0x3d,
      ),
    }),
    { minLength: 1, maxLength: 8 },
  ),
});

function mutate(base: Buffer, edits: ReadonlyArray<{ at: number; kind: string; byte: number }>): Buffer {
  let bytes = Buffer.from(base);
  for (const edit of edits) {
    const at = bytes.length === 0 ? 0 : edit.at % bytes.length;
    if (edit.kind === 'flip') bytes[at] = edit.byte;
    else if (edit.kind === 'delete') bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
    else if (edit.kind === 'insert')
      bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([edit.byte]), bytes.subarray(at)]);
    else if (edit.kind === 'truncate') bytes = bytes.subarray(0, at);
    else bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at)]);
  }
  return bytes;
}

describe('Y4 parser fuzzing', () => {
  it('returns a message or an EdgeError for mutated and truncated messages, never another exception', () => {
    fc.assert(
      fc.property(mutation, ({ seed, edits }) => parseBothWays(mutate(seeds[seed]!, edits))),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('returns a message or an EdgeError for arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => parseBothWays(Buffer.from(bytes))),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('rejects huge headers and header floods within the limits, quickly', () => {
    const huge = sip(MESSAGE_REQUEST.replace('Max-Forwards: 70', `X-Huge: ${'x'.repeat(5_000_000)}`));
    const flood = sip(
      MESSAGE_REQUEST.replace('Max-Forwards: 70', Array.from({ length: 50_000 }, (_, i) => `X-${i}: y`).join('\n')),
    );
    for (const bytes of [huge, flood]) {
      const frame = parseDatagram(bytes, DEFAULT_PARSER_LIMITS);
      expect(frame.kind === 'error' && frame.error.code).toMatch(/HEADERS_TOO_LARGE|TOO_MANY_HEADERS/);
      const framer = new StreamFramer(DEFAULT_PARSER_LIMITS);
      for (let i = 0; i < bytes.length; i += 65536) framer.push(bytes.subarray(i, i + 65536));
      const first = framer.next();
      expect(first?.kind).toBe('error');
      expect(framer.broken).toBe(true);
      expect(framer.bufferedBytes).toBe(0);
    }
  });

  it('holds at most the header limit while waiting for a header block that never ends', () => {
    const framer = new StreamFramer(DEFAULT_PARSER_LIMITS);
    framer.push(Buffer.from('MESSAGE sip:b@b.example.net SIP/2.0\r\n'));
    let rejected = false;
    for (let i = 0; i < 10_000 && !rejected; i++) {
      framer.push(Buffer.from(`X-${i}: value\r\n`));
      rejected = framer.next()?.kind === 'error';
    }
    expect(rejected).toBe(true);
  });
});
