// The HTTP client `streamd send` uses against a running daemon's ingest endpoint (memory:// brokers
// live inside the daemon, so the CLI cannot reach them directly). One request, no keep-alive.

import { request } from 'node:http';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from './cli-io.js';

/** Where a send landed, as the daemon reports it (offsets are strings: they are 64-bit). */
export interface LandedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** One ingest call. */
export interface IngestCall {
  readonly host: string;
  readonly port: number;
  /** A topic or `@agent`. */
  readonly target: string;
  readonly message: { readonly key?: unknown; readonly value: unknown; readonly partition?: number };
  readonly authToken?: string;
  /** How `streamd start` is run with this manifest, for the "no daemon" message. */
  readonly manifestPath: string;
  /** Default 30000. */
  readonly timeoutMs?: number;
}

function post(call: IngestCall, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) };
    if (call.authToken !== undefined && call.authToken !== '') headers['Authorization'] = `Bearer ${call.authToken}`;
    const req = request(
      { host: call.host, port: call.port, method: 'POST', path: `/topics/${encodeURIComponent(call.target)}/messages`, headers, agent: false, timeout: call.timeoutMs ?? 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

/** Posts one message; resolves where it landed, or throws a CliError that says what to do. */
export async function ingestThroughDaemon(call: IngestCall): Promise<LandedRecord> {
  let response: { status: number; text: string };
  try {
    response = await post(call, JSON.stringify({ messages: [call.message] }));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ECONNREFUSED') {
      throw new CliError('STREAMD_NO_DAEMON', `no streamd is running on port ${call.port}; start one with streamd start --manifest ${call.manifestPath}`, EXIT_FAILURE);
    }
    throw new CliError('STREAMD_NO_DAEMON', `the streamd on ${call.host}:${call.port} did not answer: ${error instanceof Error ? error.message : String(error)}`, EXIT_FAILURE, { cause: error });
  }
  let body: unknown;
  try {
    body = JSON.parse(response.text) as unknown;
  } catch {
    body = undefined;
  }
  const answer = (body ?? {}) as { code?: unknown; message?: unknown; records?: unknown };
  if (response.status >= 200 && response.status < 300 && Array.isArray(answer.records) && answer.records.length > 0) {
    return answer.records[0] as LandedRecord;
  }
  const code = typeof answer.code === 'string' ? answer.code : 'STREAMD_DAEMON_ERROR';
  const message = typeof answer.message === 'string' ? answer.message : `unexpected answer ${response.status}: ${response.text.slice(0, 200)}`;
  // A 4xx is the caller's fault (bad value, wrong token), except a 404 for a route: then it is not streamd.
  const isCallersFault = code === 'STREAMD_UNKNOWN_TOPIC' || (response.status >= 400 && response.status < 500 && response.status !== 404);
  throw new CliError(code, `the daemon on port ${call.port} refused the message: ${message}`, isCallersFault ? EXIT_USAGE : EXIT_FAILURE);
}
