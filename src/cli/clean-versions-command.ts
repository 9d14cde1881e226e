// `streamd clean-versions` (Faust's `faust clean_versions`): deletes the local state of the app's
// older versions. Each version keeps its state in `<datadir>/<id>/v<version>` (naming.ts); bumping
// `version` in the manifest leaves the old directories behind. This removes those of versions below
// the manifest's, never the current one, and leaves anything else in `<datadir>/<id>` alone.

import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Manifest } from '../manifest/index.js';
import { directoryBytes } from '../stores/index.js';
import { stateDir } from '../worker/index.js';
import { EXIT_OK, type CliIo } from './cli-io.js';
import { loadForCommand, type InspectFlags } from './inspect-commands.js';
import { displayPath } from './report-error.js';
import { storeInUseUnder } from './state-in-use.js';

/** Flags of `streamd clean-versions`. */
export interface CleanVersionsFlags extends InspectFlags {
  /** List what would be removed, remove nothing. */
  readonly dryRun?: boolean;
}

/** One old version's state directory. */
export interface VersionDir {
  readonly version: number;
  readonly path: string;
  readonly bytes: number;
}

/** What `clean-versions --json` prints. */
export interface CleanVersionsResult {
  readonly app: string;
  /** The manifest's version: its directory is never removed. */
  readonly version: number;
  /** `<datadir>/<id>`, where every version's directory lives. */
  readonly appDir: string;
  readonly isDryRun: boolean;
  /** Removed (or, with --dry-run, to be removed), lowest version first. */
  readonly removed: readonly VersionDir[];
  /** Entries of the app directory that were not removed, and why. */
  readonly leftAlone: readonly { readonly path: string; readonly reason: string }[];
}

const VERSION_DIR = /^v([1-9][0-9]*)$/;

/** Sorts the app directory's entries into old versions to remove and everything else, with reasons. */
async function plan(manifest: Manifest, appDir: string): Promise<{ old: VersionDir[]; leftAlone: { path: string; reason: string }[] }> {
  let names: string[];
  try {
    names = (await readdir(appDir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { old: [], leftAlone: [] };
    throw error;
  }
  const old: VersionDir[] = [];
  const leftAlone: { path: string; reason: string }[] = [];
  for (const name of names.sort()) {
    const path = join(appDir, name);
    const version = Number(VERSION_DIR.exec(name)?.[1] ?? Number.NaN);
    if (Number.isNaN(version)) {
      leftAlone.push({ path, reason: 'not a version directory (v<number>)' });
    } else if (version === manifest.version) {
      leftAlone.push({ path, reason: 'the current version' });
    } else if (version > manifest.version) {
      leftAlone.push({ path, reason: `newer than the manifest's version ${manifest.version}: a roll-forward may need it; delete it by hand if not` });
    } else {
      const inUse = await storeInUseUnder(path);
      if (inUse === undefined) old.push({ version, path, bytes: await directoryBytes(path) });
      else leftAlone.push({ path, reason: `in use by ${inUse.holder} (${inUse.store}): a worker of version ${version} still runs on this machine` });
    }
  }
  old.sort((a, b) => a.version - b.version);
  return { old, leftAlone };
}

function formatResult(result: CleanVersionsResult): string {
  const verb = result.isDryRun ? 'would remove' : 'removed';
  const lines = [`streamd clean-versions of ${result.app}, current version ${result.version} (${result.appDir}):`];
  if (result.removed.length === 0) lines.push('  no older version has local state here: nothing to remove');
  for (const dir of result.removed) lines.push(`  ${verb} v${dir.version}  ${dir.path} (${dir.bytes} bytes)`);
  for (const { path, reason } of result.leftAlone) lines.push(`  left alone   ${path}: ${reason}`);
  if (result.isDryRun && result.removed.length > 0) lines.push('  (dry run: nothing was removed)');
  return lines.join('\n');
}

/** `streamd clean-versions`: removes the state directories of versions below the manifest's. */
export async function runCleanVersions(flags: CleanVersionsFlags, io: CliIo): Promise<number> {
  const manifest = await loadForCommand(flags, io);
  const appDir = join(stateDir(manifest), '..');
  const { old, leftAlone } = await plan(manifest, appDir);
  const isDryRun = flags.dryRun === true;
  if (!isDryRun) for (const dir of old) await rm(dir.path, { recursive: true, force: true });
  const shown = (path: string): string => displayPath(path, io.cwd);
  const result: CleanVersionsResult = {
    app: manifest.id,
    version: manifest.version,
    appDir: shown(appDir),
    isDryRun,
    removed: old.map((dir) => ({ ...dir, path: shown(dir.path) })),
    leftAlone: leftAlone.map((entry) => ({ ...entry, path: shown(entry.path) })),
  };
  io.stdout.write(flags.json === true ? `${JSON.stringify(result, null, 2)}\n` : `${formatResult(result)}\n`);
  return EXIT_OK;
}
