// The human rendering of manifest problems: header, code frame with caret, expected, hint, and the cap.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManifestError, formatProblem, type ManifestProblem } from '../../../src/manifest/index.js';

const problem: ManifestProblem = {
  file: '/srv/app/app.yaml',
  line: 12,
  column: 12,
  path: 'agents.count_page_views.topic',
  message: '"page_view" is not a declared topic',
  hint: 'did you mean "page_views"?',
  excerpt: { lineText: '    topic: page_view', width: 9 },
};

describe('formatting problems', () => {
  it('renders file:line:col, the path, the source line with a caret under the value, and the hint', () => {
    assert.equal(
      formatProblem(problem, { cwd: '/srv/app' }),
      [
        'app.yaml:12:12: agents.count_page_views.topic: "page_view" is not a declared topic',
        '  12 |     topic: page_view',
        '     |            ^^^^^^^^^',
        '  did you mean "page_views"?',
      ].join('\n'),
    );
  });

  it('keeps absolute paths outside the working directory', () => {
    assert.match(formatProblem(problem, { cwd: '/elsewhere' }), /^\/srv\/app\/app\.yaml:12:12: /);
  });

  it('shows what was expected', () => {
    const { hint: _hint, ...withoutHint } = problem;
    const text = formatProblem({ ...withoutHint, expected: 'one of skip, dlq, stop' }, { cwd: '/srv/app' });
    assert.match(text, /\n {2}expected one of skip, dlq, stop$/);
  });

  it('renders a problem without a position as its origin and message only', () => {
    const text = formatProblem({ file: 'environment variable STREAMD_WEB_PORT', line: 0, column: 0, path: 'web.port', message: 'must be an integer, got "x"' });
    assert.equal(text, 'environment variable STREAMD_WEB_PORT: web.port: must be an integer, got "x"');
  });

  it('lines the caret up under tab-indented text', () => {
    const text = formatProblem({ ...problem, column: 3, excerpt: { lineText: '\t\tvalue', width: 5 } }, { cwd: '/srv/app' });
    assert.equal(text.split('\n')[2], '     | \t\t^^^^^');
  });

  it('lists ten problems, then how many more, in line order, without a stack trace', () => {
    const problems = Array.from({ length: 13 }, (_, i) => ({ ...problem, line: 13 - i }));
    const error = new ManifestError(problems);
    assert.equal(error.problems[0]?.line, 1);
    const text = error.format({ cwd: '/srv/app' });
    assert.equal(text.match(/^app\.yaml:/gm)?.length, 10);
    assert.match(text, /… and 3 more problems$/);
    assert.doesNotMatch(text, /\n\s+at /);
    assert.equal(error.code, 'STREAMD_MANIFEST');
  });
});
