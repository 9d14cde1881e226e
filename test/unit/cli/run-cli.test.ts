// runCli in-process: exit codes for help, version, usage errors, bad manifests and the inspecting
// commands, with a fake process (captured output, given environment and stdin).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../../../src/cli/index.js';
import { packageVersion } from '../../../src/cli/version.js';
import { cliFixture, fakeIo, inspectDeps, manifestFixture } from './fixture.js';

const deps = inspectDeps;

async function run(argv: string[], options: Parameters<typeof fakeIo>[0] = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const fake = fakeIo(options);
  const code = await runCli(argv, fake.io, deps);
  return { code, stdout: fake.stdout(), stderr: fake.stderr() };
}

describe('runCli', () => {
  it('prints the version from package.json and exits 0', async () => {
    const { code, stdout } = await run(['--version']);
    assert.equal(code, 0);
    assert.equal(stdout, `streamd ${packageVersion()}\n`);
  });

  it('prints help for the program and for each command, exit 0', async () => {
    const top = await run(['--help']);
    assert.equal(top.code, 0);
    for (const command of ['start', 'check', 'agents', 'models', 'model', 'tables', 'reset', 'send']) assert.match(top.stdout, new RegExp(`^  ${command} `, 'm'));
    const start = await run(['start', '--help']);
    assert.equal(start.code, 0);
    for (const flag of ['--manifest', '--broker', '--web-port', '--web-host', '--log-level', '--datadir']) assert.match(start.stdout, new RegExp(flag));
  });

  it('exits 2 for usage errors: unknown commands and options, bad flag values, no command', async () => {
    for (const argv of [['bogus'], ['check', '--nope'], ['check', '-m', 'x.yaml', '--web-port', 'abc'], [], ['model'], ['start', '-m', 'x.yaml', '--log-level', 'loud']]) {
      const { code, stderr } = await run(argv);
      assert.equal(code, 2, argv.join(' '));
      assert.notEqual(stderr, '', argv.join(' '));
    }
  });

  it('takes the manifest from STREAMD_MANIFEST, and says how to name it when missing', async () => {
    assert.equal((await run(['agents'], { env: { STREAMD_MANIFEST: manifestFixture('app.yaml') } })).code, 0);
    const missing = await run(['agents']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--manifest app\.yaml \(or set STREAMD_MANIFEST\)/);
  });

  it('checks a good manifest: exit 0, tables on stdout; --json prints JSON only', async () => {
    const human = await run(['check', '--manifest', manifestFixture('app.yaml')]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /^┌Agents─/m);
    const json = await run(['check', '--manifest', manifestFixture('app.yaml'), '--json']);
    assert.equal(json.code, 0);
    const parsed = JSON.parse(json.stdout) as { valid: boolean; agents: { name: string }[] };
    assert.equal(parsed.valid, true);
    assert.equal(parsed.agents[0]?.name, 'count_page_views');
  });

  it('fails a bad manifest with exit 2 and file:line:col on stderr, no stack trace', async () => {
    const { code, stdout, stderr } = await run(['check', '--manifest', manifestFixture('wrong-type.yaml')]);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /wrong-type\.yaml:5:17: topics\.page_views\.partitions: must be an integer/);
    assert.doesNotMatch(stderr, / {4}at /);
    const json = await run(['check', '--manifest', manifestFixture('wrong-type.yaml'), '--json']);
    assert.equal(json.code, 2);
    assert.equal((JSON.parse(json.stdout) as { valid: boolean }).valid, false);
  });

  it('applies setting flags when checking', async () => {
    const { stdout } = await run(['check', '--manifest', cliFixture('app.yaml'), '--json', '--web-port', '7001', '--broker', 'kafka://k:9092']);
    const parsed = JSON.parse(stdout) as { web: { port: number }; broker: string };
    assert.equal(parsed.web.port, 7001);
    assert.equal(parsed.broker, 'kafka://k:9092');
  });

  it('prints a model\'s fields, its JSON Schema with --json, and exits 2 for an unknown model', async () => {
    const table = await run(['model', 'PageView', '-m', cliFixture('app.yaml')]);
    assert.match(table.stdout, /│ tags │ array<string> +│ no +│ \[\] +│/);
    const schema = await run(['model', 'PageView', '-m', cliFixture('app.yaml'), '--json']);
    assert.deepEqual((JSON.parse(schema.stdout) as { required: string[] }).required, ['id', 'user']);
    const unknown = await run(['model', 'Nope', '-m', cliFixture('app.yaml')]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no model "Nope".*models: PageView/);
  });

  it('lists agents and models as JSON', async () => {
    const agents = JSON.parse((await run(['agents', '-m', cliFixture('app.yaml'), '--json'])).stdout) as { name: string; sinks: string[] }[];
    assert.deepEqual(agents.map((a) => [a.name, a.sinks]), [['count_page_views', ['page_counts']]]);
    const models = JSON.parse((await run(['models', '-m', cliFixture('app.yaml'), '--json'])).stdout) as unknown;
    assert.deepEqual(models, [{ name: 'PageView', fields: ['id', 'user', 'at', 'tags'], required: ['id', 'user'], description: 'One page view from the browser.' }]);
  });

  it('refuses to send without a value when stdin is a terminal (exit 2)', async () => {
    const { code, stderr } = await run(['send', 'page_views', '-m', cliFixture('app.yaml'), '--web-port', '1']);
    assert.equal(code, 2);
    assert.match(stderr, /no value to send/);
  });

  it('refuses to send when the daemon\'s port is unknown (web.port 0)', async () => {
    const { code, stderr } = await run(['send', 'page_views', '{}', '-m', cliFixture('app.yaml')]);
    assert.equal(code, 2);
    assert.match(stderr, /--web-port/);
  });
});
