// The contract manager's work on a contract, end to end (issue 15, "Done
// when"): the manager of the Département creates a contract for the
// communauté de communes Piège-Lauragais-Malepère, imports its six actions
// from an XLSX, adds budget lines for two funders to the telehealth action,
// links that action to a scenario (a telemedicine cabin at Fanjeaux) and
// sees its expected effect on access, adds an indicator and its values,
// then opens the evaluation report and downloads it as PDF and XLSX. Every
// page is checked with axe-core (WCAG 2 A and AA).
//
// The plan is tests/data/contracts/plan.csv, made into an XLSX by run.sh
// (MG_CONTRACT_PLAN_XLSX; MG_CONTRACTS_SETUP says whether that and the
// organisations it names could be made). What the pages show is checked
// against that CSV and against sums this file makes of what it typed, not
// against figures written here. The manager is the "manager" account of
// MG_ACCOUNTS, logged in once. Run by tests/browser/run.sh (MG_BASE_URL).
// Written for Node 18: node:test only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { accountsFromEnv } from './accounts.mjs';
import { BASE, axeCheck, clickAndWait, consoleErrors, launch, newPage, norm, shoot } from './browser.mjs';

const TEST_TIMEOUT = 300_000;
const here = dirname(fileURLToPath(import.meta.url));
const PLAN_CSV = join(here, '..', 'data', 'contracts', 'plan.csv');
const CONTRACT = `Contrat pluriannuel des solidarités — CC Piège Lauragais Malepère (exemple ${Date.now()})`;
const SCENARIO = `Une cabine de télémédecine à Fanjeaux (exemple ${Date.now()})`;
const INDICATOR = 'Téléconsultations réalisées (exemple)';

let browser;
let page;

before(async () => {
  browser = await launch();
});

after(async () => {
  if (browser)
    await browser.close();
});

async function open(path) {
  const res = await page.goto(BASE + path, { waitUntil: 'load' });
  assert.equal(res.status(), 200, `GET ${path}`);
  return res;
}

// The plan's actions as the CSV names them: a Map title → [budget rows].
function planActions() {
  const lines = readFileSync(PLAN_CSV, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l);
  const head = lines[0].split(';');
  const col = (name) => head.findIndex((h) => h.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase() === name);
  const [action, funder] = [col('action'), col('financeur')];
  assert.ok(action >= 0 && funder >= 0, 'plan.csv has its action and financeur columns');
  const out = new Map();
  for (const l of lines.slice(1)) {
    const cells = l.split(';');
    if (!out.has(cells[action]))
      out.set(cells[action], []);
    if (cells[funder])
      out.get(cells[action]).push(cells[funder]);
  }
  return out;
}

// "12 500 €", "1 234,56 €" (no-break spaces) → cents.
function cents(text) {
  const t = norm(text).replace(/[\s\u00a0\u202f€]/g, '');
  assert.match(t, /^\d+(,\d{1,2})?$/, `an amount in euros: "${text}"`);
  const [whole, dec = ''] = t.split(',');
  return Number(whole) * 100 + Number(dec.padEnd(2, '0'));
}

// The rows of a table found by its caption, as arrays of cell texts.
async function tableRows(caption, part = 'tbody tr') {
  const table = page.locator('table', { has: page.locator('caption', { hasText: caption }) });
  assert.ok(await table.count(), `a table "${caption}"`);
  return table.first().locator(part).evaluateAll((rows) => rows.map((r) =>
    [...r.querySelectorAll('th, td')].map((c) => c.innerText.replace(/\s+/g, ' ').trim())));
}

// The action's planned, committed and paid total, in cents.
async function actionTotal() {
  const rows = await tableRows("Lignes budgétaires de l'action", 'tr');
  const total = rows.find((r) => r[0].startsWith("Total de l'action"));
  assert.ok(total, "the action's total row");
  return total.slice(1, 4).map(cents);
}

async function addBudgetLine(funder, year, nature, planned) {
  await page.locator('#ligne-funder').selectOption({ label: funder });
  await page.locator('#ligne-year').fill(year);
  await page.locator('#ligne-nature').selectOption({ label: nature });
  await page.locator('#ligne-planned').fill(planned);
  const res = await clickAndWait(page, page.getByRole('button', { name: 'Ajouter la ligne' }));
  assert.ok(res.ok(), `the line of ${funder} is added (${res.status()})`);
}

test('the contract manager imports a plan, funds, models, measures and reports an action', { timeout: TEST_TIMEOUT }, async () => {
  assert.equal(process.env.MG_CONTRACTS_SETUP || 'ok', 'ok', process.env.MG_CONTRACTS_SETUP);
  const plan = planActions();
  assert.equal(plan.size, 6, 'plan.csv holds the six actions of the contract');
  const telehealth = [...plan.keys()].find((t) => t.startsWith('Télésanté'));
  assert.ok(telehealth, 'plan.csv has the telehealth action');
  const manager = accountsFromEnv().manager;
  page = await newPage(browser);

  // Log in once.
  await open('/connexion');
  await page.locator('#connexion-email').fill(manager.email);
  await page.locator('#connexion-password').fill(manager.password);
  await clickAndWait(page, page.getByRole('button', { name: 'Se connecter' }));

  // A contract for the EPCI.
  await open('/contrats');
  await page.getByLabel('Organisation porteuse').selectOption(String(manager.organisation));
  await page.getByLabel('Type de contrat').selectOption('cps');
  await page.getByLabel('Intitulé').fill(CONTRACT);
  await page.getByLabel('Territoire').selectOption('epci:200035707');
  await page.getByLabel('Début').fill('01/01/2024');
  await page.getByLabel('Fin', { exact: true }).fill('31/12/2027');
  await page.getByLabel('Statut').selectOption('signed');
  await clickAndWait(page, page.getByRole('button', { name: 'Créer le contrat' }));
  const contractPath = new URL(page.url()).pathname;
  assert.match(contractPath, /^\/contrats\/\d+$/);
  assert.equal(norm(await page.locator('h1').innerText()), CONTRACT);
  await axeCheck(page, 'a new contract');

  // Its six actions from the XLSX: every one listed under its axis.
  await page.getByLabel('Fichier du plan').setInputFiles(process.env.MG_CONTRACT_PLAN_XLSX);
  let res = await clickAndWait(page, page.getByRole('button', { name: 'Importer le plan' }));
  assert.equal(res.status(), 200, 'the import ends on the contract');
  assert.equal(new URL(page.url()).pathname, contractPath);
  const listed = [];
  for (const table of await page.locator('table', { has: page.locator('caption', { hasText: "Actions de l'axe" }) }).all())
    listed.push(...await table.locator('tbody tr th a').allInnerTexts());
  assert.deepEqual(listed.map(norm).sort(), [...plan.keys()].sort(), 'the imported actions are those of the file');
  await axeCheck(page, 'a contract with its imported plan');
  await shoot(page, 'contract-imported-plan');

  // The telehealth action: budget lines for two funders, the total grows
  // by what was typed.
  await clickAndWait(page, page.getByRole('link', { name: telehealth }));
  assert.equal(norm(await page.locator('h1').innerText()), telehealth);
  const before = await actionTotal();
  await addBudgetLine("Département d'essai (exemple) (Département)", '2026', 'Investissement', '12 500');
  await addBudgetLine('CC Piège Lauragais Malepère (Intercommunalité (EPCI))', '2026', 'Fonctionnement', '1 234,56');
  const after = await actionTotal();
  assert.equal(after[0] - before[0], 1250000 + 123456, 'the planned total grows by the two lines');
  assert.equal(after[1], before[1], 'nothing committed by the new lines');
  const lines = await tableRows("Lignes budgétaires de l'action");
  for (const funder of ["Département d'essai (exemple)", 'CC Piège Lauragais Malepère'])
    assert.ok(lines.some((r) => r[0] === funder && r[1] === '2026'), `a 2026 line of ${funder}`);
  await axeCheck(page, 'an action with its budget');
  const actionPath = new URL(page.url()).pathname;

  // A scenario with a telemedicine cabin at Fanjeaux…
  await open('/scenarios');
  await page.locator('#scenario-nom').fill(SCENARIO);
  await page.locator('#scenario-profession').selectOption('mg');
  await page.locator('#scenario-organisation').selectOption(String(manager.organisation));
  await clickAndWait(page, page.getByRole('button', { name: 'Créer' }));
  assert.match(new URL(page.url()).pathname, /^\/scenarios\/\d+$/);
  await page.locator('#action-kind').selectOption('telemedicine_cabin');
  await page.locator('#action-commune').fill('Fanjeaux');
  res = await clickAndWait(page, page.getByRole('button', { name: 'Ajouter et recalculer' }));
  assert.equal(res.status(), 200);

  // …that models the action: its expected effect on the target communes.
  await open(actionPath);
  await page.locator('summary', { hasText: "Modifier l'action" }).click();
  await page.locator('#modifier-action-scenario').selectOption({ label: SCENARIO });
  await clickAndWait(page, page.getByRole('button', { name: "Enregistrer l'action" }));
  assert.equal(new URL(page.url()).pathname, actionPath);
  const main = norm(await page.locator('main').innerText());
  assert.doesNotMatch(main, /Aucun scénario ne modélise/, 'the scenario is linked');
  assert.ok(await page.getByRole('link', { name: SCENARIO }).count(), 'the effect names its scenario');
  // Before and after on the target communes: the cabin raises the mean
  // APL; the people lifted are the difference of the inhabitants below
  // the threshold.
  const effect = await tableRows('Effet attendu du scénario sur les communes ciblées');
  const count = (t) => Number(norm(t).replace(/[\s\u00a0\u202f]/g, '').replace(',', '.'));
  const mean = effect.find((r) => r[0].startsWith('APL moyenne'));
  assert.ok(mean && count(mean[2]) > count(mean[1]), `the cabin raises the mean APL (${mean})`);
  const below = effect.find((r) => r[0].startsWith('Habitants sous le seuil'));
  assert.ok(below, 'the inhabitants below the threshold, before and after');
  const [inBefore, inAfter] = [count(below[1]), count(below[2])];
  assert.ok(inAfter <= inBefore, `no one falls below the threshold (${inBefore} → ${inAfter})`);
  const lifted = page.locator('dt', { hasText: 'Personnes passées au-dessus du seuil' }).locator('xpath=following-sibling::dd[1]');
  assert.equal(count(await lifted.innerText()), inBefore - inAfter, 'people lifted = before − after');
  await axeCheck(page, "an action's expected effect");
  await shoot(page, 'contract-action-effect');

  // An indicator typed in, and two values.
  await page.locator('#indicateur-title').fill(INDICATOR);
  await page.locator('#indicateur-unit').fill('téléconsultations');
  await page.locator('#indicateur-target').fill('1 200');
  await page.locator('#indicateur-source').selectOption('manual');
  await clickAndWait(page, page.getByRole('button', { name: "Ajouter l'indicateur" }));
  const indicator = page.locator('section, article, div', { has: page.locator('h3', { hasText: INDICATOR }) }).last();
  assert.ok(await indicator.count(), 'the new indicator is shown');
  const values = [['31/03/2026', '40'], ['30/06/2026', '95']];
  for (const [on, v] of values) {
    const form = page.locator('form', { has: page.getByRole('button', { name: 'Ajouter la valeur' }) }).first();
    await form.locator('input[name="measured_on"]').fill(on);
    await form.locator('input[name="value"]').fill(v);
    await clickAndWait(page, form.getByRole('button', { name: 'Ajouter la valeur' }));
  }
  const shown = norm(await page.locator('main').innerText());
  for (const [on, v] of values)
    assert.match(shown, new RegExp(`${on.replace(/\//g, '\\/')}[^\\n]*?\\b${v}\\b`), `the value of ${on}`);
  await axeCheck(page, 'an action with an indicator and its values');

  // The evaluation report: the page, the PDF and the XLSX.
  await open(contractPath);
  await clickAndWait(page, page.getByRole('link', { name: 'Bilan', exact: true }));
  const report = norm(await page.locator('main').innerText());
  for (const title of plan.keys())
    assert.ok(report.includes(title), `the bilan names "${title}"`);
  assert.ok(report.includes(INDICATOR), "the bilan shows the action's indicator");
  await axeCheck(page, 'the bilan of a contract');
  await shoot(page, 'contract-bilan');
  for (const [name, type, magic] of [['Bilan PDF', 'application/pdf', '%PDF-'],
    ['Bilan XLSX', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'PK']]) {
    await open(contractPath);
    const href = await page.getByRole('link', { name, exact: true }).getAttribute('href');
    const got = await page.request.get(BASE + href);
    assert.equal(got.status(), 200, name);
    assert.equal(got.headers()['content-type'], type, `${name}: its type`);
    assert.match(got.headers()['content-disposition'] || '', /attachment/, `${name}: a download`);
    const body = await got.body();
    assert.equal(body.subarray(0, magic.length).toString('latin1'), magic, `${name}: its first bytes`);
    assert.ok(body.length > 1000, `${name}: ${body.length} bytes`);
  }

  assert.deepEqual(consoleErrors, []);
});
