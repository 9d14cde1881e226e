// Web views of the page counts: `GET /pages/:page` answers one page's count, on the worker that owns
// the page (the manifest's `routeBy` forwards it there); `GET /pages?prefix=/a&limit=10` lists the
// counts this worker holds (with one worker: all of them).
import type { Table, View } from 'streamd';

/** `GET /pages/:page` → `{ page, count }` (0 for a page never viewed: the table's default). */
export const page: View = async ({ params }, { tables }) => {
  const pageCounts = tables.page_counts as Table<string, number>;
  const id = params['page'] ?? '';
  return { page: id, count: await pageCounts.get(id) };
};

/** A query error answered 400 with its code (a thrown error with a 4xx `status` and a `code`). */
function badQuery(message: string): Error {
  return Object.assign(new Error(message), { status: 400, code: 'PAGE_VIEWS_BAD_QUERY' });
}

/** `GET /pages?prefix=/a&limit=10` → `{ pages: [{ page, count }] }`, the held pages whose id starts with `prefix`, sorted by id. */
export const pages: View = async ({ query }, { tables }) => {
  const { prefix = '', limit = '100' } = query;
  if (typeof prefix !== 'string' || typeof limit !== 'string') throw badQuery('give "prefix" and "limit" at most once');
  const max = Number(limit);
  if (!Number.isInteger(max) || max < 1 || max > 1000) throw badQuery(`limit must be an integer from 1 to 1000; got "${limit}"`);
  const found: { page: string; count: number }[] = [];
  for await (const [id, count] of (tables.page_counts as Table<string, number>).entries()) {
    if (id.startsWith(prefix)) found.push({ page: id, count });
  }
  found.sort((a, b) => (a.page < b.page ? -1 : a.page > b.page ? 1 : 0));
  return { pages: found.slice(0, max) };
};
