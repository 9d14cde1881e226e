// Locates the streamd repository root (the directory holding package.json) from this module's own
// location, so the harness works from src (test/kafka/) and from dist (dist/test/kafka/) alike.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/** The absolute path of the repository root; throws if no ancestor directory holds a package.json. */
export function repoRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) {
      cachedRoot = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** A path inside the repository, e.g. `repoPath('test', 'kafka', 'pom.xml')`. */
export function repoPath(...segments: string[]): string {
  return join(repoRoot(), ...segments);
}
