// The table endpoints: `GET /tables`, `GET /tables/:table` (a paged scan of the partitions held here)
// and `GET /tables/:table/keys/:key`, answered here when this worker holds the key's partition and
// otherwise proxied once to the owner. Every answer names the worker that made it in
// `x-streamd-served-by`. Mounted by web-app.ts.

import type { Context } from 'koa';
import type { Router } from '@koa/router';
import type { TableInfo, TableQueries } from '../worker/types.js';
import { WebError } from './web-error.js';

/** Response header: the URL of the worker that answered (the owner, for a proxied read). */
export const SERVED_BY_HEADER = 'x-streamd-served-by';
/** Request header of a proxied read (the URL of the worker that forwarded it): it is never forwarded again. */
export const FORWARDED_BY_HEADER = 'x-streamd-forwarded-by';
/** Default 5000: how long a proxied read waits for the owner. Too low: a busy owner reads as 502; too high: a dead one holds the client. */
export const DEFAULT_PROXY_TIMEOUT_MS = 5000;
/** Page size of a scan without `limit`, and the largest one allowed. */
export const DEFAULT_SCAN_LIMIT = 100;
export const MAX_SCAN_LIMIT = 1000;

const codeOf = (error: unknown): unknown => (typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined);
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function tableOf(queries: TableQueries, name: string): TableInfo {
  const info = queries.info(name);
  if (info === undefined) throw new WebError('STREAMD_UNKNOWN_TABLE', `no table named "${name}"; GET /tables lists them`);
  return info;
}

/** A key from a URL: the text itself for a `string` key, JSON for any other key type. */
export function parseKey(text: string, info: TableInfo): unknown {
  if (info.keyType === 'string') return text;
  let key: unknown;
  try {
    key = JSON.parse(text) as unknown;
  } catch {
    throw new WebError('STREAMD_BAD_KEY', `table ${info.name} has ${info.keyType} keys, given as JSON in the URL (e.g. 42 or {"id":"a"}); "${text}" is not valid JSON`);
  }
  // A null key encodes to no bytes, and has no partition: the table would fail on it (500) instead of the request.
  if (key === null) throw new WebError('STREAMD_BAD_KEY', `table ${info.name} has ${info.keyType} keys; null is not a key`);
  return key;
}

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

/** Runs a table call, turning a key the codec rejects into 400 and a partition lost meanwhile into 503. */
async function guarded<T>(info: TableInfo, call: () => T | Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (codeOf(error) === 'STREAMD_ENCODE') throw new WebError('STREAMD_BAD_KEY', `not a key of table ${info.name} (${info.keyType}): ${messageOf(error)}`, { cause: error });
    if (codeOf(error) === 'STREAMD_TABLE_PARTITION_NOT_LOCAL') {
      throw new WebError('STREAMD_NOT_READY', `table ${info.name}: ${messageOf(error)}; try again after the rebalance`, { cause: error });
    }
    throw error;
  }
}

/** Forwards the request to the owner and relays its answer (status, JSON body, served-by). */
async function proxy(ctx: Context, queries: TableQueries, ownerUrl: string, timeoutMs: number): Promise<void> {
  let response: Response;
  let body: string;
  try {
    response = await fetch(new URL(ctx.url, ownerUrl), {
      headers: { accept: 'application/json', [FORWARDED_BY_HEADER]: queries.url },
      signal: AbortSignal.timeout(timeoutMs),
    });
    body = await response.text();
  } catch (error) {
    throw new WebError('STREAMD_OWNER_UNREACHABLE', `the owner of this key, ${ownerUrl}, did not answer within ${timeoutMs} ms: ${messageOf(error)}`, { cause: error });
  }
  ctx.status = response.status;
  ctx.set(SERVED_BY_HEADER, response.headers.get(SERVED_BY_HEADER) ?? ownerUrl);
  ctx.type = response.headers.get('content-type') ?? 'application/json';
  ctx.body = body;
}

/** Adds the table routes to `router`. */
export function addTableRoutes(router: Router, queries: TableQueries, options: { readonly proxyTimeoutMs?: number } = {}): void {
  const proxyTimeoutMs = options.proxyTimeoutMs ?? DEFAULT_PROXY_TIMEOUT_MS;
  const servedHere = async (ctx: Context, next: () => Promise<unknown>): Promise<void> => {
    ctx.set(SERVED_BY_HEADER, queries.url);
    await next();
  };

  router.get('/tables', servedHere, (ctx) => {
    ctx.body = queries.list().map(({ name, kind, isGlobal, partitions, changelog, localPartitions }) => ({ name, kind, global: isGlobal, partitions, changelog, localPartitions }));
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
    const location = await guarded(info, () => queries.locate(info.name, key));
    if (!location.isLocal) {
      const forwardedBy = ctx.get(FORWARDED_BY_HEADER);
      const { partition, ownerUrl } = location;
      if (forwardedBy !== '') {
        throw new WebError('STREAMD_NOT_READY', `${forwardedBy} sent this read here as the owner of ${info.name} partition ${partition}, but this worker does not hold it (the assignment is changing); try again`);
      }
      if (ownerUrl === undefined || ownerUrl === queries.url) {
        throw new WebError('STREAMD_NOT_READY', `no worker serves ${info.name} partition ${partition} yet (a rebalance or recovery is under way); try again`);
      }
      await proxy(ctx, queries, ownerUrl, proxyTimeoutMs);
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
