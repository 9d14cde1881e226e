// Public surface of the web area: the koa app factory, the WebServer service and the API's error codes.
export { createWebApp, type WebAppOptions, type WebCallback, type WebWorker } from './web-app.js';
export { WebServer, WEB_LISTEN_CODE, WEB_PORT_IN_USE_CODE, type WebServerOptions } from './web-server.js';
export { WEB_ERROR_STATUS, WebError, type WebErrorCode } from './web-error.js';
export { DEFAULT_BODY_LIMIT_BYTES } from './read-body.js';
export { FORWARDED_BY_HEADER, SERVED_BY_HEADER, DEFAULT_PROXY_TIMEOUT_MS } from './key-owner.js';
export { MAX_SCAN_LIMIT } from './table-routes.js';
export { respond, isViewResponse, type ViewResponse } from './view-response.js';
export type { View, ViewContext, ViewRequest, ViewSource } from './view-types.js';
