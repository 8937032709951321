/**
 * A tiny arithmetic evaluator for GSM8K's `<<expr=result>>` annotations, so a sim solver that got
 * one step wrong can carry the wrong value into the steps after it (a wrong step → wrong answer).
 */

/** Evaluates `+ - * / ( )` over decimals; null on anything else. */
export function evaluate(expr: string): number | null {
  const tokens = expr.replace(/[,$\s]/g, "").match(/\d+(?:\.\d+)?|[-+*/()x]/g);
  if (!tokens || tokens.join("") !== expr.replace(/[,$\s]/g, "")) return null;
  let pos = 0;
  const peek = () => tokens[pos];
  const primary = (): number | null => {
    const t = tokens[pos++];
    if (t === undefined) return null;
    if (t === "(") {
      const v = sum();
      if (tokens[pos++] !== ")") return null;
      return v;
    }
    if (t === "-") {
      const v = primary();
      return v === null ? null : -v;
    }
    const n = Number(t);
    return Number.isFinite(n) ? n : null;
  };
  const product = (): number | null => {
    let v = primary();
    while (v !== null && (peek() === "*" || peek() === "/" || peek() === "x")) {
      const op = tokens[pos++];
      const r = primary();
      if (r === null) return null;
      v = op === "/" ? (r === 0 ? null : v / r) : v * r;
    }
    return v;
  };
  const sum = (): number | null => {
    let v = product();
    while (v !== null && (peek() === "+" || peek() === "-")) {
      const op = tokens[pos++];
      const r = product();
      if (r === null) return null;
      v = op === "+" ? v + r : v - r;
    }
    return v;
  };
  const v = sum();
  return v !== null && pos === tokens.length && Number.isFinite(v) ? v : null;
}

/** How the sim writes a number: integers plain, else at most two decimals. */
export function formatNumber(v: number): string {
  const r = Math.round(v * 100) / 100;
  return Number.isInteger(r) ? String(r) : String(r);
}
