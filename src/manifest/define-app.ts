// `defineApp`, the typed entry of a TypeScript manifest (`export default defineApp({...})` in app.ts):
// the YAML manifest's shape, except that handlers may be functions. Exported from 'streamd'.

import type { AnyAgent } from '../agents/index.js';
import type { RawAgent, RawCrontab, RawDuration, RawTable, RawTask, RawTimer, RawTopic, RawView } from './raw-types.js';
import type { ProcessingGuarantee, Settings, TableHookName } from './types.js';

/** A handler other than an agent's (timer, crontab, task, view): any function. */
export type AppHandlerFunction = (...args: never[]) => unknown;

type WithHandler<T, F> = Omit<T, 'handler'> & { readonly handler: string | F };

/** Settings as written: every `…Ms` setting also takes a duration string such as `10s`. */
export type AppSettings = { readonly [K in keyof Settings]?: K extends `${string}Ms` ? RawDuration : Settings[K] };

/**
 * A TypeScript manifest: the same keys as app.yaml (see config/manifest.schema.json), checked the
 * same way. A `handler` is `relative/path.ts#export` (resolved against the manifest's directory) or
 * the function itself. `${VAR}` is not interpolated: read `process.env` instead.
 */
export interface AppDefinition {
  readonly id: string;
  readonly version?: number;
  readonly broker?: string;
  readonly store?: string;
  readonly datadir?: string;
  readonly buildDir?: string;
  readonly processingGuarantee?: ProcessingGuarantee;
  readonly web?: { readonly port?: number; readonly host?: string; readonly authToken?: string; readonly canonicalUrl?: string };
  readonly settings?: AppSettings;
  /** JSON Schemas (2020-12) by model name. */
  readonly models?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Custom codecs by name, each `relative/path.ts#export` (an object of the type `CustomCodec`). */
  readonly codecs?: Readonly<Record<string, string>>;
  readonly topics?: Readonly<Record<string, RawTopic>>;
  readonly tables?: Readonly<Record<string, Omit<RawTable, 'onWindowClose' | TableHookName> & { readonly [hook in 'onWindowClose' | TableHookName]?: string | AppHandlerFunction }>>;
  readonly agents?: Readonly<Record<string, WithHandler<RawAgent, AnyAgent>>>;
  readonly timers?: Readonly<Record<string, WithHandler<RawTimer, AppHandlerFunction>>>;
  readonly crontabs?: Readonly<Record<string, WithHandler<RawCrontab, AppHandlerFunction>>>;
  readonly tasks?: Readonly<Record<string, WithHandler<RawTask, AppHandlerFunction>>>;
  readonly views?: readonly WithHandler<RawView, AppHandlerFunction>[];
}

/** Returns `app` unchanged; it exists so that app.ts is type-checked against the manifest's shape. */
export function defineApp(app: AppDefinition): AppDefinition {
  return app;
}
