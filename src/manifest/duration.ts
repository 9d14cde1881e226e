// Durations as the manifest writes them (`500ms`, `10s`, `1m30s`, `1h`, `1d`, or an integer of
// milliseconds) turned into milliseconds. Used by the manifest loader and by anyone parsing a duration flag.

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** What `parseDuration` accepts, for error messages. */
export const DURATION_EXPECTED = 'a duration such as 500ms, 10s, 1m30s, 1h or 1d, or an integer of milliseconds';

/**
 * Milliseconds in `value`: a non-negative integer (milliseconds), a string of digits (milliseconds), or
 * number-unit pairs with units ms, s, m, h, d (`1h30m`, `1.5s`). Throws a `RangeError` saying what was
 * wrong and what is accepted.
 */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`${String(value)} is not a duration: expected ${DURATION_EXPECTED}`);
    }
    return value;
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) return parseDuration(Number(text));
  if (!WHOLE.test(text)) {
    throw new RangeError(`"${value}" is not a duration: expected ${DURATION_EXPECTED}`);
  }
  let total = 0;
  for (const match of text.matchAll(PART)) {
    total += Number(match[1]) * (UNIT_MS[match[2]!] ?? Number.NaN);
  }
  // Decimal parts are exact in ms when they are whole; 1.5s is 1500, 1.5ms is not a whole millisecond.
  const rounded = Math.round(total * 1000) / 1000;
  if (!Number.isSafeInteger(rounded)) {
    throw new RangeError(`"${value}" is not a whole number of milliseconds`);
  }
  return rounded;
}
