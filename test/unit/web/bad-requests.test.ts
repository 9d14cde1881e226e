// Bad requests against a real worker on the embedded broker: each is a 4xx with a JSON body
// `{ code, message }` and a stable code, and a seeded fuzz over the real route shapes finds no 5xx
// (beyond the documented 502/503) and no error that is not JSON. The worker stays healthy.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../../helpers/wait-for.js';
import { call, postMessages, type Reply } from './fixture.js';
import { SeededRandom } from '../../helpers/seeded-random.js';
import { describeRequest, fuzzRequest } from './fuzz-requests.js';
import { AUTH_TOKEN, startRealWeb, type RealWeb } from './real-worker.js';

/** Replay a failure with STREAMD_FUZZ_SEED=<seed>; more requests with STREAMD_FUZZ_COUNT. */
const FUZZ_SEED = Number(process.env['STREAMD_FUZZ_SEED'] ?? 20261122);
const FUZZ_COUNT = Number(process.env['STREAMD_FUZZ_COUNT'] ?? 400);
/** 5xx answers the API documents: an owner that did not answer, a worker not ready or a broker that refused. */
const DOCUMENTED_5XX = new Set(['STREAMD_OWNER_UNREACHABLE', 'STREAMD_NOT_READY', 'STREAMD_UNAVAILABLE']);

const AUTH = { Authorization: `Bearer ${AUTH_TOKEN}` };

/** A request with the worker's bearer token: every route but the probes and /metrics needs it. */
const authed = (port: number, method: string, path: string, options: { body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Reply> =>
  call(port, method, path, { ...options, headers: { ...AUTH, ...options.headers } });

function assertError(reply: Reply, status: number, code: string): void {
  assert.equal(reply.status, status, `expected ${status} ${code}, got ${reply.status} ${reply.text}`);
  assert.match(String(reply.headers['content-type']), /application\/json/);
  const body = reply.json as { code?: unknown; message?: unknown };
  assert.equal(body.code, code, reply.text);
  assert.equal(typeof body.message, 'string');
}

describe('web API on a real worker: bad requests', () => {
  let web: RealWeb;
  let port: number;

  before(async () => {
    web = await startRealWeb();
    port = web.port;
    const sent = await postMessages(port, 'views', { messages: [{ key: 'v1', value: { page: '/home', user: 'ada' } }] }, AUTH);
    assert.equal(sent.status, 202, sent.text);
    await waitFor(async () => (await authed(port, 'GET', '/tables/counts/keys/%2Fhome')).status === 200, { timeoutMs: 20_000, message: 'the count of /home to be served' });
  });

  after(async () => {
    await web.stop();
  });

  it('answers an undeclared table with 404 STREAMD_UNKNOWN_TABLE', async () => {
    assertError(await authed(port, 'GET', '/tables/nope'), 404, 'STREAMD_UNKNOWN_TABLE');
    assertError(await authed(port, 'GET', '/tables/nope/keys/a'), 404, 'STREAMD_UNKNOWN_TABLE');
  });

  it('answers a key never written with 404 STREAMD_UNKNOWN_KEY, carrying the default when the table has one', async () => {
    const withDefault = await authed(port, 'GET', '/tables/counts/keys/never');
    assertError(withDefault, 404, 'STREAMD_UNKNOWN_KEY');
    assert.equal((withDefault.json as { default?: unknown }).default, 0);
    const withoutDefault = await authed(port, 'GET', '/tables/by_number/keys/7');
    assertError(withoutDefault, 404, 'STREAMD_UNKNOWN_KEY');
    assert.equal(Object.hasOwn(withoutDefault.json as object, 'default'), false);
    const found = await authed(port, 'GET', '/tables/counts/keys/%2Fhome');
    assert.equal(found.status, 200);
    assert.equal((found.json as { value: unknown }).value, 1);
  });

  it('answers a malformed key with 400 STREAMD_BAD_KEY', async () => {
    assertError(await authed(port, 'GET', '/tables/counts/keys/%E0%A4%A'), 400, 'STREAMD_BAD_KEY');
    assertError(await authed(port, 'GET', '/tables/by_number/keys/abc'), 400, 'STREAMD_BAD_KEY');
    assertError(await authed(port, 'GET', '/tables/by_number/keys/%22abc%22'), 400, 'STREAMD_BAD_KEY');
    assertError(await authed(port, 'GET', '/tables/by_number/keys/1.5'), 400, 'STREAMD_BAD_KEY');
    assertError(await authed(port, 'GET', '/tables/by_number/keys/null'), 400, 'STREAMD_BAD_KEY');
    assertError(await authed(port, 'GET', '/tables/by_number?after=null'), 400, 'STREAMD_BAD_KEY');
  });

  it('answers bad paging parameters with 400', async () => {
    assertError(await authed(port, 'GET', '/tables/counts?limit=-1'), 400, 'STREAMD_BAD_REQUEST');
    assertError(await authed(port, 'GET', '/tables/counts?limit=abc'), 400, 'STREAMD_BAD_REQUEST');
    assertError(await authed(port, 'GET', '/tables/counts?limit=1&limit=2'), 400, 'STREAMD_BAD_REQUEST');
    assertError(await authed(port, 'GET', '/tables/counts?after=a&after=b'), 400, 'STREAMD_BAD_REQUEST');
    assertError(await authed(port, 'GET', '/tables/by_number?after=abc'), 400, 'STREAMD_BAD_KEY');
    assertError(await authed(port, 'GET', '/tables/by_number?after=%22x%22'), 400, 'STREAMD_BAD_KEY');
  });

  it('answers bad ingest bodies with 413 and 400', async () => {
    assertError(await postMessages(port, 'views', JSON.stringify({ value: 'x'.repeat(100 * 1024) }), AUTH), 413, 'STREAMD_BODY_TOO_LARGE');
    assertError(await postMessages(port, 'views', '{"value": ', AUTH), 400, 'STREAMD_BAD_JSON');
    assertError(await postMessages(port, 'views', '', AUTH), 400, 'STREAMD_BAD_JSON');
    assertError(await postMessages(port, 'views', [1, 2], AUTH), 400, 'STREAMD_BAD_REQUEST');
    assertError(await postMessages(port, 'views', { messages: [{ key: 'k' }] }, AUTH), 400, 'STREAMD_BAD_REQUEST');
    assertError(await postMessages(port, 'views', { messages: [{ value: 1, partition: -1 }] }, AUTH), 400, 'STREAMD_BAD_REQUEST');
  });

  it('answers a message the topic cannot take with a 4xx', async () => {
    // A partition the topic lacks is the request's mistake, not an unknown topic.
    const outside = await postMessages(port, 'views', { value: 1, partition: 99 }, AUTH);
    assertError(outside, 400, 'STREAMD_BAD_PARTITION');
    assert.match((outside.json as { message: string }).message, /^topic views has 4 partitions \(0 to 3\); there is no partition 99$/);
    assertError(await postMessages(port, 'numbers', { key: 'not a number', value: 1 }, AUTH), 422, 'STREAMD_ENCODE');
  });

  it('answers a wrong method with 405 STREAMD_METHOD_NOT_ALLOWED', async () => {
    assertError(await authed(port, 'DELETE', '/tables'), 405, 'STREAMD_METHOD_NOT_ALLOWED');
    assertError(await authed(port, 'POST', '/health'), 405, 'STREAMD_METHOD_NOT_ALLOWED');
    assertError(await authed(port, 'PUT', '/tables/counts/keys/a'), 405, 'STREAMD_METHOD_NOT_ALLOWED');
  });

  it('answers a null value for a topic without nullValues with 422 STREAMD_NULL_VALUE, and takes it as a tombstone where nullValues is set', async () => {
    const refused = await postMessages(port, 'views', { messages: [{ key: 'ok', value: { page: '/a', user: 'u' } }, { key: 'gone', value: null }] }, AUTH);
    assertError(refused, 422, 'STREAMD_NULL_VALUE');
    assert.match((refused.json as { message: string }).message, /message 1 .*nullValues: true/);
    const tombstone = await postMessages(port, 'tombstones', { key: 'gone', value: null }, AUTH);
    assert.equal(tombstone.status, 202, tombstone.text);
  });

  it('answers a record over its topic\'s max.message.bytes with 413 STREAMD_RECORD_TOO_LARGE, and sends none of the request', async () => {
    const reply = await postMessages(port, 'small', { messages: [{ key: 'fits', value: 'x'.repeat(100) }, { key: 'big', value: 'x'.repeat(4000) }] }, AUTH);
    assertError(reply, 413, 'STREAMD_RECORD_TOO_LARGE');
    assert.match((reply.json as { message: string }).message, /max\.message\.bytes/);
    const fits = await postMessages(port, 'small', { key: 'fits', value: 'x'.repeat(100) }, AUTH);
    assert.equal(fits.status, 202, fits.text);
    assert.equal((fits.json as { records: { offset: string }[] }).records[0]?.offset, '0', 'the refused request sent nothing: the next record is the first');
  });

  it('answers ingest without the token, or with a wrong one, with 401 STREAMD_UNAUTHORIZED', async () => {
    const body = { value: { page: '/a', user: 'u' } };
    assertError(await postMessages(port, 'views', body), 401, 'STREAMD_UNAUTHORIZED');
    assertError(await postMessages(port, 'views', body, { Authorization: 'Bearer wrong' }), 401, 'STREAMD_UNAUTHORIZED');
    assertError(await postMessages(port, 'views', body, { Authorization: AUTH_TOKEN }), 401, 'STREAMD_UNAUTHORIZED');
  });

  it('answers ingest to an undeclared topic with 404 STREAMD_UNKNOWN_TOPIC', async () => {
    assertError(await postMessages(port, 'nope', { value: 1 }, AUTH), 404, 'STREAMD_UNKNOWN_TOPIC');
    assertError(await postMessages(port, '@nope', { value: 1 }, AUTH), 404, 'STREAMD_UNKNOWN_TOPIC');
  });

  it('answers an unknown route with 404 STREAMD_NOT_FOUND', async () => {
    assertError(await authed(port, 'GET', '/nope'), 404, 'STREAMD_NOT_FOUND');
    assertError(await authed(port, 'GET', '/tables/counts/keys'), 404, 'STREAMD_NOT_FOUND');
  });

  it(`answers ${FUZZ_COUNT} random requests (seed ${FUZZ_SEED}) without a 5xx or an error that is not JSON, and stays healthy`, async () => {
    const random = new SeededRandom(FUZZ_SEED);
    const failures: string[] = [];
    for (let i = 0; i < FUZZ_COUNT; i++) {
      const request = fuzzRequest(random, AUTH_TOKEN);
      const where = `fuzz request #${i} of seed ${FUZZ_SEED}: ${describeRequest(request)}`;
      let reply: Reply;
      try {
        reply = await call(port, request.method, request.path, { headers: request.headers, ...(request.body === undefined ? {} : { body: request.body }) });
      } catch (error) {
        failures.push(`${where}\n  failed: ${String(error)}`);
        continue;
      }
      const code = (reply.json as { code?: unknown } | undefined)?.code;
      const isDocumented = reply.status < 500 || (typeof code === 'string' && DOCUMENTED_5XX.has(code));
      const isJsonError = reply.status < 300 || request.method === 'HEAD' || (typeof code === 'string' && code.startsWith('STREAMD_') && typeof (reply.json as { message?: unknown }).message === 'string');
      if (!isDocumented || !isJsonError) failures.push(`${where}\n  answered ${reply.status} ${JSON.stringify(reply.text.slice(0, 300))}`);
    }
    assert.deepEqual(failures, [], `${failures.length} bad answers; the first ones:\n${failures.slice(0, 10).join('\n')}`);
    assert.equal((await call(port, 'GET', '/health')).status, 200);
    assert.equal(web.worker.isReady(), true);
    assert.deepEqual(web.errors, [], 'the web app logged no request failure');
  });
});
