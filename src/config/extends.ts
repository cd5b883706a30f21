import type { YamlFile } from './yamlFile';

type Mapping = Record<string, unknown>;

export function isMapping(v: unknown): v is Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deep merge for `extends`: mappings merge key by key, everything else (lists included) is
 * replaced by the child's value, and a child's `null` removes the inherited key.
 */
export function deepMerge(base: Mapping, child: Mapping): Mapping {
  const out: Mapping = { ...base };
  for (const [key, value] of Object.entries(child)) {
    if (value === null) delete out[key];
    else if (isMapping(value) && isMapping(out[key])) out[key] = deepMerge(out[key] as Mapping, value);
    else out[key] = value;
  }
  return out;
}

/**
 * Finds which file of an `extends` chain (child first) a merged value came from: the first file
 * that has a value at that pointer. Lists are replaced whole, so list items resolve to the file
 * that wrote the list.
 */
export function originOf(chain: readonly YamlFile[], at: string): YamlFile {
  for (const file of chain) if (file.locations.has(at)) return file;
  const parent = at.slice(0, at.lastIndexOf('/'));
  return at === '' ? chain[0] : originOf(chain, parent);
}
