// Public surface of the metrics area.
export { WorkerMetrics } from './worker-metrics.js';
