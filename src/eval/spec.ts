/**
 * Strategy specs of the eval CLI: `none,sc:n=4,sc:n=16,bon:n=16,pf:n=16,rebase:w=16,plansearch`
 * (short names or full ones; `:`-separated key=value parameters) → the `octoroute` body field.
 */
const ALIASES: Record<string, string> = {
  none: "none",
  sc: "self-consistency",
  "self-consistency": "self-consistency",
  asc: "self-consistency",
  bon: "best-of-n",
  "best-of-n": "best-of-n",
  pf: "particle-filter",
  "particle-filter": "particle-filter",
  rebase: "rebase",
  ps: "plansearch",
  plansearch: "plansearch",
};

export interface EvalStrategy {
  /** As written on the command line (the table's row label). */
  label: string;
  strategy: string;
  params: Record<string, unknown>;
}

function value(raw: string): unknown {
  if (raw === "true") return true;
  if (raw === "false") return false;
  const n = Number(raw);
  return raw.trim() !== "" && Number.isFinite(n) ? n : raw;
}

export function parseStrategies(list: string): EvalStrategy[] {
  return list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((label) => {
      const [head, ...parts] = label.split(":");
      const strategy = ALIASES[head!];
      if (!strategy) throw new Error(`unknown strategy "${head}" in --strategies (known: ${Object.keys(ALIASES).join(", ")})`);
      const params: Record<string, unknown> = head === "asc" ? { adaptive: true } : {};
      for (const p of parts) {
        const eq = p.indexOf("=");
        if (eq <= 0) throw new Error(`expected key=value in "${label}"`);
        params[p.slice(0, eq)] = value(p.slice(eq + 1));
      }
      return { label, strategy, params };
    });
}
