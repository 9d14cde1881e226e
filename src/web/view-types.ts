// The view API for handler authors (`import type { View } from 'streamd'`) and what the view routes
// need from the worker (`ViewSource`, implemented by src/worker/view-runtime.ts).

import type { HandlerContext } from '../agents/index.js';

/** What a view handler is given of the HTTP request. */
export interface ViewRequest {
  readonly method: string;
  /** The request path, without the query string. */
  readonly path: string;
  /** The path's parameters (`/pages/:page` → `{ page }`), URL-decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** The query string; a parameter given more than once is an array. */
  readonly query: Readonly<Record<string, string | string[]>>;
  /** Request headers, names in lower case. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** POST, PUT, PATCH and DELETE: the parsed JSON body (undefined when the body is empty); other methods: undefined. */
  readonly body: unknown;
}

/**
 * A view's context, like a timer's: `tables` (reads go to the key's partition and must be held by
 * this worker, or the table must be global), `topics`, `agents`, `log`, `isLeader()`, and a `signal`
 * aborted when the client goes away. No current event, so writes to partitioned tables are refused.
 */
export type ViewContext = HandlerContext;

/**
 * A view handler. Its return value is the JSON body of a 200 answer (undefined: 204 without a body),
 * or `respond(status, body, headers)` for another status or headers. An error thrown with a numeric
 * `status` from 400 to 499 and a string `code` is answered with that status and `{ code, message }`;
 * any other error is a 500 `STREAMD_VIEW_FAILED`, logged with the view's name and counted in
 * `streamd_view_errors_total{view}`; its message stays in the log.
 */
export type View = (request: ViewRequest, context: ViewContext) => unknown;

/** What the view routes need from the worker: the views, their current handlers and contexts. */
export interface ViewSource {
  /**
   * The manifest's views, in declaration order; `name` is `<METHOD> <path>`. A view with `routeBy`
   * runs on the owner of the key in its parameter `param` of `table`.
   */
  readonly routes: readonly {
    readonly name: string;
    readonly method: string;
    readonly path: string;
    readonly routeBy?: { readonly table: string; readonly param: string };
  }[];
  /** The handler of `name` now (hot reload swaps it; the next request uses the new one). */
  handler(name: string): View | undefined;
  context(name: string, log: HandlerContext['log'], signal: AbortSignal): ViewContext;
  /** Counts a failed request (a 500). */
  failed(name: string): void;
}
