// B2: counts[key] += 1 for every record, keyed by the record's key; the value is parsed (JSON) as
// in B1 but not used. Writes reach the changelog once per key per commit.
import type { Agent } from '../../../src/agents/index.js';
import type { Table } from '../../../src/tables/index.js';

interface PageView { user: string; page: string; seq: number; ts: number }

export const b2: Agent<PageView> = async function (stream, { tables }) {
  const counts = tables.counts as Table<string, number>;
  for await (const [key] of stream.items()) {
    const user = key as string;
    counts.set(user, (await counts.get(user)) + 1);
  }
};
