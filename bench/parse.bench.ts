// npm run bench: the SIP message core on typical inter-domain messages, beside the npm packages
// `sip` (its parse) and `sip.js` (its message parser), measured in the same process. Prints rates and
// ratios; asserts nothing (the figures go to docs/PERFORMANCE.md and the release notes).

import os from 'node:os';
import * as sipPackage from 'sip';
import { LoggerFactory } from 'sip.js/lib/core/log/logger-factory.js';
import { Parser as SipJsParser } from 'sip.js/lib/core/messages/parser.js';
import { OutgoingMessage } from '../src/sip/outgoing-message.js';
import { DEFAULT_PARSER_LIMITS } from '../src/sip/parser-limits.js';
import { StreamFramer } from '../src/sip/stream-framer.js';
import { validateMessage } from '../src/sip/validate-message.js';
import type { IncomingMessage } from '../src/sip/incoming-message.js';
import { formatRate, keepAlive, measure, type Rate } from './measure.js';
import { SAMPLES } from './sample-messages.js';

const framer = new StreamFramer(DEFAULT_PARSER_LIMITS);

/** Framing, start line and header index: what every message costs before any grammar runs. */
function lazyParse(bytes: Buffer): IncomingMessage {
  framer.push(bytes);
  const frame = framer.next();
  if (frame?.kind !== 'message') throw new Error(`benchmark message did not frame: ${frame?.kind}`);
  return frame.message;
}

/** The same plus every header with a known grammar, the Request-URI and the hot headers. */
function fullParse(bytes: Buffer): IncomingMessage {
  const message = lazyParse(bytes);
  validateMessage(message, { limits: DEFAULT_PARSER_LIMITS, grammar: 'full' });
  void message.topVia;
  return message;
}

/** What a proxy writes when it relays: a new Via, Max-Forwards lowered, the rest as received. */
function relaySerialise(message: IncomingMessage): Buffer {
  return OutgoingMessage.copyOf(message, message.text.slice(0, message.text.indexOf('\r\n')))
    .prepend('Via', 'SIP/2.0/TCP 10.10.0.2:5060;branch=z9hG4bKedge8c1f2a;rport')
    .set('Max-Forwards', '67')
    .toBuffer();
}

const sipJsLogger = new LoggerFactory().getLogger('bench');

interface Row {
  readonly name: string;
  readonly lazy: Rate;
  readonly full: Rate;
  readonly serialise: Rate;
  readonly sip: Rate;
  readonly sipJs: Rate;
}

function benchmark(name: string, bytes: Buffer): Row {
  const parsed = fullParse(bytes);
  if (sipPackage.parse(bytes) === undefined) throw new Error('npm sip did not parse the sample');
  if (SipJsParser.parseMessage(bytes.toString('utf8'), sipJsLogger) === undefined)
    throw new Error('sip.js did not parse the sample');
  return {
    name,
    lazy: measure(() => lazyParse(bytes)),
    full: measure(() => fullParse(bytes)),
    serialise: measure(() => relaySerialise(parsed)),
    sip: measure(() => sipPackage.parse(bytes)),
    // sip.js parses strings: decoding the received bytes is part of its work, as it is of ours.
    sipJs: measure(() => SipJsParser.parseMessage(bytes.toString('utf8'), sipJsLogger)),
  };
}

function ratio(a: Rate, b: Rate): string {
  return `${(a.opsPerSecond / b.opsPerSecond).toFixed(1)}×`;
}

function main(): void {
  console.log(
    `simple-edge parser benchmark — node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores)`,
  );
  console.log('lazy = framing + start line + header index; full = lazy + every known header grammar;');
  console.log(
    'serialise = relay copy with a new Via and Max-Forwards; sip = npm sip parse(); sip.js = Parser.parseMessage()\n',
  );
  const rows = SAMPLES.map(([name, bytes]) => benchmark(name, bytes));
  for (const row of rows) {
    const faster = row.sip.opsPerSecond > row.sipJs.opsPerSecond ? row.sip : row.sipJs;
    console.log(`${row.name} (${SAMPLES.find(([n]) => n === row.name)![1].length} bytes)`);
    console.log(`  simple-edge lazy parse   ${formatRate(row.lazy)}`);
    console.log(`  simple-edge full parse   ${formatRate(row.full)}`);
    console.log(`  simple-edge serialise    ${formatRate(row.serialise)}`);
    console.log(`  npm sip parse            ${formatRate(row.sip)}`);
    console.log(`  sip.js parseMessage      ${formatRate(row.sipJs)}`);
    console.log(
      `  ratio lazy/sip ${ratio(row.lazy, row.sip)}  lazy/sip.js ${ratio(row.lazy, row.sipJs)}  lazy/faster ${ratio(row.lazy, faster)}  full/faster ${ratio(row.full, faster)}\n`,
    );
  }
  keepAlive();
}

main();
