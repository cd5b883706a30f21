/** A value to put into a command: a path is quoted for the shell when it needs to be. */
export type BoundValue = { value: string; path?: boolean };

export interface Bindings {
  inputs: Record<string, BoundValue>;
  outputs: Record<string, BoundValue>;
  /** A sweep trial's parameters (`${{search_space.p}}`). */
  searchSpace?: Record<string, BoundValue>;
  /** `${{needs.X.outputs.Y}}` / `${{needs.X.best.P}}` written straight into a command. */
  needs?: (step: string, kind: 'outputs' | 'best', name: string) => BoundValue | undefined;
}

export type Shell = 'sh' | 'cmd';

export const defaultShell: Shell = process.platform === 'win32' ? 'cmd' : 'sh';

/**
 * Replaces the `${{…}}` expressions of a command. Literals go in as written (Azure ML does the
 * same), paths quoted when they hold characters the shell would split or expand. Expressions that
 * cannot be bound are left in place and listed in `unbound`.
 */
export function bindCommand(command: string, bindings: Bindings, shell: Shell = defaultShell): { command: string; unbound: string[] } {
  const unbound: string[] = [];
  const bound = command.replace(/\$\{\{\s*([^{}]*?)\s*\}\}/g, (text, body: string) => {
    const value = lookup(body, bindings);
    if (value === undefined) {
      unbound.push(text);
      return text;
    }
    return value.path ? quote(value.value, shell) : value.value;
  });
  return { command: bound, unbound };
}

function lookup(body: string, b: Bindings): BoundValue | undefined {
  let m = /^(inputs|outputs|search_space)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(body);
  if (m) {
    const table = m[1] === 'inputs' ? b.inputs : m[1] === 'outputs' ? b.outputs : b.searchSpace;
    return table && Object.hasOwn(table, m[2]) ? table[m[2]] : undefined;
  }
  m = /^needs\.([A-Za-z0-9][A-Za-z0-9_.-]*?)\.(outputs|best)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(body);
  if (m && b.needs) return b.needs(m[1], m[2] as 'outputs' | 'best', m[3]);
  return undefined;
}

/** Quotes a word for `sh` (single quotes) or `cmd` (double quotes) when it needs it. */
export function quote(word: string, shell: Shell = defaultShell): string {
  if (/^[A-Za-z0-9_/.,:=+@%-]+$/.test(word)) return word;
  if (shell === 'cmd') return /^[A-Za-z0-9_\\/.,:=+@-]+$/.test(word) ? word : `"${word.replace(/"/g, '""')}"`;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A parameter or literal as a command-line word: numbers as JavaScript writes them, the rest as text. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
