// The web API's errors: a status, a stable `code` and a message a person can act on, rendered as JSON
// `{ code, message }`. Thrown by the routes and the body reader; rendered by web-app.ts.

import { StreamdError } from '../errors/index.js';

/** Every code the web API answers with, and its HTTP status. Stable: clients match on them. */
export const WEB_ERROR_STATUS = {
  STREAMD_BAD_JSON: 400,
  STREAMD_BAD_REQUEST: 400,
  STREAMD_BAD_KEY: 400,
  STREAMD_BAD_PARTITION: 400,
  STREAMD_UNAUTHORIZED: 401,
  STREAMD_NOT_FOUND: 404,
  STREAMD_UNKNOWN_TOPIC: 404,
  STREAMD_UNKNOWN_TABLE: 404,
  STREAMD_UNKNOWN_KEY: 404,
  STREAMD_METHOD_NOT_ALLOWED: 405,
  STREAMD_REQUEST_TIMEOUT: 408,
  STREAMD_BODY_TOO_LARGE: 413,
  STREAMD_RECORD_TOO_LARGE: 413,
  STREAMD_ENCODE: 422,
  STREAMD_NULL_VALUE: 422,
  STREAMD_HEADERS_TOO_LARGE: 431,
  STREAMD_INTERNAL: 500,
  STREAMD_VIEW_FAILED: 500,
  STREAMD_OWNER_UNREACHABLE: 502,
  STREAMD_NOT_READY: 503,
  STREAMD_UNAVAILABLE: 503,
} as const;

/** A code of the web API. */
export type WebErrorCode = keyof typeof WEB_ERROR_STATUS;

/** An error the web API answers with; `status` follows from `code`. */
export class WebError extends StreamdError {
  readonly status: number;
  /** Extra response headers, e.g. `WWW-Authenticate`. */
  readonly headers: Readonly<Record<string, string>>;
  /** Extra fields of the JSON body beside `code` and `message`, e.g. a table's `default`. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: WebErrorCode,
    message: string,
    options: { readonly cause?: unknown; readonly headers?: Record<string, string>; readonly details?: Record<string, unknown> } = {},
  ) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
    this.status = WEB_ERROR_STATUS[code];
    this.headers = options.headers ?? {};
    this.details = options.details ?? {};
  }
}

/** The string `code` of any thrown value (matched by code across module copies, not `instanceof`). */
export function codeOf(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** The message of any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The answer to an error from `worker.ingest` (matched on `code`, not `instanceof`), or undefined
 * when it is not one the API knows: then it is a bug, answered 500 and logged.
 */
export function ingestErrorToWebError(error: unknown): WebError | undefined {
  const code = codeOf(error);
  if (code === 'STREAMD_UNKNOWN_TOPIC') return new WebError('STREAMD_UNKNOWN_TOPIC', messageOf(error), { cause: error });
  if (code === 'STREAMD_ENCODE') return new WebError('STREAMD_ENCODE', messageOf(error), { cause: error });
  if (code === 'STREAMD_BAD_PARTITION') return new WebError('STREAMD_BAD_PARTITION', messageOf(error), { cause: error });
  if (code === 'STREAMD_NULL_VALUE') return new WebError('STREAMD_NULL_VALUE', messageOf(error), { cause: error });
  if (code === 'STREAMD_RECORD_TOO_LARGE') return new WebError('STREAMD_RECORD_TOO_LARGE', messageOf(error), { cause: error });
  if (code === 'STREAMD_ILLEGAL_STATE') {
    return new WebError('STREAMD_NOT_READY', `the worker cannot take messages now: ${messageOf(error)}`, { cause: error });
  }
  const isRetriable = typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
  if (isRetriable || code?.startsWith('STREAMD_KAFKA') === true) {
    return new WebError('STREAMD_UNAVAILABLE', `the broker did not take the messages: ${messageOf(error)}; try again`, { cause: error });
  }
  return undefined;
}
