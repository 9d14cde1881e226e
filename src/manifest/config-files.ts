// Reads streamd's own configuration files at run time: `config/manifest.schema.json` and
// `config/defaults.yaml`, found from the package root (the nearest ancestor with a package.json).

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors/index.js';
import { YamlSource } from './yaml-source.js';

/** The defaults file, parsed: plain values plus the source for positions. */
export interface Defaults {
  /** Top-level manifest defaults (version, broker, store, datadir, processingGuarantee, web, settings). */
  readonly manifest: Readonly<Record<string, unknown>>;
  /** Per-declaration defaults: `topic`, `table`, `agent`, `timer`, `crontab`, `task`, `view`. */
  readonly declarations: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly source: YamlSource;
}

export interface ConfigFiles {
  readonly schema: Readonly<Record<string, unknown>>;
  readonly defaults: Defaults;
}

/** The directory holding streamd's package.json (the repository root, or the installed package). */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new ConfigError(`streamd cannot find its package.json above ${from}`);
    dir = parent;
  }
}

/** Reads and parses both files; a broken file is a streamd bug, reported as a ConfigError. */
export async function readConfigFiles(root: string = packageRoot()): Promise<ConfigFiles> {
  const schemaFile = join(root, 'config', 'manifest.schema.json');
  const defaultsFile = join(root, 'config', 'defaults.yaml');
  const [schemaText, defaultsText] = await Promise.all([readFile(schemaFile, 'utf8'), readFile(defaultsFile, 'utf8')]);
  const schema = JSON.parse(schemaText) as Record<string, unknown>;
  const { source, problems } = YamlSource.parse(defaultsFile, defaultsText);
  if (problems.length > 0) throw new ConfigError(`${defaultsFile} does not parse: ${problems.map((p) => p.message).join('; ')}`);
  const parsed = source.doc.toJS() as Record<string, unknown>;
  const { declarations = {}, ...manifest } = parsed;
  return { schema, defaults: { manifest, declarations: declarations as Defaults['declarations'], source } };
}
