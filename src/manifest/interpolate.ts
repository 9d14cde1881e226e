// Environment interpolation in a manifest's scalar values: `${VAR}`, `${VAR:-default}` (default when
// VAR is unset or empty), and `$${` for a literal `${`. Keys are never interpolated. An unquoted scalar
// that becomes a number, boolean or null after interpolation takes that type, as if written literally.

import { isPair, isScalar, isSeq, visit, type Scalar } from 'yaml';
import { didYouMean } from '../errors/index.js';
import type { ManifestProblem } from './types.js';
import { formatPath, type PathSegment } from './path.js';
import type { YamlSource } from './yaml-source.js';

export type Environment = Readonly<Record<string, string | undefined>>;

interface Reference {
  /** Offset of `${` in the text. */
  readonly index: number;
  readonly length: number;
  readonly error?: { readonly message: string; readonly hint?: string };
}

interface Expansion {
  readonly value: string;
  readonly references: readonly Reference[];
}

const REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/;
const SYNTAX_HINT = 'write ${NAME} or ${NAME:-default}, or $${ for a literal ${';

/** Expands every reference in `text`; unset variables without a default come back as errors. */
export function expand(text: string, env: Environment): Expansion {
  let value = '';
  const references: Reference[] = [];
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      value += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      value += text[i];
      i += 1;
      continue;
    }
    const match = REFERENCE.exec(text.slice(i));
    if (match === null) {
      const close = text.indexOf('}', i);
      const length = close === -1 ? text.length - i : close - i + 1;
      references.push({ index: i, length, error: { message: `malformed reference "${text.slice(i, i + length)}"`, hint: SYNTAX_HINT } });
      i += length;
      continue;
    }
    const [whole, name = '', fallback] = match;
    const set = env[name];
    if (fallback !== undefined && (set === undefined || set === '')) {
      value += fallback;
      references.push({ index: i, length: whole.length });
    } else if (set !== undefined) {
      value += set;
      references.push({ index: i, length: whole.length });
    } else {
      const near = didYouMean(name, Object.keys(env).filter((key) => env[key] !== undefined));
      const hint = near ?? `set ${name}, or give a default: \${${name}:-value}`;
      references.push({ index: i, length: whole.length, error: { message: `environment variable ${name} is not set`, hint } });
    }
    i += whole.length;
  }
  return { value, references };
}

/** The YAML 1.2 core-schema reading of an unquoted scalar's text. */
export function resolvePlainScalar(text: string): string | number | boolean | null {
  if (/^(?:~|null|Null|NULL)$/.test(text)) return null;
  if (/^(?:true|True|TRUE)$/.test(text)) return true;
  if (/^(?:false|False|FALSE)$/.test(text)) return false;
  if (/^[-+]?\d+$/.test(text)) return Number(text);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return Number.parseInt(text.slice(2), 16);
  if (/^0o[0-7]+$/.test(text)) return Number.parseInt(text.slice(2), 8);
  if (/^[-+]?(?:\.\d+|\d+(?:\.\d*)?)(?:[eE][-+]?\d+)?$/.test(text)) return Number(text);
  return text;
}

/** Interpolates every string scalar value of `source` in place; returns a problem per bad reference. */
export function interpolate(source: YamlSource, env: Environment): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  visit(source.doc, {
    Scalar(key, node, ancestry) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const expansion = expand(node.value, env);
      const errors = expansion.references.filter((reference) => reference.error !== undefined);
      if (errors.length > 0) {
        problems.push(...errors.map((reference) => referenceProblem(source, node, expansion, reference, pathOf(ancestry, node))));
        return;
      }
      if (expansion.references.length === 0 && !node.value.includes('$${')) return;
      node.value = node.type === 'PLAIN' ? resolvePlainScalar(expansion.value) : expansion.value;
    },
  });
  return problems;
}

/** Points at the reference itself when the raw source shows it; otherwise at the scalar. */
function referenceProblem(source: YamlSource, node: Scalar, expansion: Expansion, reference: Reference, path: string): ManifestProblem {
  const [start = 0, end = 0] = node.range ?? [];
  const ordinal = expansion.references.indexOf(reference);
  const raw = expand(source.text.slice(start, end), {}).references;
  const rawReference = raw.length === expansion.references.length ? raw[ordinal] : undefined;
  const span = rawReference === undefined ? source.spanAt(start, end - start) : source.spanAt(start + rawReference.index, rawReference.length);
  return source.problem(span, path, reference.error?.message ?? 'bad reference', { hint: reference.error?.hint });
}

/** The manifest path of a scalar from `visit`'s ancestry (document, collections and pairs). */
function pathOf(ancestry: readonly unknown[], node: Scalar): string {
  const path: PathSegment[] = [];
  const chain = [...ancestry, node];
  chain.forEach((parent, i) => {
    const child = chain[i + 1];
    if (isPair(parent) && parent.value === child) path.push(isScalar(parent.key) ? String(parent.key.value) : '?');
    else if (isSeq(parent)) path.push(parent.items.indexOf(child));
  });
  return formatPath(path);
}
