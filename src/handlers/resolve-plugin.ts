// How a handler bundle finds what its modules import, wherever the bundle is written (a cache
// directory, not the app's tree): `streamd` is the running streamd itself, a package of the app is
// resolved from the importing file at build time and imported by its absolute URL, Node's builtins
// stay as they are. Used by HandlerBundler's esbuild build.

import { isBuiltin } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';

/** The running streamd's public module (`import … from 'streamd'`): dist/src/index.js next to this file's directory. */
export const STREAMD_ENTRY = fileURLToPath(new URL('../index.js', import.meta.url));

const RESOLVING = Symbol('streamd resolving');

/** A bare specifier: a package name, not a relative or absolute path or a URL. */
const isBare = (specifier: string): boolean => !/^(\.{1,2}(\/|$)|\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier);

/**
 * The esbuild plugin. A package the app imports is bundled as an external import of its resolved
 * file's URL, so the output runs from any directory and Node loads the same module the app would; an
 * import that cannot be resolved fails the build with a note naming the module and where it was looked for.
 */
export function resolvePackagesPlugin(streamdEntry: string = STREAMD_ENTRY): Plugin {
  return {
    name: 'streamd-resolve-packages',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === RESOLVING || !isBare(args.path)) return undefined;
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        if (args.path === 'streamd') return { path: pathToFileURL(streamdEntry).href, external: true };
        const result = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: RESOLVING });
        if (result.errors.length > 0) {
          return {
            errors: [
              {
                text: `cannot resolve "${args.path}"`,
                notes: [{ text: `install "${args.path}" where the app can find it (npm install in the app's directory, looked up from ${args.resolveDir}); handlers import 'streamd' from the running streamd itself` }],
              },
            ],
          };
        }
        if (result.external) return { path: result.path, external: true };
        return { path: pathToFileURL(result.path).href, external: true };
      });
    },
  };
}
