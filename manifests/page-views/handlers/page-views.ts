// Counts views per page. groupBy sends each view to the partition of its page, so the count of a
// page lives in exactly one table partition, on the worker that processes that page's views.
import type { Agent, Table } from 'streamd';

interface PageView { id: string; user: string }

export const countPageViews: Agent<PageView> = async function* (stream, { tables }) {
  const pageCounts = tables.page_counts as Table<string, number>;
  for await (const view of stream.groupBy((v) => v.id, { name: 'by-page' })) {
    const count = (await pageCounts.get(view.id)) + 1;
    pageCounts.set(view.id, count);
    yield { page: view.id, count };
  }
};
