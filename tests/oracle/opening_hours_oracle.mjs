// The independent oracle of src/directory/opening_hours.c: the npm package
// opening_hours (the reference implementation OpenStreetMap tools use,
// pinned in tests/browser/package-lock.json) answers the same strings at
// the same instants, and any disagreement fails.
//
//   node opening_hours_oracle.mjs CASES.json [ANSWERS.json]
//
// CASES.json is tests/data/opening_hours/cases.json: every accepted case's
// expected state, comment and next change (written by hand, checked by the
// C unit test) must be the package's too. ANSWERS.json, written by
// `MG_OH_DUMP=ANSWERS.json tests/test_opening_hours`, holds our own answers
// over a grid of instants (state, comment, next change within 8 days):
// each must be the package's. Comments that are not written in the string
// (the package's and our names of public holidays differ) are compared as
// "some holiday name". Instants are local civil times; run under TZ=UTC so
// that no summer-time gap or fold changes them.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '../browser/package.json'));
const opening_hours = require('opening_hours');

// Paris: the package picks the French public holidays from the address.
const nominatim = { lat: 48.8566, lon: 2.3522, address: { country_code: 'fr', state: 'Île-de-France' } };

function date(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(s);
  if (!m) throw new Error(`bad instant ${s}`);
  return new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
}

function fmt(d) {
  if (!d) return null;
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

const parsed = new Map();
function reference(s) {
  if (!parsed.has(s)) parsed.set(s, new opening_hours(s, nominatim));
  return parsed.get(s);
}

function answer(s, instant) {
  const oh = reference(s);
  const at = date(instant);
  const state = oh.getUnknown(at) ? 'unknown' : oh.getState(at) ? 'open' : 'closed';
  const comment = oh.getComment(at) ?? null;
  const horizon = new Date(at.getTime() + 8 * 24 * 3600 * 1000);
  const next = fmt(oh.getNextChange(at, horizon) ?? null);
  return { state, comment, next: next && date(next) <= horizon ? next : null };
}

// A comment written in the string is compared as is; any other (a holiday's name) as such.
function norm(s, comment) {
  if (comment === null || comment === undefined) return null;
  return s.includes(`"${comment}"`) ? comment : '(holiday name)';
}

if (process.env.TZ !== 'UTC') {
  console.error('opening_hours oracle: run under TZ=UTC');
  process.exit(2);
}
const [casesPath, answersPath] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(casesPath, 'utf8'));
const problems = [];
let checked = 0;

for (const c of cases.accepted) {
  let got;
  try {
    got = answer(c.string, c.instant);
  } catch (e) {
    problems.push(`« ${c.string} »: the package refuses it: ${String(e).split('\n')[0]}`);
    continue;
  }
  checked++;
  if (got.state !== c.expected)
    problems.push(`« ${c.string} » at ${c.instant}: package ${got.state}, table ${c.expected}`);
  if ('comment' in c && got.comment !== c.comment)
    problems.push(`« ${c.string} » at ${c.instant}: package comment ${got.comment}, table ${c.comment}`);
  if (c.holiday && !got.comment)
    problems.push(`« ${c.string} » at ${c.instant}: the package does not see a public holiday`);
  if ('next' in c && got.next !== c.next)
    problems.push(`« ${c.string} » at ${c.instant}: package next change ${got.next}, table ${c.next}`);
}

if (answersPath) {
  const ours = JSON.parse(readFileSync(answersPath, 'utf8'));
  if (ours.length === 0) problems.push(`${answersPath} holds no answers`);
  for (const a of ours) {
    const got = answer(a.string, a.instant);
    checked++;
    const mine = { state: a.state, comment: norm(a.string, a.comment ?? null), next: a.next ?? null };
    const theirs = { state: got.state, comment: norm(a.string, got.comment), next: got.next };
    // Holiday names as comments are a courtesy whose placement differs (the package
    // names the holiday on some rules only): compared when a side has a written comment.
    if (mine.comment === '(holiday name)' && theirs.comment === null) mine.comment = null;
    if (theirs.comment === '(holiday name)' && mine.comment === null) theirs.comment = null;
    for (const k of ['state', 'comment', 'next'])
      if (mine[k] !== theirs[k])
        problems.push(`« ${a.string} » at ${a.instant}: ${k} ours ${mine[k]}, package ${theirs[k]}`);
  }
}

for (const p of (process.env.OH_ALL ? problems : problems.slice(0, 40))) console.error(p);
if (problems.length > 40) console.error(`… and ${problems.length - 40} more`);
console.log(`opening_hours oracle: ${checked} answers compared with the npm package, ${problems.length} disagreements`);
process.exit(problems.length ? 1 : 0);
