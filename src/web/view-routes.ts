// The manifest's views as routes: each request reads its body (JSON, size-limited, for mutating
// methods), goes to the owner of its key when the view has `routeBy`, runs the view's current
// handler and answers JSON. Mounted by web-app.ts after the built-in routes; the manifest check
// keeps views off the built-in paths.

import type { Context } from 'koa';
import type { Router } from '@koa/router';
import type { Logger } from 'pino';
import type { TableQueries } from '../worker/types.js';
import { DEFAULT_PROXY_TIMEOUT_MS, SERVED_BY_HEADER, atOwner, parseKey, tableOf } from './key-owner.js';
import { parseJsonBody, readBody } from './read-body.js';
import { WebError, codeOf, messageOf } from './web-error.js';
import { isViewResponse } from './view-response.js';
import type { ViewRequest, ViewSource } from './view-types.js';

/** Methods that change something: they carry a JSON body. (The web app checks the bearer token of every request.) */
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface ViewRoutesOptions {
  readonly bodyLimitBytes: number;
  readonly log: Logger;
  /** Where table keys live: a view with `routeBy` is forwarded to the key's owner. */
  readonly queries: TableQueries;
  /** How long a forwarded view waits for the owner; default 5000. */
  readonly proxyTimeoutMs?: number;
}

/** The request as a view sees it; `raw` is the body already read (mutating methods only). */
function requestOf(ctx: Context, raw: Buffer | undefined): ViewRequest {
  const body = raw === undefined || raw.length === 0 ? undefined : parseJsonBody(raw);
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(ctx.query)) if (value !== undefined) query[name] = value;
  return { method: ctx.method, path: ctx.path, params: { ...(ctx.params as Record<string, string>) }, query, headers: { ...ctx.headers }, body };
}

/** Answers what a handler threw: its own 4xx, 503 for a table partition held elsewhere, else a logged 500. */
function renderFailure(ctx: Context, name: string, error: unknown, source: ViewSource, log: Logger): void {
  const status = typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined;
  const code = codeOf(error);
  if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 499 && code !== undefined) {
    ctx.status = status;
    ctx.body = { code, message: messageOf(error) };
    return;
  }
  if (code === 'STREAMD_TABLE_PARTITION_NOT_LOCAL') {
    // Views read the table partitions this worker holds (and global tables); GET /tables/:table/keys/:key routes to the owner.
    ctx.status = 503;
    ctx.body = {
      code,
      message: `${messageOf(error)}; this view reads only the partitions this worker holds — declare routeBy: { table, param } on it to run it on the key's owner`,
    };
    return;
  }
  source.failed(name);
  log.error({ view: name, err: error }, `view ${name} failed`);
  throw new WebError('STREAMD_VIEW_FAILED', `view ${name} failed; the worker log has the details`);
}

/** The key a `routeBy` view is about: its path parameter, else its query parameter; 400 when absent or given twice. */
function keyTextOf(ctx: Context, name: string, param: string): string {
  const fromPath = (ctx.params as Record<string, string | undefined>)[param];
  if (fromPath !== undefined) return fromPath;
  const fromQuery = ctx.query[param];
  if (typeof fromQuery === 'string') return fromQuery;
  throw new WebError('STREAMD_BAD_REQUEST', `view ${name} runs on the owner of the key in "${param}": give it ${fromQuery === undefined ? 'as a query parameter' : 'once'} (?${param}=…)`);
}

/** Adds a route for every view of `source`. */
export function addViewRoutes(router: Router, source: ViewSource, options: ViewRoutesOptions): void {
  const timeoutMs = options.proxyTimeoutMs ?? DEFAULT_PROXY_TIMEOUT_MS;
  for (const { name, method, path, routeBy } of source.routes) {
    const run = async (ctx: Context): Promise<void> => {
      const handler = source.handler(name);
      if (handler === undefined) throw new WebError('STREAMD_VIEW_FAILED', `view ${name} has no handler loaded`);
      const raw = MUTATING.has(ctx.method) ? await readBody(ctx.req, options.bodyLimitBytes) : undefined;
      if (routeBy !== undefined) {
        const info = tableOf(options.queries, routeBy.table);
        const routed = await atOwner(ctx, options.queries, info, parseKey(keyTextOf(ctx, name, routeBy.param), info), { timeoutMs, ...(raw === undefined ? {} : { body: raw }) });
        if (routed.ranAt === 'owner') return;
      }
      ctx.set(SERVED_BY_HEADER, options.queries.url);
      const request = requestOf(ctx, raw);
      const client = new AbortController();
      const onClose = (): void => {
        if (!ctx.res.writableFinished) client.abort(new Error('the client closed the connection'));
      };
      ctx.res.once('close', onClose);
      let result: unknown;
      try {
        result = await handler(request, source.context(name, options.log.child({ view: name }), client.signal));
      } catch (error) {
        if (client.signal.aborted) return; // the client is gone: nobody to answer
        renderFailure(ctx, name, error, source, options.log);
        return;
      } finally {
        if (!client.signal.aborted) ctx.res.off('close', onClose);
      }
      const answer = isViewResponse(result) ? result : { status: result === undefined ? 204 : 200, body: result, headers: {} };
      ctx.set(answer.headers);
      ctx.status = answer.status;
      if (answer.body !== undefined) {
        // koa sends objects as JSON itself; a string, number, boolean or null must be encoded here.
        ctx.body = answer.body === null || typeof answer.body !== 'object' ? JSON.stringify(answer.body) : answer.body;
        ctx.type = 'application/json';
      }
    };
    router.register(path, [method], [run]);
  }
}
