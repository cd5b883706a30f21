import { isMapping } from '../util/data';
import type { YamlFile } from './yamlFile';

type Mapping = Record<string, unknown>;

export { isMapping };

/**
 * Deep merge for `extends`: mappings merge key by key, everything else (lists included) is
 * replaced by the child's value, and a child's `null` removes the inherited key (except an input
 * or output written with no value, which CLI v2 reads as declared with defaults).
 */
export function deepMerge(base: Mapping, child: Mapping, path: readonly string[] = []): Mapping {
  const out: Mapping = { ...base };
  // In CLI v2, `name:` with no value under inputs or outputs declares it with defaults.
  const declares = path.length === 1 && (path[0] === 'inputs' || path[0] === 'outputs');
  for (const [key, value] of Object.entries(child)) {
    const inherited = Object.prototype.hasOwnProperty.call(out, key) ? out[key] : undefined;
    if (value === null && !declares) delete out[key];
    else if (isMapping(value) && isMapping(inherited)) setOwn(out, key, deepMerge(inherited, value, [...path, key]));
    else setOwn(out, key, value);
  }
  return out;
}

/**
 * Sets a key as the document's own property. A plain `out[key] = value` with the key `__proto__`
 * replaces the object's prototype instead: the key vanished from the merged document, so the
 * schema never reported it, and its contents were inherited as if they were settings.
 */
export function setOwn(target: Mapping, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Finds which file of an `extends` chain (child first) a merged value came from: the first file
 * that has a value at that pointer. Lists are replaced whole, so list items resolve to the file
 * that wrote the list.
 */
export function originOf(chain: readonly YamlFile[], at: string): YamlFile {
  if (chain.length === 1) return chain[0];
  for (const file of chain) if (hasValueAt(file.data, at)) return file;
  const parent = at.slice(0, at.lastIndexOf('/'));
  return at === '' ? chain[0] : originOf(chain, parent);
}

/** Whether a document sets a value (null included) at a JSON pointer. */
function hasValueAt(data: unknown, at: string): boolean {
  if (at === '') return true;
  let cur: unknown = data;
  for (const raw of at.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(key) || Number(key) >= cur.length) return false;
      cur = cur[Number(key)];
    } else if (isMapping(cur)) {
      if (!Object.prototype.hasOwnProperty.call(cur, key)) return false;
      cur = cur[key];
    } else return false;
  }
  return true;
}
