// Mutations of documents: of their text (what a careless edit or a merge does), of their bytes
// (encodings, binary), and of their structure (a value anywhere replaced by something hostile).
import fc from 'fast-check';
import { parse, stringify } from 'yaml';

/** Pieces of YAML syntax that break or bend a document when dropped in anywhere. */
export const FRAGMENTS = ['\n', ':', ': ', '- ', '[', ']', '{', '}', '&a ', '*a', '!!binary ', '? ', '|', '>-', '"', "'", '#', '${{', '}}', '${{inputs.', '~', 'null', '\t', '\u0000', '\ufeff', '<<: *a', '---\n', '...\n', '  ', 'type: sweep\n', 'type: spark\n', 'extends: train\n', 'needs: [train]\n', '!!python/object ', '%YAML 1.1\n', '&x [*x]'];

export const textMutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 12 })) }),
  fc.record({ kind: fc.constant('swapLines' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('duplicateLine' as const), a: fc.nat() }),
  fc.record({ kind: fc.constant('replaceValue' as const), a: fc.nat(), value: fc.jsonValue({ maxDepth: 2 }) }),
);

export type TextMutation = typeof textMutation extends fc.Arbitrary<infer T> ? T : never;

export function mutateText(text: string, m: TextMutation): string {
  const lines = text.split('\n');
  switch (m.kind) {
    case 'delete': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + text.slice(at + m.length);
    }
    case 'insert': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.text + text.slice(at);
    }
    case 'swapLines': {
      const a = m.a % lines.length;
      const b = m.b % lines.length;
      [lines[a], lines[b]] = [lines[b], lines[a]];
      return lines.join('\n');
    }
    case 'duplicateLine': {
      const a = m.a % lines.length;
      lines.splice(a, 0, lines[a]);
      return lines.join('\n');
    }
    case 'replaceValue': {
      const a = m.a % lines.length;
      const i = lines[a].indexOf(': ');
      if (i >= 0) lines[a] = lines[a].slice(0, i + 2) + JSON.stringify(m.value);
      return lines.join('\n');
    }
  }
}

/** Byte-level damage: invalid UTF-8, NUL bytes, byte-order marks, a multi-byte character cut in two. */
export const byteMutation = fc.oneof(
  fc.record({ kind: fc.constant('setByte' as const), at: fc.nat(), byte: fc.constantFrom(0x00, 0x80, 0xbf, 0xc0, 0xc3, 0xe2, 0xed, 0xf0, 0xf5, 0xfe, 0xff) }),
  fc.record({ kind: fc.constant('prefix' as const), bytes: fc.constantFrom([0xef, 0xbb, 0xbf], [0xff, 0xfe], [0xfe, 0xff], [0xed, 0xa0, 0x80], [0xc0, 0xaf]) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('utf16' as const) }),
);

export type ByteMutation = typeof byteMutation extends fc.Arbitrary<infer T> ? T : never;

export function mutateBytes(bytes: Uint8Array, m: ByteMutation): Uint8Array {
  switch (m.kind) {
    case 'setByte': {
      const out = Uint8Array.from(bytes.length > 0 ? bytes : [0x20]);
      out[m.at % out.length] = m.byte;
      return out;
    }
    case 'prefix':
      return Uint8Array.from([...m.bytes, ...bytes]);
    case 'truncate':
      return bytes.slice(0, m.at % (bytes.length + 1));
    case 'utf16':
      return Uint8Array.from([0xff, 0xfe, ...Buffer.from(Buffer.from(bytes).toString('latin1'), 'utf16le')]);
  }
}

/** A change at one place of the parsed document: `pick` chooses the place among all of them. */
export interface StructuralMutation {
  pick: number;
  op: 'set' | 'delete' | 'addKey' | 'wrapInList' | 'nest';
  key: string;
  value: unknown;
}

/** Applies structural mutations to a YAML text; text that does not parse is returned unchanged. */
export function mutateStructure(text: string, mutations: readonly StructuralMutation[]): string {
  let data: unknown;
  try {
    data = parse(text, { logLevel: 'silent' });
  } catch {
    return text;
  }
  for (const m of mutations) data = applyAt(data, m);
  return stringify(data, { lineWidth: 0, aliasDuplicateObjects: false });
}

function applyAt(root: unknown, m: StructuralMutation): unknown {
  const places: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  (function collect(node: unknown) {
    if (Array.isArray(node)) {
      node.forEach((v, i) => {
        places.push({ parent: node, key: i });
        collect(v);
      });
    } else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        places.push({ parent: node as Record<string, unknown>, key: k });
        collect(v);
      }
    }
  })(root);
  if (places.length === 0) return m.op === 'addKey' ? Object.defineProperty({}, m.key, { value: m.value, enumerable: true, writable: true, configurable: true }) : m.value;
  const { parent, key } = places[m.pick % places.length];
  const slot = parent as Record<string | number, unknown>;
  switch (m.op) {
    case 'set':
      slot[key] = m.value;
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete slot[key];
      break;
    case 'addKey':
      // As its own key (`__proto__` included), the way a YAML parser reads it.
      if (!Array.isArray(parent)) Object.defineProperty(slot, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      else parent.push(m.value);
      break;
    case 'wrapInList':
      slot[key] = [slot[key]];
      break;
    case 'nest':
      slot[key] = { [m.key]: slot[key] };
      break;
  }
  return root;
}
