/**
 * Azure Pipelines identifiers: stage and job names may hold only ASCII letters, digits and `_`,
 * and must start with a letter or `_`. Azure DevOps compares them without regard to case.
 */
export function identifier(name: string): string {
  const id = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(id) ? id : `_${id}`;
}

export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Hands out identifiers unique without regard to case, trying each candidate, then numbering. */
export class Identifiers {
  private readonly taken = new Set<string>();

  constructor(reserved: readonly string[] = []) {
    for (const r of reserved) this.taken.add(r.toLowerCase());
  }

  claim(name: string, ...alternatives: string[]): string {
    const base = identifier(name);
    for (const id of [base, ...alternatives.map(identifier)]) if (this.take(id)) return id;
    for (let n = 2; ; n++) if (this.take(`${base}_${n}`)) return `${base}_${n}`;
  }

  private take(id: string): boolean {
    if (this.taken.has(id.toLowerCase())) return false;
    this.taken.add(id.toLowerCase());
    return true;
  }
}
