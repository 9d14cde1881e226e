// What happens to an event whose handler made a record too large for any batch (a sink record or a
// table write): the event's topic policy, `onDecodeError`, applies as to a record that does not
// decode — both are events whose data this app cannot carry, and both want the same choice: skip
// (logged), dead-letter (the raw input record with the reason), or stop without committing past it.
// Built per agent by the service tree; AgentRunner calls it (its `onDataError`) after counting the
// handler error (streamd_handler_errors_total).

import type { Logger } from 'pino';
import type { ProducerRecord } from '../kafka/index.js';
import { deadLetter, type DecodeErrorPolicy, type Event } from '../streams/index.js';

export interface DataErrorPorts {
  readonly logger: Logger;
  readonly agent: string;
  readonly deadLetterTopic: string;
  /** The policy of a topic; the agent's own topics (repartition) take the policy of its first source. */
  readonly policyOf: (topic: string) => DecodeErrorPolicy;
  /** Enqueues a record on the worker's producer, on behalf of `event` (its transaction under exactly_once). */
  readonly send: (record: ProducerRecord, event: Event) => void;
}

export function dataErrorRouter(ports: DataErrorPorts): (event: Event, error: Error) => 'acked' | 'stop' {
  const log = ports.logger.child({ component: 'data errors', agent: ports.agent });
  return (event, error) => {
    const { message } = event;
    const where = { topic: message.topic, partition: message.partition, offset: message.offset.toString() };
    const policy = ports.policyOf(message.topic);
    const code = (error as { code?: string }).code;
    if (policy === 'stop') {
      log.error({ ...where, code, err: error, policy }, `the event made a record too large to send and its topic's onDecodeError is "stop": stopping without committing past it. ${error.message}`);
      return 'stop';
    }
    if (policy === 'dlq') ports.send(deadLetter(message, ports.deadLetterTopic, error.message), event);
    log.warn(
      { ...where, code, reason: error.message, policy },
      policy === 'dlq' ? 'the event made a record too large to send: sent the event to the dead-letter topic' : 'the event made a record too large to send: skipped it',
    );
    event.releaseHold();
    return 'acked';
  };
}
