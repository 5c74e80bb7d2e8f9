// The single window for health subsidies, end to end (issue 16, first
// "Done when" point), on a server made anew by run.sh:
//   - the city's contract manager makes a local health contract and an
//     action (the action the grants will feed);
//   - the city's instructor, who coordinates the window, makes it (the
//     city co-funds) and adds the ARS and the Département as co-funders;
//   - the association's applicant fills the CERFA-like form, its budget
//     asking each of the three co-funders an amount, uploads its pieces and
//     files the request;
//   - the lead routes it to the three, writes an internal note;
//   - the ARS asks a question, the association answers;
//   - the ARS and the city grant different amounts, the Département
//     refuses: « Accordée en partie »;
//   - the ARS's agreement PDF is downloaded; the ARS pays two instalments;
//   - the association files its final report;
//   - the contract's action shows the two fed budget lines.
// Accounts: "funding_applicant", "funding_lead", "funding_ars",
// "funding_departement" (and "funding_contract_manager", the city's
// manager: an instructor may neither create nor read a contract) of
// MG_ACCOUNTS; each logs in once, the instructors enrolling their second
// factor on the way. Every page visited is checked with axe-core. What the
// pages show is checked against what this file typed (sums made here).
// Written for Node 18: node:test only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { accountsFromEnv, Authenticator, mails, waitMail } from './accounts.mjs';
import { BASE, axeCheck, clickAndWait, consoleErrors, launch, newPage, norm, shoot } from './browser.mjs';

const TEST_TIMEOUT = 600_000;
const STAMP = Date.now();
const CONTRACT = `Contrat local de santé de la ville d'essai (exemple ${STAMP})`;
const ACTION = `Maison de santé itinérante dans les hameaux (exemple ${STAMP})`;
const WINDOW = `Guichet unique santé de la ville d'essai (exemple ${STAMP})`;
const PROJECT = `Bus santé du Razès (exemple ${STAMP})`;
const QUESTION = `Combien de tournées par mois le bus fera-t-il dans les hameaux ? (exemple ${STAMP})`;
const ANSWER = `Quatre tournées par mois, une par semaine, dans les six hameaux (exemple ${STAMP}).`;
const INTERNAL = `Note interne : la ville propose de financer le carburant seulement (exemple ${STAMP}).`;
const REFUSAL = `Projet hors des priorités départementales de cette année (exemple ${STAMP}).`;

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  if (browser)
    await browser.close();
});

// --- Amounts ------------------------------------------------------------------

// "12 500", "1 234,56" as typed → cents (computed here, not by the server).
function typedCents(s) {
  const t = s.replace(/[\s\u00a0\u202f€]/g, '');
  assert.match(t, /^\d+(,\d{1,2})?$/, `an amount typed in euros: "${s}"`);
  const [whole, dec = ''] = t.split(',');
  return Number(whole) * 100 + Number(dec.padEnd(2, '0'));
}

// An amount shown, in cents; it must be written the French way
// ("12 500 €", "1 234,56 €", any kind of space between the groups).
function shownCents(text) {
  const t = norm(text);
  assert.match(t, /^\d{1,3}( \d{3})*(,\d{2})? €$/, `an amount in French euros: "${text}"`);
  return typedCents(t);
}

// Cents written as the pages write them, spaces made plain (norm).
function euros(cents) {
  const whole = String(Math.floor(cents / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  const dec = cents % 100;
  return `${whole}${dec ? `,${String(dec).padStart(2, '0')}` : ''} €`;
}

// Today in Paris, as YYYY-MM-DD.
function parisToday() {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' });
  return f.format(new Date());
}

// --- Pages --------------------------------------------------------------------

// Opens a page, expects 200 and checks it with axe.
async function visit(page, p, what) {
  const res = await page.goto(BASE + p, { waitUntil: 'load' });
  assert.equal(res.status(), 200, `GET ${p}`);
  await axeCheck(page, what || p);
  return res;
}

// Submits with a button, expects to land on a page with `status` (after
// the 303), checks it with axe.
async function submit(page, button, what, status = 200) {
  const res = await clickAndWait(page, button);
  if (res.status() !== status) {
    let why = await page.locator('[role="alert"], .field-error, .error').allInnerTexts();
    if (!why.length)
      why = [(await page.locator('body').innerText()).slice(0, 500)];
    assert.fail(`${what}: ${res.status()} instead of ${status} at ${page.url()}: ${why.map(norm).join(' | ')}`);
  }
  await axeCheck(page, what);
  return res;
}

// Logs in once; an instructor enrols its second factor on the way (the
// key read from the page, the code computed here).
async function logIn(who, account, totp, ignore) {
  const page = await newPage(browser, {}, ignore);
  await visit(page, '/connexion', `the log-in page (${who})`);
  await page.locator('#connexion-email').fill(account.email);
  await page.locator('#connexion-password').fill(account.password);
  await clickAndWait(page, page.getByRole('button', { name: 'Se connecter' }));
  if (totp) {
    assert.equal(new URL(page.url()).pathname, '/compte/double-facteur', `${who}: sent to enrol`);
    await axeCheck(page, `the enrolment page (${who})`);
    await clickAndWait(page, page.getByRole('button', { name: 'Commencer' }));
    const key = norm(await page.locator('main p.key code').innerText());
    await axeCheck(page, `the enrolment key (${who})`);
    const app = new Authenticator(key);
    await page.locator('#totp-code').fill(await app.code());
    await submit(page, page.getByRole('button', { name: 'Activer la double authentification' }),
      `the account page once enrolled (${who})`);
    assert.equal(new URL(page.url()).pathname, '/compte', `${who}: enrolled`);
  } else {
    assert.notEqual(new URL(page.url()).pathname, '/connexion', `${who}: logged in`);
  }
  return page;
}

// The rows of the table with caption `caption` as objects keyed by the
// column heads.
async function tableObjects(page, caption) {
  const table = page.locator('table', { has: page.locator('caption', { hasText: caption }) }).first();
  assert.ok(await table.count(), `a table "${caption}"`);
  return table.evaluate((t) => {
    const clean = (s) => s.replace(/[\u202f\u00a0]/g, ' ').replace(/\s+/g, ' ').trim();
    const heads = [...t.querySelectorAll('thead th')].map((h) => clean(h.innerText));
    return [...t.querySelectorAll('tbody tr')].map((r) => {
      const cells = [...r.querySelectorAll('th, td')].map((c) => clean(c.innerText));
      return Object.fromEntries(heads.map((h, i) => [h, cells[i]]));
    });
  });
}

// The co-funders' positions on the request page, by co-funder name.
async function parts(page) {
  const rows = await tableObjects(page, 'Chaque cofinanceur et sa position sur la demande');
  return new Map(rows.map((r) => [r.Cofinanceur.replace(/ \(ajouté par le guichet\)$/, ''), r]));
}

async function requestState(page) {
  return norm(await page.locator('main p.state strong').first().innerText());
}

// A minimal valid PDF written into a temporary folder.
function pdfFile(dir, name, text) {
  const objs = ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>'];
  let body = '%PDF-1.4\n';
  const offsets = [];
  objs.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n` +
    offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('') +
    `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R /Info << /Title (${text}) >> >>\nstartxref\n${xref}\n%%EOF\n`;
  const file = path.join(dir, name);
  fs.writeFileSync(file, body, 'latin1');
  return file;
}

test('the single window: a request to three co-funders, routed, questioned, granted in part, paid, reported, and the contract action fed', { timeout: TEST_TIMEOUT }, async () => {
  const started = Date.now();
  const accounts = accountsFromEnv();
  const [applicant, lead, ars, dept, cm] = ['funding_applicant', 'funding_lead', 'funding_ars',
    'funding_departement', 'funding_contract_manager'].map((k) => {
    assert.ok(accounts[k], `run.sh made the account ${k}`);
    return accounts[k];
  });
  const mailDir = process.env.MG_MAIL_DIR;
  assert.ok(mailDir, 'MG_MAIL_DIR is set');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'maillage-funding-'));
  const seen = new Set(mails(mailDir).map((m) => m.file));

  // --- The city's contract and its action (the contract manager) --------
  const cmPage = await logIn('contract manager', cm, false);
  await visit(cmPage, '/contrats', 'the contracts page');
  await cmPage.getByLabel('Organisation porteuse').selectOption(String(cm.organisation));
  await cmPage.getByLabel('Type de contrat').selectOption('cls');
  await cmPage.getByLabel('Intitulé').fill(CONTRACT);
  const territory = await cmPage.getByLabel('Territoire').evaluate((s) =>
    [...s.options].map((o) => o.value).find((v) => v));
  assert.ok(territory, 'a territory to choose');
  await cmPage.getByLabel('Territoire').selectOption(territory);
  await cmPage.getByLabel('Début').fill('01/01/2026');
  await cmPage.getByLabel('Fin', { exact: true }).fill('31/12/2030');
  await cmPage.getByLabel('Statut').selectOption('signed');
  await submit(cmPage, cmPage.getByRole('button', { name: 'Créer le contrat' }), 'a new contract');
  const contractPath = new URL(cmPage.url()).pathname;
  assert.match(contractPath, /^\/contrats\/\d+$/);
  await cmPage.locator('#action-title').fill(ACTION);
  await submit(cmPage, cmPage.getByRole('button', { name: "Ajouter l'action" }), 'the contract with its action');
  if (!/\/actions\/\d+$/.test(new URL(cmPage.url()).pathname)) {
    await visit(cmPage, contractPath, 'the contract with its action');
    await submit(cmPage, cmPage.getByRole('link', { name: ACTION }), "the action's page");
  }
  const actionPath = new URL(cmPage.url()).pathname;
  const actionId = actionPath.match(/^\/contrats\/\d+\/actions\/(\d+)$/)?.[1];
  assert.ok(actionId, `an action's page: ${actionPath}`);
  assert.match(norm(await cmPage.locator('main').innerText()), /Aucune ligne budgétaire pour cette action/);

  // --- The window, led by the city, which co-funds with ARS and Département
  const leadPage = await logIn('lead', lead, true);
  await visit(leadPage, '/guichet/guichets', 'the windows page');
  await leadPage.locator('#guichet-lead').selectOption(String(lead.organisation));
  await leadPage.locator('#guichet-title').fill(WINDOW);
  await leadPage.locator('#guichet-lead_funds').selectOption('1');
  await submit(leadPage, leadPage.getByRole('button', { name: 'Créer le guichet' }), 'a new window');
  const windowPath = new URL(leadPage.url()).pathname;
  const windowId = windowPath.match(/^\/guichet\/guichets\/(\d+)$/)?.[1];
  assert.ok(windowId, `a window's page: ${windowPath}`);
  for (const org of [ars.organisation, dept.organisation]) {
    await leadPage.locator('#cofinanceur-funder').selectOption(String(org));
    await submit(leadPage, leadPage.getByRole('button', { name: 'Ajouter le cofinanceur' }), 'the window with a new co-funder');
  }
  const funderItems = (await leadPage.locator('section[aria-labelledby="cofinanceurs"] li').allInnerTexts()).map(norm);
  assert.equal(funderItems.length, 3, `three co-funders: ${funderItems.join(' | ')}`);

  // --- The association fills and files its request ---------------------
  const appPage = await logIn('applicant', applicant, false);
  await visit(appPage, `/guichet/demandes/nouvelle?guichet=${windowId}`, 'the new request form');
  assert.match(await appPage.locator('#f-name').inputValue(), /Association Santé partagée du Razès/, 'the name prefilled');
  const siret = (await appPage.locator('#f-siret').inputValue()).replace(/\s/g, '');
  assert.match(siret, /^\d{14}$/, 'the SIRET prefilled from the organisation');
  assert.match(await appPage.locator('#f-rna').inputValue(), /^W\w{9}$/, 'the RNA prefilled');
  const fields = {
    address: '2 place de la République (exemple)', postcode: '11300', city: 'Limoux',
    email: applicant.email, representative_role: "Présidente de l'association",
    contact_role: 'Coordinatrice du projet', title: PROJECT,
    objectives: 'Amener une consultation de médecine générale et de prévention dans les hameaux sans offre de soins.',
    description: 'Un bus aménagé tient une permanence hebdomadaire avec une infirmière et une médecin en téléconsultation.',
    target_publics: 'Personnes âgées isolées, familles sans véhicule',
    starts_on: '01/01/2027', ends_on: '31/12/2027',
    evaluation: 'Nombre de consultations, part des habitants vus au moins une fois dans l’année.',
    action: actionId,
  };
  for (const [k, v] of Object.entries(fields))
    await appPage.locator(`#f-${k}`).fill(v);
  // The budget: the CERFA's table, one amount per account (inputs
  // amount_<account>) and, on account 74, one per co-funder of the window
  // (amount_74_<organisation id>).
  const expenses = [['64', '18 500'], ['61', '4 250,50'], ['60', '1 249,50']];
  const asked = [[lead.organisation, '6 000'], [ars.organisation, '9 500'], [dept.organisation, '5 000']];
  const own = ['75', '3 500'];
  const expenseTotal = expenses.reduce((s, l) => s + typedCents(l[1]), 0);
  const resourceTotal = asked.reduce((s, a) => s + typedCents(a[1]), 0) + typedCents(own[1]);
  assert.equal(expenseTotal, resourceTotal, 'the budget typed is balanced');
  for (const [acc, amount] of [...expenses, own])
    await appPage.locator(`#f-amount_${acc}`).fill(amount);
  for (const [org, amount] of asked)
    await appPage.locator(`#f-amount_74_${org}`).fill(amount);
  const res = await clickAndWait(appPage, appPage.getByRole('button', { name: 'Enregistrer le brouillon' }));
  if (res.status() !== 200)
    assert.fail(`the draft request: ${res.status()}: ${norm(await appPage.locator('body').innerText()).slice(0, 600)}`);
  await axeCheck(appPage, 'the draft request');
  const requestPath = new URL(appPage.url()).pathname;
  const requestId = requestPath.match(/^\/guichet\/demandes\/(\d+)$/)?.[1];
  assert.ok(requestId, `a request's page: ${requestPath}`);
  assert.equal(await requestState(appPage), 'Brouillon');
  // Its pieces: statutes, bank details, the signed attestation.
  for (const [kind, name] of [['statutes', 'statuts.pdf'], ['bank_details', 'rib.pdf'], ['attestation', 'attestation-signee.pdf']]) {
    await appPage.locator('#piece-kind').selectOption(kind);
    await appPage.locator('#piece-file').setInputFiles(pdfFile(tmp, name, `${kind} (exemple)`));
    await submit(appPage, appPage.getByRole('button', { name: 'Ajouter la pièce' }), `the request with its piece ${kind}`);
  }
  const pieces = (await tableObjects(appPage, 'Pièces de la demande')).map((r) => Object.values(r).join(' '));
  for (const name of ['statuts.pdf', 'rib.pdf', 'attestation-signee.pdf'])
    assert.ok(pieces.some((p) => p.includes(name)), `the piece ${name} is listed`);
  await submit(appPage, appPage.getByRole('button', { name: 'Déposer la demande auprès des cofinanceurs' }), 'the filed request');
  assert.equal(new URL(appPage.url()).pathname, requestPath);
  assert.equal(await requestState(appPage), 'Déposée');
  // The budget as filed: the totals of what was typed.
  const content = norm(await appPage.locator('section[aria-labelledby="contenu-demande"]').innerText());
  assert.ok(content.includes(euros(expenseTotal)), `the total ${euros(expenseTotal)} is shown`);
  await shoot(appPage, 'funding-filed-request');

  // --- The lead routes it to the three and writes an internal note ------
  const names = new Map();
  await visit(leadPage, requestPath, 'the filed request, for the lead');
  let p = await parts(leadPage);
  assert.equal(p.size, 3, 'three parts');
  for (const [org, amount] of asked) {
    const label = await leadPage.locator(`#orientation-funder_${org}`).evaluate((e) => e.labels[0].innerText);
    const name = norm(label).replace(/ \([^()]*demandés\)$/, '');
    names.set(org, name);
    const row = p.get(name);
    assert.ok(row, `a part for ${name}`);
    assert.equal(row['État'], 'Adressée, à orienter', `${name}: addressed`);
    assert.equal(shownCents(row['Montant demandé']), typedCents(amount), `${name}: the amount asked`);
  }
  await submit(leadPage, leadPage.getByRole('button', { name: 'Orienter vers les cofinanceurs cochés' }), 'the routed request');
  p = await parts(leadPage);
  for (const [org] of asked)
    assert.equal(p.get(names.get(org))['État'], 'Reçue, à instruire', `${names.get(org)}: received`);
  for (const who of [ars, dept]) {
    const m = await waitMail(mailDir, who.email, new RegExp(`n° ${requestId} : à instruire`), 20_000, seen);
    assert.ok(m, `${who.email} is told the request is to be instructed`);
    seen.add(m.file);
  }
  await leadPage.locator('#message-kind').selectOption('internal');
  await leadPage.locator('#message-body').fill(INTERNAL);
  await submit(leadPage, leadPage.getByRole('button', { name: 'Envoyer le message' }), 'the request with an internal note');
  assert.ok(norm(await leadPage.locator('#messages').innerText()).includes(INTERNAL), 'the lead sees its note');

  // --- The ARS asks a question, the association answers -----------------
  const arsPage = await logIn('ARS instructor', ars, true);
  await visit(arsPage, requestPath, 'the routed request, for the ARS');
  assert.ok(norm(await arsPage.locator('#messages').innerText()).includes(INTERNAL), 'a co-funder sees the internal note');
  await arsPage.locator(`#question-${ars.organisation}-body`).fill(QUESTION);
  await submit(arsPage, arsPage.locator(`#question-${ars.organisation}`).getByRole('button', { name: 'Envoyer la question' }), 'the request with a question');
  p = await parts(arsPage);
  assert.equal(p.get(names.get(ars.organisation))['État'], 'À compléter', 'the ARS part waits for the answer');
  assert.equal(p.get(names.get(lead.organisation))['État'], 'Reçue, à instruire', 'the city part is unchanged');
  const questionMail = await waitMail(mailDir, applicant.email, /une question vous est posée/, 20_000, seen);
  assert.ok(questionMail, 'the applicant is mailed the question');
  seen.add(questionMail.file);
  assert.match(questionMail.headers.subject, new RegExp(`n° ${requestId}\\b`));

  await visit(appPage, requestPath, 'the request with a question, for the applicant');
  assert.equal(await requestState(appPage), 'À compléter');
  let main = norm(await appPage.locator('main').innerText());
  assert.ok(main.includes(QUESTION), 'the applicant reads the question');
  assert.ok(!main.includes(INTERNAL) && !(await appPage.content()).includes(INTERNAL.slice(0, 40)),
    'the applicant never sees the internal note');
  await appPage.getByLabel('Votre réponse').fill(ANSWER);
  await submit(appPage, appPage.getByRole('button', { name: 'Envoyer la réponse' }), 'the request answered');
  main = norm(await appPage.locator('#messages').innerText());
  assert.ok(main.includes(QUESTION) && main.includes(ANSWER), 'the applicant sees the question and its answer');
  assert.ok(!(await appPage.content()).includes(INTERNAL.slice(0, 40)), 'still no internal note for the applicant');
  await visit(arsPage, requestPath, 'the answered request, for the ARS');
  main = norm(await arsPage.locator('#messages').innerText());
  assert.ok(main.includes(QUESTION) && main.includes(ANSWER), 'the ARS sees the question and its answer');
  p = await parts(arsPage);
  assert.notEqual(p.get(names.get(ars.organisation))['État'], 'À compléter', 'the answer ends the wait');

  // --- Decisions: the ARS and the city grant, the Département refuses ---
  const granted = new Map([[ars.organisation, '8 750'], [lead.organisation, '4 500,50']]);
  const decide = async (page, org, decision, amount, reason, who) => {
    await page.locator(`#decision-${org}-decision`).selectOption(decision);
    if (amount)
      await page.locator(`#decision-${org}-amount`).fill(amount);
    if (reason)
      await page.locator(`#decision-${org}-reason`).fill(reason);
    await submit(page, page.locator(`#decision-${org}`).getByRole('button', { name: 'Enregistrer la décision' }), `the request decided by ${who}`);
    const m = await waitMail(mailDir, applicant.email, /décision d'un cofinanceur/, 20_000, seen);
    assert.ok(m, `the applicant is mailed the decision of ${who}`);
    seen.add(m.file);
  };
  await decide(arsPage, ars.organisation, 'grant', granted.get(ars.organisation), null, 'the ARS');
  p = await parts(arsPage);
  assert.equal(p.get(names.get(ars.organisation))['État'], 'Accordée');
  assert.equal(p.get(names.get(ars.organisation))['Montant accordé'], euros(typedCents(granted.get(ars.organisation))));
  const deptPage = await logIn('Département instructor', dept, true);
  await visit(deptPage, requestPath, 'the request, for the Département');
  await decide(deptPage, dept.organisation, 'refuse', null, REFUSAL, 'the Département');
  await visit(leadPage, requestPath, 'the request, for the lead, before its decision');
  await decide(leadPage, lead.organisation, 'grant', granted.get(lead.organisation), null, 'the city');
  p = await parts(leadPage);
  const expectState = new Map([[ars.organisation, 'Accordée'], [lead.organisation, 'Accordée'], [dept.organisation, 'Refusée']]);
  for (const [org, state] of expectState) {
    const row = p.get(names.get(org));
    assert.equal(row['État'], state, `${names.get(org)}: ${state}`);
    if (granted.has(org))
      assert.equal(shownCents(row['Montant accordé']), typedCents(granted.get(org)), `${names.get(org)}: granted`);
    else
      assert.equal(row['Montant accordé'], '—');
  }
  assert.equal(await requestState(leadPage), 'Accordée en partie');

  await visit(appPage, requestPath, 'the decided request, for the applicant');
  assert.equal(await requestState(appPage), 'Accordée en partie');
  p = await parts(appPage);
  assert.equal(p.get(names.get(dept.organisation))['État'], 'Refusée');
  assert.ok(p.get(names.get(dept.organisation))['Décision'].includes(REFUSAL), 'the applicant reads why');
  for (const [org, amount] of granted)
    assert.equal(p.get(names.get(org))['Montant accordé'], euros(typedCents(amount)), `${names.get(org)} granted, in French`);
  assert.ok(!('Avis' in p.get(names.get(ars.organisation))), 'no opinions column for the applicant');
  await shoot(appPage, 'funding-decided-request');

  // --- The ARS's agreement as PDF ----------------------------------------
  const agreement = appPage.getByRole('link', { name: `Convention de financement de ${names.get(ars.organisation)} (PDF)` });
  assert.equal(await agreement.count(), 1, "a link to the ARS's agreement");
  const href = await agreement.getAttribute('href');
  const got = await appPage.request.get(BASE + href);
  assert.equal(got.status(), 200, 'the agreement');
  assert.equal(got.headers()['content-type'], 'application/pdf');
  assert.match(got.headers()['content-disposition'] || '', /attachment/);
  const pdf = await got.body();
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.ok(pdf.length > 1000, `the agreement: ${pdf.length} bytes`);
  // Its text (pdftotext, poppler-utils, as the unit tests use it): the
  // project, the co-funder and the amount granted.
  const pdfPath = path.join(tmp, 'convention.pdf');
  fs.writeFileSync(pdfPath, pdf);
  const pdfText = norm(execFileSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' }));
  assert.ok(pdfText.includes(PROJECT.slice(0, 30)), 'the agreement names the project');
  assert.ok(pdfText.includes(euros(typedCents(granted.get(ars.organisation))).replace(' €', '')),
    `the agreement states the amount granted (${euros(typedCents(granted.get(ars.organisation)))})`);

  // --- The ARS pays two instalments ------------------------------------
  const instalments = ['5 000', '3 750'];
  const arsGranted = typedCents(granted.get(ars.organisation));
  const paidTotal = instalments.reduce((s, a) => s + typedCents(a), 0);
  assert.equal(paidTotal, arsGranted, 'the two instalments pay the whole grant');
  await visit(arsPage, requestPath, 'the granted request, for the ARS');
  const today = parisToday();
  for (const [i, amount] of instalments.entries()) {
    const f = `#versement-${ars.organisation}`;
    await arsPage.locator(`${f}-paid_on`).fill(today);
    await arsPage.locator(`${f}-amount`).fill(amount);
    await arsPage.locator(`${f}-conditions`).fill(i === 0 ? 'Convention signée (exemple)' : 'Bilan intermédiaire reçu (exemple)');
    await submit(arsPage, arsPage.locator('form', { has: arsPage.locator(`${f}-amount`) }).getByRole('button', { name: 'Enregistrer le versement' }), `the request with instalment ${i + 1}`);
  }
  const payments = await tableObjects(arsPage, `Versements de ${names.get(ars.organisation)}`);
  assert.deepEqual(payments.map((r) => shownCents(r.Montant)), instalments.map(typedCents), 'the two instalments listed');
  const facts = arsPage.locator(`h3#versements-${ars.organisation} + dl`);
  const fact = async (dt) => shownCents(await facts.locator('dt', { hasText: dt }).locator('xpath=following-sibling::dd[1]').innerText());
  assert.equal(await fact('Accordé'), arsGranted);
  assert.equal(await fact('Versé'), paidTotal, 'the paid total');
  assert.equal(await fact('Reste à verser'), arsGranted - paidTotal);
  assert.equal(await arsPage.locator(`#versement-${ars.organisation}-amount`).count(), 0, 'nothing left to pay: no form');

  // --- The association's home of the window: each co-funder's position --
  await visit(appPage, '/guichet', "the applicant's single window");
  const home = appPage.locator(`section[aria-labelledby="demande-${requestId}"]`);
  assert.equal(await home.count(), 1, 'the request on the home page');
  const homeRows = await home.locator('table tbody tr').evaluateAll((rs) => rs.map((r) =>
    [...r.querySelectorAll('th, td')].map((c) => c.innerText.replace(/[\u202f\u00a0]/g, ' ').replace(/\s+/g, ' ').trim())));
  assert.equal(homeRows.length, 3, 'three co-funders on the home page');
  const paidOf = new Map([[ars.organisation, paidTotal], [lead.organisation, 0], [dept.organisation, 0]]);
  for (const [org, amount] of asked) {
    const r = homeRows.find((x) => x[0] === names.get(org));
    assert.ok(r, `${names.get(org)} on the home page`);
    assert.equal(r[1], expectState.get(org));
    assert.equal(shownCents(r[2]), typedCents(amount), `${names.get(org)}: asked, on the home page`);
    assert.equal(shownCents(r[3]), granted.has(org) ? typedCents(granted.get(org)) : 0, `${names.get(org)}: granted, on the home page`);
    assert.equal(shownCents(r[4]), paidOf.get(org), `${names.get(org)}: paid, on the home page`);
  }

  // --- The association files its final report --------------------------
  await visit(appPage, requestPath, 'the paid request, for the applicant');
  await submit(appPage, appPage.getByRole('link', { name: 'Saisir le compte rendu financier' }), 'the final report form');
  const planned = await appPage.locator('input[id^="cr-ligne-"][id$="-montant"]').evaluateAll((es) =>
    es.map((e) => [e.id, e.closest('tr').querySelectorAll('td')[1]?.innerText || '']));
  let reported = 0;
  for (const [id, plannedText] of planned) {
    if (!norm(plannedText))
      continue;
    const c = shownCents(plannedText);
    reported += c;
    await appPage.locator(`#${id}`).fill(euros(c).replace(' €', ''));
  }
  assert.equal(reported, expenseTotal + resourceTotal, 'every planned line reported as done');
  await submit(appPage, appPage.getByRole('button', { name: 'Déposer le compte rendu' }), 'the filed final report');
  await visit(appPage, requestPath, 'the request with its final report');
  assert.match(norm(await appPage.locator('main').innerText()), /Compte rendu financier Déposé le \d{2}\/\d{2}\/\d{4}/, 'the report is filed');
  await shoot(appPage, 'funding-reported-request');

  // --- What the co-funders and the lead see of it afterwards -----------
  await visit(arsPage, `/guichet/financeurs/${ars.organisation}`, "the ARS's requests and figures");
  assert.ok(norm(await arsPage.locator('main').innerText()).includes(PROJECT), 'the request among the ARS\'s');
  await visit(leadPage, windowPath, 'the window with its request, for the lead');
  assert.ok(norm(await leadPage.locator('main').innerText()).includes(PROJECT), 'the request among the window\'s');
  await visit(leadPage, `${requestPath}/compte-rendu`, 'the filed final report, for the lead');
  assert.match(norm(await leadPage.locator('main').innerText()), /Déposé le \d{2}\/\d{2}\/\d{4}/, 'the lead reads the filed report');
  assert.equal(await leadPage.getByRole('button', { name: 'Déposer le compte rendu' }).count(), 0, 'no report form for the lead');

  // --- The contract's action, fed by the two grants ----------------------
  await visit(cmPage, actionPath, "the action's page, fed by the grants");
  const lines = await tableObjects(cmPage, "Lignes budgétaires de l'action");
  const fed = lines.filter((r) => /ligne issue d'une demande de subvention/.test(r.Origine));
  assert.equal(fed.length, 2, `two fed lines: ${JSON.stringify(lines)}`);
  const paidBy = new Map([[ars.organisation, paidTotal], [lead.organisation, 0]]);
  for (const [org, amount] of granted) {
    const row = fed.find((r) => r.Financeur === names.get(org));
    assert.ok(row, `a fed line of ${names.get(org)}`);
    assert.equal(shownCents(row['Prévu']), typedCents(amount), `${names.get(org)}: planned = granted`);
    assert.equal(shownCents(row['Engagé']), typedCents(amount), `${names.get(org)}: committed = granted`);
    assert.equal(shownCents(row['Payé']), paidBy.get(org), `${names.get(org)}: paid = the instalments`);
    assert.equal(row['Année'], fields.starts_on.slice(-4), `${names.get(org)}: the project's year`);
  }
  assert.ok(!fed.some((r) => r.Financeur === names.get(dept.organisation)), 'no line for the refusal');
  const totalRow = await cmPage.locator('table', { has: cmPage.locator('caption', { hasText: "Lignes budgétaires de l'action" }) })
    .locator('tfoot tr').first().evaluate((r) => [...r.querySelectorAll('th, td')].map((c) => c.innerText));
  const grantedTotal = [...granted.values()].reduce((s, a) => s + typedCents(a), 0);
  assert.equal(shownCents(totalRow[1]), grantedTotal, "the action's planned total (no other line)");
  assert.equal(shownCents(totalRow[2]), grantedTotal, "the action's committed total");
  assert.equal(shownCents(totalRow[3]), paidTotal, "the action's paid total");
  await shoot(cmPage, 'funding-fed-action');

  console.log(`funding story walked in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  fs.rmSync(tmp, { recursive: true, force: true });
  assert.deepEqual(consoleErrors, []);
});
