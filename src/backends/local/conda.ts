import { parse } from 'yaml';

/** One entry of a conda file's `dependencies` (or of its `pip:` list). */
export interface CondaDependency {
  /** The package name, lower case, as conda or pip knows it (`scikit-learn`, `pytorch`). */
  name: string;
  /** The entry as written (`pandas=2.1`, `mlflow==2.9.2`). */
  spec: string;
  source: 'conda' | 'pip';
  /** The version constraint as written after the name (`=2.1`, `==2.9.2`, `>=1.0`), if any. */
  version?: string;
}

export interface CondaEnvironment {
  dependencies: CondaDependency[];
  /** The Python the file pins (`3.10` from `python=3.10`), if any. */
  python?: string;
  /** pip entries that name no package (`-r requirements.txt`, `--index-url …`, a local path). */
  unparsed: string[];
}

/** Reads a conda environment file's dependencies; a file that does not parse gives none. */
export function parseCondaDependencies(text: string): CondaEnvironment {
  const env: CondaEnvironment = { dependencies: [], unparsed: [] };
  let data: unknown;
  try {
    data = parse(text);
  } catch {
    return env;
  }
  const deps = (data as { dependencies?: unknown } | null)?.dependencies;
  if (!Array.isArray(deps)) return env;
  for (const dep of deps) {
    if (typeof dep === 'string') {
      const parsed = condaSpec(dep);
      if (!parsed) env.unparsed.push(dep);
      else if (parsed.name === 'python') env.python = parsed.version?.replace(/^[=<>!~ ]+/, '').replace(/[*].*$/, '').replace(/\.$/, '') || undefined;
      else env.dependencies.push({ ...parsed, spec: dep.trim(), source: 'conda' });
    } else if (typeof dep === 'object' && dep !== null && Array.isArray((dep as { pip?: unknown }).pip)) {
      for (const entry of (dep as { pip: unknown[] }).pip) {
        if (typeof entry !== 'string') continue;
        const parsed = pipSpec(entry);
        if (parsed) env.dependencies.push({ ...parsed, spec: entry.trim(), source: 'pip' });
        else env.unparsed.push(entry);
      }
    }
  }
  return env;
}

/** A conda MatchSpec: `name`, `name=1.2`, `name==1.2.3`, `name>=1`, `name 1.2 build`, `channel::name=1.2`, `name[version='>=1']`. */
function condaSpec(spec: string): { name: string; version?: string } | undefined {
  const s = spec.trim().replace(/^[^\s:]+::/, '');
  const m = /^([A-Za-z0-9_][A-Za-z0-9_.-]*)(.*)$/.exec(s);
  if (!m) return undefined;
  const version = m[2].trim();
  return { name: m[1].toLowerCase(), ...(version ? { version } : {}) };
}

/** A pip requirement: `name`, `name[extra]==1.2`, `name @ url`, `git+https://…#egg=name`; options and paths name no package. */
function pipSpec(spec: string): { name: string; version?: string } | undefined {
  const s = spec.trim();
  if (s.startsWith('-')) return undefined;
  const egg = /#egg=([A-Za-z0-9_.-]+)/.exec(s);
  if (/^[a-z+]+:\/\//i.test(s)) return egg ? { name: normalize(egg[1]) } : undefined;
  if (s.startsWith('.') || s.startsWith('/') || /\.(whl|tar\.gz|zip)$/i.test(s)) return undefined;
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;]*)/.exec(s);
  if (!m) return undefined;
  const version = m[3].trim();
  return { name: normalize(m[1]), ...(version && !version.startsWith('@') ? { version } : {}) };
}

/** PEP 503 normalisation: case and `_`/`.` runs do not matter. */
export function normalize(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}
