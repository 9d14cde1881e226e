// The answer to a request Node's HTTP parser refuses before the app sees it (raw non-ASCII bytes in
// the URL, a malformed header, headers too large): JSON `{ code, message }` like every other error,
// instead of Node's bare "400 Bad Request". Installed by WebServer on its server's 'clientError'.

import type { Duplex } from 'node:stream';
import { WEB_ERROR_STATUS } from './web-error.js';

const REASONS: Readonly<Record<number, string>> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/** Node's parser error code → the API's code and what the client should do. */
function classify(parserCode: string | undefined): { readonly code: keyof typeof WEB_ERROR_STATUS; readonly message: string } {
  if (parserCode === 'HPE_HEADER_OVERFLOW') return { code: 'STREAMD_HEADERS_TOO_LARGE', message: 'the request headers are larger than this server accepts; send fewer or shorter headers' };
  if (parserCode === 'ERR_HTTP_REQUEST_TIMEOUT') return { code: 'STREAMD_REQUEST_TIMEOUT', message: 'the request was not received in time; send it again' };
  return {
    code: 'STREAMD_BAD_REQUEST',
    message: `the HTTP request could not be parsed (${parserCode ?? 'malformed'}); percent-encode non-ASCII characters in the URL and send valid headers`,
  };
}

/** Answers a request the HTTP parser refused, then closes the connection (its framing is lost). */
export function answerClientError(error: Error & { readonly code?: string; readonly rawPacket?: Buffer }, socket: Duplex): void {
  // A connection reset or already answered: there is no one to tell.
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const { code, message } = classify(error.code);
  const status = WEB_ERROR_STATUS[code];
  const body = JSON.stringify({ code, message });
  // The answer to HEAD has no body: a client that sent HEAD reads one as garbage after the response.
  const isHead = error.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${isHead ? '' : body}`,
  );
}
