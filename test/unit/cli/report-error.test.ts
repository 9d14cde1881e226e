// reportError: a manifest error's formatted problems, one screen of message for other streamd
// errors, a stack only for bugs; exit 2 for configuration-class codes, 1 otherwise.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError } from '../../../src/cli/index.js';
import { exitCodeFor, oneScreen, reportError } from '../../../src/cli/report-error.js';
import { ConfigError, KafkaError, StreamdError } from '../../../src/errors/index.js';
import { ManifestError } from '../../../src/manifest/index.js';

function report(error: unknown): { code: number; text: string } {
  let text = '';
  const code = reportError(error, { stderr: { write: (chunk: string) => (text += chunk) }, cwd: '/app' });
  return { code, text };
}

describe('reportError', () => {
  it('prints a manifest error\'s problems relative to the working directory, exit 2, no stack', () => {
    const error = new ManifestError([{ file: '/app/app.yaml', line: 3, column: 7, path: 'topics.x', message: 'must be an object' }]);
    const { code, text } = report(error);
    assert.equal(code, 2);
    assert.equal(text, 'app.yaml:3:7: topics.x: must be an object\n');
  });

  it('exits 2 for configuration-class codes and 1 for the others, with the message only', () => {
    assert.equal(report(new ConfigError('bad setting')).code, 2);
    assert.equal(report(new StreamdError('STREAMD_HANDLER', 'handler does not build')).code, 2);
    const kafka = report(new KafkaError('broker down', { cause: new Error('ECONNREFUSED 127.0.0.1:9092') }));
    assert.equal(kafka.code, 1);
    assert.equal(kafka.text, 'streamd: broker down\n  caused by: ECONNREFUSED 127.0.0.1:9092\n');
    assert.doesNotMatch(kafka.text, / {4}at /);
  });

  it('honours a CliError\'s exit code', () => {
    assert.equal(exitCodeFor(new CliError('STREAMD_NO_DAEMON', 'no daemon', 1)), 1);
    assert.equal(exitCodeFor(new CliError('STREAMD_ENCODE', 'bad value', 2)), 2);
  });

  it('prints the stack of an error that is not streamd\'s, as a bug, exit 1', () => {
    const { code, text } = report(new TypeError('x is undefined'));
    assert.equal(code, 1);
    assert.match(text, /^streamd: internal error \(please report it\): TypeError: x is undefined\n {4}at /);
  });

  it('cuts a long message to one screen', () => {
    const text = oneScreen({ code: 'STREAMD_X', message: Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n') });
    assert.equal(text.split('\n').length, 40);
    assert.match(text, /… 61 more lines$/);
  });
});
