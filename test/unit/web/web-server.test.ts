// WebServer: listens where it is told (0 = a free port), names the port and the flag when the port is
// taken, and stops promptly with idle keep-alive connections open or a request stuck in flight.

import assert from 'node:assert/strict';
import { Agent, get, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { WebServer, type WebCallback } from '../../../src/web/index.js';

const logger = pino({ level: 'silent' });

const ok: WebCallback = (_request: IncomingMessage, response: ServerResponse) => {
  response.end('ok');
  return Promise.resolve();
};

function fetchText(url: string, agent?: Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, agent === undefined ? {} : { agent }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve(text));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** Writes `raw` on a fresh connection and returns everything the server sends until it closes. */
function rawExchange(port: number, raw: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.end(raw));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

describe('WebServer', () => {
  it('answers a request the HTTP parser refuses with JSON and a stable code', async () => {
    const server = new WebServer({ callback: ok, host: '127.0.0.1', port: 0, logger });
    await server.start();
    try {
      const rawUrl = await rawExchange(server.port!, Buffer.concat([Buffer.from('GET /tables/'), Buffer.from('ключ', 'utf8'), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]));
      assert.match(rawUrl, /^HTTP\/1\.1 400 /);
      assert.match(rawUrl, /Content-Type: application\/json/);
      assert.equal((JSON.parse(rawUrl.slice(rawUrl.indexOf('\r\n\r\n') + 4)) as { code: string }).code, 'STREAMD_BAD_REQUEST');
      const head = await rawExchange(server.port!, Buffer.concat([Buffer.from('HEAD /'), Buffer.from('ключ', 'utf8'), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]));
      assert.match(head, /^HTTP\/1\.1 400 /);
      assert.ok(head.endsWith('\r\n\r\n'), 'the answer to HEAD has no body');
      const hugeHeaders = await rawExchange(server.port!, Buffer.from(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
      assert.match(hugeHeaders, /^HTTP\/1\.1 431 /);
      assert.match(hugeHeaders, /"code":"STREAMD_HEADERS_TOO_LARGE"/);
    } finally {
      await server.stop();
    }
  });

  it('listens on a free port when told port 0, and reports its url', async () => {
    const server = new WebServer({ callback: ok, host: '127.0.0.1', port: 0, logger });
    await server.start();
    try {
      assert.ok((server.port ?? 0) > 0);
      assert.equal(server.url, `http://127.0.0.1:${server.port}`);
      assert.equal(await fetchText(`${server.url}/`), 'ok');
    } finally {
      await server.stop();
    }
  });

  it('fails to start with STREAMD_WEB_PORT_IN_USE naming the port and --web-port', async () => {
    const first = new WebServer({ callback: ok, host: '127.0.0.1', port: 0, logger });
    await first.start();
    try {
      const second = new WebServer({ callback: ok, host: '127.0.0.1', port: first.port!, logger });
      await assert.rejects(second.start(), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'STREAMD_WEB_PORT_IN_USE');
        assert.match(error.message, new RegExp(`port ${first.port} `));
        assert.match(error.message, /--web-port/);
        return true;
      });
      assert.equal(second.state, 'crashed');
    } finally {
      await first.stop();
    }
  });

  it('stops at once with an idle keep-alive connection open', async () => {
    const server = new WebServer({ callback: ok, host: '127.0.0.1', port: 0, logger, closeGraceMs: 30_000 });
    await server.start();
    const agent = new Agent({ keepAlive: true });
    try {
      assert.equal(await fetchText(`${server.url}/`, agent), 'ok');
      const startedMs = Date.now();
      const exit = await server.stop();
      assert.equal(exit.state, 'stopped');
      assert.ok(Date.now() - startedMs < 5_000, `stop took ${Date.now() - startedMs} ms`);
    } finally {
      agent.destroy();
      await server.stop();
    }
  });

  it('closes a request still in flight after the close grace', async () => {
    let release: () => void = () => undefined;
    let received: () => void = () => undefined;
    const isReceived = new Promise<void>((resolve) => (received = resolve));
    const hang: WebCallback = (_request, response) => {
      received();
      release = () => response.end('late');
      return Promise.resolve();
    };
    const server = new WebServer({ callback: hang, host: '127.0.0.1', port: 0, logger, closeGraceMs: 50 });
    await server.start();
    const pending = fetchText(`${server.url}/`).then(() => 'answered', () => 'cut off');
    try {
      await isReceived;
      const exit = await server.stop();
      assert.equal(exit.state, 'stopped');
      assert.equal(await pending, 'cut off');
    } finally {
      release();
      await server.stop();
    }
  });
});
