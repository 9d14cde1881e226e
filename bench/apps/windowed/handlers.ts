// B3: counts[key] += 1 in the tumbling minute of each record, keyed by the record's key, as B2
// without the window.
import type { Agent } from '../../../src/agents/index.js';
import type { WindowedTable } from '../../../src/tables/index.js';

interface PageView { user: string; page: string; seq: number; ts: number }

export const b3: Agent<PageView> = async function (stream, { tables }) {
  const counts = tables.counts as unknown as WindowedTable<string, number>;
  for await (const [key] of stream.items()) await counts.update(key as string, (n) => n + 1);
};
