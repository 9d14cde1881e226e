// Renders helm/streamd with the cached Helm, for the chart tests: the objects as parsed YAML, and the
// StatefulSet's streamd container (command, args, env, probes) as the kubelet would run it.

import { parseAllDocuments } from 'yaml';
import { helm, run } from '../../helpers/deploy-tools.js';
import { repoPath } from '../../kafka/repo-root.js';

export const CHART = repoPath('helm', 'streamd');

export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string> };
  readonly spec?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly fieldRef?: { readonly fieldPath: string }; readonly secretKeyRef?: { readonly name: string; readonly key: string } };
}

export interface Probe {
  readonly httpGet: { readonly path: string; readonly port: string | number };
}

export interface Container {
  readonly name: string;
  readonly command: string[];
  readonly args: string[];
  readonly env: EnvVar[];
  readonly ports: { readonly name: string; readonly containerPort: number }[];
  readonly startupProbe: Probe;
  readonly livenessProbe: Probe;
  readonly readinessProbe: Probe;
}

/** `helm template <release> helm/streamd` with the values files and `--set`s given; the rendered objects. */
export async function renderChart(release: string, options: { valuesFiles?: readonly string[]; set?: readonly string[]; namespace?: string } = {}): Promise<K8sObject[]> {
  const args = ['template', release, CHART, '--namespace', options.namespace ?? 'default'];
  for (const file of options.valuesFiles ?? []) args.push('-f', file);
  for (const set of options.set ?? []) args.push('--set', set);
  const text = await run(await helm(), args);
  return parseAllDocuments(text).map((doc) => doc.toJS() as K8sObject | null).filter((o): o is K8sObject => o !== null);
}

export function only(objects: readonly K8sObject[], kind: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, rendered ${found.length}`);
  return found[0]!;
}

/** The StatefulSet's pod template's `streamd` container. */
export function streamdContainer(statefulSet: K8sObject): Container {
  const template = statefulSet.spec?.['template'] as { spec: { containers: Container[] } };
  const container = template.spec.containers.find((c) => c.name === 'streamd');
  if (container === undefined) throw new Error('the StatefulSet has no streamd container');
  return container;
}
