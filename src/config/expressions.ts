/** A `${{ … }}` expression found in a string, with its offset in that string. */
export interface Expression {
  text: string;
  body: string;
  index: number;
}

const EXPRESSION = /\$\{\{\s*([^{}]*?)\s*\}\}/g;

export function findExpressions(value: string): Expression[] {
  const out: Expression[] = [];
  for (const m of value.matchAll(EXPRESSION)) out.push({ text: m[0], body: m[1], index: m.index ?? 0 });
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

/** The script a command runs, as written (relative to the code folder), when it can be told. */
export function scriptsInCommand(command: string): { script: string; written: string; index: number }[] {
  const found: { script: string; written: string; index: number }[] = [];
  // `bash -c "…"` and `sh -c '…'` run their argument: look inside it.
  const unwrapped = command.replace(/\b(?:ba|z)?sh\s+-c\s+(["'])([\s\S]*?)\1/g, (m, _q: string, inner: string) => ' '.repeat(m.length - inner.length - 1) + inner + ' ');
  const segments = unwrapped.split(/(&&|\|\||;|\||\n)/);
  let offset = 0;
  let dir = '';
  for (const segment of segments) {
    const tokens = [...segment.matchAll(/"[^"]*"|'[^']*'|\S+/g)];
    const words = tokens.map((t) => t[0].replace(/^["']|["']$/g, ''));
    if (words[0] === 'cd') {
      // Later scripts are relative to the folder the command changed to.
      const target = words[1];
      dir = target && !target.includes('$') && !target.startsWith('/') ? joinRelative(dir, target) : '\0';
    } else if (dir !== '\0') {
      for (let i = 0; i < tokens.length; i++) {
        const raw = words[i];
        if (raw.startsWith('-') || raw.includes('$') || raw.includes('=')) continue;
        if (/^(https?|azureml):/.test(raw) || raw.startsWith('/')) continue;
        if (/\.(py|R|r|sh|ipynb|jl)$/.test(raw)) {
          found.push({ script: dir ? `${dir}/${raw}` : raw, written: raw, index: offset + (tokens[i].index ?? 0) + (tokens[i][0] !== raw ? 1 : 0) });
          break; // only the program's own script; later .py tokens are its arguments
        }
      }
    }
    offset += segment.length;
  }
  return found;
}

function joinRelative(base: string, next: string): string {
  const parts = base ? base.split('/') : [];
  for (const part of next.split('/')) {
    if (part === '' || part === '.') continue;
    // A `..` above the start is kept: `cd ../..` climbs out of the code folder, and the check must see it.
    if (part === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}
