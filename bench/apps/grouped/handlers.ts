// B4: the input is keyed by view id; groupBy sends every view to the partition of its user (JSON
// value, user key) and the grouped stream counts it there: counts[user] += 1.
import type { Agent } from '../../../src/agents/index.js';
import type { Table } from '../../../src/tables/index.js';

interface PageView { user: string; page: string; seq: number; ts: number }

export const b4: Agent<PageView> = async function (stream, { tables }) {
  const counts = tables.counts as Table<string, number>;
  for await (const view of stream.groupBy((v) => v.user, { name: 'by-user' })) {
    counts.set(view.user, (await counts.get(view.user)) + 1);
  }
};
