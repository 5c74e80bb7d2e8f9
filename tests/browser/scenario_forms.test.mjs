// The scenario pages' forms and scope in a browser (issue 13, sections 1,
// 2 and 6): the commune typed by name with the territory's communes
// suggested by a <datalist> (no script), a refused commune kept in its
// field with the close matches named beside it (aria-describedby), a
// number typed the French way, the scope chosen on the page and kept after
// adding an action, a nurses' scenario that says it has no threshold.
// Every page state is checked with axe-core (WCAG 2 A and AA).
//
// Run by tests/browser/run.sh (MG_BASE_URL, MG_ACCOUNTS); logs in once, as
// the manager. Written for Node 18: node:test only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { accountsFromEnv } from './accounts.mjs';
import { BASE, axeCheck as axeOn, clickAndWait as clickOn, consoleErrors, launch, newPage, norm }
  from './browser.mjs';

const ACCOUNTS = accountsFromEnv();
const SIREN = '200035707';

let browser;
let page;

before(async () => {
  browser = await launch();
  // A refused form answers 400: the browser logs the status, nothing else.
  page = await newPage(browser, {}, (text) => /status of 400/.test(text));
  await page.goto(`${BASE}/connexion`);
  await page.locator('#connexion-email').fill(ACCOUNTS.manager.email);
  await page.locator('#connexion-password').fill(ACCOUNTS.manager.password);
  await clickAndWait(page.getByRole('button', { name: 'Se connecter' }));
});

after(async () => {
  if (browser)
    await browser.close();
});

// This file's one page: clicks and checks on it.
const clickAndWait = (locator) => clickOn(page, locator);
const axeCheck = (what) => axeOn(page, what);

// Creates a scenario from the list's form; returns its path.
async function newScenario(name, profession) {
  await page.goto(`${BASE}/scenarios`);
  await page.locator('#scenario-nom').fill(name);
  await page.locator('#scenario-profession').selectOption(profession);
  await page.locator('#scenario-organisation').selectOption(String(ACCOUNTS.manager.organisation));
  const res = await clickAndWait(page.getByRole('button', { name: 'Créer' }));
  assert.equal(res.status(), 200);
  const path = new URL(page.url()).pathname;
  assert.match(path, /^\/scenarios\/\d+$/);
  return path;
}

async function addAction(kind, commune, fields = {}) {
  await page.locator('#action-kind').selectOption(kind);
  await page.locator('#action-commune').fill(commune);
  for (const [name, v] of Object.entries(fields))
    await page.locator(`#action-${name}`).fill(v);
  return clickAndWait(page.getByRole('button', { name: 'Ajouter et recalculer' }));
}

test('a commune typed by name, suggested without script, refused with its close matches',
  { timeout: 300_000 }, async () => {
    const path = await newScenario(`Communes tapées ${Date.now()}`, 'mg');
    const field = page.locator('#action-commune');
    assert.equal(await field.evaluate((e) => e.tagName), 'INPUT');
    assert.equal(await field.getAttribute('list'), 'action-communes');
    // Every commune of the Aude suggested, as the field reads it back.
    assert.equal(await page.locator('#action-communes option').count(), 433);
    assert.equal(await page.locator('#action-communes option[value="Castelnaudary (11076)"]').count(), 1);
    // The field's label and its help are tied to it.
    assert.match(norm(await page.locator('label[for="action-commune"]').innerText()), /^Commune/);
    assert.match(norm(await page.locator('#action-commune-aide').innerText()), /code INSEE/);
    await axeCheck('the scenario page with its commune field');

    // By name in lower case, with a French number of GPs.
    let res = await addAction('gp', 'castelnaudary', { count: '1,5' });
    assert.equal(res.status(), 200);
    assert.equal(new URL(page.url()).pathname, path);
    const actions = norm(await page.locator('section[aria-labelledby="actions"] table').first().innerText());
    assert.match(actions, /Castelnaudary \(11076\)/);
    assert.match(actions, /1,5 médecin généraliste/); // singular below 2, as French writes it

    // Only the start of names: refused, kept, explained beside the field.
    res = await addAction('gp', 'castel');
    assert.equal(res.status(), 400);
    assert.equal(await field.inputValue(), 'castel');
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    const described = await field.getAttribute('aria-describedby');
    const message = norm(await page.locator(`#${described}`).innerText());
    assert.match(message, /Castelnaudary \(11076\)/);
    assert.match(message, /Castelnau-d'Aude \(11077\)/);
    assert.match(norm(await page.locator('[role="alert"]').first().innerText()), /Commune/);
    await axeCheck('the action form refused');
  });

test('the scope chosen on the scenario page, kept after adding an action',
  { timeout: 300_000 }, async () => {
    const path = await newScenario(`Périmètre ${Date.now()}`, 'mg');
    await page.locator('#choix-perimetre').selectOption(`epci:${SIREN}`);
    let res = await clickAndWait(page.getByRole('button', { name: 'Afficher' }));
    assert.equal(res.status(), 200);
    assert.equal(new URL(page.url()).searchParams.get('perimetre'), `epci:${SIREN}`);
    const sentence = norm(await page.locator('#bilan').innerText());
    assert.match(sentence, /Piège Lauragais Malepère (passe de \d+ à|reste à) \d+ communes? sous le seuil/);
    assert.match(sentence, /tout le territoire \(Aude \(11\)\)/);
    // The map framed on it: the other communes greyed.
    assert.ok(await page.locator('svg .mg-out').count() > 0, 'communes outside the scope greyed');
    // The downloads carry the scope.
    for (const file of ['communes.xlsx', 'communes.csv', 'communes-fr.csv'])
      assert.equal(await page.locator(`a[href*="/telecharger/${file}?"][href*="perimetre=epci%3A${SIREN}"]`).count(), 1, file);
    await axeCheck('the scenario page on a scope');

    res = await addAction('telemedicine_cabin', 'Alzonne');
    assert.equal(res.status(), 200);
    const url = new URL(page.url());
    assert.equal(url.pathname, path);
    assert.equal(url.searchParams.get('perimetre'), `epci:${SIREN}`);
    assert.match(norm(await page.locator('main').innerText()), /Cabine de télémédecine/);
  });

test('a nurses scenario: actions named for nurses, no threshold said in words',
  { timeout: 300_000 }, async () => {
    await newScenario(`Infirmières ${Date.now()}`, 'inf');
    const kinds = await page.locator('#action-kind option').allInnerTexts();
    assert.deepEqual(kinds.map(norm), ['Infirmières : arrivées ou départs', 'Maison de santé']);
    assert.match(norm(await page.locator('#bilan').innerText()),
      /Aucun seuil de sous-dotation n'est défini pour les infirmières/);
    const res = await addAction('gp', 'Quillan');
    assert.equal(res.status(), 200);
    assert.match(norm(await page.locator('main').innerText()), /1 infirmière/);
    await axeCheck('a nurses scenario');
    assert.deepEqual(consoleErrors, []);
  });
