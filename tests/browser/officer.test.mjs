// The health officer's task end to end (issue 13, "Done when"): the Aude's
// health officer preparing the contrat pluriannuel des solidarités with the
// communauté de communes Piège-Lauragais-Malepère. From the territory page
// she chooses the EPCI as scope, reads its under-served communes for GPs
// and for nurses, opens a commune the model and the DREES disagree on and
// reads why, places one telemedicine cabin and two teleconsultation carts in
// planning ("Vos sites") and reads the EPCI's before and after and their
// cost, then downloads the XLSX
// workbook and the PDF fiche of the EPCI. Every page is checked with axe-core
// (WCAG 2 A and AA) and screenshots are kept (docs/img/ takes two of them).
//
// The expected figures are not written here: the under-served communes are
// read from the CSV download of the same scope, and compared with what the
// pages and the fiche show.
//
// Run by tests/browser/run.sh (MG_BASE_URL). Every step is open to a visitor
// (planning computes without an account; saving a plan is pages.test.mjs's):
// no log-in. Written for Node 18: node:test only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BASE, axeCheck, clickAndWait, consoleErrors, launch, newPage, norm, shoot } from './browser.mjs';

const SIREN = '200035707';
const EPCI = 'CC Piège Lauragais Malepère';
const TEST_TIMEOUT = 300_000;

let browser;
const downloads = fs.mkdtempSync(path.join(os.tmpdir(), 'maillage-officer-'));

before(async () => {
  browser = await launch();
});

after(async () => {
  if (browser)
    await browser.close();
  fs.rmSync(downloads, { recursive: true, force: true });
});

// One CSV line's fields (RFC 4180 quotes: the EPCI names hold commas).
function csvFields(line) {
  const out = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out;
}

// The CSV download of a scope, parsed: rows as objects.
async function csvRows(page, query) {
  const res = await page.request.get(`${BASE}/telecharger/communes.csv?${query}`);
  assert.equal(res.status(), 200);
  const lines = (await res.text()).trim().split(/\r?\n/);
  const head = csvFields(lines[0]);
  return lines.slice(1).map((l) => {
    const cells = csvFields(l);
    return Object.fromEntries(head.map((h, i) => [h, cells[i]]));
  });
}

// A row's value on the download's baseline: on the official one (the
// column official_missing_model_shown is there) the DREES's APL, or the
// model's where the DREES has none; on the model's, the model's.
function baselineValue(r) {
  if (!('official_missing_model_shown' in r))
    return Number(r.apl);
  return Number(r.official_missing_model_shown === '1' ? r.apl : r.apl_official);
}

// The names in the under-served list of an EPCI page.
async function underServed(page) {
  const rows = page.locator('section[aria-labelledby="sous-seuil"] tbody tr th');
  return (await rows.allInnerTexts()).map(norm);
}

// A download started by clicking a link, saved; its path.
async function download(page, linkName) {
  const [d] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: linkName }).click(),
  ]);
  const file = path.join(downloads, d.suggestedFilename());
  await d.saveAs(file);
  return file;
}

test('the health officer prepares the contract with Piège-Lauragais-Malepère', { timeout: TEST_TIMEOUT }, async () => {
  const page = await newPage(browser, { acceptDownloads: true });

  // 1. The territory page; the EPCI chosen as scope in the page's form.
  let res = await page.goto(`${BASE}/territoire`);
  assert.equal(res.status(), 200);
  await axeCheck(page, 'the territory page');
  await page.selectOption('#choix-perimetre', `epci:${SIREN}`);
  res = await clickAndWait(page, page.getByRole('button', { name: 'Afficher' }));
  assert.equal(res.status(), 200);
  assert.match(norm(await page.locator('h1').innerText()), new RegExp(EPCI));
  assert.match(norm(await page.locator('p.scope').innerText()), /38 communes sur les 433/);
  // Its map framed on it: 38 communes in colour, the others grey.
  assert.equal(await page.locator('main svg.mg-map').first().locator('path.mg-out').count(), 433 - 38);
  await axeCheck(page, "the EPCI's page (GPs)");
  await shoot(page, 'epci-page', 1500); // docs/img/epci-page.png

  // 2. Its under-served communes for GPs: those of the CSV of the same
  // scope and baseline below 2.5, in the same order.
  const baseParam = new URL(page.url()).searchParams.get('base');
  const q = `profession=mg&perimetre=epci%3A${SIREN}${baseParam ? `&base=${baseParam}` : ''}`;
  const gp = await csvRows(page, q);
  assert.equal(gp.length, 38);
  const expected = gp.filter((r) => baselineValue(r) < 2.5);
  const shown = await underServed(page);
  assert.deepEqual([...shown].sort(), expected.map((r) => r.nom).sort(),
    'the under-served GP communes');
  assert.match(norm(await page.locator('section[aria-labelledby="sous-seuil"] p').first().innerText()),
    new RegExp(`^${expected.length} communes? sur 38`));

  // 3. The same for nurses, chosen in the form (the scope stays).
  await page.selectOption('#choix-profession', 'inf');
  res = await clickAndWait(page, page.getByRole('button', { name: 'Afficher' }));
  assert.equal(res.status(), 200);
  assert.match(norm(await page.locator('h1').innerText()), /infirmiers/i);
  assert.match(norm(await page.locator('h1').innerText()), new RegExp(EPCI));
  const nurses = await underServed(page);
  const infText = norm(await page.locator('section[aria-labelledby="sous-seuil"]').innerText());
  const tm = infText.match(/inférieure à ([\d,]+)/);
  // The threshold the page states (none: no commune is listed).
  const infThreshold = tm ? Number(tm[1].replace(',', '.')) : -Infinity;
  const infRows = await csvRows(page, q.replace('profession=mg', 'profession=inf'));
  assert.deepEqual([...nurses].sort(),
    infRows.filter((r) => baselineValue(r) < infThreshold).map((r) => r.nom).sort(),
    'the under-served nurse communes');
  await axeCheck(page, "the EPCI's page (nurses)");

  // 4. A commune the model and the DREES disagree on, opened from the
  // agreement section (GPs again): why its value differs.
  res = await page.goto(`${BASE}/epci/${SIREN}?profession=mg`);
  assert.equal(res.status(), 200);
  const disagree = page.locator('section[aria-labelledby="accord"] ul.inline a').first();
  assert.ok(await disagree.count(), 'a commune flagged by one side only');
  const communeName = norm(await disagree.innerText());
  res = await clickAndWait(page, disagree);
  assert.equal(res.status(), 200);
  assert.match(norm(await page.locator('h1').innerText()), new RegExp(communeName));
  const why = norm(await page.locator('section[aria-labelledby="ecart"]').innerText());
  assert.match(why, /Modèle : [\d,]+ ; DREES : [\d,]+ ; écart/);
  assert.match(why, /le modèle non|la DREES non/);
  await axeCheck(page, 'the commune page with its explanation');

  // 5. Planning on the EPCI: one telemedicine cabin and two
  // teleconsultation carts as "Vos sites", in the three most populous of
  // its under-served communes (from the CSV), then the EPCI's before and
  // after. Its "before" is the EPCI page's count of under-served communes.
  res = await page.goto(`${BASE}/epci/${SIREN}?profession=mg`);
  assert.equal(res.status(), 200);
  res = await clickAndWait(page, page.getByRole('link', { name: 'planifier où placer des moyens' }));
  assert.equal(res.status(), 200);
  assert.equal(await page.locator('#plan-perimetre').inputValue(), `epci:${SIREN}`);
  await axeCheck(page, "the EPCI's planning form");
  const sites = [...expected].sort((a, b) => Number(b.population) - Number(a.population)).slice(0, 3);
  assert.equal(sites.length, 3);
  await page.fill('#plan-cabine', '1');
  await page.fill('#plan-chariot', '2');
  await page.fill('#plan-proposition',
    `${sites[0].code_insee}:cabine, ${sites[1].code_insee}:chariot, ${sites[2].code_insee}:chariot`);
  const cabinCost = Number((await page.locator('#plan-cout_cabine').inputValue()).replace(/\s/g, ''));
  const cartCost = Number((await page.locator('#plan-cout_chariot').inputValue()).replace(/\s/g, ''));
  res = await clickAndWait(page, page.getByRole('button', { name: 'Calculer le plan' }));
  assert.equal(res.status(), 200);
  const mine = norm(await page.locator('#avant-apres-vos-sites .perimetre').innerText());
  const m = mine.match(/de (\d+) à (\d+) communes sous le seuil/);
  assert.ok(m, `the EPCI's before/after: ${mine}`);
  assert.equal(Number(m[1]), expected.length, "the EPCI's communes below the threshold before");
  assert.ok(Number(m[2]) < Number(m[1]), 'the three sites lift at least one commune');
  assert.match(norm(await page.locator('#avant-apres-vos-sites .territoire').innerText()),
    /tout le territoire : de \d+ à \d+ communes sous le seuil/);
  const cost = norm(await page.locator('#cout-vos-sites').innerText());
  const total = Number(cost.match(/([\d ]+) euros/)[1].replace(/\s/g, ''));
  assert.equal(total, cabinCost + 2 * cartCost, `the sites costed by kind: ${cost}`);
  await axeCheck(page, "the EPCI's plan");
  await shoot(page, 'epci-plan');

  // 6. Downloads of the EPCI's page: the XLSX workbook and the PDF.
  res = await page.goto(`${BASE}/epci/${SIREN}?profession=mg`);
  assert.equal(res.status(), 200);
  const xlsx = await download(page, 'classeur Excel (XLSX)');
  const head = fs.readFileSync(xlsx).subarray(0, 2).toString('latin1');
  assert.equal(head, 'PK', 'an XLSX file is a zip');
  const pdf = await download(page, 'fiche territoire (PDF A4)');
  assert.equal(fs.readFileSync(pdf).subarray(0, 5).toString('latin1'), '%PDF-');
  assert.ok(fs.statSync(pdf).size > 10_000, 'the fiche has content');

  assert.deepEqual(consoleErrors, [], 'no console error');
  await page.context().close();
});
