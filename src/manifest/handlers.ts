// Handler references (`./handlers/page-views.ts#countPageViews`): parsed, resolved against the
// manifest's directory, and checked to exist at load time. Compiling them is the handlers area's job.

import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import type { Locator } from './locator.js';
import type { ManifestPath } from './path.js';
import { didYouMean } from '../errors/index.js';
import type { ManifestProblem } from './types.js';

export const HANDLER_EXPECTED = 'relative/path.ts#exportName (#default for the default export)';
const EXTENSIONS = /\.(ts|mts|js|mjs)$/;
const EXPORT_NAME = /^[A-Za-z_$][\w$]*$/;

export type ParsedHandler =
  | { readonly ok: true; readonly modulePath: string; readonly exportName: string }
  | { readonly ok: false; readonly message: string };

/** Splits `path#export` and checks each part's shape. */
export function parseHandlerText(text: string): ParsedHandler {
  const hash = text.lastIndexOf('#');
  if (hash === -1) return { ok: false, message: `"${text}" names no export` };
  const modulePath = text.slice(0, hash).trim();
  const exportName = text.slice(hash + 1).trim();
  if (modulePath === '') return { ok: false, message: `"${text}" names no module` };
  if (!EXPORT_NAME.test(exportName)) return { ok: false, message: `"${exportName}" is not an export name` };
  if (!EXTENSIONS.test(modulePath)) return { ok: false, message: `"${modulePath}" is not a .ts, .mts, .js or .mjs file` };
  return { ok: true, modulePath, exportName };
}

/** The absolute file of a handler's module path. */
export function resolveHandlerFile(baseDir: string, modulePath: string): string {
  return isAbsolute(modulePath) ? modulePath : resolve(baseDir, modulePath);
}

/** A handler file to check, and where the manifest names it. */
export interface HandlerFileCheck {
  readonly file: string;
  /** The module path as written. */
  readonly modulePath: string;
  readonly path: ManifestPath;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

async function siblingHint(file: string): Promise<string | undefined> {
  try {
    const names = await readdir(dirname(file));
    return didYouMean(basename(file), names);
  } catch {
    return undefined;
  }
}

/** A problem for each handler file that does not exist (each file is checked once). */
export async function missingHandlerFiles(checks: readonly HandlerFileCheck[], locator: Locator): Promise<ManifestProblem[]> {
  const exists = new Map<string, Promise<boolean>>();
  for (const { file } of checks) if (!exists.has(file)) exists.set(file, isFile(file));
  const problems: ManifestProblem[] = [];
  for (const check of checks) {
    if (await exists.get(check.file)) continue;
    const hint = (await siblingHint(check.file)) ?? `looked for ${check.file}`;
    problems.push(locator.problem(check.path, `handler module "${check.modulePath}" does not exist`, { hint }));
  }
  return problems;
}
