// TallyHistogram through a worker's registry: cumulative buckets, +Inf, sum and count per label value,
// in the same text prom-client writes for its own histograms.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { TallyHistogram } from '../../../src/metrics/tally-histogram.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];

describe('TallyHistogram', () => {
  it('exposes exactly what a prom-client Histogram fed the same observations exposes', async () => {
    const ours = new Registry();
    const tally = new TallyHistogram('x_latency_seconds', 'How long.', 'agent', BUCKETS);
    ours.registerMetric(tally as unknown as Parameters<Registry['registerMetric']>[0]);
    const theirs = new Registry();
    const reference = new Histogram({ name: 'x_latency_seconds', help: 'How long.', labelNames: ['agent'], buckets: BUCKETS, registers: [theirs] });

    const observations: [string, number][] = [['a', 0.0005], ['a', 0.001], ['b', 0.05], ['a', 0.5], ['a', 7], ['b', 0]];
    const series = new Map([['a', tally.series('a')], ['b', tally.series('b')]]);
    for (const [agent, value] of observations) {
      series.get(agent)!.observe(value);
      reference.observe({ agent }, value);
    }
    assert.equal(await ours.metrics(), await theirs.metrics());
    assert.match(await ours.metrics(), /^x_latency_seconds_bucket\{le="0.001",agent="a"\} 2$/m, 'a bound is inclusive');
  });

  it('exposes no samples before the first series is used', async () => {
    const registry = new Registry();
    registry.registerMetric(new TallyHistogram('y_seconds', 'Y.', 'agent', BUCKETS) as unknown as Parameters<Registry['registerMetric']>[0]);
    assert.equal(await registry.metrics(), '# HELP y_seconds Y.\n# TYPE y_seconds histogram\n');
  });
});
