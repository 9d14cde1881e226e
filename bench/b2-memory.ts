// B2's memory with many keys: the stateful count (bench/apps/stateful) over an input of `--keys`
// distinct keys, run as `streamd start` processes (streamd-process.ts), each reporting its peak RSS
// and CPU from /proc. Starts its own broker like `npm run bench`. Usage:
//   node dist/bench/b2-memory.js [--records 1000000] [--keys 1000000] [--cli a/dist/cmd/streamd.js,b/...] [--repeat 1]
//     [--node-args='|--max-semi-space-size=16'] [--env='STREAMD_X=1|'] [--node=/path/to/node24|node]
// Several --cli builds run interleaved on the same input, for before/after figures from one run; each
// build runs once per `|`-separated set of node flags (space-separated within a set; an empty set is
// node's defaults) and per `|`-separated set of environment variables, so V8 flags and settings are
// compared in the same run; `--node` likewise runs each on several node binaries (default: the
// bench's, or BENCH_STREAMD_NODE).

import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { createDriver } from '../src/kafka/index.js';
import { ensureKafkaJars } from '../test/kafka/jars.js';
import { TestBroker } from '../test/kafka/broker.js';
import { repoPath } from '../test/kafka/repo-root.js';
import { STATEFUL_TOPIC, preloadKeyedPageViews } from './stateful.js';
import { storeCounts } from './count-truth.js';
import { streamdCounting, workerNode } from './streamd-process.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    keys: { type: 'string', default: '1000000' },
    cli: { type: 'string', default: repoPath('dist', 'cmd', 'streamd.js') },
    repeat: { type: 'string', default: '1' },
    'node-args': { type: 'string', default: '' },
    env: { type: 'string', default: '' },
    node: { type: 'string', default: '' },
  },
});
const records = Number(values.records);
const keys = Number(values.keys);
const partitions = 4;
const nodeArgSets = values['node-args'].split('|').map((set) => set.split(' ').filter((arg) => arg !== ''));
const envSets = values.env.split('|').map((set) => Object.fromEntries(set.split(' ').filter((pair) => pair !== '').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])));
const nodes = values.node === '' ? [workerNode()] : values.node.split('|');
const keyOf = (n: number): string => `user-${String(n % keys).padStart(7, '0')}`;

/** Record n is counted under keyOf(n): each key `floor(records / keys)` times, the first `records % keys` once more. */
function mismatchesOf(found: ReadonlyMap<string, number>): string[] {
  const mismatches: string[] = [];
  let sum = 0;
  for (const count of found.values()) sum += count;
  if (found.size !== Math.min(records, keys)) mismatches.push(`${found.size} keys in the table, expected ${Math.min(records, keys)}`);
  if (sum !== records) mismatches.push(`counts sum to ${sum}, expected ${records}`);
  for (const k of [0, Math.floor(keys / 2), keys - 1]) {
    const expected = Math.floor(records / keys) + (k < records % keys ? 1 : 0);
    if (expected > 0 && found.get(keyOf(k)) !== expected) mismatches.push(`${keyOf(k)}: ${found.get(keyOf(k)) ?? 'missing'}, expected ${expected}`);
  }
  return mismatches;
}

async function main(): Promise<void> {
  const say = (line: string): void => void process.stderr.write(`${line}\n`);
  const { classpath } = await ensureKafkaJars({ log: say });
  const broker = await TestBroker.start({ classpath, jvmFast: false, heapMb: 1024, log: say });
  const driver = createDriver(`kafka://${broker.bootstrap}`);
  const admin = await driver.admin();
  try {
    await admin.createTopics([{ topic: STATEFUL_TOPIC, partitions }]);
    say(`B2 memory: preloading ${records.toLocaleString('en-US')} page views over ${keys.toLocaleString('en-US')} keys`);
    await preloadKeyedPageViews(driver, STATEFUL_TOPIC, records, keyOf);
    const run = randomUUID().slice(0, 8);
    for (let round = 0; round < Number(values.repeat); round++) {
      const variants = values.cli.split(',').flatMap((cli) => nodes.flatMap((node) => nodeArgSets.flatMap((nodeArgs) => envSets.map((env) => ({ cli, node, nodeArgs, env })))));
      for (const [index, { cli, node, nodeArgs, env }] of variants.entries()) {
        const result = await streamdCounting({
          bootstrap: broker.bootstrap, admin, manifest: repoPath('bench', 'apps', 'stateful', 'app.yaml'), appId: `bench-b2-memory-${run}-${round}-${index}`,
          source: STATEFUL_TOPIC, internal: [], records, partitions, cli, node, nodeArgs, env,
          verify: async (manifest) => mismatchesOf(await storeCounts(manifest, 'counts', partitions)),
        });
        const label = [cli, ...(nodes.length > 1 ? [node] : []), ...nodeArgs, ...Object.entries(env).map(([name, value]) => `${name}=${value}`)].join(' ');
        say(`${label}: peak RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB, ${result.cpuMicrosPerRecord.toFixed(1)} µs CPU/record, ` +
          `${Math.round(result.steadyRecordsPerSec).toLocaleString('en-US')} records/s steady, table ${result.mismatches.length === 0 ? 'exact' : `WRONG: ${result.mismatches.join('; ')}`}`);
        if (result.mismatches.length > 0) process.exitCode = 1;
      }
    }
  } finally {
    await admin.close();
    await driver.close();
    await broker.stop();
  }
}

await main();
