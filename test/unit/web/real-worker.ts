// A real worker of the web fixture app (test/fixtures/apps/web) on its own embedded broker and a
// memory store, served by a WebServer with createWebApp's callback on an ephemeral port with web.authToken set. Used by
// the bad-request and fuzz tests; each test file starts one and stops it.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Agent } from '../../../src/agents/index.js';
import { loadManifest } from '../../../src/manifest/index.js';
import { WorkerMetrics } from '../../../src/metrics/index.js';
import { createWorker, type Worker } from '../../../src/worker/index.js';
import { count } from '../../fixtures/apps/tables/handlers/tables.js';
import { uniqueName } from '../../helpers/unique-name.js';
import { waitFor } from '../../helpers/wait-for.js';
import { repoPath } from '../../kafka/repo-root.js';
import { createWebApp, WebServer } from '../../../src/web/index.js';

export const AUTH_TOKEN = 'fuzz-secret-token';

/** A started worker, its web app on a port, and a stop that undoes both. */
export interface RealWeb {
  readonly worker: Worker;
  /** The port of the worker's WebServer. */
  readonly port: number;
  /** Errors the web app logged (a request that failed inside it). */
  readonly errors: unknown[];
  stop(): Promise<void>;
}

/** Starts the web fixture app, waits until it is ready, and serves its web app. The caller must `stop()`. */
export async function startRealWeb(): Promise<RealWeb> {
  const datadir = await mkdtemp(join(tmpdir(), 'streamd-web-'));
  const env = { STREAMD_BROKER: `memory://${uniqueName('web')}`, STREAMD_DATADIR: datadir, STREAMD_STORE: 'memory://', APP_ID: uniqueName('web') };
  const manifest = await loadManifest(repoPath('test', 'fixtures', 'apps', 'web', 'app.yaml'), { env, overrides: { webAuthToken: AUTH_TOKEN } });
  const worker = await createWorker(manifest, {
    logger: pino({ level: 'silent' }),
    handlers: new Map<string, Agent>([['count', count as Agent]]),
    metrics: new WorkerMetrics({ withDefaults: false }),
  });
  const errors: unknown[] = [];
  const log = pino({ level: 'error' }, { write: (line: string) => errors.push(JSON.parse(line)) });
  const callback = createWebApp({ worker, log, authToken: manifest.web.authToken ?? AUTH_TOKEN, bodyLimitBytes: 64 * 1024 });
  const server = new WebServer({ callback, host: '127.0.0.1', port: 0, logger: pino({ level: 'silent' }) });
  const stop = async (): Promise<void> => {
    await server.stop();
    await worker.stop();
    await rm(datadir, { recursive: true, force: true });
  };
  try {
    await server.start();
    await worker.start();
    await waitFor(() => worker.isReady(), { timeoutMs: 20_000, message: 'the worker to be ready' });
  } catch (error) {
    await stop();
    throw error;
  }
  return { worker, port: server.port!, errors, stop };
}
