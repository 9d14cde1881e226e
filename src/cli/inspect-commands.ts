// `streamd check`, `agents`, `models` and `model <name>`: read the manifest (no broker) and print its
// topology as Faust-style tables, or as JSON with `--json`. `check` also bundles the handlers.

import { loadManifest, ManifestError, type Manifest, type ManifestProblem } from '../manifest/index.js';
import { handlerProblems } from './check-handlers.js';
import { CliUsageError, EXIT_OK, type CliIo } from './cli-io.js';
import { settingOverrides, type SettingFlags } from './flags.js';
import { summarizeAgent, summarizeManifest, type AgentSummary, type ManifestSummary } from './manifest-summary.js';
import { modelFields } from './model-fields.js';
import { formatTable } from './table.js';

/** Flags of the inspecting commands. */
export interface InspectFlags extends SettingFlags {
  readonly manifest: string;
  readonly json?: boolean;
}

/** Loads the manifest with the flags as overrides and the injected environment. */
export function loadForCommand(flags: InspectFlags, io: CliIo): Promise<Manifest> {
  return loadManifest(flags.manifest, { env: io.env, overrides: settingOverrides(flags), cwd: io.cwd });
}

function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const yesNo = (flag: boolean): string => (flag ? 'yes' : 'no');
const orDash = (value: string | number | null | undefined): string => (value === null || value === undefined || value === '' ? '-' : String(value));

/** The agents table (`streamd agents`, and a section of `check`). */
export function agentsTable(agents: readonly AgentSummary[]): string {
  return formatTable({
    title: 'Agents',
    columns: ['name', 'topics', { header: 'concurrency', align: 'right' }, 'sinks', 'handler'],
    rows: agents.map((agent) => [`@${agent.name}`, agent.topics.join(', '), String(agent.concurrency), orDash(agent.sinks.join(', ')), agent.handler]),
  });
}

/** The guarantee in force, in words: what exactly_once covers and what it does not. */
function guaranteeLine(guarantee: string): string {
  if (guarantee !== 'exactly_once') return `${guarantee} (a crash may send and count an event again)`;
  return 'exactly_once (one Kafka transaction per task, an input partition or co-partitioned ones, and commit; timers, crontabs, start-up tasks, views, ask requests and global tables send at-least-once)';
}

/** The human output of `streamd check`: a header, then a table per non-empty section. */
export function formatCheck(summary: ManifestSummary): string {
  const header = [
    `manifest   ${summary.manifest}: valid`,
    `app        ${summary.id}, version ${summary.version}`,
    `broker     ${summary.broker}`,
    `store      ${summary.store}`,
    `datadir    ${summary.datadir}`,
    `web        ${summary.web.host}:${summary.web.port}`,
    `guarantee  ${guaranteeLine(summary.processingGuarantee)}`,
    `models     ${orDash(summary.models.join(', '))}`,
    ...(summary.codecs.length === 0 ? [] : [`codecs     ${summary.codecs.join(', ')}`]),
  ].join('\n');
  const sections = [
    formatTable({
      title: 'Topics',
      columns: ['name', 'key', 'value', { header: 'partitions', align: 'right' }, 'serializers'],
      rows: summary.topics.map((t) => [t.name + (t.internal ? '' : ' (external)'), t.keyType, t.valueType, orDash(t.partitions), `${t.keySerializer}/${t.valueSerializer}`]),
    }),
    agentsTable(summary.agents),
  ];
  if (summary.tables.length > 0) {
    sections.push(formatTable({
      title: 'Tables',
      columns: ['name', 'kind', 'key', 'value', 'default', 'window'],
      rows: summary.tables.map((t) => [t.name, (t.global ? 'global ' : '') + t.kind, t.keyType, t.valueType, orDash(t.default === null ? null : JSON.stringify(t.default)), orDash(t.window)]),
    }));
  }
  if (summary.timers.length > 0) {
    sections.push(formatTable({
      title: 'Timers',
      columns: ['name', { header: 'interval', align: 'right' }, 'on leader', 'handler'],
      rows: summary.timers.map((t) => [t.name, t.interval, yesNo(t.onLeader), t.handler]),
    }));
  }
  if (summary.crontabs.length > 0) {
    sections.push(formatTable({
      title: 'Crontabs',
      columns: ['name', 'cron', 'timezone', 'on leader', 'handler'],
      rows: summary.crontabs.map((c) => [c.name, c.cron, c.timezone, yesNo(c.onLeader), c.handler]),
    }));
  }
  if (summary.tasks.length > 0) {
    sections.push(formatTable({ title: 'Tasks', columns: ['name', 'on leader', 'handler'], rows: summary.tasks.map((t) => [t.name, yesNo(t.onLeader), t.handler]) }));
  }
  if (summary.views.length > 0) {
    sections.push(formatTable({ title: 'Views', columns: ['method', 'path', 'handler'], rows: summary.views.map((v) => [v.method, v.path, v.handler]) }));
  }
  return [header, ...sections].join('\n\n');
}

/**
 * `streamd check`: exit 0 and the topology when the manifest and its handlers are valid; otherwise a
 * ManifestError with every problem found in one run (schema, names, handler modules and exports)
 * propagates (exit 2).
 */
export async function runCheck(flags: InspectFlags, io: CliIo): Promise<number> {
  let manifest: Manifest;
  let problems: ManifestProblem[] = [];
  let failure: unknown;
  try {
    manifest = await loadForCommand(flags, io);
  } catch (error) {
    if (!(error instanceof ManifestError) || error.partial === undefined) return refuse(flags, io, error);
    manifest = error.partial;
    problems = [...error.problems];
    failure = error;
  }
  const fromHandlers = await handlerProblems(manifest);
  if (fromHandlers.length > 0) return refuse(flags, io, new ManifestError([...problems, ...fromHandlers]));
  if (failure !== undefined) return refuse(flags, io, failure);
  const summary = summarizeManifest(manifest, io.cwd);
  if (flags.json === true) printJson(io, { valid: true, ...summary });
  else io.stdout.write(`${formatCheck(summary)}\n`);
  return EXIT_OK;
}

/** Prints the problems as JSON when asked, and throws the error (exit 2). */
function refuse(flags: InspectFlags, io: CliIo, error: unknown): never {
  const problems = (error as { problems?: unknown }).problems;
  if (flags.json === true && Array.isArray(problems)) {
    printJson(io, { valid: false, code: (error as { code?: unknown }).code, problems });
  }
  throw error;
}

/** `streamd agents`. */
export async function runAgents(flags: InspectFlags, io: CliIo): Promise<number> {
  const agents = [...(await loadForCommand(flags, io)).agents.values()].map(summarizeAgent);
  if (flags.json === true) printJson(io, agents);
  else io.stdout.write(`${agentsTable(agents)}\n`);
  return EXIT_OK;
}

/** `streamd models`: name, field count, required fields and description of each model. */
export async function runModels(flags: InspectFlags, io: CliIo): Promise<number> {
  const models = [...(await loadForCommand(flags, io)).models.values()].map((model) => {
    const fields = modelFields(model.schema);
    const description = model.schema['description'] ?? model.schema['title'];
    return {
      name: model.name,
      fields: fields.map((field) => field.name),
      required: fields.filter((field) => field.required).map((field) => field.name),
      description: typeof description === 'string' ? description : null,
    };
  });
  if (flags.json === true) {
    printJson(io, models);
    return EXIT_OK;
  }
  io.stdout.write(`${formatTable({
    title: 'Models',
    columns: ['name', { header: 'fields', align: 'right' }, 'required', 'description'],
    rows: models.map((m) => [m.name, String(m.fields.length), orDash(m.required.join(', ')), orDash(m.description)]),
  })}\n`);
  return EXIT_OK;
}

/** `streamd model <name>`: the fields table, or the JSON Schema with `--json`. */
export async function runModel(name: string, flags: InspectFlags, io: CliIo): Promise<number> {
  const manifest = await loadForCommand(flags, io);
  const model = manifest.models.get(name);
  if (model === undefined) {
    const known = [...manifest.models.keys()];
    throw new CliUsageError(`no model "${name}" in ${flags.manifest}; ${known.length === 0 ? 'it declares no models' : `models: ${known.join(', ')}`}`);
  }
  if (flags.json === true) {
    printJson(io, model.schema);
    return EXIT_OK;
  }
  const fields = modelFields(model.schema);
  if (fields.length === 0) {
    io.stdout.write(`${name} has no fields: its schema is ${JSON.stringify(model.schema)}\n`);
    return EXIT_OK;
  }
  io.stdout.write(`${formatTable({
    title: name,
    columns: ['name', 'type', 'required', 'default', 'description'],
    rows: fields.map((f) => [f.name, f.type, yesNo(f.required), orDash(f.default), orDash(f.description)]),
  })}\n`);
  return EXIT_OK;
}
