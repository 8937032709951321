// The dashboard page: sign in with a key, read the usage API for the chosen window, draw it.
// Every figure comes from the gateway's own API (/v1/usage*, /v1/dashboard/latency) with the
// signed-in key, so a tenant key sees exactly what the API lets it see: its own tenant.
import { colour, doughnut, draw, groupedBars, lines, stackedBars } from "./charts.js";
import { ago, bucketLabel, count, esc, ms, usd, usdExact } from "./format.js";

const KEY_STORE = "octoroute.dashboard.key";
const RANGES = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 };
const REFRESH_MS = 30_000;
const MAX_SERIES = 7;

const state = { key: sessionStorage.getItem(KEY_STORE), admin: false, tenant: null, range: "24h", dim: "tenant", filter: "", timer: 0, loading: false };
const $ = (sel) => document.querySelector(sel);

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(path) {
  const res = await fetch(path, { headers: { authorization: `Bearer ${state.key}` }, cache: "no-store" });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      message = (await res.json()).error?.message ?? message;
    } catch {}
    throw new ApiError(res.status, message);
  }
  return res.json();
}

// ---------------------------------------------------------------- sign-in

async function signIn(key) {
  state.key = key;
  const probe = await api(`/v1/usage?from=${new Date(Date.now() - 60_000).toISOString()}`);
  state.admin = probe.tenant === null;
  state.tenant = probe.tenant;
  sessionStorage.setItem(KEY_STORE, key);
  $("#who").textContent = state.admin ? "Admin · all tenants" : `Tenant · ${state.tenant}`;
  $("#tenant-filter-wrap").hidden = !state.admin;
  $("#signin").hidden = true;
  $("#app").hidden = false;
  await load();
  schedule();
}

function signOut(message) {
  sessionStorage.removeItem(KEY_STORE);
  clearTimeout(state.timer);
  Object.assign(state, { key: null, admin: false, tenant: null, filter: "" });
  $("#app").hidden = true;
  $("#signin").hidden = false;
  $("#key").value = "";
  $("#tenant-filter").innerHTML = '<option value="">All tenants</option>';
  const err = $("#signin-error");
  err.hidden = !message;
  err.textContent = message ?? "";
  document.body.dataset.state = "signed-out";
}

function schedule() {
  clearTimeout(state.timer);
  state.timer = setTimeout(async () => {
    if (document.visibilityState === "visible") await load().catch(() => {});
    schedule();
  }, REFRESH_MS);
}

// ---------------------------------------------------------------- data

function windowOf() {
  const to = Date.now();
  const from = to - RANGES[state.range];
  return { from, to, unit: state.range === "1h" || state.range === "24h" ? "hour" : "day" };
}

/** Every bucket key between from and to, so quiet hours show as zero instead of vanishing. */
function bucketsOf(from, to, unit) {
  const step = unit === "day" ? 86_400_000 : 3_600_000;
  const keys = [];
  for (let t = Math.floor(from / step) * step; t <= to; t += step) {
    const iso = new Date(t).toISOString();
    keys.push(unit === "day" ? iso.slice(0, 10) : `${iso.slice(0, 13)}:00Z`);
  }
  return keys;
}

async function load() {
  if (state.loading) return;
  state.loading = true;
  document.body.dataset.state = "loading";
  const { from, to, unit } = windowOf();
  const win = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
  const tenant = state.admin && state.filter ? `&tenant=${encodeURIComponent(state.filter)}` : "";
  const now = new Date(to);
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  try {
    const [totals, spend, tokens, byModel, byRoute, top, budgets, month, latency] = await Promise.all([
      api(`/v1/usage?${win}${tenant}`),
      api(`/v1/usage?${win}${tenant}&group_by=${unit},${state.dim}`),
      api(`/v1/usage?${win}${tenant}&group_by=${unit}`),
      api(`/v1/usage?${win}${tenant}&group_by=model`),
      api(`/v1/usage?${win}${tenant}&group_by=route`),
      api(`/v1/usage/requests?${win}${tenant}&limit=12`),
      api(`/v1/usage/budgets`),
      api(`/v1/usage?from=${monthStart.toISOString()}&to=${now.toISOString()}${tenant}&group_by=day,tenant`),
      api(`/v1/dashboard/latency`),
    ]);
    $("#load-error").hidden = true;
    const buckets = bucketsOf(from, to, unit);
    renderKpis(totals);
    renderSpend(spend, buckets, unit);
    renderTokens(tokens, buckets, unit);
    renderShare(byModel);
    renderLatency(byModel);
    renderRoutes(byRoute);
    renderBudgets(budgets, month, now);
    renderIdeal(latency);
    renderRequests(top);
    if (state.admin) fillTenantFilter(budgets);
    $("#updated").textContent = `Updated ${new Date().toLocaleTimeString("en-US", { hour12: false })} · refreshes every ${REFRESH_MS / 1000} s`;
    document.body.dataset.from = String(from);
    document.body.dataset.to = String(to);
    document.body.dataset.state = "ready";
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return signOut("That key is no longer valid.");
    $("#load-error").hidden = false;
    $("#load-error").textContent = `Could not load usage: ${err.message}`;
    document.body.dataset.state = "error";
  } finally {
    state.loading = false;
  }
}

// ---------------------------------------------------------------- render

function setKpi(name, value, text, title) {
  for (const el of document.querySelectorAll(`[data-kpi="${name}"]`)) {
    el.dataset.value = value === null || value === undefined ? "" : String(value);
    el.textContent = text;
    if (title) el.title = title;
  }
}

function renderKpis({ totals: t }) {
  setKpi("cost_usd", t.cost_usd, usd(t.cost_usd), usdExact(t.cost_usd));
  setKpi("requests", t.requests, count(t.requests), String(t.requests));
  setKpi("errors", t.errors, count(t.errors));
  setKpi("calls", t.calls, count(t.calls));
  setKpi("total_tokens", t.total_tokens, count(t.total_tokens), String(t.total_tokens));
  setKpi("input_tokens", t.input_tokens, count(t.input_tokens));
  setKpi("output_tokens", t.output_tokens, count(t.output_tokens));
  setKpi("p50", t.latency_ms.p50, ms(t.latency_ms.p50));
  setKpi("p95", t.latency_ms.p95, ms(t.latency_ms.p95));
  const per = t.requests ? t.cost_usd / t.requests : null;
  setKpi("cost_per_request", per, usd(per), usdExact(per));
  $("#kpi-cost-note").textContent = t.unpriced_requests ? `+ ${count(t.unpriced_requests)} request(s) with unknown price` : `${count(t.requests)} requests priced`;
  $("#kpi-window").textContent = { "1h": "last hour", "24h": "last 24 hours", "7d": "last 7 days", "30d": "last 30 days" }[state.range];
}

const dimLabel = (dim, v) => (v === null || v === undefined || v === "" ? (dim === "route" ? "(direct model)" : "(none)") : v);

/** Top N series by total, the rest folded into "other". */
function topSeries(groups, keyOf, valueOf, n = MAX_SERIES) {
  const totals = new Map();
  for (const g of groups) totals.set(keyOf(g), (totals.get(keyOf(g)) ?? 0) + valueOf(g));
  const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k);
  const keep = new Set(ranked.slice(0, n));
  return { names: [...ranked.slice(0, n), ...(ranked.length > n ? ["other"] : [])], pick: (g) => (keep.has(keyOf(g)) ? keyOf(g) : "other") };
}

function renderSpend({ data }, buckets, unit) {
  const dim = state.dim;
  const { names, pick } = topSeries(data, (g) => dimLabel(dim, g.group[dim]), (g) => g.cost_usd);
  const index = new Map(buckets.map((b, i) => [b, i]));
  const series = names.map((name) => ({ label: name, data: buckets.map(() => 0) }));
  for (const g of data) {
    const i = index.get(g.group[unit]);
    if (i !== undefined) series[names.indexOf(pick(g))].data[i] += g.cost_usd;
  }
  draw("chart-spend", stackedBars(buckets.map((b) => bucketLabel(b, unit)), series, { money: true }), data.length === 0);
}

function renderTokens({ data }, buckets, unit) {
  const byBucket = new Map(data.map((g) => [g.group[unit], g]));
  const series = [
    { label: "Input", data: buckets.map((b) => byBucket.get(b)?.input_tokens ?? 0), colour: "#818cf8" },
    { label: "Output", data: buckets.map((b) => byBucket.get(b)?.output_tokens ?? 0), colour: "#14b8a6" },
  ];
  draw("chart-tokens", stackedBars(buckets.map((b) => bucketLabel(b, unit)), series), data.length === 0);
}

function renderShare({ data }) {
  const rows = [...data].sort((a, b) => b.requests - a.requests);
  const head = rows.slice(0, MAX_SERIES);
  const rest = rows.slice(MAX_SERIES).reduce((n, g) => n + g.requests, 0);
  const labels = [...head.map((g) => dimLabel("model", g.group.model)), ...(rest ? ["other"] : [])];
  draw("chart-share", doughnut(labels, [...head.map((g) => g.requests), ...(rest ? [rest] : [])]), rows.length === 0);
}

function renderLatency({ data }) {
  const rows = data.filter((g) => g.latency_ms.p50 !== null).sort((a, b) => (b.latency_ms.p95 ?? 0) - (a.latency_ms.p95 ?? 0)).slice(0, 8);
  draw(
    "chart-latency",
    groupedBars(
      rows.map((g) => dimLabel("model", g.group.model)),
      [
        { label: "p50", data: rows.map((g) => g.latency_ms.p50), colour: "#a5b4fc" },
        { label: "p95", data: rows.map((g) => g.latency_ms.p95), colour: "#4f46e5" },
      ],
    ),
    rows.length === 0,
  );
}

function renderRoutes({ data }) {
  const rows = [...data].sort((a, b) => b.cost_usd - a.cost_usd || b.requests - a.requests).slice(0, 8);
  const max = Math.max(...rows.map((g) => g.cost_usd), 0) || 1;
  $("#table-routes tbody").innerHTML = rows.length
    ? rows
        .map(
          (g) => `<tr>
            <td class="bar-cell"><i class="bar"></i><span>${esc(dimLabel("route", g.group.route))}</span></td>
            <td class="num">${count(g.requests)}</td>
            <td class="num" title="${esc(usdExact(g.cost_usd))}">${usd(g.cost_usd)}</td>
            <td class="num">${ms(g.latency_ms.p95)}</td></tr>`,
        )
        .join("")
    : `<tr><td colspan="4" class="empty-row">No traffic in this window yet</td></tr>`;
  // Widths set through the CSSOM: the page's CSP forbids inline style attributes.
  document.querySelectorAll("#table-routes .bar").forEach((bar, i) => (bar.style.width = `${Math.max(4, (rows[i].cost_usd / max) * 100)}%`));
}

function renderBudgets(budgets, month, now) {
  const rows = budgets.data.filter((b) => !state.filter || b.tenant === state.filter);
  const withBudget = rows.filter((b) => b.usd_per_day !== null || b.usd_per_month !== null);
  const list = $("#budget-list");
  const meter = (label, spent, cap) => {
    const used = cap > 0 ? Math.min(1, spent / cap) : 1;
    const cls = used >= 0.9 ? "bad" : used >= 0.7 ? "warn" : "";
    return `<div class="row"><b>${label}</b><span>${usd(spent)} of ${usd(cap)} · ${Math.round(used * 100)}%</span></div>
      <div class="meter ${cls}"><i data-used="${used}"></i></div>`;
  };
  list.innerHTML = withBudget.length
    ? withBudget
        .map(
          (b) => `<li data-tenant="${esc(b.tenant)}">
            <div class="row"><b>${esc(b.tenant)}</b><span>${b.reserved_usd ? `${usd(b.reserved_usd)} reserved` : ""}</span></div>
            ${b.usd_per_day !== null ? meter("Today", b.spent_today_usd ?? 0, b.usd_per_day) : ""}
            ${b.usd_per_month !== null ? meter("This month", b.spent_month_usd ?? 0, b.usd_per_month) : ""}
          </li>`,
        )
        .join("")
    : `<li class="none">No budgets configured${state.admin ? "" : " for your tenant"}. Set <code>budget: { usdPerDay, usdPerMonth }</code> on a tenant to see its burn-down.</li>`;
  list.querySelectorAll(".meter > i").forEach((i) => (i.style.width = `${Math.max(2, Number(i.dataset.used) * 100)}%`));

  // Burn-down of the monthly budgets: remaining at the end of each day, against a straight line to zero.
  const monthly = withBudget.filter((b) => b.usd_per_month !== null);
  const days = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)).getUTCDate();
  const today = now.getUTCDate();
  const prefix = now.toISOString().slice(0, 8);
  const labels = Array.from({ length: days }, (_, i) => bucketLabel(`${prefix}${String(i + 1).padStart(2, "0")}`, "day"));
  const series = [];
  monthly.forEach((b, n) => {
    const perDay = new Array(days).fill(0);
    for (const g of month.data) if (g.group.tenant === b.tenant) perDay[Number(g.group.day.slice(8, 10)) - 1] += g.cost_usd;
    let left = b.usd_per_month;
    const data = perDay.map((spent, i) => (i < today ? Math.max(0, (left -= spent)) : null));
    series.push({ label: b.tenant, data, colour: colour(n) });
    series.push({ label: `${b.tenant} (even pace)`, data: perDay.map((_, i) => b.usd_per_month * (1 - (i + 1) / days)), colour: colour(n), dashed: true });
  });
  $("#burn-hint").textContent = monthly.length ? `remaining of the monthly budget, ${now.toLocaleDateString("en-US", { month: "long", timeZone: "UTC" })}` : "no monthly budgets";
  draw("chart-burn", lines(labels, series), monthly.length === 0);
}

function renderIdeal({ data, reference_output_tokens: ref }) {
  const rows = data.filter((m) => m.idealised_ms !== null);
  $("#ideal-hint").textContent = `time for a ${ref}-token answer`;
  draw(
    "chart-ideal",
    (() => {
      const cfg = groupedBars(
        rows.map((m) => m.model),
        [
          { label: "first token", data: rows.map((m) => m.ttft_ms), colour: "#f59e0b" },
          { label: `${ref} tokens decoding`, data: rows.map((m) => m.ms_per_output_token * ref), colour: "#14b8a6" },
        ],
      );
      cfg.options.scales.x.stacked = true;
      cfg.options.scales.y.stacked = true;
      return cfg;
    })(),
    rows.length === 0,
  );
  $("#table-ideal tbody").innerHTML = data.length
    ? data
        .map(
          (m) => `<tr title="${m.calls} calls (${m.streamed_calls} streamed), estimate from ${m.source === "streamed" ? "streamed calls" : m.source === "fit" ? "a least-squares fit" : "too few calls"}">
            <td>${esc(m.model)}</td><td class="num">${ms(m.ttft_ms)}</td>
            <td class="num">${m.ms_per_output_token === null ? "–" : m.ms_per_output_token.toFixed(2)}</td>
            <td class="num">${m.raw_ms_per_output_token === null ? "–" : m.raw_ms_per_output_token.toFixed(2)}</td></tr>`,
        )
        .join("")
    : `<tr><td colspan="4" class="empty-row">No calls since the gateway started</td></tr>`;
}

function renderRequests({ data }) {
  $("#table-requests tbody").innerHTML = data.length
    ? data
        .map(
          (r) => `<tr data-request-id="${esc(r.request_id)}">
            <td title="${esc(r.created_at)}">${ago(r.created_at)}</td>
            <td class="mono" title="${esc(r.request_id)}">${esc(r.request_id.length > 22 ? `${r.request_id.slice(0, 20)}…` : r.request_id)}</td>
            <td>${esc(r.tenant)}</td>
            <td>${esc(dimLabel("route", r.route))}</td>
            <td>${esc(r.model ?? "–")}${r.status >= 400 ? ` <span class="pill err">${r.status}</span>` : ""}</td>
            <td><span class="pill">${esc(r.strategy)}</span></td>
            <td class="num">${count(r.input_tokens)} / ${count(r.output_tokens)}</td>
            <td class="num">${ms(r.latency_ms)}</td>
            <td class="num" title="${esc(usdExact(r.cost_usd))}"><b>${r.cost_usd === null ? "unknown" : usd(r.cost_usd)}</b></td></tr>`,
        )
        .join("")
    : `<tr><td colspan="9" class="empty-row">No requests in this window yet</td></tr>`;
}

function fillTenantFilter(budgets) {
  const select = $("#tenant-filter");
  const have = new Set([...select.options].map((o) => o.value));
  for (const b of budgets.data) {
    if (have.has(b.tenant)) continue;
    const opt = document.createElement("option");
    opt.value = opt.textContent = b.tenant;
    select.append(opt);
  }
  select.value = state.filter;
}

// ---------------------------------------------------------------- wiring

$("#signin-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const key = $("#key").value.trim();
  if (!key) return;
  try {
    await signIn(key);
  } catch (err) {
    signOut(
      err instanceof ApiError && err.status === 401
        ? "That key was not accepted."
        : err instanceof ApiError && err.status === 404
          ? "This gateway runs without the usage ledger (ledger.enabled: false); the dashboard reads it."
          : `Sign-in failed: ${err.message}`,
    );
  }
});
$("#signout").addEventListener("click", () => signOut());
$("#refresh").addEventListener("click", () => load());
$("#tenant-filter").addEventListener("change", (e) => {
  state.filter = e.target.value;
  load();
});
for (const b of document.querySelectorAll("#range button")) {
  b.addEventListener("click", () => {
    state.range = b.dataset.range;
    document.querySelectorAll("#range button").forEach((x) => x.classList.toggle("active", x === b));
    load();
  });
}
for (const b of document.querySelectorAll("#spend-dim button")) {
  b.addEventListener("click", () => {
    state.dim = b.dataset.dim;
    document.querySelectorAll("#spend-dim button").forEach((x) => x.classList.toggle("active", x === b));
    load();
  });
}

// Chart.js is a deferred classic script; module scripts run after it, so it is loaded by now.
if (state.key) signIn(state.key).catch(() => signOut());
