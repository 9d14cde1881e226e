// Public surface of the handlers area: compile and load handler modules with esbuild
// (HandlerBundler), watch and hot-reload them (HandlerReloader), and the error both report.

export { HandlerBundler, type HandlerBundlerOptions } from './handler-bundler.js';
export { HandlerLoadError, HANDLER_ERROR_CODE } from './handler-load-error.js';
export { HandlerReloader, type HandlerReloaderOptions, type ReloadListener } from './handler-reloader.js';
export { formatHandlerProblem, formatHandlerProblems, type FormatOptions } from './format.js';
export { handlerKey, type HandlerFunction, type HandlerProblem, type LoadedExport, type HandlerProblemKind, type HandlerRef, type SourcePosition } from './types.js';
