// The public finds the nearest open care point from a postcode on a phone
// (issue 14, "Done when"): a visitor without account, on a 375×667 window
// with JavaScript off, types the postcode 11400 into /ou-me-soigner, picks
// Castelnaudary among the communes of that postcode, and reads the
// pharmacies nearest first, each open or closed now, to find the nearest
// open one. Every page is checked with axe-core (WCAG 2 A and AA) — in a
// second phone-sized page with JavaScript on, which axe needs, at the same
// address; the page must not scroll sideways, set no cookie and load
// nothing from elsewhere.
//
// The server holds the demo's example directory (data/demo/directory/
// aude-exemple.json) and tests/browser/finder-structures.json, imported by
// run.sh with `maillage directory import`; the latter puts in Castelnaudary
// a pharmacy closed at every hour ("Mo-Su off") and one open at every hour
// ("24/7"), so that an open one is always among the nearest. The expected
// states are not written here: each pharmacy's hours are read from those
// files and evaluated by the npm package opening_hours (the reference
// implementation, pinned in package-lock.json) at the instant the page says
// it used, itself checked against the clock in Paris time (Intl).
//
// Run by tests/browser/run.sh (MG_BASE_URL). Written for Node 18.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BASE, axeCheck, clickAndWait, consoleErrors, launch, newPage, norm, shoot } from './browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const opening_hours = require('opening_hours');

const PHONE = { width: 375, height: 667 };
const TEST_TIMEOUT = 180_000;
// The French public holidays: the package picks them from the address.
const NOMINATIM = { lat: 43.32, lon: 1.95, address: { country_code: 'fr', state: 'Occitanie' } };
const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août',
  'septembre', 'octobre', 'novembre', 'décembre'];

// Hours by structure name, from the files the server imported.
const hours = new Map();
for (const f of [path.join(here, '../../data/demo/directory/aude-exemple.json'),
  path.join(here, 'finder-structures.json')]) {
  if (!fs.existsSync(f))
    continue;
  for (const s of JSON.parse(fs.readFileSync(f, 'utf8')).structures)
    hours.set(s.nom, s.horaires_accueil ?? null);
}

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  if (browser)
    await browser.close();
});

// Minutes of an item's travel line: 0 for "dans votre commune".
function minutesOf(text) {
  if (/dans votre commune/.test(text))
    return 0;
  const h = text.match(/(\d+) h (\d+)/);
  if (h)
    return Number(h[1]) * 60 + Number(h[2]);
  const m = text.match(/(\d+) min/);
  assert.ok(m, `no travel time in "${text}"`);
  return Number(m[1]);
}

// The instant the page says it used: "le samedi 5 décembre 2026 à 14 h 05".
function pageInstant(note) {
  const m = note.match(/le \S+ (\d+)(?:er)? (\S+) (\d{4}) à (\d+) h (\d{2})/);
  assert.ok(m, `no instant in "${note}"`);
  const month = MONTHS.indexOf(m[2]);
  assert.ok(month >= 0, `month "${m[2]}"`);
  return { year: +m[3], month: month + 1, day: +m[1], hour: +m[4], minute: +m[5] };
}

// Paris civil time now, from Intl's time-zone database.
function parisNow() {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Paris', year: 'numeric', month: 'numeric', day: 'numeric',
    hour: 'numeric', minute: 'numeric', hourCycle: 'h23',
  }).formatToParts(new Date()).map((p) => [p.type, p.value]));
  return { year: +parts.year, month: +parts.month, day: +parts.day, hour: +parts.hour,
    minute: +parts.minute };
}

// Minutes between two civil instants (as UTC dates: only the difference counts).
function gap(a, b) {
  const t = (x) => Date.UTC(x.year, x.month - 1, x.day, x.hour, x.minute);
  return Math.abs(t(a) - t(b)) / 60_000;
}

// What the page should say of hours `s` at civil instant `at`.
function expectedState(s, at) {
  if (!s)
    return 'none';
  const oh = new opening_hours(s, NOMINATIM);
  // The package reads a Date's local fields: build one with the civil instant's.
  const d = new Date(at.year, at.month - 1, at.day, at.hour, at.minute);
  return oh.getUnknown(d) ? 'unknown' : oh.getState(d) ? 'open' : 'closed';
}

const WEEKDAYS = ['dimanche', 'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi'];

// What the page should say of the next change of hours `s` after civil
// instant `at` where the state is `state`, within 7 days, as the reference
// implementation computes it ("— ouvre lundi à 8 h 30"), or null.
function expectedNext(s, at, state) {
  if (!s || (state !== 'open' && state !== 'closed'))
    return null;
  const oh = new opening_hours(s, NOMINATIM);
  const d = new Date(at.year, at.month - 1, at.day, at.hour, at.minute);
  const limit = new Date(at.year, at.month - 1, at.day + 7, at.hour, at.minute);
  const n = oh.getNextChange(d, limit);
  if (!n)
    return null;
  const days = Math.round((Date.UTC(n.getFullYear(), n.getMonth(), n.getDate()) -
    Date.UTC(at.year, at.month - 1, at.day)) / 86_400_000);
  const when = days === 1 ? 'demain ' : days > 1 ? `${WEEKDAYS[n.getDay()]} `
    : state === 'open' ? '' : "aujourd'hui ";
  const m = n.getMinutes();
  return `— ${state === 'open' ? 'ferme' : 'ouvre'} ${when}à ${n.getHours()} h` +
    (m ? ` ${String(m).padStart(2, '0')}` : '');
}

function pageState(text) {
  if (/^Ouvert maintenant/.test(text))
    return 'open';
  if (/^Fermé maintenant/.test(text))
    return 'closed';
  if (/^Ouverture à vérifier/.test(text))
    return 'unknown';
  assert.match(text, /^Horaires non renseignés/);
  return 'none';
}

test('the finder\'s structures were imported', () => {
  assert.equal(process.env.MG_FINDER_IMPORT || 'ok', 'ok');
});

test('the public finds the nearest open care point from a postcode on a phone', { timeout: TEST_TIMEOUT }, async () => {
  // The unknown postcode's answer is a 404 on purpose: Chromium logs it.
  const ignore404 = (text) => /status of 404/.test(text);
  const page = await newPage(browser, { viewport: PHONE, javaScriptEnabled: false, isMobile: true,
    hasTouch: true }, ignore404);
  const origin = new URL(BASE).origin;
  const elsewhere = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith('data:'))
      elsewhere.push(r.url());
  });
  // axe runs in the page: the same address in a page with JavaScript on.
  const axePage = await newPage(browser, { viewport: PHONE, isMobile: true, hasTouch: true }, ignore404);
  const axeAt = async (what) => {
    await axePage.goto(page.url());
    await axeCheck(axePage, what);
  };

  let res = await page.goto(`${BASE}/ou-me-soigner`);
  assert.equal(res.status(), 200);
  await axeAt('the finder form on a phone');
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Où me soigner ?');

  // The postcode, typed and sent as a person does.
  await page.getByLabel('Votre commune ou votre code postal').fill('11400');
  res = await clickAndWait(page, page.getByRole('button', { name: 'Chercher' }));
  assert.equal(res.status(), 200);
  await axeAt("the postcode's communes");
  assert.match(norm(await page.locator('main').innerText()), /Le code postal 11400 couvre \d+ communes/);
  res = await clickAndWait(page, page.getByRole('link', { name: 'Castelnaudary', exact: true }));
  assert.equal(res.status(), 200);
  assert.match(page.url(), /\/ou-me-soigner\?commune=11076$/);
  await axeAt('the results for Castelnaudary');

  // The instant the page used is Paris time now.
  const at = pageInstant(norm(await page.locator('.finder-note').innerText()));
  assert.ok(gap(at, parisNow()) <= 3, `the page's instant ${JSON.stringify(at)} is not Paris time now`);

  // Pharmacies, nearest first, each in the state its hours give.
  const section = page.locator('section', { has: page.getByRole('heading', { name: 'Pharmacies' }) });
  const items = section.locator('li.finder-item');
  const n = await items.count();
  assert.ok(n >= 2, `${n} pharmacies shown`);
  const seen = [];
  for (let k = 0; k < n; k++) {
    const item = items.nth(k);
    const name = norm(await item.locator('h3').innerText());
    assert.ok(hours.has(name), `"${name}" is in no imported file`);
    seen.push({
      name,
      minutes: minutesOf(norm(await item.locator('.finder-time').innerText())),
      state: pageState(norm(await item.locator('.finder-state').innerText())),
      expected: expectedState(hours.get(name), at),
      next: await item.locator('.finder-next').count()
        ? norm(await item.locator('.finder-next').innerText()) : null,
    });
  }
  // When each opens or closes next, as the reference implementation says.
  for (const s of seen)
    assert.equal(s.next, expectedNext(hours.get(s.name), at, s.expected),
      `${s.name}: the next change the page gives`);
  for (let k = 1; k < n; k++)
    assert.ok(seen[k - 1].minutes <= seen[k].minutes, `pharmacies out of order: ${JSON.stringify(seen)}`);
  for (const s of seen)
    assert.equal(s.state, s.expected, `${s.name}: the page says ${s.state}, its hours ${s.expected}`);
  // The nearest open one: the first in travel order that its hours open now,
  // and the first the page marks open.
  const nearestOpen = seen.find((s) => s.expected === 'open');
  assert.ok(nearestOpen, `no open pharmacy expected: ${JSON.stringify(seen)}`);
  assert.equal(seen.find((s) => s.state === 'open').name, nearestOpen.name);
  assert.equal(nearestOpen.minutes, 0);
  assert.ok(seen.some((s) => s.name === 'Pharmacie de la Halle (exemple)' && s.state === 'closed'));

  // The GP practice's booking link and phone, usable with a thumb.
  const gp = page.locator('li.finder-item', { hasText: 'Cabinet médical du Canal (exemple)' });
  assert.equal(await gp.getByRole('link', { name: /Prendre rendez-vous/ }).getAttribute('href'),
    'https://rdv.exemple.invalid/cabinet-du-canal');
  assert.equal(await gp.getByRole('link', { name: '04 68 00 00 03' }).getAttribute('href'), 'tel:0468000003');
  const box = await gp.getByRole('link', { name: /Prendre rendez-vous/ }).boundingBox();
  assert.ok(box && box.height >= 24, `booking link ${JSON.stringify(box)} too small to tap`);

  // A phone's width: nothing scrolls sideways.
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(widths[0] <= widths[1], `the page is ${widths[0]} px wide on a ${widths[1]} px screen`);
  await shoot(page, 'finder-phone', 3000);

  // An unknown postcode: 404, the message, the form keeping what was typed.
  await page.getByLabel('Votre commune ou votre code postal').fill('99999');
  res = await clickAndWait(page, page.getByRole('button', { name: 'Chercher' }));
  assert.equal(res.status(), 404);
  assert.equal(await page.getByLabel('Votre commune ou votre code postal').inputValue(), '99999');
  assert.match(norm(await page.locator('main').innerText()), /n'a le code postal 99999/);
  await axeAt('an unknown postcode');

  // No account, no tracking: no cookie, nothing fetched from elsewhere.
  assert.deepEqual(await page.context().cookies(), []);
  assert.deepEqual(elsewhere, []);
  assert.deepEqual(consoleErrors, []);
  await page.context().close();
  await axePage.context().close();
});
