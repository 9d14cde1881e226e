// The types around a Service that callers and subclasses name: its options, how it ended, and the
// crash callback. Kept apart from service.ts so adapters can import them without the class.

import type { Logger } from 'pino';

/** What every service is built with. */
export interface ServiceOptions {
  /** Names the service in logs, errors and the boot list, e.g. `consumer`. */
  readonly name: string;
  /** The service logs through `logger.child({ service: name })`. */
  readonly logger: Logger;
}

/**
 * How a service ended. `cleanupErrors` holds every stop step that failed, in this service and in
 * the children it stopped; each was logged where it happened. `error` is the crash's cause.
 */
export type ServiceExit =
  | { readonly state: 'stopped'; readonly cleanupErrors: readonly unknown[] }
  | { readonly state: 'crashed'; readonly error: unknown; readonly cleanupErrors: readonly unknown[] };

/** Told once, after a service that had reached `running` crashed and finished its cleanup. */
export type CrashListener = (error: unknown) => void;
