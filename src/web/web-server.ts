// WebServer: the Service that listens with the web app's callback on the manifest's web host and port,
// and closes promptly on stop (idle keep-alive sockets at once, busy ones after a short grace).

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { StreamdError } from '../errors/index.js';
import { Service, isAbortError } from '../service/index.js';
import { answerClientError } from './client-error.js';
import type { WebCallback } from './web-app.js';

/** Code of the error for a web port another process holds. */
export const WEB_PORT_IN_USE_CODE = 'STREAMD_WEB_PORT_IN_USE';
/** Code of any other failure to listen (no permission for the port, unknown host). */
export const WEB_LISTEN_CODE = 'STREAMD_WEB_LISTEN';

/** What `WebServer` is built from. */
export interface WebServerOptions {
  readonly callback: WebCallback;
  readonly host: string;
  /** 0 picks a free port; `port` tells which one after start. */
  readonly port: number;
  readonly logger: Logger;
  /**
   * Default 2000: how long requests still in flight at stop may finish before their sockets are
   * closed. Too low: a slow response is cut off; too high: shutdown waits on a stuck client.
   */
  readonly closeGraceMs?: number;
}

function listenError(error: unknown, host: string, port: number): StreamdError {
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE') {
    return new StreamdError(WEB_PORT_IN_USE_CODE, `web port ${port} on ${host} is in use by another process; choose another with --web-port <n> (or STREAMD_WEB_PORT, or web.port in the manifest)`, { cause: error });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new StreamdError(WEB_LISTEN_CODE, `cannot listen on ${host}:${port}: ${reason}; set --web-host and --web-port`, { cause: error });
}

/** The HTTP server of a worker: started before the worker so probes answer from the first second. */
export class WebServer extends Service {
  readonly #options: WebServerOptions;
  #server: Server | undefined;

  constructor(options: WebServerOptions) {
    super({ name: 'web', logger: options.logger });
    this.#options = options;
  }

  /** The port listened on (the chosen one when configured as 0); undefined before start. */
  get port(): number | undefined {
    const address = this.#server?.address();
    return typeof address === 'object' && address !== null ? address.port : undefined;
  }

  /** `http://<host>:<port>` with the wildcard hosts replaced by 127.0.0.1; undefined before start. */
  get url(): string | undefined {
    const { port } = this;
    if (port === undefined) return undefined;
    const host = ['0.0.0.0', '::', ''].includes(this.#options.host) ? '127.0.0.1' : this.#options.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  protected override async onStart(): Promise<void> {
    const { callback, host, port } = this.#options;
    const server = createServer((request, response) => {
      void callback(request, response);
    });
    server.on('clientError', answerClientError);
    try {
      server.listen({ host, port });
      await once(server, 'listening', { signal: this.signal });
    } catch (error) {
      server.close();
      throw isAbortError(error, this.signal) ? error : listenError(error, host, port);
    }
    this.#server = server;
    this.log.info({ url: this.url, host, port: this.port }, 'web server listening');
  }

  protected override async onStop(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const grace = new AbortController();
    const timedOut = delay(this.#options.closeGraceMs ?? 2000, true, { signal: grace.signal }).catch(() => false);
    const isCutOff = await Promise.race([closed.then(() => false), timedOut]);
    grace.abort();
    if (isCutOff) {
      this.log.warn('requests still in flight after the close grace; closing their connections');
      server.closeAllConnections();
      await closed;
    }
    this.log.info('web server closed');
  }
}
