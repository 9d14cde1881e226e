// The table endpoints: `GET /tables`, `GET /tables/:table` (a paged scan of the partitions held here)
// and `GET /tables/:table/keys/:key`, answered here when this worker holds the key's partition and
// otherwise proxied once to the owner. Every answer names the worker that made it in
// `x-streamd-served-by`. Mounted by web-app.ts.

import type { Context } from 'koa';
import type { Router } from '@koa/router';
import type { TableInfo, TableQueries, WindowFilter } from '../worker/types.js';
import { DEFAULT_PROXY_TIMEOUT_MS, SERVED_BY_HEADER, atOwner, guarded, parseKey, tableOf } from './key-owner.js';
import { WebError } from './web-error.js';

/** Page size of a scan without `limit`, and the largest one allowed. */
export const DEFAULT_SCAN_LIMIT = 100;
export const MAX_SCAN_LIMIT = 1000;

/**
 * Refuses a key segment with a broken percent-encoding (`%E0%A4%A`). The router hands such a segment
 * over undecoded, which would read (and 404) the literal text instead of telling the client its URL is wrong.
 */
function assertDecodable(rawSegment: string, info: TableInfo): void {
  try {
    decodeURIComponent(rawSegment);
  } catch {
    throw new WebError('STREAMD_BAD_KEY', `the key "${rawSegment}" of table ${info.name} is not valid percent-encoded UTF-8; encode it with encodeURIComponent`);
  }
}

/** `limit` of a scan: absent → 100; otherwise an integer 1..1000. */
function parseLimit(raw: unknown): number {
  if (raw === undefined) return DEFAULT_SCAN_LIMIT;
  const limit = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(limit >= 1 && limit <= MAX_SCAN_LIMIT)) {
    throw new WebError('STREAMD_BAD_REQUEST', `limit must be an integer from 1 to ${MAX_SCAN_LIMIT}; got ${JSON.stringify(raw)}`);
  }
  return limit;
}

/** A time query parameter: epoch milliseconds or an ISO-8601 time. */
function timeParam(name: string, raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const time = typeof raw !== 'string' ? Number.NaN : /^-?\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(time)) throw new WebError('STREAMD_BAD_REQUEST', `${name} must be epoch milliseconds or an ISO-8601 time; got ${JSON.stringify(raw)}`);
  return time;
}

/** `?at=` (the windows containing a time) or `?from=&to=` (those overlapping a span) of a windowed key. */
function windowFilter(query: Readonly<Record<string, unknown>>): WindowFilter {
  const at = timeParam('at', query['at']);
  const from = timeParam('from', query['from']);
  const to = timeParam('to', query['to']);
  if (at !== undefined && (from !== undefined || to !== undefined)) throw new WebError('STREAMD_BAD_REQUEST', 'give at, or from and/or to, not both');
  return { ...(at === undefined ? {} : { at }), ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

/** Adds the table routes to `router`. */
export function addTableRoutes(router: Router, queries: TableQueries, options: { readonly proxyTimeoutMs?: number } = {}): void {
  const proxyTimeoutMs = options.proxyTimeoutMs ?? DEFAULT_PROXY_TIMEOUT_MS;
  const servedHere = async (ctx: Context, next: () => Promise<unknown>): Promise<void> => {
    ctx.set(SERVED_BY_HEADER, queries.url);
    await next();
  };

  router.get('/tables', servedHere, (ctx) => {
    ctx.body = queries.list().map(({ name, kind, isGlobal, partitions, changelog, localPartitions, window }) => ({ name, kind, global: isGlobal, partitions, changelog, localPartitions, ...(window === undefined ? {} : { window }) }));
  });

  router.get('/tables/:table', servedHere, async (ctx) => {
    const info = tableOf(queries, ctx.params['table'] ?? '');
    const limit = parseLimit(ctx.query['limit']);
    const afterText = ctx.query['after'];
    if (Array.isArray(afterText)) throw new WebError('STREAMD_BAD_REQUEST', 'give "after" once');
    const after = afterText === undefined ? undefined : { key: parseKey(afterText, info) };
    const page = await guarded(info, () => queries.scan(info.name, limit, after));
    ctx.body = { table: info.name, localPartitions: info.localPartitions, entries: page.entries, ...(page.hasNext ? { next: page.next } : {}) };
  });

  router.get('/tables/:table/keys/:key', servedHere, async (ctx) => {
    const info = tableOf(queries, ctx.params['table'] ?? '');
    assertDecodable(ctx.path.split('/')[4] ?? '', info);
    const key = parseKey(ctx.params['key'] ?? '', info);
    const routed = await atOwner(ctx, queries, info, key, { timeoutMs: proxyTimeoutMs });
    if (routed.ranAt === 'owner') return;
    const { location } = routed;
    if (info.window !== undefined && queries.readWindows !== undefined) {
      const readWindows = queries.readWindows.bind(queries);
      const filter = windowFilter(ctx.query);
      const windows = await guarded(info, () => readWindows(info.name, key, filter));
      ctx.body = { table: info.name, key, partition: location.partition, windows };
      return;
    }
    const read = await guarded(info, () => queries.read(info.name, key));
    if (!read.found) {
      // A key never written is 404 even with a default; the default rides along for clients that want get()'s answer.
      throw new WebError('STREAMD_UNKNOWN_KEY', `table ${info.name} has no value under ${JSON.stringify(key)} (partition ${location.partition})`, {
        details: info.hasDefault ? { default: info.defaultValue } : {},
      });
    }
    ctx.body = { table: info.name, key, partition: location.partition, value: read.value };
  });
}
