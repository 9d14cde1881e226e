// `streamd reset`: deletes this app version's local state (`<datadir>/<id>/v<version>`), and with
// `--topics` its internal topics on the broker (internal-topics.ts says which). Lists what it will
// delete, then asks on a terminal; `--yes` skips the question, and without a terminal it must be given.

import { rm, stat } from 'node:fs/promises';
import { connectionOptions, createDriver, type Admin, type KafkaDriver } from '../kafka/index.js';
import type { Manifest } from '../manifest/index.js';
import { directoryBytes } from '../stores/index.js';
import { appPrefix, stateDir } from '../worker/index.js';
import { CliError, CliUsageError, EXIT_FAILURE, EXIT_OK, type CliIo, type TextOutput } from './cli-io.js';
import { loadForCommand, type InspectFlags } from './inspect-commands.js';
import { classifyInternalTopics, type InternalTopic, type LeftAloneTopic } from './internal-topics.js';
import { displayPath } from './report-error.js';
import { storeInUseUnder } from './state-in-use.js';

/** Flags of `streamd reset`. */
export interface ResetFlags extends InspectFlags {
  /** Delete without asking. */
  readonly yes?: boolean;
  /** Also delete the app's internal topics on the broker. */
  readonly topics?: boolean;
}

/** What `reset --json` prints: what was deleted (or, when nothing was there, what was looked at). */
export interface ResetResult {
  readonly app: string;
  readonly version: number;
  readonly stateDir: { readonly path: string; readonly bytes: number; readonly deleted: boolean };
  /** Null without `--topics`. */
  readonly topics: {
    readonly broker: string;
    readonly deleted: readonly InternalTopic[];
    readonly leftAlone: readonly LeftAloneTopic[];
  } | null;
}

interface Plan {
  readonly state: { readonly path: string; readonly exists: boolean; readonly bytes: number };
  readonly topics: { readonly broker: string; readonly internal: InternalTopic[]; readonly leftAlone: LeftAloneTopic[] } | undefined;
}

const KIND_TEXT: Record<InternalTopic['kind'], (owner: string | undefined) => string> = {
  changelog: (owner) => `changelog of table ${owner ?? '?'}`,
  repartition: (owner) => `repartition topic of agent ${owner ?? '?'}`,
  dlq: (owner) => `dead letters of agent ${owner ?? '?'}`,
  reply: () => 'replies to one worker',
  leader: () => 'leader election',
};

/** Refuses while any store under `dir` is locked: deleting a running worker's state corrupts it. */
async function assertNotInUse(dir: string, manifest: Manifest): Promise<void> {
  const inUse = await storeInUseUnder(dir);
  if (inUse === undefined) return;
  throw new CliError(
    'STREAMD_STATE_IN_USE',
    `${inUse.store} is in use by ${inUse.holder}: stop every worker of ${manifest.id} (version ${manifest.version}) on this machine, then run streamd reset again; nothing was deleted`,
    EXIT_FAILURE,
  );
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Runs a broker call; a failure that is not already a CliError becomes one that names the broker and what became of the data (exit 1). */
async function onBroker<T>(manifest: Manifest, what: string, outcome: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError('STREAMD_KAFKA', `cannot ${what} on ${manifest.broker}: ${error instanceof Error ? error.message : String(error)}; ${outcome}`, EXIT_FAILURE, { cause: error });
  }
}

function formatPlan(plan: Plan, manifest: Manifest, cwd: string): string {
  const lines = [`streamd reset of ${manifest.id}, version ${manifest.version}:`];
  const path = displayPath(plan.state.path, cwd);
  lines.push(plan.state.exists
    ? `  local state   ${path} (${plan.state.bytes} bytes) will be deleted`
    : `  local state   ${path} does not exist: nothing to delete`);
  if (plan.topics !== undefined) {
    const { broker, internal, leftAlone } = plan.topics;
    if (internal.length === 0) {
      lines.push(`  topics        ${broker} has no internal topics of ${appPrefix(manifest)}`);
      if (/^memory:/i.test(broker)) lines.push('                (memory:// topics live inside a running daemon and end with it: none can be deleted from here)');
    } else {
      lines.push(`  topics        these ${internal.length} on ${broker} will be deleted:`);
      const width = Math.max(...internal.map(({ topic }) => topic.length));
      for (const { topic, kind, owner } of internal) lines.push(`                  ${topic.padEnd(width)}  ${KIND_TEXT[kind](owner)}`);
    }
    if (leftAlone.length > 0) {
      lines.push('  left alone    named like internal topics, but not this manifest\'s (delete them by hand if they are):');
      for (const { topic, reason } of leftAlone) lines.push(`                  ${topic}: ${reason}`);
    }
  }
  return lines.join('\n');
}

/** A line from `stdin`, without its newline; '' at end of input. */
async function readLine(stdin: CliIo['stdin']): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

/** Goes ahead with `--yes`; asks on a terminal; refuses otherwise (exit 2). A "no" is exit 1. */
async function confirm(flags: ResetFlags, io: CliIo, prompt: TextOutput): Promise<void> {
  if (flags.yes === true) return;
  if (io.stdin.isTTY !== true) {
    throw new CliUsageError('refusing to delete without asking, and stdin is not a terminal to ask on: run it again with --yes to delete without asking; nothing was deleted');
  }
  prompt.write('Delete all of this? [y/N] ');
  const answer = (await readLine(io.stdin)).trim().toLowerCase();
  if (answer !== 'y' && answer !== 'yes') throw new CliError('STREAMD_RESET_CANCELLED', 'reset cancelled: nothing was deleted', EXIT_FAILURE);
}

function formatResult(result: ResetResult): string {
  // In the order of deletion: topics first.
  const lines = (result.topics?.deleted ?? []).map(({ topic }) => `deleted topic ${topic}`);
  if (result.stateDir.deleted) lines.push(`deleted ${result.stateDir.path} (${result.stateDir.bytes} bytes)`);
  return lines.join('\n');
}

/** What there is to delete. Refuses at once when a worker holds a store: the listing would be moot. */
async function planReset(manifest: Manifest, flags: ResetFlags, admin: () => Promise<Admin>): Promise<Plan> {
  const path = stateDir(manifest);
  await assertNotInUse(path, manifest);
  const state = { path, exists: await isDirectory(path), bytes: await directoryBytes(path) };
  if (flags.topics !== true) return { state, topics: undefined };
  const topics = await onBroker(manifest, 'list topics', 'nothing was deleted', async () => (await admin()).listTopics());
  return { state, topics: { broker: manifest.broker, ...classifyInternalTopics(manifest, topics) } };
}

/** `streamd reset`: lists, confirms, deletes the topics first (so a broker failure leaves the state), then the state. */
export async function runReset(flags: ResetFlags, io: CliIo): Promise<number> {
  const manifest = await loadForCommand(flags, io);
  let driver: KafkaDriver | undefined;
  const admin = (): Promise<Admin> =>
    (driver ??= createDriver(manifest.broker, { clientId: `${manifest.settings.brokerClientId}-reset`, requestTimeoutMs: manifest.settings.brokerRequestTimeoutMs, ...connectionOptions(manifest.settings) })).admin();
  try {
    const plan = await planReset(manifest, flags, admin);
    const toDelete = plan.topics?.internal ?? [];
    const hasWork = plan.state.exists || toDelete.length > 0;
    // With --json, stdout carries the result only; the listing and the question go to stderr.
    const listing = flags.json === true ? io.stderr : io.stdout;
    if (flags.json !== true || (hasWork && flags.yes !== true)) listing.write(`${formatPlan(plan, manifest, io.cwd)}\n`);
    if (hasWork) {
      await confirm(flags, io, listing);
      // Again: a worker may have started while the question was open.
      await assertNotInUse(plan.state.path, manifest);
      if (toDelete.length > 0) {
        await onBroker(manifest, 'delete topics', 'some of the topics may be gone; the local state was not touched: run streamd reset again', async () =>
          (await admin()).deleteTopics(toDelete.map(({ topic }) => topic)));
      }
      if (plan.state.exists) await rm(plan.state.path, { recursive: true, force: true });
    }
    const result: ResetResult = {
      app: manifest.id,
      version: manifest.version,
      stateDir: { path: displayPath(plan.state.path, io.cwd), bytes: plan.state.bytes, deleted: plan.state.exists },
      topics: plan.topics === undefined ? null : { broker: plan.topics.broker, deleted: toDelete, leftAlone: plan.topics.leftAlone },
    };
    if (flags.json === true) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else if (hasWork) io.stdout.write(`${formatResult(result)}\n`);
    return EXIT_OK;
  } finally {
    await driver?.close();
  }
}
