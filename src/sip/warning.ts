// Warning (RFC 3261 §20.43): warn-code (3 digits) SP warn-agent SP warn-text (a quoted string).

import { HeaderScanner, unquote } from './header-scanner.js';

export interface Warning {
  readonly code: number;
  readonly agent: string;
  readonly text: string;
}

export function parseWarning(value: string): Warning[] {
  const scanner = new HeaderScanner('Warning', value);
  const warnings: Warning[] = [];
  do {
    scanner.skipWhiteSpace();
    const codeStart = scanner.pos;
    const code = scanner.integer('a warn-code', 999);
    if (scanner.pos - codeStart !== 3) scanner.fail('a warn-code has exactly three digits');
    const agent = scanAgent(scanner);
    warnings.push({ code, agent, text: unquote(scanner.quotedString()) });
  } while (scanner.accept(0x2c));
  scanner.expectEnd();
  return warnings;
}

/** warn-agent = hostport / pseudonym: any run of non-space characters. */
function scanAgent(scanner: HeaderScanner): string {
  scanner.skipWhiteSpace();
  const start = scanner.pos;
  while (scanner.pos < scanner.end && scanner.peek() > 0x20 && scanner.peek() !== 0x22) scanner.pos++;
  if (scanner.pos === start) scanner.fail('expected a warn-agent');
  return scanner.text.slice(start, scanner.pos);
}

export function formatWarning(warning: Warning): string {
  return `${warning.code} ${warning.agent} "${warning.text.replace(/["\\]/g, '\\$&')}"`;
}
