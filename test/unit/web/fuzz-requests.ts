// Random HTTP requests for the web fuzz: methods × the real route shapes with odd segments, query
// strings, bodies and headers, all drawn from a seeded PRNG so a failure replays from its seed.
// Used by bad-requests.test.ts.

import type { SeededRandom } from '../../helpers/seeded-random.js';

/** A request to send as is: `path` may hold raw bytes 0x80..0xff (Node sends them as latin1). */
export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: Buffer;
}

const METHODS = ['GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'PROPFIND'];
const TABLES = ['counts', 'visitors', 'by_number', 'nope'];
/** Topics without an agent: a fuzzed message must not reach user code, whose error policy is not under test. */
const TOPICS = ['numbers', 'nope', '@nope', '@', ''];

/** UTF-8 text as the raw bytes Node puts on the wire for a path (latin1, one byte per char). */
const rawUtf8 = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

function segment(random: SeededRandom): string {
  return random.pick([
    () => '',
    () => '..',
    () => '.',
    () => '%',
    () => '%zz',
    () => '%E0%A4%A',
    () => '%C0%AF',
    () => '%00',
    () => '%2F',
    () => '%2Fhome',
    () => 'a'.repeat(random.int(1000, 9000)),
    () => rawUtf8('ключ-😀'),
    () => encodeURIComponent('ключ-😀'),
    () => String(random.int(-5, 100)),
    () => '1.5',
    () => '1e400',
    () => '9007199254740993',
    () => encodeURIComponent('{"id":"a"}'),
    () => encodeURIComponent('"x"'),
    () => 'null',
    () => 'true',
    () => '[]',
    () => '__proto__',
    () => 'constructor',
    () => random.pick(TABLES),
    () => random.pick(TOPICS),
  ])();
}

function query(random: SeededRandom): string {
  const params = random.pick([
    () => [],
    () => [`limit=${random.pick(['-1', '0', '1', '1000', '1001', 'abc', '', '1.5', '99999999999999999999'])}`],
    () => ['limit=1', 'limit=2'],
    () => [`after=${segment(random)}`],
    () => [`after=${segment(random)}`, `after=${segment(random)}`],
    () => ['limit', 'after'],
    () => ['=', '&&', '='],
    () => ['after[]=x', 'limit[a]=1'],
    () => ['__proto__=1', 'constructor=x'],
    () => [`format=${random.pick(['text', 'json', 'xml', ''])}`],
    () => ['format=text', 'format=json'],
  ])();
  return params.length === 0 && random.next() < 0.7 ? '' : `?${params.join('&')}`;
}

function path(random: SeededRandom): string {
  const shape = random.pick([
    () => '/health',
    () => '/ready',
    () => '/metrics',
    () => '/agents',
    () => '/topology',
    () => '/tables',
    () => `/tables/${segment(random)}`,
    () => `/tables/${random.pick(TABLES)}/keys/${segment(random)}`,
    () => `/tables/${segment(random)}/keys/${segment(random)}`,
    () => `/topics/${segment(random)}/messages`,
    () => `/topics/${random.pick(TOPICS)}/messages`,
    () => `/${segment(random)}`,
    () => `/tables/${random.pick(TABLES)}/${segment(random)}/${segment(random)}`,
    () => '/',
    () => '//tables//counts',
    () => '/tables/counts/',
  ])();
  return shape + query(random);
}

function body(random: SeededRandom): Buffer | undefined {
  const text = random.pick<() => string | Buffer | undefined>([
    () => undefined,
    () => JSON.stringify({ value: random.int(0, 9), key: random.int(0, 9) }),
    () => JSON.stringify({ messages: [{ value: 1, key: 2 }, { value: 3, partition: random.int(-1, 6) }] }),
    () => JSON.stringify({ messages: [] }),
    () => JSON.stringify({ value: 1, partition: random.pick([1.5, 99, '1', null, 2 ** 53]) }),
    () => JSON.stringify({ key: { a: 1 }, value: 'x' }),
    () => JSON.stringify({ value: 1, headers: random.pick([{ a: 1 }, [], 'h', { a: 'b' }]) }),
    () => JSON.stringify({ value: 1, extra: true }),
    () => JSON.stringify({ messages: 'no', value: 1 }),
    () => random.pick(['[]', 'null', '1', '"s"', 'true', '{}', '{"__proto__":{"value":1}}']),
    () => '{"value": ',
    () => '{"value": 1}garbage',
    () => JSON.stringify({ value: 'x'.repeat(random.int(60_000, 200_000)) }),
    () => random.bytes(random.int(1, 2000)),
    () => '\uFEFF{"value":1}',
  ])();
  return text === undefined ? undefined : Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
}

function headers(random: SeededRandom, token: string): Record<string, string> {
  const out: Record<string, string> = {};
  const authorization = random.pick([undefined, `Bearer ${token}`, `Bearer ${token}`, 'Bearer wrong', 'Bearer', 'Bearer    ', `bearer  ${token}  `, `Basic ${token}`, token, rawUtf8('Bearer тoken')]);
  if (authorization !== undefined) out['Authorization'] = authorization;
  const accept = random.pick([undefined, '*/*', 'text/plain', 'application/json', 'text/html;q=0.1, text/plain;q=0.9', 'garbage/;;', 'text/*']);
  if (accept !== undefined) out['Accept'] = accept;
  const contentType = random.pick([undefined, 'application/json', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x', 'application/json; charset=latin1']);
  if (contentType !== undefined) out['Content-Type'] = contentType;
  return out;
}

/** The `index`-th request of the sequence of `random`. */
export function fuzzRequest(random: SeededRandom, token: string): FuzzRequest {
  const method = random.pick(METHODS);
  const request = { method, path: path(random), headers: headers(random, token) };
  const payload = method === 'GET' || method === 'HEAD' ? (random.next() < 0.1 ? body(random) : undefined) : body(random);
  // Content-Length always: without it Node's client sends a GET/OPTIONS/DELETE body unframed, and the
  // server's HTTP parser (not the app) reads it as the next request.
  return payload === undefined ? request : { ...request, headers: { ...request.headers, 'Content-Length': String(payload.length) }, body: payload };
}

/** A request as a line to paste into a bug report (bodies shortened). */
export function describeRequest(request: FuzzRequest): string {
  const bodyText = request.body === undefined ? '' : ` body(${request.body.length} bytes)=${JSON.stringify(request.body.subarray(0, 200).toString('latin1'))}`;
  const pathText = request.path.length > 300 ? `${request.path.slice(0, 300)}…(${request.path.length} chars)` : request.path;
  return `${request.method} ${JSON.stringify(pathText)} headers=${JSON.stringify(request.headers)}${bodyText}`;
}
