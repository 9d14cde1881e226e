// Audits the page-views sink (`{page, count}` per view) against the truth: with views 0..n-1 over
// `pages` pages, page p must have records with count 1..N(p), each exactly once. Reads a topic to
// its end offsets under either isolation level, and paces a kill loop (random pauses live here,
// in the helpers, not in the tests).

import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumerRecord, Isolation, KafkaDriver } from '../../../src/kafka/index.js';
import { readToEnd as readTopicToEnd } from '../../helpers/read-to-end.js';

export interface SinkAudit {
  readonly records: number;
  /** Expected (page, count) pairs absent from the sink. */
  readonly lost: number;
  /** Records beyond the first of the same (page, count). */
  readonly duplicated: number;
}

export function auditSink(records: readonly ConsumerRecord[], truth: ReadonlyMap<string, number>): SinkAudit {
  const seen = new Set<string>();
  let duplicated = 0;
  for (const record of records) {
    const { page, count } = JSON.parse(record.value!.toString()) as { page: string; count: number };
    const pair = `${page}\u0000${count}`;
    if (seen.has(pair)) duplicated += 1;
    else seen.add(pair);
  }
  let lost = 0;
  for (const [page, n] of truth) for (let c = 1; c <= n; c++) if (!seen.has(`${page}\u0000${c}`)) lost += 1;
  return { records: records.length, lost, duplicated };
}

/** Every record of `topic` up to its end offsets when the read starts, read under `isolation`. */
export async function readToEnd(driver: KafkaDriver, topic: string, isolation: Isolation, timeoutMs: number): Promise<ConsumerRecord[]> {
  return (await readTopicToEnd(driver, topic, { isolation, timeoutMs })).records;
}

/** A pause of `ms` between the steps of a kill loop (not a synchronisation: the moment is meant to be random). */
export function pause(ms: number): Promise<void> {
  return sleep(ms);
}

/**
 * EOS_DEBUG_DIR=<dir>: keeps every worker's log and the duplicated outputs (with where each copy is)
 * under `<dir>/<label>-…`, for a post-mortem. Does nothing without it.
 */
export async function keepForPostMortem(label: string, workers: readonly { readonly name: string; readonly daemon: { readonly output: readonly string[] } }[], committed: readonly ConsumerRecord[]): Promise<void> {
  const dir = process.env['EOS_DEBUG_DIR'];
  if (dir === undefined) return;
  for (const [i, w] of workers.entries()) await writeFile(`${dir}/${label}-w${i}-${w.name}.log`, w.daemon.output.join('\n'));
  const firstAt = new Map<string, string>();
  const dups: string[] = [];
  for (const r of committed) {
    const key = r.value!.toString();
    const at = `${r.partition}@${r.offset}`;
    if (firstAt.has(key)) dups.push(`${key} first ${firstAt.get(key)} again ${at}`);
    else firstAt.set(key, at);
  }
  await writeFile(`${dir}/${label}-dups.txt`, dups.join('\n'));
}
