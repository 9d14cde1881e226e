// Three "pods" of the chart's StatefulSet as local processes on the real broker: the command, args,
// env and probes are taken from `helm template`, with the env the kubelet would give each pod (its
// name, $(VAR) expansion) and only the addresses rewritten (the broker; the announced URL and web
// port to 127.0.0.1 ports; /var/lib/streamd, /tmp and /app to temporary directories). The pods
// listen on 0.0.0.0 as the chart says, so without the announced URL a pod would name itself by the
// host name, and the served-by checks below would fail. Each becomes
// ready on the chart's readiness path, a table query to any pod is answered by the key's owner
// through the URL the chart made it announce, and a rolling restart (SIGTERM from the highest
// ordinal down, each pod ready again before the next, as the StatefulSet controller does) loses no
// record and over-counts no table.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findFreePorts } from '../kafka/free-ports.js';
import { repoRoot } from '../kafka/repo-root.js';
import { only, renderChart, streamdContainer, type Container, type K8sObject } from './helpers/chart.js';
import type { Daemon } from './helpers/daemon.js';
import { PageViewLoad, assertCountsEqual } from './helpers/page-view-load.js';
import { brokerAddress } from './helpers/pipeline-app.js';
import { TablesApp } from './helpers/tables-app.js';

const NAMESPACE = 'streams';
const LOAD = new PageViewLoad(12_000, 400);
/** Events loaded before the pods start; the rest arrive in slices, one before each pod's restart. */
const FIRST = 6000;
const QUERIES = 60;

interface Pod {
  readonly name: string;
  readonly port: number;
  /** The URL the chart makes the pod announce, before and after the rewrite to 127.0.0.1. */
  readonly announced: string;
  readonly url: string;
  readonly command: string[];
  readonly env: Record<string, string>;
  daemon?: Daemon;
}

/** The container's env as the kubelet resolves it for `podName`: fieldRefs, then $(VAR) references. */
function kubeletEnv(container: Container, podName: string): Map<string, string> {
  const fields: Record<string, string> = { 'metadata.name': podName, 'metadata.namespace': NAMESPACE };
  const env = new Map<string, string>();
  for (const variable of container.env) {
    const field = variable.valueFrom?.fieldRef?.fieldPath;
    const raw = field !== undefined ? fields[field] : variable.value;
    if (raw === undefined) throw new Error(`${variable.name}: the test cannot resolve ${JSON.stringify(variable.valueFrom)}`);
    env.set(variable.name, raw.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env.get(name) ?? whole));
  }
  return env;
}

describe("the chart's StatefulSet as three local pods on the real broker", () => {
  const app = new TablesApp();
  const scratch = mkdtemp(join(tmpdir(), 'streamd-pods-'));
  after(async () => {
    await app.close();
    await rm(await scratch, { recursive: true, force: true });
  });

  it('become ready, answer table queries through the owners they announce, and lose nothing in a rolling restart', { timeout: 300_000 }, async () => {
    const objects = await renderChart('pageviews', { namespace: NAMESPACE, set: ['replicas=3', 'broker=kafka://kafka.streams.svc:9092'] });
    const statefulSet = only(objects, 'StatefulSet');
    const headless = objects.find((o: K8sObject) => o.kind === 'Service' && (o.spec as { clusterIP?: string }).clusterIP === 'None')!;
    const container = streamdContainer(statefulSet);
    const replicas = statefulSet.spec?.['replicas'] as number;
    assert.equal(replicas, 3);
    const readyPath = container.readinessProbe.httpGet.path;
    const containerPort = container.ports.find((p) => p.name === container.readinessProbe.httpGet.port)?.containerPort;
    assert.ok(containerPort !== undefined, 'the readiness probe names the container port');

    await app.createTopics();
    await app.load(LOAD, { to: FIRST });
    const manifest = await app.writeManifest();
    const ports = await findFreePorts(replicas);
    const pods: Pod[] = [];
    for (let i = 0; i < replicas; i++) {
      const name = `${statefulSet.metadata.name}-${i}`;
      const env = kubeletEnv(container, name);
      const announced = env.get('STREAMD_WEB_CANONICAL_URL')!;
      assert.equal(announced, `http://${name}.${headless.metadata.name}.${NAMESPACE}.svc:${containerPort}`, 'the pod announces its name under the headless Service');
      const port = ports[i]!;
      const url = `http://127.0.0.1:${port}`;
      const dirs = { data: await app.newDatadir(), tmp: await mkdtemp(join(await scratch, `${name}-tmp-`)) };
      const rewrite = (value: string): string => value
        .replace(announced, url)
        .replace(/^kafka:\/\/.*$/, `kafka://${brokerAddress()}`)
        .replace(/^\/var\/lib\/streamd/, dirs.data)
        .replace(/^\/tmp(?=\/|$)/, dirs.tmp)
        .replace(new RegExp(`^${containerPort}$`), String(port));
      const command = [...container.command, ...container.args].map((arg) => arg
        .replace(/^node$/, process.execPath)
        .replace(/^\/opt\/streamd\//, `${repoRoot()}/`)
        .replace(/^\/app\/app\.yaml$/, manifest));
      pods.push({ name, port, announced, url, command, env: Object.fromEntries([...env].map(([k, v]) => [k, rewrite(v)])) });
    }
    const start = async (pod: Pod): Promise<Daemon> => (pod.daemon = await app.start({ command: pod.command, env: pod.env, webPort: pod.port, readyPath, readyTimeoutMs: 90_000 }));

    // podManagementPolicy: Parallel — all three start at once.
    await Promise.all(pods.map(start));
    await app.waitForDrain(120_000);
    await assertQueriesAnsweredByOwners(pods, new PageViewLoad(FIRST, LOAD.pages).truth());

    // Rolling update: highest ordinal first; the next pod only once this one is ready again.
    const slice = Math.ceil((LOAD.events - FIRST) / replicas);
    for (const [step, pod] of [...pods].reverse().entries()) {
      await app.load(LOAD, { from: FIRST + step * slice, to: FIRST + (step + 1) * slice });
      const exit = await pod.daemon!.terminate(60_000);
      assert.deepEqual(exit, { code: 0, signal: null }, `${pod.name} drains and exits 0 on SIGTERM`);
      await start(pod);
    }
    await app.waitForDrain(120_000);
    const changelog = await app.changelogContents();
    assertCountsEqual(changelog.values, LOAD.truth(), 'the changelog after the rolling restart');
    await assertQueriesAnsweredByOwners(pods, LOAD.truth());
  });
});

/** Asks random pods for pages' counts: every answer is right and comes from an announced URL; some were forwarded. */
async function assertQueriesAnsweredByOwners(pods: readonly Pod[], truth: ReadonlyMap<string, number>): Promise<void> {
  const urls = new Set(pods.map((p) => p.url));
  const pages = [...truth.keys()];
  let forwarded = 0;
  for (let q = 0; q < QUERIES; q++) {
    const page = pages[(q * 7919) % pages.length]!;
    const pod = pods[q % pods.length]!;
    const response = await fetch(`${pod.url}/tables/page_counts/keys/${encodeURIComponent(page)}`);
    const body = (await response.json()) as { value?: unknown };
    assert.equal(response.status, 200, `GET ${page} from ${pod.name}: ${JSON.stringify(body)}`);
    assert.equal(body.value, truth.get(page), `the count of ${page} asked of ${pod.name}`);
    const servedBy = response.headers.get('x-streamd-served-by');
    assert.ok(servedBy !== null && urls.has(servedBy), `${page} was answered by a pod's announced URL (${servedBy})`);
    if (servedBy !== pod.url) forwarded++;
  }
  assert.ok(forwarded > 0 && forwarded < QUERIES, `some queries were forwarded to the owner, some answered where asked (${forwarded} of ${QUERIES} forwarded)`);
  process.stdout.write(`# ${forwarded} of ${QUERIES} table queries forwarded to the owner's announced URL\n`);
}
