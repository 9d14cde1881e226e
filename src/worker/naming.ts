// Names of the consumer group and of every internal topic, derived from the app id and version
// (ARCHITECTURE.md §6). Bumping `version` gives new names, so a new version starts from fresh topics.

import type { Manifest } from '../manifest/index.js';

/** `<id>` for version 1, `<id>-v<version>` after (Faust's id_format). */
export function appPrefix(manifest: Pick<Manifest, 'id' | 'version'>): string {
  return manifest.version > 1 ? `${manifest.id}-v${manifest.version}` : manifest.id;
}

export const groupId = appPrefix;

export function repartitionTopic(prefix: string, agent: string, name: string): string {
  return `${prefix}-${agent}-${name}-repartition`;
}

export function deadLetterTopic(prefix: string, agent: string): string {
  return `${prefix}-${agent}-dlq`;
}

export function replyTopic(prefix: string, workerId: string): string {
  return `${prefix}-reply-${workerId}`;
}

/** `<prefix>-<table>-changelog`: the compacted topic behind a table (ARCHITECTURE.md §6). */
export function changelogTopic(prefix: string, table: string): string {
  return `${prefix}-${table}-changelog`;
}

/** `<prefix>-__assignor-__leader`: one partition; its owner is the leader. */
export function leaderTopic(prefix: string): string {
  return `${prefix}-__assignor-__leader`;
}

/** Where this app version keeps its local state: `<datadir>/<id>/v<version>`. */
export function stateDir(manifest: Pick<Manifest, 'datadir' | 'id' | 'version'>): string {
  return `${manifest.datadir}/${manifest.id}/v${manifest.version}`;
}

/** One table partition's store: `<datadir>/<id>/v<version>/tables/<table>-<partition>`. */
export function tableStorePath(manifest: Pick<Manifest, 'datadir' | 'id' | 'version'>, table: string, partition: number): string {
  return `${stateDir(manifest)}/tables/${table}-${partition}`;
}
