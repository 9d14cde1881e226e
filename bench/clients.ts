// The `drivers` workload's client rows: raw kafkajs 2.2.4 beside raw @platformatic/kafka 2.x on the
// same broker and input, each run in a process of its own on Node 24 (platformatic 2.x needs Node
// >= 22.22; Node 20 cannot load it), kafkajs also on this process's Node for reference. Runs per
// client: consume a preloaded topic with JSON.parse per record, produce keyed batches (acks=all,
// idempotent, as streamd's producer), and consume → re-key → produce (the repartition hop); for
// platformatic also both over its low-level fetch (the loop a driver of ours would need). Each row
// has records/s and CPU µs per record (the child's own user + system time, over the rate's window).
// @platformatic/kafka is installed into .cache/tools on first use (deploy-tools.ts), not into
// package.json: only this bench loads it, on Node 24, and npm ci on Node 20 stays as it is.
//
// Decision (issue 13, part 3). CPU µs per record, the steadier figure (records/s swung 2× between
// runs on the shared 2-core machine); three runs of 300,000 records, the last at load 9:
// (the second column was measured with the linear grouping alone; the row now runs kafkajs with all
// of streamd's wire patches, wire-patches.ts: also the one-buffer Produce encoding and record decoder)
//                         kafkajs/Node 24   + linear grouping   platformatic stream   platformatic fetch   kafkajs/Node 20
//   hop                   13.0–15.3         8.8                 11.1–13.7             8.6–10.6 (no group)  18.5–21.9
//   produce               9.4–11.4          5.5                 5.8–6.9               –                    12.8–14.3
//   consume + JSON.parse  2.0–2.2           –                   2.6–2.9               1.6–1.7              2.3–2.7
// The client is a large part of B4 (which does the hop, a second consume and changelog sends at
// ~42 µs per record on Node 20), and its dear part was kafkajs's producer: a quadratic grouping of
// each send by partition (src/kafka/drivers/kafkajs/group-per-partition.ts now replaces it, among the
// other wire patches). With
// that, kafkajs's hop costs what platformatic's best case does (its own fetch loop with no group
// and no commits), and platformatic through its own API costs more. So no platformatic driver:
// there is no ≥1.5× left to win, and it would have to replace the parts streamd needs most. By the
// library's 2.12.1 source and d.ts: it rejoins straight from the heartbeat with no hook to hold the
// join (join-hold.ts); its assignment userData is one static option (not per member, not computed
// by the assignor, and a lone member skips the assignor); its message stream has no per-partition
// pause or seek, so a driver needs its own fetch loop with its own aborted-transaction filter (the
// library's keeps the records of an abort whose marker is not in the same response); describeGroups
// drops assignment userData. Transactions with KIP-447 (addConsumer/addOffset), static membership,
// read_committed, commits of chosen offsets and every admin call streamd makes do map. Node 24
// itself makes kafkajs's hop ~1.4× cheaper than Node 20: the image runs Node 24 already.

import { spawn } from 'node:child_process';
import { repoPath } from '../test/kafka/repo-root.js';
import { node24, platformaticKafka, PLATFORMATIC_KAFKA_VERSION } from '../test/helpers/deploy-tools.js';
import type { Admin } from '../src/kafka/index.js';
import type { ClientFigures } from './clients/meter.js';
import type { ClientName, RunMode, RunSpec } from './clients/run-spec.js';
import type { Row } from './report-row.js';
import { preloadPageViews } from './stateless.js';

export interface ClientBenchInput {
  readonly classpath: string;
  readonly bootstrap: string;
  readonly admin: Admin;
  readonly run: string;
  readonly records: number;
  readonly partitions: number;
  readonly say: (line: string) => void;
}

interface Runner {
  readonly label: string;
  readonly client: ClientName;
  readonly node: string;
  readonly wirePatches?: boolean;
}

/** Runs one child to its end; its stdout's last line is its figures. */
async function runChild(node: string, spec: RunSpec): Promise<ClientFigures> {
  const child = spawn(node, [repoPath('dist', 'bench', 'clients', 'child.js'), JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const last = out.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || last === '') throw new Error(`${spec.client} ${spec.mode} on ${node} exited with ${code}:\n${err.slice(-3000)}`);
  return JSON.parse(last) as ClientFigures;
}

const MODES: readonly { mode: RunMode; workload: string; what: string }[] = [
  { mode: 'consume', workload: 'consume', what: 'consume + JSON.parse' },
  { mode: 'fetch', workload: 'consume', what: 'low-level fetch + JSON.parse' },
  { mode: 'produce', workload: 'produce', what: 'produce keyed, acks=all, idempotent' },
  { mode: 'loop', workload: 'hop', what: 'consume → re-key → produce' },
  { mode: 'fetchloop', workload: 'hop', what: 'low-level fetch → re-key → produce, no group' },
];

export async function clientRows(input: ClientBenchInput): Promise<{ rows: Row[]; notes: string[] }> {
  const { bootstrap, admin, run, records, partitions, say } = input;
  const [node, platformaticDir] = await Promise.all([node24(), platformaticKafka()]);
  const runners: Runner[] = [
    { label: 'kafkajs 2.2.4 on Node 24', client: 'kafkajs', node },
    { label: "kafkajs 2.2.4 + streamd's wire patches on Node 24", client: 'kafkajs', node, wirePatches: true },
    { label: `@platformatic/kafka ${PLATFORMATIC_KAFKA_VERSION} on Node 24`, client: 'platformatic', node },
    { label: `kafkajs 2.2.4 on Node ${process.versions.node.split('.')[0]}`, client: 'kafkajs', node: process.execPath },
  ];
  const topic = `bench-clients-${run}`;
  await admin.createTopics([{ topic, partitions }]);
  say(`clients: preloading ${records} JSON page views of about 100 B into ${partitions} partitions of ${topic}`);
  await preloadPageViews(input.classpath, bootstrap, topic, records);
  const rows: Row[] = [];
  const cpuRatios: string[] = [];
  /** kafkajs on Node 24's figures per workload: every other row of the workload is divided by them. */
  const baselines = new Map<string, ClientFigures>();
  let n = 0;
  for (const { mode, workload, what } of MODES) {
    for (const runner of runners) {
      if ((mode === 'fetch' || mode === 'fetchloop') && runner.client !== 'platformatic') continue;
      const output = `${topic}-out-${++n}`;
      await admin.createTopics([{ topic: output, partitions }]);
      say(`clients: ${runner.label}: ${what}`);
      const spec: RunSpec = { client: runner.client, mode, bootstrap, input: topic, output, group: `${topic}-${n}`, records, timeoutMs: 600_000, platformaticDir, wirePatches: runner.wirePatches === true };
      const figures = await runChild(runner.node, spec);
      await admin.deleteTopics([output]);
      const subject = `${runner.label}: ${what}, ${figures.cpuMicrosPerRecord.toFixed(1)} µs CPU/rec`;
      const baseline = baselines.get(workload);
      if (baseline === undefined) {
        baselines.set(workload, figures);
        rows.push({ workload, subject, recordsPerSec: figures.recordsPerSec });
        continue;
      }
      rows.push({ workload, subject, recordsPerSec: figures.recordsPerSec, ratios: [{ baseline: 'kafkajs on Node 24', value: figures.recordsPerSec / baseline.recordsPerSec }] });
      cpuRatios.push(`${mode} ${runner.label} ${(figures.cpuMicrosPerRecord / baseline.cpuMicrosPerRecord).toFixed(2)}×`);
    }
  }
  await admin.deleteTopics([topic]);
  return { rows, notes: [`clients, CPU µs per record divided by kafkajs on Node 24's in the same run: ${cpuRatios.join('; ')}.`] };
}
