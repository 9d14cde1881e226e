// The input of the tables end-to-end tests and what it must produce: a deterministic stream of page
// views over a fixed set of pages, the count per page it adds up to, and a readable comparison of
// any table (stores, changelog) against that count.

import assert from 'node:assert/strict';
import type { ProducerRecord } from '../../../src/kafka/index.js';

export interface PageView {
  readonly id: string;
  readonly user: string;
}

/** `events` page views over `pages` pages; every page is viewed at least once when events >= pages. */
export class PageViewLoad {
  readonly events: number;
  readonly pages: number;

  constructor(events: number, pages: number) {
    if (events < pages) throw new RangeError(`a load of ${events} events cannot view all ${pages} pages`);
    this.events = events;
    this.pages = pages;
  }

  /**
   * The page of event `i`: the first `pages` events view each page once; after that one event in
   * ten goes to one of ten hot pages (many increments of one key within a commit), the rest spread
   * by a multiplicative hash.
   */
  pageOf(i: number): string {
    if (i < this.pages) return `/page-${i}`;
    if (i % 10 === 0) return `/page-${(i / 10) % Math.min(10, this.pages)}`;
    return `/page-${(Math.imul(i, 2654435761) >>> 0) % this.pages}`;
  }

  view(i: number): PageView {
    return { id: this.pageOf(i), user: `user-${i % 997}` };
  }

  /** The count per page once every event is counted exactly once. */
  truth(): Map<string, number> {
    const counts = new Map<string, number>();
    for (let i = 0; i < this.events; i++) {
      const page = this.pageOf(i);
      counts.set(page, (counts.get(page) ?? 0) + 1);
    }
    return counts;
  }

  /**
   * Events `from` to `to` (exclusive; default all) as records of `topic`, keyed by user (so
   * `groupBy` has to move them to the partition of their page), in chunks of `chunk`.
   */
  *records(topic: string, range: { readonly from?: number; readonly to?: number } = {}, chunk = 10_000): Generator<ProducerRecord[]> {
    const to = Math.min(this.events, range.to ?? this.events);
    for (let start = range.from ?? 0; start < to; start += chunk) {
      const records: ProducerRecord[] = [];
      for (let i = start; i < Math.min(to, start + chunk); i++) {
        const view = this.view(i);
        records.push({ topic, key: Buffer.from(view.user), value: Buffer.from(JSON.stringify(view)) });
      }
      yield records;
    }
  }
}

/** How a table differs from the truth. */
export interface TableDiff {
  /** Keys of the truth the table lacks. */
  readonly missing: number;
  /** Keys the table has and the truth does not. */
  readonly extra: number;
  /** Keys counted higher than the truth, and by how much in total. */
  readonly overCounted: number;
  readonly overBy: number;
  /** Keys counted lower than the truth, and by how much in total. */
  readonly underCounted: number;
  readonly underBy: number;
  /** The first few differences, as `key: table X, truth Y`. */
  readonly examples: readonly string[];
}

export function diffCounts(actual: ReadonlyMap<string, number>, truth: ReadonlyMap<string, number>, maxExamples = 8): TableDiff {
  let missing = 0;
  let extra = 0;
  let overCounted = 0;
  let overBy = 0;
  let underCounted = 0;
  let underBy = 0;
  const examples: string[] = [];
  const note = (line: string): void => {
    if (examples.length < maxExamples) examples.push(line);
  };
  for (const [key, expected] of truth) {
    const got = actual.get(key);
    if (got === undefined) {
      missing++;
      note(`${key}: missing, truth ${expected}`);
    } else if (got > expected) {
      overCounted++;
      overBy += got - expected;
      note(`${key}: table ${got}, truth ${expected} (+${got - expected})`);
    } else if (got < expected) {
      underCounted++;
      underBy += expected - got;
      note(`${key}: table ${got}, truth ${expected} (-${expected - got})`);
    }
  }
  for (const [key, got] of actual) {
    if (truth.has(key)) continue;
    extra++;
    note(`${key}: table ${got}, not in the truth`);
  }
  return { missing, extra, overCounted, overBy, underCounted, underBy, examples };
}

export function isExact(diff: TableDiff): boolean {
  return diff.missing === 0 && diff.extra === 0 && diff.overCounted === 0 && diff.underCounted === 0;
}

/** One paragraph: the counts of each kind of difference, then the first examples. */
export function describeDiff(diff: TableDiff): string {
  return (
    `${diff.missing} keys missing, ${diff.extra} extra, ${diff.overCounted} over-counted (by ${diff.overBy} in all), ` +
    `${diff.underCounted} under-counted (by ${diff.underBy} in all); first differences:\n  ${diff.examples.join('\n  ')}`
  );
}

/** Throws an assertion-style error naming `what` and the differences unless `actual` equals the truth. */
export function assertCountsEqual(actual: ReadonlyMap<string, number>, truth: ReadonlyMap<string, number>, what: string): void {
  const diff = diffCounts(actual, truth);
  if (isExact(diff)) return;
  assert.fail(`${what} differs from the truth (${actual.size} keys, truth ${truth.size}): ${describeDiff(diff)}`);
}
