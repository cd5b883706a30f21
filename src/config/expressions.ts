/** A `${{ … }}` expression found in a string, with its offset in that string. */
export interface Expression {
  text: string;
  body: string;
  index: number;
}

// One greedy class and no neighbouring `\s*`: the lazy `\s*([^{}]*?)\s*` this replaces backtracked
// quadratically, so `${{` followed by 10,000 spaces took minutes. The body is trimmed below.
const EXPRESSION = /\$\{\{([^{}]*)\}\}/g;

export function findExpressions(value: string): Expression[] {
  const out: Expression[] = [];
  for (const m of value.matchAll(EXPRESSION)) out.push({ text: m[0], body: m[1].trim(), index: m.index ?? 0 });
  return out;
}

export type Binding =
  | { kind: 'needs-output'; step: string; output: string }
  | { kind: 'needs-best'; step: string; parameter: string };

/** Parses `needs.X.outputs.Y` and `needs.X.best.P`, the bindings mlsteps adds to CLI v2. */
export function parseBinding(body: string): Binding | undefined | 'malformed' {
  if (!body.startsWith('needs.')) return undefined;
  const m = /^needs\.([A-Za-z0-9][A-Za-z0-9_.-]*?)\.(outputs|best)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(body);
  if (!m) return 'malformed';
  return m[2] === 'outputs' ? { kind: 'needs-output', step: m[1], output: m[3] } : { kind: 'needs-best', step: m[1], parameter: m[3] };
}

/**
 * Scripts reported per command at most: a real command runs one or a few, and a hostile one of
 * 100,000 `python x.py;` segments must not cost 100,000 look-ups and reports.
 */
const MAX_SCRIPTS = 32;

/** The script a command runs, as written (relative to the code folder), when it can be told. */
export function scriptsInCommand(command: string): { script: string; written: string; index: number }[] {
  const found: { script: string; written: string; index: number }[] = [];
  // `bash -c "…"` and `sh -c '…'` run their argument: look inside it.
  const unwrapped = command.replace(/\b(?:ba|z)?sh\s+-c\s+(["'])([\s\S]*?)\1/g, (m, _q: string, inner: string) => ' '.repeat(m.length - inner.length - 1) + inner + ' ');
  const segments = unwrapped.split(/(&&|\|\||;|\||\n)/);
  let offset = 0;
  // The folder `cd` moved to, relative to the code folder; undefined once it cannot be told (`cd $X`).
  // Changed in place: rebuilding it for each of thousands of `cd ..` was quadratic.
  let dir: string[] | undefined = [];
  for (const segment of segments) {
    if (found.length >= MAX_SCRIPTS) break;
    const tokens = [...segment.matchAll(/"[^"]*"|'[^']*'|\S+/g)];
    const words = tokens.map((t) => t[0].replace(/^["']|["']$/g, ''));
    if (words[0] === 'cd') {
      // Later scripts are relative to the folder the command changed to.
      const target = words[1];
      if (dir && target && !target.includes('$') && !target.startsWith('/')) changeFolder(dir, target);
      else dir = undefined;
    } else if (dir) {
      for (let i = 0; i < tokens.length; i++) {
        const raw = words[i];
        if (raw.startsWith('-') || raw.includes('$') || raw.includes('=')) continue;
        if (/^(https?|azureml):/.test(raw) || raw.startsWith('/')) continue;
        if (/\.(py|R|r|sh|ipynb|jl)$/.test(raw)) {
          found.push({ script: dir.length > 0 ? `${dir.join('/')}/${raw}` : raw, written: raw, index: offset + (tokens[i].index ?? 0) + (tokens[i][0] !== raw ? 1 : 0) });
          break; // only the program's own script; later .py tokens are its arguments
        }
      }
    }
    offset += segment.length;
  }
  return found;
}

function changeFolder(parts: string[], next: string): void {
  for (const part of next.split('/')) {
    if (part === '' || part === '.') continue;
    // A `..` above the start is kept: `cd ../..` climbs out of the code folder, and the check must see it.
    if (part === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else parts.push(part);
  }
}
