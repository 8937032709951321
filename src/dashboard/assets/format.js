// Number and time formatting for the dashboard: readable at a glance, exact on hover (title).

/** USD with as many decimals as small amounts need ($12.40, $0.0321, $0.000042). */
export function usd(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  const a = Math.abs(v);
  if (a === 0) return "$0.00";
  if (a >= 1000) return `$${v.toLocaleString("en-US", { maximumFractionDigits: 0 })}`;
  if (a >= 1) return `$${v.toFixed(2)}`;
  // Two significant digits below a dollar, never rounded to zero.
  const digits = Math.min(8, Math.max(2, 1 - Math.floor(Math.log10(a)) + 1));
  return `$${v.toFixed(digits)}`;
}

/** Exact USD for tooltips and data attributes. */
export function usdExact(v) {
  return v === null || v === undefined ? "unknown" : `$${Number(v.toFixed(10))}`;
}

/** Compact counts: 950, 12.3k, 4.1M. */
export function count(v) {
  if (v === null || v === undefined) return "–";
  if (Math.abs(v) < 10_000) return v.toLocaleString("en-US");
  if (Math.abs(v) < 1_000_000) return `${(v / 1000).toFixed(1)}k`;
  if (Math.abs(v) < 1_000_000_000) return `${(v / 1_000_000).toFixed(1)}M`;
  return `${(v / 1_000_000_000).toFixed(1)}B`;
}

/** Milliseconds as 85 ms / 1.24 s. */
export function ms(v) {
  if (v === null || v === undefined) return "–";
  if (v < 1) return `${v.toFixed(2)} ms`;
  if (v < 1000) return `${Math.round(v)} ms`;
  return `${(v / 1000).toFixed(2)} s`;
}

/** A bucket label ("2026-11-26" or "2026-11-26T11:00Z") as a short local label. */
export function bucketLabel(bucket, unit) {
  const d = new Date(unit === "day" ? `${bucket}T00:00:00Z` : bucket);
  if (unit === "day") return d.toLocaleDateString("en-US", { month: "short", day: "numeric" });
  return d.toLocaleTimeString("en-US", { hour: "2-digit", minute: "2-digit", hour12: false });
}

/** "3 min ago", "just now". */
export function ago(iso) {
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 45) return "just now";
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** Escapes text for innerHTML. */
export function esc(v) {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
