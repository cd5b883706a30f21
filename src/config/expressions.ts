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
export function scriptsInCommand(command: string): { script: string; index: number }[] {
  const found: { script: string; index: number }[] = [];
  const segments = command.split(/(&&|\|\||;|\||\n)/);
  let offset = 0;
  for (const segment of segments) {
    const tokens = [...segment.matchAll(/"[^"]*"|'[^']*'|\S+/g)];
    for (const t of tokens) {
      const raw = t[0].replace(/^["']|["']$/g, '');
      if (raw.startsWith('-') || raw.includes('${{') || raw.includes('$[[') || raw.includes('=') || raw.includes('$')) continue;
      if (/^(https?|azureml):/.test(raw) || raw.startsWith('/')) continue;
      if (/\.(py|R|r|sh|ipynb|jl)$/.test(raw)) {
        found.push({ script: raw, index: offset + (t.index ?? 0) + (t[0] !== raw ? 1 : 0) });
        break; // only the program's own script; later .py tokens are its arguments
      }
    }
    offset += segment.length;
  }
  return found;
}
