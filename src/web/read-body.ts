// Reads a request body as JSON with a size limit, without a body-parser dependency. A body over the
// limit is drained (not stored) so the client still reads the 413 on a keep-alive connection.

import type { IncomingMessage } from 'node:http';
import { WebError } from './web-error.js';

/** Default request body limit: 1 MiB. Too low: large ingest batches are refused; too high: memory per request. */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/** Reads the whole body; throws `STREAMD_BODY_TOO_LARGE` past `limitBytes` (checked on Content-Length first). */
export async function readBody(request: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const tooLarge = (): WebError =>
    new WebError('STREAMD_BODY_TOO_LARGE', `request body is larger than ${limitBytes} bytes; send fewer messages per request`);
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Keep iterating past the limit: leaving the loop would destroy the socket before the 413 is sent.
    if (size <= limitBytes) chunks.push(chunk);
  }
  if (size > limitBytes) throw tooLarge();
  return Buffer.concat(chunks, size);
}

/** Parses `body` as JSON; throws `STREAMD_BAD_JSON` for an empty body or invalid JSON. */
export function parseJsonBody(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') throw new WebError('STREAMD_BAD_JSON', 'request body is empty; send JSON such as {"value": {...}}');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new WebError('STREAMD_BAD_JSON', `request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}
