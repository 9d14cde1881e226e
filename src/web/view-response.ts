// `respond(status, body, headers)`: how a view answers with a status or headers of its own. The mark is
// a registered symbol, so an answer made by a handler bundle's own copy of streamd is recognised too.

const VIEW_RESPONSE = Symbol.for('streamd.view-response');

/** An answer a view built with `respond`. */
export interface ViewResponse {
  readonly [VIEW_RESPONSE]: true;
  readonly status: number;
  /** JSON body; undefined sends none. */
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

/** A view's answer with `status` (100–599), a JSON `body` (undefined: none) and extra `headers`. */
export function respond(status: number, body?: unknown, headers: Readonly<Record<string, string>> = {}): ViewResponse {
  if (!Number.isInteger(status) || status < 100 || status > 599) throw new RangeError(`respond(): status must be an integer from 100 to 599; got ${status}`);
  return { [VIEW_RESPONSE]: true, status, body, headers };
}

/** True for a value `respond` made. */
export function isViewResponse(value: unknown): value is ViewResponse {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[VIEW_RESPONSE] === true;
}
