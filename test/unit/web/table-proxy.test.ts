// Key reads across two real WebServers on free ports: a read sent to the worker that does not hold the
// key is proxied once to the owner, the answer names the owner in x-streamd-served-by, and an owner
// that does not answer is a 502.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { WebServer, createWebApp } from '../../../src/web/index.js';
import { findFreePorts } from '../../kafka/free-ports.js';
import { FakeWorker, call } from './fixture.js';

const log = pino({ level: 'silent' });

async function withTwoWorkers(test: (a: { port: number; worker: FakeWorker }, b: { port: number; worker: FakeWorker; server: WebServer }) => Promise<void>): Promise<void> {
  const [portA, portB] = (await findFreePorts(2)) as [number, number];
  const urlA = `http://127.0.0.1:${portA}`;
  const urlB = `http://127.0.0.1:${portB}`;
  const workerA = new FakeWorker(urlA);
  const workerB = new FakeWorker(urlB);
  // page_counts: "/home" lives in partition 1, held by B; A holds nothing of it.
  workerA.tableQueries.addTable('page_counts', [], { localPartitions: [0] });
  workerB.tableQueries.addTable('page_counts', [['/home', 3]], { localPartitions: [1] });
  workerA.tableQueries.locateAs = () => ({ partition: 1, isLocal: false, ownerUrl: urlB });
  workerB.tableQueries.locateAs = () => ({ partition: 1, isLocal: true, ownerUrl: urlB });
  const serverA = new WebServer({ callback: createWebApp({ worker: workerA, log, proxyTimeoutMs: 2000 }), host: '127.0.0.1', port: portA, logger: log });
  const serverB = new WebServer({ callback: createWebApp({ worker: workerB, log }), host: '127.0.0.1', port: portB, logger: log });
  try {
    await serverA.start();
    await serverB.start();
    await test({ port: portA, worker: workerA }, { port: portB, worker: workerB, server: serverB });
  } finally {
    await serverA.stop();
    await serverB.stop();
  }
}

describe('web app: table reads proxied to the owner', () => {
  it('proxies a read of a key held elsewhere to its owner and names the owner as the one that served it', async () => {
    await withTwoWorkers(async (a, b) => {
      const reply = await call(a.port, 'GET', `/tables/page_counts/keys/${encodeURIComponent('/home')}`);
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.json, { table: 'page_counts', key: '/home', partition: 1, value: 3 });
      assert.equal(reply.headers['x-streamd-served-by'], b.worker.tableQueries.url);
      assert.match(String(reply.headers['content-type']), /^application\/json/);
      const direct = await call(b.port, 'GET', '/tables/page_counts/keys/%2Fhome');
      assert.equal(direct.headers['x-streamd-served-by'], b.worker.tableQueries.url);
    });
  });

  it('relays the owner\'s error answers, and the owner does not proxy a forwarded read again', async () => {
    await withTwoWorkers(async (a, b) => {
      const missing = await call(a.port, 'GET', '/tables/page_counts/keys/never');
      assert.equal(missing.status, 404);
      assert.equal((missing.json as { code: string }).code, 'STREAMD_UNKNOWN_KEY');
      assert.equal(missing.headers['x-streamd-served-by'], b.worker.tableQueries.url);
      // B believes A owns it now (the assignment moved): B answers 503 instead of sending it back.
      b.worker.tableQueries.locateAs = () => ({ partition: 1, isLocal: false, ownerUrl: a.worker.tableQueries.url });
      const moved = await call(a.port, 'GET', '/tables/page_counts/keys/%2Fhome');
      assert.equal(moved.status, 503);
      assert.equal((moved.json as { code: string }).code, 'STREAMD_NOT_READY');
      assert.equal(moved.headers['x-streamd-served-by'], b.worker.tableQueries.url);
    });
  });

  it('answers 502 STREAMD_OWNER_UNREACHABLE, served by itself, when the owner does not answer', async () => {
    await withTwoWorkers(async (a, b) => {
      await b.server.stop();
      const reply = await call(a.port, 'GET', '/tables/page_counts/keys/%2Fhome');
      assert.equal(reply.status, 502);
      assert.equal((reply.json as { code: string }).code, 'STREAMD_OWNER_UNREACHABLE');
      assert.match((reply.json as { message: string }).message, new RegExp(b.worker.tableQueries.url.replace(/[.]/g, '\\.')));
      assert.equal(reply.headers['x-streamd-served-by'], a.worker.tableQueries.url);
    });
  });
});
