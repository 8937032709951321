/**
 * Headless Chromium for browser tests: Debian's `chromium` (installed by `.ci/run`), driven by
 * playwright-core. On a developer machine without it the browser tests are skipped; with CI=true
 * they run and fail if the browser is missing.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
export const IN_CI = process.env.CI === "true";
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Whether a suite of browser tests runs here (`describe.skipIf(!BROWSER_TESTS)`). */
export const BROWSER_TESTS = HAVE_CHROMIUM || IN_CI;

export async function launchChromium(): Promise<Browser> {
  if (!HAVE_CHROMIUM) throw new Error(`Chromium not found at ${CHROMIUM}; .ci/run installs it with apt-get (CI=true makes this a failure, not a skip)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
}
