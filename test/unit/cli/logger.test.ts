// createLogger and --log-level: JSON lines unless the output is a terminal (or pretty is asked for and
// pino-pretty is installed), the level filters, Faust's level names are accepted.

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, parseLogLevel } from '../../../src/log/index.js';

function sink(isTTY: boolean): Writable & { lines: string[]; isTTY: boolean } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return Object.assign(stream, { lines, isTTY });
}

describe('createLogger', () => {
  it('writes JSON lines when the destination is not a terminal', () => {
    const out = sink(false);
    const logger = createLogger({ level: 'info', destination: out });
    logger.info({ topic: 'page_views' }, 'hello');
    logger.debug('filtered out');
    assert.equal(out.lines.length, 1);
    const line = JSON.parse(out.lines[0]!) as { msg: string; topic: string; level: number };
    assert.deepEqual([line.msg, line.topic, line.level], ['hello', 'page_views', 30]);
  });

  it('writes readable lines through pino-pretty when asked (it is installed in development)', () => {
    const out = sink(false);
    const logger = createLogger({ level: 'debug', pretty: true, destination: out });
    logger.debug({ partition: 3 }, 'assigned');
    const text = out.lines.join('');
    assert.match(text, /DEBUG.*assigned/);
    assert.match(text, /partition: 3/);
    assert.throws(() => JSON.parse(text) as unknown);
  });

  it('is pretty by default on a terminal and JSON when told not to be', () => {
    const isJson = (pretty: boolean | undefined): boolean => {
      const out = sink(true);
      createLogger({ level: 'info', destination: out, ...(pretty === undefined ? {} : { pretty }) }).info('hi');
      try {
        JSON.parse(out.lines.join(''));
        return true;
      } catch {
        return false;
      }
    };
    assert.equal(isJson(undefined), false);
    assert.equal(isJson(false), true);
  });
});

describe('parseLogLevel', () => {
  it('takes pino\'s levels in any case and Faust\'s aliases, and nothing else', () => {
    assert.equal(parseLogLevel('INFO'), 'info');
    assert.equal(parseLogLevel(' warning '), 'warn');
    assert.equal(parseLogLevel('critical'), 'fatal');
    assert.equal(parseLogLevel('silent'), 'silent');
    assert.equal(parseLogLevel('verbose'), undefined);
  });
});
