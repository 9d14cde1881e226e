// The manifest's views as routes: each request reads its body (JSON, size-limited, for mutating
// methods), runs the view's current handler and answers JSON. Mounted by web-app.ts after the
// built-in routes; the manifest check keeps views off the built-in paths.

import type { Context, Middleware } from 'koa';
import type { Router } from '@koa/router';
import type { Logger } from 'pino';
import { parseJsonBody, readBody } from './read-body.js';
import { WebError } from './web-error.js';
import { isViewResponse } from './view-response.js';
import type { ViewRequest, ViewSource } from './view-types.js';

/** Methods that change something: they carry a JSON body and need the bearer token when one is set. */
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface ViewRoutesOptions {
  /** Runs before a mutating view (the web app's bearer-token check). */
  readonly guard: Middleware;
  readonly bodyLimitBytes: number;
  readonly log: Logger;
}

const errorField = (error: unknown, field: string): unknown => (typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[field] : undefined);
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function requestOf(ctx: Context, bodyLimitBytes: number): Promise<ViewRequest> {
  let body: unknown;
  if (MUTATING.has(ctx.method)) {
    const raw = await readBody(ctx.req, bodyLimitBytes);
    body = raw.length === 0 ? undefined : parseJsonBody(raw);
  }
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(ctx.query)) if (value !== undefined) query[name] = value;
  return { method: ctx.method, path: ctx.path, params: { ...(ctx.params as Record<string, string>) }, query, headers: { ...ctx.headers }, body };
}

/** Answers what a handler threw: its own 4xx, 503 for a table partition held elsewhere, else a logged 500. */
function renderFailure(ctx: Context, name: string, error: unknown, source: ViewSource, log: Logger): void {
  const status = errorField(error, 'status');
  const code = errorField(error, 'code');
  if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 499 && typeof code === 'string') {
    ctx.status = status;
    ctx.body = { code, message: messageOf(error) };
    return;
  }
  if (code === 'STREAMD_TABLE_PARTITION_NOT_LOCAL') {
    // Views read the table partitions this worker holds (and global tables); GET /tables/:table/keys/:key routes to the owner.
    ctx.status = 503;
    ctx.body = { code, message: `${messageOf(error)}; this view reads only the partitions this worker holds — GET /tables/<table>/keys/<key> is routed to the owner` };
    return;
  }
  source.failed(name);
  log.error({ view: name, err: error }, `view ${name} failed`);
  throw new WebError('STREAMD_VIEW_FAILED', `view ${name} failed; the worker log has the details`);
}

/** Adds a route for every view of `source`. */
export function addViewRoutes(router: Router, source: ViewSource, options: ViewRoutesOptions): void {
  for (const { name, method, path } of source.routes) {
    const run = async (ctx: Context): Promise<void> => {
      const handler = source.handler(name);
      if (handler === undefined) throw new WebError('STREAMD_VIEW_FAILED', `view ${name} has no handler loaded`);
      const request = await requestOf(ctx, options.bodyLimitBytes);
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
      if (answer.body !== undefined) ctx.body = answer.body === null || typeof answer.body !== 'object' ? JSON.stringify(answer.body) : answer.body;
      if (answer.body !== undefined) ctx.type = 'application/json';
    };
    const middleware: Middleware[] = MUTATING.has(method) ? [options.guard, run] : [run];
    router.register(path, [method], middleware);
  }
}
