// Faust-style terminal tables: a titled box with aligned columns (`┌Agents──┬…`). Pure; used by the
// listing commands (check, agents, models, model) for their human output.

/** A column: its header and how its cells align. */
export interface TableColumn {
  readonly header: string;
  /** Default `left`; numbers read better `right`. */
  readonly align?: 'left' | 'right';
}

/** What `formatTable` draws. */
export interface TableSpec {
  /** Written into the top border, Faust's way. */
  readonly title?: string;
  readonly columns: readonly (string | TableColumn)[];
  /** One string per column; missing cells are empty. */
  readonly rows: readonly (readonly string[])[];
}

/** Visible width: code points, so accented names do not shift the columns. */
const widthOf = (text: string): number => [...text].length;

function pad(text: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - widthOf(text)));
  return align === 'right' ? fill + text : text + fill;
}

/** The table as lines joined by `\n`, without a trailing newline. */
export function formatTable(spec: TableSpec): string {
  const columns = spec.columns.map((column) => (typeof column === 'string' ? { header: column } : column));
  const clean = (cell: string | undefined): string => (cell ?? '').replace(/\s*\n\s*/g, ' ');
  const rows = spec.rows.map((row) => columns.map((_, index) => clean(row[index])));
  const widths = columns.map((column, index) => Math.max(widthOf(column.header), ...rows.map((row) => widthOf(row[index]!))));
  const border = (left: string, middle: string, right: string): string =>
    left + widths.map((width) => '─'.repeat(width + 2)).join(middle) + right;
  const line = (cells: readonly string[], isHeader: boolean): string =>
    `│ ${cells.map((cell, index) => pad(cell, widths[index]!, isHeader ? 'left' : (columns[index]!.align ?? 'left'))).join(' │ ')} │`;

  const top = [...border('┌', '┬', '┐')];
  const title = [...(spec.title ?? '')].slice(0, Math.max(0, top.length - 2));
  title.forEach((char, index) => {
    top[index + 1] = char;
  });
  return [
    top.join(''),
    line(columns.map((column) => column.header), true),
    border('├', '┼', '┤'),
    ...rows.map((row) => line(row, false)),
    border('└', '┴', '┘'),
  ].join('\n');
}

const UNITS: readonly (readonly [string, number])[] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000], ['ms', 1]];

/** A duration the way a manifest writes it: `10s`, `1m`, `1h30m`, `2800ms`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return text;
}
