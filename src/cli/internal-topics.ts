// Which of a broker's topics are this app version's internal topics, for `streamd reset --topics`.
// Pure: takes the manifest and the broker's topic list. A topic is deleted only when its whole name is
// one streamd gives this manifest's tables and agents; a look-alike is listed and left alone.
//
// Why not every `<prefix>-*-changelog`: prefixes nest. Version 2 of app `orders` has the prefix
// `orders-v2` and app `orders-eu` the prefix `orders-eu`, so `orders-v2-counts-changelog` and
// `orders-eu-counts-changelog` both start with `orders-`; a reset of `orders` must not take them.

import type { Manifest } from '../manifest/index.js';
import { appPrefix, changelogTopic, deadLetterTopic, leaderTopic } from '../worker/index.js';

/** What streamd uses an internal topic for. */
export type InternalTopicKind = 'changelog' | 'repartition' | 'dlq' | 'reply' | 'leader';

/** A topic `reset --topics` deletes. `owner` is the table or agent it belongs to, when it has one. */
export interface InternalTopic {
  readonly topic: string;
  readonly kind: InternalTopicKind;
  readonly owner?: string;
}

/** A topic named like an internal topic of this app that `reset --topics` leaves alone, and why. */
export interface LeftAloneTopic {
  readonly topic: string;
  readonly reason: string;
}

/** Worker ids in reply topics: the first 8 hex digits of a random UUID (src/worker/worker.ts). */
const REPLY_ID = /^[0-9a-f]{8}$/;

/** The app's internal topics among `topics`, and its look-alikes; both sorted by name. */
export function classifyInternalTopics(manifest: Manifest, topics: readonly string[]): { readonly internal: InternalTopic[]; readonly leftAlone: LeftAloneTopic[] } {
  const prefix = appPrefix(manifest);
  const internal: InternalTopic[] = [];
  const leftAlone: LeftAloneTopic[] = [];
  const changelogs = new Map([...manifest.tables.keys()].map((table) => [changelogTopic(prefix, table), table]));
  const deadLetters = new Map([...manifest.agents.keys()].map((agent) => [deadLetterTopic(prefix, agent), agent]));
  const agents = [...manifest.agents.keys()];

  for (const topic of [...topics].sort()) {
    if (!topic.startsWith(`${prefix}-`)) continue;
    const kind = kindByName(prefix, topic);
    if (kind === undefined) continue;
    if (manifest.topics.has(topic)) {
      leftAlone.push({ topic, reason: 'the manifest declares it as one of its topics' });
      continue;
    }
    const middle = topic.slice(prefix.length + 1);
    switch (kind) {
      case 'leader':
      case 'reply':
        internal.push({ topic, kind });
        break;
      case 'changelog': {
        const table = changelogs.get(topic);
        if (table !== undefined) internal.push({ topic, kind, owner: table });
        else leftAlone.push({ topic, reason: `no table of the manifest is named "${middle.slice(0, -'-changelog'.length)}": it may be another app's or version's, or a table since removed` });
        break;
      }
      case 'dlq': {
        const agent = deadLetters.get(topic);
        if (agent !== undefined) internal.push({ topic, kind, owner: agent });
        else leftAlone.push({ topic, reason: `no agent of the manifest is named "${middle.slice(0, -'-dlq'.length)}": it may be another app's or version's, or an agent since removed` });
        break;
      }
      case 'repartition': {
        const agentAndName = middle.slice(0, -'-repartition'.length);
        const agent = agents.find((name) => agentAndName.startsWith(`${name}-`) && agentAndName.length > name.length + 1);
        if (agent !== undefined) internal.push({ topic, kind, owner: agent });
        else leftAlone.push({ topic, reason: `"${agentAndName}" starts with no agent of the manifest: it may be another app's or version's, or an agent since removed` });
        break;
      }
    }
  }
  return { internal, leftAlone };
}

/** The kind a topic of this prefix is named like, or `undefined` for a name streamd never gives. */
function kindByName(prefix: string, topic: string): InternalTopicKind | undefined {
  if (topic === leaderTopic(prefix)) return 'leader';
  if (topic.startsWith(`${prefix}-reply-`) && REPLY_ID.test(topic.slice(`${prefix}-reply-`.length))) return 'reply';
  if (topic.endsWith('-changelog')) return 'changelog';
  if (topic.endsWith('-repartition')) return 'repartition';
  if (topic.endsWith('-dlq')) return 'dlq';
  return undefined;
}
