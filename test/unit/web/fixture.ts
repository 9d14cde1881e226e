// Helpers of the web tests: a fake worker (records ingest calls, answers with set results or errors),
// the web app served on an ephemeral port, and one-shot HTTP requests without keep-alive.

import { request, createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import type { RecordMetadata } from '../../../src/kafka/index.js';
import { createWebApp, type WebAppOptions, type WebWorker } from '../../../src/web/index.js';
import type { IngestMessage, Topology } from '../../../src/worker/types.js';

/** A worker whose readiness, ingest result and topology a test sets. */
export class FakeWorker implements WebWorker {
  isReadyNow = true;
  readonly ingested: { topic: string; messages: readonly IngestMessage[] }[] = [];
  ingestError: Error | undefined;
  readonly metrics = { expose: () => Promise.resolve({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: '# HELP streamd_up 1\nstreamd_up 1\n' }) };

  isReady(): boolean {
    return this.isReadyNow;
  }

  ingest(topic: string, messages: readonly IngestMessage[]): Promise<RecordMetadata[]> {
    this.ingested.push({ topic, messages });
    if (this.ingestError !== undefined) return Promise.reject(this.ingestError);
    const resolved = topic.startsWith('@') ? 'page_views' : topic;
    return Promise.resolve(messages.map((message, index) => ({ topic: resolved, partition: message.partition ?? 1, offset: 2n ** 40n + BigInt(index) })));
  }

  topology(): Topology {
    return {
      id: 'page-views',
      sourceTopics: ['page_views'],
      internalTopics: ['page-views-count-by-page-repartition'],
      agents: [{ name: 'count', topics: ['page_views'], concurrency: 1, sinks: ['page_counts_out'], repartitionTopics: [], handler: './h.ts#count' }],
    };
  }
}

/** An error shaped like the ones `worker.ingest` rejects with. */
export function codedError(code: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code, ...extra });
}

/** A served web app: its port and a close that waits for the server. */
export interface Served {
  readonly port: number;
  readonly errors: unknown[];
  close(): Promise<void>;
}

/** Serves `createWebApp` on 127.0.0.1 with an ephemeral port. The test must `close()` it. */
export async function serve(worker: WebWorker, options: Partial<WebAppOptions> = {}): Promise<Served> {
  const errors: unknown[] = [];
  const log = pino({ level: 'error' }, { write: (line: string) => errors.push(JSON.parse(line)) });
  const callback = createWebApp({ worker, log, ...options });
  const server: Server = createServer((req, res) => {
    void callback(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    errors,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** A response, its body parsed as JSON when it is JSON. */
export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  readonly json: unknown;
}

/** One request on a fresh connection. */
export function call(port: number, method: string, path: string, options: { body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text) as unknown;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** POSTs `body` (JSON-encoded unless it is a string or Buffer) to the ingest endpoint of `topic`. */
export function postMessages(port: number, topic: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return call(port, 'POST', `/topics/${encodeURIComponent(topic)}/messages`, { body: text, headers: { 'Content-Type': 'application/json', ...headers } });
}
