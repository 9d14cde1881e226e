// Every key of config/manifest.schema.json is read by code outside the manifest loader (src/manifest/),
// so a setting cannot be accepted, documented and then ignored. A key counts as read when the name
// the loader gives it in the normalised Manifest appears as a property read or destructured name in
// src/ outside src/manifest/ and outside the files that only print the manifest back.

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { readConfigFiles } from '../../../src/manifest/config-files.js';
import { repoRoot } from './fixtures.js';

type Schema = { properties?: Record<string, Schema>; $defs?: Record<string, Schema>; $ref?: string; items?: Schema; additionalProperties?: Schema | boolean };

/** Schema keys the loader renames in the normalised Manifest (src/manifest/normalise.ts). */
const NORMALISED_NAME: Readonly<Record<string, string>> = {
  topic: 'topics',
  compacted: 'isCompacted',
  internal: 'isInternal',
  nullValues: 'acceptsNullValues',
  global: 'isGlobal',
  default: 'defaultValue',
  onLeader: 'isLeaderOnly',
  interval: 'intervalMs',
  size: 'sizeMs',
  step: 'stepMs',
  expires: 'expiresMs',
  gap: 'gapMs',
  idleClose: 'idleCloseMs',
  isolatedPartitions: 'hasIsolatedPartitions',
};

/** Keys that need no reader, each with the reason. Nothing else may be listed here. */
const EXEMPT: Readonly<Record<string, string>> = {
  '$schema': 'for editors; the schema says streamd ignores it',
  'settings.timezone': 'the loader applies it as the default of each crontab timezone, which the scheduler reads',
};

/** Files that only describe the manifest back to the user: reading a key there does not make it do anything. */
const DESCRIBERS = new Set(['src/cli/manifest-summary.ts', 'src/cli/inspect-commands.ts']);

/** Every key of the schema, as a dotted path with `*` for a map entry and `[]` for an array item. */
function keysOf(schema: Schema, root: Schema, prefix: string, out: Map<string, string>, seen: Set<Schema>): void {
  const target = schema.$ref === undefined ? schema : (root.$defs?.[schema.$ref.replace('#/$defs/', '')] ?? schema);
  if (seen.has(target)) return;
  seen.add(target);
  for (const [key, property] of Object.entries(target.properties ?? {})) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    out.set(path, key);
    keysOf(property, root, path, out, new Set(seen));
  }
  if (typeof target.additionalProperties === 'object') keysOf(target.additionalProperties, root, `${prefix}.*`, out, new Set(seen));
  if (target.items !== undefined) keysOf(target.items, root, `${prefix}[]`, out, new Set(seen));
}

/** The code without its comments: a comment that names a setting does not read it. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');
}

async function sourcesOutsideManifest(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(join(root, 'src'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const path = relative(root, join(entry.parentPath, entry.name));
    if (path.startsWith('src/manifest/') || DESCRIBERS.has(path)) continue;
    out.set(path, withoutComments(await readFile(join(root, path), 'utf8')));
  }
  return out;
}

describe('manifest schema keys', async () => {
  const root = repoRoot();
  const schema = (await readConfigFiles(root)).schema as Schema;
  const keys = new Map<string, string>();
  keysOf(schema, schema, '', keys, new Set());
  const sources = await sourcesOutsideManifest(root);

  it('finds the keys of every section (the walk itself works)', () => {
    for (const path of ['settings.producerLingerMs', 'web.openPaths', 'topics.*.internal', 'agents.*.concurrency', 'views[].routeBy.param', 'tables.*.window.size']) {
      assert.ok(keys.has(path), `${path} not found among ${keys.size} keys`);
    }
  });

  it('has a reader outside src/manifest/ for every key, or a stated exemption', () => {
    const unread: string[] = [];
    for (const [path, key] of keys) {
      if (path in EXEMPT) continue;
      const name = (NORMALISED_NAME[key] ?? key).replace(/\$/g, '\\$');
      // A setting must be read off the manifest's settings or web object itself: an option of the
      // same name further down (StreamSource's commitLivelockSoftTimeoutMs) proves nothing unless
      // something hands it the setting.
      const section = /^(settings|web)\./.exec(path)?.[1];
      const read =
        section === undefined
          ? new RegExp(`(\\.|\\{\\s*|,\\s*)${name}\\b(?!\\s*:)`)
          : new RegExp(`\\b${section}\\.${name}\\b|\\{[^}]*\\b${name}\\b[^}]*\\}\\s*=\\s*[\\w.#]*\\b${section}\\b`);
      if (![...sources.values()].some((text) => read.test(text))) unread.push(`${path} (read as ${name})`);
    }
    assert.deepEqual(unread, [], `schema keys that nothing outside src/manifest/ reads: accepted and ignored. Wire each one, or refuse it in semantic.ts:\n${unread.join('\n')}`);
  });

  it('lists no exemption for a key the schema no longer has', () => {
    for (const path of Object.keys(EXEMPT)) assert.ok(keys.has(path), `${path} is exempt but not in the schema`);
  });
});
