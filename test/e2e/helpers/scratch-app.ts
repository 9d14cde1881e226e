// ScratchApp: an app an e2e test runs from a temporary directory on the test broker, as a user
// would run theirs — a fixture app (test/fixtures/apps/<dir>) copied there with its topic names made
// unique to this run (the broker is shared by every test), or a manifest and handlers the test
// writes. It gives the app a unique id, the environment that points a worker at the broker and at a
// datadir inside the directory, and close(), which kills the workers and the consumers it started and
// removes everything.

import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDriver, type Admin, type KafkaDriver } from '../../../src/kafka/index.js';
import { collectRecords, type RecordCollector } from '../../helpers/collect.js';
import { uniqueName } from '../../helpers/unique-name.js';
import { repoPath } from '../../kafka/repo-root.js';
import { Daemon } from './daemon.js';
import { brokerAddress } from './pipeline-app.js';

export class ScratchApp {
  readonly appId: string;
  readonly broker = `kafka://${brokerAddress()}`;
  readonly driver: KafkaDriver = createDriver(this.broker);
  readonly #renamed = new Map<string, string>();
  readonly #daemons: Daemon[] = [];
  readonly #collectors: RecordCollector[] = [];
  #admin: Admin | undefined;

  private constructor(
    appId: string,
    /** The temporary directory: the app's files, its datadirs, anything else the test writes. */
    readonly root: string,
    /** The app's manifest inside `root`. */
    readonly manifest: string,
  ) {
    this.appId = appId;
  }

  /** An empty app directory: the test writes the manifest (at `manifest`) and handlers with `write`. */
  static async empty(prefix: string): Promise<ScratchApp> {
    const appId = uniqueName(prefix);
    const root = await mkdtemp(join(tmpdir(), `${appId}-`));
    return new ScratchApp(appId, root, join(root, 'app.yaml'));
  }

  /**
   * A copy of the fixture app `fixtureDir` whose manifest names each of `topics` by a name of its own
   * (`<topic>_<app id>`, see `topic()`): every whole-word occurrence is renamed, declarations and
   * references alike.
   */
  static async fromFixture(prefix: string, fixtureDir: string, topics: readonly string[]): Promise<ScratchApp> {
    const app = await ScratchApp.empty(prefix);
    const dir = join(app.root, 'app');
    await cp(repoPath('test', 'fixtures', 'apps', fixtureDir), dir, { recursive: true });
    const scratch = new ScratchApp(app.appId, app.root, join(dir, 'app.yaml'));
    let text = await readFile(scratch.manifest, 'utf8');
    for (const topic of topics) {
      const renamed = `${topic}_${app.appId.replace(/-/g, '_')}`;
      scratch.#renamed.set(topic, renamed);
      text = text.replace(new RegExp(`\\b${topic}\\b`, 'g'), renamed);
    }
    await writeFile(scratch.manifest, text);
    return scratch;
  }

  /** This run's name of the fixture's topic `name`. */
  topic(name: string): string {
    const renamed = this.#renamed.get(name);
    if (renamed === undefined) throw new Error(`${name} is not one of the topics this app renamed (${[...this.#renamed.keys()].join(', ')})`);
    return renamed;
  }

  /** Writes files into `root` (the manifest is `app.yaml` for an empty app). */
  async write(files: Readonly<Record<string, string>>): Promise<void> {
    await Promise.all(Object.entries(files).map(([name, text]) => writeFile(join(this.root, name), text)));
  }

  /** APP_ID, STREAMD_BROKER and STREAMD_DATADIR (`<root>/<datadir>`), then `extra`. */
  env(extra: Readonly<Record<string, string>> = {}, datadir = 'data'): Record<string, string> {
    return { APP_ID: this.appId, STREAMD_BROKER: this.broker, STREAMD_DATADIR: join(this.root, datadir), ...extra };
  }

  /** Starts `streamd start` on the manifest with `env`, web on 127.0.0.1; killed by `close()`. */
  async start(env: Readonly<Record<string, string>> = this.env(), args: readonly string[] = []): Promise<Daemon> {
    const daemon = await Daemon.start({ manifest: this.manifest, args: ['--web-host', '127.0.0.1', ...args], env });
    this.#daemons.push(daemon);
    return daemon;
  }

  /** A consumer in a group of its own collecting `topics` from the start; stopped by `close()`. */
  async collect(topics: readonly string[]): Promise<RecordCollector> {
    const collector = await collectRecords(await this.driver.consumer({ groupId: uniqueName(`${this.appId}-check`) }), topics);
    this.#collectors.push(collector);
    return collector;
  }

  async admin(): Promise<Admin> {
    return (this.#admin ??= await this.driver.admin());
  }

  /** Kills every worker still running, stops the consumers, closes the clients, removes `root`. */
  async close(): Promise<void> {
    await Promise.all(this.#daemons.map((d) => d.kill9().catch(() => undefined)));
    await Promise.all(this.#collectors.map((c) => c.consumer.stop().catch(() => undefined)));
    await this.#admin?.close().catch(() => undefined);
    await this.driver.close().catch(() => undefined);
    await rm(this.root, { recursive: true, force: true });
  }
}
