// Helpers of the browser tests for accounts, independent of the browser:
// the accounts run.sh made (MG_ACCOUNTS), TOTP codes computed here per
// RFC 6238 (HMAC-SHA1, 30 s steps, 6 digits) from the key a page shows,
// and the mails the SMTP sink wrote (MG_MAIL_DIR, one msg-N.eml a message).
// Node's standard library only.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// {"admin": {"email", "name", "password", "organisation"}, "manager": …,
//  "contributor": …, "reader": …, "other_manager": …}
export function accountsFromEnv() {
  const raw = process.env.MG_ACCOUNTS;
  if (!raw)
    throw new Error('MG_ACCOUNTS is not set: run tests/browser/run.sh');
  return JSON.parse(raw);
}

// --- TOTP (RFC 6238 over RFC 4226) ---------------------------------------

// RFC 4648 base32, spaces ignored (the page shows the key in groups of 4).
export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const s = text.replace(/\s+/g, '').replace(/=+$/, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of s) {
    const v = alphabet.indexOf(ch);
    if (v < 0)
      throw new Error(`not base32: ${JSON.stringify(ch)}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// The 6-digit code of time step `step` (Unix time / 30) for a base32 key.
export function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = mac.readUInt32BE(off) & 0x7fffffff;
  return String(bin % 1_000_000).padStart(6, '0');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nowStep = () => Math.floor(Date.now() / 1000 / 30);

// The application on a phone: a key, and the last step whose code was used
// (the server takes a code once, from one step before to one step after
// its own, and never of a step at or before the last one used). Each code
// is of the current step, or of the next when the current one was used:
// valid at least 30 s more, however slow the machine (a code of the step
// before now, as accepted, could be too old by the time it arrives). Waits
// for the next step when both are used.
export class Authenticator {
  constructor(secret) {
    this.secret = secret;
    this.last = 0;
  }

  async code() {
    for (;;) {
      const now = nowStep();
      const step = Math.max(this.last + 1, now);
      if (step <= now + 1) {
        this.last = step;
        return totp(this.secret, step);
      }
      await sleep((30 - (Date.now() / 1000) % 30) * 1000 + 200);
    }
  }
}

// --- Mail, as the sink wrote it -------------------------------------------

// A message's headers (names lower-cased, folded lines joined) and body.
// The server writes text/plain UTF-8 in 8 bits, subjects RFC 2047-encoded
// when they are not ASCII.
export function parseMail(raw) {
  const text = raw.toString('utf8');
  const cut = text.search(/\r?\n\r?\n/);
  const head = cut < 0 ? text : text.slice(0, cut);
  const body = cut < 0 ? '' : text.slice(cut).replace(/^\r?\n\r?\n/, '');
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const m = line.match(/^([^:]+):\s*(.*)$/);
    if (m)
      headers[m[1].toLowerCase()] = decodeWords(m[2]);
  }
  return { headers, body: body.replace(/\r\n/g, '\n') };
}

// RFC 2047 encoded words (=?UTF-8?B?…?= and =?UTF-8?Q?…?=).
function decodeWords(s) {
  return s.replace(/\?=\s+=\?/g, '?==?').replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (all, cs, enc, data) => {
    if (!/^utf-?8$/i.test(cs))
      return all;
    if (enc.toUpperCase() === 'B')
      return Buffer.from(data, 'base64').toString('utf8');
    const bytes = data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  });
}

// The messages of the folder, in the order the sink received them.
export function mails(dir) {
  return fs.readdirSync(dir)
    .filter((f) => /^msg-\d+\.eml$/.test(f))
    .sort((a, b) => Number(a.match(/\d+/)[0]) - Number(b.match(/\d+/)[0]))
    .map((f) => ({ file: f, ...parseMail(fs.readFileSync(path.join(dir, f))) }));
}

// The first message to `to` whose subject matches `subject` and that was
// not among `seen` (file names), waiting for it up to `timeout` ms (the
// server hands its queue to the relay every second); null if none came.
export async function waitMail(dir, to, subject = /./, timeout = 20_000, seen = new Set()) {
  const end = Date.now() + timeout;
  for (;;) {
    const m = mails(dir).find((x) => !seen.has(x.file) &&
      (x.headers.to || '').toLowerCase().includes(to.toLowerCase()) &&
      subject.test(x.headers.subject || ''));
    if (m)
      return m;
    if (Date.now() >= end)
      return null;
    await sleep(200);
  }
}

// The path of the reset or invitation link of a mail's text.
export function linkIn(text) {
  const m = text.match(/https?:\/\/[^\s/]+(\/mot-de-passe\/nouveau\?jeton=[A-Za-z0-9_-]+)/);
  return m ? m[1] : null;
}
