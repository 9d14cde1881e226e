// helm/streamd and the Dockerfile, checked offline: the chart lints and renders for its default
// values and the two CI values files, every object validates against Kubernetes' OpenAPI schemas
// (kubernetes-validate --strict), each STREAMD_* variable it sets is a real streamd setting, a wrong
// value fails at render time, and the Dockerfile passes hadolint. Tools install into .cache/tools on first use.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { readConfigFiles } from '../../src/manifest/config-files.js';
import { overridableSettings } from '../../src/manifest/layers.js';
import { hadolint, helm, kubernetesValidate, run } from '../helpers/deploy-tools.js';
import { repoPath } from '../kafka/repo-root.js';
import { CHART, only, renderChart, streamdContainer, type K8sObject } from './helpers/chart.js';

const VALUES = [
  { name: 'default values', files: [] },
  { name: 'SASL, TLS and a ServiceMonitor', files: [join(CHART, 'ci', 'sasl-servicemonitor-values.yaml')] },
  { name: 'the app from a ConfigMap', files: [join(CHART, 'ci', 'configmap-values.yaml')] },
] as const;
/** Kinds of CRDs, which Kubernetes' own schemas do not describe. */
const CRD_KINDS = new Set(['ServiceMonitor']);
/** Settings the chart sets from values of its own (so `settings:` must not name them). */
const CHART_OWNED = ['shutdownTimeoutMs', 'brokerSsl', 'brokerSslCaFile', 'brokerSaslMechanism', 'brokerSaslUsername', 'brokerSaslPassword'];

describe('the Helm chart and the Dockerfile', () => {
  const dir = mkdtemp(join(tmpdir(), 'streamd-chart-'));
  after(async () => rm(await dir, { recursive: true, force: true }));

  for (const values of VALUES) {
    it(`lints, renders and validates against the Kubernetes schemas with ${values.name}`, { timeout: 900_000 }, async () => {
      const lint = await run(await helm(), ['lint', CHART, '--strict', ...values.files.flatMap((f) => ['-f', f])]);
      assert.match(lint, /1 chart\(s\) linted, 0 chart\(s\) failed/);
      const objects = await renderChart('orders', { valuesFiles: values.files, namespace: 'streams' });
      const builtIn = objects.filter((o) => !CRD_KINDS.has(o.kind));
      const file = join(await dir, `rendered-${VALUES.indexOf(values)}.yaml`);
      await writeFile(file, builtIn.map((o) => stringify(o)).join('---\n'));
      const [command, ...args] = await kubernetesValidate();
      const report = await run(command!, [...args, '--strict', '--kubernetes-version', '1.33.0', file]);
      for (const o of builtIn) assert.match(report, new RegExp(`passed for resource ${o.kind.toLowerCase()}/${o.metadata.name} `), `${o.kind} ${o.metadata.name} validated:\n${report}`);
      assert.ok(builtIn.some((o) => o.kind === 'StatefulSet') && builtIn.filter((o) => o.kind === 'Service').length === 2, 'a StatefulSet and two Services');
    });
  }

  it('announces each pod under the headless Service, and scrapes it through that Service only', async () => {
    const objects = await renderChart('orders', { valuesFiles: [VALUES[1].files[0]], namespace: 'streams' });
    const statefulSet = only(objects, 'StatefulSet');
    const headless = objects.find((o) => o.kind === 'Service' && (o.spec as { clusterIP?: string }).clusterIP === 'None')!;
    assert.equal(statefulSet.spec?.['serviceName'], headless.metadata.name);
    assert.equal(statefulSet.spec?.['podManagementPolicy'], 'Parallel');
    const env = new Map(streamdContainer(statefulSet).env.map((e) => [e.name, e]));
    assert.equal(env.get('STREAMD_WEB_CANONICAL_URL')?.value, `http://$(POD_NAME).${headless.metadata.name}.$(POD_NAMESPACE).svc:6066`);
    assert.equal(env.get('POD_NAME')?.valueFrom?.fieldRef?.fieldPath, 'metadata.name');
    assert.deepEqual(env.get('STREAMD_BROKER_SASL_PASSWORD')?.valueFrom?.secretKeyRef, { name: 'kafka-users', key: 'streamd-password' });
    const monitor = only(objects, 'ServiceMonitor') as K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] } };
    const matches = (o: K8sObject): boolean => Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => o.metadata.labels?.[k] === v);
    assert.deepEqual(objects.filter((o) => o.kind === 'Service' && matches(o)).map((o) => o.metadata.name), [headless.metadata.name]);
    assert.deepEqual(monitor.spec.endpoints.map((e) => [e.port, e.path]), [['http', '/metrics']]);
    const grace = (statefulSet.spec?.['template'] as { spec: { terminationGracePeriodSeconds: number } }).spec.terminationGracePeriodSeconds;
    assert.ok(grace * 1000 > Number(env.get('STREAMD_SHUTDOWN_TIMEOUT_MS')?.value), `the grace period (${grace} s) outlasts the drain`);
  });

  it('sets only STREAMD_* variables that are streamd settings, and accepts exactly the settings it does not set itself', async () => {
    const { schema } = await readConfigFiles(repoPath());
    const settings = overridableSettings(schema);
    const envNames = new Set(settings.map((s) => s.envName));
    for (const values of VALUES) {
      const container = streamdContainer(only(await renderChart('orders', { valuesFiles: values.files }), 'StatefulSet'));
      const unknown = container.env.map((e) => e.name).filter((name) => name.startsWith('STREAMD_') && !envNames.has(name));
      assert.deepEqual(unknown, [], `${values.name}: variables no setting reads`);
    }
    const valuesSchema = JSON.parse(await readFile(join(CHART, 'values.schema.json'), 'utf8')) as { properties: { settings: { propertyNames: { enum: string[] } } } };
    const streamdSettings = Object.keys((schema as { properties: { settings: { properties: object } } }).properties.settings.properties);
    assert.deepEqual(valuesSchema.properties.settings.propertyNames.enum, streamdSettings.filter((s) => !CHART_OWNED.includes(s)));
  });

  it('refuses wrong values at render time, naming the value', async () => {
    await assert.rejects(renderChart('orders', { set: ['broker=localhost:9092'] }), /\/broker/);
    await assert.rejects(renderChart('orders', { set: ['settings.commitIntervalMS=500'] }), /commitIntervalMS/);
    await assert.rejects(renderChart('orders', { set: ['kafka.sasl.mechanism=plain', 'kafka.sasl.username=u'] }), /kafka\.sasl\.password or kafka\.sasl\.existingSecret is required/);
  });

  it('has a Dockerfile that passes hadolint', { timeout: 300_000 }, async () => {
    const [command] = await hadolint();
    const output = await run(command!, ['--no-color', repoPath('Dockerfile')]).catch((error: Error) => error.message);
    assert.equal(output.trim(), '', 'hadolint reports nothing');
  });
});
