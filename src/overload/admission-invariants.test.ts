// Y5's promises as properties over generated traffic and load: whatever arrives and however loaded
// the edge is, work already admitted is never shed, every shed request that can be answered gets 503
// with Retry-After, and a source sending within its equal share is never shed while another floods.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DrivenLoad, overloadSettings } from '../../test/support/driven-load.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { sip } from '../../test/support/sip-text.js';
import { parseDatagram } from '../sip/datagram-parser.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import { AdmissionController } from './admission-controller.js';

type Kind = 'new' | 'in-dialog' | 'response' | 'ack' | 'cancel';
const KINDS: readonly Kind[] = ['new', 'in-dialog', 'response', 'ack', 'cancel'];

let serial = 0;
function message(kind: Kind) {
  const n = ++serial;
  const method = kind === 'ack' ? 'ACK' : kind === 'cancel' ? 'CANCEL' : 'MESSAGE';
  const start = kind === 'response' ? 'SIP/2.0 200 OK' : `${method} sip:bob@b.example.net SIP/2.0`;
  const text = [
    start,
    `Via: SIP/2.0/TLS 198.51.100.7:5061;branch=z9hG4bK-p${n}`,
    'From: <sip:alice@a.example.com>;tag=f1',
    `To: <sip:bob@b.example.net>${kind === 'in-dialog' ? ';tag=t1' : ''}`,
    `Call-ID: prop-${n}`,
    `CSeq: 1 ${method}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\n');
  const frame = parseDatagram(sip(text), DEFAULT_PARSER_LIMITS);
  if (frame.kind !== 'message') throw new Error('generated message did not parse');
  return frame.message;
}

const step = fc.record({
  flooder: fc.array(fc.constantFrom(...KINDS), { maxLength: 120 }),
  quietNew: fc.integer({ min: 0, max: 3 }),
  elu: fc.double({ min: 0, max: 1, noNaN: true }),
  pending: fc.integer({ min: 0, max: 6000 }),
});

describe('Y5 invariants over generated traffic and load', () => {
  it('Y5 never sheds priority traffic, answers every shed request 503 with Retry-After, and serves a source within its share', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
        const clock = new FakeClock();
        const load = new DrivenLoad();
        const controller = new AdmissionController({
          settings: overloadSettings({ capacityPerSecond: 400, minCapacityPerSecond: 100 }),
          clock,
          load,
        });
        controller.start();
        const flooder = new RecordingFlow({ protocol: 'tls', peerIdentity: ['flood.example.org'] });
        const quiet = new RecordingFlow({ protocol: 'tls', peerIdentity: ['quiet.example.net'] });
        for (const s of steps) {
          for (const kind of s.flooder) {
            const verdict = controller.judge(message(kind), flooder, flooder.remote);
            if (kind !== 'new') expect(verdict.admit).toBe(true);
            else if (!verdict.admit) {
              const answer = verdict.answer?.toString('latin1') ?? '';
              expect(answer).toMatch(/^SIP\/2\.0 503 /);
              expect(answer).toContain('\r\nRetry-After: 7\r\n');
            }
          }
          // The capacity floor is 10 per interval, shared by at most two sources: 3 is within a share.
          for (let i = 0; i < s.quietNew; i++) {
            expect(controller.judge(message('new'), quiet, quiet.remote).admit).toBe(true);
          }
          load.current = { eventLoopUtilisation: s.elu, pendingRequests: s.pending };
          clock.advance(100);
        }
        controller.stop();
      }),
      { numRuns: 300 },
    );
  });
});
