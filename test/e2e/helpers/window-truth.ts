// The input of the windowed-tables e2e tests and the truth they judge the app by, computed here
// without streamd's window code: views keyed by page with record timestamps spread over a span, out
// of order by up to 5 s, plus views later than the grace; per table, the value of every (page,
// window) and how many views arrived late. A window takes a view unless, at that view, the
// partition's stream time (the highest timestamp so far, the view's included) is at or past the
// window's end plus grace.

import { partitionForKey, type ProducerRecord } from '../../../src/kafka/index.js';
import { SeededRandom } from '../../helpers/seeded-random.js';

export const GRACE_MS = 10_000;
const MIN = 60_000;

/** The windows of the four truth tables, as the test app declares them. */
export const SHAPES = {
  tumbling: { type: 'tumbling', sizeMs: MIN },
  hopping: { type: 'hopping', sizeMs: 5 * MIN, stepMs: MIN },
  sliding: { type: 'sliding', beforeMs: 30_000, afterMs: 30_000 },
  session: { type: 'session', gapMs: 2 * MIN },
} as const;
export type TruthTable = keyof typeof SHAPES;
export const TRUTH_TABLES = Object.keys(SHAPES) as TruthTable[];

export interface View {
  readonly page: string;
  readonly time: number;
  readonly partition: number;
  readonly isLate: boolean;
}

export interface Truth {
  /** `page|start|end` → count. */
  readonly values: Map<string, number>;
  readonly late: number;
}

export const windowId = (page: string, start: number, end: number): string => `${page}|${start}|${end}`;

/**
 * `count` views over `pages` pages in `partitions` partitions, times from `base` over `spanMs`; `late`
 * of them, placed after the first `lateFrom` of the views (default half), are 15 min late.
 */
export function makeViews(options: { seed: number; count: number; pages: number; partitions: number; base: number; spanMs: number; late: number; lateFrom?: number }): View[] {
  const random = new SeededRandom(options.seed);
  const lateAt = new Set<number>();
  const first = Math.floor(options.count * (options.lateFrom ?? 0.5));
  while (lateAt.size < options.late) lateAt.add(Math.floor(first + random.next() * (options.count - first)));
  const highest = new Map<number, number>();
  const views: View[] = [];
  for (let i = 0; i < options.count; i++) {
    const page = `page-${String(Math.floor(random.next() * options.pages)).padStart(4, '0')}`;
    const partition = partitionForKey(Buffer.from(page), options.partitions);
    const isLate = lateAt.has(i);
    const onTime = options.base + Math.floor((i * options.spanMs) / options.count) - Math.floor(random.next() * 5000);
    const time = isLate ? (highest.get(partition) ?? onTime) - 15 * MIN : onTime;
    if (!isLate) highest.set(partition, Math.max(highest.get(partition) ?? time, time));
    views.push({ page, time, partition, isLate });
  }
  return views;
}

export function viewRecords(topic: string, views: readonly View[], extra: Record<string, unknown> = {}): ProducerRecord[] {
  return views.map((v) => ({ topic, partition: v.partition, key: Buffer.from(v.page), value: Buffer.from(JSON.stringify({ page: v.page, ...extra })), timestamp: v.time }));
}

function rangesOf(table: TruthTable, time: number): [number, number][] {
  switch (table) {
    case 'tumbling': {
      const start = Math.floor(time / MIN) * MIN;
      return [[start, start + MIN]];
    }
    case 'hopping': {
      const out: [number, number][] = [];
      for (let start = Math.floor(time / MIN) * MIN; start > time - 5 * MIN; start -= MIN) out.unshift([start, start + 5 * MIN]);
      return out;
    }
    case 'sliding':
      return [[time - 30_000, time + 30_001]];
    case 'session':
      return [[time, time + 2 * MIN]];
  }
}

/** The truth of `table` over `views` in the order they were produced. */
export function truthOf(table: TruthTable, views: readonly View[]): Truth {
  const streamTime = new Map<number, number>();
  const taken: View[] = [];
  const values = new Map<string, number>();
  let late = 0;
  for (const view of views) {
    const now = Math.max(streamTime.get(view.partition) ?? view.time, view.time);
    streamTime.set(view.partition, now);
    const ranges = rangesOf(table, view.time);
    const open = ranges.filter(([, end]) => end + GRACE_MS > now);
    if (open.length < ranges.length) late++;
    if (table === 'session') {
      if (open.length > 0) taken.push(view);
      continue;
    }
    for (const [start, end] of open) values.set(windowId(view.page, start, end), (values.get(windowId(view.page, start, end)) ?? 0) + 1);
  }
  if (table === 'session') {
    const byPage = new Map<string, number[]>();
    for (const view of taken) byPage.set(view.page, [...(byPage.get(view.page) ?? []), view.time]);
    for (const [page, times] of byPage) {
      times.sort((a, b) => a - b);
      let first = times[0]!;
      let last = first;
      let count = 0;
      for (const time of times) {
        if (time - last > 2 * MIN) {
          values.set(windowId(page, first, last + 2 * MIN), count);
          first = time;
          count = 0;
        }
        last = time;
        count++;
      }
      values.set(windowId(page, first, last + 2 * MIN), count);
    }
  }
  return { values, late };
}
