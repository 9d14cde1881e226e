// Paths into a manifest (`['agents', 'count', 'topic']`) and how problems print them
// (`agents.count.topic`, `views[0].path`, `topics["orders.v1"]`).

export type PathSegment = string | number;
export type ManifestPath = readonly PathSegment[];

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** `agents.count.topic`; array indexes in brackets; keys that are not identifiers quoted in brackets. */
export function formatPath(path: ManifestPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** The segments of an ajv `instancePath` (a JSON Pointer); segments that index arrays in `data` become numbers. */
export function pointerToPath(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const path: PathSegment[] = [];
  let node = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^\d+$/.test(key)) {
      path.push(Number(key));
      node = (node as unknown[])[Number(key)];
    } else {
      path.push(key);
      node = typeof node === 'object' && node !== null && Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return path;
}
