// The normalised manifest every other area consumes: durations in milliseconds, handler references
// resolved to absolute files, per-declaration defaults applied. Built by `loadManifest`.

/** A place in a source file, 1-based. `line` and `column` are 0 when the value has no source position:
 * it came from an environment variable or a command-line flag (`file` then names that origin), or from a
 * TypeScript manifest, whose values are objects rather than text (`file` is the manifest). */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One thing wrong with a manifest. */
export interface ManifestProblem extends SourceLocation {
  /** Where in the manifest, e.g. `agents.count_page_views.topic` or `views[0].path`; empty for syntax errors. */
  readonly path: string;
  readonly message: string;
  /** What would have been accepted, e.g. `an integer` or `one of skip, dlq, stop`. */
  readonly expected?: string;
  /** What to do, e.g. `did you mean "page_views"?`. */
  readonly hint?: string;
  /** The source line and how many characters the caret underlines, for the code frame. */
  readonly excerpt?: { readonly lineText: string; readonly width: number };
}

/** The type of a topic's or table's keys or values. */
export type TypeReference =
  | { readonly kind: 'builtin'; readonly name: BuiltinTypeName }
  | { readonly kind: 'model'; readonly name: string };

export const BUILTIN_TYPE_NAMES = ['string', 'integer', 'number', 'boolean', 'bytes', 'json'] as const;
export type BuiltinTypeName = (typeof BUILTIN_TYPE_NAMES)[number];

export type SerializerName = 'json' | 'raw' | 'string';

/** A handler named in the manifest: a module export, or (in a TypeScript manifest) the function itself. */
export type HandlerReference = ModuleHandlerReference | FunctionHandlerReference;

/** `./handlers/page-views.ts#countPageViews`, resolved against the manifest's directory. */
export interface ModuleHandlerReference {
  readonly kind: 'module';
  /** Absolute path of the handler module (it existed when the manifest was loaded). */
  readonly file: string;
  readonly exportName: string;
  /** The reference as written, for messages. */
  readonly text: string;
  /** Where the reference is written, for handler-level errors (see `handler-checks.ts`). */
  readonly location: SourceLocation;
}

/** A function given inline in a TypeScript manifest (`handler: async function* (stream) { … }`). */
export interface FunctionHandlerReference {
  readonly kind: 'function';
  /** The handler itself, compiled and imported with the manifest. */
  readonly fn: (...args: never[]) => unknown;
  /** For messages: the function's name, or the declaration's name when the function has none. */
  readonly text: string;
  /** The TypeScript manifest (line and column 0: its values have no positions). */
  readonly location: SourceLocation;
}

/** Faust's settings in camelCase, every duration in milliseconds. Defaults: `config/defaults.yaml`. */
export interface Settings {
  readonly commitIntervalMs: number;
  readonly commitEvery: number;
  readonly commitLivelockSoftTimeoutMs: number;
  readonly standbyReplicas: number;
  readonly streamBufferMaxsize: number;
  readonly shutdownTimeoutMs: number;
  readonly brokerClientId: string;
  readonly brokerSsl: boolean;
  /** Empty: the system CAs. */
  readonly brokerSslCaFile: string;
  readonly brokerSaslMechanism: 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly brokerSaslUsername: string;
  readonly brokerSaslPassword: string;
  readonly brokerRequestTimeoutMs: number;
  readonly brokerSessionTimeoutMs: number;
  readonly brokerHeartbeatIntervalMs: number;
  readonly brokerRebalanceTimeoutMs: number;
  readonly brokerUnavailableTimeoutMs: number;
  readonly consumerMaxFetchBytes: number;
  readonly consumerAutoOffsetReset: 'earliest' | 'latest';
  readonly producerLingerMs: number;
  readonly producerAcks: -1 | 0 | 1;
  readonly producerCompression: 'none' | 'gzip';
  readonly topicPartitions: number;
  readonly topicReplicationFactor: number;
  readonly topicAllowDeclare: boolean;
  /** How often topic patterns are checked for new matching topics. */
  readonly topicPatternRefreshIntervalMs: number;
  readonly tableCleanupIntervalMs: number;
  readonly recoveryBufferSize: number;
  readonly recoveryStallTimeoutMs: number;
  /** RocksDB memtable bytes per table-partition store (see config/manifest.schema.json). */
  readonly storeWriteBufferBytes: number;
  /** RocksDB memtables per table-partition store, one active and the rest flushing. */
  readonly storeMaxWriteBuffers: number;
  /** Whether each table-partition store has its (32 MiB) RocksDB block cache. */
  readonly storeBlockCache: boolean;
  /** Garbage the old generation may gather past the live heap before V8 collects it, kept by `streamd start` (0: V8's own factor). */
  readonly heapHeadroomBytes: number;
  readonly timezone: string;
}

export interface WebSettings {
  readonly port: number;
  readonly host: string;
  /** When set, the web server requires `Authorization: Bearer <token>` on every path but `openPaths` (an empty value means unset). */
  readonly authToken?: string;
  /** Paths answered without the token (GET and HEAD); default /health, /ready, /metrics. */
  readonly openPaths: readonly string[];
  /** How other workers reach this one; default `http://<host>:<port>` decided by the web area. */
  readonly canonicalUrl?: string;
}

/** Every setting that an environment variable (`STREAMD_<NAME>`) or a flag can override, flat. */
export interface OverridableSettings extends Settings {
  readonly broker: string;
  readonly store: string;
  readonly datadir: string;
  readonly buildDir: string;
  readonly processingGuarantee: ProcessingGuarantee;
  readonly webPort: number;
  readonly webHost: string;
  readonly webAuthToken: string;
  readonly webOpenPaths: readonly string[];
  readonly webCanonicalUrl: string;
}

/** Command-line overrides; a string is coerced like an environment variable's value. */
export type SettingOverrides = { readonly [K in keyof OverridableSettings]?: OverridableSettings[K] | string };

export type ProcessingGuarantee = 'at_least_once' | 'exactly_once';

export interface ModelDeclaration {
  readonly name: string;
  /** The JSON Schema (2020-12) as written; it compiled with ajv when the manifest was loaded. */
  readonly schema: Readonly<Record<string, unknown>>;
  readonly location: SourceLocation;
}

/** A custom codec (`codecs: { rot13: ./codecs.ts#rot13 }`): a module export of the shape `CustomCodec` (src/models). */
export interface CodecDeclaration {
  readonly name: string;
  /** The module export; a module reference (a TypeScript manifest names codecs by `path#export` too). */
  readonly module: HandlerReference;
  readonly location: SourceLocation;
}

export interface TopicDeclaration {
  /** The Kafka topic's name; for a pattern declaration, only the name the manifest gives it. */
  readonly name: string;
  /** Faust's `app.topic(pattern=…)`: every topic whose name matches, including topics created later. */
  readonly pattern?: RegExp;
  readonly keyType: TypeReference;
  readonly valueType: TypeReference;
  /**
   * Explicit, or derived from the type: bytes → raw, string → string, anything else → json. A name of
   * the manifest's `codecs:` when the chain starts with a custom codec (its kind places it once loaded).
   */
  readonly keySerializer: string;
  readonly valueSerializer: string;
  /** Byte codecs after the serializer (`valueSerializer: json|gzip` → `['gzip']`), in encoding order, built-in or custom; empty for a plain serializer. */
  readonly keyByteCodecs: readonly string[];
  readonly valueByteCodecs: readonly string[];
  /** Undefined: use the topic as it exists; if streamd must create it, `settings.topicPartitions`. */
  readonly partitions?: number;
  readonly replicas?: number;
  readonly retentionMs?: number;
  readonly isCompacted: boolean;
  /** streamd owns the topic and may create it. */
  readonly isInternal: boolean;
  readonly onDecodeError: 'skip' | 'dlq' | 'stop';
  /** Records without a value (tombstones) reach the agents as null values; otherwise they are decode errors under onDecodeError. */
  readonly acceptsNullValues: boolean;
  /** Extra topic configuration, values as strings (`cleanup.policy`, `min.insync.replicas`, …). */
  readonly config: Readonly<Record<string, string>>;
  readonly location: SourceLocation;
}

/** Where a windowed table takes an event's time from (Faust's `relative_to_*`). */
export type WindowTime =
  | { readonly kind: 'stream' }
  | { readonly kind: 'now' }
  /** A value field: epoch milliseconds or an ISO-8601 string. `path` is the dotted text split. */
  | { readonly kind: 'field'; readonly path: readonly string[] };

/** The window shape: which windows contain a time (see src/windows/window-math.ts). */
export type WindowShape =
  | { readonly type: 'tumbling'; readonly sizeMs: number }
  | { readonly type: 'hopping'; readonly sizeMs: number; readonly stepMs: number }
  | { readonly type: 'sliding'; readonly beforeMs: number; readonly afterMs: number }
  | { readonly type: 'session'; readonly gapMs: number };

export type WindowDeclaration = WindowShape & {
  /** How long a closed window stays readable; forever when absent. */
  readonly expiresMs?: number;
  /** How long after its end a window still takes late events. */
  readonly graceMs: number;
  readonly relativeTo: WindowTime;
  /** A partition with no event for this long closes its windows by the wall clock (end + grace + idleClose). */
  readonly idleCloseMs: number;
  /** `final`: one sink record per closed (key, window); `update`: one per change. */
  readonly emit: 'final' | 'update';
  /** The topic closed windows (or updates) are sent to. */
  readonly sink?: string;
};

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** The hooks a table may name in the manifest (README, Table hooks). */
export const TABLE_HOOK_NAMES = ['onKeySet', 'onKeyDel', 'onChangelogEvent'] as const;
export type TableHookName = (typeof TABLE_HOOK_NAMES)[number];

export interface TableDeclaration {
  readonly name: string;
  /** `set`: each value is a set of `valueType` elements. */
  readonly kind: 'table' | 'set';
  readonly keyType: TypeReference;
  readonly valueType: TypeReference;
  /** Returned by `get` for a missing key; absent means `get` returns undefined. */
  readonly defaultValue?: JsonValue;
  /** Changelog partitions; undefined means the partition count of the source topic. */
  readonly partitions?: number;
  readonly window?: WindowDeclaration;
  /** Windowed tables: called with each closed window. */
  readonly onWindowClose?: HandlerReference;
  /** Table hooks (Faust's on_key_set, on_key_del, on_changelog_event), by hook name; not on windowed tables. */
  readonly hooks?: Readonly<Partial<Record<TableHookName, HandlerReference>>>;
  /** Every worker keeps every partition. */
  readonly isGlobal: boolean;
  readonly standbyReplicas: number;
  readonly location: SourceLocation;
}

export type SinkReference =
  | { readonly kind: 'topic'; readonly name: string }
  | { readonly kind: 'agent'; readonly name: string }
  /** A function sink, `./file.ts#export`: called with each yielded value; `name` is the text as written. */
  | { readonly kind: 'handler'; readonly name: string; readonly handler: HandlerReference };

/** An in-memory channel (Faust's `app.channel()`): not durable, no offsets. */
export interface ChannelDeclaration {
  readonly name: string;
  /** Values sent to the channel are checked against it (model defaults applied); absent: any value. */
  readonly valueType?: TypeReference;
  readonly location: SourceLocation;
}

export interface AgentDeclaration {
  readonly name: string;
  /** The first is the agent's main topic (`topic:` or `topics:` in the manifest); empty for a channel-fed agent. */
  readonly topics: readonly string[];
  /** The channel the agent reads instead of topics (`channel:`). */
  readonly channel?: string;
  readonly handler: HandlerReference;
  readonly concurrency: number;
  readonly sinks: readonly SinkReference[];
  /** One actor per assigned partition. */
  readonly hasIsolatedPartitions: boolean;
  readonly location: SourceLocation;
}

export interface TimerDeclaration {
  readonly name: string;
  readonly intervalMs: number;
  readonly isLeaderOnly: boolean;
  readonly handler: HandlerReference;
  readonly location: SourceLocation;
}

export interface CrontabDeclaration {
  readonly name: string;
  /** 5 fields, or 6 with seconds first, or a nickname such as `@daily`. */
  readonly cron: string;
  /** IANA time zone; default `settings.timezone`. */
  readonly timezone: string;
  readonly isLeaderOnly: boolean;
  readonly handler: HandlerReference;
  readonly location: SourceLocation;
}

export interface TaskDeclaration {
  readonly name: string;
  readonly isLeaderOnly: boolean;
  readonly handler: HandlerReference;
  readonly location: SourceLocation;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

export interface ViewDeclaration {
  readonly method: HttpMethod;
  readonly path: string;
  readonly handler: HandlerReference;
  /**
   * Run the view on the worker that owns key `param` (a path parameter, else a query parameter) of
   * `table`; other workers forward the request there (Faust's `table_route`).
   */
  readonly routeBy?: { readonly table: string; readonly param: string };
  readonly location: SourceLocation;
}

/** A loaded, validated manifest. Maps keep declaration order. */
export interface Manifest {
  /** Absolute path of the manifest file. */
  readonly sourcePath: string;
  readonly id: string;
  readonly version: number;
  readonly broker: string;
  readonly store: string;
  /** Absolute. Relative values resolve against the manifest's directory, or the working directory when
   * they came from an environment variable or a flag. */
  readonly datadir: string;
  /** Absolute; where handlers are compiled. Relative values resolve as the datadir's do. */
  readonly buildDir: string;
  readonly processingGuarantee: ProcessingGuarantee;
  readonly web: WebSettings;
  readonly settings: Settings;
  readonly models: ReadonlyMap<string, ModelDeclaration>;
  /** Custom codecs (`codecs:`), by name; loaded once at start, by `check` and by `send`, never hot-reloaded. */
  readonly codecs: ReadonlyMap<string, CodecDeclaration>;
  readonly topics: ReadonlyMap<string, TopicDeclaration>;
  readonly tables: ReadonlyMap<string, TableDeclaration>;
  readonly channels: ReadonlyMap<string, ChannelDeclaration>;
  readonly agents: ReadonlyMap<string, AgentDeclaration>;
  readonly timers: ReadonlyMap<string, TimerDeclaration>;
  readonly crontabs: ReadonlyMap<string, CrontabDeclaration>;
  readonly tasks: ReadonlyMap<string, TaskDeclaration>;
  readonly views: readonly ViewDeclaration[];
}
