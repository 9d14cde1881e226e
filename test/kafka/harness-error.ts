// The one error type of the Kafka test harness (test/kafka/): a stable `code` says what failed, the
// message says what to do. Thrown by jars.ts, broker.ts and java-partitioner.ts.

/** Stable codes; match on `err.code`, not on the message. */
export type HarnessErrorCode =
  | 'KAFKA_HARNESS_MAVEN_MISSING'
  | 'KAFKA_HARNESS_MAVEN_FAILED'
  | 'KAFKA_HARNESS_JAVA_MISSING'
  | 'KAFKA_HARNESS_PORT_IN_USE'
  | 'KAFKA_HARNESS_BROKER_EXITED'
  | 'KAFKA_HARNESS_BROKER_TIMEOUT'
  | 'KAFKA_HARNESS_JAVA_FAILED'
  | 'KAFKA_HARNESS_STOPPED';

/** A failure of the test harness itself (not of the code under test). */
export class HarnessError extends Error {
  override readonly name = 'HarnessError';

  constructor(
    readonly code: HarnessErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
