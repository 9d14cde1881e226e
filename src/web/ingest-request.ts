// The body of `POST /topics/:topic/messages`: `{ messages: [{ key?, value, partition?, headers? }] }`
// or one message `{ key?, value, partition?, headers? }`, checked into IngestMessages. Pure.

import type { IngestMessage } from '../worker/types.js';
import { WebError } from './web-error.js';

const MESSAGE_FIELDS = ['key', 'value', 'partition', 'headers'];
const EXAMPLE = '{"messages": [{"key": "k", "value": {...}}]} or {"key": "k", "value": {...}}';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function badRequest(message: string): WebError {
  return new WebError('STREAMD_BAD_REQUEST', `${message}; expected ${EXAMPLE}`);
}

function parseHeaders(value: unknown, where: string): Readonly<Record<string, string>> {
  if (!isObject(value)) throw badRequest(`${where}.headers must be an object of strings`);
  for (const [name, header] of Object.entries(value)) {
    if (typeof header !== 'string') throw badRequest(`${where}.headers.${name} must be a string`);
  }
  return value as Record<string, string>;
}

function parseMessage(value: unknown, where: string): IngestMessage {
  if (!isObject(value)) throw badRequest(`${where} must be an object`);
  const unknown = Object.keys(value).filter((field) => !MESSAGE_FIELDS.includes(field));
  if (unknown.length > 0) throw badRequest(`${where} has unknown field${unknown.length === 1 ? '' : 's'} ${unknown.map((f) => `"${f}"`).join(', ')}`);
  if (!Object.hasOwn(value, 'value')) throw badRequest(`${where} has no "value"`);
  const { key, partition, headers } = value;
  if (partition !== undefined && (typeof partition !== 'number' || !Number.isSafeInteger(partition) || partition < 0)) {
    throw badRequest(`${where}.partition must be a non-negative integer`);
  }
  return {
    value: value['value'],
    ...(key === undefined ? {} : { key }),
    ...(partition === undefined ? {} : { partition }),
    ...(headers === undefined ? {} : { headers: parseHeaders(headers, where) }),
  };
}

/** The messages of an ingest request body (already parsed JSON); throws `STREAMD_BAD_REQUEST`. */
export function parseIngestBody(body: unknown): IngestMessage[] {
  if (!isObject(body)) throw badRequest('request body must be a JSON object');
  if (!Object.hasOwn(body, 'messages')) return [parseMessage(body, 'message')];
  const extra = Object.keys(body).filter((field) => field !== 'messages');
  if (extra.length > 0) throw badRequest(`request body has "messages" and also ${extra.map((f) => `"${f}"`).join(', ')}`);
  const { messages } = body;
  if (!Array.isArray(messages) || messages.length === 0) throw badRequest('"messages" must be a non-empty array');
  return messages.map((message, index) => parseMessage(message, `messages[${index}]`));
}
