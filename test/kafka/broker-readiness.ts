// Decides when a freshly started broker serves clients: polls a kafkajs admin describeCluster()
// until it answers. Used by broker.ts after the "Kafka Server started" line.
import { Kafka, logLevel } from 'kafkajs';
import { setTimeout as delay } from 'node:timers/promises';

/** Between attempts. Lower only adds connection churn; higher delays every test run by up to this. */
const POLL_INTERVAL_MS = 200;

/**
 * Resolves once `bootstrap` answers describeCluster() with at least one broker. Rejects with
 * `signal.reason` when `signal` aborts (deadline, JVM exit, Ctrl-C); the last client error is the cause.
 */
export async function waitForAdmin(bootstrap: string, signal: AbortSignal): Promise<void> {
  const kafka = new Kafka({
    clientId: 'streamd-test-broker-readiness',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 2000,
    retry: { retries: 0 },
  });
  let lastError: unknown;
  for (;;) {
    if (signal.aborted) throw withCause(signal.reason, lastError);
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length > 0) return;
    } catch (error) {
      lastError = error;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    try {
      await delay(POLL_INTERVAL_MS, undefined, { signal });
    } catch {
      throw withCause(signal.reason, lastError);
    }
  }
}

function withCause(reason: unknown, cause: unknown): Error {
  const error = reason instanceof Error ? reason : new Error(String(reason));
  if (error.cause === undefined && cause !== undefined) error.cause = cause;
  return error;
}
