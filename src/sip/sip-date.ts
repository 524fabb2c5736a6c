// Date (RFC 3261 §20.17): the RFC 1123 form, always in GMT: "Sat, 13 Nov 2010 23:29:00 GMT".

import { EdgeError } from '../errors.js';

const SIP_DATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function parseSipDate(value: string): Date {
  const match = SIP_DATE.exec(value.trim());
  if (match === null) throw malformedDate('not an RFC 1123 date in GMT ("Sat, 13 Nov 2010 23:29:00 GMT")');
  const [, , day, month, year, hours, minutes, seconds] = match;
  const time = Date.UTC(
    Number(year),
    MONTHS.indexOf(month!),
    Number(day),
    Number(hours),
    Number(minutes),
    Number(seconds),
  );
  const date = new Date(time);
  if (date.getUTCDate() !== Number(day) || Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 60) {
    throw malformedDate('the date does not exist');
  }
  return date;
}

export function formatSipDate(date: Date): string {
  return date.toUTCString();
}

function malformedDate(problem: string): EdgeError {
  return new EdgeError('HEADER_VALUE_MALFORMED', `Date: ${problem}`);
}
