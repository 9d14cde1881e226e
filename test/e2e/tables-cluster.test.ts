// Workers of one app on the real broker, as a user runs them: the partitions and standbys split
// between them, a survivor of kill -9 takes every partition over with exact table contents, and
// leadership moves to exactly one survivor when the leader dies.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { waitFor } from '../helpers/wait-for.js';
import {
  PARTITIONS,
  PageViewsCluster,
  assignments,
  leaderGauge,
  partitionsOf,
  standbyPartitions,
  trueCounts,
  type ClusterWorker,
} from './helpers/cluster-app.js';

const VIEWS = 100_000;
const PAGES = 1000;
/** Short, so the broker notices a kill -9 soon; the failover waits about this long. */
const SESSION_TIMEOUT_MS = 6000;
const TIMEOUT_MS = 180_000;
const ALL = Array.from({ length: PARTITIONS }, (_, p) => p);
/** A short-interval timer that only runs on the leader (test/fixtures/apps/e2e/leader-timer.ts). */
const LEADER_TIMER = `
timers:
  leader_tick: { interval: 200ms, onLeader: true, handler: ./leader-timer.ts#leaderTick }
`;

/** When the worker's leader timer fired at or after `since` (epoch ms of its log lines). */
function firings(worker: ClusterWorker, since: number): number[] {
  return worker.daemon
    .logs()
    .filter((l) => l['msg'] === 'leader timer fired' && (l['time'] as number) >= since)
    .map((l) => l['time'] as number);
}

/** The worker's latest assignment, once it is processing it (tables recovered). */
function readyAssignment(worker: ClusterWorker): readonly string[] | undefined {
  const last = assignments(worker.daemon).at(-1);
  return last?.readyAt === undefined ? undefined : last.partitions;
}

describe('a cluster of streamd workers with tables', () => {
  const clusters: PageViewsCluster[] = [];
  const failovers: string[] = [];
  const cluster = async (standbyReplicas: number, extraManifest?: string): Promise<PageViewsCluster> => {
    const made = new PageViewsCluster({ standbyReplicas, sessionTimeoutMs: SESSION_TIMEOUT_MS, ...(extraManifest === undefined ? {} : { extraManifest }) });
    clusters.push(made);
    await made.setUp();
    return made;
  };
  after(async () => {
    await Promise.all(clusters.map((c) => c.close()));
    if (failovers.length > 0) console.log(`failover times (kill -9 → survivor processing every partition): ${failovers.join('; ')}`);
  });

  for (const standbyReplicas of [1, 0]) {
    it(
      `splits the partitions between two workers, and the survivor of a kill -9 takes them all over with exact tables (standbyReplicas ${standbyReplicas})`,
      { timeout: TIMEOUT_MS },
      async () => {
        const app = await cluster(standbyReplicas);
        const a = await app.start('a');
        const b = await app.start('b');

        // Both workers process a disjoint half-share of the repartition topic; with standbys, each
        // follows as a standby exactly the table partitions the other holds as active.
        const split = await waitFor(
          () => {
            const [ofA, ofB] = [readyAssignment(a), readyAssignment(b)];
            if (ofA === undefined || ofB === undefined) return false;
            const activeA = partitionsOf(app.repartition, ofA);
            const activeB = partitionsOf(app.repartition, ofB);
            if (activeA.length === 0 || activeB.length === 0 || activeA.some((p) => activeB.includes(p))) return false;
            if ([...activeA, ...activeB].length !== PARTITIONS) return false;
            const standbyA = standbyPartitions(a.daemon, 'page_counts', activeA);
            const standbyB = standbyPartitions(b.daemon, 'page_counts', activeB);
            if (standbyReplicas > 0 && (standbyA.length !== activeB.length || standbyB.length !== activeA.length)) return false;
            return { ofA, ofB, activeA, activeB, standbyA, standbyB };
          },
          { timeoutMs: 60_000, intervalMs: 100, message: () => `two workers processing disjoint partitions; a: ${a.daemon.tail(10)}\nb: ${b.daemon.tail(10)}` },
        );
        assert.deepEqual([...split.activeA, ...split.activeB].sort(), ALL, 'the two workers together process every repartition partition');
        assert.deepEqual(partitionsOf(app.input, split.ofA), split.activeA, 'a reads the source partitions co-partitioned with its repartition partitions');
        assert.deepEqual(partitionsOf(app.input, split.ofB), split.activeB, 'b reads the source partitions co-partitioned with its repartition partitions');
        if (standbyReplicas > 0) {
          assert.deepEqual(split.standbyA, split.activeB, "a follows b's active table partitions as a standby");
          assert.deepEqual(split.standbyB, split.activeA, "b follows a's active table partitions as a standby");
        } else {
          assert.deepEqual([...split.standbyA, ...split.standbyB], [], 'no standbys with standbyReplicas 0');
        }

        // kill -9 mid-stream: views still arriving, b's share of the counting half done.
        let producerError: unknown;
        const producing = app.produceViews(0, VIEWS, PAGES);
        void producing.catch((err: unknown) => (producerError = err));
        await waitFor(async () => producerError !== undefined || (await app.progress(app.repartition)).committed >= BigInt(VIEWS / 5), {
          timeoutMs: 90_000,
          intervalMs: 50,
          message: 'a fifth of the views counted',
        });
        if (producerError !== undefined) await producing;
        const killedAt = Date.now();
        const exit = await b.daemon.kill9();
        assert.equal(exit.signal, 'SIGKILL');
        const [atKill, repartitionAtKill] = [await app.progress(app.input), await app.progress(app.repartition)];
        await producing;
        assert.ok(
          atKill.end < BigInt(VIEWS) || atKill.committed < atKill.end || repartitionAtKill.committed < repartitionAtKill.end,
          `the kill came mid-stream (source: ${atKill.end} views produced, committed to ${atKill.committed}; repartition committed ${repartitionAtKill.committed} of ${repartitionAtKill.end})`,
        );

        const takeover = await waitFor(
          () => {
            const last = assignments(a.daemon).at(-1);
            if (last === undefined || last.time < killedAt || last.readyAt === undefined) return false;
            return partitionsOf(app.repartition, last.partitions).length === PARTITIONS && last;
          },
          { timeoutMs: SESSION_TIMEOUT_MS + 60_000, intervalMs: 50, message: () => `the survivor processing every partition:\n${a.daemon.tail(20)}` },
        );
        assert.deepEqual(partitionsOf(app.input, takeover.partitions), ALL, 'the survivor reads every source partition');
        assert.deepEqual(partitionsOf(app.leaderTopic, takeover.partitions), [0], 'the survivor owns the leader partition');
        const failoverMs = takeover.readyAt! - killedAt;
        failovers.push(`standbyReplicas ${standbyReplicas}: ${failoverMs} ms`);
        console.log(
          `standbyReplicas ${standbyReplicas}: failover ${failoverMs} ms (session timeout ${SESSION_TIMEOUT_MS} ms; assigned ${takeover.time - killedAt} ms after the kill, ` +
            `tables ready ${takeover.readyAt! - takeover.time} ms later); at the kill ${atKill.end} views were produced, ${atKill.committed} read, ` +
            `${repartitionAtKill.committed} of ${repartitionAtKill.end} counted`,
        );

        await app.waitCommittedToEnd(app.input, 90_000);
        await app.waitCommittedToEnd(app.repartition, 30_000);
        assert.deepEqual(await a.daemon.terminate(), { code: 0, signal: null }, a.daemon.tail());

        const truth = trueCounts(VIEWS, PAGES);
        const stores = await app.storeCounts(a);
        assert.equal(stores.size, truth.size, 'every page is in the stores');
        assert.deepEqual(stores, truth, "the survivor's stores hold every page's true count");
        assert.deepEqual(await app.changelogCounts(60_000), truth, "the changelog's last value of every page is its true count");
      },
    );
  }

  it('has exactly one leader among three workers, whose onLeader timer fires there alone; after the leader is killed, exactly one survivor leads and fires it', { timeout: TIMEOUT_MS }, async () => {
    const app = await cluster(1, LEADER_TIMER);
    const workers = [await app.start('a'), await app.start('b'), await app.start('c')];
    let mostLeadersSeen = 0;
    /**
     * The one worker whose streamd_leader is 1, once every live worker has answered the same twice
     * in a row and the workers' assignments agree: the leader alone holds the leader partition.
     * A worker that does not answer (killed) counts as no leader.
     */
    const stableLeader = async (timeoutMs: number, what: string): Promise<ClusterWorker> => {
      let previous: string | undefined;
      return waitFor(
        async () => {
          const gauges = await Promise.all(workers.map((w) => leaderGauge(w.daemon)));
          const leaders = workers.filter((_, i) => gauges[i] === 1);
          mostLeadersSeen = Math.max(mostLeadersSeen, leaders.length);
          const live = workers.filter((_, i) => gauges[i] !== undefined);
          const owners = live.filter((w) => partitionsOf(app.leaderTopic, readyAssignment(w) ?? []).length > 0);
          const state = gauges.map((g, i) => `${workers[i]!.name}=${g ?? 'down'}`).join(' ');
          const isStable = state === previous && leaders.length === 1 && owners.length === 1 && owners[0] === leaders[0];
          previous = state;
          return isStable && leaders[0]!;
        },
        { timeoutMs, intervalMs: 250, message: () => `${what} (last streamd_leader values: ${previous ?? 'none'})` },
      );
    };

    const first = await stableLeader(60_000, 'exactly one of three workers reporting streamd_leader 1');
    const firstFrom = Date.now();
    await waitFor(() => firings(first, firstFrom).length >= 5, { timeoutMs: 30_000, intervalMs: 50, message: () => `the leader's timer firing 5 times:\n${first.daemon.tail(10)}` });
    const killedAt = Date.now();
    for (const other of workers.filter((w) => w !== first)) {
      assert.deepEqual(firings(other, firstFrom), [], `the timer does not fire on ${other.name}, which does not lead`);
    }
    assert.equal((await first.daemon.kill9()).signal, 'SIGKILL');
    const next = await stableLeader(SESSION_TIMEOUT_MS + 30_000, 'exactly one survivor reporting streamd_leader 1');
    assert.notEqual(next, first, 'the new leader is not the killed worker');
    const took = next.daemon.logs().find((l) => l['msg'] === 'this worker is now the leader' && (l['time'] as number) >= killedAt);
    assert.ok(took !== undefined, `the new leader says it became the leader after the kill:\n${next.daemon.tail(20)}`);
    assert.equal(mostLeadersSeen, 1, 'no probe saw two workers report streamd_leader 1 at once');
    await waitFor(() => firings(next, killedAt).length >= 5, { timeoutMs: 30_000, intervalMs: 50, message: () => `the new leader's timer firing 5 times:\n${next.daemon.tail(10)}` });
    const survivors = workers.filter((w) => w !== first);
    const firedOn = survivors.filter((w) => firings(w, killedAt).length > 0).map((w) => w.name);
    assert.deepEqual(firedOn, [next.name], 'after the kill the timer fires on exactly one survivor: the new leader');
    const gap = firings(next, killedAt)[0]! - killedAt;
    console.log(`leader ${first.name} killed; ${next.name} leads ${(took['time'] as number) - killedAt} ms later and fires the timer ${gap} ms after the kill (session timeout ${SESSION_TIMEOUT_MS} ms)`);

    for (const survivor of workers.filter((w) => w !== first)) {
      assert.deepEqual(await survivor.daemon.terminate(), { code: 0, signal: null }, survivor.daemon.tail());
    }
  });
});
