// Splitting a list header into its values (RFC 3261 §7.3.1): commas separate values except inside a
// quoted string or between angle brackets, where they belong to the value.

/** Append each comma-separated value of `value` to `out`, trimmed; empty values are kept as "". */
export function splitHeaderList(value: string, out: string[]): string[] {
  let start = 0;
  let inQuotes = false;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuotes) {
      if (c === 0x5c)
        i++; // quoted-pair: the next character is literal
      else if (c === 0x22) inQuotes = false;
    } else if (c === 0x22) inQuotes = true;
    else if (c === 0x3c) inAngle = true;
    else if (c === 0x3e) inAngle = false;
    else if (c === 0x2c && !inAngle) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out;
}

/** The first value of a list header, as splitHeaderList(value)[0] would give it, without the others. */
export function firstListValue(value: string): string {
  let inQuotes = false;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuotes) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inQuotes = false;
    } else if (c === 0x22) inQuotes = true;
    else if (c === 0x3c) inAngle = true;
    else if (c === 0x3e) inAngle = false;
    else if (c === 0x2c && !inAngle) return value.slice(0, i).trim();
  }
  return value.trim();
}
