// One client-bench run in a process of its own (Node 24 for @platformatic/kafka 2.x, which Node 20
// cannot load): reads its RunSpec from argv[2] as JSON, prints its ClientFigures as one JSON line.
// The client's module is loaded after the spec is read: with `wirePatches`, streamd's kafkajs wire
// patches (linear grouping, one-buffer Produce encoding, record decoder; src/kafka/drivers/kafkajs/
// wire-patches.ts) go into kafkajs first.

import type { ClientFigures } from './meter.js';
import type { RunMode, RunSpec } from './run-spec.js';

type Run = (spec: RunSpec) => Promise<ClientFigures>;

async function runFor(spec: RunSpec): Promise<Run | undefined> {
  if (spec.client === 'kafkajs') {
    if (spec.wirePatches === true) await import('../../src/kafka/drivers/kafkajs/wire-patches.js');
    const k = await import('./kafkajs-client.js');
    const runs: Partial<Record<RunMode, Run>> = { consume: k.kafkajsConsume, produce: k.kafkajsProduce, loop: k.kafkajsLoop };
    return runs[spec.mode];
  }
  const p = await import('./platformatic-client.js');
  const runs: Record<RunMode, Run> = { consume: p.platformaticConsume, fetch: p.platformaticFetchConsume, produce: p.platformaticProduce, loop: p.platformaticLoop, fetchloop: p.platformaticFetchLoop };
  return runs[spec.mode];
}

/** An error with its causes and, for an AggregateError, each error it aggregates. */
function describe(error: unknown, depth = 0): string {
  if (!(error instanceof Error) || depth > 4) return String(error);
  const inner = [...(error instanceof AggregateError ? (error.errors as unknown[]) : []), ...(error.cause === undefined ? [] : [error.cause])];
  return [error.stack ?? error.message, ...inner.map((e) => `  caused by ${describe(e, depth + 1)}`)].join('\n');
}

const spec = JSON.parse(process.argv[2] ?? '') as RunSpec;
try {
  const run = await runFor(spec);
  if (run === undefined) throw new Error(`no ${spec.mode} run for ${spec.client}`);
  process.stdout.write(`${JSON.stringify(await run(spec))}\n`);
} catch (error) {
  process.stderr.write(`client bench ${spec.client} ${spec.mode} failed: ${describe(error)}\n`);
  process.exitCode = 1;
}
