// The NAPTR regexp field (RFC 3402 §3.2): delim-char ERE delim-char replacement delim-char flags.
// The delimiter is any character but a digit, "\" or the flag "i"; "\<delim>" stands for it inside
// both parts; the replacement knows "\1"-"\9" and "\\"; the only flag is "i". The substitution is
// sed's: the first match is replaced and the rest of the string kept. Malformed rules are refused
// with what is wrong and where, never guessed at.

import { DiscoveryError } from './discovery-error.js';
import { EreSyntaxError, translateEre } from './posix-ere.js';

type ReplacementPart = string | { readonly group: number };

export interface NaptrRule {
  readonly field: string;
  readonly pattern: RegExp;
  readonly replacement: readonly ReplacementPart[];
}

export function parseNaptrRegexp(field: string): NaptrRule {
  const delimiter = field[0];
  if (delimiter === undefined) throw malformed(field, 'it is empty');
  if (/[0-9\\i]/.test(delimiter))
    throw malformed(field, `"${delimiter}" cannot be the delimiter (RFC 3402: not a digit, "\\" or "i")`);
  const ereEnd = nextDelimiter(field, 1, delimiter);
  const replacementEnd = ereEnd < 0 ? -1 : nextDelimiter(field, ereEnd + 1, delimiter);
  if (replacementEnd < 0)
    throw malformed(
      field,
      `it needs three "${delimiter}" delimiters (delimiter, regexp, delimiter, replacement, delimiter)`,
    );
  const flags = field.slice(replacementEnd + 1);
  if (flags !== '' && flags !== 'i')
    throw malformed(field, `"${flags}" after the last delimiter: the only flag is "i"`);
  let translated;
  try {
    translated = translateEre(field.slice(1, ereEnd), delimiter);
  } catch (error) {
    if (error instanceof EreSyntaxError) throw malformed(field, `the regexp ${error.message}`);
    throw error;
  }
  const replacement = parseReplacement(field, field.slice(ereEnd + 1, replacementEnd), delimiter, translated.groups);
  return { field, pattern: compile(field, translated.source, flags), replacement };
}

/** sed semantics: the first match replaced, the rest kept; undefined when the rule does not match. */
export function applyNaptrRule(rule: NaptrRule, subject: string): string | undefined {
  const match = rule.pattern.exec(subject);
  if (match === null) return undefined;
  let result = subject.slice(0, match.index);
  for (const part of rule.replacement) result += typeof part === 'string' ? part : (match[part.group] ?? '');
  return result + subject.slice(match.index + match[0].length);
}

function nextDelimiter(field: string, from: number, delimiter: string): number {
  for (let i = from; i < field.length; i++) {
    if (field[i] === '\\') i++;
    else if (field[i] === delimiter) return i;
  }
  return -1;
}

function parseReplacement(field: string, text: string, delimiter: string, groups: number): ReplacementPart[] {
  const parts: ReplacementPart[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\') {
      literal += c;
      continue;
    }
    const next = text[++i];
    if (next === '\\' || next === delimiter) {
      literal += next;
    } else if (next !== undefined && next >= '1' && next <= '9') {
      const group = Number(next);
      if (group > groups)
        throw malformed(
          field,
          `the replacement refers to \\${group}, but the regexp has ${groups === 0 ? 'no group' : `only ${groups} group${groups === 1 ? '' : 's'}`}`,
        );
      if (literal !== '') parts.push(literal);
      literal = '';
      parts.push({ group });
    } else {
      throw malformed(field, `"\\${next ?? ''}" in the replacement: only \\1-\\9, \\\\ and \\${delimiter} are defined`);
    }
  }
  if (literal !== '') parts.push(literal);
  return parts;
}

function compile(field: string, source: string, flags: string): RegExp {
  try {
    return new RegExp(source, flags === 'i' ? 'i' : '');
  } catch (error) {
    throw malformed(field, `the regexp does not compile (${error instanceof Error ? error.message : String(error)})`);
  }
}

function malformed(field: string, why: string): DiscoveryError {
  return new DiscoveryError('NAPTR_REGEXP_MALFORMED', `NAPTR regexp ${JSON.stringify(field)} is malformed: ${why}`);
}
