// Browser tests of the web application in headless Debian Chromium, driven by
// playwright-core: the main flows as a person would follow them (territory,
// profession, sorting, commune, scenario sandbox, comparison, planning), the
// same flows with JavaScript disabled, keyboard basics, the accounts (each
// role logged in once through the log-in form, in a browser context of its
// own that the tests reuse: what a reader, a contributor and another
// organisation's manager see of a scenario, sharing by link, the platform
// administrator's second factor, self-registration and its confirmation, an
// invitation and a password reset through the mails received, API tokens,
// log-out), and an axe-core accessibility check (WCAG 2 A and AA) of every
// kind of page.
//
// Run by tests/browser/run.sh, which makes the accounts, starts the SMTP
// sink and the server, and sets MG_BASE_URL, MG_ACCOUNTS (accounts.mjs) and
// MG_MAIL_DIR; screenshots go to MG_SCREENSHOT_DIR (default: a temp dir).
// Written for Node 18 (Debian 12's) and later: node:test, no newer APIs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { accountsFromEnv, Authenticator, linkIn, waitMail } from './accounts.mjs';
import { LAUNCH_ARGS } from './browser.mjs';

const BASE = process.env.MG_BASE_URL;
if (!BASE) {
  console.error('MG_BASE_URL is not set: run tests/browser/run.sh');
  process.exit(2);
}
const ACCOUNTS = accountsFromEnv();
const MAIL_DIR = process.env.MG_MAIL_DIR;
if (!MAIL_DIR) {
  console.error('MG_MAIL_DIR is not set: run tests/browser/run.sh');
  process.exit(2);
}
const SHOTS = process.env.MG_SCREENSHOT_DIR ||
  fs.mkdtempSync(path.join(os.tmpdir(), 'maillage-screenshots-'));
fs.mkdirSync(SHOTS, { recursive: true });

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const TITLE_MG = 'Accès aux médecins généralistes — Aude (11)';
const COMMUNES = 433;
const TABLE_PAGE = 100; // rows of a page of the territory's commune table
const TABLE_PAGES = Math.ceil(COMMUNES / TABLE_PAGE);
// Generous: the same test runs against the AddressSanitizer build.
const ACTION_TIMEOUT = 60_000;
const TEST_TIMEOUT = 180_000;
const VIEWPORT = { width: 1280, height: 900 };
// The rows of a scenario's actions table (its section also holds the table
// of the actions' defaults).
const ACTION_ROWS = 'section[aria-labelledby="actions"] table:has(caption:has-text("Actions du scénario")) tbody tr';

let profileDir;
let context; // the default context of a fresh profile: JavaScript on, CSP enforced
let browser;
const contexts = []; // the other contexts, closed at the end
const consoleErrors = [];
const expectedErrorUrls = new Set(); // asked for with an error status on purpose
const scenarioIds = {};
const screenshots = [];

before(async () => {
  profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'maillage-chromium-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: LAUNCH_ARGS,
    viewport: { width: 1280, height: 900 },
    locale: 'fr-FR',
    timeout: ACTION_TIMEOUT,
  });
  context.setDefaultTimeout(ACTION_TIMEOUT);
  context.setDefaultNavigationTimeout(ACTION_TIMEOUT);
  browser = context.browser();
  context.on('page', watchConsole);
  for (const p of context.pages())
    watchConsole(p);
});

after(async () => {
  for (const c of contexts)
    await c.close().catch(() => {});
  if (context)
    await context.close();
  if (profileDir)
    fs.rmSync(profileDir, { recursive: true, force: true });
  for (const s of screenshots)
    console.log(`screenshot: ${s}`);
});

function watchConsole(page) {
  page.on('console', (m) => {
    if (m.type() !== 'error')
      return;
    const where = m.location() && m.location().url ? m.location().url : page.url();
    // Browsers ask for /favicon.ico by themselves; the app has none. And
    // the error statuses the tests ask for are logged too.
    if (/^Failed to load resource/.test(m.text()) &&
        (/\/favicon\.ico$/.test(where) || expectedErrorUrls.has(where)))
      return;
    consoleErrors.push(`${where}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
}

async function newPage(ctx = context) {
  const page = await ctx.newPage();
  page.setDefaultTimeout(ACTION_TIMEOUT);
  page.setDefaultNavigationTimeout(ACTION_TIMEOUT);
  return page;
}

async function open(page, url, status = 200) {
  if (status >= 400)
    expectedErrorUrls.add(BASE + url);
  const res = await page.goto(BASE + url);
  assert.ok(res, `no response for ${url}`);
  assert.equal(res.status(), status, `status of ${url}`);
  return res;
}

// Clicks something that navigates and returns the main response.
async function clickAndWait(page, locator) {
  const [res] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    locator.click(),
  ]);
  return res;
}

// --- Accounts: a browser context per role, logged in once -----------------

// A new context (cookies of its own), watched for console errors like the
// default one, closed at the end.
async function newContext(options = {}) {
  const ctx = await browser.newContext({ viewport: VIEWPORT, locale: 'fr-FR', ...options });
  ctx.setDefaultTimeout(ACTION_TIMEOUT);
  ctx.setDefaultNavigationTimeout(ACTION_TIMEOUT);
  ctx.on('page', watchConsole);
  contexts.push(ctx);
  return ctx;
}

// Fills and sends the log-in form of /connexion in `page`; returns the
// response of the page it leads to (redirects followed).
async function logIn(page, email, password) {
  await open(page, '/connexion');
  await page.locator('#connexion-email').fill(email);
  await page.locator('#connexion-password').fill(password);
  return clickAndWait(page, page.getByRole('button', { name: 'Se connecter' }));
}

// The header's account corner shows the name of the account logged in.
async function headerName(page) {
  const a = page.locator('header .account a[href="/compte"]');
  return (await a.count()) ? norm(await a.innerText()) : null;
}

// The context of a role of MG_ACCOUNTS (manager, contributor, reader,
// other_manager), logged in through the log-in form the first time it is
// asked for, then reused: one log-in (one Argon2id check) per role.
const roleContexts = new Map();
function as(role) {
  if (!roleContexts.has(role)) {
    roleContexts.set(role, (async () => {
      const a = ACCOUNTS[role];
      assert.ok(a, `no account "${role}" in MG_ACCOUNTS`);
      const ctx = await newContext();
      const page = await newPage(ctx);
      const res = await logIn(page, a.email, a.password);
      assert.equal(res.status(), 200, `log-in of the ${role}`);
      assert.equal(new URL(page.url()).pathname, '/', `the ${role} lands on the home page`);
      assert.equal(await headerName(page), a.name, `the header names the ${role}`);
      await page.close();
      return ctx;
    })());
  }
  return roleContexts.get(role);
}

async function pageAs(role) {
  return newPage(await as(role));
}

// Submits from `page` a form it does not show, as the browser would send
// it (the session's form token, Origin of this site): a POST of `fields`
// to `action`. Returns the response; its error status is expected.
async function postForm(page, action, fields) {
  expectedErrorUrls.add(new URL(action, BASE).href);
  const [res] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.evaluate(([to, values]) => {
      const f = document.createElement('form');
      f.method = 'post';
      f.action = to;
      const token = document.querySelector('input[name="csrf"]');
      const all = { csrf: token ? token.value : '', ...values };
      for (const [k, v] of Object.entries(all)) {
        const i = document.createElement('input');
        i.type = 'hidden';
        i.name = k;
        i.value = v;
        f.appendChild(i);
      }
      document.body.appendChild(f);
      f.submit();
    }, [action, fields]),
  ]);
  return res;
}

// "1 974,5" (narrow no-break spaces, decimal comma) → 1974.5; "—" → NaN.
function frNumber(s) {
  const t = s.replace(/[\s\u202f\u00a0]/g, '').replace(',', '.').replace(/^\+/, '').replace(/%$/, '');
  return t === '—' || t === '' ? NaN : Number(t);
}

function norm(s) {
  return s.replace(/[\u202f\u00a0]/g, ' ').replace(/\s+/g, ' ').trim();
}

// A full-page screenshot, cut at maxHeight pixels (the territory page's
// table of 433 communes makes it 16,000 px tall).
async function shoot(page, name, maxHeight = 5000) {
  const file = path.join(SHOTS, `${name}.png`);
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.screenshot({ path: file, fullPage: true,
    clip: { x: 0, y: 0, width: 1280, height: Math.min(height, maxHeight) } });
  assert.ok(fs.statSync(file).size > 10_000, `screenshot ${file} is too small`);
  screenshots.push(file);
  return file;
}

async function columnNumbers(page, tableSelector, tdIndex) {
  const cells = await page.locator(`${tableSelector} tbody tr`).evaluateAll(
    // The first text node: a value cell may end with a "sous le seuil" tag.
    (rows, k) => rows.map((r) => r.querySelectorAll('td')[k].firstChild.textContent), tdIndex);
  return cells.map(frNumber);
}

function assertSorted(values, desc, what) {
  const v = values.filter((x) => !Number.isNaN(x));
  assert.ok(v.length > 0, `${what}: no values`);
  for (let k = 1; k < v.length; k++)
    assert.ok(desc ? v[k - 1] >= v[k] : v[k - 1] <= v[k],
      `${what}: not ${desc ? 'descending' : 'ascending'} at row ${k}: ${v[k - 1]} then ${v[k]}`);
}

// --- The territory page ---------------------------------------------------

async function checkTerritory(page) {
  assert.equal(await page.title(), `${TITLE_MG} — maillage`);
  assert.equal(await page.locator('h1').innerText(), TITLE_MG);
  const map = page.locator('section.map svg.mg-map');
  assert.equal(await map.count(), 1, 'one map');
  assert.equal(await map.locator('a[href^="/commune/"] path').count(), COMMUNES,
    'one path per commune on the map');
  assert.match(await map.locator('title').first().textContent(), /APL/);
  assert.match(await map.locator('desc').first().textContent(), /433 communes/);
  // Key figures.
  const figs = page.locator('section[aria-labelledby="chiffres"] dl.figures .fig');
  assert.ok(await figs.count() >= 10, 'key figures');
  const labels = (await figs.locator('dt').allInnerTexts()).map(norm);
  // (The DREES's mean is a figure of its own only on the model's values:
  // on the official baseline, the default, the mean is the DREES's.)
  for (const l of ['Population', 'APL moyenne (pondérée)', 'Part des habitants sous le seuil',
    'Indice de Gini', 'Rapport de Palma'])
    assert.ok(labels.includes(l), `key figure "${l}" in ${labels.join(' | ')}`);
  const pop = frNumber(await figs.filter({ hasText: /^Population/ }).first().locator('dd')
    .evaluate((dd) => dd.firstChild.textContent));
  assert.ok(pop > 300_000 && pop < 500_000, `population of the Aude: ${pop}`);
  // Tables.
  const epci = page.locator('section[aria-labelledby="epci"] table tbody tr');
  assert.ok(await epci.count() >= 5, 'EPCI table rows');
  // The commune table, by pages.
  const rows = page.locator('table.communes tbody tr');
  assert.equal(await rows.count(), TABLE_PAGE, 'one row per commune of the first page');
  assert.equal(await page.locator('table.communes caption').count(), 1);
  assert.ok(await page.locator('nav.pagination', { hasText: `Page 1 sur ${TABLE_PAGES}` }).count() >= 1,
    'the table\'s pages');
  // Downloads are linked.
  for (const href of ['/telecharger/communes.csv', '/telecharger/communes.geojson', '/carte.svg',
    '/carte.png'])
    assert.ok(await page.locator(`a[href^="${href}"]`).count() >= 1, `link to ${href}`);
}

test('territory page: title, heading, map of 433 communes, key figures, tables', { timeout: TEST_TIMEOUT }, async () => {
  const page = await newPage();
  await open(page, '/territoire');
  await checkTerritory(page);
  await shoot(page, 'territoire', 2000);
  // The home page is the same page.
  await open(page, '/');
  assert.equal(await page.locator('h1').innerText(), TITLE_MG);
  await page.close();
});

test('territory page: switching profession through the form', { timeout: TEST_TIMEOUT }, async () => {
  const page = await newPage();
  await open(page, '/territoire');
  // The choice form of web/form.h: ids prefixed with the form's ("choix-"),
  // its class kept (one line of selects, not the grid of other forms).
  assert.equal(await page.locator('form.choice #choix-profession').count(), 1);
  assert.equal(await page.getByLabel('Mesure').inputValue(), 'apl');
  await page.locator('#choix-profession').selectOption('inf');
  const res = await clickAndWait(page, page.getByRole('button', { name: 'Afficher' }));
  assert.equal(res.status(), 200);
  const url = new URL(page.url());
  assert.equal(url.pathname, '/territoire');
  assert.equal(url.searchParams.get('profession'), 'inf');
  assert.equal(await page.locator('h1').innerText(), 'Accès aux infirmiers — Aude (11)');
  assert.equal(await page.locator('#choix-profession').inputValue(), 'inf');
  assert.equal(await page.locator('section.map svg a[href^="/commune/"] path').count(), COMMUNES);
  // Links keep the profession.
  assert.match(await page.locator('table.communes tbody a').first().getAttribute('href'),
    /profession=inf/);
  // Another measure through the same form.
  await page.locator('#choix-mesure').selectOption('nearest');
  await clickAndWait(page, page.getByRole('button', { name: 'Afficher' }));
  assert.equal(new URL(page.url()).searchParams.get('mesure'), 'nearest');
  assert.match(await page.locator('section.map svg title').first().textContent(),
    /praticien le plus proche/);
  // A time reads in minutes, in the legend, the figures and the table,
  // never in consultations, with no under-served threshold.
  assert.match(norm(await page.locator('section.map svg.mg-map').textContent()), /en minutes/);
  assert.equal(await page.locator('table.communes th[aria-sort]').innerText(),
    'Minutes jusqu\'au plus proche');
  assert.match(norm(await page.locator('section[aria-labelledby="chiffres"]').innerText()),
    /Unité : minutes/);
  assert.doesNotMatch(await page.locator('main').innerText(), /consultations|sous le seuil/);
  await page.close();
});

test('territory page: sorting the commune table by clicking headers', { timeout: TEST_TIMEOUT }, async () => {
  const page = await newPage();
  await open(page, '/territoire');
  // Default: by value (the APL, the measure shown), ascending.
  assert.equal(await page.locator('table.communes th[aria-sort]').innerText(), 'APL');
  assertSorted(await columnNumbers(page, 'table.communes', 2), false, 'value');

  const header = page.locator('table.communes thead a', { hasText: 'Population' });
  await clickAndWait(page, header);
  let q = new URL(page.url()).searchParams;
  assert.equal(q.get('tri'), 'population');
  assert.equal(q.get('ordre'), 'asc');
  assert.equal(await page.locator('table.communes th[aria-sort="ascending"]').innerText(), 'Population');
  assertSorted(await columnNumbers(page, 'table.communes', 0), false, 'population');

  await clickAndWait(page, page.locator('table.communes thead a', { hasText: 'Population' }));
  q = new URL(page.url()).searchParams;
  assert.equal(q.get('ordre'), 'desc');
  assert.equal(await page.locator('table.communes th[aria-sort="descending"]').innerText(), 'Population');
  const pops = await columnNumbers(page, 'table.communes', 0);
  assertSorted(pops, true, 'population descending');
  // The largest commune of the Aude comes first.
  assert.equal(await page.locator('table.communes tbody tr th').first().innerText(), 'Narbonne');
  assert.equal(await page.locator('table.communes tbody tr').count(), TABLE_PAGE);
  // The next page keeps the sort and goes on from where the first ended.
  await clickAndWait(page, page.getByRole('link', { name: 'Page suivante →' }).first());
  q = new URL(page.url()).searchParams;
  assert.equal(q.get('page'), '2');
  assert.equal(q.get('tri'), 'population');
  assert.equal(q.get('ordre'), 'desc');
  const pops2 = await columnNumbers(page, 'table.communes', 0);
  assertSorted(pops2, true, 'population descending, page 2');
  assert.ok(pops2[0] <= pops[pops.length - 1], 'page 2 goes on from page 1');

  await clickAndWait(page, page.locator('table.communes thead a', { hasText: 'Commune' }));
  const names = await page.locator('table.communes tbody tr th').allInnerTexts();
  assert.equal(names.length, TABLE_PAGE);
  assert.equal(names[0], 'Aigues-Vives', 'sorted by name');
  await page.close();
});

// --- The commune page -----------------------------------------------------

async function checkCommune(page, name, code) {
  assert.equal(await page.locator('h1').innerText(), `${name} (${code})`);
  assert.equal(await page.title(), `${name} (${code}) — maillage`);
  const why = page.locator('section[aria-labelledby="pourquoi"]');
  assert.equal(await why.locator('h2').innerText(), 'Pourquoi cette valeur ?');
  const rows = why.locator('table tbody tr');
  assert.ok(await rows.count() > 0, '"Pourquoi cette valeur ?" table rows');
  const values = page.locator('section[aria-labelledby="valeurs"] dl.figures .fig');
  assert.ok((await values.locator('dt').allInnerTexts()).includes('APL officielle DREES'));
  const apl = frNumber(await values.filter({ hasText: 'APL (maillage)' }).locator('dd').innerText());
  // The shares of the contributions add up to 100 % (0 where nothing is in reach).
  const shares = await columnNumbers(page, 'section[aria-labelledby="pourquoi"] table', 5);
  const total = shares.filter((x) => !Number.isNaN(x)).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total - (apl > 0 ? 100 : 0)) < 1, `contributions add up to ${total} % for an APL of ${apl}`);
  // The map outlines the commune.
  assert.equal(await page.locator('section.map svg a[href^="/commune/"] path').count(), COMMUNES);
}

test('commune page: opened by clicking it on the map', { timeout: TEST_TIMEOUT }, async () => {
  const page = await newPage();
  await open(page, '/territoire');
  const link = page.locator('section.map svg a[href="/commune/11069?profession=mg"]');
  assert.match(await link.locator('title').textContent(), /^Carcassonne \(11069\)/);
  await clickAndWait(page, link.locator('path'));
  assert.equal(new URL(page.url()).pathname, '/commune/11069');
  await checkCommune(page, 'Carcassonne', '11069');
  await shoot(page, 'commune-11069');
  // Back to the territory through the breadcrumb.
  await clickAndWait(page, page.getByRole('link', { name: '← Territoire' }));
  assert.equal(await page.locator('h1').innerText(), TITLE_MG);
  await page.close();
});

test('commune page: opened from the table, keeps the profession', { timeout: TEST_TIMEOUT }, async () => {
  const page = await newPage();
  await open(page, '/territoire?profession=mk');
  const first = page.locator('table.communes tbody tr th a').first();
  const name = await first.innerText();
  const href = await first.getAttribute('href');
  const code = href.match(/\/commune\/(\d[\dAB]\d{3})/)[1];
  await clickAndWait(page, first);
  assert.equal(new URL(page.url()).searchParams.get('profession'), 'mk');
  await checkCommune(page, name, code);
  // Profession form on the commune page.
  await page.locator('#choix-profession').selectOption('sf');
  await clickAndWait(page, page.getByRole('button', { name: 'Afficher' }));
  assert.equal(new URL(page.url()).pathname, `/commune/${code}`);
  assert.equal(new URL(page.url()).searchParams.get('profession'), 'sf');
  // Unknown commune: a French 404 page.
  await open(page, '/commune/99999', 404);
  assert.match(await page.locator('main').innerText(), /ne fait pas partie du territoire/);
  await page.close();
});

// --- Scenarios ------------------------------------------------------------

// As a manager of the Département: the new scenario is its organisation's
// (the only one offered).
async function createScenario(page, name, profession = 'mg') {
  await open(page, '/scenarios');
  await page.getByLabel('Nom du scénario').fill(name);
  await page.locator('#scenario-profession').selectOption(profession);
  const org = page.locator('#scenario-organisation');
  assert.deepEqual(await org.locator('option').evaluateAll((os) => os.map((o) => o.value)),
    [String(ACCOUNTS.manager.organisation)], 'the organisations offered');
  await org.selectOption(String(ACCOUNTS.manager.organisation));
  const res = await clickAndWait(page, page.getByRole('button', { name: 'Créer' }));
  assert.equal(res.status(), 200);
  const m = new URL(page.url()).pathname.match(/^\/scenarios\/(\d+)$/);
  assert.ok(m, `redirected to the new scenario, at ${page.url()}`);
  assert.equal(await page.locator('h1').innerText(), `Scénario « ${name} »`);
  assert.match(await page.locator('main').innerText(), /Aucune action/);
  return Number(m[1]);
}

// Fills the action form (fields: field name → value) and submits it.
// An error status is expected when `fields` are invalid (expectError).
async function addAction(page, kind, commune, fields = {}, expectError = false) {
  await page.locator('#action-kind').selectOption(kind);
  // A text field with suggestions (a datalist): typed, as a person would.
  await page.locator('#action-commune').fill(commune);
  for (const [name, v] of Object.entries(fields))
    await page.locator(`#action-${name}`).fill(v);
  if (expectError)
    expectedErrorUrls.add(new URL(await page.locator('form:has(#action-kind)').getAttribute('action'), BASE).href);
  return clickAndWait(page, page.getByRole('button', { name: 'Ajouter et recalculer' }));
}

// A removal asks first: the button leads to « Confirmer la suppression »,
// which names the scenario; `confirm` (the button's label) goes on.
async function confirmRemoval(page, scenarioName, confirm) {
  assert.match(new URL(page.url()).pathname, /\/supprimer$/);
  assert.equal(await page.locator('h1').innerText(), 'Confirmer la suppression');
  assert.match(await page.locator('main').innerText(), new RegExp(scenarioName));
  assert.equal(await page.getByRole('link', { name: 'Annuler' }).count(), 1);
  return clickAndWait(page, page.getByRole('button', { name: confirm }));
}

async function touchedCount(page) {
  const h = await page.locator('h2#changes').innerText();
  const m = h.match(/^Communes touchées \((\d+)\)$/);
  assert.ok(m, `heading "${h}"`);
  return Number(m[1]);
}

async function checkResults(page) {
  const results = page.locator('section[aria-labelledby="resultats"]');
  const heads = (await results.locator('table thead th').allInnerTexts()).map(norm);
  assert.deepEqual(heads, ['Indicateur', 'Situation actuelle', 'Avec le scénario', 'Variation']);
  const mean = results.locator('table tbody tr', { hasText: 'APL moyenne' }).locator('td');
  const [before, afterv] = [frNumber(await mean.nth(0).innerText()), frNumber(await mean.nth(1).innerText())];
  const maps = results.locator('svg.mg-map');
  assert.equal(await maps.count(), 2, 'the map under the scenario and the difference map');
  for (let k = 0; k < 2; k++)
    assert.equal(await maps.nth(k).locator('a[href^="/commune/"] path').count(), COMMUNES);
  // The server's default baseline is the official one (docs/web.md): the
  // DREES APL plus the model's change, and the titles say so.
  assert.deepEqual(await results.locator('h3').allInnerTexts(),
    ['APL officielle + effet du scénario (modèle)', 'Écart à la situation actuelle']);
  return { before, after: afterv };
}

test('scenario: created, an action added and removed through the forms', { timeout: TEST_TIMEOUT }, async () => {
  const page = await pageAs('manager');
  const id = await createScenario(page, 'Cabine de télémédecine à Quillan');
  scenarioIds.cabin = id;
  // The commune field suggests every commune of the territory.
  assert.equal(await page.locator('#action-communes option').count(), COMMUNES);
  assert.equal(await page.locator('#action-communes option[value="Quillan (11304)"]').count(), 1);

  const res = await addAction(page, 'telemedicine_cabin', '11304');
  assert.equal(res.status(), 200);
  assert.equal(new URL(page.url()).pathname, `/scenarios/${id}`);
  const actionRows = page.locator(ACTION_ROWS);
  assert.equal(await actionRows.count(), 1);
  const row = norm(await actionRows.first().innerText());
  assert.match(row, /[Cc]abine de télémédecine/);
  assert.match(row, /Quillan/);
  assert.match(row, /1 974 actes par an/, 'default capacity: 20 h × 3 × 47 weeks × 0.7');

  const { before, after: afterv } = await checkResults(page);
  assert.ok(afterv > before, `mean APL rises: ${before} → ${afterv}`);
  const touched = await touchedCount(page);
  assert.ok(touched > 0, 'communes touched');
  const changes = page.locator('section[aria-labelledby="changes"] tbody tr');
  assert.equal(await changes.count(), Math.min(touched, 200));
  assert.ok(await changes.filter({ hasText: 'Quillan' }).count() === 1, 'Quillan is among them');
  await shoot(page, `scenario-${id}`);

  // Remove the action: a confirmation page first; « Annuler » leads back
  // with nothing changed.
  await clickAndWait(page, page.getByRole('button', { name: "Retirer l'action 1" }));
  assert.equal(new URL(page.url()).pathname, `/scenarios/${id}/actions/1/supprimer`);
  assert.match(norm(await page.locator('main').innerText()), /[Cc]abine de télémédecine — Quillan/);
  await clickAndWait(page, page.getByRole('link', { name: 'Annuler' }));
  assert.equal(new URL(page.url()).pathname, `/scenarios/${id}`);
  assert.equal(await actionRows.count(), 1);
  // Confirmed: back to no action, nothing touched.
  await clickAndWait(page, page.getByRole('button', { name: "Retirer l'action 1" }));
  await confirmRemoval(page, 'Cabine de télémédecine à Quillan', 'Retirer définitivement');
  assert.equal(new URL(page.url()).pathname, `/scenarios/${id}`);
  assert.match(await page.locator('section[aria-labelledby="actions"]').innerText(), /Aucune action/);
  assert.equal(await touchedCount(page), 0);

  // Put it back for the comparison below.
  await addAction(page, 'telemedicine_cabin', '11304');
  assert.equal(await actionRows.count(), 1);
  await page.close();
});

test('scenario: an invalid action is refused with a French message, role=alert and status 400', { timeout: TEST_TIMEOUT }, async () => {
  assert.ok(scenarioIds.cabin, 'needs the scenario of the previous test');
  const page = await pageAs('manager');
  await open(page, `/scenarios/${scenarioIds.cabin}`);
  const res = await addAction(page, 'telemedicine_cabin', '11069', { remote_share: '5' }, true);
  assert.equal(res.status(), 400);
  const alert = page.getByRole('alert');
  assert.equal(await alert.count(), 1);
  assert.match(norm(await alert.innerText()), /Part des consultations réalisable à distance \(0 à 1\)/);
  // The form as typed, the field marked and its message beside it.
  const share = page.locator('#action-remote_share');
  assert.equal(await share.inputValue(), '5');
  assert.equal(await share.getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('#action-commune').inputValue(), '11069');
  assert.equal(await page.locator('#action-kind').inputValue(), 'telemedicine_cabin');
  assert.match(await page.locator('#action-remote_share-erreur').innerText(), /Part des consultations réalisable à distance/);
  // Within the form's bounds but not the kind's: the scenario module's
  // message (a health centre has 1 to 100 practitioners).
  const res1 = await addAction(page, 'health_centre', '11069', { remote_share: '', count: '0' }, true);
  assert.equal(res1.status(), 400);
  assert.match(norm(await page.getByRole('alert').innerText()),
    /nombre de praticiens de la maison de santé : 0 n'est pas compris entre 1 et 100/);
  // Nothing was saved: the page still shows the one action.
  assert.equal(await page.locator(ACTION_ROWS).count(), 1);
  // Not a number.
  const res2 = await addAction(page, 'gp', '11069', { remote_share: '', count: 'deux' }, true);
  assert.equal(res2.status(), 400);
  assert.match(await page.getByRole('alert').innerText(), /doit être un nombre/);
  await open(page, `/scenarios/${scenarioIds.cabin}`);
  assert.equal(await page.getByRole('alert').count(), 0);
  assert.equal(await page.locator(ACTION_ROWS).count(), 1);
  await page.close();
});

test('scenarios: two compared side by side', { timeout: TEST_TIMEOUT }, async () => {
  assert.ok(scenarioIds.cabin, 'needs the scenario of the previous tests');
  const page = await pageAs('manager');
  const id = await createScenario(page, 'Consultation itinérante à Belcaire');
  scenarioIds.mobile = id;
  // A decimal comma, as French users type it: 2,5 days × 12 × 6 h × 3.
  await addAction(page, 'mobile_consultation', '11028', { days_per_month: '2,5' });
  assert.match(norm(await page.locator(ACTION_ROWS).innerText()),
    /540 actes par an/);
  assert.ok(await touchedCount(page) > 0);

  await open(page, '/scenarios');
  const list = page.locator('section[aria-labelledby="liste"] table tbody tr');
  assert.ok(await list.count() >= 2);
  await page.locator('#cmp-a').selectOption(String(scenarioIds.cabin));
  await page.locator('#cmp-b').selectOption(String(id));
  const res = await clickAndWait(page, page.getByRole('button', { name: 'Comparer' }));
  assert.equal(res.status(), 200);
  const url = new URL(page.url());
  assert.equal(url.pathname, '/scenarios/comparer');
  assert.equal(url.searchParams.get('a'), String(scenarioIds.cabin));
  assert.equal(url.searchParams.get('b'), String(id));
  assert.equal(await page.locator('h1').innerText(), 'Comparaison de scénarios');
  const heads = (await page.locator('main table thead th').allInnerTexts()).map(norm);
  assert.deepEqual(heads, ['Indicateur', 'Situation actuelle', 'Cabine de télémédecine à Quillan',
    'Consultation itinérante à Belcaire', 'Variation']);
  assert.equal(await page.locator('main svg.mg-map').count(), 2);
  assert.deepEqual(await page.locator('main .map h2').allInnerTexts(),
    ['Cabine de télémédecine à Quillan', 'Consultation itinérante à Belcaire']);
  await shoot(page, 'scenarios-comparer');
  await page.close();
});

// --- Accounts: who sees what ------------------------------------------------

test('log-in page: the form, a refused log-in (422, role=alert, the address kept), a private page asks to log in', { timeout: TEST_TIMEOUT }, async () => {
  const page = await newPage(await newContext());
  await open(page, '/connexion');
  assert.equal(await page.locator('h1').innerText(), 'Connexion');
  assert.equal(await page.locator('#connexion-password').getAttribute('type'), 'password');
  await axeCheck(page, 'the log-in page');
  // An address without an account: refused as a wrong password is (one
  // failure only: more from one address would slow every log-in down).
  await page.locator('#connexion-email').fill('personne@essai.invalid');
  await page.locator('#connexion-password').fill('pas le bon mot de passe');
  expectedErrorUrls.add(`${BASE}/connexion`);
  const res = await clickAndWait(page, page.getByRole('button', { name: 'Se connecter' }));
  assert.equal(res.status(), 422);
  assert.match(norm(await page.getByRole('alert').innerText()), /Adresse e-mail ou mot de passe incorrect/);
  assert.equal(await page.locator('#connexion-email').inputValue(), 'personne@essai.invalid');
  assert.equal(await page.locator('#connexion-password').inputValue(), '', 'the password is never sent back');
  await axeCheck(page, 'the log-in page refusing a log-in');
  // A visitor sees no scenario and no creation form; a private page leads
  // to the log-in page, which will lead back to it.
  await open(page, '/scenarios');
  assert.equal(await page.locator('#scenario-nom').count(), 0, 'no creation form for a visitor');
  assert.equal(await page.locator('section[aria-labelledby="liste"] a', { hasText: 'Quillan' }).count(), 0);
  await open(page, '/compte');
  const url = new URL(page.url());
  assert.equal(url.pathname, '/connexion');
  assert.equal(url.searchParams.get('suite'), '/compte');
  assert.equal(await page.locator('input[name="suite"]').inputValue(), '/compte');
  await page.close();
});

test('roles: the reader sees the manager\'s scenario read-only (a POST of its forms is 403), the contributor edits without deleting, another organisation\'s manager gets 404', { timeout: TEST_TIMEOUT }, async () => {
  assert.ok(scenarioIds.cabin, 'needs the scenario of the earlier tests');
  const id = scenarioIds.cabin;
  const name = 'Cabine de télémédecine à Quillan';

  const reader = await pageAs('reader');
  await open(reader, '/scenarios');
  assert.equal(await reader.locator('section[aria-labelledby="liste"] a', { hasText: name }).count(), 1,
    'the reader sees the organisation\'s scenario in the list');
  assert.equal(await reader.locator('#scenario-nom').count(), 0, 'no creation form for a reader');
  await open(reader, `/scenarios/${id}`);
  assert.equal(await reader.locator('h1').innerText(), `Scénario « ${name} »`);
  assert.equal(await reader.locator(ACTION_ROWS).count(), 1);
  await checkResults(reader);
  assert.equal(await reader.locator('main form[method="post"]').count(), 0,
    'no form that changes anything (add, remove, delete, share)');
  for (const b of ['Ajouter et recalculer', "Retirer l'action 1", 'Supprimer ce scénario',
    'Partager par un lien en lecture seule'])
    assert.equal(await reader.getByRole('button', { name: b }).count(), 0, `no "${b}" button`);
  // The add-action form's URL, posted as the browser would (the reader's
  // own form token, this site's Origin): refused for the role, 403.
  const refused = await postForm(reader, `/scenarios/${id}/actions`,
    { kind: 'telemedicine_cabin', commune: '11304' });
  assert.equal(refused.status(), 403);
  assert.match(norm(await reader.locator('main').innerText()), /Votre rôle ne permet pas cette action/);
  await open(reader, `/scenarios/${id}/supprimer`, 403);

  const contributor = await pageAs('contributor');
  await open(contributor, `/scenarios/${id}`);
  assert.equal(await contributor.getByRole('button', { name: 'Ajouter et recalculer' }).count(), 1,
    'the contributor may add actions');
  assert.equal(await contributor.getByRole('button', { name: "Retirer l'action 1" }).count(), 1,
    'and remove them');
  assert.equal(await contributor.getByRole('button', { name: 'Supprimer ce scénario' }).count(), 0,
    'but not delete the scenario');
  await contributor.close();

  const other = await pageAs('other_manager');
  await open(other, `/scenarios/${id}`, 404);
  await open(other, `/organisations/${ACCOUNTS.manager.organisation}`, 404);
  await open(other, '/scenarios');
  assert.equal(await other.locator('section[aria-labelledby="liste"] a', { hasText: name }).count(), 0,
    'another organisation\'s scenario is not listed');
  assert.deepEqual(await other.locator('#scenario-organisation option').evaluateAll((os) => os.map((o) => o.value)),
    [String(ACCOUNTS.other_manager.organisation)], 'its own organisation only is offered');
  await other.close();

  // Nothing changed for the manager.
  const manager = await pageAs('manager');
  await open(manager, `/scenarios/${id}`);
  assert.equal(await manager.locator(ACTION_ROWS).count(), 1);
  await manager.close();
  await reader.close();
});

test('sharing: the manager shares a read-only link, a visitor opens it, the manager stops it and the link is 404', { timeout: TEST_TIMEOUT }, async () => {
  assert.ok(scenarioIds.cabin, 'needs the scenario of the earlier tests');
  const id = scenarioIds.cabin;
  const name = 'Cabine de télémédecine à Quillan';
  const page = await pageAs('manager');
  await open(page, `/scenarios/${id}`);
  const section = page.locator('section[aria-labelledby="partage"]');
  assert.match(norm(await section.innerText()), /visible que des membres de son organisation/);
  await clickAndWait(page, section.getByRole('button', { name: 'Partager par un lien en lecture seule' }));
  assert.equal(new URL(page.url()).pathname, `/scenarios/${id}`);
  const link = section.locator('a[href^="/partage/"]');
  assert.equal(await link.count(), 1, 'the link is shown');
  const href = await link.getAttribute('href');
  assert.match(href, /^\/partage\/[A-Za-z0-9_-]{20,}$/);
  assert.equal(norm(await link.innerText()), BASE + href, 'shown whole, to copy');

  const visitor = await newPage(await newContext());
  await open(visitor, href);
  assert.equal(await headerName(visitor), null, 'a visitor, not logged in');
  assert.equal(await visitor.locator('h1').innerText(), `Scénario « ${name} »`);
  assert.equal(await visitor.locator(ACTION_ROWS).count(), 1);
  await checkResults(visitor);
  // Read-only: no form that changes anything (the scope's choice is a GET).
  assert.equal(await visitor.locator('main form[method="post"]').count(), 0, 'read-only: no POST form');
  const token = href.split('/').pop();
  for (const a of await visitor.locator('main p.downloads a').evaluateAll((as) => as.map((x) => x.getAttribute('href'))))
    assert.ok(a.includes(`partage=${token}`), `an export through the link: ${a}`);
  await axeCheck(visitor, 'the shared scenario page');
  await shoot(visitor, 'partage');
  // The scenario's own page stays private.
  await open(visitor, `/scenarios/${id}`);
  assert.equal(new URL(visitor.url()).pathname, '/connexion', 'a visitor is asked to log in');

  await open(page, `/scenarios/${id}`);
  await clickAndWait(page, section.getByRole('button', { name: 'Arrêter le partage' }));
  assert.equal(await section.locator('a[href^="/partage/"]').count(), 0);
  await open(visitor, href, 404);
  await visitor.close();
  await page.close();
});

// --- Keyboard -------------------------------------------------------------

test('keyboard: skip link first, visible focus on map communes', { timeout: TEST_TIMEOUT }, async () => {
  const page = await newPage();
  await open(page, '/territoire');
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => [document.activeElement.className,
    document.activeElement.textContent]);
  assert.deepEqual(focused, ['skip', 'Aller au contenu']);
  await page.keyboard.press('Enter');
  // Following the link to the fragment is asynchronous: wait for it (slow
  // under the sanitizers), then check where it led.
  await page.waitForURL((u) => u.hash === '#contenu', { timeout: 5000 }).catch(() => {});
  assert.equal(new URL(page.url()).hash, '#contenu');
  // A commune of the map, focused, is outlined.
  const link = page.locator('section.map svg a[href^="/commune/"]').first();
  const before = await link.locator('path').evaluate((p) => getComputedStyle(p).strokeWidth);
  await link.focus();
  const during = await link.locator('path').evaluate((p) => getComputedStyle(p).strokeWidth);
  assert.notEqual(during, before, `focused commune outline (stroke-width ${before} → ${during})`);
  await page.close();
});

// --- Without JavaScript ---------------------------------------------------

test('without JavaScript: the main flows work (server-rendered)', { timeout: TEST_TIMEOUT }, async () => {
  // The manager's session, in a context without JavaScript.
  const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: VIEWPORT,
    storageState: await (await as('manager')).storageState() });
  try {
    const page = await newPage(ctx);
    await open(page, '/territoire');
    await checkTerritory(page);
    // Profession.
    await page.locator('#choix-profession').selectOption('cd');
    await clickAndWait(page, page.getByRole('button', { name: 'Afficher' }));
    assert.equal(new URL(page.url()).searchParams.get('profession'), 'cd');
    assert.equal(await page.locator('h1').innerText(), 'Accès aux chirurgiens-dentistes — Aude (11)');
    // Sorting.
    await clickAndWait(page, page.locator('table.communes thead a', { hasText: 'Praticiens' }));
    assert.equal(new URL(page.url()).searchParams.get('tri'), 'praticiens');
    assertSorted(await columnNumbers(page, 'table.communes', 1), false, 'practitioners');
    // A commune from the map.
    await clickAndWait(page, page.locator('section.map svg a[href="/commune/11069?profession=cd"] path'));
    await checkCommune(page, 'Carcassonne', '11069');
    // A scenario: create, add, results, remove.
    const id = await createScenario(page, 'Sans JavaScript');
    const res = await addAction(page, 'health_centre', '11304');
    assert.equal(res.status(), 200);
    await checkResults(page);
    assert.ok(await touchedCount(page) > 0);
    const bad = await addAction(page, 'telemedicine_cabin', '11304', { remote_share: '5' }, true);
    assert.equal(bad.status(), 400);
    assert.equal(await page.getByRole('alert').count(), 1);
    await open(page, `/scenarios/${id}`);
    await clickAndWait(page, page.getByRole('button', { name: "Retirer l'action 1" }));
    await confirmRemoval(page, 'Sans JavaScript', 'Retirer définitivement');
    assert.equal(await touchedCount(page), 0);
    // Delete it, once confirmed.
    await clickAndWait(page, page.getByRole('button', { name: 'Supprimer ce scénario' }));
    await confirmRemoval(page, 'Sans JavaScript', 'Supprimer définitivement');
    assert.equal(new URL(page.url()).pathname, '/scenarios');
    assert.equal(await page.locator('section[aria-labelledby="liste"] a', { hasText: 'Sans JavaScript' }).count(), 0);
  } finally {
    await ctx.close();
  }
});

test('planning: a cabin and two carts placed, compared with a proposed site, saved as a scenario', { timeout: TEST_TIMEOUT }, async () => {
  const page = await pageAs('manager');
  try {
    await open(page, '/planification');
    assert.equal(norm(await page.locator('h1').innerText()), 'Planification');
    // The form of web/form.h: field ids prefixed with the form's ("plan-").
    await page.fill('#plan-cabine', '1');
    await page.fill('#plan-chariot', '2');
    await page.selectOption('#plan-objectif', 'deficit');
    await page.fill('#plan-proposition', '11069');
    const res = await clickAndWait(page, page.getByRole('button', { name: 'Calculer le plan' }));
    assert.equal(res.status(), 200);
    assert.match(page.url(), /cabine=1/);
    assert.match(page.url(), /chariot=2/);
    // Three recommended sites, each with its commune; the plan's effect
    // beside the proposed site's; a map of 433 communes.
    const sites = page.locator('#resultats ~ * table, section[aria-labelledby="resultats"] table').first();
    assert.ok(await sites.locator('tbody tr').count() >= 3, 'three recommended sites');
    assert.match(norm(await page.locator('main').innerText()), /Effet du plan/);
    assert.equal(await page.locator('main svg path').count() >= COMMUNES, true);
    // Each site's commune outlined (two resources may share a commune).
    const siteCommunes = new Set(await sites.locator('tbody tr a[href^="/commune/"]')
      .evaluateAll((links) => links.map((a) => a.getAttribute('href').split('?')[0])));
    assert.ok(siteCommunes.size >= 1 && siteCommunes.size <= 3, 'one to three site communes');
    assert.equal(await page.locator('main svg path.mg-highlight').count(), siteCommunes.size,
      'the sites\' communes outlined');
    await shoot(page, 'planification');
    // Save it: the scenario page lists the three actions.
    const planUrl = page.url();
    const name = `Plan ${Date.now()}`;
    await page.locator('#enregistrer-nom').fill(name);
    const saved = await clickAndWait(page, page.locator('section[aria-labelledby="enregistrer"] button[type="submit"]'));
    assert.equal(saved.status(), 200);
    assert.match(page.url(), /\/scenarios\/\d+$/);
    assert.equal(await page.locator(ACTION_ROWS).count(), 3);
    // The same name again: the form comes back (400) with the name as typed
    // and the store's message beside it; the plan is still there to save.
    await page.goto(planUrl);
    await page.locator('#enregistrer-nom').fill(name);
    expectedErrorUrls.add(`${BASE}/planification/enregistrer`);
    const refused = await clickAndWait(page, page.getByRole('button', { name: 'Enregistrer' }));
    assert.equal(refused.status(), 400);
    const nom = page.locator('#enregistrer-nom');
    assert.equal(await nom.getAttribute('aria-invalid'), 'true');
    assert.equal(await nom.inputValue(), name);
    assert.match(await page.locator('#enregistrer-nom-erreur').innerText(), /existe déjà/);
    assert.equal(await page.locator('main li').count() >= 3, true, 'the actions listed');
    await nom.fill(`${name} bis`);
    const again = await clickAndWait(page, page.getByRole('button', { name: 'Enregistrer' }));
    assert.equal(again.status(), 200);
    assert.equal(await page.locator(ACTION_ROWS).count(), 3);
  } finally {
    await page.close();
  }
});

// --- Accounts: second factor, registration, invitation, reset, tokens ----

// The platform administrator, once in with the second factor: its context
// and its authenticator (the next codes must be of later steps).
let admin = null;

test('second factor: the platform administrator is sent to enrol, enrols with a code computed from the key shown, logs out, comes back through the code page', { timeout: TEST_TIMEOUT }, async () => {
  const a = ACCOUNTS.admin;
  const ctx = await newContext();
  const page = await newPage(ctx);
  await logIn(page, a.email, a.password);
  assert.equal(new URL(page.url()).pathname, '/compte/double-facteur', 'sent to enrolment');
  assert.match(norm(await page.getByRole('alert').innerText()), /Votre rôle demande un second facteur/);
  await axeCheck(page, 'the second-factor enrolment page');
  // Nothing else opens meanwhile but the account page, which says why.
  await open(page, '/admin/organisations');
  assert.equal(new URL(page.url()).pathname, '/compte/double-facteur');
  await open(page, '/compte');
  assert.match(norm(await page.locator('main').innerText()), /Activez d'abord la double authentification/);
  assert.equal(await page.locator('#mdp-password').count(), 0, 'no password form before enrolment');
  await axeCheck(page, 'the account page before enrolment');

  await open(page, '/compte/double-facteur');
  await clickAndWait(page, page.getByRole('button', { name: 'Commencer' }));
  const key = norm(await page.locator('main p.key code').innerText());
  assert.match(key, /^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/, 'a key of 32 base32 characters in groups of 4');
  const uri = await page.locator('main code.uri').innerText();
  assert.match(uri, /^otpauth:\/\/totp\//);
  assert.equal(new URL(uri).searchParams.get('secret'), key.replace(/ /g, ''), 'the URI holds the same key');
  await axeCheck(page, 'the enrolment page showing the key');
  const app = new Authenticator(key);
  await page.locator('#totp-code').fill(await app.code());
  await clickAndWait(page, page.getByRole('button', { name: 'Activer la double authentification' }));
  let url = new URL(page.url());
  assert.equal(url.pathname, '/compte');
  assert.equal(url.searchParams.get('fait'), 'double-facteur');
  assert.match(norm(await page.locator('section[aria-labelledby="double-facteur"]').innerText()), /activée/);
  assert.doesNotMatch(norm(await page.locator('main').innerText()), /Activez d'abord/);
  await axeCheck(page, 'the account page, second factor enabled');

  // Log out, then in again: the code page comes between.
  await clickAndWait(page, page.locator('header').getByRole('button', { name: 'Se déconnecter' }));
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal(await headerName(page), null);
  await logIn(page, a.email, a.password);
  assert.equal(new URL(page.url()).pathname, '/connexion/code');
  assert.equal(await page.locator('h1').innerText(), 'Double authentification');
  await axeCheck(page, 'the second-factor code page');
  await page.locator('#code-code').fill(await app.code());
  await clickAndWait(page, page.getByRole('button', { name: 'Valider' }));
  url = new URL(page.url());
  assert.equal(url.pathname, '/');
  assert.equal(await headerName(page), a.name);
  await open(page, '/admin/organisations');
  assert.equal(await page.locator('h1').innerText(), 'Organisations');
  await page.close();
  admin = { ctx, app };
});

test('self-registration: an association registers, its applicant logs in and sees it waiting, the platform administrator confirms it', { timeout: TEST_TIMEOUT }, async () => {
  assert.ok(admin, 'needs the platform administrator of the previous test');
  const reg = {
    name: 'Association d\'essai du Razès (exemple)', rna: 'W111000001',
    person: 'Représentation (exemple)', email: 'representation@association.invalid',
    password: 'mot de passe de la représentation',
  };
  const page = await newPage(await newContext());
  await open(page, '/connexion');
  await clickAndWait(page, page.getByRole('link', { name: 'inscrire sa structure' }));
  assert.equal(new URL(page.url()).pathname, '/inscription');
  assert.deepEqual(await page.locator('#inscription-kind option').evaluateAll((os) => os.map((o) => o.value)),
    ['association', 'health_centre']);
  await axeCheck(page, 'the registration page');
  const fill = async (confirmation) => {
    await page.locator('#inscription-name').fill(reg.name);
    await page.locator('#inscription-kind').selectOption('association');
    await page.locator('#inscription-rna').fill(reg.rna);
    await page.locator('#inscription-display_name').fill(reg.person);
    await page.locator('#inscription-email').fill(reg.email);
    await page.locator('#inscription-password').fill(reg.password);
    await page.locator('#inscription-confirmation').fill(confirmation);
  };
  // A confirmation that differs: refused beside it, the rest as typed.
  await fill(`${reg.password} !`);
  expectedErrorUrls.add(`${BASE}/inscription`);
  let res = await clickAndWait(page, page.getByRole('button', { name: 'Envoyer la demande' }));
  assert.equal(res.status(), 422);
  assert.equal(await page.locator('#inscription-confirmation').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('#inscription-name').inputValue(), reg.name);
  assert.equal(await page.locator('#inscription-password').inputValue(), '', 'no password sent back');
  await axeCheck(page, 'the registration page refusing the form');
  await fill(reg.password);
  res = await clickAndWait(page, page.getByRole('button', { name: 'Envoyer la demande' }));
  assert.equal(res.status(), 200);
  assert.match(norm(await page.locator('main').innerText()), /attend la confirmation/);

  await logIn(page, reg.email, reg.password);
  assert.equal(await headerName(page), reg.person);
  await open(page, '/compte');
  const row = page.locator('section[aria-labelledby="organisations"] tbody tr', { hasText: reg.name });
  assert.equal(await row.count(), 1);
  assert.match(norm(await row.innerText()), /en attente de confirmation/);
  const orgId = (await row.locator('a[href^="/organisations/"]').getAttribute('href')).split('/').pop();
  await open(page, `/organisations/${orgId}`);
  assert.equal(await page.locator('h1').innerText(), reg.name);
  assert.match(norm(await page.locator('main').innerText()), /en attente de confirmation/);
  assert.equal(await page.locator('main form').count(), 0, 'no invitation form while it waits');
  await axeCheck(page, 'an organisation\'s page (awaiting confirmation, as its applicant)');

  const ap = await newPage(admin.ctx);
  await open(ap, '/admin/organisations');
  const confirm = ap.locator(`form[action="/admin/organisations/${orgId}/confirmer"]`);
  assert.equal(await confirm.count(), 1, 'among those awaiting confirmation');
  const pendingRow = ap.locator('tr', { has: confirm });
  const pendingText = norm(await pendingRow.innerText());
  assert.ok(pendingText.startsWith(reg.name) && pendingText.includes('RNA W111000001'), pendingText);
  await axeCheck(ap, 'the administration of organisations');
  await clickAndWait(ap, confirm.getByRole('button'));
  const url = new URL(ap.url());
  assert.equal(url.pathname, '/admin/organisations');
  assert.equal(url.searchParams.get('fait'), 'confirmee');
  assert.equal(await ap.locator(`form[action="/admin/organisations/${orgId}/confirmer"]`).count(), 0);

  await open(page, '/compte');
  assert.doesNotMatch(norm(await row.innerText()), /en attente/);
  assert.match(norm(await row.innerText()), /confirmée/);
  const mail = await waitMail(MAIL_DIR, reg.email, /confirm/i);
  assert.ok(mail, 'the applicant is told by mail');

  // The mail log shows it.
  await open(ap, '/admin/courriels');
  assert.equal(await ap.locator('h1').innerText(), 'File des courriels');
  assert.ok(await ap.locator('main tbody tr', { hasText: reg.email }).count() >= 1, 'the mail in the log');
  await axeCheck(ap, 'the mail log');
  await ap.close();
  await page.close();
});

test('invitation: the platform administrator invites a contributor into the Département; the mail\'s link sets a password; the newcomer logs in', { timeout: TEST_TIMEOUT }, async () => {
  assert.ok(admin, 'needs the platform administrator of the earlier test');
  const org = ACCOUNTS.manager.organisation;
  const invited = { email: 'invitation@departement.invalid', name: 'Invitation (exemple)',
    password: 'mot de passe choisi par invitation' };
  const ap = await newPage(admin.ctx);
  await open(ap, `/organisations/${org}`);
  assert.equal(await ap.locator('h1').innerText(), 'Département d\'essai (exemple)');
  const members = ap.locator('main table', { has: ap.locator('caption', { hasText: 'Membres' }) });
  for (const role of ['manager', 'contributor', 'reader'])
    assert.equal(await members.locator('tr', { hasText: ACCOUNTS[role].email }).count(), 1,
      `the ${role} listed with the address`);
  assert.equal(await ap.locator('#invitation-role').inputValue(), 'reader', 'Lecteur unless chosen');
  await axeCheck(ap, 'an organisation\'s page with the invitation form');
  await ap.locator('#invitation-email').fill(invited.email);
  await ap.locator('#invitation-display_name').fill(invited.name);
  await ap.locator('#invitation-role').selectOption('contributor');
  await clickAndWait(ap, ap.getByRole('button', { name: 'Inviter' }));
  const url = new URL(ap.url());
  assert.equal(url.pathname, `/organisations/${org}`);
  assert.equal(url.searchParams.get('fait'), 'invitation');
  const row = members.locator('tr', { hasText: invited.email });
  assert.match(norm(await row.innerText()), /invité/);
  assert.match(norm(await row.innerText()), /Contributeur/);

  const mail = await waitMail(MAIL_DIR, invited.email, /Invitation/i);
  assert.ok(mail, 'the invitation mail arrives');
  const path = linkIn(mail.body);
  assert.ok(path, `a link in the mail: ${mail.body.slice(0, 300)}`);
  const page = await newPage(await newContext());
  await open(page, path);
  assert.equal(await page.locator('input[name="jeton"]').count(), 1);
  await axeCheck(page, 'the page of an invitation link');
  await page.locator('#nouveau-password').fill(invited.password);
  await page.locator('#nouveau-confirmation').fill(invited.password);
  const res = await clickAndWait(page, page.getByRole('button', { name: 'Enregistrer le mot de passe' }));
  assert.equal(res.status(), 200);
  assert.match(norm(await page.locator('main').innerText()), /Mot de passe enregistré/);
  await clickAndWait(page, page.locator('main').getByRole('link', { name: /connecter/ }));
  assert.equal(new URL(page.url()).pathname, '/connexion');
  await page.locator('#connexion-email').fill(invited.email);
  await page.locator('#connexion-password').fill(invited.password);
  await clickAndWait(page, page.getByRole('button', { name: 'Se connecter' }));
  assert.equal(await headerName(page), invited.name);
  await open(page, '/compte');
  const membership = page.locator('section[aria-labelledby="organisations"] tbody tr');
  assert.equal(await membership.count(), 1);
  assert.match(norm(await membership.innerText()), /Département d'essai \(exemple\) Contributeur confirmée/);
  // A contributor of the Département: its scenarios, and the creation form.
  await open(page, '/scenarios');
  assert.ok(await page.locator('section[aria-labelledby="liste"] a', { hasText: 'Quillan' }).count() >= 1);
  assert.equal(await page.locator('#scenario-nom').count(), 1);
  // No longer "invité".
  await open(ap, `/organisations/${org}`);
  assert.doesNotMatch(norm(await members.locator('tr', { hasText: invited.email }).innerText()), /invité/);
  await page.close();
  await ap.close();
});

test('password reset: asked for the reader, the mail\'s link sets a new password that logs in; the old session has ended', { timeout: TEST_TIMEOUT }, async () => {
  const r = ACCOUNTS.reader;
  const readerBefore = await as('reader'); // logged in earlier, ended by the reset
  const ctx = await newContext();
  const page = await newPage(ctx);
  await open(page, '/connexion');
  await clickAndWait(page, page.getByRole('link', { name: 'Mot de passe oublié ?' }));
  assert.equal(new URL(page.url()).pathname, '/mot-de-passe/oubli');
  await axeCheck(page, 'the forgotten-password page');
  await page.locator('#oubli-email').fill(r.email);
  const res = await clickAndWait(page, page.getByRole('button', { name: 'Recevoir un lien' }));
  assert.equal(res.status(), 200);
  assert.match(norm(await page.locator('main').innerText()), /Si un compte existe pour cette adresse/);

  const mail = await waitMail(MAIL_DIR, r.email, /mot de passe/i);
  assert.ok(mail, 'the reset mail arrives');
  const path = linkIn(mail.body);
  assert.ok(path, `a link in the mail: ${mail.body.slice(0, 300)}`);
  await open(page, path);
  await axeCheck(page, 'the page of a reset link');
  const password = 'un nouveau mot de passe pour la lecture';
  await page.locator('#nouveau-password').fill(password);
  await page.locator('#nouveau-confirmation').fill(`${password}.`);
  expectedErrorUrls.add(`${BASE}/mot-de-passe/nouveau`);
  let sent = await clickAndWait(page, page.getByRole('button', { name: 'Enregistrer le mot de passe' }));
  assert.equal(sent.status(), 422, 'a confirmation that differs');
  assert.equal(await page.locator('#nouveau-confirmation').getAttribute('aria-invalid'), 'true');
  await axeCheck(page, 'the page of a reset link refusing the form');
  await page.locator('#nouveau-password').fill(password);
  await page.locator('#nouveau-confirmation').fill(password);
  sent = await clickAndWait(page, page.getByRole('button', { name: 'Enregistrer le mot de passe' }));
  assert.equal(sent.status(), 200);
  assert.match(norm(await page.locator('main').innerText()), /Mot de passe enregistré/);

  // The reader's session of before has ended.
  const old = await newPage(readerBefore);
  await open(old, '/compte');
  assert.equal(new URL(old.url()).pathname, '/connexion', 'the session of before the reset has ended');
  await old.close();
  // The new password logs in; the link served once.
  const reLogin = await logIn(page, r.email, password);
  assert.equal(reLogin.status(), 200);
  assert.equal(await headerName(page), r.name);
  await open(page, path, 410);
  assert.match(norm(await page.locator('main').innerText()), /plus valable/);
  await page.close();
  r.password = password;
  roleContexts.set('reader', Promise.resolve(ctx));
});

test('API tokens: made on the account page and shown once, GET /api/v1/scenarios with it lists the manager\'s scenarios, revoked it is 401', { timeout: TEST_TIMEOUT }, async () => {
  const page = await pageAs('manager');
  await open(page, '/compte');
  assert.equal(await page.locator('h1').innerText(), 'Mon compte');
  assert.match(norm(await page.locator('section[aria-labelledby="identite"]').innerText()),
    new RegExp(ACCOUNTS.manager.email.replace(/\./g, '\\.')));
  await axeCheck(page, 'the account page');
  await page.locator('#jeton-name').fill('Tableau de bord (exemple)');
  const res = await clickAndWait(page, page.getByRole('button', { name: 'Créer un jeton' }));
  assert.equal(res.status(), 200);
  const codes = await page.locator('main code').allInnerTexts();
  const secret = codes.find((c) => /^mgt_[A-Za-z0-9_-]{43}$/.test(c));
  assert.ok(secret, `the new token shown: ${codes.join(' | ')}`);
  assert.match(norm(await page.locator('main').innerText()), /ne sera plus jamais/);
  await axeCheck(page, 'the account page showing a new token');
  await open(page, '/compte');
  assert.ok(!(await page.locator('main').innerText()).includes(secret), 'shown once only');

  const api = () => fetch(`${BASE}/api/v1/scenarios`, { headers: { Authorization: `Bearer ${secret}` } });
  let r = await api();
  assert.equal(r.status, 200);
  const names = (await r.json()).scenarios.map((s) => s.name);
  for (const n of ['Cabine de télémédecine à Quillan', 'Consultation itinérante à Belcaire'])
    assert.ok(names.includes(n), `"${n}" in ${names.join(' | ')}`);

  const revoke = page.locator('section[aria-labelledby="jetons"] form[action$="/revoquer"]');
  assert.equal(await revoke.count(), 1);
  assert.match(norm(await page.locator('section[aria-labelledby="jetons"] tr',
    { has: page.locator('form[action$="/revoquer"]') }).innerText()), /Tableau de bord \(exemple\)/);
  await clickAndWait(page, revoke.getByRole('button'));
  assert.equal(new URL(page.url()).searchParams.get('fait'), 'jeton-revoque');
  assert.equal(await page.locator('section[aria-labelledby="jetons"] form[action$="/revoquer"]').count(), 0);
  r = await api();
  assert.equal(r.status, 401, 'the revoked token');
  await page.close();
});

// --- Accessibility (axe-core, WCAG 2 A and AA) ----------------------------

// Checks the page as it is now (a page answering a form too). axe-core is
// evaluated through the DevTools protocol, which the pages' CSP does not
// govern (an inline <script> would be refused): any context will do, the
// role's own, CSP enforced.
async function axeCheck(page, what) {
  if (!await page.evaluate(() => typeof window.axe === 'object'))
    await page.evaluate(AXE_SOURCE);
  const r = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] },
    resultTypes: ['violations'],
  }));
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of r.violations)
    console.log(`axe ${what}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.length} node(s): ` +
      v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)).join(', '));
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.help} at ` +
    v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)).join(', ')), [],
    `serious or critical accessibility violations on ${what}`);
}

async function axeOn(url, what, ctx = context, status = 200) {
  const page = await newPage(await ctx);
  try {
    await open(page, url, status);
    await axeCheck(page, what);
  } finally {
    await page.close();
  }
}

// The pages of the accounts are checked by axe where the stories above
// visit them (they depend on the moment: a key shown once, a code asked
// for); here, the other pages, as a visitor and as the manager.
test('accessibility (axe-core, WCAG 2 A/AA)', { timeout: 4 * TEST_TIMEOUT }, async (t) => {
  const manager = as('manager');
  await t.test('territory page', () => axeOn('/territoire', 'the territory page'));
  await t.test('territory page, another measure sorted', () =>
    axeOn('/territoire?profession=inf&mesure=nearest&tri=population&ordre=desc', 'the territory page (nearest)'));
  await t.test('territory page, logged in', () => axeOn('/territoire', 'the territory page (manager)', manager));
  await t.test('commune page', () => axeOn('/commune/11069', 'the commune page'));
  await t.test('scenarios list, visitor', () => axeOn('/scenarios', 'the scenarios list (visitor)'));
  await t.test('scenarios list', () => axeOn('/scenarios', 'the scenarios list', manager));
  await t.test('scenario page', () => {
    assert.ok(scenarioIds.cabin, 'needs the scenario of the earlier tests');
    return axeOn(`/scenarios/${scenarioIds.cabin}`, 'the scenario page', manager);
  });
  await t.test('scenario page, read-only (reader)', () => {
    assert.ok(scenarioIds.cabin, 'needs the scenario of the earlier tests');
    return axeOn(`/scenarios/${scenarioIds.cabin}`, 'the scenario page (reader)', as('reader'));
  });
  await t.test('comparison page', () => {
    assert.ok(scenarioIds.cabin && scenarioIds.mobile, 'needs the scenarios of the earlier tests');
    return axeOn(`/scenarios/comparer?a=${scenarioIds.cabin}&b=${scenarioIds.mobile}`, 'the comparison page', manager);
  });
  await t.test('scenario page showing an error', async () => {
    assert.ok(scenarioIds.cabin, 'needs the scenario of the earlier tests');
    const page = await newPage(await manager);
    try {
      await open(page, `/scenarios/${scenarioIds.cabin}`);
      const res = await addAction(page, 'telemedicine_cabin', '11069', { remote_share: '5' }, true);
      assert.equal(res.status(), 400);
      await axeCheck(page, 'the scenario page showing an error');
    } finally {
      await page.close();
    }
  });
  await t.test('confirmation page', () => {
    assert.ok(scenarioIds.cabin, 'needs the scenario of the earlier tests');
    return axeOn(`/scenarios/${scenarioIds.cabin}/supprimer`, 'the confirmation page', manager);
  });
  await t.test('scenarios list with a refused form', async () => {
    const page = await newPage(await manager);
    try {
      await open(page, '/scenarios');
      // A name already taken: refused beside the field, as typed.
      await page.getByLabel('Nom du scénario').fill('Cabine de télémédecine à Quillan');
      expectedErrorUrls.add(`${BASE}/scenarios`);
      const res = await clickAndWait(page, page.getByRole('button', { name: 'Créer' }));
      assert.equal(res.status(), 400);
      const nom = page.locator('#scenario-nom');
      assert.equal(await nom.getAttribute('aria-invalid'), 'true');
      assert.equal(await nom.inputValue(), 'Cabine de télémédecine à Quillan');
      assert.match(await page.locator('#scenario-nom-erreur').innerText(), /existe déjà/);
      await axeCheck(page, 'the scenarios list with a refused form');
    } finally {
      await page.close();
    }
  });
  await t.test('API page', () => axeOn('/api', 'the API page'));
  await t.test('method page', () => axeOn('/methode', 'the method page'));
  await t.test('planning page with results', () =>
    axeOn('/planification?cabine=1&chariot=2&objectif=deficit&calculer=1', 'the planning page', manager));
  await t.test('error page', async () => {
    const page = await newPage();
    try {
      await open(page, '/territoire?profession=xx', 400);
      assert.match(await page.locator('main').innerText(), /Profession inconnue/);
      await axeCheck(page, 'an error page');
    } finally {
      await page.close();
    }
  });
});

test('log-out: the header\'s button ends the session on the server, not only in the browser', { timeout: TEST_TIMEOUT }, async () => {
  const ctx = await as('contributor');
  const saved = await ctx.storageState(); // the session cookie, as before the log-out
  const page = await newPage(ctx);
  await open(page, '/compte');
  assert.equal(await headerName(page), ACCOUNTS.contributor.name);
  await clickAndWait(page, page.locator('header').getByRole('button', { name: 'Se déconnecter' }));
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal(await headerName(page), null);
  assert.equal(await page.locator('header').getByRole('link', { name: 'Se connecter' }).count(), 1);
  await open(page, '/compte');
  assert.equal(new URL(page.url()).pathname, '/connexion');
  await page.close();
  roleContexts.delete('contributor');
  // The old cookie, put back: the session is gone on the server.
  const again = await newPage(await newContext({ storageState: saved }));
  await open(again, '/compte');
  assert.equal(new URL(again.url()).pathname, '/connexion');
  await again.close();
});

// Last: everything above ran in the default context, CSP enforced.
test('no console errors on the pages visited (CSP violations, missing resources)', () => {
  // One line per message, with the pages that logged it.
  const byMessage = new Map();
  for (const e of consoleErrors) {
    const [, where, msg] = e.match(/^(\S+): ([\s\S]*)$/) || [null, '?', e];
    if (!byMessage.has(msg))
      byMessage.set(msg, new Set());
    byMessage.get(msg).add(where.replace(BASE, ''));
  }
  assert.deepEqual([...byMessage].map(([msg, pages]) =>
    `${msg} — on ${pages.size} page(s): ${[...pages].slice(0, 4).join(', ')}${pages.size > 4 ? ', …' : ''}`), []);
});
