// Helpers of the web tests: a fake worker (records ingest calls, answers with set results or errors,
// serves in-memory tables),
// the web app served on an ephemeral port, and one-shot HTTP requests without keep-alive.

import { request, createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import type { RecordMetadata } from '../../../src/kafka/index.js';
import { createWebApp, type WebAppOptions, type WebWorker } from '../../../src/web/index.js';
import type { IngestMessage, KeyLocation, Readiness, TableInfo, TablePage, TableQueries, Topology } from '../../../src/worker/types.js';

/** A table of FakeTableQueries: its info and its entries by JSON of the key (in insertion order). */
export interface FakeTable {
  readonly info: TableInfo;
  readonly entries: Map<string, { key: unknown; value: unknown }>;
}

/** Table reads from in-memory tables; where a key lives is what `locateAs` says (default: here). */
export class FakeTableQueries implements TableQueries {
  readonly tables = new Map<string, FakeTable>();
  locateAs: (table: string, key: unknown) => KeyLocation = () => ({ partition: 0, isLocal: true, ownerUrl: this.url });

  constructor(public url = 'http://worker-a:6066') {}

  /** Declares a table (string keys unless told) holding `entries`. */
  addTable(name: string, entries: [unknown, unknown][], info: Partial<TableInfo> = {}): void {
    const table: TableInfo = { name, kind: 'table', isGlobal: false, keyType: 'string', partitions: 4, changelog: `app-${name}-changelog`, localPartitions: [0, 2], hasDefault: false, ...info };
    this.tables.set(name, { info: table, entries: new Map(entries.map(([key, value]) => [JSON.stringify(key), { key, value }])) });
  }

  list(): TableInfo[] {
    return [...this.tables.values()].map((t) => t.info);
  }

  info(table: string): TableInfo | undefined {
    return this.tables.get(table)?.info;
  }

  locate(table: string, key: unknown): KeyLocation {
    return this.locateAs(table, key);
  }

  read(table: string, key: unknown): Promise<{ found: true; value: unknown } | { found: false }> {
    const entry = this.tables.get(table)?.entries.get(JSON.stringify(key));
    return Promise.resolve(entry === undefined ? { found: false } : { found: true, value: entry.value });
  }

  scan(table: string, limit: number, after?: { key: unknown }): Promise<TablePage> {
    const all = [...(this.tables.get(table)?.entries.values() ?? [])];
    const start = after === undefined ? 0 : all.findIndex((e) => JSON.stringify(e.key) === JSON.stringify(after.key)) + 1;
    const entries = start === 0 && after !== undefined ? [] : all.slice(start, start + limit);
    const hasNext = start + limit < all.length && entries.length === limit;
    return Promise.resolve(hasNext ? { entries, hasNext, next: entries[entries.length - 1]!.key } : { entries, hasNext });
  }
}

/** A worker whose readiness, ingest result and topology a test sets. */
export class FakeWorker implements WebWorker {
  isReadyNow = true;
  /** What readiness() reports while not ready. */
  recovering: Readiness['recovering'] = [];
  readonly ingested: { topic: string; messages: readonly IngestMessage[] }[] = [];
  ingestError: Error | undefined;
  readonly tableQueries: FakeTableQueries;
  readonly metrics = { expose: () => Promise.resolve({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: '# HELP streamd_up 1\nstreamd_up 1\n' }) };

  constructor(url?: string) {
    this.tableQueries = new FakeTableQueries(url);
  }

  isReady(): boolean {
    return this.isReadyNow;
  }

  readiness(): Readiness {
    return this.isReadyNow ? { phase: 'ready', recovering: [] } : { phase: 'recovering', recovering: this.recovering };
  }

  ingest(topic: string, messages: readonly IngestMessage[]): Promise<RecordMetadata[]> {
    this.ingested.push({ topic, messages });
    if (this.ingestError !== undefined) return Promise.reject(this.ingestError);
    const resolved = topic.startsWith('@') ? 'page_views' : topic;
    return Promise.resolve(messages.map((message, index) => ({ topic: resolved, partition: message.partition ?? 1, offset: 2n ** 40n + BigInt(index) })));
  }

  topology(): Topology {
    return PAGE_VIEWS_TOPOLOGY;
  }
}

/** The physical plan of manifests/page-views once started: 4 partitions everywhere, one groupBy. */
export const PAGE_VIEWS_TOPOLOGY: Topology = {
  id: 'page-views',
  version: 1,
  processingGuarantee: 'at_least_once',
  sourceTopics: ['page_views'],
  sinkTopics: ['page_counts_out'],
  internalTopics: ['page-views-count_page_views-by-page-repartition', 'page-views-page_counts-changelog', 'page-views-__assignor-__leader'],
  topics: [
    { role: 'source', name: 'page_views', partitions: 4 },
    { role: 'sink', name: 'page_counts_out', partitions: 4 },
    { role: 'repartition', agent: 'count_page_views', groupBy: 'by-page', name: 'page-views-count_page_views-by-page-repartition', partitions: 4 },
    { role: 'changelog', table: 'page_counts', name: 'page-views-page_counts-changelog', partitions: 4 },
    { role: 'leader', name: 'page-views-__assignor-__leader', partitions: 1 },
  ],
  agents: [
    {
      name: 'count_page_views',
      topics: ['page_views'],
      concurrency: 1,
      sinks: ['page_counts_out'],
      repartitionTopics: ['page-views-count_page_views-by-page-repartition'],
      handler: './handlers/page-views.ts#countPageViews',
      sources: [{ name: 'page_views', partitions: 4 }],
      groupBys: [{ groupBy: 'by-page', name: 'page-views-count_page_views-by-page-repartition', partitions: 4 }],
      throughTopics: [],
      deadLetterTopic: null,
    },
  ],
  tables: [{ name: 'page_counts', kind: 'table', global: false, keyType: 'string', valueType: 'integer', changelog: 'page-views-page_counts-changelog', partitions: 4, standbyReplicas: 1, window: null }],
  leaderTopic: { name: 'page-views-__assignor-__leader', partitions: 1 },
  timers: [],
  crontabs: [],
  tasks: [],
  views: [],
};

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
