// This worker's consumer-group member id, kept in its state dir (`<datadir>/<id>/v<version>/member.json`)
// after each join, so that the next start removes the member a crash left behind (kill -9, OOM kill)
// and the group rebalances at once instead of waiting out that member's whole session. kafkajs has
// no static membership (KIP-345); this is the nearest it allows. The worker calls both methods.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { KafkaDriver } from '../kafka/index.js';

/** What member.json holds. */
interface StoredMember {
  readonly groupId: string;
  readonly memberId: string;
  readonly host: string;
  readonly pid: number;
  readonly joinedAt: string;
}

/** True when `pid` is a live process other than this one (on this host). */
function isOtherLiveProcess(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class MemberRecord {
  readonly #path: string;
  readonly #groupId: string;
  readonly #log: Logger;
  #written: string | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(stateDir: string, groupId: string, log: Logger) {
    this.#path = join(stateDir, 'member.json');
    this.#groupId = groupId;
    this.#log = log;
  }

  /**
   * Removes the member the last run of this worker left in the group, if it is still there. Skipped
   * when that run is still alive on this host (two workers sharing a datadir). Never throws: at
   * worst the group waits for that member's session to time out, as it would without this.
   */
  async removeLeftover(driver: KafkaDriver): Promise<void> {
    const stored = await this.#read();
    if (stored === undefined || stored.groupId !== this.#groupId) return;
    if (stored.host === hostname() && isOtherLiveProcess(stored.pid)) {
      this.#log.info({ memberId: stored.memberId, pid: stored.pid }, 'the last member id in member.json belongs to a process still running here (a shared datadir?): not removing it');
      return;
    }
    try {
      const admin = await driver.admin();
      try {
        const removed = await admin.removeMembers(this.#groupId, [stored.memberId]);
        if (removed.length > 0) this.#log.info({ memberId: stored.memberId, groupId: this.#groupId }, 'removed the member a previous run of this worker left in the group (it did not leave: crash or kill -9); the group rebalances now instead of after its session timeout');
        else this.#log.debug({ memberId: stored.memberId }, 'the previous member of this worker had already left the group');
      } finally {
        await admin.close();
      }
    } catch (err) {
      this.#log.warn({ err, memberId: stored.memberId }, 'could not remove the previous member of this worker from the group; the group drops it when its session times out');
    }
  }

  /** Records the member id of a join (in the background, one write at a time; a failure is logged). */
  remember(memberId: string): void {
    if (memberId === this.#written) return;
    this.#written = memberId;
    const stored: StoredMember = { groupId: this.#groupId, memberId, host: hostname(), pid: process.pid, joinedAt: new Date().toISOString() };
    this.#writing = this.#writing
      .then(async () => {
        await mkdir(dirname(this.#path), { recursive: true });
        await writeFile(`${this.#path}.tmp`, `${JSON.stringify(stored)}\n`);
        await rename(`${this.#path}.tmp`, this.#path);
      })
      .catch((err: unknown) => this.#log.warn({ err, path: this.#path }, 'could not write member.json; after a crash the next start waits for the session timeout'));
  }

  /** Resolves once the writes asked for so far have ended. */
  flushed(): Promise<void> {
    return this.#writing;
  }

  async #read(): Promise<StoredMember | undefined> {
    try {
      const parsed = JSON.parse(await readFile(this.#path, 'utf8')) as Partial<StoredMember>;
      if (typeof parsed.groupId !== 'string' || typeof parsed.memberId !== 'string' || typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') throw new Error('missing fields');
      return parsed as StoredMember;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.#log.warn({ err, path: this.#path }, 'member.json is unreadable: ignored');
      return undefined;
    }
  }
}
