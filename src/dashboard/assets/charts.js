// Chart.js set-up shared by every chart on the page: one palette, one look, one way to update.
import { count, ms, usd } from "./format.js";

/** Distinct, colour-blind-friendly hues, most important first. */
export const PALETTE = ["#4f46e5", "#14b8a6", "#f59e0b", "#ec4899", "#0ea5e9", "#8b5cf6", "#22c55e", "#ef4444", "#64748b", "#a16207"];

export function colour(i) {
  return PALETTE[i % PALETTE.length];
}

function Chart() {
  if (!window.Chart) throw new Error("Chart.js did not load");
  return window.Chart;
}

let defaultsSet = false;
function setDefaults() {
  if (defaultsSet) return;
  defaultsSet = true;
  const C = Chart();
  C.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
  C.defaults.font.size = 12;
  C.defaults.color = "#6b7280";
  C.defaults.borderColor = "#eef0f5";
  // Respect reduced motion (and get still frames for screenshots).
  if (window.matchMedia("(prefers-reduced-motion: reduce)").matches) C.defaults.animation = false;
  else C.defaults.animation.duration = 350;
  C.defaults.plugins.legend.labels.boxWidth = 10;
  C.defaults.plugins.legend.labels.boxHeight = 10;
  C.defaults.plugins.legend.labels.usePointStyle = true;
  C.defaults.plugins.tooltip.backgroundColor = "#111827";
  C.defaults.plugins.tooltip.padding = 10;
  C.defaults.plugins.tooltip.cornerRadius = 8;
}

const charts = new Map();

/** Creates or updates the chart on canvas `id`; shows a quiet "no data yet" when empty. */
export function draw(id, config, empty) {
  setDefaults();
  const canvas = document.getElementById(id);
  const holder = canvas.parentElement;
  holder.querySelector(".empty")?.remove();
  if (empty) {
    const note = document.createElement("div");
    note.className = "empty";
    note.textContent = "No traffic in this window yet";
    holder.append(note);
  }
  const old = charts.get(id);
  if (old && old.config.type === config.type) {
    old.data = config.data;
    old.options = config.options;
    old.update();
    return old;
  }
  old?.destroy();
  const chart = new (Chart())(canvas, config);
  charts.set(id, chart);
  return chart;
}

const axis = (format) => ({ grid: { color: "#f1f2f6" }, border: { display: false }, ticks: { callback: (v) => format(v), maxTicksLimit: 6 } });

/** Dollar ticks with one number of decimals for the whole axis, fitted to the step between ticks. */
const moneyAxis = () => ({
  ...axis(usd),
  ticks: {
    maxTicksLimit: 6,
    callback: (v, i, ticks) => {
      const step = ticks.length > 1 ? Math.abs(ticks[1].value - ticks[0].value) : Math.abs(v) || 1;
      const decimals = Math.min(8, Math.max(2, -Math.floor(Math.log10(step))));
      return `$${Number(v).toFixed(decimals)}`;
    },
  },
});
const xAxis = { grid: { display: false }, border: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } };

/** Stacked bars over time buckets (spend or tokens). */
export function stackedBars(labels, series, { money = false } = {}) {
  const fmt = money ? usd : count;
  return {
    type: "bar",
    data: {
      labels,
      datasets: series.map((s, i) => ({ label: s.label, data: s.data, backgroundColor: s.colour ?? colour(i), borderRadius: 4, borderSkipped: false, maxBarThickness: 44, stack: "all" })),
    },
    options: {
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      scales: { x: { ...xAxis, stacked: true }, y: { ...(money ? moneyAxis() : axis(fmt)), stacked: true, beginAtZero: true } },
      plugins: {
        legend: { position: "bottom" },
        tooltip: { callbacks: { label: (ctx) => ` ${ctx.dataset.label}: ${fmt(ctx.parsed.y)}` } },
      },
    },
  };
}

/** Doughnut with the total in the legend labels. */
export function doughnut(labels, values) {
  const total = values.reduce((a, b) => a + b, 0) || 1;
  return {
    type: "doughnut",
    data: { labels, datasets: [{ data: values, backgroundColor: labels.map((_, i) => colour(i)), borderColor: "#fff", borderWidth: 3, hoverOffset: 6 }] },
    options: {
      maintainAspectRatio: false,
      cutout: "64%",
      plugins: {
        legend: {
          position: "bottom",
          labels: {
            generateLabels: (chart) =>
              chart.data.labels.map((l, i) => ({
                text: `${l}  ${Math.round((values[i] / total) * 100)}%`,
                fillStyle: colour(i),
                strokeStyle: colour(i),
                pointStyle: "circle",
                index: i,
              })),
          },
        },
        tooltip: { callbacks: { label: (ctx) => ` ${ctx.label}: ${count(ctx.parsed)} requests (${((ctx.parsed / total) * 100).toFixed(1)}%)` } },
      },
    },
  };
}

/** Grouped horizontal-friendly bars (latency p50/p95 per model). */
export function groupedBars(labels, series, format = ms) {
  return {
    type: "bar",
    data: { labels, datasets: series.map((s, i) => ({ label: s.label, data: s.data, backgroundColor: s.colour ?? colour(i), borderRadius: 4, maxBarThickness: 26 })) },
    options: {
      maintainAspectRatio: false,
      indexAxis: "y",
      scales: { x: { ...axis(format), beginAtZero: true }, y: { grid: { display: false }, border: { display: false } } },
      plugins: { legend: { position: "bottom" }, tooltip: { callbacks: { label: (ctx) => ` ${ctx.dataset.label}: ${format(ctx.parsed.x)}` } } },
    },
  };
}

/** Lines over time (budget remaining), with an optional dashed guide per series. */
export function lines(labels, series, format = usd) {
  return {
    type: "line",
    data: {
      labels,
      datasets: series.map((s, i) => ({
        label: s.label,
        data: s.data,
        borderColor: s.colour ?? colour(i),
        backgroundColor: (s.colour ?? colour(i)) + "22",
        borderDash: s.dashed ? [5, 5] : [],
        borderWidth: s.dashed ? 1.5 : 2.5,
        pointRadius: s.dashed ? 0 : s.data.map((v, i) => (v !== null && (i === s.data.length - 1 || s.data[i + 1] === null) ? 4 : 0)),
        pointHoverRadius: s.dashed ? 0 : 5,
        fill: !s.dashed,
        tension: 0.25,
        spanGaps: true,
      })),
    },
    options: {
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      scales: { x: xAxis, y: { ...(format === usd ? moneyAxis() : axis(format)), beginAtZero: true } },
      plugins: {
        legend: { position: "bottom", labels: { filter: (item, data) => !data.datasets[item.datasetIndex].borderDash?.length } },
        tooltip: { callbacks: { label: (ctx) => ` ${ctx.dataset.label}: ${format(ctx.parsed.y)}` } },
      },
    },
  };
}
