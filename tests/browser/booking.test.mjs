// The booking of the shared telehealth equipment, end to end (issue 17,
// the browsers' "Done when": the public books and cancels from a
// phone-sized window; the host's day; the teleconsultant sees only their
// appointments; axe-clean), on the network run.sh sets up (MG_BOOKING: a
// cabin at Bram, a cart at Fanjeaux, both open at any hour; a
// teleconsultant for general practice, one for specialists):
//   1. the public, on a phone, searches Bram, picks a free slot, books it
//      with initials and a phone number, reads the code, finds the booking
//      with it, cancels it, and sees the slot offered again;
//   2. a second public booking, kept;
//   3. the host of the Bram site: the day's list with the kept booking and
//      its phone, « Arrivé », a walk-in « Recevoir maintenant », the next
//      day's reminder list (as the command line prints it), a maintenance
//      block over a booking, listed as affected;
//   4. the general practice teleconsultant: their appointments, none of the
//      specialist's (booked by the command line at Fanjeaux and at Bram, a
//      site both serve), no phone number (the sites do not share it), the
//      calendar feed (text/calendar);
//   5. the owner's manager: the network, the usage (the command line's
//      figures), its XLSX, the map.
// Every page is checked with axe-core (no violation at all, whatever its
// impact); each account logs in once. Expected values come from what this
// file typed or picked, and from `maillage booking` (MG_BOOKING_MAILLAGE on
// MG_BOOKING_DATABASE), never from the page under test.
// Written for Node 18: node:test only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { accountsFromEnv } from './accounts.mjs';
import { BASE, axeCheck, clickAndWait, consoleErrors, launch, newPage, norm, shoot } from './browser.mjs';

const TEST_TIMEOUT = 600_000;
const PHONE_SIZED = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
  deviceScaleFactor: 2 };

// The people: initials and numbers of the block ARCEP keeps for fiction
// (data/demo/booking/README.md), one each.
const CANCELLED = { person: 'A. B.', phone: '06 39 98 00 21' };
const KEPT = { person: 'C. D.', phone: '06 39 98 00 22' };
const WALK_IN = { person: 'E. F.', phone: '06 39 98 00 23' };
const TOMORROW = { person: 'G. H.', phone: '06 39 98 00 24' };
const SPECIALIST = { person: 'J. K.', phone: '06 39 98 00 25' };
const MAINTENANCE_LABEL = 'Révision annuelle de la cabine (exemple)';

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  if (browser)
    await browser.close();
});

// --- Time, computed here --------------------------------------------------

const WEEKDAYS = ['dimanche', 'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi'];
const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août',
  'septembre', 'octobre', 'novembre', 'décembre'];

// The Paris civil date and time of an instant: {day: "YYYY-MM-DD", hm: "HH:MM"}.
function paris(date = new Date()) {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric',
    month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const p = Object.fromEntries(f.formatToParts(date).map((x) => [x.type, x.value]));
  return { day: `${p.year}-${p.month}-${p.day}`, hm: `${p.hour}:${p.minute}` };
}

// "YYYY-MM-DD" plus n days (calendar days).
function addDays(day, n) {
  const [y, m, d] = day.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return t.toISOString().slice(0, 10);
}

// "YYYY-MM-DDTHH:MM" (Paris) → "samedi 5 décembre 2026 à 9 h 05".
function frWhen(local) {
  const m = local.match(/^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/);
  assert.ok(m, `a local time: ${local}`);
  const [y, mo, d, h, mi] = m.slice(1).map(Number);
  const wd = new Date(Date.UTC(y, mo - 1, d)).getUTCDay();
  return `${WEEKDAYS[wd]} ${d}${d === 1 ? 'er' : ''} ${MONTHS[mo - 1]} ${y} à ${h} h ${String(mi).padStart(2, '0')}`;
}

// "HH:MM" → "9 h 05", as the host's lists write times.
function frHm(hm) {
  const [h, m] = hm.split(':').map(Number);
  return `${h} h ${String(m).padStart(2, '0')}`;
}

// "HH:MM" + minutes → "HH:MM" (same day, no wrap expected by the callers).
function hmPlus(hm, minutes) {
  const [h, m] = hm.split(':').map(Number);
  const t = h * 60 + m + minutes;
  return `${String(Math.floor(t / 60) % 24).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
}

// "06 39 98 00 21" → "+33639980021".
function e164(phone) {
  const digits = phone.replace(/\D/g, '');
  assert.match(digits, /^0\d{9}$/, `a French number: ${phone}`);
  return `+33${digits.slice(1)}`;
}

// --- The command line -----------------------------------------------------

function cli(...args) {
  const bin = process.env.MG_BOOKING_MAILLAGE;
  const db = process.env.MG_BOOKING_DATABASE;
  assert.ok(bin && db, 'run.sh exported MG_BOOKING_MAILLAGE and MG_BOOKING_DATABASE');
  return execFileSync(bin, ['booking', args[0], '--database', db, ...args.slice(1)],
    { encoding: 'utf8' });
}

// A small CSV reader (RFC 4180 quotes), the command line's output.
function csv(text) {
  const rows = [];
  for (const line of text.split('\n').filter((l) => l.length)) {
    const cells = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (ch === '"') {
          quoted = false;
        } else {
          cur += ch;
        }
      } else if (ch === '"') {
        quoted = true;
      } else if (ch === ',') {
        cells.push(cur);
        cur = '';
      } else {
        cur += ch;
      }
    }
    cells.push(cur);
    rows.push(cells);
  }
  const [head, ...body] = rows;
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}

// Books by the command line: {id, start: "YYYY-MM-DDTHH:MM", code}.
function cliBook(site, who, kind, after) {
  const out = cli('book', '--site', String(site), '--person', who.person, '--phone', who.phone,
    '--kind', kind, ...(after ? ['--after', after] : [])).trim();
  const m = out.match(/^(\d+),(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}),([0-9A-Z-]+)$/);
  assert.ok(m, `maillage booking book printed id,start,code: ${out}`);
  return { id: Number(m[1]), start: m[2], code: m[3] };
}

// --- Pages ----------------------------------------------------------------

// Every violation fails, whatever its impact.
async function axe(page, what) {
  await axeCheck(page, what, { strict: true });
}

async function visit(page, p, what) {
  const res = await page.goto(BASE + p, { waitUntil: 'load' });
  assert.equal(res.status(), 200, `GET ${p}`);
  await axe(page, what || p);
  return res;
}

async function submit(page, button, what, status = 200) {
  const res = await clickAndWait(page, button);
  if (res.status() !== status) {
    let why = await page.locator('[role="alert"], .field-error, .error').allInnerTexts();
    if (!why.length)
      why = [(await page.locator('body').innerText()).slice(0, 500)];
    assert.fail(`${what}: ${res.status()} instead of ${status} at ${page.url()}: ${why.map(norm).join(' | ')}`);
  }
  await axe(page, what);
  return res;
}

// The public's pages fit a phone's width: nothing to scroll sideways.
async function noSideScroll(page, what) {
  const [sw, iw] = await page.evaluate(() => [document.scrollingElement.scrollWidth, window.innerWidth]);
  assert.ok(sw <= iw, `${what}: ${sw} px wide in a ${iw} px window (horizontal scroll)`);
}

async function logIn(who, account) {
  const page = await newPage(browser);
  await visit(page, '/connexion', `the log-in page (${who})`);
  await page.locator('#connexion-email').fill(account.email);
  await page.locator('#connexion-password').fill(account.password);
  await clickAndWait(page, page.getByRole('button', { name: 'Se connecter' }));
  assert.notEqual(new URL(page.url()).pathname, '/connexion', `${who}: logged in`);
  await axe(page, `the page after logging in (${who})`);
  return page;
}

// The rows of the table with caption `caption` (its start) as objects keyed
// by the column heads.
async function tableObjects(page, caption, scope = page) {
  const table = scope.locator('table', { has: page.locator('caption', { hasText: caption }) }).first();
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

// The slot a public link names: {href, site, device, tc, kind, start, text}.
async function slotLinks(scope) {
  return scope.locator('ul.booking-slots a').evaluateAll((as) => as.map((a) => {
    const u = new URL(a.href);
    return { href: u.pathname + u.search, site: u.searchParams.get('site'),
      device: u.searchParams.get('device'), tc: u.searchParams.get('tc'),
      kind: u.searchParams.get('kind'), start: u.searchParams.get('start'),
      text: a.innerText.replace(/[\u202f\u00a0]/g, ' ').replace(/\s+/g, ' ').trim() };
  }));
}

// The booking summary (<dl class="booking-summary">) as {Quand, Où, …}.
async function summary(page) {
  return page.locator('dl.booking-summary').first().evaluate((dl) => {
    const clean = (s) => s.replace(/[\u202f\u00a0]/g, ' ').replace(/\s+/g, ' ').trim();
    const out = {};
    for (const dt of dl.querySelectorAll('dt'))
      out[clean(dt.innerText)] = clean(dt.nextElementSibling.innerText);
    return out;
  });
}

// Books the slot `slot` from its form on a phone; the code shown.
async function bookSlot(page, slot, who, what) {
  await visit(page, slot.href, `the booking form (${what})`);
  await noSideScroll(page, `the booking form (${what})`);
  assert.equal((await summary(page)).Quand, frWhen(slot.start), `${what}: the slot picked`);
  await page.locator('#tc-person').fill(who.person);
  await page.locator('#tc-phone').fill(who.phone);
  await page.locator('#tc-accord').check();
  await submit(page, page.getByRole('button', { name: 'Réserver ce créneau' }), `the code page (${what})`);
  await noSideScroll(page, `the code page (${what})`);
  assert.equal(norm(await page.locator('h1').innerText()), 'Rendez-vous réservé', what);
  const code = norm(await page.locator('p.booking-code strong').innerText());
  assert.match(code, /^[0-9A-Z]{5}-[0-9A-Z]{5}$/, `${what}: a code of ten letters and digits`);
  const s = await summary(page);
  assert.equal(s.Quand, frWhen(slot.start), `${what}: the booked slot`);
  return code;
}

test('telehealth equipment: the public books and cancels on a phone, the host runs the day, the teleconsultant sees their own, the owner reads the usage', { timeout: TEST_TIMEOUT }, async () => {
  const started = Date.now();
  assert.equal(process.env.MG_BOOKING_SETUP, 'ok', 'run.sh set the network up');
  const net = JSON.parse(process.env.MG_BOOKING);
  const accounts = accountsFromEnv();
  const [hostAccount, tcAccount, ownerAccount] = ['booking_host', 'booking_teleconsultant',
    'booking_network'].map((k) => {
    assert.ok(accounts[k], `run.sh made the account ${k}`);
    return accounts[k];
  });
  const siteA = net.site_a;
  const siteB = net.site_b;

  // --- 1. The public, on a phone: search, book, find, cancel --------------
  const phone = await newPage(browser, PHONE_SIZED);
  await visit(phone, '/teleconsultation', 'the public booking page (phone)');
  await noSideScroll(phone, 'the public booking page');
  await phone.locator('#tc-commune').fill(siteA.commune);
  await submit(phone, phone.getByRole('button', { name: 'Voir les créneaux' }), 'the slots near Bram (phone)');
  await noSideScroll(phone, 'the slots near Bram');
  assert.equal(new URL(phone.url()).searchParams.get('commune'), siteA.commune);
  const items = phone.locator('li.finder-item');
  const names = (await items.locator('h3').allInnerTexts()).map(norm);
  assert.equal(names[0], siteA.name, 'the site in the commune comes first');
  assert.ok(names.includes(siteB.name), `the Fanjeaux site is within reach: ${names}`);
  const itemA = items.filter({ has: phone.locator('h3', { hasText: siteA.name }) });
  const near = await slotLinks(itemA);
  assert.ok(near.length >= 3, `slots at Bram: ${near.length}`);
  const now = paris();
  for (const s of near) {
    assert.equal(s.site, String(siteA.id));
    assert.equal(s.kind, 'gp', 'general practice, the default kind');
    assert.equal(s.text, frWhen(s.start), 'a slot says its day and time');
    assert.ok(`${s.start}` > `${now.day}T${now.hm}`, `a slot to come: ${s.start}`);
  }
  assert.deepEqual(near.map((s) => s.start), [...near.map((s) => s.start)].sort(), 'in time order');
  // Not the first slot: it may begin before the cancellation comes.
  const first = near[2];
  await clickAndWait(phone, itemA.getByRole('link', { name: first.text, exact: true }));
  assert.equal(new URL(phone.url()).pathname + new URL(phone.url()).search, first.href);
  const code = await bookSlot(phone, first, CANCELLED, 'the first booking');
  assert.match((await summary(phone))['Où'], new RegExp(siteA.name.replace(/[()]/g, '\\$&')));
  await shoot(phone, 'booking-public-code');

  // The booking, found with its code, then cancelled.
  await visit(phone, '/teleconsultation/rendez-vous', 'the look-up page (phone)');
  await noSideScroll(phone, 'the look-up page');
  await phone.locator('#tc-code').fill(code.toLowerCase());
  await submit(phone, phone.getByRole('button', { name: 'Voir' }), 'the booking found by its code');
  await noSideScroll(phone, 'the booking found by its code');
  const found = await summary(phone);
  assert.equal(found.Quand, frWhen(first.start));
  assert.equal(found['Où'], `${siteA.name}, ${siteA.commune}`);
  assert.equal(found['État'], 'Réservé');
  await submit(phone, phone.getByRole('button', { name: 'Annuler ce rendez-vous' }), 'the cancellation');
  await noSideScroll(phone, 'the cancellation');
  assert.equal(norm(await phone.locator('h1').innerText()), 'Rendez-vous annulé');
  assert.equal((await summary(phone))['État'], 'Annulé');
  await shoot(phone, 'booking-public-cancelled');
  // The same slot offered again.
  await submit(phone, phone.getByRole('link', { name: 'Choisir un autre créneau dans ce lieu' }),
    "the site's slots after the cancellation");
  await noSideScroll(phone, "the site's slots");
  const again = await slotLinks(phone.locator('main'));
  assert.ok(again.some((s) => s.href === first.href),
    `the cancelled slot ${first.start} is offered again: ${again.map((s) => s.start).join(' ')}`);

  // --- 2. A second booking, kept ------------------------------------------
  const keptSlot = again.find((s) => s.start > first.start && s.device === first.device);
  assert.ok(keptSlot, 'a later slot at Bram');
  await bookSlot(phone, keptSlot, KEPT, 'the kept booking');

  // By the command line: a specialist's booking at Fanjeaux tomorrow at
  // 15:30 (off the general practice's 20-minute grid), and one at Bram
  // tomorrow at 10:00 for the reminders and the maintenance block.
  const tomorrow = addDays(paris().day, 1);
  const special = cliBook(siteB.id, SPECIALIST, 'specialist', `${tomorrow}T15:30`);
  assert.equal(special.start, `${tomorrow}T15:30`, 'the specialist slot asked for');
  // And a specialist's booking at Bram too, a site the general practice
  // serves: only the teleconsultant, not the site, tells it apart.
  const specialAtA = cliBook(siteA.id, SPECIALIST, 'specialist', `${tomorrow}T16:30`);
  assert.equal(specialAtA.start, `${tomorrow}T16:30`, 'the specialist slot at Bram asked for');
  const early = cliBook(siteA.id, TOMORROW, 'gp', `${tomorrow}T10:00`);
  assert.equal(early.start, `${tomorrow}T10:00`, 'the general practice slot asked for');

  // --- 3. The host of the Bram site ---------------------------------------
  const host = await logIn('host', hostAccount);
  await visit(host, '/equipements', 'the equipment page (host)');
  await submit(host, host.getByRole('link', { name: siteA.name, exact: true }), "the site's day (host)");
  const sitePath = `/equipements/sites/${siteA.id}`;
  assert.equal(new URL(host.url()).pathname, sitePath);
  const deviceCaption = 'Rendez-vous du jour : ';
  const keptDay = keptSlot.start.slice(0, 10);
  const keptHm = keptSlot.start.slice(11);
  if (keptDay !== paris().day)  // after midnight meanwhile: the kept booking's day
    await visit(host, `${sitePath}?jour=${keptDay}`, "the kept booking's day (host)");
  let rows = await tableObjects(host, deviceCaption);
  let kept = rows.find((r) => r.Personne === KEPT.person);
  assert.ok(kept, `the kept booking in the day's list: ${JSON.stringify(rows)}`);
  assert.equal(kept.Heure, `${frHm(keptHm)} – ${frHm(hmPlus(keptHm, 20))}`);
  assert.equal(kept['Téléphone'], KEPT.phone, 'its phone number, as typed');
  assert.equal(kept['État'], 'Réservé');
  assert.equal(kept['Téléconsultant'], net.tc1.label);
  const cancelledRow = rows.find((r) => r.Personne === CANCELLED.person);
  if (first.start.slice(0, 10) === keptDay) {
    assert.ok(cancelledRow, 'the cancelled booking is listed too');
    assert.equal(cancelledRow['État'], 'Annulé');
  }
  await submit(host, host.getByRole('button', { name: `Arrivé : ${KEPT.person}, ${frHm(keptHm)}` }),
    'the day after « Arrivé »');
  rows = await tableObjects(host, deviceCaption);
  kept = rows.find((r) => r.Personne === KEPT.person);
  assert.equal(kept['État'], 'Arrivé', 'the kept booking marked arrived');
  await shoot(host, 'booking-host-day');

  // A walk-in, on today's page.
  if (new URL(host.url()).search.includes('jour='))
    await visit(host, sitePath, "today's page (host)");
  await host.getByLabel('Initiales de la personne').fill(WALK_IN.person);
  await host.getByLabel('Téléphone de la personne').fill(WALK_IN.phone);
  await host.getByLabel('Consultation (obligatoire)', { exact: true }).selectOption('gp');
  await submit(host, host.getByRole('button', { name: 'Recevoir maintenant' }), 'the day after a walk-in');
  const noticeText = norm(await host.locator('[role="status"]').first().innerText());
  const nm = noticeText.match(new RegExp(`^Rendez-vous enregistré pour ${WALK_IN.person.replace(/\./g, '\\.')} à (\\d+) h (\\d{2}) \\((.+)\\)\\.$`));
  assert.ok(nm, `the walk-in's notice: ${noticeText}`);
  const walkInHm = `${nm[1].padStart(2, '0')}:${nm[2]}`;
  rows = await tableObjects(host, deviceCaption);
  const walkIn = rows.find((r) => r.Personne.startsWith(WALK_IN.person));
  assert.ok(walkIn, `the walk-in in the day's list: ${JSON.stringify(rows)}`);
  assert.equal(walkIn.Personne, `${WALK_IN.person} sur place`);
  assert.equal(walkIn['Téléphone'], WALK_IN.phone);
  assert.equal(walkIn.Heure.split(' – ')[0], frHm(walkInHm));
  assert.equal(walkIn['État'], 'Réservé');

  // The next day's reminders, as `maillage booking reminders` lists them.
  await submit(host, host.getByRole('link', { name: 'Rappels de demain' }), 'the reminders (host)');
  const expected = csv(cli('reminders', '--site', String(siteA.id))).filter((r) => r.etat === 'booked');
  assert.ok(expected.some((r) => r.personne === TOMORROW.person && r.telephone === e164(TOMORROW.phone)),
    `the command line lists tomorrow's booking: ${JSON.stringify(expected)}`);
  const reminders = await tableObjects(host, 'Rendez-vous à rappeler');
  assert.deepEqual(reminders.map((r) => [r.Heure, r.Personne, r['Téléphone'], r.Appareil]),
    expected.map((r) => [frHm(r.debut.slice(11)), r.personne,
      r.telephone.replace(/^\+33(\d)(\d{2})(\d{2})(\d{2})(\d{2})$/, '0$1 $2 $3 $4 $5'), r.equipement]));
  assert.ok(reminders.some((r) => r['Téléphone'] === TOMORROW.phone && r.Heure === '10 h 00'));

  // A maintenance block over tomorrow's booking at 10:00: listed as affected.
  await visit(host, sitePath, "today's page (host)");
  await submit(host, host.getByRole('link', { name: /pour maintenance$/ }), 'the maintenance page');
  await host.getByLabel('Début du blocage').fill(`${tomorrow}T09:00`);
  await host.getByLabel('Fin du blocage').fill(`${tomorrow}T12:00`);
  await host.getByLabel('Motif').fill(MAINTENANCE_LABEL);
  await submit(host, host.getByRole('button', { name: "Bloquer l'appareil" }), 'the maintenance block');
  const block = host.locator('h3', { hasText: `Bloqué du ${frWhen(`${tomorrow}T09:00`)} au ${frWhen(`${tomorrow}T12:00`)}` });
  assert.equal(await block.count(), 1, 'the block, with its period');
  const affected = await tableObjects(host, 'Rendez-vous touchés');
  assert.deepEqual(affected.map((r) => [r['Rendez-vous'], r.Personne, r['Téléphone']]),
    [[frWhen(early.start), TOMORROW.person, TOMORROW.phone]], 'the booking the block hits');
  await shoot(host, 'booking-host-maintenance');

  // --- 4. The general practice teleconsultant ------------------------------
  const tc = await logIn('teleconsultant', tcAccount);
  await visit(tc, '/equipements', 'the equipment page (teleconsultant)');
  await submit(tc, tc.getByRole('link', { name: net.tc1.label }).first(), "the teleconsultant's page");
  assert.equal(new URL(tc.url()).pathname, `/teleconsultants/${net.tc1.id}`);
  const appts = await tableObjects(tc, 'Rendez-vous à venir');
  const mine = appts.find((r) => r['Date et heure'].startsWith(`${frWhen(keptSlot.start)} – `));
  assert.ok(mine, `the kept booking among the appointments: ${JSON.stringify(appts)}`);
  assert.equal(mine.Site, `${siteA.name} (${siteA.commune})`);
  assert.equal(mine.Personne, 'non communiqué', 'the site does not share the person');
  assert.equal(mine['Téléphone'], 'non communiqué', 'nor the phone');
  const tcText = norm(await tc.locator('main').innerText());
  for (const who of [KEPT, WALK_IN, TOMORROW, SPECIALIST]) {
    assert.ok(!tcText.includes(who.phone), `no phone number on the page: ${who.phone}`);
    assert.ok(!tcText.includes(who.person), `no person on the page: ${who.person}`);
  }
  for (const other of [special, specialAtA]) {
    assert.ok(!tcText.includes(`Réservation n° ${other.id}`), `not the specialist's booking ${other.id}`);
    assert.ok(!tcText.includes(frWhen(other.start)), `nor its time ${other.start}`);
  }
  assert.ok(!tcText.includes(siteB.name), "nor the specialist's site at Fanjeaux");
  assert.ok(appts.some((r) => r['Date et heure'].startsWith(`${frWhen(early.start)} – `)),
    'tomorrow\'s general practice booking is theirs');
  await shoot(tc, 'booking-teleconsultant');
  // The calendar feed.
  await submit(tc, tc.getByRole('button', { name: /lien d'agenda$/ }), 'the calendar link');
  const feed = await tc.locator('#lien-agenda').inputValue();
  const feedUrl = new URL(feed);
  assert.equal(feedUrl.pathname, '/teleconsultants/agenda.ics');
  assert.match(feedUrl.searchParams.get('jeton') || '', /^[A-Za-z0-9_-]{43}$/);
  const feedPath = feedUrl.pathname + feedUrl.search;
  const ics = await tc.request.get(BASE + feedPath);
  assert.equal(ics.status(), 200);
  assert.match(ics.headers()['content-type'], /^text\/calendar/);
  const icsText = await ics.text();
  assert.match(icsText, /^BEGIN:VCALENDAR/);
  assert.ok(!icsText.includes(e164(KEPT.phone).slice(3)) && !icsText.includes(KEPT.phone),
    'no phone in the feed of a site that does not share it');

  // --- 5. The owner's manager ---------------------------------------------
  const owner = await logIn('network manager', ownerAccount);
  const netPath = `/equipements/reseau/${net.owner}`;
  await visit(owner, netPath, 'the network page');
  const sitesRows = await tableObjects(owner, 'Sites du réseau');
  for (const s of [siteA, siteB])
    assert.ok(sitesRows.some((r) => Object.values(r).some((v) => v && v.includes(s.name))),
      `the network lists ${s.name}: ${JSON.stringify(sitesRows)}`);
  const tcRows = await tableObjects(owner, 'Téléconsultants du réseau');
  for (const t of [net.tc1, net.tc2])
    assert.ok(tcRows.some((r) => Object.values(r).some((v) => v && v.includes(t.label))),
      `the network lists ${t.label}`);
  const ownerText = norm(await owner.locator('main').innerText());
  for (const who of [KEPT, WALK_IN, TOMORROW, SPECIALIST])
    assert.ok(!ownerText.includes(who.phone), 'the owner never sees a phone number');

  // Usage from yesterday to the day after tomorrow, as the command line counts it.
  const from = addDays(paris().day, -1);
  const to = addDays(tomorrow, 1);
  await visit(owner, `${netPath}/usage?de=${from}&a=${to}&par=mois`, 'the usage page');
  const usage = await tableObjects(owner, 'Occupation par appareil');
  const want = csv(cli('usage', '--owner', String(net.owner), '--from', from, '--to', to));
  assert.equal(usage.length, want.length, 'one row per device and month');
  const key = (dev, per) => `${dev}|${per}`;
  const byKey = new Map(usage.map((r) => [key(r.Appareil, r['Période']), r]));
  for (const w of want) {
    const r = byKey.get(key(w.equipement, w.periode));
    assert.ok(r, `the page's row of ${w.equipement} ${w.periode}`);
    assert.equal(r.Site, w.lieu);
    for (const [col, field] of [['Réservations', 'reservations'], ['Terminées', 'terminees'],
      ['Absences', 'absences'], ['Annulations', 'annulations'], ['Sans rendez-vous', 'sur_place']])
      assert.equal(r[col], w[field], `${w.equipement} ${w.periode}: ${col}`);
    for (const [col, field] of [['Heures ouvertes', 'heures_ouvertes'], ['Heures réservées', 'heures_reservees']])
      assert.ok(Math.abs(Number(r[col].replace(/ /g, '').replace(',', '.')) - Number(w[field])) < 0.051,
        `${w.equipement} ${w.periode}: ${col} ${r[col]} vs ${w[field]}`);
  }
  // What this walk did, summed over the months: at the Bram cabin one
  // cancellation and one walk-in; at Fanjeaux the specialist's booking.
  const sum = (dev, col) => usage.filter((r) => r.Appareil === dev).reduce((s, r) => s + Number(r[col]), 0);
  const cabin = want.find((w) => w.lieu === siteA.name).equipement;
  const cart = want.find((w) => w.lieu === siteB.name).equipement;
  assert.equal(sum(cabin, 'Annulations'), 1, 'one cancellation at Bram');
  assert.equal(sum(cabin, 'Sans rendez-vous'), 1, 'one walk-in at Bram');
  // Bookings not cancelled: at Bram the kept one, the walk-in, tomorrow's
  // and the specialist's (3 × 20 + 30 minutes); at Fanjeaux the specialist's.
  assert.equal(sum(cabin, 'Réservations'), 4, 'four bookings at Bram');
  assert.equal(sum(cart, 'Réservations'), 1, "the specialist's booking at Fanjeaux");
  const hours = (dev, col) => usage.filter((r) => r.Appareil === dev)
    .reduce((s, r) => s + Number(r[col].replace(/ /g, '').replace(',', '.')), 0);
  assert.ok(Math.abs(hours(cabin, 'Heures réservées') - 1.5) < 0.051, 'an hour and a half booked at Bram');
  assert.ok(Math.abs(hours(cart, 'Heures réservées') - 0.5) < 0.051, 'half an hour booked at Fanjeaux');
  // Both open at any hour: the cabin three hours less, its maintenance.
  assert.ok(Math.abs(hours(cart, 'Heures ouvertes') - hours(cabin, 'Heures ouvertes') - 3) < 0.051,
    'the maintenance block takes three hours off the cabin');
  await shoot(owner, 'booking-usage');
  // The workbook.
  const xlsxHref = await owner.getByRole('link', { name: /tableur XLSX/ }).getAttribute('href');
  const xlsx = await owner.request.get(new URL(xlsxHref, BASE).href);
  assert.equal(xlsx.status(), 200);
  assert.equal(xlsx.headers()['content-type'],
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  const body = await xlsx.body();
  assert.equal(body.subarray(0, 2).toString('latin1'), 'PK', 'a ZIP (XLSX) file');
  assert.match(xlsx.headers()['content-disposition'] || '', /^attachment; filename=".+\.xlsx"$/);
  // The map.
  await visit(owner, `${netPath}/carte`, 'the map of the network');
  assert.ok(await owner.locator('figure.map svg').count(), 'a map drawn');
  await shoot(owner, 'booking-map');

  for (const p of [phone, host, tc, owner])
    await p.context().close();
  assert.deepEqual(consoleErrors, [], 'no console error on any page');
  console.log(`booking walk: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
