/** Redaction of secrets in recorded requests: by key name, by known value, and by shape (SAS, JWT). */

export const REDACTED = 'REDACTED';

const SECRET_KEYS = /^(authorization|client_secret|client_assertion|assertion|access_token|refresh_token|id_token|oidctoken|key|accountkey|account_key|password|secret|sastoken|x-identity-header|x-ms-copy-source-authorization|primarykey|secondarykey|connectionstring)$/i;
const SAS_SIG = /([?&;]sig=)[^&"'\s]+/gi;
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}/g;
const ACCOUNT_KEY = /(AccountKey=)[^;"'\s]+/gi;

export class Redactor {
  private readonly values = new Set<string>();

  /** A secret value to replace wherever it appears (client secret, account key, tokens…). */
  add(value: string | undefined): void {
    if (value && value.length >= 6) this.values.add(value);
  }

  text(input: string): string {
    let out = input.replace(SAS_SIG, `$1${REDACTED}`).replace(JWT, REDACTED).replace(ACCOUNT_KEY, `$1${REDACTED}`);
    for (const v of this.values) if (out.includes(v)) out = out.split(v).join(REDACTED);
    return out;
  }

  value(input: unknown, depth = 0): unknown {
    if (depth > 64) return REDACTED;
    if (typeof input === 'string') return this.text(input);
    if (Array.isArray(input)) return input.map((v) => this.value(v, depth + 1));
    if (input && typeof input === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(input)) out[k] = SECRET_KEYS.test(k) && v !== null && v !== undefined && v !== '' ? REDACTED : this.value(v, depth + 1);
      return out;
    }
    return input;
  }

  headers(headers: Record<string, string | string[] | undefined>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) {
      if (v === undefined) continue;
      const s = Array.isArray(v) ? v.join(', ') : v;
      out[k.toLowerCase()] = SECRET_KEYS.test(k) ? (/^bearer /i.test(s) ? `Bearer ${REDACTED}` : REDACTED) : this.text(s);
    }
    return out;
  }
}
