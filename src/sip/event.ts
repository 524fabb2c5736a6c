// Event (RFC 6665 §8.2.1): an event package with optional template packages and an id parameter.

import { HeaderScanner } from './header-scanner.js';
import { scanHeaderParams, type HeaderParams } from './header-params.js';

export interface EventHeader {
  /** Lowercased package, template packages included: "presence", "presence.winfo". */
  readonly package: string;
  readonly id: string | undefined;
  readonly params: HeaderParams;
}

export function parseEvent(value: string): EventHeader {
  const scanner = new HeaderScanner('Event', value);
  const eventType = scanner.token('an event package').toLowerCase();
  const params = scanHeaderParams(scanner);
  scanner.expectEnd();
  return { package: eventType, id: params.get('id') ?? undefined, params };
}
