// The built `streamd` CLI as a user runs it: --version, --help, check, agents, models and model on the
// fixture manifests, and malformed manifests (exit 2, file:line:col, never a stack trace).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot, runStreamd } from '../fixtures/cli/cli-process.js';

const manifest = (name: string): string => join('test', 'fixtures', 'manifests', name);
const STACK_LINE = / {4}at /;

describe('streamd CLI', { timeout: 120_000 }, () => {
  it('prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string };
    const run = await runStreamd(['--version']);
    assert.equal(run.code, 0);
    assert.equal(run.stdout.trim(), `streamd ${version}`);
  });

  it('prints help for the program and for every command', async () => {
    const top = await runStreamd(['--help']);
    assert.equal(top.code, 0, top.stderr);
    assert.match(top.stdout, /Usage: streamd/);
    for (const command of ['start', 'check', 'agents', 'models', 'model', 'send']) {
      const run = await runStreamd([command, '--help']);
      assert.equal(run.code, 0, `${command}: ${run.stderr}`);
      assert.match(run.stdout, new RegExp(`Usage: streamd ${command}`));
      assert.match(run.stdout, /--manifest/);
    }
  });

  it('checks app.yaml: exit 0 and the topology as tables', async () => {
    const run = await runStreamd(['check', '--manifest', manifest('app.yaml')]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^manifest {3}test\/fixtures\/manifests\/app\.yaml: valid$/m);
    assert.match(run.stdout, /│ page_views +│ string │ PageView │ +4 │/);
    assert.match(run.stdout, /│ @count_page_views │ page_views │ +1 │ page_counts_out │/);
    assert.match(run.stdout, /tumbling 1m, expires 1h/);
    assert.equal(run.stderr, '');
  });

  it('checks app.yaml with --json: JSON only on stdout', async () => {
    const run = await runStreamd(['check', '--manifest', manifest('app.yaml'), '--json']);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as { valid: boolean; id: string; timers: { name: string }[] };
    assert.equal(summary.valid, true);
    assert.equal(summary.id, 'page-views');
    assert.deepEqual(summary.timers.map((t) => t.name), ['report']);
  });

  it('lists agents, models and a model\'s fields, as tables and as JSON', async () => {
    const agents = await runStreamd(['agents', '--manifest', manifest('app.yaml')]);
    assert.equal(agents.code, 0, agents.stderr);
    assert.match(agents.stdout, /^┌Agents─/);
    const agentsJson = JSON.parse((await runStreamd(['agents', '--manifest', manifest('app.yaml'), '--json'])).stdout) as { name: string; topics: string[] }[];
    assert.deepEqual(agentsJson.map((a) => [a.name, a.topics]), [['count_page_views', ['page_views']]]);

    const models = await runStreamd(['models', '--manifest', manifest('app.yaml')]);
    assert.match(models.stdout, /│ PageView │ +2 │ id, user │/);
    const model = await runStreamd(['model', 'PageView', '--manifest', manifest('app.yaml')]);
    assert.equal(model.code, 0, model.stderr);
    assert.match(model.stdout, /│ id +│ string │ yes +│/);
    const schema = JSON.parse((await runStreamd(['model', 'PageView', '--manifest', manifest('app.yaml'), '--json'])).stdout) as { type: string };
    assert.equal(schema.type, 'object');
  });

  it('fails a malformed manifest with exit 2, file:line:col and no stack trace', async () => {
    const cases: [string, RegExp][] = [
      ['syntax-error.yaml', /syntax-error\.yaml:4:15: /],
      ['wrong-type.yaml', /wrong-type\.yaml:5:17: topics\.page_views\.partitions: /],
      ['unknown-key.yaml', /unknown-key\.yaml:\d+:\d+: /],
    ];
    for (const [name, expected] of cases) {
      for (const command of ['check', 'agents', 'start']) {
        const run = await runStreamd([command, '--manifest', manifest(name)]);
        assert.equal(run.code, 2, `${command} ${name}: ${run.stderr}`);
        assert.match(run.stderr, expected, `${command} ${name}`);
        assert.doesNotMatch(run.stderr, STACK_LINE, `${command} ${name}`);
        assert.equal(run.stdout, '', `${command} ${name}`);
      }
    }
  });

  it('fails a missing manifest file and usage errors with exit 2', async () => {
    const missing = await runStreamd(['check', '--manifest', 'nope.yaml']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.yaml: manifest file does not exist/);
    for (const argv of [['check'], ['frobnicate'], ['check', '--manifest', manifest('app.yaml'), '--web-port', 'x'], []]) {
      const run = await runStreamd(argv);
      assert.equal(run.code, 2, argv.join(' '));
      assert.doesNotMatch(run.stderr, STACK_LINE);
    }
  });

  it('reports a schema mistake, an undeclared name and a missing handler export together, in one run', async () => {
    const run = await runStreamd(['check', '--manifest', manifest('three-mistakes.yaml')]);
    assert.equal(run.code, 2, run.stdout);
    assert.match(run.stderr, /three-mistakes\.yaml:5:42: topics\.clicks\.partitions: must be an integer, got "four"/);
    assert.match(run.stderr, /three-mistakes\.yaml:8:12: agents\.count\.topic: "clikcs" is not a declared topic/);
    assert.match(run.stderr, /three-mistakes\.yaml:9:39: agents\.count\.handler: handler module "\.\/handlers\/page-views\.ts" has no export "countPageViewz"/);
    assert.doesNotMatch(run.stderr, STACK_LINE);
    const json = await runStreamd(['check', '--json', '--manifest', manifest('three-mistakes.yaml')]);
    const report = JSON.parse(json.stdout) as { valid: boolean; problems: { path: string }[] };
    assert.equal(report.valid, false);
    assert.deepEqual(report.problems.map((p) => p.path), ['topics.clicks.partitions', 'agents.count.topic', 'agents.count.handler']);
  });

  it('fails check on a function sink whose export does not exist, at the sink', async () => {
    const run = await runStreamd(['check', '--manifest', manifest('missing-sink-export.yaml')]);
    assert.equal(run.code, 2, run.stdout);
    assert.match(run.stderr, /missing-sink-export\.yaml:9:38: agents\.count\.sinks\[0\]: handler module "\.\/handlers\/page-views\.ts" has no export "collectViews"/);
  });

  it('clean-versions removes the older version directories only, and says so as JSON', async () => {
    const datadir = await mkdtemp(join(tmpdir(), 'streamd-clean-'));
    try {
      // The fixture app is tables-test, version 2.
      for (const version of ['v1', 'v2', 'v3']) {
        await mkdir(join(datadir, 'tables-test', version, 'tables', 'counts-0'), { recursive: true });
        await writeFile(join(datadir, 'tables-test', version, 'tables', 'counts-0', 'data'), 'x'.repeat(100));
      }
      const run = await runStreamd(['clean-versions', '--manifest', join('test', 'fixtures', 'cli', 'tables.yaml'), '--datadir', datadir, '--json']);
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(run.stdout) as { removed: { version: number; bytes: number }[]; leftAlone: { path: string }[] };
      assert.deepEqual(result.removed.map(({ version, bytes }) => [version, bytes]), [[1, 100]]);
      assert.deepEqual((await readdir(join(datadir, 'tables-test'))).sort(), ['v2', 'v3']);
    } finally {
      await rm(datadir, { recursive: true, force: true });
    }
  });

  it('fails check on a table hook whose export does not exist, at the hook', async () => {
    const run = await runStreamd(['check', '--manifest', manifest('missing-hook-export.yaml')]);
    assert.equal(run.code, 2, run.stdout);
    assert.match(run.stderr, /missing-hook-export\.yaml:10:48: tables\.counts\.onKeySet: handler module "\.\/handlers\/page-views\.ts" has no export "countedHook"/);
  });

  it('fails check on a handler import nothing provides, naming the module', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'streamd-check-'));
    try {
      await writeFile(join(dir, 'app.yaml'), 'id: unresolved\ntopics:\n  words: {}\nagents:\n  count: { topic: words, handler: ./handlers.ts#count }\n');
      await writeFile(join(dir, 'handlers.ts'), "import { thing } from 'no-such-package-anywhere';\nexport const count = async () => thing;\n");
      const run = await runStreamd(['check', '--manifest', join(dir, 'app.yaml')]);
      assert.equal(run.code, 2, run.stdout);
      assert.match(run.stderr, /handlers\.ts:1:\d+: agents\.count\.handler: cannot resolve "no-such-package-anywhere"/);
      assert.match(run.stderr, /install "no-such-package-anywhere"/);
      assert.deepEqual((await readdir(dir)).sort(), ['app.yaml', 'handlers.ts'], 'check writes nothing into the app');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
