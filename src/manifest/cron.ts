// A plausibility check of cron expressions and time zones at load time, so a typo fails the boot
// instead of the first tick. The timers area does the real scheduling.

interface Field {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Extra tokens the field accepts: `?`, `L`, `W`, `#`. */
  readonly extras?: RegExp;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const SECOND: Field = { name: 'second', min: 0, max: 59 };
const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31, extras: /^(\?|L|L-\d+|\d+W|LW)$/ },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 7, names: DAYS, extras: /^(\?|[0-7]L|[0-7]#[1-5]|[A-Z]{3}#[1-5])$/ },
];

const NICKNAMES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

function value(text: string, field: Field): number | undefined {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return field.names === MONTHS ? named + 1 : named;
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= field.min && n <= field.max ? n : undefined;
}

function checkToken(token: string, field: Field): string | undefined {
  if (field.extras?.test(token.toUpperCase())) return undefined;
  const [range = '', step, ...rest] = token.split('/');
  if (rest.length > 0 || (step !== undefined && !/^[1-9]\d*$/.test(step))) return `"${token}" has a bad step`;
  if (range === '*') return undefined;
  const [from = '', to, ...more] = range.split('-');
  if (more.length > 0) return `"${token}" is not a value or range`;
  const start = value(from, field);
  const end = to === undefined ? start : value(to, field);
  if (start === undefined || end === undefined) {
    return `"${token}" is out of range for the ${field.name} field (${field.min}-${field.max}${field.names ? ` or ${field.names[0]}-${field.names.at(-1)}` : ''})`;
  }
  return undefined;
}

/** Undefined when `expression` looks like a cron schedule; else what is wrong with it. */
export function cronProblem(expression: string): string | undefined {
  const text = expression.trim();
  if (text.startsWith('@')) return NICKNAMES.includes(text.toLowerCase()) ? undefined : `"${text}" is not a cron nickname (${NICKNAMES.join(', ')})`;
  const parts = text.split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) return `"${text}" has ${parts.length} field${parts.length === 1 ? '' : 's'}; a cron expression has 5 (minute hour day month weekday) or 6 (seconds first)`;
  const fields = parts.length === 6 ? [SECOND, ...FIELDS] : FIELDS;
  for (const [i, part] of parts.entries()) {
    const field = fields[i]!;
    for (const token of part.split(',')) {
      const problem = checkToken(token, field);
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
}

/** True when the runtime knows `zone` as an IANA time zone. */
export function isTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The IANA time zones the runtime knows, for "did you mean". */
export function knownTimezones(): readonly string[] {
  return Intl.supportedValuesOf('timeZone');
}
