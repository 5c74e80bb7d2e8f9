#!/usr/bin/env python3
"""Black-box escaping crawl of `maillage serve` (called by crawl_escaping.sh).

Finds every field the application accepts -- the HTML forms met while
crawling from / (inputs, selects, textareas, named submit buttons), the query
parameters and path segments of the pages it links to, and the JSON string
fields of the API's write operations (static/openapi.yaml) -- and submits
values carrying <script>"'& and its variants in each of them. Then it crawls
again every page, download and API answer that may show them and checks:

  HTML  no payload verbatim, no element or attribute the payload could have
        made (<script> other than /static/*.js, on* attributes, odd attribute
        names, javascript: URLs), and each value, found decoded by
        html.parser, equal to what was typed (not double-escaped, not cut);
  JSON  it parses, Content-Type application/json, strings round-trip exactly;
  CSV   RFC 4180 (quotes only in quoted fields, doubled), rows of one width;
  SVG   well-formed XML (xml.etree), no script, text decoded exactly;
  iCal  (a teleconsultant's and a rounds service's feeds) text values as
        typed, \\ ; , and newlines escaped (X- properties: \\ and newlines);
  every answer: the Content-Type of its kind (text/html; charset=utf-8 for
  pages), no value echoed raw in a header.

Every accepted write must be displayed somewhere afterwards (counted per value):
by the final crawl, or for an edit form (OVERWRITES: the next submission
replaces it) on the page the write led to, right after it. A value a form
accepts but ignores (IGNORED, NOT_STORED) must be shown nowhere. File inputs
get a small valid file (FILE_EXAMPLES), sent as multipart/form-data, the
value riding in the file's name or content.
Each value carries a marker MGXnnn_ so that it can be found and its
surroundings compared with what was sent.

The single window (issue 16; --funding, the accounts crawl_escaping.sh made):
its API writes are exercised by fuzz_funding in the session of the role
each needs (an association files, the crawl's manager leads the window and
routes, a co-funder's instructor -- second factor enrolled here, TOTP
computed -- gives opinions, asks, decides and pays), the page forms of
each role are fuzzed in its session, and the pages and API answers of the
requests, windows, calls, committees and the co-funder are crawled as each
role sees them.

The telehealth equipment (issue 17; --booking, the network and accounts
crawl_escaping.sh made): the booking API's writes (a booking's members as
the public, lookup and cancel, the host's change of state), the public's
pages in a visitor's pre-session (its mg_pre cookie and form token), the
host's, the teleconsultant's and the owner's manager's page forms in their
sessions, each form of BOOKING_FORMS submitted with the values at least
once (else a failure), then their pages, API answers and the calendar feed
crawled as each role sees them. Public booking attempts are throttled per
client address: the server trusts 127.0.0.1 as a proxy and each public
booking request carries an X-Forwarded-For address of its own (and each
booking a phone number of its own).

The mobile services' rounds (issue 18; --rounds, the crawl's organisation):
the rounds API's writes in the manager's session -- a service of two
communes whose name, contact, vehicles, stops, plans' labels and
cancellations' reasons carry the values (some with iCalendar's specials
, ; \\ and a newline), its publication and withdrawal -- then the page forms
of its page, of a plan's page and of the list (each of ROUNDS_FORMS
submitted, else a failure; the stops file a small valid CSV whose stop
name carries the value), then the organisation's pages and API answers,
the public timetable, the posters (application/pdf, %PDF-), the feed
(text/calendar, TEXT escaped per RFC 5545) and the finder's next stops.
Each cancellation is on a day the published plan stops, so that its reason
stands in the timetable's JSON and the feed.

  crawl_escaping.py --self-test            checker fed crafted good and bad
                                           answers through a local server
  crawl_escaping.py --base http://127.0.0.1:PORT [--counts FILE]

Exit 0 when every check passed, 1 otherwise; FILE receives "CHECKS FAILS".
Standard library only; loopback only.
"""
import argparse
import datetime
import html
import html.parser
import http.server
import json
import os
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

PAYLOAD = "<script>\"'&"
VARIANT = "\"><img src=x onerror=alert(1)>' onmouseover='x </title><script>"
# Strings that must never stand verbatim in HTML (an escaper that forgets
# one of & < > " ' lets one of them through).
RAW = [PAYLOAD, "\"><img src=x onerror=alert(1)>", "' onmouseover='x", "</title><script>"]
# What an iCalendar feed escapes besides (RFC 5545, 3.3.11: \\ ; , and
# newlines): styles 3 (one line) and 4 (two lines) of Values.make.
ICAL_SPECIALS = ", ; \\ \\n \\, \\;"
MARKER_RE = re.compile(r"MGX\d{3,}[a-z]*_")
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "poster", "data"}
ATTR_NAME_RE = re.compile(r"^[a-zA-Z_:][-a-zA-Z0-9_:.]*$")
# The site's own scripts: files of static/, and the embedded ones of
# /assets/ with their version.
SITE_SCRIPT_RE = re.compile(r"^/(static/[A-Za-z0-9_.-]+\.js|assets/[A-Za-z0-9_.-]+\.js(\?v=[0-9a-f]+)?)$")
MAX_PAGES = 300        # final crawl
MAX_REQUESTS = 9000    # whole run (the booking's roles added some 2000)
DEADLINE = 240.0       # seconds, whole run (about 20 s optimised; sanitisers are slower)


def snippet(s, pos=None, width=70):
    if pos is None:
        t = s[:2 * width]
    else:
        t = s[max(0, pos - width // 2):pos + width]
    return repr(t)


# ---------------------------------------------------------------- values

class Value:
    def __init__(self, marker, text, where, field, kind):
        self.marker, self.text, self.where, self.field, self.kind = marker, text, where, field, kind
        self.status = None          # answer to the submission
        self.accepted = False       # the write succeeded (2xx/3xx)
        self.expect_shown = False   # an accepted write: must be displayed afterwards
        self.echo = {"html": 0, "json": 0, "csv": 0, "svg": 0, "ics": 0}   # while submitting
        self.shown = {"html": 0, "json": 0, "csv": 0, "svg": 0, "ics": 0}  # final crawl
        self.urls = []
        self.overwritten = False    # an edit form's: checked on the page right after
        self.shown_after = False
        self.api_after = False
        self.ignored = False        # accepted but ignored (IGNORED): shown nowhere


class Values:
    def __init__(self, tag=""):
        self.n, self.tag = 0, tag  # tag: letters telling one run from another
        self.by_marker = {}

    def make(self, style, where, field, kind):
        marker = "MGX%03d%s_" % (self.n, self.tag)
        self.n += 1
        if style == 0:
            text = marker + PAYLOAD
        elif style == 1:
            text = marker + VARIANT
        elif style == 3:
            text = marker + PAYLOAD + ICAL_SPECIALS
        elif style == 4:
            text = marker + PAYLOAD + ICAL_SPECIALS + "\nsuite"
        else:
            text = "javascript:alert('" + marker + "')"
        v = Value(marker, text, where, field, kind)
        self.by_marker[marker] = v
        return v


def marker_scan(s, values, decode=None):
    """Markers in string s: returns (shown markers, problems). A value must
    stand whole around its marker (or cut with an ellipsis)."""
    shown, problems = set(), []
    if decode:
        s = decode(s)
    for m in MARKER_RE.finditer(s):
        v = values.by_marker.get(m.group())
        if v is None:
            continue
        i = v.text.index(v.marker)
        pre, post = v.text[:i], v.text[i + len(v.marker):]
        before, after = s[:m.start()], s[m.end():]
        if not before.endswith(pre):
            problems.append("value %s altered before its marker: %s" % (v.marker, snippet(s, m.start())))
            continue
        if after.startswith(post):
            shown.add(v.marker)
            continue
        # cut short for display: a prefix followed by an ellipsis or the end
        k = 0
        while k < len(post) and k < len(after) and after[k] == post[k]:
            k += 1
        rest = after[k:]
        if k > 0 and (k == len(after) or rest.startswith("…") or rest.startswith("...")
                      or rest[0].isspace() or rest[0] in "»)]"):
            shown.add(v.marker)   # a prefix, then a boundary: cut for display
            continue
        problems.append("value %s altered (double-escaped or mangled): %s sent %r"
                        % (v.marker, snippet(s, m.start()), v.text))
    return shown, problems


# ---------------------------------------------------------------- HTML

class Field:
    def __init__(self, name, tag, type_, default="", required=False, checked=False):
        self.name, self.tag, self.type, self.default = name, tag, type_, default
        self.required, self.checked, self.options = required, checked, []
        self.list = None  # an input's datalist id: its suggestions


class Form:
    def __init__(self, method, action, enctype=""):
        self.method, self.action, self.fields = method, action, []
        self.enctype = enctype  # "multipart/form-data" for a form with a file input


class Upload:
    """A file a file input sends: its name, its Content-Type and its bytes."""

    def __init__(self, filename, ctype, data):
        self.filename, self.ctype, self.data = filename, ctype, data


class Page(html.parser.HTMLParser):
    """Elements, attributes (decoded), text runs (decoded), links and forms."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []      # (tag, [(name, value)], line)
        self.texts = []         # decoded text runs
        self.links = []
        self.forms = []
        self.datalists = {}     # id → the values it suggests
        self._form = self._select = self._option = self._textarea = None
        self._datalist = None
        self._cdata = None

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs, self.getpos()[0]))
        a = {}
        for k, v in attrs:
            a.setdefault(k, v)
        if tag in ("a", "area", "link") and a.get("href"):
            self.links.append(a["href"])
        if tag in ("img", "script", "iframe", "embed", "source") and a.get("src"):
            self.links.append(a["src"])
        if tag == "form":
            self._form = Form((a.get("method") or "get").lower(), a.get("action") or "",
                              (a.get("enctype") or "").lower())
            self.forms.append(self._form)
            return
        if tag == "datalist":
            self._datalist = self.datalists.setdefault(a.get("id") or "", [])
            return
        if tag == "option" and self._datalist is not None:
            self._datalist.append(a.get("value") or "")
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            self._form.fields.append(Field(name, "input", (a.get("type") or "text").lower(),
                                           a.get("value") or "", "required" in a, "checked" in a))
            self._form.fields[-1].list = a.get("list")
        elif tag == "button" and name and (a.get("type") or "submit").lower() == "submit":
            self._form.fields.append(Field(name, "button", "submit", a.get("value") or ""))
        elif tag == "select" and name:
            self._select = Field(name, "select", "select", required="required" in a)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, ""]
            self._select.options.append(self._option)
        elif tag == "textarea" and name:
            self._textarea = Field(name, "textarea", "textarea", required="required" in a)
            self._form.fields.append(self._textarea)

    def handle_endtag(self, tag):
        if tag == "datalist":
            self._datalist = None
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = self._option = None
        elif tag == "option":
            self._option = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        self.texts.append(data)
        if self._option is not None:
            self._option[2] += data
        if self._textarea is not None:
            self._textarea.default += data


def parse_html(text):
    p = Page()
    p.feed(text)
    p.close()
    for f in p.forms:
        f.datalists = p.datalists
        for fl in f.fields:
            if fl.tag == "select":
                opts = [(o[0] if o[0] is not None else o[2].strip(), o[1]) for o in fl.options]
                sel = [v for v, s in opts if s]
                fl.default = sel[0] if sel else (opts[0][0] if opts else "")
    return p


ENTITY_RE = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def raw_scan(text, values):
    """In the source of an HTML or XML document: after each marker, each
    character of the value that HTML reads specially (& < > " ') must be
    written as an entity. Returns problems."""
    problems = []
    for m in MARKER_RE.finditer(text):
        v = values.by_marker.get(m.group())
        if v is None:
            continue
        post = v.text[v.text.index(v.marker) + len(v.marker):]
        i = m.end()
        for c in post:
            e = ENTITY_RE.match(text, i)
            if e and html.unescape(e.group()) == c:
                i = e.end()
            elif text.startswith(c, i) and c in "&<>\"'":
                problems.append("value %s: %r not escaped: %s" % (v.marker, c, snippet(text, m.start())))
                break
            elif text.startswith(c, i):
                i += 1
            else:
                break   # written otherwise (percent-encoded, cut): judged on the decoded text
    return problems


def check_html(text, values):
    """Returns (problems, shown markers, parsed page)."""
    problems, shown = [], set()
    for raw in RAW:
        i = text.find(raw)
        if i >= 0:
            problems.append("payload verbatim %r: %s" % (raw, snippet(text, i)))
    problems += raw_scan(text, values)
    try:
        p = parse_html(text)
    except Exception as e:  # html.parser is lenient; this should not happen
        return problems + ["HTML does not parse: %s" % e], shown, None
    for tag, attrs, line in p.elements:
        a = dict(attrs)
        if tag == "script" and not SITE_SCRIPT_RE.match(a.get("src") or ""):
            problems.append("line %d: <script> that is not the site's own /static/*.js: %r" % (line, attrs))
        if tag in ("iframe", "object", "embed", "foreignobject", "base"):
            problems.append("line %d: unexpected <%s> %r" % (line, tag, attrs))
        if tag == "img" and (a.get("src") or "") == "x":
            problems.append("line %d: <img src=x> made by the payload: %r" % (line, attrs))
        for k, v in attrs:
            if k.startswith("on"):
                problems.append("line %d: event attribute %s=%r on <%s>" % (line, k, v, tag))
            elif not ATTR_NAME_RE.match(k):
                problems.append("line %d: odd attribute name %r on <%s> (attribute break-out?)" % (line, k, tag))
            if v is None:
                continue
            if k in URL_ATTRS or k.endswith(":href"):
                u = re.sub(r"[\x00-\x20]", "", v).lower()
                if u.startswith("javascript:") or u.startswith("vbscript:") or u.startswith("data:text/html"):
                    problems.append("line %d: %s=%r on <%s>" % (line, k, v, tag))
                s, pr = marker_scan(v, values, decode=urllib.parse.unquote_plus)
            else:
                s, pr = marker_scan(v, values)
            shown |= s
            problems += ["line %d: attribute %s of <%s>: %s" % (line, k, tag, x) for x in pr]
    for t in p.texts:
        s, pr = marker_scan(t, values)
        shown |= s
        problems += pr
    return problems, shown, p


# ---------------------------------------------------------------- JSON, CSV, SVG

def json_strings(o):
    if isinstance(o, str):
        yield o
    elif isinstance(o, dict):
        for k, v in o.items():
            yield k
            yield from json_strings(v)
    elif isinstance(o, list):
        for v in o:
            yield from json_strings(v)


def check_json(text, values):
    try:
        doc = json.loads(text)
    except ValueError as e:
        return ["JSON does not parse (%s): %s" % (e, snippet(text, getattr(e, "pos", 0)))], set(), None
    problems, shown = [], set()
    for s in json_strings(doc):
        sh, pr = marker_scan(s, values)
        shown |= sh
        problems += pr
    return problems, shown, doc


def parse_csv(text, sep=","):
    """Strict RFC 4180 (LF accepted for CRLF) with separator sep. Raises
    ValueError."""
    rows, row, i, n = [], [], 0, len(text)
    plain = re.compile(r"[^" + re.escape(sep) + r"\r\n]*")
    while True:
        if i < n and text[i] == '"':
            i += 1
            buf = []
            while True:
                j = text.find('"', i)
                if j < 0:
                    raise ValueError("unterminated quoted field at %d" % i)
                buf.append(text[i:j])
                if text.startswith('""', j):
                    buf.append('"')
                    i = j + 2
                    continue
                i = j + 1
                break
            field = "".join(buf)
            if i < n and text[i] not in sep + "\r\n":
                raise ValueError("character after a closing quote: %s" % snippet(text, i))
        else:
            m = plain.match(text, i)
            field, i = m.group(), m.end()
            if '"' in field:
                raise ValueError("quote in an unquoted field: %s" % snippet(text, m.start()))
        row.append(field)
        if i >= n:
            rows.append(row)
            break
        if text[i] == sep:
            i += 1
            continue
        i += 2 if text.startswith("\r\n", i) else 1
        rows.append(row)
        row = []
        if i >= n:
            break
    return rows


def check_csv(text, values):
    # The French-spreadsheet variant: a byte-order mark, then ';'.
    sep = ","
    if text.startswith("\ufeff"):
        text, sep = text[1:], ";"
    try:
        rows = parse_csv(text, sep)
    except ValueError as e:
        return ["CSV is not RFC 4180: %s" % e], set(), None
    problems, shown = [], set()
    if rows:
        w = len(rows[0])
        for k, r in enumerate(rows):
            if len(r) != w:
                problems.append("CSV row %d has %d fields, the header %d: %r" % (k + 1, len(r), w, r[:4]))
                break
    for r in rows:
        for f in r:
            sh, pr = marker_scan(f, values)
            shown |= sh
            problems += pr
    return problems, shown, rows


def check_svg(data, values):
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        return ["SVG is not well-formed XML: %s" % e], set(), None
    problems, shown = raw_scan(data.decode("utf-8", "replace"), values), set()
    for el in root.iter():
        tag = el.tag.split("}")[-1].lower() if isinstance(el.tag, str) else ""
        if tag in ("script", "foreignobject", "iframe", "img"):
            problems.append("SVG has a <%s> element" % tag)
        for k, v in el.attrib.items():
            name = k.split("}")[-1]
            if name.lower().startswith("on"):
                problems.append("SVG event attribute %s=%r" % (name, v))
            if name == "href" and re.sub(r"[\x00-\x20]", "", v).lower().startswith("javascript:"):
                problems.append("SVG javascript: link %r" % v)
            sh, pr = marker_scan(v, values)
            shown |= sh
            problems += pr
        for t in (el.text, el.tail):
            if t:
                sh, pr = marker_scan(t, values)
                shown |= sh
                problems += pr
    return problems, shown, root


# ---------------------------------------------------------------- HTTP

class Resp:
    def __init__(self, method, url, status, headers, body):
        self.method, self.url, self.status, self.headers, self.body = method, url, status, headers, body

    @property
    def ctype(self):
        return self.headers.get("Content-Type") or ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)
# The session the crawl runs in (--cookie, --csrf): a manager of an
# organisation, so that the forms that write are there to be filled.
SESSION = {"cookie": None, "csrf": None}
# The single window's accounts and objects (--funding: JSON from crawl_escaping.sh).
FUNDING_CFG = {}


def expected_type(path, status):
    """The Content-Type an answer for path with that status must have
    (None: not checked)."""
    if status in (204, 304) or 300 <= status < 400:
        return None
    if path.startswith("/api/v1/"):
        return ("application/json",)
    if status >= 400:
        return ("text/html; charset=utf-8",)
    if path.startswith("/static/") or path.startswith("/assets/"):
        ext = path.rsplit(".", 1)[-1]
        return {"css": ("text/css",), "js": ("text/javascript", "application/javascript"),
                "yaml": ("application/yaml", "application/x-yaml", "text/yaml")}.get(ext)
    if path.endswith(".csv"):
        return ("text/csv",)
    if path.endswith(".geojson"):
        return ("application/geo+json", "application/json")
    if path.endswith(".svg"):
        return ("image/svg+xml",)
    if path.endswith(".ics"):
        return ("text/calendar",)
    if path.endswith(".png"):
        return ("image/png",)
    if path.endswith(".pdf"):
        return ("application/pdf",)
    if path.endswith(".xlsx"):
        return ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",)
    return ("text/html; charset=utf-8",)


class Run:
    def __init__(self, base, values=None, out=sys.stdout, quiet=False):
        self.base = base.rstrip("/")
        self.origin = urllib.parse.urlsplit(self.base)[:2]
        self.values = values or Values()
        self.out, self.quiet = out, quiet
        self.checks = self.fails = 0
        self.problems = []          # (url, message)
        self.requests = 0
        self.start = time.monotonic()
        self.final = False          # counting displays for the final crawl
        self.stats = {}             # kind of answer -> count
        self.ids = []               # scenarios holding a stored value
        self.written = set()        # other pages a write led to (a structure, a contract…)
        self.serial = 0

    # -- bookkeeping
    def ok(self):
        self.checks += 1

    def fail(self, url, msg):
        self.fails += 1
        self.problems.append((url, msg))
        if not self.quiet:
            print("FAIL: %s: %s" % (url, msg), file=self.out, flush=True)

    def check(self, cond, url, msg):
        if cond:
            self.ok()
        else:
            self.fail(url, msg)
        return cond

    def over_budget(self):
        return self.requests >= MAX_REQUESTS or time.monotonic() - self.start > DEADLINE

    # -- requests
    def request(self, method, path, body=None, ctype=None):
        url = path if path.startswith("http") else self.base + path
        self.requests += 1
        req = urllib.request.Request(url, data=body, method=method)
        if ctype:
            req.add_header("Content-Type", ctype)
        if SESSION["cookie"]:
            req.add_header("Cookie", SESSION["cookie"])
        if XFF["on"] and PUBLIC_BOOKING_RE.match(urllib.parse.urlsplit(url).path):
            req.add_header("X-Forwarded-For", next_xff())
        if SESSION["csrf"] and method not in ("GET", "HEAD") and ctype != "application/x-www-form-urlencoded" \
                and not ((ctype or "").startswith("multipart/form-data") and "/api/v1/" not in url):
            # A page's script sends the form token in this header; forms
            # carry it in their hidden field, filled from the page.
            req.add_header("X-CSRF-Token", SESSION["csrf"])
        try:
            with OPENER.open(req, timeout=30) as r:
                return Resp(method, url, r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            data = e.read()
            return Resp(method, url, e.code, e.headers, data)

    def local(self, url):
        """Absolute same-origin URL -> path?query (None if foreign)."""
        s = urllib.parse.urlsplit(urllib.parse.urljoin(self.base + "/", url))
        if (s.scheme, s.netloc) != self.origin:
            return None
        return s.path + ("?" + s.query if s.query else "")

    # -- the one checking path every answer goes through
    def examine(self, resp):
        """Checks an answer by its kind; returns the parsed document
        (Page, JSON object, CSV rows, SVG root or None)."""
        url = resp.url
        path = urllib.parse.urlsplit(url).path
        ct = resp.ctype
        # a refusal is a 4xx; a 5xx is a fault of the server's
        self.check(resp.status < 500, url, "%s answered HTTP %d" % (resp.method, resp.status))
        norm = re.sub(r"\s*;\s*", "; ", ct.strip().lower())
        want = expected_type(path, resp.status)
        if resp.status == 200 and (resp.headers.get("Content-Disposition") or "").startswith("attachment"):
            # a download (a contract's document, a request's piece): the
            # type of the bytes stored, checked below by its magic number
            want = None
        if want is not None:
            self.check(any(norm == w or norm.startswith(w + ";") for w in want) and
                       (not want[0].startswith("text/html") or norm == "text/html; charset=utf-8"),
                       url, "HTTP %d Content-Type %r, expected %s" % (resp.status, ct, " or ".join(want)))
        for k, v in resp.headers.items():
            if MARKER_RE.search(v) or any(r in v for r in RAW):
                if k.lower() == "content-disposition":
                    # the file's name, inside its quotes
                    v = " ".join(re.findall(r'filename="([^"]*)"', v)) or v
                self.check(not re.search(r"[<>\"'\r\n ]", v), url,
                           "header %s echoes a value unencoded: %r" % (k, v))
        if resp.status in (204, 304) or 300 <= resp.status < 400 or resp.method == "HEAD":
            return None
        kind = None
        if norm.startswith("text/html"):
            kind = "html"
        elif norm.startswith("application/json") or norm.startswith("application/geo+json"):
            kind = "json"
        elif norm.startswith("text/csv"):
            kind = "csv"
        elif norm.startswith("image/svg+xml"):
            kind = "svg"
        elif norm.startswith("text/calendar"):
            kind = "ics"
        elif norm.startswith("image/png"):
            self.check(resp.body.startswith(b"\x89PNG\r\n\x1a\n"), url, "not a PNG")
            self.count("png")
            return None
        elif norm.startswith("application/pdf"):
            self.check(resp.body.startswith(b"%PDF-"), url, "not a PDF")
            self.count("pdf")
            return None
        elif norm.startswith("application/vnd.openxmlformats"):
            self.check(resp.body.startswith(b"PK\x03\x04"), url, "not an XLSX (zip) file")
            self.count("xlsx")
            return None
        else:
            self.count("other")
            return None
        self.count(("error " if resp.status >= 400 else "") + kind)
        if kind == "svg":
            problems, shown, doc = check_svg(resp.body, self.values)
        else:
            try:
                text = resp.body.decode("utf-8")
            except UnicodeDecodeError as e:
                self.fail(url, "body is not UTF-8: %s" % e)
                return None
            if kind == "ics":
                problems, shown = ical_check(text, self.values)
                doc = None
            else:
                problems, shown, doc = {"html": check_html, "json": check_json,
                                        "csv": check_csv}[kind](text, self.values)
            if kind == "json" and resp.status >= 400 and doc is not None and path.startswith("/api/"):
                e = doc.get("error") if isinstance(doc, dict) else None
                self.check(isinstance(e, dict) and e.get("status") == resp.status and
                           isinstance(e.get("message"), str), url,
                           "error answer is not {\"error\": {\"status\": %d, \"message\": …}}: %s"
                           % (resp.status, snippet(text)))
        for p in problems:
            self.fail(url, p)
        if not problems:
            self.ok()
        for m in shown:
            v = self.values.by_marker[m]
            if self.final:
                v.shown[kind] += 1
                if len(v.urls) < 3:
                    v.urls.append(url)
            else:
                v.echo[kind] += 1
        return doc

    def uniq(self):
        self.serial += 1
        return "%d.%d" % (os.getpid(), self.serial)

    def count(self, kind):
        self.stats[kind] = self.stats.get(kind, 0) + 1

    def get(self, path):
        r = self.request("GET", path)
        return r, self.examine(r)


# ---------------------------------------------------------------- crawling

def template(path):
    """/scenarios/12?a=1&b=2 -> ('/scenarios/N', 'a&b'): pages of one kind."""
    s = urllib.parse.urlsplit(path)
    keys = sorted({k for k, _ in urllib.parse.parse_qsl(s.query, keep_blank_values=True)})
    return re.sub(r"(?<=/)\d+(?=/|$)", "N", s.path), "&".join(keys)


def cap_of(tpl):
    p = tpl[0]
    if p.endswith(".png"):
        return 2
    if p.startswith("/commune/") or p.startswith("/api/v1/communes/"):
        return 6
    if p in ("/territoire", "/carte.svg", "/"):
        return 12
    return 30


def crawl(run, seeds, max_pages, on_page=None, follow=True):
    """Breadth-first GET crawl from seeds (always fetched), same origin,
    at most max_pages answers and cap_of(template) pages of each kind."""
    queue, seen, per = [], set(), {}
    for s in seeds:
        if s not in seen:
            seen.add(s)
            queue.append((s, True))
    done = 0
    while queue and done < max_pages and not run.over_budget():
        path, seed = queue.pop(0)
        tpl = template(path)
        if not seed and per.get(tpl, 0) >= cap_of(tpl):
            continue
        per[tpl] = per.get(tpl, 0) + 1
        resp, doc = run.get(path)
        done += 1
        if isinstance(doc, Page):
            if on_page:
                on_page(path, resp, doc)
            if follow:
                for link in doc.links:
                    p = run.local(link.split("#")[0])
                    if p and p not in seen:
                        seen.add(p)
                        queue.append((p, False))
    return done


# ---------------------------------------------------------------- form fuzzing

def form_key(run, page_path, form):
    action = run.local(urllib.parse.urljoin(run.base + page_path, form.action or page_path)) or ""
    return (form.method, re.sub(r"(?<=/)\d+(?=/|$)", "N", action.split("?")[0]),
            tuple(f.name for f in form.fields)), action


def form_defaults(run, form):
    """The values a browser would send, a required text made unique
    (scenario names must be)."""
    vals = []
    button = None
    for f in form.fields:
        if f.tag == "button":
            if button is None:
                button = [f.name, f.default]
            continue
        if f.type in ("checkbox", "radio") and not f.checked:
            if getattr(form, "where", "") in TICK_FIRST and f.type == "checkbox" and \
                    not any(g.type == "checkbox" and (g.checked or g is f) for g in form.fields
                            if form.fields.index(g) < form.fields.index(f)):
                vals.append([f.name, f.default or "on"])   # the first one, ticked
            continue
        if f.type == "file":
            # A file input: the small valid file a person would pick for
            # this form (FILE_EXAMPLES), sent as multipart/form-data.
            make = FILE_EXAMPLES.get((getattr(form, "where", ""), f.name))
            if make:
                vals.append([f.name, make(run, None)[0]])
            continue
        if f.type in ("submit", "reset", "image", "button"):
            continue
        v = f.default
        where = getattr(form, "where", "")
        if (where, f.name) in FORM_EXAMPLES:
            v = FORM_EXAMPLES[(where, f.name)]
            vals.append([f.name, v() if callable(v) else v])
            continue
        suggested = f.list and getattr(form, "datalists", {}).get(f.list)
        real = [o for o, _ in ((o[0] if o[0] is not None else o[2].strip(), o[1]) for o in f.options) if o]
        if f.tag == "select" and f.required and not v and real:
            # A required list whose first option is a placeholder
            # (« Choisissez une organisation ») that the browser will not
            # send: the first real choice, as a person picks it.
            v = real[0]
        elif not v and suggested:
            # A field with suggestions (a commune): the first one, as
            # picked from the list.
            v = suggested[0]
        elif f.name in FIELD_EXAMPLES and not v:
            v = FIELD_EXAMPLES[f.name]
            if callable(v):
                v = v(run)
        elif f.type == "date" and not v:
            v = "2027-01-15"
        elif f.type == "time" and not v:
            v = "10:00"
        elif f.required and f.tag in ("input", "textarea") and f.type not in ("hidden", "number", "date", "time"):
            v = (v or "Essai") + " " + run.uniq()
        vals.append([f.name, v])
    if button:
        vals.append(button)
    return vals


def multipart(pairs):
    """multipart/form-data as a browser sends it (RFC 7578): (body, Content-Type)."""
    boundary = "----mgcrawl" + os.urandom(12).hex()
    out = []
    for name, v in pairs:
        if isinstance(v, Upload):
            head = 'Content-Disposition: form-data; name="%s"; filename="%s"\r\nContent-Type: %s' % (
                name, browser_filename(v.filename), v.ctype)
            data = v.data
        else:
            head = 'Content-Disposition: form-data; name="%s"' % name
            data = str(v).encode()
        out.append(b"--" + boundary.encode() + b"\r\n" + head.encode() + b"\r\n\r\n" + data + b"\r\n")
    out.append(b"--" + boundary.encode() + b"--\r\n")
    return b"".join(out), "multipart/form-data; boundary=" + boundary


def browser_filename(name):
    """A file's name as browsers write it in multipart/form-data (the HTML
    standard: LF, CR and '"' percent-encoded, nothing else changed)."""
    return name.replace("\n", "%0A").replace("\r", "%0D").replace('"', "%22")


def api_of(path):
    """The API's entry for a page (a structure, a contract, an action), or
    None."""
    for page, api in ((r"/structure/(\d+)", "/api/v1/structures/"),
                      (r"/contrats/\d+/actions/(\d+)", "/api/v1/actions/"),
                      (r"/contrats/(\d+)", "/api/v1/contracts/"),
                      (r"/guichet/demandes/(\d+)", "/api/v1/subsidy-requests/"),
                      (r"/tournees/services/(\d+)", "/api/v1/rounds/services/")):
        m = re.match("^" + page + r"(?:[?#]|$)", path)
        if m:
            return api + m.group(1)
    return None


def submit(run, method, action, pairs, enctype=""):
    """Submits a form; follows one same-origin redirect. Returns (status,
    redirect path or None)."""
    if method == "post" and enctype == "multipart/form-data":
        body, ctype = multipart(pairs)
        r = run.request("POST", action, body, ctype)
    elif method == "post":
        body = urllib.parse.urlencode([tuple(p) for p in pairs]).encode()
        r = run.request("POST", action, body, "application/x-www-form-urlencoded")
    else:
        # a GET form replaces the query of its action
        body = urllib.parse.urlencode([tuple(p) for p in pairs]).encode()
        r = run.request("GET", action.split("?")[0] + ("?" + body.decode() if pairs else ""))
    doc = run.examine(r)
    loc = None
    if 300 <= r.status < 400:
        loc = run.local(r.headers.get("Location") or "")
        run.check(loc is not None, r.url, "redirect to %r" % r.headers.get("Location"))
        if loc:
            r2, doc = run.get(loc)
    return r.status, loc, doc


def error_text(doc):
    """The error message of a refusal page (its text runs naming a field,
    in « »), for a failure's message."""
    if not isinstance(doc, Page):
        return ""
    t = [x.strip() for x in doc.texts if "«" in x or "rreur" in x]
    return (": " + " | ".join(t)[:300]) if t else ""


class Fuzzer:
    def __init__(self, run):
        self.run = run
        self.done_forms = set()
        self.pending = []           # (key, action, form)
        self.fields = []            # report rows
        self.skipped = []
        self.rounds = False         # True: the rounds' forms too (fuzz_rounds)

    def offer(self, page_path, page):
        for form in page.forms:
            key, action = form_key(self.run, page_path, form)
            if key in self.done_forms or not action:
                continue
            self.done_forms.add(key)
            if ROUNDS_CFG and key[1].startswith("/tournees/") and not self.rounds:
                # the rounds' forms: fuzz_rounds submits them, on services
                # of a few communes (the whole territory's chefs-lieux would
                # make every plan computed slow)
                self.skipped.append("%s %s (rounds: fuzz_rounds)" % (form.method.upper(), key[1]))
                continue
            deletes = re.search(r"/supprimer$", key[1])
            ends = key[1] == "/deconnexion"  # would end the crawl's session
            if deletes or ends or not form.fields:
                self.skipped.append("%s %s (%s)" % (form.method.upper(), key[1],
                                                    "deletes" if deletes else
                                                    "logs out" if ends else "no fields"))
                continue
            form.where = "%s %s" % (form.method.upper(), key[1])
            self.pending.append((key, action, form))

    def fuzz_all(self):
        while self.pending and not self.run.over_budget():
            key, action, form = self.pending.pop(0)
            self.fuzz_form(key, action, form)

    def fuzz_form(self, key, action, form):
        run = self.run
        where = "%s %s" % (form.method.upper(), key[1])
        for f in form.fields:
            if f.name == "csrf":
                continue  # the form token: anything but the page's is a 403
            row = []
            for style in (0, 1, 2):
                v = run.values.make(style, where, f.name, f.tag if f.tag != "input" else f.type)
                pairs = [list(p) for p in form_defaults(run, form)]
                sent = v.text
                make = FILE_EXAMPLES.get((where, f.name)) if f.type == "file" else None
                if make:
                    # a file input: the value rides in the file (its name,
                    # or a cell of a spreadsheet); what a page must then
                    # show is the text as sent
                    sent, v.text = make(run, v.text)
                for p in pairs:
                    if p[0] == f.name:
                        p[1] = sent
                        break
                else:
                    pairs.append([f.name, sent])
                echoed = v.echo["html"]
                if where in FRESH:
                    action = FRESH[where]() or action
                status, loc, doc = submit(run, form.method, action, pairs, form.enctype)
                v.status = status
                v.accepted = status < 400
                v.expect_shown = v.accepted and form.method == "post"
                if v.expect_shown and OVERWRITES.search(key[1]):
                    # an edit form: the next submission overwrites this
                    # value, so it must show on the page the write led to
                    # (the 303's target, fetched by submit), now
                    v.overwritten = True
                    v.shown_after = v.echo["html"] > echoed
                    api = api_of(loc or "")
                    if api:
                        # and the API's entry for what the page shows
                        echoed = v.echo["json"]
                        run.get(api)
                        v.api_after = v.echo["json"] > echoed
                if v.expect_shown and ((where, f.name) in NOT_STORED or (where, f.name) in STORED_UNSHOWN or
                                       NOT_STORED_RE.match(where + " " + f.name) or
                                       (f.type == "checkbox" and where.startswith(NOT_STORED_CHECKBOXES))):
                    v.expect_shown, v.ignored = False, True
                ignored = IGNORED.get((where, f.name))
                if v.expect_shown and ignored:
                    # a value the form ignores in the defaults' case: not
                    # stored (checked: no page shows it), and refused
                    # where it counts
                    v.expect_shown, v.ignored = False, True
                    for other in ignored[1]:
                        p2 = [[n, other if n == ignored[0] else x] for n, x in pairs]
                        if ignored[0] not in (n for n, _ in pairs):
                            p2.append([ignored[0], other])  # an unticked checkbox, ticked
                        if where in FRESH:
                            action = FRESH[where]() or action
                        st, _, _ = submit(run, form.method, action, p2, form.enctype)
                        run.check(400 <= st < 500, action, "%s %s=%r with %s=%s answered %d, not 4xx"
                                  % (where, f.name, v.text, ignored[0], other, st))
                if loc and re.match(r"^/scenarios/\d+$", loc) and v.expect_shown:
                    run.ids.append(int(loc.rsplit("/", 1)[1]))
                if loc and v.expect_shown:
                    # a structure, a contract, an action or a meeting the
                    # write made or changed: the final crawl visits it, and
                    # a structure's entry in the API
                    m = re.match(r"^(/structure/\d+|/contrats/\d+(?:/actions/\d+)?|"
                                 r"/reseau/reunions/\d+|/guichet/demandes/\d+|"
                                 r"/guichet/(?:guichets|appels|commissions)/\d+)", loc)
                    if m:
                        run.written.add(m.group(1))
                        if m.group(1).startswith("/guichet/demandes/"):
                            # a request of the single window and its API entry
                            rid = m.group(1).rsplit("/", 1)[1]
                            run.written.add("/api/v1/subsidy-requests/" + rid)
                            run.written.add("/api/v1/subsidy-requests/%s/attachments" % rid)
                        if m.group(1).startswith("/structure/"):
                            run.written.add("/api/v1/structures/" + m.group(1).rsplit("/", 1)[1])
                        # a contract's or an action's entry in the API
                        c = re.match(r"^/contrats/(\d+)(?:/actions/(\d+))?$", m.group(1))
                        if c:
                            run.written.add("/api/v1/contracts/" + c.group(1))
                            if c.group(2):
                                run.written.add("/api/v1/actions/" + c.group(2))
                if isinstance(doc, Page):
                    self.offer(loc or action, doc)
                if v.expect_shown and f.tag != "button":
                    # the same again: refused as a duplicate, the error page
                    # may echo the value
                    again, _, _ = submit(run, form.method, action, pairs, form.enctype)
                    run.check(again < 500, action, "the same %s again answered %d" % (f.name, again))
                row.append(v)
            self.fields.append((where, f.name, f.tag if f.tag != "input" else "input " + f.type, row))
        # and once with the form's own values (what a valid submission gives)
        if where in FRESH:
            action = FRESH[where]() or action
        status, loc, doc = submit(run, form.method, action, form_defaults(run, form), form.enctype)
        if where in REFUSED_UNTIL_COMPLETE:
            run.check(status == 400, action, "%s with the form's own values answered %d, not 400 (%s)"
                      % (where, status, REFUSED_UNTIL_COMPLETE[where]))
        elif where in NEEDS_SECRET:
            run.check(400 <= status < 500, action,
                      "%s without the secret it asks for answered %d" % (where, status))
        else:
            run.check(status < 400, action,
                      "%s with the form's own values answered %d%s" % (where, status, error_text(doc)))
        if isinstance(doc, Page):
            self.offer(loc or action, doc)


# ---------------------------------------------------------------- query and path fuzzing

def fuzz_urls(run, paths, report):
    """Every query parameter and numeric path segment of the distinct kinds
    of GET URL seen, replaced by each payload (error pages included)."""
    kinds = {}
    for p in paths:
        s = urllib.parse.urlsplit(p)
        if s.path.startswith("/static/") or s.path.endswith(".png"):
            continue
        kinds.setdefault(template(p), p)
    for tpl, p in sorted(kinds.items()):
        if run.over_budget():
            return
        s = urllib.parse.urlsplit(p)
        q = urllib.parse.parse_qsl(s.query, keep_blank_values=True)
        where = "GET " + tpl[0] + ("?" + tpl[1] if tpl[1] else "")
        for i, (k, _) in enumerate(q):
            row = []
            for style in (0, 1, 2):
                v = run.values.make(style, where, k, "query")
                q2 = list(q)
                q2[i] = (k, v.text)
                r = run.request("GET", s.path + "?" + urllib.parse.urlencode(q2))
                run.examine(r)
                v.status, v.accepted = r.status, r.status < 400
                row.append(v)
            report.append((where, k, "query parameter", row))
        segs = s.path.split("/")
        for i, seg in enumerate(segs):
            if not re.fullmatch(r"\d+", seg):
                continue
            row = []
            for style in (0, 1, 2):
                v = run.values.make(style, where, "{%d}" % i, "path")
                segs2 = list(segs)
                segs2[i] = urllib.parse.quote(v.text, safe="")
                r = run.request("GET", "/".join(segs2) + ("?" + s.query if s.query else ""))
                run.examine(r)
                v.status, v.accepted = r.status, r.status < 400
                row.append(v)
            report.append((where, "path segment " + seg, "path", row))
    # a parameter nobody reads, on the home page
    row = []
    for style in (0, 1, 2):
        v = run.values.make(style, "GET /", "inconnu", "query")
        r = run.request("GET", "/?inconnu=" + urllib.parse.quote(v.text, safe=""))
        run.examine(r)
        v.status, v.accepted = r.status, r.status < 400
        row.append(v)
    report.append(("GET /", "inconnu", "unknown query parameter", row))


# ---------------------------------------------------------------- API fuzzing

# Fields that store free text (the scenario's name): each value must be
# accepted there, and then found on the pages and in the API.
EXPECT_STORED = [("POST /scenarios", "nom"), ("POST /planification/enregistrer", "nom"),
                 ("POST /api/v1/scenarios", "name"), ("PUT /api/v1/scenarios/{id}", "name")]
# Values that are shown on pages only, never by the API (the names of one's
# API tokens, on the account page).
PAGES_ONLY = {("POST /compte/jetons", "name")}
# Required fields whose valid value is not any text: what a person types.
# The same, for one form's field: (form, field) -> value. A refusal needs
# its reason; a co-funder added by the lead, the amount asked of it; a
# payment, today's date and an amount within the grant.
FORM_EXAMPLES = {("POST /guichet/demandes/N/parts/N/decision", "decision"): "refuse",
                 # the public's search of slots: a commune of the demo, near
                 # the booking network's site (Bram)
                 ("GET /teleconsultation", "commune"): "11049",
                 ("POST /guichet/demandes/N/parts/N/decision", "reason"): "Hors du champ (exemple)",
                 ("POST /guichet/demandes/N/cofinanceurs", "asked"): "100,00",
                 ("POST /guichet/demandes/N/parts/N/paiements", "amount"): "10,00",
                 ("POST /guichet/demandes/N/parts/N/paiements", "paid_on"):
                     lambda: datetime.date.today().isoformat()}
# Forms with a list of checkboxes of which one at least must be ticked (the
# requests a committee examines): the first one is.
TICK_FIRST = {"POST /guichet/guichets/N/commissions",
              # the booking's consent; a teleconsultant's first kind (general
              # practice, FIELD_EXAMPLES' duration), a device's first instrument
              "POST /teleconsultation/reserver", "POST /equipements/reseau/N/teleconsultants",
              "POST /equipements/reseau/N/appareils"}
# Forms that act once on their object (a routing, a decision, an answer):
# form -> function giving the action of a fresh object, called before each
# submission (set by fuzz_funding).
FRESH = {}
FIELD_EXAMPLES = {"lieu": "11400",  # the finder: a commune or a postcode
                  # an action's budget line: its year and planned amount
                  "year": "2026", "planned": "1 000",
                  # an indicator's value: a French number, and a date of its
                  # own (a second value on the same date is refused)
                  "measured_on": lambda run: distinct_date(run), "value": "12,5",
                  # the booking (issue 17): a phone number of its own (the
                  # public's attempts are throttled per number), weekly hours,
                  # a consultation's minutes
                  "phone": lambda run: distinct_phone(run), "availability": "24/7", "duration_gp": "20",
                  "duration_followup": "15", "duration_specialist": "30"}


def distinct_date(run):
    """A French date not given before in this run (15/01/2026, then the
    days after)."""
    run.serial += 1
    d = datetime.date(2026, 1, 15) + datetime.timedelta(days=run.serial)
    return d.strftime("%d/%m/%Y")


def document_file(run, text):
    """The contract's documents form: a tiny PDF (its type is read from its
    first bytes). A value rides in the file's name, which the page lists;
    returns (the upload, the text a page must show: the name, as the server
    reads it back from the browser's %22 for '"', after its last '/' or
    '\\' -- a path some browsers send -- so that the marker is moved after
    the variant's "</title>")."""
    if text is None:
        return Upload("essai.pdf", "application/pdf", b"%PDF-1.4\n%%EOF\n"), None
    marker = MARKER_RE.search(text).group()
    name = text + ".pdf"
    if re.search(r"[/\\]", text[text.index(marker):]):
        name = text.replace(marker, "") + marker + ".pdf"
    return Upload(name, "application/pdf", b"%PDF-1.4\n%%EOF\n"), re.split(r"[/\\]", name)[-1]


def import_file(run, text):
    """The plan import: a CSV in the layout of docs/contracts-import.md
    naming no organisation (axis and action only), the action's title
    unique (the same action twice is refused). A value rides in the
    action's title, which the contract's page lists."""
    title = text if text is not None else "Action importée " + run.uniq() + " (exemple)"
    cell = '"' + title.replace('"', '""') + '"'
    data = ("axe;action\r\nAxe importé (exemple);" + cell + "\r\n").encode()
    return Upload("plan-essai.csv", "text/csv", data), title


# File inputs: (form, field) -> function(run, value or None) giving the
# file a person would pick and the text a page must then show.
FILE_EXAMPLES = {("POST /contrats/N/documents", "file"): document_file,
                 ("POST /guichet/demandes/N/pieces", "file"): document_file,
                 ("POST /contrats/N/import", "fichier"): import_file}
# Edit forms: each submission overwrites the field the previous one stored,
# so a value is looked for on the page the write led to, right after it.
# A co-funder's opinion and a committee's outcome for a request are of
# this kind too (one per part, one per request examined).
OVERWRITES = re.compile(r"/modifier$|^/equipements/sites/N/assistants/N$|^/teleconsultants/N/disponibilites$|"
                        r"^/equipements/reseau/N/(appareils|teleconsultants)/N$|^/guichet/demandes/N/parts/N/avis$|^/guichet/commissions/N/demandes/N$|"
                        r"^/guichet/demandes/N/compte-rendu$|"
                        # a rounds service's settings and a vehicle's
                        r"^/tournees/services/N$|^/tournees/services/N/vehicules/N$")
# Fields a form ignores when another field has its default: (form, field) ->
# (that field, the values of it where the field counts and a value outside
# its list must be refused). A manual indicator (source "manual", the
# default) has no measure: mg_indicator_input_check reads "measure" only for
# a computed or provided one, and stores "" for a manual one; the form's
# list of measures is built at run time (options_fn), which the form layer
# does not check.
IGNORED = {("POST /contrats/N/actions/N/indicateurs", "measure"): ("source", ("engine", "provider")),
           # a refusal has no amount; a grant must have a well-formed one
           ("POST /guichet/demandes/N/parts/N/decision", "amount"): ("decision", ("grant",)),
           # a teleconsultant's duration for a kind it does not offer (its
           # box unticked) is not read; ticked, it must be well-formed
           ("POST /equipements/reseau/N/teleconsultants/N", "duration_specialist"): ("kind_specialist", ("1",))}
# Checkboxes that store nothing: read as ticked whatever their value. The
# import's « essai » (a dry run): ticked, the file is only checked and the
# report shown (200), nothing written; a value sent there must show nowhere.
NOT_STORED = {("POST /contrats/N/import", "essai")}
# The single window's checkboxes (the co-funders a request is routed to, the
# requests a committee examines) are read as ticked whatever their value;
# so is a message's « kind » select, which takes any value but « internal »
# for a message to the applicant (funding_instruction.c, message_post: a
# value outside its list is not refused -- reported, not fixed here).
NOT_STORED_CHECKBOXES = ("POST /guichet/", "POST /equipements/", "POST /teleconsultation/",
                         "POST /teleconsultants/",
                         # the rounds' flags (a day of work, « replace », « exact »…)
                         "POST /tournees/")
NOT_STORED.add(("POST /guichet/demandes/N/messages", "kind"))
# The final report's two buttons: « file » files it, any other value saves it.
NOT_STORED.add(("POST /guichet/demandes/N/compte-rendu", "action"))
# A final report's line without an amount is a blank line, dropped
# (funding_aftergrant.c, report_post): its account and label are stored only
# with an amount, which fuzz_funding gives them (report_lines).
NOT_STORED_RE = re.compile(r"^POST /guichet/demandes/N/compte-rendu line_\d+_(account|label)$")
# Stored but shown on no page (a defect to report, not an escaping one):
# none since the committee's page shows its observations.
STORED_UNSHOWN = set()
# Whole forms whose values are shown on pages only: meetings (no API yet),
# suggestions (seen by the structure's owner before they become its
# values). A contract's forms are not: GET /api/v1/contracts/{id} and
# /api/v1/actions/{id} show what they store.
PAGES_ONLY_PREFIXES = ("POST /reseau/", "POST /structure/N/suggerer",
                       # the single window's committees (no API for them)
                       "POST /guichet/guichets/N/commissions", "POST /guichet/commissions/",
                       # the final report (the API gives the request, not its report)
                       "POST /guichet/demandes/N/compte-rendu",
                       # the booking's pages (the API gives bookings only,
                       # whose person is checked in its answers too)
                       "POST /equipements/", "POST /teleconsultants/", "POST /teleconsultation/")
# Forms that a valid submission cannot fill from the page alone: they ask
# for the current password or a code of an authenticator app.
NEEDS_SECRET = {"POST /compte/mot-de-passe", "POST /compte/double-facteur"}
# Forms whose valid submission needs an object the crawl's own forms do not
# make complete: refused with a 400 here, and submitted with success by
# fuzz_funding on the objects it completes first.
REFUSED_UNTIL_COMPLETE = {"POST /guichet/demandes/N/deposer": "a draft is filed only with its pieces and "
                          "a balanced budget; fuzz_funding files complete ones by this form"}
COVERED_WRITES = {("post", "/api/v1/evaluate"), ("post", "/api/v1/scenarios"),
                  ("put", "/api/v1/scenarios/{id}"), ("delete", "/api/v1/scenarios/{id}"),
                  ("post", "/api/v1/contracts/{id}/actions")}
# Writes refused to the crawl's manager (organisations are created,
# confirmed and invited into by administrators): their rights are checked
# by the authorisation matrix (tests/authz/matrix.tsv) and their flows by
# serve_accounts; what they store is drawn by the same escapers.
ADMIN_WRITES = {("post", "/api/v1/organisations"), ("post", "/api/v1/organisations/{id}/invitations"),
                ("post", "/api/v1/organisations/{id}/confirmation")}
NUMBER_FIELDS = ["count", "hours_per_week", "consultations_per_hour", "remote_share",
                 "weeks_per_year", "days_per_month", "hours_per_day"]


def openapi_writes(text):
    ops, path = set(), None
    for line in text.splitlines():
        m = re.match(r"^  (/\S*):\s*$", line)
        if m:
            path = m.group(1)
            continue
        if re.match(r"^\S", line):
            path = None
        m = re.match(r"^    (get|post|put|patch|delete):", line)
        if m and path:
            ops.add((m.group(1), path))
    return {o for o in ops if o[0] != "get"}, ops


def api_send(run, method, path, obj):
    body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    r = run.request(method, path, body, "application/json")
    return r, run.examine(r)


def fuzz_api(run, report):
    r, _ = run.get("/static/openapi.yaml")
    writes, ops = openapi_writes(r.body.decode("utf-8", "replace"))
    run.check(len(ops) >= 8, r.url, "openapi.yaml lists %d operations" % len(ops))
    covered = COVERED_WRITES | (FUNDING_WRITES if FUNDING_CFG else set()) | \
        (BOOKING_WRITES if BOOKING_CFG else set()) | (ROUNDS_WRITES if ROUNDS_CFG else set())
    for op in sorted(writes - covered - ADMIN_WRITES):
        run.fail(r.url, "write operation %s %s is not exercised by this test: add its fields"
                 % (op[0].upper(), op[1]))

    def scenario(name=None, profession="mg", kind="gp", commune="11001", extra=None):
        a = {"kind": kind, "commune": commune, "count": 1}
        a.update(extra or {})
        return {"name": name or "Essai API " + run.uniq(), "profession": profession, "actions": [a]}

    def row_for(where, field, kind, make_body, method, path_of, stores):
        row = []
        for style in (0, 1, 2):
            v = run.values.make(style, where, field, kind)
            path = path_of()
            resp, doc = api_send(run, method, path, make_body(v.text))
            v.status, v.accepted = resp.status, resp.status < 400
            v.expect_shown = v.accepted and stores
            if v.accepted and isinstance(doc, dict) and field == "name":
                run.check(doc.get("name") == v.text, resp.url,
                          "name does not round-trip: sent %r, got %r" % (v.text, doc.get("name")))
            if v.accepted and stores and isinstance(doc, dict) and isinstance(doc.get("id"), int):
                run.ids.append(doc["id"])
                if field == "name" and method == "POST":
                    # the same name again: refused, the error may quote it
                    again, _ = api_send(run, method, path, make_body(v.text))
                    run.check(again.status < 500, again.url,
                              "a second scenario named %r answered %d" % (v.text, again.status))
            row.append(v)
        report.append((where, field, kind, row))

    def fresh():
        resp, doc = api_send(run, "POST", "/api/v1/scenarios", scenario("Cible PUT " + run.uniq()))
        if not run.check(resp.status == 201 and isinstance(doc, dict) and "id" in doc, resp.url,
                         "POST /api/v1/scenarios answered %d" % resp.status):
            return "/api/v1/scenarios/999999"
        return "/api/v1/scenarios/%d" % doc["id"]

    # POST and PUT /api/v1/scenarios
    for method, where, path_of in (("POST", "POST /api/v1/scenarios", lambda: "/api/v1/scenarios"),
                                   ("PUT", "PUT /api/v1/scenarios/{id}", fresh)):
        row_for(where, "name", "JSON string", lambda t: scenario(name=t), method, path_of, True)
        row_for(where, "profession", "JSON string", lambda t: scenario(profession=t), method, path_of, True)
        row_for(where, "actions[].kind", "JSON string", lambda t: scenario(kind=t), method, path_of, True)
        row_for(where, "actions[].commune", "JSON string", lambda t: scenario(commune=t), method, path_of, True)
        for nf in NUMBER_FIELDS:
            row_for(where, "actions[].%s (as a string)" % nf, "JSON string",
                    lambda t, nf=nf: scenario(extra={nf: t}), method, path_of, True)
        row_for(where, "unknown key", "JSON key",
                lambda t: dict(scenario(), **{t: 1}), method, path_of, False)
    # POST /api/v1/evaluate
    ev = lambda **k: {"profession": k.get("profession", "mg"),
                      "actions": [dict({"kind": k.get("kind", "gp"), "commune": k.get("commune", "11001"),
                                        "count": 1}, **k.get("extra", {}))]}
    where = "POST /api/v1/evaluate"
    row_for(where, "profession", "JSON string", lambda t: ev(profession=t), "POST",
            lambda: "/api/v1/evaluate", False)
    row_for(where, "actions[].kind", "JSON string", lambda t: ev(kind=t), "POST",
            lambda: "/api/v1/evaluate", False)
    row_for(where, "actions[].commune", "JSON string", lambda t: ev(commune=t), "POST",
            lambda: "/api/v1/evaluate", False)
    row_for(where, "actions[].count (as a string)", "JSON string", lambda t: ev(extra={"count": t}),
            "POST", lambda: "/api/v1/evaluate", False)
    # valid requests still work
    resp, doc = api_send(run, "POST", "/api/v1/evaluate", ev())
    run.check(resp.status == 200, resp.url, "valid evaluation answered %d" % resp.status)
    # a body that is not JSON, carrying the payload
    v = run.values.make(0, where, "body", "raw body")
    resp, _ = api_send(run, "POST", "/api/v1/evaluate", ('{"profession": "' + v.text).encode())
    v.status = resp.status
    run.check(resp.status == 400, resp.url, "unterminated JSON answered %d" % resp.status)
    report.append((where, "body", "not JSON", [v]))
    # DELETE with the payload as id, then a real one
    row = []
    for style in (0, 1, 2):
        v = run.values.make(style, "DELETE /api/v1/scenarios/{id}", "id", "path")
        r = run.request("DELETE", "/api/v1/scenarios/" + urllib.parse.quote(v.text, safe=""))
        run.examine(r)
        v.status = r.status
        row.append(v)
    report.append(("DELETE /api/v1/scenarios/{id}", "id", "path", row))
    target = fresh()
    r = run.request("DELETE", target)
    run.examine(r)
    run.check(r.status == 204, r.url, "DELETE answered %d" % r.status)
    fuzz_api_actions(run, report)


def fuzz_api_actions(run, report):
    """POST /api/v1/contracts/{id}/actions, in a contract the crawl's forms
    made (led by the manager's organisation): its text fields must be
    stored and shown on the action's page and by the API; its other fields,
    sent the values as strings, refused."""
    where = "POST /api/v1/contracts/{id}/actions"
    made = sorted(int(w.rsplit("/", 1)[1]) for w in run.written if re.match(r"^/contrats/\d+$", w))
    if not run.check(made, where, "no contract made through the forms to add an action to"):
        return
    cid = made[0]
    path = "/api/v1/contracts/%d/actions" % cid
    run.written.add("/api/v1/contracts/%d" % cid)

    def action(**k):
        a = {"title": "Action API " + run.uniq() + " (exemple)"}
        a.update(k)
        return a

    for field, stores in (("title", True), ("description", True), ("objectives", True),
                          ("contact_role", True), ("target_publics", True), ("status", False),
                          ("starts_on", False), ("due_on", False), ("target_communes", False),
                          ("axis", False), ("priority", False), ("scenario", False)):
        row = []
        for style in (0, 1, 2):
            v = run.values.make(style, where, field, "JSON string")
            resp, doc = api_send(run, "POST", path, action(**{field: v.text}))
            v.status, v.accepted = resp.status, resp.status < 400
            v.expect_shown = v.accepted
            if stores:
                a = doc.get("action") if isinstance(doc, dict) else None
                if run.check(resp.status == 201 and isinstance(a, dict) and isinstance(a.get("id"), int),
                             resp.url, "%s %s=%r answered %d" % (where, field, v.text, resp.status)):
                    run.check(a.get(field) == v.text, resp.url, "%s does not round-trip: sent %r, got %r"
                              % (field, v.text, a.get(field)))
                    run.written.add("/contrats/%d/actions/%d" % (cid, a["id"]))
                    run.written.add("/api/v1/actions/%d" % a["id"])
            else:
                run.check(resp.status == 400, resp.url, "%s %s=%r answered %d, not 400"
                          % (where, field, v.text, resp.status))
            row.append(v)
        report.append((where, field, "JSON string", row))
    row = []
    for style in (0, 1, 2):
        v = run.values.make(style, where, "unknown key", "JSON key")
        resp, _ = api_send(run, "POST", path, dict(action(), **{v.text: "x"}))
        v.status, v.accepted = resp.status, resp.status < 400
        run.check(resp.status == 400, resp.url, "%s with an unknown key answered %d" % (where, resp.status))
        row.append(v)
    report.append((where, "unknown key", "JSON key", row))
    resp, _ = api_send(run, "POST", path, action())
    run.check(resp.status == 201, resp.url, "a valid %s answered %d" % (where, resp.status))


# ---------------------------------------------------------------- the single window (issue 16)

# The writes of the single window (static/openapi.yaml), exercised by
# fuzz_funding in the accounts crawl_escaping.sh made (--funding): an
# association files, the crawl's manager (its organisation leads the window)
# routes, a co-funder's instructor (second factor enrolled here) instructs,
# decides and pays.
FUNDING_WRITES = {("post", "/api/v1/subsidy-requests"), ("put", "/api/v1/subsidy-requests/{id}"),
                  ("post", "/api/v1/subsidy-requests/{id}/file"),
                  ("post", "/api/v1/subsidy-requests/{id}/route"),
                  ("post", "/api/v1/subsidy-requests/{id}/parts/{fid}/opinion"),
                  ("post", "/api/v1/subsidy-requests/{id}/parts/{fid}/question"),
                  ("post", "/api/v1/subsidy-requests/{id}/parts/{fid}/decision"),
                  ("post", "/api/v1/subsidy-requests/{id}/parts/{fid}/payments"),
                  ("post", "/api/v1/subsidy-requests/{id}/answers/{qid}"),
                  ("post", "/api/v1/subsidy-requests/{id}/attachments"),
                  ("post", "/api/v1/subsidy-requests/{id}/messages")}
# The request form's free-text members (SubsidyForm) and those of a budget line.
FUNDING_TEXT = ["title", "objectives", "description", "target_publics", "evaluation",
                "address", "city", "representative_role", "contact_role"]
FUNDING_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def base32_key(text):
    import base64
    s = re.sub(r"\s+", "", text).upper()
    return base64.b32decode(s + "=" * (-len(s) % 8))


def totp_code(key, step):
    import hashlib
    import hmac
    import struct
    mac = hmac.new(base32_key(key), struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000)


class As:
    """Requests made, inside the block, in another account's session."""

    def __init__(self, session):
        self.session = session

    def __enter__(self):
        self.saved = dict(SESSION)
        SESSION.update(self.session)

    def __exit__(self, *exc):
        SESSION.clear()
        SESSION.update(self.saved)


def log_in(run, email, password):
    """A session for another account, as a browser opens it (the log-in
    form, then for an instructor the second factor's enrolment with a code
    computed here). Returns {"cookie", "csrf"} or None."""
    jar = {}

    def req(method, path, fields=None):
        body = urllib.parse.urlencode(fields).encode() if fields is not None else None
        with As({"cookie": "; ".join("%s=%s" % kv for kv in jar.items()) or None, "csrf": None}):
            r = run.request(method, path, body, "application/x-www-form-urlencoded" if body else None)
        for c in r.headers.get_all("Set-Cookie") or []:
            k, _, v = c.split(";")[0].partition("=")
            if v.strip():
                jar[k.strip()] = v.strip()
            else:
                jar.pop(k.strip(), None)
        return r

    def csrf(r):
        m = re.search(r'name="csrf" value="([A-Za-z0-9_-]*)"', r.body.decode("utf-8", "replace"))
        return m.group(1) if m else ""

    r = req("GET", "/connexion")
    r = req("POST", "/connexion", {"email": email, "password": password, "csrf": csrf(r)})
    if not run.check(r.status == 303, "/connexion", "log-in of %s answered %d" % (email, r.status)):
        return None
    if (r.headers.get("Location") or "").endswith("/compte/double-facteur"):
        r = req("GET", "/compte/double-facteur")
        r = req("POST", "/compte/double-facteur/debut", {"csrf": csrf(r)})
        if 300 <= r.status < 400:
            r = req("GET", run.local(r.headers.get("Location") or "/compte/double-facteur"))
        m = re.search(r'<p class="key"><code>([^<]*)</code>', r.body.decode("utf-8", "replace"))
        if not run.check(m, "/compte/double-facteur", "no key on the enrolment page of %s" % email):
            return None
        step = int(time.time() // 30)
        r = req("POST", "/compte/double-facteur", {"code": totp_code(m.group(1), step), "csrf": csrf(r)})
        if not run.check(r.status == 303, "/compte/double-facteur",
                         "enrolment of %s answered %d" % (email, r.status)):
            return None
    r = req("GET", "/compte")
    return {"cookie": "; ".join("%s=%s" % kv for kv in jar.items()), "csrf": csrf(r)}


class Funding:
    """The single window's scripted flow: its objects, the sessions of its
    roles and the pages each must be crawled from at the end."""

    def __init__(self, run, cfg):
        self.run, self.cfg = run, cfg
        self.w, self.f, self.app = cfg["window"], cfg["funder"]["org"], cfg["applicant"]["org"]
        self.sessions = {"lead": dict(SESSION)}
        self.seeds = {"lead": set(), "applicant": set(), "funder": set()}
        self.skipped = []

    def form(self, **over):
        f = {"name": "Association d'essai du guichet (exemple)", "siret": self.cfg["siret"],
             "rna": self.cfg["rna"], "address": "1 place de l'Exemple", "postcode": "11000",
             "city": "Carcassonne", "email": "contact@association-exemple.invalid",
             "phone": "04 65 71 00 01", "representative_role": "Présidente de l'association",
             "volunteers": 12, "employees": "2", "members": 80,
             "title": "Ateliers santé " + self.run.uniq() + " (exemple)",
             "objectives": "Prévenir (exemple).", "description": "Des ateliers (exemple).",
             "target_publics": "Habitants (exemple)", "communes": "epci:200035715",
             "starts_on": "2027-01-01", "ends_on": "2027-12-31",
             "evaluation": "Participants (exemple).", "is_renewal": False, "nature": "operation",
             "lines": [{"account": "64", "label": "Personnel (exemple)", "amount": "1000.00"},
                       {"account": "74", "label": "Co-financeur (exemple)", "amount": "800.00",
                        "funder": self.f},
                       {"account": "75", "label": "Fonds propres (exemple)", "amount": "200.00"}]}
        f.update(over)
        return f

    def shown_by(self, rid, role="applicant"):
        page, api = "/guichet/demandes/%d" % rid, "/api/v1/subsidy-requests/%d" % rid
        self.seeds[role] |= {page, api, api + "/messages", api + "/attachments", api + "/parts"}
        if role == "applicant":
            self.seeds["lead"] |= {page, api, api + "/messages"}
            self.seeds["funder"] |= {page, api, api + "/messages"}

    def send(self, role, method, path, obj, want, what):
        with As(self.sessions[role]):
            resp, doc = api_send(self.run, method, path, obj)
        self.run.check(resp.status == want, resp.url, "%s answered %d, not %d: %s"
                       % (what, resp.status, want, snippet(resp.body.decode("utf-8", "replace"))))
        return resp, doc

    def draft(self, **over):
        """A new draft of the association (its id, or None)."""
        resp, doc = self.send("applicant", "POST", "/api/v1/subsidy-requests",
                              dict(self.form(**over), window=self.w, organisation=self.app), 201,
                              "a draft")
        r = doc.get("request") if isinstance(doc, dict) else None
        return r["id"] if isinstance(r, dict) and isinstance(r.get("id"), int) else None

    def row(self, report, where, field, role, send, stores=True, after=None, echo=True):
        """Three values in one field: send(text) -> (response, doc); an
        accepted value must come back in the answer (echo: the answer gives
        the request, not just the message's id)."""
        row = []
        for style in (0, 1, 2):
            v = self.run.values.make(style, where, field, "JSON string")
            with As(self.sessions[role]):
                echoed = v.echo["json"]
                resp, doc = send(v.text)
                v.status, v.accepted = resp.status, resp.status < 400
                v.expect_shown = v.accepted and stores
                if stores:
                    self.run.check(v.accepted, resp.url, "%s %s=%r answered %d: %s" % (
                        where, field, v.text, resp.status,
                        snippet(resp.body.decode("utf-8", "replace"))))
                    if v.accepted and echo:
                        self.run.check(v.echo["json"] > echoed, resp.url,
                                       "%s: the answer does not give back %s=%r" % (where, field, v.text))
                else:
                    self.run.check(400 <= resp.status < 500, resp.url, "%s %s=%r answered %d, not 4xx"
                                   % (where, field, v.text, resp.status))
            if v.accepted and after:
                # a write the next one replaces: its page and API entry, now
                v.overwritten = True
                for sess, page, api in after:
                    with As(self.sessions[sess]):
                        h, j = v.echo["html"], v.echo["json"]
                        self.run.get(page)
                        self.run.get(api)
                        v.shown_after = v.echo["html"] > h
                        v.api_after = v.echo["json"] > j
                        if not (v.shown_after and v.api_after):
                            break
            row.append(v)
        report.append((where, field, "JSON string", row))
        return row

    def attach(self, rid, kind, name="exemple.pdf", role="applicant"):
        body, ctype = multipart([("kind", kind), ("file", Upload(name, "application/pdf", FUNDING_PDF))])
        with As(self.sessions[role]):
            r = self.run.request("POST", "/api/v1/subsidy-requests/%d/attachments" % rid, body, ctype)
            return r, self.run.examine(r)

    def filed(self, rid, web=False):
        """Pieces and filing of draft rid (by the API, or by the request
        page's form): True when filed."""
        for k in ("statutes", "bank_details", "attestation"):
            r, _ = self.attach(rid, k)
            self.run.check(r.status == 201, r.url, "attachment %s answered %d" % (k, r.status))
        if web:
            page = "/guichet/demandes/%d" % rid
            with As(self.sessions["applicant"]):
                _, doc = self.run.get(page)
                forms = [f for f in (doc.forms if isinstance(doc, Page) else [])
                         if f.method == "post" and f.action.endswith("/deposer")]
                if not self.run.check(forms, page, "no filing form on a complete draft's page"):
                    return False
                status, _, _ = submit(self.run, "post", page + "/deposer", form_defaults(self.run, forms[0]))
            return self.run.check(status == 303, page, "filing by the page's form answered %d" % status)
        r, _ = self.send("applicant", "POST", "/api/v1/subsidy-requests/%d/file" % rid, {}, 200,
                         "filing request %d" % rid)
        return r.status == 200

    def pages(self, report, role, paths):
        """The forms of these pages (and of the pages they lead to),
        fuzzed in role's session."""
        fz = Fuzzer(self.run)
        with As(self.sessions[role]):
            for p in paths:
                _, doc = self.run.get(p)
                if isinstance(doc, Page):
                    fz.offer(p, doc)
            fz.fuzz_all()
        report += [(where + " (%s)" % role, f, k, row) for where, f, k, row in fz.fields]
        self.skipped += ["%s (%s)" % (x, role) for x in fz.skipped]
        for w in sorted(self.run.written):
            if w.startswith("/guichet/") or w.startswith("/api/v1/subsidy-"):
                self.seeds[role].add(w)

    def routed(self, rid):
        r, _ = self.send("lead", "POST", "/api/v1/subsidy-requests/%d/route" % rid,
                         {"funders": [self.f]}, 200, "routing request %d" % rid)
        return r.status == 200


def report_lines(fd, report, rid):
    """The final report's first line given an amount, its label each value
    in turn (the report is one per request: each shown on the page the save
    leads to, right after it)."""
    run, path = fd.run, "/guichet/demandes/%d/compte-rendu" % rid
    where = "POST /guichet/demandes/N/compte-rendu"
    row = []
    with As(fd.sessions["applicant"]):
        for style in (0, 1, 2):
            v = run.values.make(style, where + " (applicant)", "line_N_label (with an amount)", "input text")
            _, doc = run.get(path)
            forms = [f for f in (doc.forms if isinstance(doc, Page) else [])
                     if f.method == "post" and f.action.endswith("/compte-rendu")]
            if not run.check(forms, path, "no final report form"):
                return
            forms[0].where = where
            pairs = [[n, x] for n, x in form_defaults(run, forms[0]) if n != "action"]
            # the last line: a free one (the first ones are the budget's)
            k = max(int(m.group(1)) for m in (re.match(r"line_(\d+)_label$", n) for n, _ in pairs) if m)
            set_to = {"line_%d_label" % k: v.text, "line_%d_amount" % k: "10,00",
                      "line_%d_account" % k: "64"}
            pairs = [[n, set_to.get(n, x)] for n, x in pairs]
            echoed = v.echo["html"]
            status, loc, _ = submit(run, "post", path, pairs)
            v.status, v.accepted = status, status < 400
            v.expect_shown = v.overwritten = v.accepted
            v.shown_after = v.echo["html"] > echoed
            run.check(v.accepted, path, "final report with line label %r answered %d" % (v.text, status))
            row.append(v)
    report.append((where + " (applicant)", "line_N_label (with an amount)", "input text", row))


def fuzz_funding(run, report, cfg):
    fd = Funding(run, cfg)
    for role in ("applicant", "funder"):
        s = log_in(run, cfg[role]["email"], cfg[role]["password"])
        if s is None:
            return fd
        fd.sessions[role] = s
    api = "/api/v1/subsidy-requests"
    # 1. the form, through the API: POST (a draft each) and PUT (on a fresh draft)
    for field in FUNDING_TEXT + ["lines[].label"]:
        def over(t, field=field):
            if field == "lines[].label":
                f = fd.form()
                f["lines"][0]["label"] = t
                f["lines"][1]["label"] = t
                return f
            return fd.form(**{field: t})

        def post(t):
            resp, doc = api_send(run, "POST", api, dict(over(t), window=fd.w, organisation=fd.app))
            if resp.status == 201:
                fd.shown_by(doc["request"]["id"])
            return resp, doc

        fd.row(report, "POST %s" % api, field, "applicant", post)

        def put(t):
            rid = fd.draft()
            if rid is None:
                return Resp("PUT", api, 599, {}, b""), None
            fd.shown_by(rid)
            return api_send(run, "PUT", "%s/%d" % (api, rid), over(t))

        fd.row(report, "PUT %s/{id}" % api, field, "applicant", put)
    fd.row(report, "POST %s" % api, "window (as a string)", "applicant",
           lambda t: api_send(run, "POST", api, dict(fd.form(), window=t)), stores=False)
    fd.row(report, "POST %s" % api, "nature", "applicant",
           lambda t: api_send(run, "POST", api, dict(fd.form(nature=t), window=fd.w)), stores=False)
    # 2. four requests filed and routed; the pieces of the first named with the values
    rids = [fd.draft() for _ in range(4)]
    if not run.check(all(rids), api, "drafts for the instruction were refused"):
        return fd
    r1 = rids[0]
    for rid in rids:
        fd.shown_by(rid)
    row = []
    where = "POST %s/{id}/attachments" % api
    for style, kind in zip((0, 1, 2), ("other", "report", "accounts")):
        v = run.values.make(style, where, "file (its name)", "multipart file name")
        up, v.text = document_file(run, v.text)
        r, _ = fd.attach(r1, kind, up.filename)
        v.status, v.accepted = r.status, r.status < 400
        v.expect_shown = v.accepted
        run.check(r.status == 201, r.url, "attachment named %r answered %d" % (up.filename, r.status))
        row.append(v)
    report.append((where, "file (its name)", "multipart file name", row))
    row = []
    for style in (0, 1, 2):
        v = run.values.make(style, where, "kind", "multipart field")
        with As(fd.sessions["applicant"]):
            body, ctype = multipart([("kind", v.text), ("file", Upload("x.pdf", "application/pdf",
                                                                            FUNDING_PDF))])
            r = run.request("POST", "%s/%d/attachments" % (api, r1), body, ctype)
            run.examine(r)
        v.status, v.accepted = r.status, r.status < 400
        run.check(r.status == 400, r.url, "attachment of kind %r answered %d, not 400" % (v.text, r.status))
        row.append(v)
    report.append((where, "kind", "multipart field", row))
    if not all([fd.filed(rid) for rid in rids]):
        return fd
    fd.row(report, "POST %s/{id}/route" % api, "funders[] (as a string)", "lead",
           lambda t: api_send(run, "POST", "%s/%d/route" % (api, r1), {"funders": [t]}), stores=False)
    if not all([fd.routed(rid) for rid in rids]):
        return fd
    part = "%s/%%d/parts/%d" % (api, fd.f)
    page1 = "/guichet/demandes/%d" % r1
    # 3. the co-funder's instructor: opinion (replaced by the next one), questions, messages
    fd.row(report, "POST %s/{id}/parts/{fid}/opinion" % api, "text", "funder",
           lambda t: api_send(run, "POST", part % r1 + "/opinion", {"opinion": "reserved", "text": t}),
           after=[("funder", page1, "%s/%d" % (api, r1))])
    fd.row(report, "POST %s/{id}/parts/{fid}/opinion" % api, "opinion", "funder",
           lambda t: api_send(run, "POST", part % r1 + "/opinion", {"opinion": t}), stores=False)
    fd.row(report, "POST %s/{id}/parts/{fid}/question" % api, "body", "funder",
           lambda t: api_send(run, "POST", part % r1 + "/question", {"body": t}), echo=False)
    for internal in (False, True):
        fd.row(report, "POST %s/{id}/messages" % api, "body" + (" (internal)" if internal else ""),
               "funder", lambda t, i=internal: api_send(run, "POST", "%s/%d/messages" % (api, r1),
                                                        {"body": t, "internal": i}), echo=False)
    fd.row(report, "POST %s/{id}/messages" % api, "body (the lead)", "lead",
           lambda t: api_send(run, "POST", "%s/%d/messages" % (api, r1), {"body": t}), echo=False)
    # 4. the association answers each question, writes
    with As(fd.sessions["applicant"]):
        _, doc = run.get("%s/%d/messages" % (api, r1))
    qids = [m["id"] for m in (doc or {}).get("messages", []) if m.get("kind") == "question"]
    run.check(len(qids) == 3, "%s/%d/messages" % (api, r1), "%d questions listed, 3 asked" % len(qids))
    it = iter(qids)
    fd.row(report, "POST %s/{id}/answers/{qid}" % api, "body", "applicant",
           lambda t: api_send(run, "POST", "%s/%d/answers/%d" % (api, r1, next(it, 999999)),
                              {"body": t}), echo=False)
    fd.row(report, "POST %s/{id}/messages" % api, "body (the applicant)", "applicant",
           lambda t: api_send(run, "POST", "%s/%d/messages" % (api, r1), {"body": t}), echo=False)
    # 5. decisions: a grant on the first, a refusal with its reason on the others
    fd.row(report, "POST %s/{id}/parts/{fid}/decision" % api, "decision", "funder",
           lambda t: api_send(run, "POST", part % r1 + "/decision", {"decision": t}), stores=False)
    fd.send("funder", "POST", part % r1 + "/decision", {"decision": "grant", "amount": "800.00"}, 200,
            "the grant")
    it2 = iter(rids[1:])
    fd.row(report, "POST %s/{id}/parts/{fid}/decision" % api, "reason", "funder",
           lambda t: api_send(run, "POST", part % next(it2) + "/decision",
                              {"decision": "refuse", "reason": t}))
    fd.row(report, "POST %s/{id}/parts/{fid}/payments" % api, "conditions", "funder",
           lambda t: api_send(run, "POST", part % r1 + "/payments",
                              {"paid_on": datetime.date.today().isoformat(), "amount": "100.00",
                               "conditions": t}))
    fd.row(report, "POST %s/{id}/parts/{fid}/payments" % api, "amount", "funder",
           lambda t: api_send(run, "POST", part % r1 + "/payments",
                              {"paid_on": datetime.date.today().isoformat(), "amount": t}), stores=False)
    fd.r1 = r1
    # 6. the page forms of each role, filled by the generic form fuzzer:
    #    a request filed and routed for the co-funder's forms, the lead's
    #    window and a request filed but not routed, the association's
    #    draft, the granted request and its final report
    r5, r6, r7 = fd.draft(), fd.draft(), fd.draft()
    if not run.check(r5 and r6 and r7 and fd.filed(r5) and fd.filed(r6, web=True) and fd.routed(r5), api,
                     "requests for the page forms were refused"):
        return fd
    for rid in (r5, r6, r7):
        fd.shown_by(rid)
    def fresh_filed(route):
        rid = fd.draft()
        if rid is None or not fd.filed(rid) or (route and not fd.routed(rid)):
            return None
        fd.shown_by(rid)
        return rid

    def fresh_question():
        r, doc = fd.send("funder", "POST", part % r5 + "/question",
                         {"body": "Une question (exemple) " + run.uniq()}, 201, "a question")
        with As(fd.sessions["applicant"]):
            _, doc = run.get("%s/%d/messages" % (api, r5))
        q = [m["id"] for m in (doc or {}).get("messages", [])
             if m.get("kind") == "question" and not m.get("answered_at")]
        return "/guichet/demandes/%d/reponses/%d" % (r5, q[-1]) if q else None

    FRESH["POST /guichet/demandes/N/orienter"] = \
        lambda: "/guichet/demandes/%d/orienter" % (fresh_filed(False) or 0)
    FRESH["POST /guichet/demandes/N/parts/N/decision"] = \
        lambda: "/guichet/demandes/%d/parts/%d/decision" % (fresh_filed(True) or 0, fd.f)
    FRESH["POST /guichet/demandes/N/reponses/N"] = fresh_question
    fd.pages(report, "lead", ["/guichet/guichets", "/guichet/guichets/%d" % fd.w,
                              "/guichet/guichets/%d/commissions" % fd.w, "/guichet/demandes/%d" % r6])
    fd.pages(report, "funder", ["/guichet/demandes/%d" % r5, page1])
    fd.pages(report, "applicant", ["/guichet/demandes/%d" % r7, "/guichet/demandes/%d" % r5,
                                   "/guichet/demandes/%d/compte-rendu" % r1])
    report_lines(fd, report, r1)
    return fd


# ---------------------------------------------------------------- the telehealth equipment (issue 17)

# The network crawl_escaping.sh imported (--booking: JSON with the owner,
# the site, its first device, the teleconsultant and the accounts of the
# site's host, the teleconsultant's organisation and the owner's manager).
BOOKING_CFG = {}
# The writes of the booking API (static/openapi.yaml), exercised by
# fuzz_booking: the public's booking, lookup and cancelling (no session),
# the host's change of state.
BOOKING_WRITES = {("post", "/api/v1/bookings"), ("post", "/api/v1/bookings/lookup"),
                  ("post", "/api/v1/bookings/cancel"), ("post", "/api/v1/bookings/{id}/state")}
# The page forms of the booking, each of which must be submitted at least
# once with hostile values in the role that may use it (report's "where",
# the role in brackets).
BOOKING_FORMS = {"POST /teleconsultation/reserver (public)", "POST /teleconsultation/rendez-vous (public)",
                 "POST /teleconsultation/annuler (public)", "GET /teleconsultation (public)",
                 "POST /equipements/sites/N/sur-place (host)", "POST /equipements/sites/N/assistants (host)",
                 "POST /equipements/sites/N/assistants/N (host)", "POST /equipements/sites/N/fermetures (host)",
                 "POST /equipements/rendez-vous/N/etat (host)", "POST /equipements/appareils/N/maintenance (host)",
                 "POST /teleconsultants/N/disponibilites (teleconsultant)",
                 "POST /teleconsultants/N/absences (teleconsultant)",
                 "POST /equipements/reseau/N/sites (manager)", "POST /equipements/reseau/N/appareils (manager)",
                 "POST /equipements/reseau/N/appareils/N (manager)",
                 "POST /equipements/reseau/N/teleconsultants (manager)",
                 "POST /equipements/reseau/N/teleconsultants/N (manager)",
                 "GET /equipements/reseau/N (manager)"}
# Public booking attempts are throttled per client address (10 per 10
# minutes): the server is started with --trusted-proxy 127.0.0.1 and each
# public booking request carries an X-Forwarded-For address of its own
# (198.18.0.0/15, the benchmarking range); the phone numbers differ too (the
# same throttle per number, two active bookings per number).
PUBLIC_BOOKING_RE = re.compile(r"^/(teleconsultation/(reserver|rendez-vous|annuler)|api/v1/bookings(/lookup|/cancel)?$)")
XFF = {"on": False, "n": 0}


def next_xff():
    XFF["n"] += 1
    n = XFF["n"]
    return "198.%d.%d.%d" % (18 + (n >> 16) % 2, (n >> 8) & 255, n & 255)


def today_iso():
    return datetime.date.today().isoformat()


def distinct_phone(run):
    """A French mobile number not given before in this run."""
    run.serial += 1
    n = run.serial
    return "06 %02d %02d %02d %02d" % (10 + n // 1000000 % 90, n // 10000 % 100, n // 100 % 100, n % 100)


def distinct_day(run, hour=None):
    """A day of 2027 not given before (a closure's, an absence's, a
    maintenance's): YYYY-MM-DD, or with hour YYYY-MM-DDTHH:00."""
    run.serial += 1
    d = datetime.date(2027, 2, 1) + datetime.timedelta(days=run.serial % 600)
    return d.isoformat() + ("T%02d:00" % hour if hour is not None else "")


# Properties whose value is TEXT (RFC 5545). The calendar's name (X-WR-CALNAME,
# a single value) is written by libical with its backslashes and newlines
# escaped but , and ; as they are (libical 3.0 escapes those in the TEXT of
# standard properties only): X- properties are held to the first rule.
ICAL_TEXT = {"SUMMARY", "DESCRIPTION", "LOCATION", "COMMENT", "CONTACT"}


def ical_check(text, values):
    """An iCalendar feed (RFC 5545): each value found (lines unfolded) as
    typed, text-escaped (\\ ; , and newlines), never HTML-escaped."""
    problems, shown = [], set()
    if not text.startswith("BEGIN:VCALENDAR"):
        problems.append("not an iCalendar document: %s" % snippet(text))
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    for line in unfolded.splitlines():
        name, _, raw = line.partition(":")
        val = re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), raw)
        pname = name.split(";")[0]
        if pname in ICAL_TEXT or pname.startswith("X-"):
            # a TEXT value (RFC 5545, 3.3.11): \\ \; \, \n are its only
            # escapes; a ; or , alone, or a backslash before anything
            # else, is text left unescaped
            i = 0
            while i < len(raw):
                if raw[i] == "\\":
                    if i + 1 >= len(raw) or raw[i + 1] not in "\\;,nN":
                        problems.append("iCalendar text with an unescaped backslash: %s" % snippet(line))
                        break
                    i += 2
                    continue
                if raw[i] in ";," and not pname.startswith("X-"):
                    problems.append("iCalendar text with an unescaped ; or ,: %s" % snippet(line))
                    break
                i += 1
        sh, pr = marker_scan(val, values)
        shown |= sh
        problems += pr
    return problems, shown


class Booking:
    def __init__(self, run, cfg):
        self.run, self.cfg = run, cfg
        self.site, self.device, self.tc, self.owner = cfg["site"], cfg["device"], cfg["tc"], cfg["owner"]
        self.sessions = {}
        self.pool = []          # free slots (start, day) two days ahead and more, for bookings
        self.days = set()       # days of the bookings made
        self.seeds = {"public": set(), "host": set(), "teleconsultant": set(), "manager": set()}

    def anonymous(self):
        """A visitor's pre-session (its cookie mg_pre and form token)."""
        with As({"cookie": None, "csrf": None}):
            r = self.run.request("GET", "/teleconsultation/rendez-vous")
        jar = {}
        for c in r.headers.get_all("Set-Cookie") or []:
            k, _, v = c.split(";")[0].partition("=")
            if v.strip():
                jar[k.strip()] = v.strip()
        m = re.search(r'name="csrf" value="([A-Za-z0-9_-]*)"', r.body.decode("utf-8", "replace"))
        self.run.check(jar and m, r.url, "no pre-session cookie or form token for a visitor")
        return {"cookie": "; ".join("%s=%s" % kv for kv in jar.items()) or None,
                "csrf": m.group(1) if m else None}

    def fill_pool(self):
        """Free slots (device, teleconsultant, start) from two days ahead
        on, none of which the walk-ins (the next two hours) may take."""
        seen = set()
        for k in range(2, 6):
            day = (datetime.date.today() + datetime.timedelta(days=k)).isoformat()
            with As({"cookie": None, "csrf": None}):
                _, doc = self.run.get("/api/v1/slots?site=%d&kind=gp&from=%s&days=1&limit=500" % (self.site, day))
            for s in (doc or {}).get("slots", []) if isinstance(doc, dict) else []:
                key = (s.get("device_id"), s.get("teleconsultant_id"), s.get("start"))
                if key not in seen:
                    seen.add(key)
                    self.pool.append(key)
        self.run.check(len(self.pool) > 100, "/api/v1/slots", "only %d free slots two days ahead" % len(self.pool))

    def take(self):
        """The next slot of the pool (also kept as self.cur)."""
        self.cur = self.pool.pop(0) if self.pool else (self.device, self.tc, "2099-01-01T10:00")
        self.days.add(self.cur[2][:10])
        return self.cur

    def body(self, **over):
        device, tc, start = self.take()
        b = {"site_id": self.site, "device_id": device, "teleconsultant_id": tc, "kind": "gp",
             "start": start, "person": "A. B. (exemple)", "phone": distinct_phone(self.run)}
        b.update(over)
        return b

    def book(self):
        """A fresh booking by the API: (code, id) or (None, None)."""
        b = self.body()
        with As({"cookie": None, "csrf": None}):
            r, doc = api_send(self.run, "POST", "/api/v1/bookings", b)
        if not self.run.check(r.status == 201 and isinstance(doc, dict) and doc.get("code"), r.url,
                              "a valid booking answered %d: %s" % (r.status, snippet(r.body.decode("utf-8", "replace")))):
            return None, None
        with As(self.sessions["host"]):
            _, lst = self.run.get("/api/v1/bookings?site=%d&from=%s&to=%s" % (self.site, b["start"][:10], b["start"][:10]))
        ids = [x.get("id") for x in (lst or {}).get("bookings", [])
               if x.get("start") == b["start"] and x.get("state") == "booked"
               and x.get("device_id", b["device_id"]) == b["device_id"]
               and x.get("teleconsultant_id", b["teleconsultant_id"]) == b["teleconsultant_id"]]
        return doc["code"], (ids[0] if ids else None)

    def pages(self, report, role, paths):
        fz = Fuzzer(self.run)
        with As(self.sessions[role]):
            for p in paths:
                _, doc = self.run.get(p)
                if isinstance(doc, Page):
                    fz.offer(p, doc)
            fz.fuzz_all()
        report += [(where + " (%s)" % role, f, k, row) for where, f, k, row in fz.fields]
        self.reached = getattr(self, "reached", set()) | {where + " (%s)" % role for where, _, _, _ in fz.fields}
        for s in fz.skipped:
            print("  booking, not submitted: %s (%s)" % (s, role))


def fuzz_booking(run, report, cfg):
    bk = Booking(run, cfg)
    XFF["on"] = True
    for role in ("host", "teleconsultant", "manager"):
        s = log_in(run, cfg[role]["email"], cfg[role]["password"])
        if s is None:
            return bk
        bk.sessions[role] = s
    bk.sessions["public"] = bk.anonymous()
    bk.fill_pool()
    # 1. the API's public writes: a booking's members, then lookup and cancel
    where = "POST /api/v1/bookings"
    for field, stores in (("person", True), ("phone", False), ("kind", False), ("start", False),
                          ("site_id (as a string)", False), ("unknown key", False)):
        row = []
        for style in (0, 1, 2):
            v = run.values.make(style, where, field, "JSON string")
            key = field.split(" ")[0]
            b = bk.body() if key != "unknown" else dict(bk.body(), **{v.text: "x"})
            if key != "unknown":
                b[key] = v.text
            with As({"cookie": None, "csrf": None}):
                r, doc = api_send(run, "POST", "/api/v1/bookings", b)
            v.status, v.accepted = r.status, r.status < 400
            v.expect_shown = v.accepted and stores
            if stores:
                run.check(r.status == 201, r.url, "%s %s=%r answered %d: %s" % (
                    where, field, v.text, r.status, snippet(r.body.decode("utf-8", "replace"))))
            else:
                run.check(400 <= r.status < 500 and r.status != 429, r.url,
                          "%s %s=%r answered %d, not 4xx" % (where, field, v.text, r.status))
            row.append(v)
        report.append((where, field, "JSON string", row))
    for op in ("lookup", "cancel"):
        row = []
        for style in (0, 1, 2):
            v = run.values.make(style, "POST /api/v1/bookings/" + op, "code", "JSON string")
            with As({"cookie": None, "csrf": None}):
                r, _ = api_send(run, "POST", "/api/v1/bookings/" + op, {"code": v.text})
            v.status, v.accepted = r.status, r.status < 400
            run.check(r.status in (400, 404), r.url, "%s code=%r answered %d, not 400 or 404"
                      % (op, v.text, r.status))
            row.append(v)
        report.append(("POST /api/v1/bookings/" + op, "code", "JSON string", row))
        code, _ = bk.book()
        with As({"cookie": None, "csrf": None}):
            r, _ = api_send(run, "POST", "/api/v1/bookings/" + op, {"code": code or "x"})
        run.check(r.status == 200, r.url, "%s of a valid code answered %d" % (op, r.status))
    # the host's change of state
    _, bid = bk.book()
    if run.check(bid, "/api/v1/bookings", "the host does not see a booking just made"):
        row = []
        for style in (0, 1, 2):
            v = run.values.make(style, "POST /api/v1/bookings/{id}/state", "state", "JSON string")
            with As(bk.sessions["host"]):
                r, _ = api_send(run, "POST", "/api/v1/bookings/%d/state" % bid, {"state": v.text})
            v.status, v.accepted = r.status, r.status < 400
            run.check(r.status == 400, r.url, "state=%r answered %d, not 400" % (v.text, r.status))
            row.append(v)
        report.append(("POST /api/v1/bookings/{id}/state", "state", "JSON string", row))
        with As(bk.sessions["host"]):
            r, _ = api_send(run, "POST", "/api/v1/bookings/%d/state" % bid, {"state": "arrived"})
        run.check(r.status == 200, r.url, "booked -> arrived answered %d" % r.status)
    # 2. the public's pages: the search, the form of a slot, the lookup
    #    and, from a looked-up booking, the cancelling (a fresh code each)
    # the booking form: a free slot each time (its hidden fields come in
    # the order site, device, tc, kind, start)
    FORM_EXAMPLES[("POST /teleconsultation/reserver", "device")] = lambda: str(bk.take()[0])
    FORM_EXAMPLES[("POST /teleconsultation/reserver", "tc")] = lambda: str(bk.cur[1])
    FORM_EXAMPLES[("POST /teleconsultation/reserver", "start")] = lambda: bk.cur[2]
    # weekly hours: the form's own « 24/7 » (a required field's default
    # would otherwise be made unique, as a name is)
    for where in ("POST /teleconsultants/N/disponibilites", "POST /equipements/sites/N/assistants",
                  "POST /equipements/sites/N/assistants/N", "POST /equipements/reseau/N/teleconsultants",
                  "POST /equipements/reseau/N/teleconsultants/N"):
        FORM_EXAMPLES[(where, "availability")] = "24/7"
    for where in ("POST /equipements/sites/N/fermetures", "POST /teleconsultants/N/absences"):
        FORM_EXAMPLES[(where, "from")] = lambda: distinct_day(run)
        FORM_EXAMPLES[(where, "to")] = lambda: distinct_day(run)
    FORM_EXAMPLES[("POST /equipements/appareils/N/maintenance", "from")] = lambda: distinct_day(run, 8)
    FORM_EXAMPLES[("POST /equipements/appareils/N/maintenance", "to")] = lambda: distinct_day(run, 9)
    FORM_EXAMPLES[("POST /teleconsultation/rendez-vous", "code")] = lambda: bk.book()[0] or "x"
    FORM_EXAMPLES[("POST /teleconsultation/annuler", "code")] = lambda: bk.book()[0] or "x"
    first_device, first_tc, first = bk.pool[0] if bk.pool else (bk.device, bk.tc, "2099-01-01T10:00")
    bk.pages(report, "public", ["/teleconsultation", "/teleconsultation/rendez-vous",
                                "/teleconsultation/reserver?" + urllib.parse.urlencode(
                                    [("site", bk.site), ("device", first_device), ("tc", first_tc),
                                     ("kind", "gp"), ("start", first)])])
    if "POST /teleconsultation/annuler (public)" not in getattr(bk, "reached", set()):
        # the cancel form is on a looked-up booking's page
        code, _ = bk.book()
        with As(bk.sessions["public"]):
            status, loc, doc = submit(run, "post", "/teleconsultation/rendez-vous",
                                      [["csrf", bk.sessions["public"]["csrf"]], ["code", code or "x"]])
        if isinstance(doc, Page):
            fz = Fuzzer(run)
            with As(bk.sessions["public"]):
                fz.offer(loc or "/teleconsultation/rendez-vous", doc)
                fz.fuzz_all()
            report += [(w + " (public)", f, k, r) for w, f, k, r in fz.fields]
            bk.reached |= {w + " (public)" for w, _, _, _ in fz.fields}
    # 3. the host's pages: the day (with a booking for the states' forms),
    #    its reminders, the device's maintenance
    FRESH["POST /equipements/rendez-vous/N/etat"] = lambda: "/equipements/rendez-vous/%d/etat" % (bk.book()[1] or 0)
    day = bk.pool[0][2][:10] if bk.pool else None
    bk.book()
    host = ["/equipements", "/equipements/sites/%d" % bk.site, "/equipements/sites/%d/rappels" % bk.site,
            "/equipements/appareils/%d/maintenance" % bk.device]
    if day:
        host.append("/equipements/sites/%d?jour=%s" % (bk.site, day))
    bk.pages(report, "host", host)
    # 4. the teleconsultant's page (availability, absences, the feed's link)
    bk.pages(report, "teleconsultant", ["/teleconsultants/%d" % bk.tc])
    # its feed, now that the site shares the phone with teleconsultants
    # (the network's form below unticks it): the people booked with the
    # values, some of them the teleconsultant's, are in it (else the feed's
    # escaping was not checked)
    feeds = booking_feed(run, bk)
    run.final = True
    with As({"cookie": None, "csrf": None}):
        crawl(run, feeds, len(feeds), follow=False)
    run.final = False
    run.check(any(v.shown["ics"] for v in run.values.by_marker.values()), "".join(feeds[:1]),
              "the calendar feed shows none of the values booked")
    # 5. the owner's network (sites, devices, teleconsultants), last: its
    #    forms change what the slots above were computed from
    net = "/equipements/reseau/%d" % bk.owner
    bk.pages(report, "manager", [net, net + "/usage", net + "/carte"])
    # 6. the query parameters and path segments of the booking's pages, in
    #    the session of each role
    d = day or today_iso()
    feeds = booking_feed(run, bk)
    urls = {"public": ["/teleconsultation?commune=11049&kind=gp", "/teleconsultation/reserver?" +
                       urllib.parse.urlencode([("site", bk.site), ("device", first_device), ("tc", first_tc),
                                               ("kind", "gp"), ("start", first)]),
                       "/api/v1/slots?site=%d&kind=gp&from=%s&days=3&limit=5" % (bk.site, d),
                       "/api/v1/slots?commune=11049&kind=gp", "/api/v1/sites/%d" % bk.site],
            "host": ["/equipements/sites/%d?jour=%s" % (bk.site, d), "/equipements/sites/%d/rappels" % bk.site,
                     "/api/v1/bookings?site=%d&from=%s&to=%s" % (bk.site, d, d),
                     "/equipements/appareils/%d/maintenance" % bk.device],
            "teleconsultant": ["/api/v1/bookings?teleconsultant=%d&from=%s&to=%s" % (bk.tc, d, d)],
            "feed": feeds,  # no session: its secret
            "manager": [net + "/usage?de=2026-01-01&a=2026-12-31&par=site", net + "/carte"]}
    for role, paths in urls.items():
        with As(bk.sessions.get(role, {"cookie": None, "csrf": None})):
            fuzz_urls(run, set(paths), report)
    XFF["on"] = False
    for f in sorted(BOOKING_FORMS - getattr(bk, "reached", set())):
        run.fail(f, "this booking form was never submitted with hostile values")
    run.check(True, "", "")
    # the final crawl's seeds: what shows the values, as each role sees it
    today = datetime.date.today()
    days = sorted(bk.days | {today.isoformat(), (today + datetime.timedelta(days=1)).isoformat()})
    bk.seeds["host"] |= {"/equipements", "/equipements/sites/%d" % bk.site,
                         "/equipements/sites/%d/rappels" % bk.site,
                         "/equipements/appareils/%d/maintenance" % bk.device,
                         "/api/v1/bookings?site=%d&from=%s&to=%s" % (bk.site, days[0], days[-1])}
    bk.seeds["host"] |= {"/equipements/sites/%d?jour=%s" % (bk.site, d) for d in days}
    bk.seeds["teleconsultant"] |= {"/teleconsultants/%d" % bk.tc,
                                   "/api/v1/bookings?teleconsultant=%d&from=%s&to=%s" % (bk.tc, days[0], days[-1])}
    bk.seeds["manager"] |= {net, net + "/usage", net + "/carte", net + "/usage.xlsx", "/equipements"}
    bk.seeds["public"] |= {"/teleconsultation", "/teleconsultation?commune=11049", "/api/v1/sites",
                           "/api/v1/sites/%d" % bk.site, "/api/v1/slots?site=%d" % bk.site,
                           "/teleconsultation/confidentialite"}
    return bk


def booking_feed(run, bk):
    """The teleconsultant's calendar feed: its secret address, shown once
    on the page the feed form answers (a new secret each time), fetched
    without a session."""
    if getattr(bk, "feed", None):
        return bk.feed
    with As(bk.sessions["teleconsultant"]):
        r = run.request("POST", "/teleconsultants/%d/flux" % bk.tc,
                        urllib.parse.urlencode({"csrf": bk.sessions["teleconsultant"]["csrf"]}).encode(),
                        "application/x-www-form-urlencoded")
        run.examine(r)
    m = re.search(r'(/teleconsultants/agenda\.ics\?jeton=[A-Za-z0-9_%-]+)', r.body.decode("utf-8", "replace"))
    if not run.check(m, r.url, "no calendar feed address on the teleconsultant's page"):
        return []
    bk.feed = [html.unescape(m.group(1))]
    return bk.feed


# ---------------------------------------------------------------- mobile services' rounds (issue 18)

# The crawl's organisation (--rounds: JSON from crawl_escaping.sh, {"org"}):
# its manager (the crawl's session) runs the services.
ROUNDS_CFG = {}
# The writes of the rounds API (static/openapi.yaml), exercised by fuzz_rounds.
ROUNDS_WRITES = {("post", "/api/v1/rounds/services"), ("post", "/api/v1/rounds/services/{id}"),
                 ("post", "/api/v1/rounds/services/{id}/vehicles"),
                 ("post", "/api/v1/rounds/services/{id}/stops"),
                 ("post", "/api/v1/rounds/services/{id}/plans"),
                 ("post", "/api/v1/rounds/services/{id}/publication"),
                 ("post", "/api/v1/rounds/services/{id}/publication/withdraw"),
                 ("post", "/api/v1/rounds/services/{id}/cancellations")}
# The page forms of the rounds, each of which must be submitted with the
# values at least once (the deletions are not: they would take away what
# the final crawl looks for).
ROUNDS_FORMS = {"POST /tournees/services", "POST /tournees/services/N", "POST /tournees/services/N/vehicules",
                "POST /tournees/services/N/vehicules/N", "POST /tournees/services/N/arrets",
                "POST /tournees/services/N/arrets/chefs-lieux", "POST /tournees/services/N/arrets/fichier",
                "POST /tournees/services/N/arrets/annuaire", "POST /tournees/services/N/plans",
                "POST /tournees/services/N/actuelles", "POST /tournees/services/N/publication",
                "POST /tournees/services/N/annulations"}
# The services' territory: Bram (the booking's town hall is there, a
# structure of the directory) and Fanjeaux, a few stops each, so that a
# plan takes its one second.
ROUNDS_COMMUNES = ("11049", "11136")


def stops_file(run, text):
    """The stops-file form: a CSV in the layout of docs/rounds-formats.md
    (nom;commune), one stop in Bram, named with the value."""
    name = text if text is not None else "Salle d'essai " + run.uniq() + " (exemple)"
    cell = '"' + name.replace('"', '""') + '"'
    data = ("nom;commune\r\n" + cell + ";" + ROUNDS_COMMUNES[0] + "\r\n").encode()
    return Upload("arrets-essai.csv", "text/csv", data), name


FILE_EXAMPLES[("POST /tournees/services/N/arrets/fichier", "file")] = stops_file


class Rounds:
    """The rounds' scripted flow: the published service S (made by the
    API, then its page forms), its plan, the dates it stops on, and what
    the final crawl must look at."""

    def __init__(self, run, cfg):
        self.run, self.org = run, cfg["org"]
        self.sid = self.vid = self.plan = None
        self.sids = set()       # every service made
        self.dates = []         # days S stops on (published plan), for cancellations
        self.reached = set()
        self.ical = []          # values with iCalendar's specials, that the feed must show
        self.ical_vehicles = []  # the same, if the published plan has the vehicle or stop
        self.ical_stops = []
        self.cancel_first = None
        self.last = None        # the last day of the timetable the final crawl asks for

    def service(self, **over):
        b = {"organisation_id": self.org, "name": "Service itinérant " + self.run.uniq() + " (exemple)",
             "territory": "communes:" + ",".join(ROUNDS_COMMUNES), "cycle_weeks": 1,
             "contact": "04 68 00 00 00 (exemple)"}
        b.update(over)
        return b

    def vehicle(self, **over):
        b = {"name": "Camion " + self.run.uniq() + " (exemple)", "base_name": "Maison de santé (exemple)",
             "base_commune": ROUNDS_COMMUNES[0], "weekdays": "tue,thu", "day_start": "08:30",
             "day_end": "17:00"}
        b.update(over)
        return b

    def send(self, path, obj, want, what):
        resp, doc = api_send(self.run, "POST", path, obj)
        self.run.check(resp.status == want, resp.url, "%s answered %d, not %d: %s"
                       % (what, resp.status, want, snippet(resp.body.decode("utf-8", "replace"))))
        return resp, (doc if resp.status == want and isinstance(doc, dict) else None)

    def next_date(self):
        """A day S stops on, not given before (a cancellation each)."""
        return self.dates.pop(0) if self.dates else "2099-01-05"

    def row(self, report, where, field, send, stores, echo=False, after=None, styles=(0, 1, 2),
            may_ignore=False):
        """Values in one member: send(text) -> (response, doc). A stored
        one must be accepted (and given back when echo), any other
        refused with 400 (or, may_ignore, accepted and shown nowhere)."""
        run, row = self.run, []
        for style in styles:
            v = run.values.make(style, where, field, "JSON string")
            echoed = v.echo["json"]
            resp, doc = send(v.text)
            v.status, v.accepted = resp.status, resp.status < 400
            v.expect_shown = v.accepted and stores
            if stores:
                run.check(v.accepted, resp.url, "%s %s=%r answered %d: %s" % (
                    where, field, v.text, resp.status, snippet(resp.body.decode("utf-8", "replace"))))
                if v.accepted and echo:
                    run.check(v.echo["json"] > echoed, resp.url,
                              "%s: the answer does not give back %s=%r" % (where, field, v.text))
                if v.accepted and isinstance(doc, dict) and isinstance(doc.get("service"), dict):
                    self.sids.add(doc["service"].get("id"))
            elif may_ignore and v.accepted:
                v.ignored = True
            else:
                run.check(resp.status == 400, resp.url, "%s %s=%r answered %d, not 400"
                          % (where, field, v.text, resp.status))
            if v.accepted and after:
                # a write the next one replaces: its page and API entry, now
                v.overwritten = True
                h, j = v.echo["html"], v.echo["json"]
                run.get(after[0])
                run.get(after[1])
                v.shown_after = v.echo["html"] > h
                v.api_after = v.echo["json"] > j
            row.append(v)
        report.append((where, field, "JSON string", row))
        return row


def next_monday():
    d = datetime.date.today()
    return (d + datetime.timedelta(days=7 - d.weekday())).isoformat()


def fuzz_rounds(run, report, cfg):
    rd = Rounds(run, cfg)
    api = "/api/v1/rounds/services"
    # S: a service of two communes and a one-week cycle
    _, doc = rd.send(api, rd.service(), 201, "a rounds service")
    if not doc:
        return rd
    rd.sid = sid = doc["service"]["id"]
    rd.sids.add(sid)
    svc, page = "%s/%d" % (api, sid), "/tournees/services/%d" % sid
    # 1. creation: each value a service of its own
    w = "POST " + api
    for field in ("name", "contact"):
        rd.row(report, w, field, lambda t, f=field: api_send(run, "POST", api, rd.service(**{f: t})), True, echo=True)
    for field in ("territory", "target_public", "profession", "school_zone", "reach_min"):
        rd.row(report, w, field + (" (as a string)" if field == "reach_min" else ""),
               lambda t, f=field: api_send(run, "POST", api, rd.service(**{f: t})), False)
    rd.row(report, w, "unknown key", lambda t: api_send(run, "POST", api, dict(rd.service(), **{t: 1})), False)
    # 2. S's settings: each value replaces the last, looked for right after
    w = "POST %s/{id}" % api
    for field in ("name", "contact"):
        rd.row(report, w, field, lambda t, f=field: api_send(run, "POST", svc, {f: t}), True, echo=True,
               after=(page, svc))
    for field in ("territory", "cycle_weeks", "unknown key"):
        rd.row(report, w, field + (" (as a string)" if field == "cycle_weeks" else ""),
               lambda t, f=field: api_send(run, "POST", svc, {t if f == "unknown key" else f: t}), False)
    # S keeps a name and a contact with iCalendar's specials (the feed's
    # name, the poster, the timetable), a contact of two lines
    rd.ical += rd.row(report, w, "name (, ; \\ kept)", lambda t: api_send(run, "POST", svc, {"name": t}), True,
                      echo=True, styles=(3,))
    rd.ical += rd.row(report, w, "contact (two lines)", lambda t: api_send(run, "POST", svc, {"contact": t}),
                      True, echo=True, styles=(4,))
    # 3. vehicles: each value a vehicle of S (on two days, the plan stays small)
    w = "POST %s/{id}/vehicles" % api
    for field in ("name", "base_name"):
        row = rd.row(report, w, field, lambda t, f=field: api_send(run, "POST", svc + "/vehicles",
                                                                   rd.vehicle(**{f: t})),
                     True, echo=True, styles=(0, 1, 2, 3))
        if field == "name":
            rd.ical_vehicles += row[3:]   # in the feed if the plan gives it a route
    for field in ("base_commune", "weekdays", "day_start", "break_min", "unknown key"):
        rd.row(report, w, field + (" (as a string)" if field == "break_min" else ""),
               lambda t, f=field: api_send(run, "POST", svc + "/vehicles",
                                           dict(rd.vehicle(), **{t if f == "unknown key" else f: t})), False)
    # 4. stops: each value a stop, in one commune then the other
    w = "POST %s/{id}/stops" % api
    k = [0]

    def stop(**over):
        k[0] += 1
        st = {"name": "Place " + run.uniq() + " (exemple)", "commune_code": ROUNDS_COMMUNES[k[0] % 2]}
        st.update(over)
        return {"stops": [st]}

    rd.ical_stops += rd.row(report, w, "stops[].name",
                            lambda t: api_send(run, "POST", svc + "/stops", stop(name=t)),
                            True, styles=(0, 1, 2, 3))[3:]   # in the feed if the plan visits it
    for field in ("commune_code", "minutes"):
        rd.row(report, w, "stops[].%s" % field + (" (as a string)" if field == "minutes" else ""),
               lambda t, f=field: api_send(run, "POST", svc + "/stops", stop(**{f: t})), False)
    # an unknown member of a stop is refused like the body's (400, stops[N])
    rd.row(report, w, "stops[].unknown key", lambda t: api_send(run, "POST", svc + "/stops", stop(**{t: "x"})),
           False)
    rd.row(report, w, "unknown key", lambda t: api_send(run, "POST", svc + "/stops", dict(stop(), **{t: 1})),
           False)
    rd.row(report, w, "replace (as a string)",
           lambda t: api_send(run, "POST", svc + "/stops", dict(stop(), replace=t)), False)
    # 5. plans: one second each
    w = "POST %s/{id}/plans" % api
    labels = rd.row(report, w, "label", lambda t: api_send(run, "POST", svc + "/plans", {"seconds": 1, "label": t}),
                    True, echo=True)
    for field in ("seconds", "exact", "unknown key"):
        rd.row(report, w, field + (" (as a string)" if field != "unknown key" else ""),
               lambda t, f=field: api_send(run, "POST", svc + "/plans",
                                           {"seconds": 1, (t if f == "unknown key" else f): t}), False)
    _, plans = run.get(svc + "/plans")
    pids = [p.get("id") for p in (plans or {}).get("plans", []) if isinstance(p, dict)]
    if not run.check(pids and all(v.accepted for v in labels), svc + "/plans", "no plan computed"):
        return rd
    rd.plan = pids[0]   # the newest
    anchor = next_monday()
    # 6. publication (refused values), withdrawal, publication again
    w = "POST %s/{id}/publication" % api
    rd.row(report, w, "anchor_monday", lambda t: api_send(run, "POST", svc + "/publication",
                                                          {"plan_id": rd.plan, "anchor_monday": t}), False)
    rd.row(report, w, "plan_id (as a string)", lambda t: api_send(run, "POST", svc + "/publication",
                                                                  {"plan_id": t, "anchor_monday": anchor}), False)
    rd.send(svc + "/publication", {"plan_id": rd.plan, "anchor_monday": anchor}, 200, "publication")
    rd.send(svc + "/publication/withdraw", {}, 200, "withdrawal")
    with As({"cookie": None, "csrf": None}):
        r = run.request("GET", "/tournees/%d" % sid)
    run.check(r.status == 404, r.url, "a withdrawn timetable answered %d, not 404" % r.status)
    rd.send(svc + "/publication", {"plan_id": rd.plan, "anchor_monday": anchor}, 200, "publication")
    # the days S stops on, from its timetable (next week first: the public
    # page shows this week and the next)
    last = rd.last = (datetime.date.fromisoformat(anchor) + datetime.timedelta(days=280)).isoformat()
    with As({"cookie": None, "csrf": None}):
        _, tt = run.get("/api/v1/rounds/published/%d/timetable?from=%s&to=%s" % (sid, anchor, last))
    rd.dates = sorted({x.get("date") for x in (tt or {}).get("stops", [])
                       if isinstance(x, dict) and not x.get("skipped_for_holidays")})
    if not run.check(len(rd.dates) >= 20, "/api/v1/rounds/published/%d/timetable" % sid,
                     "the published plan stops on %d days in 280, too few to cancel" % len(rd.dates)):
        return rd
    # 7. cancellations: a day each (every vehicle, the whole day), so that
    # each reason stands on that day's stops
    w = "POST %s/{id}/cancellations" % api
    rd.cancel_first = rd.dates[0]
    cancels = rd.row(report, w, "reason", lambda t: api_send(run, "POST", svc + "/cancellations",
                                                             {"on_date": rd.next_date(), "reason": t}),
                     True, styles=(0, 1, 2, 3, 4))
    rd.ical += cancels[3:]
    for field in ("on_date", "vehicle_id", "stop_id", "unknown key"):
        rd.row(report, w, field + (" (as a string)" if field.endswith("_id") else ""),
               lambda t, f=field: api_send(run, "POST", svc + "/cancellations",
                                           dict({"on_date": rd.dates[-1], "reason": "Panne (exemple)"},
                                                **{(t if f == "unknown key" else f): t})), False)
    # the public page (this week and the next) shows the first reason
    with As({"cookie": None, "csrf": None}):
        h = cancels[0].echo["html"]
        run.get("/tournees/%d" % sid)
        run.check(cancels[0].echo["html"] > h, "/tournees/%d" % sid,
                  "the public timetable does not show the reason of the cancellation of %s" % rd.cancel_first)
    # 8. the page forms, in the manager's session: S's page (every form is
    #    there), a plan's page, the list's creation form. Vehicles added by
    #    the form go to a service of their own (V), so that S's plans stay
    #    small; cancellations take the next days S stops on
    _, doc = rd.send(api, rd.service(name="Véhicules ajoutés " + run.uniq() + " (exemple)"), 201,
                     "a second rounds service")
    if doc:
        rd.vid = doc["service"]["id"]
        rd.sids.add(rd.vid)
        FRESH["POST /tournees/services/N/vehicules"] = lambda: "/tournees/services/%d/vehicules" % rd.vid
    FORM_EXAMPLES[("POST /tournees/services", "territory_choice")] = "communes"
    FORM_EXAMPLES[("POST /tournees/services", "territory")] = ",".join(ROUNDS_COMMUNES)
    for where in ("POST /tournees/services/N/vehicules", "POST /tournees/services/N/arrets"):
        FORM_EXAMPLES[(where, "base_commune" if where.endswith("vehicules") else "commune_code")] = ROUNDS_COMMUNES[0]
    # a crew's day: the form's own times and base (a required text is
    # otherwise made unique, as a name is)
    for where in ("POST /tournees/services/N/vehicules", "POST /tournees/services/N/vehicules/N"):
        FORM_EXAMPLES[(where, "day_start")] = "08:30"
        FORM_EXAMPLES[(where, "day_end")] = "17:00"
        FORM_EXAMPLES[(where, "base_commune")] = ROUNDS_COMMUNES[0]
    FORM_EXAMPLES[("POST /tournees/services/N/plans", "seconds")] = "1"
    FORM_EXAMPLES[("POST /tournees/services/N/annulations", "on_date")] = rd.next_date
    # the current rounds: one stop (an active one, by its id: the stops
    # forms before may have replaced those the page suggested), the others empty

    def active_stop():
        _, d = run.get(svc)
        ids = [x.get("id") for x in (d or {}).get("stop_list", []) if isinstance(x, dict) and x.get("active")]
        return str(ids[0]) if ids else ""

    FORM_EXAMPLES[("POST /tournees/services/N/actuelles", "stop_1")] = active_stop
    for n in range(2, 9):
        FORM_EXAMPLES[("POST /tournees/services/N/actuelles", "stop_%d" % n)] = ""
    fz = Fuzzer(run)
    fz.rounds = True
    for p in (page, "%s/plans/%d" % (page, rd.plan), "/tournees/services"):
        _, doc = run.get(p)
        if isinstance(doc, Page):
            fz.offer(p, doc)
    fz.fuzz_all()
    report += fz.fields
    rd.reached = {where for where, _, _, _ in fz.fields}
    for x in fz.skipped:
        print("  rounds, not submitted: %s" % x)
    for f in sorted(ROUNDS_FORMS - rd.reached):
        run.fail(f, "this rounds form was never submitted with hostile values")
    # the query parameters and path segments of the rounds' pages
    fuzz_urls(run, {"/api/v1/rounds/published/%d/timetable?from=%s&to=%s" % (sid, anchor, last),
                    "/tournees/%d/calendrier.ics" % sid, "%s/plans/%d" % (page, rd.plan)}, report)
    # the publication form published S's newest plan from next Monday, the
    # withdrawal's form withdrew it: S's plan again, with its days
    rd.send(svc + "/publication", {"plan_id": rd.plan, "anchor_monday": anchor}, 200, "publication")
    _, lst = run.get(api)
    rd.sids |= {x.get("id") for x in (lst or {}).get("services", []) if isinstance(x, dict)}
    rd.sids.discard(None)
    return rd


def rounds_seeds(run, rd):
    """What shows the rounds' values: (the manager's pages and API answers,
    the public's)."""
    org, public = set(), set()
    api = "/api/v1/rounds/services"
    org |= {"/tournees/services", api}
    for i in sorted(rd.sids):
        org |= {"/tournees/services/%d" % i, "%s/%d" % (api, i), "%s/%d/plans" % (api, i)}
    _, plans = run.get("%s/%d/plans" % (api, rd.sid))
    for p in (plans or {}).get("plans", []):
        if isinstance(p, dict) and isinstance(p.get("id"), int):
            org |= {"/tournees/services/%d/plans/%d" % (rd.sid, p["id"]), "%s/%d/plans/%d" % (api, rd.sid, p["id"])}
    sid = rd.sid
    public |= {"/tournees", "/tournees/%d" % sid, "/tournees/%d/calendrier.ics" % sid,
               "/api/v1/rounds/published",
               "/api/v1/rounds/published/%d/timetable?from=%s&to=%s" % (sid, next_monday(), rd.last),
               "/api/v1/rounds/published/%d/timetable" % sid}
    public |= {"/tournees/%d/affiche/%s.pdf" % (sid, c) for c in ROUNDS_COMMUNES}
    return sorted(org), sorted(public)


def rounds_final_checks(run, rd):
    """After the final crawl: the feed shows the values with iCalendar's
    specials, the posters are PDFs, the finder lists S's next stops."""
    _, plan = run.get("/api/v1/rounds/services/%d/plans/%d" % (rd.sid, rd.plan))
    routes = [r for r in ((plan or {}).get("plan") or {}).get("routes", []) if isinstance(r, dict)]
    vehicles = {r.get("vehicle") for r in routes}
    stops = {x.get("stop") for r in routes for x in r.get("visits", []) if isinstance(x, dict)}
    run.check(routes and stops, "/api/v1/rounds/services/%d/plans/%d" % (rd.sid, rd.plan),
              "the published plan has no route")
    for v in rd.ical + [v for v in rd.ical_vehicles if v.text in vehicles] + \
            [v for v in rd.ical_stops if v.text in stops]:
        if v.expect_shown:
            run.check(v.shown["ics"] > 0, "/tournees/%d/calendrier.ics" % rd.sid,
                      "the feed does not show %r (%s %s)" % (v.text, v.where, v.field))
    with As({"cookie": None, "csrf": None}):
        for c in ROUNDS_COMMUNES:
            r = run.request("GET", "/tournees/%d/affiche/%s.pdf" % (rd.sid, c))
            run.examine(r)
            run.check(r.status == 200 and r.ctype.startswith("application/pdf") and r.body.startswith(b"%PDF-"),
                      r.url, "the poster answered %d, %r: not a PDF" % (r.status, r.ctype))
        r, doc = run.get("/ou-me-soigner?lieu=Bram")
        run.check(r.status == 200 and ('href="/tournees/%d"' % rd.sid) in r.body.decode("utf-8", "replace"),
                  r.url, "the finder's answer for Bram does not list the published service's next stops")


# ---------------------------------------------------------------- the run

def main_run(base):
    run = Run(base, Values("".join(chr(97 + int(d)) for d in "%04d" % (os.getpid() % 10000))))
    t0 = time.monotonic()
    fuzz = Fuzzer(run)
    report = []
    seen_paths = set()

    def on_page(path, resp, page):
        seen_paths.add(path)
        for l in page.links:
            p = run.local(l.split("#")[0])
            if p:
                seen_paths.add(p)
        fuzz.offer(path, page)

    # 1. discover forms and URLs; fuzz the forms, again while new ones appear
    #    (a scenario's page has the form to add actions, the plan its save form)
    for _ in range(4):
        crawl(run, ["/", "/scenarios", "/planification", "/api", "/methode"], 60, on_page)
        if not fuzz.pending:
            break
        fuzz.fuzz_all()
    report += fuzz.fields
    # 2. the JSON API
    fuzz_api(run, report)
    # 3. query parameters and path segments of every kind of URL seen
    ids = sorted(set(run.ids))
    if ids:
        for p in ("/scenarios/%d" % ids[0], "/scenarios/comparer?a=%d&b=%d" % (ids[0], ids[-1]),
                  "/api/v1/scenarios/%d/evaluation" % ids[0], "/api/v1/territory?profession=mg",
                  "/api/v1/communes?profession=mg", "/api/v1/communes/11001?profession=mg"):
            seen_paths.add(p)
    fuzz_urls(run, seen_paths, report)
    # 3b. the single window, in the sessions of its roles
    fd = fuzz_funding(run, report, FUNDING_CFG) if FUNDING_CFG else None
    # 3c. the telehealth equipment, in the sessions of its roles
    bk = fuzz_booking(run, report, BOOKING_CFG) if BOOKING_CFG else None
    # 3d. the mobile services' rounds, in the manager's session
    rd = fuzz_rounds(run, report, ROUNDS_CFG) if ROUNDS_CFG else None
    # 4. the final crawl: everything that may show a stored value
    run.final = True
    seeds = ["/", "/scenarios", "/api/v1/scenarios", "/api", "/planification", "/methode"]
    ids = sorted(set(run.ids))
    for i in ids:
        seeds += ["/scenarios/%d" % i, "/api/v1/scenarios/%d" % i, "/api/v1/scenarios/%d/evaluation" % i,
                  "/telecharger/communes.csv?scenario=%d" % i, "/telecharger/communes.geojson?scenario=%d" % i,
                  "/carte.svg?scenario=%d" % i, "/carte.svg?scenario=%d&ecart=1" % i]
    for a, b in zip(ids, ids[1:]):
        seeds.append("/scenarios/comparer?a=%d&b=%d" % (a, b))
    seeds += sorted(run.written)
    pages = crawl(run, seeds, MAX_PAGES + len(seeds))
    if fd:
        # the single window's pages and API answers, as each role sees them
        w, f = fd.w, fd.f
        fd.seeds["lead"] |= {"/guichet", "/guichet/guichets", "/guichet/guichets/%d" % w,
                             "/guichet/guichets/%d/commissions" % w, "/guichet/appels",
                             "/api/v1/subsidy-windows", "/api/v1/subsidy-calls",
                             "/api/v1/subsidy-requests?as=lead"}
        fd.seeds["funder"] |= {"/guichet", "/guichet/financeurs/%d" % f, "/api/v1/subsidy-funders/%d" % f,
                               "/guichet/financeurs/%d/comptes-rendus" % f,
                               "/api/v1/subsidy-requests?as=funder"}
        fd.seeds["applicant"] |= {"/guichet", "/api/v1/subsidy-requests"}
        for role in ("lead", "applicant", "funder"):
            with As(fd.sessions.get(role, {})):
                pages += crawl(run, sorted(fd.seeds[role]), len(fd.seeds[role]), follow=False)
    if bk:
        # the booking's pages and API answers, as each role sees them, and
        # the teleconsultant's calendar feed (no session: its secret)
        for role in ("public", "host", "teleconsultant", "manager"):
            with As(bk.sessions.get(role, {})):
                pages += crawl(run, sorted(bk.seeds[role]), len(bk.seeds[role]), follow=False)
        with As({"cookie": None, "csrf": None}):
            feeds = booking_feed(run, bk)
            pages += crawl(run, feeds, len(feeds), follow=False)
    if rd and rd.sid:
        # the rounds: the organisation's pages and API answers, then the
        # public's timetable, posters, feed and finder
        org, public = rounds_seeds(run, rd)
        pages += crawl(run, org, len(org), follow=False)
        with As({"cookie": None, "csrf": None}):
            pages += crawl(run, public, len(public), follow=False)
        rounds_final_checks(run, rd)
    run.final = False
    # 5. the fields known to store text took the values (else nothing was
    #    tested), and every accepted write is displayed somewhere, escaped
    for where, field in EXPECT_STORED:
        rows = [row for w, f, _, row in report if (w, f) == (where, field)]
        run.check(rows and all(v.expect_shown for v in rows[0]), "%s %s" % (where, field),
                  "this field should store the values sent: %s" % (
                      ",".join(str(v.status) for v in rows[0]) if rows else "field not found"))
    for where, field, kind, row in report:
        for v in row:
            if v.ignored:
                run.check(sum(v.shown.values()) == 0, "%s %s" % (where, field),
                          "value %r, said to be ignored, is shown by %s" % (v.text, v.urls))
            if v.expect_shown and v.overwritten:
                run.check(v.shown_after, "%s %s" % (where, field),
                          "value %r was accepted (HTTP %s) but the page it led to does not show it"
                          % (v.text, v.status))
                run.check(v.api_after or (where, field) in PAGES_ONLY or
                          where.startswith(PAGES_ONLY_PREFIXES), "%s %s" % (where, field),
                          "value %r was accepted (HTTP %s) but the API's entry for the page it led "
                          "to does not show it" % (v.text, v.status))
            elif v.expect_shown:
                run.check(v.shown["html"] > 0, "%s %s" % (where, field),
                          "value %r was accepted (HTTP %s) but no page shows it" % (v.text, v.status))
                run.check(v.shown["json"] > 0 or (where, field) in PAGES_ONLY or
                          where.startswith(PAGES_ONLY_PREFIXES), "%s %s" % (where, field),
                          "value %r was accepted (HTTP %s) but no API answer shows it" % (v.text, v.status))
    if run.over_budget():
        run.fail(base, "run over budget (%d requests, %.0f s): coverage incomplete"
                 % (run.requests, time.monotonic() - run.start))

    # report
    print("fields exercised (status of the three values sent; where the value was shown):")
    for where, field, kind, row in report:
        st = ",".join(str(v.status) for v in row)
        shown = {}
        for v in row:
            for k in ("html", "json", "csv", "svg"):
                shown[k] = shown.get(k, 0) + v.shown[k] + v.echo[k]
        sh = " ".join("%s=%d" % (k, n) for k, n in shown.items() if n)
        stored = sum(1 for v in row if v.expect_shown)
        after = sum(1 for v in row if v.expect_shown and v.overwritten and v.shown_after)
        ignored = sum(1 for v in row if v.ignored)
        print("  %-34s %-38s %-18s %-12s%s%s%s%s" % (where, field, kind, st,
                                                   " stored=%d" % stored if stored else "",
                                                   " (shown right after: %d)" % after if after else "",
                                                   " ignored=%d" % ignored if ignored else "",
                                                   " shown " + sh if sh else ""))
    for s in fuzz.skipped:
        print("  not submitted: %s" % s)
    stored = [v for _, _, _, row in report for v in row if v.expect_shown]
    print("stored values: %d, each found escaped on html pages (min %d; an edit form's on the page "
          "right after it) and in API answers (min %d)"
          % (len(stored), min((int(v.shown_after) if v.overwritten else v.shown["html"] for v in stored),
                              default=0),
             min((v.shown["json"] for v in stored), default=0)))
    print("final crawl: %d answers; all answers checked: %s" % (pages, ", ".join(
        "%s %d" % (k, n) for k, n in sorted(run.stats.items()))))
    print("%d requests, %.1f s" % (run.requests, time.monotonic() - t0))
    return run


# ---------------------------------------------------------------- self-test

GOOD_HTML = """<!DOCTYPE html><html lang="fr"><head><title>MGX900_&lt;/title&gt;&lt;script&gt;</title>
<script src="/static/app.js"></script></head><body>
<p>MGX901_&lt;script&gt;&quot;&#39;&amp;</p>
<p>MGX902_&#60;script&#62;&#34;&#x27;&#38;</p>
<input name="n" value="MGX903_&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&#39; onmouseover=&#39;x &lt;/title&gt;&lt;script&gt;">
<a href="/x?nom=MGX904_%3Cscript%3E%22%27%26">lien</a>
<option>MGX905_&lt;scri…</option>
</body></html>"""

BAD_HTML = {
    "raw text": "<p>MGX901_<script>\"'&</p>",
    "attribute break-out": "<input value=\"MGX903_\"><img src=x onerror=alert(1)>' onmouseover='x </title><script>\">",
    "single-quoted attribute": "<input value='MGX903_\"&gt;&lt;img src=x onerror=alert(1)&gt;' onmouseover='x &lt;/title&gt;&lt;script&gt;'>",
    "title break-out": "<title>MGX900_</title><script></title>",
    "javascript: link": "<a href=\"javascript:alert('MGX906_')\">x</a>",
    "javascript: link, entities": "<a href=\"&#106;avascript:alert(&#39;MGX906_&#39;)\">x</a>",
    "double escaping": "<p>MGX901_&amp;lt;script&amp;gt;&amp;quot;&amp;#39;&amp;amp;</p>",
    "unescaped quote only": "<input value=\"MGX901_&lt;script&gt;\"&#39;&amp;\">",
    "unescaped apostrophe only": "<p>MGX901_&lt;script&gt;&quot;'&amp;</p>",
    "unescaped ampersand only": "<p>MGX901_&lt;script&gt;&quot;&#39;&</p>",
    "foreign script": "<script>alert(1)</script>",
}


def self_test():
    values = Values()
    for _ in range(910):
        values.make(0, "self-test", "x", "x")
    values.by_marker["MGX900_"].text = "MGX900_</title><script>"
    values.by_marker["MGX903_"].text = "MGX903_" + VARIANT
    values.by_marker["MGX904_"].text = "MGX904_" + PAYLOAD
    values.by_marker["MGX906_"].text = "javascript:alert('MGX906_')"
    values.by_marker["MGX907_"].text = "MGX907_,;\\n\n"   # what RFC 5545 escapes
    bad_json_alt = json.dumps({"name": "MGX901_&lt;script&gt;&quot;&#39;&amp;"})
    cases = {  # path -> (content type, body, status, expected flagged, markers expected shown)
        "/good": ("text/html; charset=utf-8", GOOD_HTML, 200, False,
                  {"MGX900_", "MGX901_", "MGX902_", "MGX903_", "MGX904_", "MGX905_"}),
        "/nocharset": ("text/html", "<p>ok</p>", 200, True, set()),
        "/api/v1/good": ("application/json", json.dumps({"name": "MGX901_" + PAYLOAD, "x": [1, "MGX902_" + PAYLOAD]}),
                         200, False, {"MGX901_", "MGX902_"}),
        "/api/v1/badjson": ("application/json", '{"name": "MGX901_<script>"\'&"}', 200, True, set()),
        "/api/v1/htmlinjson": ("application/json", bad_json_alt, 200, True, set()),
        "/api/v1/wrongtype": ("text/html; charset=utf-8", "{}", 200, True, set()),
        "/api/v1/error": ("application/json", '{"error": {"status": 404, "message": "x"}}', 404, False, set()),
        "/api/v1/errorshape": ("application/json", '{"message": "x"}', 400, True, set()),
        "/t.csv": ("text/csv; charset=utf-8", 'a,b\r\n1,"MGX901_<script>""\'&"\r\n', 200, False, {"MGX901_"}),
        "/bad.csv": ("text/csv; charset=utf-8", 'a,b\r\n1,MGX901_<script>"\'&\r\n', 200, True, set()),
        "/bad2.csv": ("text/csv; charset=utf-8", 'a,b\r\n1,"MGX901_<script>"\'&"\r\n', 200, True, set()),
        "/width.csv": ("text/csv", "a,b\r\n1,2,3\r\n", 200, True, set()),
        "/g.svg": ("image/svg+xml", '<svg xmlns="http://www.w3.org/2000/svg"><title>MGX901_&lt;script&gt;&quot;&#39;&amp;</title></svg>',
                   200, False, {"MGX901_"}),
        "/b.svg": ("image/svg+xml", '<svg xmlns="http://www.w3.org/2000/svg"><title>MGX901_<script>"\'&</title></svg>',
                   200, True, set()),
        "/b2.svg": ("image/svg+xml", '<svg xmlns="http://www.w3.org/2000/svg"><text>MGX901_&amp;lt;script&amp;gt;"\'&amp;amp;</text></svg>',
                    200, True, set()),
        "/header": ("text/html; charset=utf-8", "<p>ok</p>", 200, True, set()),
        "/g.ics": ("text/calendar; charset=utf-8", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Mairie\\, salle "
                   "MGX901_<script>\"'&\r\nDESCRIPTION:MGX9\r\n 02_<script>\"'&\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                   200, False, {"MGX901_", "MGX902_"}),
        "/html.ics": ("text/calendar", "BEGIN:VCALENDAR\r\nSUMMARY:MGX901_&lt;script&gt;&quot;&#39;&amp;\r\n"
                      "END:VCALENDAR\r\n", 200, True, set()),
        "/comma.ics": ("text/calendar", "BEGIN:VCALENDAR\r\nSUMMARY:Mairie, salle\r\nEND:VCALENDAR\r\n",
                       200, True, set()),
        "/backslash.ics": ("text/calendar", "BEGIN:VCALENDAR\r\nLOCATION:C:\\temp\r\nEND:VCALENDAR\r\n",
                           200, True, set()),
        "/escbackslash.ics": ("text/calendar", "BEGIN:VCALENDAR\r\nDESCRIPTION:a\\\\,b\r\nEND:VCALENDAR\r\n",
                              200, True, set()),
        "/xbackslash.ics": ("text/calendar", "BEGIN:VCALENDAR\r\nX-WR-CALNAME:C:\\temp\r\nEND:VCALENDAR\r\n",
                            200, True, set()),
        "/xname.ics": ("text/calendar", "BEGIN:VCALENDAR\r\nX-WR-CALNAME:MGX907_,;\\\\n\\n\r\nEND:VCALENDAR\r\n",
                       200, False, {"MGX907_"}),
        "/goodesc.ics": ("text/calendar", "BEGIN:VCALENDAR\r\nDESCRIPTION:MGX907_\\,\\;\\\\n\\n\r\n"
                         "END:VCALENDAR\r\n", 200, False, {"MGX907_"}),
    }
    for i, (name, body) in enumerate(BAD_HTML.items()):
        cases["/bad%d" % i] = ("text/html; charset=utf-8", body, 200, True, set())

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            c = cases.get(self.path)
            if not c:
                self.send_error(404)
                return
            data = c[1].encode()
            self.send_response(c[2])
            self.send_header("Content-Type", c[0])
            self.send_header("Content-Length", str(len(data)))
            if self.path == "/header":
                self.send_header("Content-Disposition", 'attachment; filename="MGX901_<script>\'.csv"')
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    base = "http://127.0.0.1:%d" % srv.server_address[1]
    outer = Run(base)
    names = {("/bad%d" % i): n for i, n in enumerate(BAD_HTML)}
    try:
        for path, (_, _, _, flagged, want_shown) in cases.items():
            inner = Run(base, values, quiet=True)
            inner.final = True
            for v in values.by_marker.values():
                v.shown = {"html": 0, "json": 0, "csv": 0, "svg": 0, "ics": 0}
            inner.get(path)
            got = inner.fails > 0
            label = "self-test %s (%s)" % (path, names.get(path, "crafted"))
            outer.check(got == flagged, label, "expected %s, the checker %s: %s" % (
                "flagged" if flagged else "clean", "flagged it" if got else "found nothing",
                "; ".join(m for _, m in inner.problems)[:300]))
            shown = {m for m, v in values.by_marker.items() if sum(v.shown.values())}
            outer.check(want_shown <= shown, label, "values not seen as shown: %s" % sorted(want_shown - shown))
        # the strict CSV reader and the marker scan on their own
        outer.check(parse_csv('a,"b,""c"""\r\n') == [["a", 'b,"c"']], "self-test parse_csv", "quoted field")
        outer.check(marker_scan("xMGX901_<script>\"'&y", values)[0] == {"MGX901_"}, "self-test marker_scan",
                    "exact value not found")
    finally:
        srv.shutdown()
    print("self-test: %d checks, %d failed" % (outer.checks, outer.fails))
    return outer


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("--base")
    ap.add_argument("--counts")
    ap.add_argument("--cookie", help="Cookie header of the session to crawl in")
    ap.add_argument("--csrf", help="the session's form token, for JSON writes")
    ap.add_argument("--funding", help="JSON file: the single window's accounts and objects")
    ap.add_argument("--booking", help="JSON file: the telehealth network's objects and accounts")
    ap.add_argument("--rounds", help="JSON file: the organisation whose manager runs the rounds")
    a = ap.parse_args()
    SESSION["cookie"], SESSION["csrf"] = a.cookie, a.csrf
    if a.funding:
        with open(a.funding) as f:
            FUNDING_CFG.update(json.load(f))
    if a.booking:
        with open(a.booking) as f:
            BOOKING_CFG.update(json.load(f))
    if a.rounds:
        with open(a.rounds) as f:
            ROUNDS_CFG.update(json.load(f))
    if a.self_test:
        run = self_test()
    elif a.base:
        run = main_run(a.base)
    else:
        ap.error("--self-test or --base URL")
    if a.counts:
        with open(a.counts, "w") as f:
            f.write("%d %d\n" % (run.checks, run.fails))
    return 1 if run.fails else 0


if __name__ == "__main__":
    sys.exit(main())
