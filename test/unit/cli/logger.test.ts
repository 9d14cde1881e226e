// createLogger and --log-level: JSON lines unless the output is a terminal (or pretty is asked for),
// readable lines that keep every field and an error's stack, the level filters, Faust's level names.

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

  it('writes readable lines when asked: time, level, service, message, fields, no colours off a terminal', () => {
    const out = sink(false);
    const logger = createLogger({ level: 'debug', pretty: true, destination: out }).child({ service: 'stream source' });
    logger.debug({ partition: 3, topic: 'page views', tps: ['a[0]'] }, 'assigned');
    assert.equal(out.lines.length, 1);
    assert.match(out.lines[0]!, /^\d\d:\d\d:\d\d\.\d{3} DEBUG \[stream source\] assigned {2}partition=3 topic="page views" tps=\["a\[0\]"\]\n$/);
  });

  it('shows an error with its stack and code, indented under the line', () => {
    const out = sink(false);
    const error = Object.assign(new Error('disk full'), { code: 'ENOSPC' });
    createLogger({ level: 'info', pretty: true, destination: out }).error({ err: error }, 'write failed');
    const [head, ...rest] = out.lines.join('').trimEnd().split('\n');
    assert.match(head!, /ERROR write failed$/);
    assert.equal(rest[0], '    Error: disk full');
    assert.match(rest[1]!, /^ {4} {4}at /);
    assert.equal(rest.at(-1), '    code: ENOSPC');
  });

  it('colours the level on a terminal', () => {
    const out = sink(true);
    createLogger({ level: 'info', destination: out }).warn('careful');
    const ESC = String.fromCharCode(27);
    assert.ok(out.lines.join('').includes(`${ESC}[33mWARN ${ESC}[0m careful`), JSON.stringify(out.lines));
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
