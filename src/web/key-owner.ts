// Requests about one table key run on the worker that owns the key's partition: this module finds the
// owner and forwards the request there once (never again: a hop guard header), relaying the answer.
// Used by the key reads of table-routes.ts and by views declared with `routeBy` (Faust's table_route).

import type { Context } from 'koa';
import type { KeyLocation, TableInfo, TableQueries } from '../worker/types.js';
import { WebError, codeOf, messageOf } from './web-error.js';

/** Response header: the URL of the worker that answered (the owner, for a forwarded request). */
export const SERVED_BY_HEADER = 'x-streamd-served-by';
/** Request header of a forwarded request (the URL of the worker that forwarded it): it is never forwarded again. */
export const FORWARDED_BY_HEADER = 'x-streamd-forwarded-by';
/** Default 5000: how long a forwarded request waits for the owner. Too low: a busy owner reads as 502; too high: a dead one holds the client. */
export const DEFAULT_PROXY_TIMEOUT_MS = 5000;

/** The declared table `name`, or 404 STREAMD_UNKNOWN_TABLE. */
export function tableOf(queries: TableQueries, name: string): TableInfo {
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

/** Runs a table call, turning a key the codec rejects into 400 and a partition lost meanwhile into 503. */
export async function guarded<T>(info: TableInfo, call: () => T | Promise<T>): Promise<T> {
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

/** Forwards the request (method, body, bearer token) to the owner and relays its answer (status, JSON body, served-by). */
async function forward(ctx: Context, queries: TableQueries, ownerUrl: string, timeoutMs: number, body: Buffer | undefined): Promise<void> {
  let response: Response;
  let text: string;
  const authorization = ctx.get('Authorization');
  const contentType = ctx.get('Content-Type');
  try {
    response = await fetch(new URL(ctx.url, ownerUrl), {
      method: ctx.method,
      headers: {
        accept: 'application/json',
        [FORWARDED_BY_HEADER]: queries.url,
        ...(authorization === '' ? {} : { authorization }),
        ...(contentType === '' ? {} : { 'content-type': contentType }),
      },
      ...(body === undefined || body.length === 0 ? {} : { body }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    throw new WebError('STREAMD_OWNER_UNREACHABLE', `the owner of this key, ${ownerUrl}, did not answer within ${timeoutMs} ms: ${messageOf(error)}`, { cause: error });
  }
  ctx.status = response.status;
  ctx.set(SERVED_BY_HEADER, response.headers.get(SERVED_BY_HEADER) ?? ownerUrl);
  const location = response.headers.get('location');
  if (location !== null) ctx.set('Location', location);
  if (text.length > 0 || response.status !== 204) {
    ctx.type = response.headers.get('content-type') ?? 'application/json';
    ctx.body = text;
  }
}

/**
 * Where a request about `key` of table `info` runs: `here` (this worker holds the key's partition),
 * or it has been forwarded to the owner and answered. A request already forwarded once, or one whose
 * owner is not known yet, is 503 STREAMD_NOT_READY; an owner that does not answer is 502.
 */
export async function atOwner(
  ctx: Context,
  queries: TableQueries,
  info: TableInfo,
  key: unknown,
  options: { readonly timeoutMs: number; readonly body?: Buffer },
): Promise<{ readonly ranAt: 'here'; readonly location: KeyLocation } | { readonly ranAt: 'owner' }> {
  const location = await guarded(info, () => queries.locate(info.name, key));
  if (location.isLocal) return { ranAt: 'here', location };
  const forwardedBy = ctx.get(FORWARDED_BY_HEADER);
  const { partition, ownerUrl } = location;
  if (forwardedBy !== '') {
    throw new WebError('STREAMD_NOT_READY', `${forwardedBy} sent this request here as the owner of ${info.name} partition ${partition}, but this worker does not hold it (the assignment is changing); try again`);
  }
  if (ownerUrl === undefined || ownerUrl === queries.url) {
    throw new WebError('STREAMD_NOT_READY', `no worker serves ${info.name} partition ${partition} yet (a rebalance or recovery is under way); try again`);
  }
  await forward(ctx, queries, ownerUrl, options.timeoutMs, options.body);
  return { ranAt: 'owner' };
}
