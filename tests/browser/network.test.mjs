// The network of local actors from the contract manager's side (issue 14,
// "Done when"): the manager of the Département creates a contract with the
// communauté de communes Piège-Lauragais-Malepère and its action "develop
// the network of local social actors", gives it a pilot found in the
// directory; then, as on any later day, opens the contract from the list,
// opens the action, finds its pilot and partners, searches the directory
// for a structure, adds it as partner and sees it listed with a link to its
// page. Every page is checked with axe-core (WCAG 2 A and AA).
//
// The structures are the two "(exemple)" ones run.sh imports for this file
// (MG_NETWORK_IMPORT says whether it could). The manager is the "manager"
// account of MG_ACCOUNTS, logged in once. Run by tests/browser/run.sh
// (MG_BASE_URL). Written for Node 18: node:test only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { accountsFromEnv } from './accounts.mjs';
import { BASE, axeCheck, clickAndWait, consoleErrors, launch, newPage, norm, shoot } from './browser.mjs';

const TEST_TIMEOUT = 300_000;
const PILOT = 'Centre social intercommunal du Lauragais (exemple)';
const PARTNER = "Point d'accueil solidarité de Fanjeaux (exemple)";
// A title of this run: the PostgreSQL run of run.sh starts from a new
// database too, but a rerun against a kept server must not find two.
const CONTRACT = `Contrat pluriannuel des solidarités Piège-Lauragais-Malepère (exemple ${Date.now()})`;
const ACTION = 'Développer le réseau des acteurs sociaux locaux (exemple)';

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

// The rows of the table "Structures associées à l'action": [name, role].
async function participants() {
  const table = page.locator('table', { has: page.locator('caption', { hasText: "Structures associées à l'action" }) });
  if (!await table.count())
    return [];
  return table.locator('tbody tr').evaluateAll((rows) => rows.map((r) =>
    [r.querySelector('th').innerText.trim(), r.querySelector('td').innerText.trim()]));
}

// Searches the directory from the action's page and adds `name` as `role`
// ("partenaire" or "pilote") with its own button.
async function searchAndAdd(words, name, role) {
  await page.getByLabel("Rechercher dans l'annuaire").fill(words);
  await clickAndWait(page, page.getByRole('button', { name: 'Rechercher', exact: true }));
  assert.match(new URL(page.url()).search, /q=/);
  const found = page.locator('table', { has: page.locator('caption', { hasText: 'Structures trouvées' }) });
  assert.ok(await found.getByRole('link', { name }).count(), `the search for "${words}" finds ${name}`);
  await axeCheck(page, 'the search of the directory on an action');
  await clickAndWait(page, page.getByRole('button', { name: `Ajouter ${name} comme ${role}` }));
}

test('the contract manager finds the partners of an action and adds one', { timeout: TEST_TIMEOUT }, async () => {
  assert.equal(process.env.MG_NETWORK_IMPORT || 'ok', 'ok', process.env.MG_NETWORK_IMPORT);
  const manager = accountsFromEnv().manager;
  page = await newPage(browser);

  // Log in once.
  await open('/connexion');
  await page.locator('#connexion-email').fill(manager.email);
  await page.locator('#connexion-password').fill(manager.password);
  await clickAndWait(page, page.getByRole('button', { name: 'Se connecter' }));
  assert.equal(new URL(page.url()).pathname, '/');

  // The contract, as it was set up once.
  await open('/contrats');
  await axeCheck(page, 'the list of contracts');
  await page.getByLabel('Organisation porteuse').selectOption(String(manager.organisation));
  await page.getByLabel('Type de contrat').selectOption('cps');
  await page.getByLabel('Intitulé').fill(CONTRACT);
  await page.getByLabel('Territoire').selectOption('epci:200035707');
  await page.getByLabel('Début').fill('01/01/2024');
  await page.getByLabel('Fin', { exact: true }).fill('31/12/2027');
  await page.getByLabel('Statut').selectOption('signed');
  await clickAndWait(page, page.getByRole('button', { name: 'Créer le contrat' }));
  assert.match(new URL(page.url()).pathname, /^\/contrats\/\d+$/);
  assert.equal(norm(await page.locator('h1').innerText()), CONTRACT);
  assert.match(norm(await page.locator('dl.facts').innerText()), /CC Piège Lauragais Malepère/);
  await axeCheck(page, 'a new contract');

  await page.getByLabel("Intitulé de l'action").fill(ACTION);
  await clickAndWait(page, page.getByRole('button', { name: "Ajouter l'action" }));
  assert.match(new URL(page.url()).pathname, /^\/contrats\/\d+\/actions\/\d+$/);
  assert.equal(norm(await page.locator('h1').innerText()), ACTION);
  assert.deepEqual(await participants(), []);
  await axeCheck(page, 'a new action');
  await searchAndAdd('Lauragais', PILOT, 'pilote');
  assert.deepEqual(await participants(), [[PILOT, 'Pilote']]);

  // Another day: from the list of contracts to the action's partners.
  await open('/contrats');
  await clickAndWait(page, page.getByRole('link', { name: CONTRACT }));
  const actions = page.locator('table', { has: page.locator('caption', { hasText: 'Actions' }) })
    .filter({ hasText: ACTION });
  const row = actions.locator('tbody tr', { hasText: ACTION });
  // The pilot's cell, found by its column's header.
  const heads = await actions.locator('thead th').allInnerTexts();
  const pilotCol = heads.map(norm).indexOf('Pilote');
  assert.ok(pilotCol > 0, 'the list of actions has a Pilote column');
  assert.equal(norm(await row.locator('th, td').nth(pilotCol).innerText()), PILOT, 'the pilot in the list of actions');
  await axeCheck(page, 'a contract and its actions');
  await clickAndWait(page, row.getByRole('link', { name: ACTION }));
  assert.deepEqual(await participants(), [[PILOT, 'Pilote']], 'the action shows its pilot and partners');
  await axeCheck(page, 'an action with its pilot');

  // A partner found in the directory.
  await searchAndAdd('Fanjeaux', PARTNER, 'partenaire');
  assert.match(norm(await page.locator('[role="status"]').first().innerText()), /ajoutée/);
  assert.deepEqual(await participants(), [[PILOT, 'Pilote'], [PARTNER, 'Partenaire']]);
  const link = page.getByRole('link', { name: PARTNER }).first();
  assert.match(await link.getAttribute('href'), /^\/structure\/\d+$/, 'the partner links to its page');
  // The search is still there, and the partner is now marked as associated.
  assert.equal(await page.getByLabel("Rechercher dans l'annuaire").inputValue(), 'Fanjeaux');
  assert.equal(await page.getByRole('button', { name: `Ajouter ${PARTNER} comme partenaire` }).count(), 0);
  await axeCheck(page, 'an action with its new partner');
  await shoot(page, 'network-action-partners');

  // The pilot found again is marked as associated, without a button.
  await page.getByLabel("Rechercher dans l'annuaire").fill('Lauragais');
  await clickAndWait(page, page.getByRole('button', { name: 'Rechercher', exact: true }));
  assert.equal(await page.getByRole('button', { name: `Ajouter ${PILOT} comme partenaire` }).count(), 0);
  assert.match(norm(await page.locator('table', { hasText: 'Structures trouvées' }).innerText()), /déjà associée/);

  assert.deepEqual(consoleErrors, []);
});
