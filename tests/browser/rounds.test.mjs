// Mobile services' rounds, end to end (issue 18's "Done when": plan a PMI
// service with one vehicle and two days a week in the Aude, see the rounds
// on the map, publish them, find the next stop from the finder;
// axe-clean), with the Département's manager of run.sh (MG_ACCOUNTS):
//   1. from the menu « Tournées », creates a PMI service (children under 6)
//      on four communes of the Razès and the Lauragais; the page says that
//      without the INSEE file the service targets all inhabitants;
//   2. adds one vehicle working Tuesdays and Thursdays, allows the
//      chefs-lieux as stops, computes the rounds (1 second);
//   3. on the plan's page: the rounds on the access map (a mark per stop)
//      and the drawing of the routes (a line per route), each route's
//      table with its stops only on Tuesdays and Thursdays;
//   4. publishes the plan from this week's Monday; the public timetable
//      lists this week's and next week's stops on Tuesdays and Thursdays;
//   5. a visitor types Fanjeaux into « Où me soigner ? » and finds the
//      next stops of the service, the first one the earliest upcoming stop
//      of the published timetable (read from the public API) among the
//      communes the section lists, and follows the link to the timetable.
// Every page is checked with axe-core (no violation at all); the manager
// logs in once. Expected values come from what this file typed or picked
// and from the public timetable's JSON.
// Written for Node 18: node:test only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { accountsFromEnv } from './accounts.mjs';
import { BASE, axeCheck, clickAndWait, consoleErrors, launch, newPage, norm, shoot } from './browser.mjs';

const TEST_TIMEOUT = 600_000;
const SERVICE = 'PMI itinérante du Razès (exemple)';
const COMMUNES = ['11049', '11136', '11069', '11076']; // Bram, Fanjeaux, Carcassonne, Castelnaudary
const VEHICLE = 'Camion de la PMI (exemple)';
const DAYS = { 1: 'mardi', 3: 'jeudi' };

let browser;

const esc = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

before(async () => {
  browser = await launch();
});

after(async () => {
  if (browser)
    await browser.close();
});

async function visit(page, path, what) {
  const res = await page.goto(`${BASE}${path}`);
  assert.equal(res.status(), 200, `${what}: status ${res.status()}`);
  await axeCheck(page, what, { strict: true });
  return res;
}

async function axe(page, what) {
  await axeCheck(page, what, { strict: true });
}

async function logIn(account) {
  const page = await newPage(browser);
  await visit(page, '/connexion', 'the log-in page');
  await page.locator('#connexion-email').fill(account.email);
  await page.locator('#connexion-password').fill(account.password);
  await clickAndWait(page, page.getByRole('button', { name: 'Se connecter' }));
  assert.notEqual(new URL(page.url()).pathname, '/connexion', 'logged in');
  return page;
}

// Today in Paris and the Monday of its week, "YYYY-MM-DD".
function parisToday() {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric',
    month: '2-digit', day: '2-digit' });
  return f.format(new Date());
}
function mondayOf(iso) {
  const d = new Date(`${iso}T12:00:00Z`);
  const back = (d.getUTCDay() + 6) % 7;
  d.setUTCDate(d.getUTCDate() - back);
  return d.toISOString().slice(0, 10);
}

test('a PMI service planned, shown on the map, published and found from the finder',
  { timeout: TEST_TIMEOUT }, async () => {
    const accounts = accountsFromEnv();
    const page = await logIn(accounts.manager);

    // 1. The service, from the menu.
    await clickAndWait(page, page.getByRole('navigation', { name: 'Navigation principale' })
      .getByRole('link', { name: 'Tournées' }));
    assert.equal(new URL(page.url()).pathname, '/tournees/services');
    await axe(page, 'the services');
    const form = page.locator('form[action="/tournees/services"]');
    await form.getByLabel('Nom du service').fill(SERVICE);
    await form.getByLabel('Territoire servi').selectOption('communes');
    await form.getByLabel('Communes (si « Des communes choisies »)').fill(COMMUNES.join(','));
    await form.getByLabel('Public visé').selectOption('early_childhood');
    await form.getByLabel('Temps d\'accès à un arrêt (minutes)').fill('20');
    await form.getByLabel('Durée d\'un arrêt (minutes)').fill('60');
    await clickAndWait(page, form.getByRole('button', { name: 'Créer le service' }));
    assert.match(new URL(page.url()).pathname, /^\/tournees\/services\/\d+$/);
    const servicePath = new URL(page.url()).pathname;
    const serviceId = servicePath.split('/').pop();
    assert.equal(norm(await page.getByRole('heading', { level: 1 }).innerText()), SERVICE);
    assert.match(norm(await page.locator('main').innerText()),
      /Faute du fichier de l'INSEE, le service vise tous les habitants/);
    await axe(page, 'the new service');

    // 2. One vehicle, two days a week; the chefs-lieux; the rounds.
    const vform = page.locator(`form[action="${servicePath}/vehicules"]`);
    await vform.getByLabel('Nom du véhicule').fill(VEHICLE);
    await vform.getByLabel('Base (où il part et revient)').fill('Centre médico-social de Bram (exemple)');
    await vform.getByLabel('Commune de la base (code INSEE)').fill('11049');
    for (let d = 0; d < 7; d++) {
      const box = vform.locator(`#vehicule-day_${d}`);
      if (d in DAYS)
        await box.check();
      else
        await box.uncheck();
    }
    await vform.getByLabel('Départ de la base au plus tôt').fill('8:30');
    await vform.getByLabel('Retour à la base au plus tard').fill('17:00');
    await clickAndWait(page, vform.getByRole('button', { name: 'Ajouter le véhicule' }));
    assert.match(norm(await page.locator('#vehicules').locator('..').innerText()),
      new RegExp(`${esc(VEHICLE)} — mardi, jeudi, 08:30–17:00`));
    await clickAndWait(page, page.getByRole('button', { name: 'Autoriser les chefs-lieux' }));
    assert.match(norm(await page.locator('main').innerText()), /4 arrêts autorisés/);
    await axe(page, 'the service with its vehicle and stops');
    const cform = page.locator('#form-calcul');
    await cform.getByLabel('Nom du plan').fill('Plan du Razès (exemple)');
    await cform.getByLabel('Temps de calcul (secondes)').fill('1');
    await clickAndWait(page, cform.getByRole('button', { name: 'Calculer les tournées' }));
    assert.match(new URL(page.url()).pathname, new RegExp(`^${servicePath}/plans/\\d+$`));

    // 3. The rounds on the map.
    await axe(page, 'the plan');
    const tables = page.locator('table.rounds-route');
    const nroutes = await tables.count();
    assert.ok(nroutes >= 1 && nroutes <= 2, `${nroutes} routes for one vehicle on two days`);
    const served = new Set();
    for (let k = 0; k < nroutes; k++) {
      const caption = norm(await tables.nth(k).locator('caption').innerText());
      assert.match(caption, new RegExp(`^${esc(VEHICLE)}, (mardi|jeudi) `), caption);
      const rows = await tables.nth(k).locator('tbody tr th[scope=row]').allInnerTexts();
      for (const r of rows)
        if (/^Chef-lieu de /.test(r))
          served.add(r.replace(/^Chef-lieu de /, ''));
    }
    assert.ok(served.size >= 1, 'at least one stop served');
    const lines = page.locator('svg.rounds-routes polyline');
    assert.equal(await lines.count(), nroutes, 'a line per route');
    const legend = await page.locator('.rounds-legend li').allInnerTexts();
    assert.equal(legend.length, nroutes);
    // The access map marks each stop served (its <title> names it).
    const mapText = await page.locator('figure.map svg').first().evaluate((s) => s.textContent);
    for (const c of served)
      assert.ok(mapText.includes(`Chef-lieu de ${c}`), `the access map marks the stop of ${c}`);
    await shoot(page, 'rounds-plan');

    // 4. Published from this week's Monday.
    const monday = mondayOf(parisToday());
    await page.locator('#publier-anchor_monday').fill(monday);
    await clickAndWait(page, page.getByRole('button', { name: 'Publier ce plan' }));
    assert.equal(new URL(page.url()).pathname, servicePath);
    assert.match(norm(await page.locator('#publication').locator('..').innerText()),
      new RegExp(`publiées depuis la semaine du ${monday}`));
    await axe(page, 'the published service');

    const visitor = await newPage(browser);
    await visit(visitor, `/tournees/${serviceId}`, 'the public timetable');
    const days = await visitor.locator('section.rounds-day h3').allInnerTexts();
    assert.ok(days.length >= 1, 'stops this week or next');
    for (const d of days)
      assert.match(d, /^(Mardi|Jeudi) /, `a stop on ${d}`);

    // 5. The finder.
    const api = await visitor.request.get(`${BASE}/api/v1/rounds/published/${serviceId}/timetable?from=${parisToday()}&to=${mondayOf(parisToday()).slice(0, 4)}-12-31`);
    assert.equal(api.status(), 200);
    const timetable = (await api.json()).stops;
    await visit(visitor, '/ou-me-soigner', 'the finder');
    await visitor.getByLabel('Votre commune ou votre code postal').fill('Fanjeaux');
    await clickAndWait(visitor, visitor.getByRole('button', { name: 'Chercher' }));
    await axe(visitor, 'the finder near Fanjeaux');
    const section = visitor.locator('section', { has: visitor.getByRole('heading', { name: 'Prochains passages des services itinérants' }) });
    assert.equal(await section.count(), 1, 'the next stops section');
    const items = section.locator('li');
    assert.ok(await items.count() >= 1);
    const texts = (await items.allInnerTexts()).map(norm);
    const listed = new Set(timetable.filter((o) => texts.some((t) => t.includes(o.stop))).map((o) => o.commune_code));
    const now = Date.now();
    const upcoming = timetable.filter((o) => !o.cancelled && !o.skipped_for_holidays &&
      listed.has(o.commune_code) && Date.parse(o.departure_utc) > now);
    assert.ok(upcoming.length >= 1, 'the timetable has an upcoming stop in a listed commune');
    upcoming.sort((a, b) => Date.parse(a.arrival_utc) - Date.parse(b.arrival_utc));
    assert.ok(texts[0].includes(upcoming[0].stop), `the first next stop ${texts[0]} is ${upcoming[0].stop}`);
    assert.ok(texts[0].includes(SERVICE));
    const [h, m] = upcoming[0].arrival.split(':').map(Number);
    const when = `${h} h ${String(m).padStart(2, '0')}`;
    assert.ok(texts[0].includes(when), `${texts[0]} gives the arrival ${when}`);
    await clickAndWait(visitor, items.first().getByRole('link', { name: SERVICE }));
    assert.equal(new URL(visitor.url()).pathname, `/tournees/${serviceId}`);
    await axe(visitor, 'the timetable from the finder');
    await shoot(visitor, 'rounds-finder-timetable');

    assert.deepEqual(consoleErrors, []);
  });
