// GeneratedApp: what the e2e app helpers that write their own manifest share — a unique app id, the
// manifest's path, a driver on the test broker, temporary datadirs and the daemons they started.
// close() kills every daemon still running and removes all of it.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDriver, type Admin, type ConsumerRecord, type KafkaDriver } from '../../../src/kafka/index.js';
import { readToEnd } from '../../helpers/read-to-end.js';
import { uniqueName } from '../../helpers/unique-name.js';
import { repoPath } from '../../kafka/repo-root.js';
import type { Daemon } from './daemon.js';
import { brokerAddress } from './pipeline-app.js';

export abstract class GeneratedApp {
  readonly appId: string;
  /** Where the app's manifest is written: `test/fixtures/apps/<dir>/generated-<appId>.yaml`. */
  readonly manifest: string;
  readonly driver: KafkaDriver = createDriver(`kafka://${brokerAddress()}`);
  readonly #daemons: Daemon[] = [];
  readonly #datadirs: string[] = [];
  #admin: Admin | undefined;

  protected constructor(prefix: string, fixtureDir: string) {
    this.appId = uniqueName(prefix);
    this.manifest = repoPath('test', 'fixtures', 'apps', fixtureDir, `generated-${this.appId}.yaml`);
  }

  async admin(): Promise<Admin> {
    return (this.#admin ??= await this.driver.admin());
  }

  /** The records of `topic` from its start to the end offsets it had when the read began. */
  async readToEnd(topic: string, timeoutMs = 60_000): Promise<ConsumerRecord[]> {
    return (await readToEnd(this.driver, topic, { timeoutMs })).records;
  }

  /** `readToEnd`, each record handed to `onRecord` instead of kept; returns the end offsets read to. */
  async readEach(topic: string, timeoutMs: number, onRecord: (record: ConsumerRecord) => void): Promise<Map<number, bigint>> {
    return (await readToEnd(this.driver, topic, { timeoutMs, onRecord })).ends;
  }

  /** A fresh temporary state directory, removed by `close()`. */
  async newDatadir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), `${this.appId}-`));
    this.#datadirs.push(dir);
    return dir;
  }

  /** Notes a daemon this app started, for `close()`. */
  protected track(daemon: Daemon): Daemon {
    this.#daemons.push(daemon);
    return daemon;
  }

  /** Kills every daemon still running, closes the clients, removes the manifest and the datadirs. */
  async close(): Promise<void> {
    await Promise.all(this.#daemons.map((d) => d.kill9().catch(() => undefined)));
    await this.#admin?.close().catch(() => undefined);
    await this.driver.close().catch(() => undefined);
    await rm(this.manifest, { force: true });
    await Promise.all(this.#datadirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}
