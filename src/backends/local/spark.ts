import type { Step } from '../../model/step';
import { quote, type Shell } from './bind';

/**
 * The `spark-submit` command for a Spark step, in local mode (`--master local[*]`): the entry
 * file, `py_files`, `jars`, `files`, `archives` and `conf` of the run configuration, then its
 * `args` (still with `${{…}}`, bound like a command's).
 */
export function sparkSubmitCommand(step: Step, shell: Shell): string | { error: string } {
  const spark = step.spark;
  if (!spark?.entry.file) {
    return { error: spark?.entry.class_name ? 'a Spark step with a JVM entry (`entry.class_name`) is not run locally' : 'the Spark step has no `entry.file`' };
  }
  const words = ['spark-submit', '--master', quote('local[*]', shell), '--name', quote(step.name, shell)];
  const list = (flag: string, items?: string[]) => {
    if (items?.length) words.push(flag, quote(items.join(','), shell));
  };
  list('--py-files', spark.py_files);
  list('--jars', spark.jars);
  list('--files', spark.files);
  list('--archives', spark.archives);
  for (const [key, value] of Object.entries(spark.conf ?? {})) {
    // Cluster sizing means nothing in local mode; the rest (memory, SQL settings) applies.
    if (/^spark\.(executor\.instances|dynamicAllocation\.)/.test(key)) continue;
    words.push('--conf', quote(`${key}=${String(value)}`, shell));
  }
  words.push(quote(spark.entry.file, shell));
  return spark.args ? `${words.join(' ')} ${spark.args}` : words.join(' ');
}
