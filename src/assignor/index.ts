// Public surface of the assignment area: the streamd partition assignor (co-partitioned, sticky,
// with standby replicas), its userData codecs, and the routing lookup. Used by the worker and web.

export { assignPartitions, type AssignPartitionsOptions } from './assign-partitions.js';
export { decodeClusterAssignment } from './cluster-codec.js';
export { AssignorProtocolError, CopartitionMismatchError } from './errors.js';
export { ownerOf } from './owner-of.js';
export { isStarved } from './starved.js';
export { STREAMD_ASSIGNOR_NAME, StreamdAssignor, type StreamdAssignorOptions } from './streamd-assignor.js';
export { decodeSubscription, encodeSubscription } from './subscription-codec.js';
export type { ClusterAssignment, ClusterMember, CopartitionGroup, LocalPartition, SubscriptionMetadata } from './types.js';
export { USER_DATA_VERSION } from './wire-format.js';
