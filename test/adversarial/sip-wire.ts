// Just enough SIP for the far ends of the adversarial tests: stream framing by Content-Length, a
// header's value, and a response that echoes what RFC 3261 §8.2.6.2 says a UAS must echo.

export interface StreamFramer {
  /** Feeds bytes; returns the complete messages they finish. */
  push(chunk: Buffer): string[];
}

export function streamFramer(): StreamFramer {
  let buffered = '';
  return {
    push(chunk) {
      buffered += chunk.toString('latin1');
      const messages: string[] = [];
      for (;;) {
        buffered = buffered.replace(/^(\r\n)+/, ''); // RFC 5626 keepalives
        const end = buffered.indexOf('\r\n\r\n');
        if (end === -1) return messages;
        const length = /\r\n(?:content-length|l)[ \t]*:[ \t]*(\d+)/i.exec(buffered.slice(0, end + 2));
        const total = end + 4 + (length === null ? 0 : Number(length[1]));
        if (buffered.length < total) return messages;
        messages.push(buffered.slice(0, total));
        buffered = buffered.slice(total);
      }
    },
  };
}

/** Every value of a header (long or compact form), in order. */
export function headerValues(message: string, name: string, compact?: string): string[] {
  const head = message.slice(0, message.indexOf('\r\n\r\n') + 2);
  const names = [name.toLowerCase(), ...(compact === undefined ? [] : [compact.toLowerCase()])];
  const values: string[] = [];
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0 && names.includes(line.slice(0, colon).trim().toLowerCase()))
      values.push(line.slice(colon + 1).trim());
  }
  return values;
}

export function callIdOf(message: string): string | undefined {
  return headerValues(message, 'Call-ID', 'i')[0];
}

export function statusOf(message: string | undefined): number | undefined {
  const match = /^SIP\/2\.0 (\d{3}) /.exec(message ?? '');
  return match === null ? undefined : Number(match[1]);
}

export function methodOf(message: string): string | undefined {
  // RFC 3261 §25.1: a method is a token, digits and marks included (extension methods).
  return /^([A-Za-z0-9.!%*_+`'~-]+) \S+ SIP\/2\.0\r\n/.exec(message)?.[1];
}

/** A response to `request` with its Vias, From, To (tagged), Call-ID and CSeq. */
export function answer(request: string, status: number, reason: string, extra: readonly string[] = []): string {
  const to = headerValues(request, 'To', 't')[0] ?? '';
  return [
    `SIP/2.0 ${status} ${reason}`,
    ...headerValues(request, 'Via', 'v').map((via) => `Via: ${via}`),
    `From: ${headerValues(request, 'From', 'f')[0] ?? ''}`,
    `To: ${/;tag=/i.test(to) ? to : `${to};tag=far-${Math.random().toString(36).slice(2, 8)}`}`,
    `Call-ID: ${callIdOf(request) ?? ''}`,
    `CSeq: ${headerValues(request, 'CSeq')[0] ?? ''}`,
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}
