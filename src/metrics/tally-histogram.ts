// A Prometheus histogram for hot paths: each observation is a bucket search and two additions on
// plain numbers, with no label hashing; the exposition is built at scrape time. prom-client's
// Histogram hashes its labels on every observe, which cost ~20% of a stateless pipeline's throughput
// when done per event. Registered into the worker's registry by WorkerMetrics.

/** One label value's series: what an observer holds. */
export interface TallySeries {
  observe(value: number): void;
}

interface Series {
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** What prom-client's Registry reads of a metric at scrape time. */
interface MetricSnapshot {
  readonly name: string;
  readonly help: string;
  readonly type: 'histogram';
  readonly aggregator: 'sum';
  readonly values: { readonly metricName: string; readonly labels: Record<string, string | number>; readonly value: number }[];
}

export class TallyHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #series = new Map<string, Series>();

  /** `buckets`: upper bounds, ascending; +Inf is added. */
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelName: string,
    readonly buckets: readonly number[],
  ) {}

  /** The series of one label value, created at first use (observers bind it once). */
  series(labelValue: string): TallySeries {
    let series = this.#series.get(labelValue);
    if (series === undefined) this.#series.set(labelValue, (series = { counts: new Float64Array(this.buckets.length), sum: 0, count: 0 }));
    const { buckets } = this;
    const found = series;
    return {
      observe(value: number): void {
        found.sum += value;
        found.count += 1;
        for (let i = 0; i < buckets.length; i++) {
          if (value <= buckets[i]!) {
            found.counts[i]! += 1;
            return;
          }
        }
      },
    };
  }

  /** The exposition as prom-client's Registry reads it: cumulative buckets, +Inf, sum and count per series. */
  get(): MetricSnapshot {
    const values: MetricSnapshot['values'][number][] = [];
    for (const [labelValue, series] of this.#series) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += series.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { le: bound, [this.labelName]: labelValue }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', [this.labelName]: labelValue }, value: series.count });
      values.push({ metricName: `${this.name}_sum`, labels: { [this.labelName]: labelValue }, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels: { [this.labelName]: labelValue }, value: series.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
