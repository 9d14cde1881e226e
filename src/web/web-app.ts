// The worker's koa app: health, readiness, metrics, topology, tables (table-routes.ts), ingest and the manifest's views (view-routes.ts),
// with every error answered as JSON `{ code, message }`. The factory returns `app.callback()`, so tests need no port;
// WebServer (web-server.ts) listens with it.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Koa, { type Context } from 'koa';
import { Router } from '@koa/router';
import type { Logger } from 'pino';
import type { WorkerMetrics } from '../metrics/index.js';
import type { Readiness, WorkerHandle } from '../worker/types.js';
import { parseIngestBody } from './ingest-request.js';
import { DEFAULT_BODY_LIMIT_BYTES, parseJsonBody, readBody } from './read-body.js';
import { addTableRoutes } from './table-routes.js';
import { renderTopologyText } from './topology-text.js';
import { addViewRoutes } from './view-routes.js';
import { WebError, ingestErrorToWebError } from './web-error.js';

/** What the web app uses of a worker; a `WorkerHandle` is one. */
export type WebWorker = Pick<WorkerHandle, 'readiness' | 'ingest' | 'topology' | 'tableQueries'> & Partial<Pick<WorkerHandle, 'views'>> & { readonly metrics: Pick<WorkerMetrics, 'expose'> };

/** What `createWebApp` is built from. */
export interface WebAppOptions {
  readonly worker: WebWorker;
  /** When set (non-empty), every request needs `Authorization: Bearer <authToken>`, except GET/HEAD of `openPaths`. */
  readonly authToken?: string;
  /** Exact paths answered without the token (GET and HEAD); default `DEFAULT_OPEN_PATHS`. */
  readonly openPaths?: readonly string[];
  readonly log: Logger;
  /** Largest accepted request body; default 1 MiB. */
  readonly bodyLimitBytes?: number;
  /** How long a table read proxied to its owner waits; default 5000. */
  readonly proxyTimeoutMs?: number;
}

/** What `/ready` says while the worker is not ready, by phase. */
const NOT_READY: Readonly<Record<Exclude<Readiness['phase'], 'ready'>, string>> = {
  starting: 'the worker is starting (topics, stores)',
  joining: 'the worker is waiting for its partitions from the consumer group',
  recovering: 'the worker is recovering its tables from their changelogs',
  stopping: 'the worker is stopping',
  'broker-unavailable': 'the worker cannot reach the Kafka broker and is waiting for it',
};

/** A node:http request listener; it never rejects (errors become responses). */
export type WebCallback = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The probes and the metrics scrape: open by default when an auth token is set (web.openPaths). */
export const DEFAULT_OPEN_PATHS: readonly string[] = ['/health', '/ready', '/metrics'];

/**
 * Middleware, before every route: rejects a request without the bearer token (compared in constant
 * time), except a GET or HEAD of one of `openPaths`.
 */
function requireToken(authToken: string | undefined, openPaths: readonly string[]): Koa.Middleware {
  const expected = authToken === undefined || authToken === '' ? undefined : digest(authToken);
  const open = new Set(openPaths);
  return async (ctx, next) => {
    const isOpen = (ctx.method === 'GET' || ctx.method === 'HEAD') && open.has(ctx.path);
    if (expected !== undefined && !isOpen) {
      const match = /^Bearer\s+(.+)$/i.exec(ctx.get('Authorization').trim());
      if (match === null || !timingSafeEqual(digest(match[1]!), expected)) {
        throw new WebError('STREAMD_UNAUTHORIZED', `${ctx.method} ${ctx.path} needs the header "Authorization: Bearer <token>" with the worker's web.authToken (open without it: ${[...open].join(', ') || 'nothing'})`, {
          headers: { 'WWW-Authenticate': 'Bearer realm="streamd"' },
        });
      }
    }
    await next();
  };
}

/** Renders any error as `{ code, message }`; an error the API does not know is a bug: 500, logged. */
function renderError(ctx: Context, error: unknown, log: Logger): void {
  if (error instanceof WebError) {
    ctx.status = error.status;
    ctx.set(error.headers);
    ctx.body = { ...error.details, code: error.code, message: error.message };
    return;
  }
  log.error({ err: error, method: ctx.method, path: ctx.path }, 'request failed');
  ctx.status = 500;
  ctx.body = { code: 'STREAMD_INTERNAL', message: 'internal error; the worker log has the details' };
}

/** Middleware, outermost: unknown routes and methods become JSON errors; nothing escapes as a stack. */
function errorResponses(log: Logger): Koa.Middleware {
  return async (ctx, next) => {
    const startedMs = performance.now();
    try {
      await next();
      if (ctx.status === 405 || ctx.status === 501) {
        throw new WebError('STREAMD_METHOD_NOT_ALLOWED', `${ctx.method} is not allowed on ${ctx.path}; allowed: ${ctx.response.get('Allow')}`);
      }
      if (ctx.status === 404 && ctx.body == null) {
        throw new WebError('STREAMD_NOT_FOUND', `no route ${ctx.method} ${ctx.path}; see GET /topology for what this worker serves`);
      }
    } catch (error) {
      renderError(ctx, error, log);
    }
    log.debug({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - startedMs) }, 'request');
  };
}

/** `?format=text` or `?format=json` when given (once), else text only when Accept prefers text/plain to JSON. */
function wantsText(ctx: Context): boolean {
  const format = ctx.query['format'];
  if (format === undefined) return ctx.accepts('application/json', 'text/plain') === 'text/plain';
  if (format === 'text' || format === 'json') return format === 'text';
  throw new WebError('STREAMD_BAD_REQUEST', `format must be "json" or "text" (once); got ${JSON.stringify(format)}`);
}

/** Builds the koa app and returns its request listener. */
export function createWebApp(options: WebAppOptions): WebCallback {
  const { worker, log } = options;
  const bodyLimitBytes = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const router = new Router();

  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/ready', (ctx) => {
    const { phase, recovering, broker } = worker.readiness();
    if (phase !== 'ready') {
      const remaining = recovering.reduce((sum, r) => sum + r.remaining, 0);
      const outage = broker === undefined ? '' : ` since ${new Date(broker.sinceMs).toISOString()} (the ${broker.lastFailure}: ${broker.lastError}); it exits after ${broker.timeoutMs} ms`;
      throw new WebError('STREAMD_NOT_READY', NOT_READY[phase] + outage + (recovering.length === 0 ? '' : `: ${recovering.length} table partitions, ${remaining} changelog records to go`), {
        details: {
          phase,
          recovering,
          ...(broker === undefined ? {} : { broker: { since: new Date(broker.sinceMs).toISOString(), lastFailure: broker.lastFailure, lastError: broker.lastError, timeoutMs: broker.timeoutMs } }),
        },
      });
    }
    ctx.body = { status: 'ready' };
  });
  router.get('/metrics', async (ctx) => {
    const { contentType, body } = await worker.metrics.expose();
    ctx.body = body;
    ctx.set('Content-Type', contentType);
  });
  router.get('/agents', (ctx) => {
    ctx.body = worker.topology().agents;
  });
  router.get('/topology', (ctx) => {
    const topology = worker.topology();
    if (wantsText(ctx)) {
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = renderTopologyText(topology);
    } else {
      ctx.body = topology;
    }
  });
  router.post('/topics/:topic/messages', async (ctx) => {
    const topic = ctx.params['topic'] ?? '';
    const messages = parseIngestBody(parseJsonBody(await readBody(ctx.req, bodyLimitBytes)));
    let records;
    try {
      records = await worker.ingest(topic, messages);
    } catch (error) {
      throw ingestErrorToWebError(error) ?? error;
    }
    ctx.status = 202;
    ctx.body = { records: records.map((record) => ({ topic: record.topic, partition: record.partition, offset: record.offset.toString() })) };
  });

  addTableRoutes(router, worker.tableQueries, options.proxyTimeoutMs === undefined ? {} : { proxyTimeoutMs: options.proxyTimeoutMs });
  if (worker.views !== undefined) {
    addViewRoutes(router, worker.views, {
      bodyLimitBytes,
      log,
      queries: worker.tableQueries,
      ...(options.proxyTimeoutMs === undefined ? {} : { proxyTimeoutMs: options.proxyTimeoutMs }),
    });
  }

  const app = new Koa();
  app.on('error', (error: unknown) => log.warn({ err: error }, 'response failed'));
  app.use(errorResponses(log));
  app.use(requireToken(options.authToken, options.openPaths ?? DEFAULT_OPEN_PATHS));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app.callback();
}
