// The `gate` input: conditions on a job's final metrics, e.g. `auc >= 0.8 and accuracy > 0.7`.
// Pure: parse once (a typo fails the task before anything is submitted), evaluate at the end.

export type GateOperator = '>=' | '>' | '<=' | '<' | '==' | '!=';

export interface GateCondition {
  metric: string;
  op: GateOperator;
  value: number;
  /** The condition as written, trimmed. */
  text: string;
}

export interface GateCheck extends GateCondition {
  /** The metric's value; undefined when the job did not record it. */
  actual?: number;
  passed: boolean;
}

export interface GateResult {
  passed: boolean;
  checks: GateCheck[];
  /** One line for the task result when the gate fails, else a line saying it passed. */
  message: string;
}

/** A gate that does not parse: the message says where and what a condition looks like. */
export class GateSyntaxError extends Error {
  override name = 'GateSyntaxError';
}

// Metric names as MLflow allows them: letters, digits, _ - . / (no spaces in a gate).
const CONDITION = /^([A-Za-z_][\w.\-/]*)\s*(>=|<=|==|!=|>|<)\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$/;
const EXAMPLE = 'a condition is METRIC OP NUMBER with OP one of >= > <= < == !=, several joined by "and", e.g. auc >= 0.8 and accuracy > 0.7';

/** Parses a gate; an empty or blank gate is no condition at all. */
export function parseGate(gate: string): GateCondition[] {
  const text = gate.trim();
  if (!text) return [];
  const parts = text.split(/\s+and\s+/i);
  return parts.map((part, i) => {
    const condition = part.trim();
    if (!condition) throw new GateSyntaxError(`gate "${text}": condition ${i + 1} is empty; ${EXAMPLE}`);
    if (/\s(or|not)\s|^(or|not)\s|&&|\|\|/i.test(` ${condition} `)) {
      throw new GateSyntaxError(`gate "${text}": only "and" joins conditions ("${condition}"); ${EXAMPLE}`);
    }
    const m = CONDITION.exec(condition);
    if (!m) throw new GateSyntaxError(`gate "${text}": "${condition}" is not a condition; ${EXAMPLE}`);
    const value = Number(m[3]);
    if (!Number.isFinite(value)) throw new GateSyntaxError(`gate "${text}": "${m[3]}" is not a finite number`);
    return { metric: m[1], op: m[2] as GateOperator, value, text: `${m[1]} ${m[2]} ${m[3]}` };
  });
}

function holds(actual: number, op: GateOperator, value: number): boolean {
  switch (op) {
    case '>=':
      return actual >= value;
    case '>':
      return actual > value;
    case '<=':
      return actual <= value;
    case '<':
      return actual < value;
    case '==':
      return actual === value;
    case '!=':
      return actual !== value;
  }
}

/**
 * Checks every condition against the metrics. A metric the job did not record fails its
 * condition, and the message names the metrics it did record (a typo in the gate shows at once).
 */
export function evaluateGate(conditions: GateCondition[], metrics: Record<string, number>, what = 'the job'): GateResult {
  const checks: GateCheck[] = conditions.map((c) => {
    const actual = Object.prototype.hasOwnProperty.call(metrics, c.metric) ? metrics[c.metric] : undefined;
    return { ...c, ...(actual !== undefined ? { actual } : {}), passed: actual !== undefined && holds(actual, c.op, c.value) };
  });
  const failed = checks.filter((c) => !c.passed);
  if (failed.length === 0) {
    return { passed: true, checks, message: conditions.length ? `gate passed: ${checks.map((c) => `${c.metric} = ${c.actual} (${c.op} ${c.value})`).join(', ')}` : 'no gate' };
  }
  const recorded = Object.keys(metrics).sort();
  const reasons = failed.map((c) =>
    c.actual === undefined
      ? `metric "${c.metric}" was not recorded by ${what} (${recorded.length ? `it recorded: ${recorded.join(', ')}` : 'it recorded no metrics'})`
      : `${c.metric} = ${c.actual}, not ${c.op} ${c.value}`,
  );
  return { passed: false, checks, message: `gate failed: ${reasons.join('; ')}` };
}
