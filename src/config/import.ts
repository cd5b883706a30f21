import { basename, dirname, extname, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { Diagnostic } from '../model/diagnostic';
import { DiagnosticSink } from './diagnostics';
import { isMapping } from './extends';
import { readYamlFile } from './load';
import { checkPath, findRepoRoot, startRun } from './paths';
import { fromV1RunConfig } from './v1';

export interface ImportResult {
  /** The run configuration as YAML text, or undefined when the v1 file could not be read. */
  text?: string;
  diagnostics: Diagnostic[];
}

/** Reads an SDK v1 `.runconfig` and writes the equivalent run configuration (paths relative to `outputDir`). */
export function importV1RunConfig(v1Path: string, options: { outputDir: string; base: string; schemaRef?: string }): ImportResult {
  const sink = new DiagnosticSink(options.base);
  startRun(); // file-system facts remembered by an earlier run in this process may be stale
  const abs = resolve(v1Path);
  // As for validation, a file that is a symlink out of its repository is not read.
  const itself = checkPath(findRepoRoot(dirname(abs)), dirname(abs), abs);
  if (!itself.ok && itself.reason !== 'missing') {
    sink.atPosition(abs, { line: 1, column: 1 }, 'MLS131', `${basename(abs)} leaves the repository${itself.reason === 'symlink-outside' ? ' through a symlink' : ''}`, 'import the file the link points to, from inside its own repository');
    return { diagnostics: sink.sorted() };
  }
  const file = readYamlFile(abs, sink);
  if (!file) return { diagnostics: sink.sorted() };
  if (!isMapping(file.data)) {
    sink.at(file, '', 'value', 'MLS005', 'an SDK v1 run configuration must be a mapping of keys to values');
    return { diagnostics: sink.sorted() };
  }
  const stem = basename(abs, extname(abs));
  const result = fromV1RunConfig(file.data, { stem, fileDir: dirname(abs), targetDir: options.outputDir });
  for (const w of result.warnings) sink.at(file, w.at, 'key', 'MLS160', w.message);
  const header = [
    ...(options.schemaRef ? [`# yaml-language-server: $schema=${options.schemaRef}`] : []),
    `# Imported from ${sink.rel(abs)} (Azure ML SDK v1) by \`mlsteps import\`.`,
  ].join('\n');
  return { text: `${header}\n${stringify(result.document, { lineWidth: 0 })}`, diagnostics: sink.sorted() };
}
