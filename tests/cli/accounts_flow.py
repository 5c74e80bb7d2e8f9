#!/usr/bin/env python3
"""Black-box test of accounts against a running `maillage serve`
(started by tests/cli/serve_accounts.sh): log-in and its slow-down,
log-out, CSRF, Origin and Host checks, session expiry, the second factor
(TOTP codes computed here, per RFC 6238, from the secret the page shows),
password reset and invitation through the mails an SMTP sink received,
self-registration and its confirmation, personal API tokens.

    accounts_flow.py BASE DATABASE MAILDIR ACCOUNTS.json

ACCOUNTS.json names the accounts the script made with the command line:
{"operator": {"email", "password"}, "org_admin": {"email", "password"},
 "manager": {"email", "password"}, "org_id": N} (org_admin and manager
belong to organisation org_id, which is active).

Standard library only. Each client is a cookie jar and a client address:
the server trusts X-Forwarded-For from 127.0.0.1 (--trusted-proxy), so
that the slow-down of one scenario's failures, counted per address, does
not slow the others. Prints "N passed, M failed"; exit status 1 on any
failure.
"""
import base64
import email
import email.policy
import hashlib
import hmac
import html
import http.client
import json
import os
import re
import sqlite3
import struct
import sys
import time
import urllib.parse

BASE, DATABASE, MAILDIR, ACCOUNTS = sys.argv[1:5]
URL = urllib.parse.urlsplit(BASE)
HOST = URL.netloc
ACC = json.load(open(ACCOUNTS, encoding="utf-8"))

passed = 0
failed = 0


def check(cond, what, detail=""):
    """Counts one assertion; prints what failed and what came instead."""
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: " + what, file=sys.stderr)
        if detail:
            print("  " + str(detail)[:600].replace("\n", "\n  "), file=sys.stderr)
    return cond


class Response:
    def __init__(self, status, headers, text):
        self.status = status
        self.headers = headers
        self.text = text

    def header(self, name):
        return self.headers.get(name)

    @property
    def location(self):
        return self.headers.get("Location") or ""

    def main(self):
        """The page's <main>, where what differs between pages is."""
        m = re.search(r"<main[^>]*>(.*)</main>", self.text, re.S)
        return m.group(1) if m else self.text

    def csrf(self):
        m = re.search(r'name="csrf" value="([^"]+)"', self.text)
        return m.group(1) if m else None


class Client:
    """One browser: its cookies and its address."""

    def __init__(self, address):
        self.address = address
        self.cookies = {}

    def request(self, method, path, form=None, headers=None, cookies=True, body=None):
        conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=30)
        h = {"Host": HOST, "X-Forwarded-For": self.address}
        if cookies and self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if form is not None:
            body = urllib.parse.urlencode(form)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        for k, v in (headers or {}).items():
            if v is None:
                h.pop(k, None)
            else:
                h[k] = v
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        text = r.read().decode("utf-8", "replace")
        for c in r.msg.get_all("Set-Cookie") or []:
            name, _, rest = c.partition("=")
            value = rest.split(";", 1)[0]
            gone = re.search(r"Max-Age=(-\d+|0)\b", c, re.I)
            if gone or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        conn.close()
        return Response(r.status, r.msg, text)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, fields, page=None, **kw):
        """Posts a form with the CSRF token of `page` (a Response), or of a
        fresh GET of `path` when none is given."""
        if page is None:
            page = self.get(path)
        form = dict(fields)
        if page.csrf():
            form.setdefault("csrf", page.csrf())
        return self.request("POST", path, form=form, **kw)

    def login(self, email_, password, expect_code=False):
        r = self.post("/connexion", {"email": email_, "password": password},
                      page=self.get("/connexion"))
        want = "/connexion/code" if expect_code else "/"
        check(r.status == 303 and r.location.startswith(want),
              "log-in of %s: 303 to %s" % (email_, want), "%d %s" % (r.status, r.location))
        return r


# --- TOTP, computed here from the secret shown (RFC 6238, SHA-1, 30 s, 6 digits).

def totp(secret, step):
    key = base64.b32decode(secret.replace(" ", "").upper())
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000)


class Authenticator:
    """The app on a phone: a secret, and the last step whose code was used
    (the server refuses a code already used, so each use takes a later
    step, at most one step ahead of now, as the server accepts)."""

    def __init__(self, secret):
        self.secret = secret
        self.last = 0

    def code(self):
        if time.time() % 30 > 27:
            time.sleep(30 - time.time() % 30 + 0.2)  # not across a step's end
        now = int(time.time()) // 30
        step = max(self.last + 1, now - 1)
        while step > int(time.time()) // 30 + 1:
            time.sleep(30 - time.time() % 30 + 0.2)
        self.last = step
        return totp(self.secret, step)

    def wrong(self):
        """A code no step around now gives."""
        now = int(time.time()) // 30
        near = {totp(self.secret, s) for s in range(now - 3, now + 4)}
        return next(c for c in ("000000", "111111", "123456", "999999") if c not in near)


def enrol(c):
    """Second-factor enrolment through the pages: begins, reads the key
    shown, confirms with its code. Returns the Authenticator."""
    page = c.get("/compte/double-facteur")
    check(page.status == 200 and "/compte/double-facteur/debut" in page.text,
          "enrolment page offers to begin", page.status)
    r = c.post("/compte/double-facteur/debut", {}, page=page)
    m = re.search(r'<p class="key"><code>([A-Z2-7 ]+)</code>', r.text)
    check(r.status == 200 and m and "otpauth://totp/" in r.text,
          "beginning enrolment shows the key in groups of 4 and the otpauth URI", r.main()[:400])
    if not m:
        return None
    app = Authenticator(m.group(1))
    check(re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", m.group(1)) is not None,
          "the key is 32 base32 characters in groups of 4", m.group(1))
    done = c.post("/compte/double-facteur", {"code": app.code()}, page=r)
    check(done.status == 303 and done.location == "/compte?fait=double-facteur",
          "a right code enables the second factor", "%d %s" % (done.status, done.location))
    return app


# --- Mail, as the SMTP sink wrote it.

def wait_mail(to, subject_has="", timeout=20):
    """The text of the first message to `to` whose Subject holds
    `subject_has`, as the sink wrote it (None after `timeout` seconds): the
    server delivers its queue every second."""
    end = time.time() + timeout
    while True:
        for f in sorted(os.listdir(MAILDIR)):
            if not re.fullmatch(r"msg-\d+\.eml", f):
                continue
            with open(os.path.join(MAILDIR, f), "rb") as fh:
                msg = email.message_from_binary_file(fh, policy=email.policy.default)
            if to.lower() in str(msg.get("To") or "").lower() and \
                    subject_has in str(msg.get("Subject") or ""):
                body = msg.get_body(preferencelist=("plain",))
                return body.get_content() if body else ""
        if time.time() >= end:
            return None
        time.sleep(0.2)


def link_in(text):
    m = re.search(r"https?://[^\s/]+(/mot-de-passe/nouveau\?jeton=[A-Za-z0-9_-]+)", text)
    return m.group(1) if m else None


def set_password_by_link(c, path, password):
    """Follows a reset or invitation link and sets a password."""
    page = c.get(path)
    check(page.status == 200 and 'name="jeton"' in page.text,
          "the link's page shows the password form", "%d %s" % (page.status, page.main()[:300]))
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)["jeton"][0]
    bad = c.post("/mot-de-passe/nouveau", {"password": password, "confirmation": password + "x",
                                           "jeton": token}, page=page)
    check(bad.status == 422 and "ne sont pas identiques" in bad.text
          and 'value="%s"' % token in bad.text and password not in bad.text,
          "a confirmation that differs: 422 on the confirmation, the link kept, no password",
          bad.status)
    r = c.post("/mot-de-passe/nouveau", {"password": password, "confirmation": password,
                                         "jeton": token}, page=page)
    check(r.status == 200 and "Mot de passe enregistré" in r.text and 'href="/connexion"' in r.text,
          "the password is set, with a link to log in", "%d %s" % (r.status, r.main()[:300]))
    return token


def db():
    return sqlite3.connect(DATABASE, timeout=10)


# --- The scenarios ------------------------------------------------------------------

def login_failures():
    """Wrong passwords: 422 and the message, the e-mail kept and never the
    password; after four failures the next attempt waits (429, Retry-After);
    another address is not slowed; the right password works after the wait."""
    m = ACC["manager"]
    c = Client("192.0.2.10")
    page = c.get("/connexion")
    check(page.status == 200 and page.csrf(), "the log-in page has a CSRF token", page.status)
    wrong = "mauvais-mot-de-passe-42"
    statuses = []
    for i in range(4):
        r = c.post("/connexion", {"email": m["email"], "password": wrong}, page=page)
        statuses.append(r.status)
        if i == 0:
            check("Adresse e-mail ou mot de passe incorrect." in r.text,
                  "a wrong password says so in French", r.main()[:300])
            check('value="%s"' % html.escape(m["email"]) in r.text,
                  "the refused form keeps the e-mail typed")
            check(wrong not in r.text, "the refused form never shows the password")
    check(statuses == [422] * 4, "the first four wrong passwords are 422", statuses)
    # Past them each failure doubles the wait (1, 2, 4 … s after the last
    # one, counted in whole seconds): go on failing until a refusal with a
    # wait of 2 s or more, so that what follows fits in it however slow
    # this machine is (each attempt costs an Argon2id check).
    later = []
    for _ in range(12):
        r = c.post("/connexion", {"email": m["email"], "password": wrong}, page=page)
        later.append(r.status)
        retry = r.header("Retry-After")
        if r.status == 429 and retry and retry.isdigit() and int(retry) >= 2:
            break
        if r.status == 429:
            # A refusal is not a failure: wait it out, so that the next
            # wrong password counts and doubles the wait.
            time.sleep(int(retry or "1") + 0.05)
    check(all(x in (422, 429) for x in later) and later[-1] == 429,
          "past four failures the attempts wait: 429", later)
    check(r.status == 429 and retry and retry.isdigit() and int(retry) >= 2,
          "past four failures: 429 with Retry-After", "%d Retry-After=%s" % (r.status, retry))
    check("Trop d&#39;essais" in r.text, "the slow-down is said in French", r.main()[:300])
    # Even the right password waits: the check is not made before the wait.
    r2 = c.post("/connexion", {"email": m["email"], "password": m["password"]}, page=page)
    check(r2.status == 429, "during the wait even the right password is 429", r2.status)
    # Nobody elsewhere is slowed by it.
    other = Client("192.0.2.11")
    other.login(m["email"], m["password"])
    time.sleep(int(retry or "1") + 0.2)
    c.login(m["email"], m["password"])
    r = c.get("/compte")
    check(r.status == 200 and html.escape(m["email"]) in r.text,
          "after the wait the right password opens the account", r.status)
    return c, other


def csrf_and_origin(c):
    """A state change needs the session's CSRF token and a request of this
    site; an unknown Host is refused. Returns the page of a created token."""
    page = c.get("/compte")
    r = c.request("POST", "/compte/jetons", form={"name": "sans jeton"})
    check(r.status == 403, "a POST without the csrf field is 403", r.status)
    r = c.request("POST", "/compte/jetons", form={"name": "faux", "csrf": "A" * 43})
    check(r.status == 403, "a POST with a wrong csrf is 403", r.status)
    r = c.request("POST", "/compte/jetons", form={"name": "ailleurs", "csrf": page.csrf()},
                  headers={"Origin": "http://evil.example"})
    check(r.status == 403, "a POST from another site's page (Origin) is 403", r.status)
    r = c.get("/compte", headers={"Host": "evil.example"})
    check(r.status == 421, "a Host the server does not answer to is 421", r.status)
    listed = c.get("/compte")
    check("sans jeton" not in listed.text and "ailleurs" not in listed.text,
          "the refused POSTs created nothing")
    r = c.request("POST", "/compte/jetons", form={"name": "Script de suivi", "csrf": page.csrf()},
                  headers={"Origin": BASE})
    check(r.status == 200, "the same POST with the right csrf, from this site, is accepted",
          r.status)
    return r


def api_tokens(c, created, stranger):
    """A token is shown once, opens the API as its account, and stops
    working once revoked; another account cannot revoke it (404)."""
    m = re.search(r"<code>(mgt_[A-Za-z0-9_-]{43})</code>", created.text)
    check(m is not None and "ne sera plus jamais" in created.text,
          "the new token is shown in a <code>, with a sentence saying it will not be shown again",
          created.main()[:500])
    if not m:
        return
    secret = m.group(1)
    ids = re.findall(r'action="/compte/jetons/(\d+)/revoquer"', created.text)
    check(len(ids) == 1, "the token is listed with a Révoquer button", ids)
    again = c.get("/compte")
    check(secret not in again.text, "the secret is not shown a second time")
    api = Client("192.0.2.12")
    bearer = {"Authorization": "Bearer " + secret}
    r = api.get("/api/v1/scenarios", headers=bearer)
    check(r.status == 200, "GET /api/v1/scenarios with the bearer token: 200", r.status)
    scenario = json.dumps({"name": "Créé par jeton", "profession": "mg", "actions": []})
    json_type = {"Content-Type": "application/json"}
    r = api.request("POST", "/api/v1/scenarios", body=scenario, headers=dict(bearer, **json_type))
    check(r.status == 201, "a state change through the API with the token, no CSRF: 201",
          "%d %s" % (r.status, r.text[:200]))
    r = api.request("POST", "/api/v1/scenarios", body=scenario, headers=json_type)
    check(r.status == 401, "the same without the token: 401", r.status)
    r = api.request("POST", "/compte/jetons", form={"name": "Jeton fait par un jeton"},
                    headers=bearer)
    check(r.status == 403, "a token cannot make another token: 403", r.status)
    r = api.get("/api/v1/scenarios", headers={"Authorization": "Bearer mgt_" + "x" * 43})
    check(r.status == 401, "an unknown token: 401", r.status)
    check("Dernière utilisation" in again.text, "the list has a last-use column")
    # Another account's token, by id: as if it did not exist.
    page = stranger.get("/compte")
    r = stranger.post("/compte/jetons/%s/revoquer" % ids[0], {}, page=page)
    check(r.status == 404, "revoking another account's token is 404", r.status)
    r = api.get("/api/v1/scenarios", headers=bearer)
    check(r.status == 200, "that attempt revoked nothing", r.status)
    r = c.post("/compte/jetons/%s/revoquer" % ids[0], {}, page=again)
    check(r.status == 303 and r.location == "/compte?fait=jeton-revoque",
          "its owner revokes it", "%d %s" % (r.status, r.location))
    r = api.get("/api/v1/scenarios", headers=bearer)
    check(r.status == 401, "a revoked token: 401", r.status)
    listed = c.get("/compte?fait=jeton-revoque")
    check("<td>révoqué</td>" in listed.text and "Le jeton d&#39;accès a été révoqué" in listed.text,
          "the list says it is revoked")


def logout(c):
    """Log-out ends the session itself: its cookie opens nothing after."""
    old = c.cookies.get("mg_session")
    page = c.get("/compte")
    check(page.status == 200, "signed in before logging out", page.status)
    r = c.post("/deconnexion", {}, page=page)
    check(r.status == 303 and "mg_session" not in c.cookies,
          "log-out answers 303 and removes the cookie", r.status)
    replay = Client(c.address)
    replay.cookies["mg_session"] = old
    r = replay.get("/compte")
    check(r.status == 303 and r.location.startswith("/connexion"),
          "the old session cookie no longer opens a private page", "%d %s" % (r.status, r.location))


def session_expiry(c, account_email):
    """A session idle longer than two hours, or older than twelve, ends."""
    r = c.get("/compte")
    check(r.status == 200, "the session works before it is aged", r.status)
    with db() as con:
        con.execute("UPDATE sessions SET created_at = created_at - 3 * 3600, "
                    "last_used_at = last_used_at - 3 * 3600 WHERE account_id = "
                    "(SELECT id FROM accounts WHERE email = ?)", (account_email,))
    r = c.get("/compte")
    check(r.status == 303 and r.location.startswith("/connexion"),
          "a session unused for 3 hours sends to the log-in page", "%d %s" % (r.status, r.location))
    check("mg_session" not in c.cookies, "and its cookie is removed")


def second_factor():
    """The operator's administrator must enrol before anything else, then
    gives a code at each log-in; a wrong code and a code already used are
    refused. Returns the signed-in client."""
    op = ACC["operator"]
    c = Client("192.0.2.20")
    c.login(op["email"], op["password"])
    r = c.get("/admin/organisations")
    check(r.status == 303 and r.location == "/compte/double-facteur",
          "an administrator without a second factor is sent to enrolment",
          "%d %s" % (r.status, r.location))
    r = c.get("/compte")
    check(r.status == 200 and "Activez d'abord la double authentification" in r.text,
          "the account page says prominently that it must be enabled first", r.main()[:300])
    app = enrol(c)
    if not app:
        return c
    r = c.get("/compte")
    check("est <strong>activée</strong>" in r.text and "Activez d'abord" not in r.text,
          "the account page says the second factor is enabled")
    c.post("/deconnexion", {}, page=r)
    c.login(op["email"], op["password"], expect_code=True)
    page = c.get("/connexion/code")
    check(page.status == 200 and 'name="code"' in page.text, "the code page", page.status)
    r = c.get("/admin/organisations")
    check(r.status == 303, "nothing else is open before the code", "%d" % r.status)
    page = c.get("/connexion/code")
    r = c.post("/connexion/code", {"code": app.wrong()}, page=page)
    check(r.status == 422 and "Code incorrect" in r.text, "a wrong code: 422", r.status)
    used = app.code()
    r = c.post("/connexion/code", {"code": used}, page=page)
    check(r.status == 303, "the right code: in", "%d %s" % (r.status, r.main()[:200]))
    r = c.get("/admin/organisations")
    check(r.status == 200, "the platform page opens with the second factor", r.status)
    c.post("/deconnexion", {}, page=r)
    c.login(op["email"], op["password"], expect_code=True)
    page = c.get("/connexion/code")
    r = c.post("/connexion/code", {"code": used}, page=page)
    check(r.status == 422, "the same code again at the next log-in: refused", r.status)
    r = c.post("/connexion/code", {"code": app.code()}, page=page)
    check(r.status == 303, "a new code: in", r.status)
    return c


def password_reset():
    """Reset through the mail: the same answer for known and unknown
    addresses, the link sets a password once."""
    m = ACC["manager"]
    c = Client("192.0.2.30")
    page = c.get("/mot-de-passe/oubli")
    # The unknown address first: a mail to it would be queued, so
    # delivered, before the known one's.
    unknown = c.post("/mot-de-passe/oubli", {"email": "personne@example.org"}, page=page)
    known = c.post("/mot-de-passe/oubli", {"email": m["email"]}, page=page)
    check(known.status == 200 and "Si un compte existe pour cette adresse" in known.text,
          "the request is answered with the sentence that says nothing", known.status)
    check(known.main() == unknown.main(), "the same page for an unknown address")
    text = wait_mail(m["email"], "mot de passe") or ""
    path = link_in(text)
    check(path is not None, "the reset mail arrives with its link", text[:300])
    if not path:
        return
    new_password = "un nouveau mot de passe solide"
    set_password_by_link(c, path, new_password)
    m["password"] = new_password
    c.login(m["email"], new_password)
    again = Client("192.0.2.31")
    r = again.get(path)
    check(r.status == 410 and "plus valable" in r.text, "the link used again: refused (410)",
          r.status)
    page = again.get("/mot-de-passe/oubli")
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)["jeton"][0]
    r = again.post("/mot-de-passe/nouveau", {"password": "encore un autre mot de passe",
                                            "confirmation": "encore un autre mot de passe",
                                            "jeton": token}, page=page)
    check(r.status == 410, "posting through the used link: refused (410)", r.status)
    check(wait_mail("personne@example.org", timeout=0) is None,
          "no mail for an address without an account")


def password_change():
    """From /compte: the current password is checked, the confirmation
    must match, and the account's other sessions end."""
    m = ACC["manager"]
    c = Client("192.0.2.32")
    c.login(m["email"], m["password"])
    elsewhere = Client("192.0.2.33")
    elsewhere.login(m["email"], m["password"])
    page = c.get("/compte")
    new = "encore un autre mot de passe"
    r = c.post("/compte/mot-de-passe", {"current_password": "pas le bon du tout",
                                        "password": new, "confirmation": new}, page=page)
    check(r.status == 422 and 'id="mdp-current_password-erreur"' in r.text and new not in r.text,
          "a wrong current password: 422 beside that field, no password shown", r.status)
    r = c.post("/compte/mot-de-passe", {"current_password": m["password"], "password": new,
                                        "confirmation": new + "!"}, page=page)
    check(r.status == 422 and 'id="mdp-confirmation-erreur"' in r.text,
          "a confirmation that differs: 422 beside the confirmation", r.status)
    r = c.post("/compte/mot-de-passe", {"current_password": m["password"], "password": new,
                                        "confirmation": new}, page=page)
    check(r.status == 303 and r.location == "/compte?fait=mot-de-passe",
          "the password is changed", "%d %s" % (r.status, r.location))
    m["password"] = new
    r = c.get("/compte?fait=mot-de-passe")
    check(r.status == 200 and "Votre mot de passe a été changé" in r.text,
          "the session that changed it goes on, and says so", r.status)
    r = elsewhere.get("/compte")
    check(r.status == 303 and r.location.startswith("/connexion"),
          "the account's other session has ended", "%d %s" % (r.status, r.location))


def registration(operator):
    """An association registers; its applicant sees it waiting and cannot
    act; the operator's administrator confirms it; the membership is
    active. Returns the applicant's client."""
    c = Client("192.0.2.40")
    page = c.get("/inscription")
    check(page.status == 200 and 'value="association"' in page.text
          and 'value="health_centre"' in page.text and 'value="epci"' not in page.text,
          "the registration offers association and health centre only", page.status)
    fields = {"name": "Les Amis de la Santé du Razès", "kind": "association",
              "rna": "W113004567", "siret": "", "finess": "",
              "display_name": "Claire Dupont", "email": "claire@amis-razes.example",
              "password": "mot de passe du demandeur", "confirmation": "mot de passe du demandeur"}
    bad = c.post("/inscription", dict(fields, rna=""), page=page)
    check(bad.status == 422 and "aria-invalid" in bad.text and "Claire Dupont" in bad.text
          and "mot de passe du demandeur" not in bad.text,
          "an association without RNA nor SIRET: 422, what was typed kept but the password",
          "%d %s" % (bad.status, bad.main()[:400]))
    r = c.post("/inscription", fields, page=page)
    check(r.status == 200 and "attend la confirmation" in r.text, "registration accepted",
          "%d %s" % (r.status, r.main()[:400]))
    c.login(fields["email"], fields["password"])
    r = c.get("/compte")
    check("Les Amis de la Santé du Razès" in r.text and "en attente de confirmation" in r.text,
          "the applicant sees the organisation awaiting confirmation", r.main()[:400])
    org = re.search(r'href="/organisations/(\d+)">Les Amis', r.text)
    org_id = org.group(1) if org else "0"
    page = c.get("/organisations/" + org_id)
    check(page.status == 200 and "Inviter" not in page.text,
          "the applicant sees its organisation, without the invitation form", page.status)
    r = c.post("/organisations/%s/invitations" % org_id,
               {"email": "x@example.org", "display_name": "X", "role": "reader"}, page=page)
    check(r.status == 403, "the applicant cannot act (invite): 403", r.status)
    admin = operator.get("/admin/organisations")
    check(admin.status == 200 and "Les Amis de la Santé du Razès" in admin.text
          and 'action="/admin/organisations/%s/confirmer"' % org_id in admin.text,
          "the operator's administrator sees it among those awaiting confirmation")
    r = operator.get("/organisations/" + org_id)
    check(r.status == 200 and 'action="/admin/organisations/%s/confirmer"' % org_id in r.text
          and html.escape("claire@amis-razes.example") in r.text,
          "on its page too, with its members' addresses", r.status)
    r = operator.post("/admin/organisations/%s/confirmer" % org_id, {}, page=admin)
    check(r.status == 303 and r.location == "/admin/organisations?fait=confirmee",
          "the operator's administrator confirms it", "%d %s" % (r.status, r.location))
    r = operator.post("/admin/organisations/%s/confirmer" % org_id, {}, page=admin)
    check(r.status == 409, "confirming it again: 409", r.status)
    r = c.get("/compte")
    check("en attente de confirmation" not in r.text and "confirmée" in r.text,
          "the applicant's membership is now active", r.main()[:400])
    check(wait_mail(fields["email"], "confirmée") is not None,
          "the applicant is told of the confirmation by mail")
    form = {"name": "Centre de santé de Quillan", "kind": "health_centre", "siret": "",
            "rna": "", "finess": "11 000 000 1"}  # the Luhn key of 11000000 is 7
    r = operator.post("/admin/organisations", form, page=admin)
    check(r.status == 422 and 'id="organisation-finess-erreur"' in r.text
          and "Centre de santé de Quillan" in r.text,
          "creating an organisation with a malformed FINESS: 422 beside it", r.status)
    r = operator.post("/admin/organisations", dict(form, finess="110000007"), page=admin)
    created = re.fullmatch(r"/organisations/(\d+)", r.location)
    check(r.status == 303 and created, "the operator's administrator creates an organisation",
          "%d %s" % (r.status, r.location))
    if created:
        r = operator.get(r.location)
        check(r.status == 200 and "Centre de santé" in r.text and "<dd>confirmée</dd>" in r.text,
              "created confirmed", r.main()[:300])
    r = c.get("/organisations/%s" % org_id)
    check("Confirmation" in r.text and "Création" in r.text,
          "the organisation's history shows its creation and confirmation", r.main()[-800:])
    return c, int(org_id)


def invitation(applicant, applicant_org):
    """An organisation's administrator invites someone, who sets a password
    through the mail's link and comes in with the role given."""
    a = ACC["org_admin"]
    org = ACC["org_id"]
    c = Client("192.0.2.50")
    c.login(a["email"], a["password"])
    enrol(c)
    page = c.get("/organisations/%d" % org)
    check(page.status == 200 and 'action="/organisations/%d/invitations"' % org in page.text,
          "the organisation's administrator sees the invitation form", page.status)
    check('<option value="reader" selected>' in page.text,
          "the invitation's role is Lecteur unless chosen")
    invited = "nouvelle.recrue@limouxin.example"
    bad = c.post("/organisations/%d/invitations" % org,
                 {"email": "pas-une-adresse", "display_name": "Nouvelle Recrue",
                  "role": "contributor"}, page=page)
    check(bad.status == 422 and "Nouvelle Recrue" in bad.text and "aria-invalid" in bad.text,
          "a malformed address: 422 with the form as typed", bad.status)
    r = c.post("/organisations/%d/invitations" % org,
               {"email": invited, "display_name": "Nouvelle Recrue", "role": "contributor"},
               page=page)
    check(r.status == 303 and r.location == "/organisations/%d?fait=invitation" % org,
          "the invitation is sent", "%d %s" % (r.status, r.location))
    r = c.get(r.location or "/organisations/%d" % org)
    check(html.escape(invited) in r.text and "invité" in r.text,
          "the member list shows the invited person, not yet come")
    # Rights: a manager of the same organisation does not invite, nor sees
    # the addresses; another organisation's member does not see it at all.
    mgr = Client("192.0.2.51")
    mgr.login(ACC["manager"]["email"], ACC["manager"]["password"])
    p = mgr.get("/organisations/%d" % org)
    check(p.status == 200 and "/invitations" not in p.text and html.escape(invited) not in p.text,
          "a manager sees names and roles, no addresses and no invitation form")
    r = mgr.post("/organisations/%d/invitations" % org,
                 {"email": "autre@example.org", "display_name": "Autre", "role": "reader"}, page=p)
    check(r.status == 403, "a manager cannot invite: 403", r.status)
    r = applicant.get("/organisations/%d" % org)
    check(r.status == 404, "another organisation's member: 404", r.status)
    r = mgr.get("/organisations/%d" % applicant_org)
    check(r.status == 404, "and the other way round: 404", r.status)
    r = mgr.get("/admin/organisations")
    check(r.status == 403, "the platform's pages are not a manager's: 403", r.status)
    text = wait_mail(invited, "Invitation") or ""
    path = link_in(text)
    check(path is not None, "the invitation mail arrives with its link", text[:300])
    if not path:
        return
    newcomer = Client("192.0.2.52")
    set_password_by_link(newcomer, path, "le mot de passe de la recrue")
    newcomer.login(invited, "le mot de passe de la recrue")
    r = newcomer.get("/compte")
    check(r.status == 200 and "Contributeur" in r.text and 'href="/organisations/%d"' % org in r.text,
          "the newcomer is in with the role given", r.main()[:400])
    r = c.get("/organisations/%d" % org)
    check(r.status == 200 and not re.search(r"Nouvelle Recrue <span class=\"tag pending\">", r.text),
          "the member list no longer shows the newcomer as invited")


def main():
    manager, other = login_failures()
    created = csrf_and_origin(manager)
    operator = second_factor()
    applicant, applicant_org = registration(operator)
    api_tokens(manager, created, applicant)
    logout(other)
    session_expiry(manager, ACC["manager"]["email"])
    password_reset()
    password_change()
    invitation(applicant, applicant_org)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


main()
