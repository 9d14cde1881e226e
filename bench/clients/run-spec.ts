// What one client-bench child run is told (as JSON in argv[2]) and prints back (one JSON line).

export type ClientName = 'kafkajs' | 'platformatic';
/** `fetch`, `fetchloop`: consume and loop over @platformatic/kafka's low-level fetch instead of its message stream (platformatic only). */
export type RunMode = 'consume' | 'fetch' | 'produce' | 'loop' | 'fetchloop';

export interface RunSpec {
  readonly client: ClientName;
  readonly mode: RunMode;
  readonly bootstrap: string;
  /** The preloaded topic (consume, loop). */
  readonly input: string;
  /** Where produce and loop write. */
  readonly output: string;
  readonly group: string;
  readonly records: number;
  readonly timeoutMs: number;
  /** kafkajs only: streamd's wire patches (wire-patches.ts) in place of kafkajs's pieces. */
  readonly wirePatches?: boolean;
  /** The directory holding node_modules/@platformatic/kafka (platformatic runs only). */
  readonly platformaticDir?: string;
}
