// POST /topics/:topic/messages: what reaches worker.ingest, the answer with offsets as strings, and
// every error code: bad JSON, bad shape, too large, unknown topic, rejected value, unauthorized.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WebAppOptions } from '../../../src/web/index.js';
import { FakeWorker, call, codedError, postMessages, serve, type Reply, type Served } from './fixture.js';

async function withApp(worker: FakeWorker, test: (served: Served) => Promise<void>, options: Partial<WebAppOptions> = {}): Promise<void> {
  const served = await serve(worker, options);
  try {
    await test(served);
  } finally {
    await served.close();
  }
}

const codeOf = (reply: Reply): unknown => (reply.json as { code?: unknown } | undefined)?.code;

describe('web app: ingest', () => {
  it('passes a batch to worker.ingest and answers 202 with each record\'s offset as a string', async () => {
    const worker = new FakeWorker();
    await withApp(worker, async ({ port }) => {
      const body = { messages: [{ key: 'home', value: { id: 'home', user: 'ada' } }, { value: 7, partition: 3, headers: { trace: 'x' } }] };
      const reply = await postMessages(port, 'page_views', body);
      assert.equal(reply.status, 202);
      assert.deepEqual(reply.json, {
        records: [
          { topic: 'page_views', partition: 1, offset: '1099511627776' },
          { topic: 'page_views', partition: 3, offset: '1099511627777' },
        ],
      });
      assert.deepEqual(worker.ingested, [{ topic: 'page_views', messages: body.messages }]);
    });
  });

  it('takes a single message and an @agent target', async () => {
    const worker = new FakeWorker();
    await withApp(worker, async ({ port }) => {
      const reply = await postMessages(port, '@count', { key: 'k', value: null });
      assert.equal(reply.status, 202);
      assert.deepEqual(worker.ingested, [{ topic: '@count', messages: [{ key: 'k', value: null }] }]);
    });
  });

  it('answers 400 STREAMD_BAD_JSON for an empty or malformed body', async () => {
    const worker = new FakeWorker();
    await withApp(worker, async ({ port }) => {
      assert.equal(codeOf(await postMessages(port, 'page_views', '{"value": ')), 'STREAMD_BAD_JSON');
      const empty = await postMessages(port, 'page_views', '');
      assert.equal(empty.status, 400);
      assert.equal(codeOf(empty), 'STREAMD_BAD_JSON');
      assert.equal(worker.ingested.length, 0);
    });
  });

  it('answers 400 STREAMD_BAD_REQUEST for a body of the wrong shape', async () => {
    const worker = new FakeWorker();
    await withApp(worker, async ({ port }) => {
      const wrong = [[1, 2], { key: 'k' }, { vaule: 1 }, { messages: [] }, { messages: 'x' }, { messages: [{ value: 1, partition: -1 }] },
        { messages: [{ value: 1, headers: { a: 1 } }] }, { messages: [{ value: 1 }], extra: true }];
      for (const body of wrong) {
        const reply = await postMessages(port, 'page_views', body);
        assert.equal(reply.status, 400, JSON.stringify(body));
        assert.equal(codeOf(reply), 'STREAMD_BAD_REQUEST', JSON.stringify(body));
      }
      assert.equal(worker.ingested.length, 0);
    });
  });

  it('answers 413 STREAMD_BODY_TOO_LARGE past the limit, by Content-Length or by streamed size', async () => {
    const worker = new FakeWorker();
    await withApp(worker, async ({ port }) => {
      const big = JSON.stringify({ value: 'x'.repeat(2048) });
      const declared = await postMessages(port, 'page_views', big);
      assert.equal(declared.status, 413);
      assert.equal(codeOf(declared), 'STREAMD_BODY_TOO_LARGE');
      const chunked = await call(port, 'POST', '/topics/page_views/messages', { body: big, headers: { 'Transfer-Encoding': 'chunked' } });
      assert.equal(chunked.status, 413);
      assert.equal(worker.ingested.length, 0);
      assert.equal((await postMessages(port, 'page_views', { value: 1 })).status, 202);
    }, { bodyLimitBytes: 1024 });
  });

  it('answers 404 STREAMD_UNKNOWN_TOPIC and 422 STREAMD_ENCODE from ingest\'s error codes', async () => {
    const worker = new FakeWorker();
    await withApp(worker, async ({ port }) => {
      worker.ingestError = codedError('STREAMD_UNKNOWN_TOPIC', 'topic "nope" is not declared');
      const unknown = await postMessages(port, 'nope', { value: 1 });
      assert.equal(unknown.status, 404);
      assert.deepEqual(unknown.json, { code: 'STREAMD_UNKNOWN_TOPIC', message: 'topic "nope" is not declared' });
      worker.ingestError = codedError('STREAMD_ENCODE', 'value does not match model "PageView"');
      const rejected = await postMessages(port, 'page_views', { value: 1 });
      assert.equal(rejected.status, 422);
      assert.equal(codeOf(rejected), 'STREAMD_ENCODE');
    });
  });

  it('answers 503 for a worker that is stopping or a broker that failed, 500 STREAMD_INTERNAL for a bug', async () => {
    const worker = new FakeWorker();
    await withApp(worker, async ({ port, errors }) => {
      worker.ingestError = codedError('STREAMD_ILLEGAL_STATE', 'producer is closed');
      assert.equal(codeOf(await postMessages(port, 'page_views', { value: 1 })), 'STREAMD_NOT_READY');
      worker.ingestError = codedError('STREAMD_KAFKA', 'leader not available', { retriable: true });
      const unavailable = await postMessages(port, 'page_views', { value: 1 });
      assert.equal(unavailable.status, 503);
      assert.equal(codeOf(unavailable), 'STREAMD_UNAVAILABLE');
      assert.equal(errors.length, 0);
      worker.ingestError = new TypeError('cannot read properties of undefined');
      const bug = await postMessages(port, 'page_views', { value: 1 });
      assert.equal(bug.status, 500);
      assert.equal(codeOf(bug), 'STREAMD_INTERNAL');
      assert.doesNotMatch(bug.text, /undefined|\bat /);
      assert.equal(errors.length, 1);
    });
  });

  it('answers 401 STREAMD_UNAUTHORIZED without the right bearer token, before reading the body', async () => {
    const worker = new FakeWorker();
    await withApp(worker, async ({ port }) => {
      const missing = await postMessages(port, 'page_views', { value: 1 });
      assert.equal(missing.status, 401);
      assert.equal(codeOf(missing), 'STREAMD_UNAUTHORIZED');
      assert.match(String(missing.headers['www-authenticate']), /^Bearer/);
      assert.equal(codeOf(await postMessages(port, 'page_views', { value: 1 }, { Authorization: 'Bearer wrong' })), 'STREAMD_UNAUTHORIZED');
      assert.equal(codeOf(await postMessages(port, 'page_views', 'not json', { Authorization: 'Basic s3cret' })), 'STREAMD_UNAUTHORIZED');
      assert.equal(worker.ingested.length, 0);
      assert.equal((await postMessages(port, 'page_views', { value: 1 }, { Authorization: 'Bearer s3cret' })).status, 202);
    }, { authToken: 's3cret' });
  });
});
