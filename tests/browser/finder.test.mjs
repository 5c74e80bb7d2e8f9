// The public finds the nearest open care point from a postcode on a phone
// (issue 14, "Done when"): a visitor without account, on a 375×667 window
// with JavaScript off, types the postcode 11400 into /ou-me-soigner, picks
// Castelnaudary among the communes of that postcode, and reads the
// pharmacies nearest first: the nearest (in the commune) is closed, the
// first open one is the on-call pharmacy of Saint-Papoul. Every page is
// checked with axe-core (WCAG 2 A and AA) — in a second phone-sized page with
// JavaScript on, which axe needs, at the same address; the page must not
// scroll sideways, set no cookie and load nothing from elsewhere.
//
// The server holds tests/browser/finder-structures.json, imported by
// run.sh with `maillage directory import` (four structures "(exemple)":
// hours that make the answer the same at any time — "Mo-Su off" for the
// nearest pharmacy, "24/7" for the other).
//
// Run by tests/browser/run.sh (MG_BASE_URL). Written for Node 18.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, axeCheck, clickAndWait, consoleErrors, launch, newPage, norm, shoot } from './browser.mjs';

const PHONE = { width: 375, height: 667 };
const TEST_TIMEOUT = 180_000;

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

test('the finder\'s structures were imported', () => {
  assert.equal(process.env.MG_FINDER_IMPORT || 'ok', 'ok');
});

test('the public finds the nearest open care point from a postcode on a phone', { timeout: TEST_TIMEOUT }, async () => {
  // The unknown postcode's answer is a 404 on purpose: Chromium logs it.
  const page = await newPage(browser, { viewport: PHONE, javaScriptEnabled: false, isMobile: true,
    hasTouch: true }, (text) => /status of 404/.test(text));
  const origin = new URL(BASE).origin;
  const elsewhere = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith('data:'))
      elsewhere.push(r.url());
  });

  // axe runs in the page: the same address in a page with JavaScript on.
  const axePage = await newPage(browser, { viewport: PHONE, isMobile: true, hasTouch: true },
    (text) => /status of 404/.test(text));
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

  // Pharmacies, nearest first.
  const section = page.locator('section', { has: page.getByRole('heading', { name: 'Pharmacies' }) });
  const items = section.locator('li.finder-item');
  const n = await items.count();
  assert.ok(n >= 2, `${n} pharmacies shown`);
  const seen = [];
  for (let k = 0; k < n; k++) {
    const item = items.nth(k);
    seen.push({
      name: norm(await item.locator('h3').innerText()),
      minutes: minutesOf(norm(await item.locator('.finder-time').innerText())),
      state: norm(await item.locator('.finder-state').innerText()),
    });
  }
  for (let k = 1; k < n; k++)
    assert.ok(seen[k - 1].minutes <= seen[k].minutes, `pharmacies out of order: ${JSON.stringify(seen)}`);
  assert.equal(seen[0].name, 'Pharmacie de la Halle (exemple)');
  assert.equal(seen[0].minutes, 0);
  assert.match(seen[0].state, /^Fermé maintenant/);
  const open = seen.find((s) => /^Ouvert maintenant/.test(s.state));
  assert.ok(open, 'no open pharmacy shown');
  assert.equal(open.name, 'Pharmacie de garde du Lauragais (exemple)');
  assert.ok(open.minutes > 0);

  // The GP practice's booking link and phone, usable with a thumb.
  const gp = page.locator('li.finder-item', { hasText: 'Cabinet médical du Canal (exemple)' });
  assert.equal(await gp.getByRole('link', { name: /Prendre rendez-vous/ }).getAttribute('href'),
    'https://rdv.exemple.invalid/cabinet-du-canal');
  assert.equal(await gp.getByRole('link', { name: '04 68 00 00 03' }).getAttribute('href'), 'tel:0468000003');
  const box = await gp.getByRole('link', { name: /Prendre rendez-vous/ }).boundingBox();
  assert.ok(box && box.height >= 24, `booking link ${JSON.stringify(box)} too small to tap`);
  // Categories without entries in the directory fall back to the BPE.
  assert.match(norm(await page.locator('main').innerText()), /source BPE 2019, adresse non connue/);

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
