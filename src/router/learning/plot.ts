/**
 * Minimal SVG line/scatter charts for the eval CLI (no dependency, no browser): series of points
 * with axes, ticks and a legend. Enough to see a quality-vs-strong-share curve or a cost frontier.
 */

export interface Series {
  label: string;
  points: Array<[number, number]>;
  /** `line` joins points; `dots` only marks them. */
  style?: "line" | "dots";
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"];

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function ticks(lo: number, hi: number, n = 5): number[] {
  const step = (hi - lo) / n;
  return Array.from({ length: n + 1 }, (_, i) => lo + i * step);
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2));

export function svgChart(title: string, xLabel: string, yLabel: string, series: Series[], width = 760, height = 480): string {
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  let [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  if (x0 === x1) ((x0 -= 1), (x1 += 1));
  if (y0 === y1) ((y0 -= 1), (y1 += 1));
  const padY = (y1 - y0) * 0.05;
  y0 -= padY;
  y1 += padY;
  const m = { l: 70, r: 230, t: 40, b: 50 };
  const W = width - m.l - m.r;
  const H = height - m.t - m.b;
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0)) * W;
  const sy = (y: number) => m.t + H - ((y - y0) / (y1 - y0)) * H;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${m.l}" y="24" font-size="15">${esc(title)}</text>`,
    `<rect x="${m.l}" y="${m.t}" width="${W}" height="${H}" fill="none" stroke="#444"/>`,
  ];
  for (const t of ticks(x0, x1)) out.push(`<line x1="${sx(t)}" y1="${m.t + H}" x2="${sx(t)}" y2="${m.t + H + 5}" stroke="#444"/><text x="${sx(t)}" y="${m.t + H + 18}" text-anchor="middle">${fmt(t)}</text>`);
  for (const t of ticks(y0, y1)) out.push(`<line x1="${m.l - 5}" y1="${sy(t)}" x2="${m.l}" y2="${sy(t)}" stroke="#444"/><text x="${m.l - 8}" y="${sy(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  out.push(`<text x="${m.l + W / 2}" y="${height - 12}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${m.t + H / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length]!;
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    if (s.style !== "dots" && pts.length > 1) out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(" ")}"/>`);
    for (const p of pts) out.push(`<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="${s.style === "dots" ? 4 : 2.5}" fill="${c}"/>`);
    const ly = m.t + 14 + i * 18;
    out.push(`<rect x="${m.l + W + 12}" y="${ly - 9}" width="12" height="12" fill="${c}"/><text x="${m.l + W + 30}" y="${ly + 1}">${esc(s.label.slice(0, 28))}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}
