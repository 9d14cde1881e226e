import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordTooLargeError, recordBytes, splitByBytes, type ProducerRecord } from '../../../src/kafka/index.js';

const LIMIT = 1_048_588;
const limitOf = (): number => LIMIT;

function rec(topic: string, bytes: number, partition?: number): ProducerRecord {
  return { topic, key: null, value: Buffer.alloc(bytes), ...(partition === undefined ? {} : { partition }) };
}

/** The largest sum of `recordBytes` over one partition of one request (unplaced records count for every partition). */
function fullestPartition(request: readonly ProducerRecord[]): number {
  const sums = new Map<string, number>();
  for (const r of request) sums.set(`${r.topic}/${r.partition ?? 'any'}`, (sums.get(`${r.topic}/${r.partition ?? 'any'}`) ?? 0) + recordBytes(r));
  let most = 0;
  for (const [id, bytes] of sums) {
    const [topic] = id.split('/');
    most = Math.max(most, bytes + (id.endsWith('/any') ? 0 : (sums.get(`${topic}/any`) ?? 0)));
  }
  return most;
}

describe('splitByBytes', () => {
  it('keeps a send under the limit in one request', () => {
    const records = Array.from({ length: 100 }, (_, i) => rec('t', 1000, i % 4));
    assert.equal(splitByBytes(records, limitOf).length, 1);
  });

  it('cuts 5 MB to one partition into requests under the limit, keeping every record in order', () => {
    const records = Array.from({ length: 2_500 }, (_, i) => ({ ...rec('t', 2_000, 1), key: Buffer.from(String(i)) }));
    const requests = splitByBytes(records, limitOf);
    assert.ok(requests.length >= 5, `${requests.length} requests`);
    for (const request of requests) assert.ok(fullestPartition(request) <= LIMIT - 61, `a request carries ${fullestPartition(request)} bytes to one partition`);
    assert.deepEqual(requests.flat(), records);
  });

  it('counts records without a partition against every partition of their topic', () => {
    const records = [rec('t', 600_000, 0), rec('t', 600_000), rec('u', 600_000, 0)];
    const requests = splitByBytes(records, limitOf);
    assert.deepEqual(requests.map((r) => r.length), [1, 2], 'the unplaced record may land on partition 0; the other topic is apart');
  });

  it('gives a record larger than the fill target a request of its own', () => {
    const records = [rec('t', 100, 0), rec('t', 1_000_000, 0), rec('t', 100, 0)];
    assert.deepEqual(splitByBytes(records, limitOf).map((r) => r.length), [1, 1, 1]);
  });

  it('refuses a send with a record no batch can carry, whether the send is small or must be cut', () => {
    assert.throws(() => splitByBytes([rec('t', 100, 0), rec('t', LIMIT, 0)], limitOf), RecordTooLargeError);
    const many = Array.from({ length: 2_000 }, (_, i) => rec('t', 2_000, i % 4));
    assert.throws(() => splitByBytes([...many, rec('u', 10_000, 0)], (topic) => (topic === 'u' ? 5_000 : LIMIT)), RecordTooLargeError);
  });

  it('estimates high: headers, key and value, plus the widest fixed fields', () => {
    const record = { topic: 't', key: Buffer.alloc(10), value: Buffer.alloc(100), headers: { h: Buffer.alloc(5) } };
    assert.ok(recordBytes(record) >= 10 + 100 + 1 + 5 + 20);
  });
});
