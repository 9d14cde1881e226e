// Public surface of the streams area: events, channels, streams, the conductor and the source.
export { Channel } from './channel.js';
export { PartitionedChannel, type PartitionOpened } from './partitioned-channel.js';
export { Conductor, UndecodableRecordError, deadLetter, type ConductorPorts, type DecodeErrorPolicy, type RecordDecoder, type Subscription } from './conductor.js';
export { Event } from './event.js';
export { Stream, StreamOperatorError, type GroupByOptions, type StreamEnvironment } from './stream.js';
export { StreamSource, type CommitParticipant, type CommitPart, type StreamSourceOptions, type TransactionalSteps } from './stream-source.js';
export { PartitionOutbox, type SendSource } from './partition-outbox.js';
export { LivelockWatch } from './livelock-watch.js';
export { PartitionTracker, TrackedMessage } from './tracked-message.js';
