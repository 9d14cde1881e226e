// `streamd start` with a fake worker: the web server answers from before the worker starts until after
// it stopped; SIGTERM stops the worker then the web server (exit 0); a crash exits 1; a second signal
// forces exit 1; boot errors exit 2 or 1 by class; a busy port names --web-port.

import assert from 'node:assert/strict';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { runCli, type CliDeps } from '../../../src/cli/index.js';
import { KafkaError, StreamdError } from '../../../src/errors/index.js';
import type { RecordMetadata } from '../../../src/kafka/index.js';
import type { Manifest } from '../../../src/manifest/index.js';
import { WorkerMetrics } from '../../../src/metrics/index.js';
import { Service } from '../../../src/service/index.js';
import type { Readiness, TableQueries, Topology, WorkerHandle } from '../../../src/worker/types.js';
import type { Logger } from 'pino';
import { waitFor } from '../../helpers/wait-for.js';
import { cliFixture, fakeIo } from './fixture.js';

/** What a fake worker does on start and stop. */
interface Behaviour {
  readonly startError?: Error;
  readonly isStartHanging?: boolean;
  readonly onStop?: () => Promise<void>;
}

class FakeWorker extends Service implements WorkerHandle {
  readonly metrics = new WorkerMetrics({ withDefaults: false });
  readonly views = { routes: [], handler: () => undefined, context: () => { throw new Error('no views'); }, failed: () => undefined };
  #isReady = false;

  constructor(readonly manifest: Manifest, logger: Logger, private readonly behaviour: Behaviour) {
    super({ name: 'fake worker', logger });
  }

  protected override async onStart(): Promise<void> {
    if (this.behaviour.startError !== undefined) throw this.behaviour.startError;
    if (this.behaviour.isStartHanging === true) await delay(60_000, undefined, { signal: this.signal });
    this.#isReady = true;
  }

  protected override async onStop(): Promise<void> {
    this.#isReady = false;
    await this.behaviour.onStop?.();
  }

  isReady(): boolean {
    return this.#isReady;
  }

  readiness(): Readiness {
    return { phase: this.#isReady ? 'ready' : 'starting', recovering: [] };
  }

  ingest(): Promise<RecordMetadata[]> {
    return Promise.resolve([]);
  }

  topology(): Topology {
    const leaderTopic = { name: `${this.manifest.id}-__assignor-__leader`, partitions: 1 };
    return { id: this.manifest.id, version: 1, processingGuarantee: 'at_least_once', sourceTopics: [], sinkTopics: [], internalTopics: [], topics: [], agents: [], tables: [], leaderTopic, timers: [], crontabs: [], tasks: [], views: [] };
  }

  readonly tableQueries: TableQueries = {
    url: 'http://127.0.0.1:0',
    list: () => [],
    info: () => undefined,
    locate: () => ({ partition: 0, isLocal: false, ownerUrl: undefined }),
    read: () => Promise.resolve({ found: false }),
    scan: () => Promise.resolve({ entries: [], hasNext: false }),
  };
}

/** A log destination that drops everything. */
const discard = (): Writable => new Writable({ write: (_chunk, _encoding, callback) => callback() });

function status(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

/** One `streamd start` run with a fake worker, fake signals and captured logs. */
function startDaemon(behaviour: Behaviour = {}, extraArgs: string[] = []) {
  const fake = fakeIo();
  const listeners = new Set<(signal: string) => void>();
  const forced: number[] = [];
  const workers: FakeWorker[] = [];
  let resolveRunning: (url: string) => void = () => undefined;
  const running = new Promise<string>((resolve) => (resolveRunning = resolve));
  const deps: CliDeps = {
    start: {
      loadCreateWorker: () => Promise.resolve((manifest: Manifest, { logger }: { logger: Logger }) => {
        const worker = new FakeWorker(manifest, logger, behaviour);
        workers.push(worker);
        return Promise.resolve(worker);
      }),
      signals: {
        subscribe(listener) {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      },
      forceExit: (code) => forced.push(code),
      logDestination: discard(),
      onRunning: ({ webUrl }) => resolveRunning(webUrl),
    },
  };
  const exited = runCli(['start', '--manifest', cliFixture('app.yaml'), '--log-level', 'debug', ...extraArgs], fake.io, deps);
  return {
    exited,
    running,
    forced,
    workers,
    stderr: fake.stderr,
    signal: (name = 'SIGTERM') => [...listeners].forEach((listener) => listener(name)),
    listenerCount: () => listeners.size,
  };
}

describe('streamd start', { timeout: 30_000 }, () => {
  it('serves probes while the worker runs, stops the worker before the web server on SIGTERM, exit 0', async () => {
    let healthDuringStop: number | undefined;
    let url = '';
    const daemon = startDaemon({ onStop: async () => void (healthDuringStop = await status(`${url}/health`)) });
    url = await daemon.running;
    assert.equal(await status(`${url}/health`), 200);
    assert.equal(await status(`${url}/ready`), 200);
    daemon.signal('SIGTERM');
    assert.equal(await daemon.exited, 0);
    assert.equal(healthDuringStop, 200);
    assert.equal(daemon.workers[0]?.state, 'stopped');
    await assert.rejects(status(`${url}/health`), /ECONNREFUSED/);
    assert.equal(daemon.listenerCount(), 0);
    assert.deepEqual(daemon.forced, []);
  });

  it('exits 1 when the worker crashes on its own, after closing the web server', async () => {
    const daemon = startDaemon();
    const url = await daemon.running;
    daemon.workers[0]!.crash(new Error('disk full'));
    assert.equal(await daemon.exited, 1);
    await assert.rejects(status(`${url}/health`), /ECONNREFUSED/);
  });

  it('exits 1 when the worker stops with cleanup errors', async () => {
    const daemon = startDaemon({ onStop: () => Promise.reject(new Error('flush failed')) });
    await daemon.running;
    daemon.signal('SIGINT');
    assert.equal(await daemon.exited, 1);
  });

  it('forces exit 1 on a second signal while the shutdown is still running', async () => {
    let release: (() => void) | undefined;
    const daemon = startDaemon({ onStop: () => new Promise<void>((resolve) => (release = resolve)) });
    await daemon.running;
    daemon.signal('SIGTERM');
    const releaseStop = await waitFor(() => release, { timeoutMs: 5_000, message: 'the worker to begin stopping' });
    daemon.signal('SIGTERM');
    assert.deepEqual(daemon.forced, [1]);
    releaseStop();
    assert.equal(await daemon.exited, 0);
  });

  it('stops a worker that is still starting when the signal comes, exit 0', async () => {
    const daemon = startDaemon({ isStartHanging: true });
    await waitFor(() => daemon.workers[0]?.state === 'starting', { timeoutMs: 5_000, message: 'the worker to start' });
    daemon.signal('SIGTERM');
    assert.equal(await daemon.exited, 0);
  });

  it('exits 2 with the message only for a configuration-class boot error, 1 for others', async () => {
    const handler = startDaemon({ startError: new StreamdError('STREAMD_HANDLER', 'handlers/page-views.ts:3:1: no export "countPageViews"') });
    assert.equal(await handler.exited, 2);
    assert.equal(handler.stderr(), 'streamd: handlers/page-views.ts:3:1: no export "countPageViews"\n');
    const kafka = startDaemon({ startError: new KafkaError('cannot reach the broker at kafka:9092') });
    assert.equal(await kafka.exited, 1);
    assert.match(kafka.stderr(), /^streamd: cannot reach the broker/);
    assert.doesNotMatch(kafka.stderr(), / {4}at /);
  });

  it('exits 1 naming the port and --web-port when the web port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blocker.address() as { port: number }).port;
      const daemon = startDaemon({}, ['--web-port', String(port)]);
      assert.equal(await daemon.exited, 1);
      assert.match(daemon.stderr(), new RegExp(`web port ${port} on 127\\.0\\.0\\.1 is in use.*--web-port`));
      assert.equal(daemon.workers[0]?.state, 'stopped');
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('exits 2 with file:line:col for a bad manifest, before building a worker', async () => {
    const fake = fakeIo();
    const code = await runCli(['start', '--manifest', cliFixture('../manifests/syntax-error.yaml')], fake.io, {
      start: { loadCreateWorker: () => assert.fail('no worker for a bad manifest'), signals: { subscribe: () => () => undefined }, forceExit: () => undefined, logDestination: discard() },
    });
    assert.equal(code, 2);
    assert.match(fake.stderr(), /syntax-error\.yaml:4:15: /);
    assert.doesNotMatch(fake.stderr(), / {4}at /);
  });
});
