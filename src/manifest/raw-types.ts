// The shape of a manifest after schema validation and before normalisation: what the user wrote,
// merged with the top-level defaults. Mirrors config/manifest.schema.json.

import { BUILTIN_TYPE_NAMES, type BuiltinTypeName, type HttpMethod, type ProcessingGuarantee } from './types.js';

export type RawDuration = string | number;
export type RawMap<T> = Readonly<Record<string, T>> | null | undefined;

export interface RawTopic {
  /** A regular expression: the declaration stands for every topic whose name matches it. */
  readonly pattern?: string;
  readonly keyType?: string;
  readonly valueType?: string;
  readonly partitions?: number;
  readonly replicas?: number;
  /** A codec chain: a serializer, then byte codecs (`json|gzip`); parsed by normalise. */
  readonly keySerializer?: string;
  readonly valueSerializer?: string;
  readonly retentionMs?: RawDuration;
  readonly compacted?: boolean;
  readonly internal?: boolean;
  readonly onDecodeError?: 'skip' | 'dlq' | 'stop';
  readonly nullValues?: boolean;
  readonly config?: Readonly<Record<string, string | number | boolean>>;
}

export type RawWindowTime = 'stream' | 'now' | { readonly field: string };

export interface RawWindow {
  readonly type: 'tumbling' | 'hopping' | 'sliding' | 'session';
  readonly size?: RawDuration;
  readonly step?: RawDuration;
  readonly before?: RawDuration;
  readonly after?: RawDuration;
  readonly gap?: RawDuration;
  readonly expires?: RawDuration;
  readonly grace?: RawDuration;
  readonly relativeTo?: RawWindowTime;
  readonly idleClose?: RawDuration;
  readonly emit?: 'final' | 'update';
  readonly sink?: string;
}

export interface RawTable {
  readonly kind?: 'table' | 'set';
  readonly keyType?: string;
  readonly valueType?: string;
  readonly default?: unknown;
  readonly partitions?: number;
  readonly window?: RawWindow;
  /** Windowed tables: the handler called with each closed window (`path#export`). */
  readonly onWindowClose?: string;
  /** The handler called after a handler sets a key (`path#export`). */
  readonly onKeySet?: string;
  /** The handler called after a handler deletes a key. */
  readonly onKeyDel?: string;
  /** The handler called for each changelog record applied by recovery, a standby or a global table's follower. */
  readonly onChangelogEvent?: string;
  readonly global?: boolean;
  readonly standbyReplicas?: number;
}

export interface RawChannel {
  readonly valueType?: string;
}

export interface RawAgent {
  readonly topic?: string;
  readonly topics?: readonly string[];
  readonly channel?: string;
  readonly handler: string;
  readonly concurrency?: number;
  readonly sinks?: readonly string[];
  readonly isolatedPartitions?: boolean;
}

export interface RawTimer {
  readonly interval: RawDuration;
  readonly onLeader?: boolean;
  readonly handler: string;
}

export interface RawCrontab {
  readonly cron: string;
  readonly timezone?: string;
  readonly onLeader?: boolean;
  readonly handler: string;
}

export interface RawTask {
  readonly onLeader?: boolean;
  readonly handler: string;
}

export interface RawView {
  readonly method?: HttpMethod;
  readonly path: string;
  readonly handler: string;
  readonly routeBy?: { readonly table: string; readonly param: string };
}

export interface RawManifest {
  readonly id: string;
  readonly version: number;
  readonly broker: string;
  readonly store: string;
  readonly datadir: string;
  /** Unset: `<datadir>/.cache/handlers`. */
  readonly buildDir?: string;
  readonly processingGuarantee: ProcessingGuarantee;
  readonly web: { readonly port: number; readonly host: string; readonly authToken?: string; readonly openPaths: readonly string[]; readonly canonicalUrl?: string };
  readonly settings: Readonly<Record<string, unknown>>;
  readonly models?: RawMap<Readonly<Record<string, unknown>>>;
  readonly codecs?: RawMap<string>;
  readonly topics?: RawMap<RawTopic | null>;
  readonly tables?: RawMap<RawTable | null>;
  readonly channels?: RawMap<RawChannel | null>;
  readonly agents?: RawMap<RawAgent>;
  readonly timers?: RawMap<RawTimer>;
  readonly crontabs?: RawMap<RawCrontab>;
  readonly tasks?: RawMap<RawTask>;
  readonly views?: readonly RawView[] | null;
}

/** Per-declaration defaults from config/defaults.yaml. */
export interface DeclarationDefaults {
  readonly topic: Required<Pick<RawTopic, 'keyType' | 'valueType' | 'compacted' | 'internal' | 'onDecodeError' | 'nullValues'>>;
  readonly table: Required<Pick<RawTable, 'kind' | 'keyType' | 'valueType' | 'global'>>;
  readonly agent: Required<Pick<RawAgent, 'concurrency' | 'sinks' | 'isolatedPartitions'>>;
  readonly timer: Required<Pick<RawTimer, 'onLeader'>>;
  readonly crontab: Required<Pick<RawCrontab, 'onLeader'>>;
  readonly task: Required<Pick<RawTask, 'onLeader'>>;
  readonly view: Required<Pick<RawView, 'method'>>;
  readonly window: Required<Pick<RawWindow, 'grace' | 'relativeTo' | 'idleClose' | 'emit'>>;
}

export const isBuiltinType = (name: string): name is BuiltinTypeName => (BUILTIN_TYPE_NAMES as readonly string[]).includes(name);

/** The entries of a declaration map that may be null (an empty section). */
export function entriesOf<T>(map: RawMap<T>): [string, T][] {
  return map === null || map === undefined ? [] : Object.entries(map);
}
