// `streamd tables`: each table the manifest declares (kind, types, default, changelog topic,
// partitions, standbys) and its local state: the partition stores on disk under
// `<datadir>/<id>/v<version>/tables`, their bytes and the changelog offset each holds. Reads the
// manifest and the disk only, never a broker; stores are opened read-only (stores/store-inspection.ts).

import { readdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { JsonValue, Manifest, TableDeclaration } from '../manifest/index.js';
import { inspectRocksdbStore, type StoreInspection } from '../stores/index.js';
import { appPrefix, changelogTopic, tableStorePath } from '../worker/index.js';
import { CliError, EXIT_FAILURE, EXIT_OK, type CliIo } from './cli-io.js';
import { loadForCommand, type InspectFlags } from './inspect-commands.js';
import { describeWindow } from './manifest-summary.js';
import { displayPath } from './report-error.js';
import { formatTable } from './table.js';

/** One partition store on disk, as `--json` prints it. */
export interface StoreReport {
  readonly partition: number;
  readonly path: string;
  readonly bytes: number;
  readonly status: StoreInspection['status'];
  /** The highest changelog offset the store applied (a decimal string: offsets are 64-bit); null when none or unknown. */
  readonly offset: string | null;
  /** For `in-use`: the process holding the store, when the system says. */
  readonly holderPid?: number;
  /** For `corrupted` and `unreadable`: what RocksDB said. */
  readonly reason?: string;
}

/** One table, as `--json` prints it. */
export interface TableReport {
  readonly name: string;
  readonly kind: TableDeclaration['kind'];
  readonly global: boolean;
  readonly keyType: string;
  readonly valueType: string;
  readonly default: JsonValue | null;
  readonly window: string | null;
  readonly changelog: string;
  /** Declared, or `source`: the partition count of the topic it is filled from. */
  readonly partitions: number | 'source';
  readonly standbyReplicas: number;
  /** By partition; empty when none is on disk or the store keeps no local state. */
  readonly stores: readonly StoreReport[];
}

/** Everything `streamd tables --json` prints. */
export interface TablesReport {
  readonly app: string;
  readonly version: number;
  readonly store: string;
  /** Where the partition stores live (shown relative to the working directory when inside it). */
  readonly tablesDir: string;
  /** False for `memory://` stores: they live in the worker's memory and are replayed at every start. */
  readonly hasLocalState: boolean;
  readonly tables: readonly TableReport[];
  /** Directories under `tablesDir` that belong to no declared table (a table since removed, say). */
  readonly undeclared: readonly string[];
}

const isMemoryStore = (url: string): boolean => /^memory:/i.test(url.trim());

/** The directory of every partition store of this app version, taken from the one naming of store paths. */
function tablesDirOf(manifest: Manifest): string {
  return dirname(tableStorePath(manifest, 'any', 0));
}

/** The subdirectories of `dir` by table name and partition (`<table>-<partition>`); the rest are undeclared. */
async function storeDirectories(dir: string, tables: ReadonlySet<string>): Promise<{ byTable: Map<string, number[]>; undeclared: string[] }> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { byTable: new Map(), undeclared: [] };
    throw new CliError('STREAMD_STORE_IO', `cannot list the table stores in ${dir}: ${(error as Error).message}`, EXIT_FAILURE, { cause: error });
  }
  const byTable = new Map<string, number[]>();
  const undeclared: string[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    // Greedy: `a-1-0` is partition 0 of table `a-1`. A partition is written without leading zeros.
    const match = /^(.+)-(0|[1-9]\d*)$/.exec(entry.name);
    if (match === null || !tables.has(match[1]!)) {
      undeclared.push(entry.name);
      continue;
    }
    const partitions = byTable.get(match[1]!) ?? [];
    partitions.push(Number(match[2]));
    byTable.set(match[1]!, partitions);
  }
  for (const partitions of byTable.values()) partitions.sort((a, b) => a - b);
  return { byTable, undeclared };
}

function storeReport(partition: number, inspection: StoreInspection, cwd: string): StoreReport {
  const base = { partition, path: displayPath(inspection.path, cwd), bytes: inspection.bytes, status: inspection.status };
  switch (inspection.status) {
    case 'ok':
      return { ...base, offset: inspection.offset === undefined ? null : inspection.offset.toString() };
    case 'in-use':
      return { ...base, offset: null, ...(inspection.holderPid === undefined ? {} : { holderPid: inspection.holderPid }) };
    case 'corrupted':
    case 'unreadable':
      return { ...base, offset: null, reason: inspection.reason };
    case 'empty':
      return { ...base, offset: null };
  }
}

/** The report: the manifest's tables, and (for rocksdb:// stores) what is on disk. */
export async function tablesReport(manifest: Manifest, cwd: string): Promise<TablesReport> {
  const prefix = appPrefix(manifest);
  const hasLocalState = !isMemoryStore(manifest.store);
  const dir = tablesDirOf(manifest);
  const declared = [...manifest.tables.values()];
  const onDisk = hasLocalState ? await storeDirectories(dir, new Set(declared.map((table) => table.name))) : { byTable: new Map<string, number[]>(), undeclared: [] };
  const tables: TableReport[] = [];
  for (const table of declared) {
    const stores: StoreReport[] = [];
    // One at a time: each open maps the store's files, and an app may have hundreds of partitions.
    for (const partition of onDisk.byTable.get(table.name) ?? []) {
      stores.push(storeReport(partition, await inspectRocksdbStore(tableStorePath(manifest, table.name, partition)), cwd));
    }
    tables.push({
      name: table.name,
      kind: table.kind,
      global: table.isGlobal,
      keyType: table.keyType.name,
      valueType: table.valueType.name,
      default: table.defaultValue ?? null,
      window: table.window === undefined ? null : describeWindow(table.window),
      changelog: changelogTopic(prefix, table.name),
      partitions: table.partitions ?? 'source',
      standbyReplicas: table.standbyReplicas,
      stores,
    });
  }
  return {
    app: manifest.id,
    version: manifest.version,
    store: manifest.store,
    tablesDir: displayPath(dir, cwd),
    hasLocalState,
    tables,
    undeclared: onDisk.undeclared,
  };
}

function statusText(store: StoreReport): string {
  if (store.status === 'in-use') return store.holderPid === undefined ? 'in use' : `in use (pid ${store.holderPid})`;
  return store.status;
}

/** The human output of `streamd tables`. */
export function formatTablesReport(report: TablesReport): string {
  const hasWindows = report.tables.some((table) => table.window !== null);
  const header = [
    `app        ${report.app}, version ${report.version}`,
    `store      ${report.store}`,
    report.hasLocalState
      ? `state      ${report.tablesDir}`
      : 'state      none: memory:// stores live in the worker\'s memory and are replayed from their changelogs at every start',
  ].join('\n');
  if (report.tables.length === 0) return `${header}\n\nThe manifest declares no tables.`;
  const sections = [header, formatTable({
    title: 'Tables',
    columns: [
      'name', 'kind', 'global', 'key', 'value', 'default', ...(hasWindows ? ['window'] : []), 'changelog',
      { header: 'partitions', align: 'right' }, { header: 'standbys', align: 'right' },
    ],
    rows: report.tables.map((table) => [
      table.name, table.kind, table.global ? 'yes' : 'no', table.keyType, table.valueType,
      table.default === null ? '-' : JSON.stringify(table.default), ...(hasWindows ? [table.window ?? '-'] : []), table.changelog,
      String(table.partitions), String(table.standbyReplicas),
    ]),
  })];
  if (!report.hasLocalState) return sections.join('\n\n');
  sections.push(formatTable({
    title: 'Local state',
    columns: ['table', { header: 'partition', align: 'right' }, { header: 'bytes', align: 'right' }, { header: 'changelog offset', align: 'right' }, 'status'],
    rows: report.tables.flatMap((table) => table.stores.length === 0
      ? [[table.name, '-', '-', '-', 'none on disk']]
      : table.stores.map((store) => [table.name, String(store.partition), String(store.bytes), store.offset ?? '-', statusText(store)])),
  }));
  const notes = report.tables.flatMap((table) => table.stores.flatMap((store) => {
    if (store.status === 'corrupted') return [`${store.path}: corrupted (${store.reason ?? 'unknown'}); a worker wipes it and restores it from ${table.changelog}`];
    if (store.status === 'unreadable') return [`${store.path}: unreadable (${store.reason ?? 'unknown'})`];
    return [];
  }));
  if (report.undeclared.length > 0) notes.push(`also in ${report.tablesDir}, declared by no table: ${report.undeclared.join(', ')}`);
  if (notes.length > 0) sections.push(notes.join('\n'));
  return sections.join('\n\n');
}

/** `streamd tables`: exit 0 with the report, whatever state the stores are in; a bad manifest exits 2. */
export async function runTables(flags: InspectFlags, io: CliIo): Promise<number> {
  const report = await tablesReport(await loadForCommand(flags, io), io.cwd);
  if (flags.json === true) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else io.stdout.write(`${formatTablesReport(report)}\n`);
  return EXIT_OK;
}
