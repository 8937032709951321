/**
 * Loads the dashboard's files on Node: the page, script and stylesheet next to this module, and
 * Chart.js from its npm package (the vendored charting library; its version is pinned by the
 * lockfile). Read once at start; they are small and never change while the gateway runs.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DashboardAsset } from "./plugin.js";

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
};

const OWN = ["index.html", "dashboard.js", "dashboard.css", "charts.js", "format.js", "logo.svg"];

export function loadDashboardAssets(): Record<string, DashboardAsset> {
  const out: Record<string, DashboardAsset> = {};
  const dir = new URL("./assets/", import.meta.url);
  for (const name of OWN) {
    out[name] = { body: readFileSync(fileURLToPath(new URL(name, dir)), "utf8"), type: TYPES[name.split(".").pop()!]! };
  }
  // The package's exports map hides dist/; its main entry sits next to the UMD build.
  const chartPath = join(dirname(createRequire(import.meta.url).resolve("chart.js")), "chart.umd.min.js");
  out["chart.umd.min.js"] = { body: readFileSync(chartPath, "utf8"), type: TYPES.js! };
  return out;
}
