// What the browser test files share: the server's address, Debian's
// Chromium launched headless through playwright-core (never a downloaded
// browser), pages whose console errors are collected, axe-core run on a
// page (WCAG 2 A and AA), screenshots, and small text helpers. Each test
// file keeps its own flow; run.sh runs them one after the other.
// Written for Node 18: the standard library and playwright-core only.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

export const BASE = process.env.MG_BASE_URL;
if (!BASE) {
  console.error('MG_BASE_URL is not set: run tests/browser/run.sh');
  process.exit(2);
}
export const SHOTS = process.env.MG_SCREENSHOT_DIR ||
  fs.mkdtempSync(path.join(os.tmpdir(), 'maillage-screenshots-'));
fs.mkdirSync(SHOTS, { recursive: true });

// Generous: the same tests run against the sanitizer build when asked.
export const TIMEOUT = 60_000;
export const VIEWPORT = { width: 1280, height: 900 };

// Chromium's switches for a headless run in a container.
export const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync'];

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// Debian's Chromium, headless.
export function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
    args: LAUNCH_ARGS, timeout: TIMEOUT });
}

// Errors a page logged (CSP violations, failed scripts, missing resources),
// as "url: message"; the tests assert it stays empty. `ignore` tells the
// messages a test provokes on purpose (a refused form's status).
export const consoleErrors = [];
export function watchConsole(page, ignore = () => false) {
  page.on('console', (m) => {
    const where = (m.location() || {}).url || '';
    if (m.type() === 'error' && !/favicon\.ico/.test(where) && !ignore(m.text(), where))
      consoleErrors.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
}

// A new context (its own cookies) and a page in it, watched.
export async function newPage(browser, options = {}, ignore) {
  const ctx = await browser.newContext({ viewport: VIEWPORT, locale: 'fr-FR', ...options });
  ctx.setDefaultTimeout(TIMEOUT);
  ctx.setDefaultNavigationTimeout(TIMEOUT);
  const page = await ctx.newPage();
  watchConsole(page, ignore);
  return page;
}

// Spaces as people read them: French number separators made plain.
export function norm(s) {
  return s.replace(/[\u202f\u00a0]/g, ' ').replace(/\s+/g, ' ').trim();
}

// Clicks something that navigates; the main response.
export async function clickAndWait(page, locator) {
  const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
  return res;
}

// axe-core on the page as it is now. axe is evaluated through the DevTools
// protocol, which the page's CSP does not govern. Serious and critical
// violations fail; the others are printed.
export async function axeCheck(page, what, { strict = false } = {}) {
  if (!await page.evaluate(() => typeof window.axe === 'object'))
    await page.evaluate(AXE_SOURCE);
  const r = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] },
    resultTypes: ['violations'],
  }));
  for (const v of r.violations)
    console.log(`axe ${what}: ${v.id} (${v.impact}) ${v.help} — ` +
      v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)).join(', '));
  const bad = strict ? r.violations
    : r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.help}`), [],
    `accessibility violations on ${what}`);
}

// A full-page screenshot cut at maxHeight pixels, into SHOTS; its path.
export async function shoot(page, name, maxHeight = 2400) {
  const file = path.join(SHOTS, `${name}.png`);
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  const width = page.viewportSize() ? page.viewportSize().width : VIEWPORT.width;
  await page.screenshot({ path: file, fullPage: true,
    clip: { x: 0, y: 0, width, height: Math.min(height, maxHeight) } });
  assert.ok(fs.statSync(file).size > 10_000, `screenshot ${file} is too small`);
  console.log(`screenshot: ${file}`);
  return file;
}
