// Public surface of the metrics area.
export { WorkerMetrics, type StoreMemorySum } from './worker-metrics.js';
