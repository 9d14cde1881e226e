// formatTable and formatDuration: Faust-style titled boxes with aligned columns, durations as a
// manifest writes them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, formatTable } from '../../../src/cli/table.js';

describe('formatTable', () => {
  it('draws a titled box whose columns fit the widest cell', () => {
    const text = formatTable({
      title: 'Agents',
      columns: ['name', { header: 'n', align: 'right' }],
      rows: [['@count_page_views', '1'], ['@x', '12']],
    });
    assert.equal(text, [
      '┌Agents─────────────┬────┐',
      '│ name              │ n  │',
      '├───────────────────┼────┤',
      '│ @count_page_views │  1 │',
      '│ @x                │ 12 │',
      '└───────────────────┴────┘',
    ].join('\n'));
  });

  it('lets a long title run across the column junctions and cuts it at the corner', () => {
    const [top] = formatTable({ title: 'A very long title indeed', columns: ['a', 'b'], rows: [] }).split('\n');
    assert.equal(top, '┌A very ┐');
  });

  it('draws the header alone for no rows, and empty cells for short rows', () => {
    assert.equal(formatTable({ columns: ['name', 'topic'], rows: [['x']] }).split('\n')[3], '│ x    │       │');
    assert.equal(formatTable({ columns: ['name'], rows: [] }).split('\n').length, 4);
  });

  it('aligns by code points and flattens newlines in cells', () => {
    const lines = formatTable({ columns: ['name'], rows: [['zoë'], ['a\nb']] }).split('\n');
    assert.equal(lines[3], '│ zoë  │');
    assert.equal(lines[4], '│ a b  │');
  });
});

describe('formatDuration', () => {
  it('writes durations in the largest exact units', () => {
    assert.equal(formatDuration(10_000), '10s');
    assert.equal(formatDuration(60_000), '1m');
    assert.equal(formatDuration(5_400_000), '1h30m');
    assert.equal(formatDuration(2_800), '2s800ms');
    assert.equal(formatDuration(86_400_000), '1d');
    assert.equal(formatDuration(0), '0s');
  });
});
