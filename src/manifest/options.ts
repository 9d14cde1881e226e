// The options of `loadManifest`, shared by the YAML and TypeScript loaders and the common checks.

import type { ConfigFiles } from './config-files.js';
import type { Environment } from './interpolate.js';
import type { SettingOverrides } from './types.js';

export interface LoadManifestOptions {
  /** The environment for `${VAR}` (YAML only) and `STREAMD_<SETTING>`; the loader never reads process.env itself. */
  readonly env: Environment;
  /** Command-line flags; they win over everything else. */
  readonly overrides?: SettingOverrides;
  /** Resolves a relative manifest path and relative paths set by flags or the environment. Default process.cwd(). */
  readonly cwd?: string;
  /** streamd's own config files; default: read from the package root. Tests may pass their own. */
  readonly configFiles?: ConfigFiles;
}
