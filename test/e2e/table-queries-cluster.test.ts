// Table reads over HTTP from a cluster of two page-views workers on the real broker: any key can be
// asked of either worker (it answers itself or forwards to the owner), and after the owner of some
// keys is killed, the survivor answers for them with the right counts.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { SeededRandom } from '../helpers/seeded-random.js';
import { waitFor } from '../helpers/wait-for.js';
import { PageViewsCluster, assignments, pageOf, partitionsOf, type ClusterWorker } from './helpers/cluster-app.js';

const VIEWS = 20_000;
const PAGES = 2000;
const KEYS = 1000;
/** Of the asked keys, how many are also read through the example's routed view. */
const VIEW_READS = 200;
const SESSION_TIMEOUT_MS = 6000;
const SERVED_BY = 'x-streamd-served-by';

interface Answer {
  readonly status: number;
  readonly servedBy: string | null;
  readonly body: { code?: string; value?: unknown };
}

async function read(worker: ClusterWorker, page: string): Promise<Answer> {
  const response = await fetch(`${worker.daemon.url}/tables/page_counts/keys/${encodeURIComponent(page)}`);
  return { status: response.status, servedBy: response.headers.get(SERVED_BY), body: (await response.json()) as Answer['body'] };
}

describe('table reads over HTTP from a cluster of two workers', () => {
  const app = new PageViewsCluster({ standbyReplicas: 1, sessionTimeoutMs: SESSION_TIMEOUT_MS });
  after(() => app.close());

  it('answers 1000 random keys right from either worker, and from the survivor after the owner is killed', { timeout: 240_000 }, async () => {
    const seed = Number(process.env['STREAMD_TEST_SEED'] ?? Date.now() % 1_000_000);
    const random = new SeededRandom(seed);
    await app.setUp();
    const webHost = ['--web-host', '127.0.0.1'];
    const a = await app.start('a', webHost);
    const b = await app.start('b', webHost);
    const workers = [a, b];

    // Both workers hold a share of the page partitions before the views arrive.
    await waitFor(
      () => workers.every((w) => partitionsOf(app.repartition, assignments(w.daemon).at(-1)?.partitions ?? []).length > 0 && assignments(w.daemon).at(-1)?.readyAt !== undefined),
      { timeoutMs: 60_000, intervalMs: 100, message: () => `both workers processing a share of the partitions; a: ${a.daemon.tail(5)}\nb: ${b.daemon.tail(5)}` },
    );
    // Skewed views, so the counts differ from page to page (a read of the wrong key would show).
    const truth = new Map<string, number>();
    const producer = await app.driver.producer();
    const records = Array.from({ length: VIEWS }, (_, i) => {
      const page = pageOf(Math.floor(random.next() ** 2 * PAGES), PAGES);
      truth.set(page, (truth.get(page) ?? 0) + 1);
      return { topic: app.input, key: Buffer.from(`view-${i}`), value: Buffer.from(JSON.stringify({ id: page, user: `user-${i % 37}` })) };
    });
    await producer.send(records);
    await producer.close();
    await app.waitCommittedToEnd(app.input, 90_000);
    await app.waitCommittedToEnd(app.repartition, 90_000);

    assert.ok(truth.size > KEYS, `more pages were viewed (${truth.size}) than are asked`);
    // 1000 distinct random pages, each asked of a random worker.
    const asked = random.shuffle([...truth.keys()]).slice(0, KEYS);
    const servedBy = new Map<string, string>();
    let proxied = 0;
    for (const page of asked) {
      const worker = random.pick(workers);
      const answer = await read(worker, page);
      assert.equal(answer.status, 200, `seed ${seed}: GET ${page} from ${worker.name}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.value, truth.get(page), `seed ${seed}: the count of ${page} asked of ${worker.name}`);
      assert.ok(answer.servedBy === a.daemon.url || answer.servedBy === b.daemon.url, `seed ${seed}: ${page} was served by a worker of the cluster (${answer.servedBy})`);
      servedBy.set(page, answer.servedBy);
      if (answer.servedBy !== worker.daemon.url) proxied += 1;
    }
    assert.ok(proxied > 0 && proxied < KEYS, `seed ${seed}: some reads were forwarded to the owner, some answered locally (${proxied} of ${KEYS} forwarded)`);
    // The example's view GET /pages/:page has routeBy: it runs on the page's owner, whichever worker is asked.
    for (const page of asked.slice(0, VIEW_READS)) {
      const worker = random.pick(workers);
      const response = await fetch(`${worker.daemon.url}/pages/${encodeURIComponent(page)}`);
      assert.equal(response.status, 200, `seed ${seed}: GET /pages/${page} from ${worker.name}`);
      assert.deepEqual(await response.json(), { page, count: truth.get(page) }, `seed ${seed}: the view's count of ${page} asked of ${worker.name}`);
      assert.equal(response.headers.get(SERVED_BY), servedBy.get(page), `seed ${seed}: the view of ${page} ran on its owner`);
    }
    // A page nobody viewed is 404 with the table's default, from either worker.
    const unknown = await read(a, '/never-viewed');
    assert.equal(unknown.status, 404);
    assert.deepEqual([unknown.body.code, (unknown.body as { default?: unknown }).default], ['STREAMD_UNKNOWN_KEY', 0]);

    // kill -9 b, the owner of some of the asked keys; a takes every partition over.
    const ofB = asked.filter((page) => servedBy.get(page) === b.daemon.url);
    assert.ok(ofB.length > 0, `seed ${seed}: b owns some of the asked pages`);
    const killedAt = Date.now();
    assert.equal((await b.daemon.kill9()).signal, 'SIGKILL');

    // While the group has not noticed, a read of b's keys from a fails with a documented code, never another 5xx.
    const during = await read(a, ofB[0]!);
    assert.ok(during.status === 200 || during.status === 502 || during.status === 503, `a read during the failover is 200, 502 or 503: ${during.status} ${JSON.stringify(during.body)}`);
    if (during.status !== 200) assert.ok(during.body.code === 'STREAMD_OWNER_UNREACHABLE' || during.body.code === 'STREAMD_NOT_READY', JSON.stringify(during.body));

    await waitFor(
      () => {
        const last = assignments(a.daemon).at(-1);
        return last !== undefined && last.time >= killedAt && last.readyAt !== undefined && partitionsOf(app.repartition, last.partitions).length === 4;
      },
      { timeoutMs: SESSION_TIMEOUT_MS + 60_000, intervalMs: 100, message: () => `the survivor processing every partition:\n${a.daemon.tail(20)}` },
    );
    for (const page of ofB) {
      const answer = await read(a, page);
      assert.equal(answer.status, 200, `seed ${seed}: GET ${page} from the survivor: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.value, truth.get(page), `seed ${seed}: the count of ${page} after the failover`);
      assert.equal(answer.servedBy, a.daemon.url, `${page} is served by the survivor`);
    }
    console.log(`seed ${seed}: ${KEYS} keys right from either worker (${proxied} forwarded), ${VIEW_READS} through the routed view; ${ofB.length} keys of the killed owner right from the survivor`);
    assert.deepEqual(await a.daemon.terminate(), { code: 0, signal: null }, a.daemon.tail());
  });
});
