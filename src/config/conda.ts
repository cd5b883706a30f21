import { readFileSync, statSync } from 'node:fs';
import { MAX_FILE_BYTES, parseYaml } from './yamlFile';
import { isMapping } from './extends';
import { onRunStart } from './paths';

export type CondaProblem = { code: 'MLS132' | 'MLS133' | 'MLS003'; message: string; hint?: string; line: number; column: number };

const cache = new Map<string, CondaProblem | null>();
onRunStart(() => cache.clear());

/** Checks a conda environment file parses and pins a Python (Azure ML builds fail without one). */
export function checkCondaFile(absPath: string): CondaProblem | undefined {
  const cached = cache.get(absPath);
  if (cached !== undefined) return cached ?? undefined;
  const problem = inspect(absPath);
  cache.set(absPath, problem ?? null);
  return problem;
}

function inspect(absPath: string): CondaProblem | undefined {
  let bytes: Buffer;
  try {
    // Refuse before reading, as for run configurations: a hostile 10 GB file must not be loaded.
    const size = statSync(absPath).size;
    if (size > MAX_FILE_BYTES) return { code: 'MLS003', message: `conda file is ${(size / 1048576).toFixed(1)} MiB; conda files are limited to ${MAX_FILE_BYTES / 1048576} MiB`, hint: 'a conda environment file lists packages; it is a few hundred bytes', line: 1, column: 1 };
    bytes = readFileSync(absPath);
  } catch (err) {
    return { code: 'MLS003', message: `cannot read conda file: ${(err as NodeJS.ErrnoException).code ?? ''}`, line: 1, column: 1 };
  }
  const file = parseYaml(absPath, bytes);
  if (file.problems.length > 0) {
    const p = file.problems[0];
    return { code: 'MLS132', message: `conda file does not parse: ${p.message}`, line: p.at.line, column: p.at.column };
  }
  if (!isMapping(file.data) || !Array.isArray(file.data.dependencies)) {
    return { code: 'MLS132', message: 'conda file has no `dependencies` list', hint: 'a conda environment file has `name`, `channels` and `dependencies`', line: 1, column: 1 };
  }
  if (!declaresPython(file.data.dependencies)) {
    const loc = file.locations.get('/dependencies');
    return {
      code: 'MLS133',
      message: 'conda file declares no Python',
      hint: 'add a pinned interpreter to dependencies, e.g. `- python=3.10`',
      line: loc?.key?.line ?? 1,
      column: loc?.key?.column ?? 1,
    };
  }
  return undefined;
}

/**
 * Whether conda dependencies name the python package, in any MatchSpec form: `python`,
 * `python=3.10`, `python 3.10`, `python>=3.9`, `python[version='>=3.10']`, `conda-forge::python=3.10`.
 */
export function declaresPython(dependencies: unknown[]): boolean {
  return dependencies.some((d) => typeof d === 'string' && /^([\w.-]+::)?python(\s*$|[\s=<>!~[])/.test(d.trim()));
}
