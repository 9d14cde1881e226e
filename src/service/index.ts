// Public surface of the lifecycle layer: the Service base, the Supervisor, the Clock port and its
// two clocks, and the boot list. Every other area builds its components on these.

export { abortError, describeError, isAbortError } from './abort.js';
export { formatBootList } from './boot-list.js';
export { SystemClock, type Clock } from './clock.js';
export { ManualClock } from './manual-clock.js';
export { DEFAULT_RESTART_POLICY, RestartBudget, type RestartPolicy } from './restart-budget.js';
export { SERVICE_TRANSITIONS, canTransition, type ServiceState } from './service-state.js';
export { Service, type ServiceChild } from './service.js';
export type { CrashListener, ServiceExit, ServiceOptions } from './types.js';
export { Supervisor, type RestartStrategy, type SupervisorOptions } from './supervisor.js';
