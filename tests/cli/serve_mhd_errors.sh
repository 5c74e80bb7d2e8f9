#!/usr/bin/env bash
# Black-box: requests refused for how they are framed or how large they are,
# sent raw (python3 sockets) to `maillage serve`. Each gets the French page
# (or the JSON error under /api/), the four security headers and an
# X-Request-Id shown on the page and logged:
#   414 (target past 8 KiB), 431 (head past 64 KiB, or more than 100 fields),
#   413 (body declared or sent past 1 MiB), 400 and the connection closed
#   (Content-Length twice, with Transfer-Encoding, Transfer-Encoding twice;
#   the bytes after the first length are never read as a request).
# So do, since the pre-reader (src/http/prefilter.c) answers them before
# libmicrohttpd 0.9.75 sees them, the first requests of a connection that
# libmicrohttpd would refuse with its own English page: 505 (HTTP/2.0,
# HTTP/0.9), 400 (a request line without a space, a malformed version, a
# header line without a colon, a Content-Length that is not a number), 413
# (Content-Length past 2^64), 414 and 431 (request line or head past the
# connection's 256 KiB, a Cookie header past half of it) — each with one
# answer only and Connection: close. What still gets libmicrohttpd's page
# is pinned too, so that docs/security.md stays true: malformed chunks, and
# a malformed second request on a kept-alive connection. After each case
# the server still serves.
. "$(dirname "$0")/lib.bash"
"$MAILLAGE" serve "${demo[@]}" --port 0 --port-file "$tmp/port" --database "$tmp/db.sqlite" \
    --access-log "$tmp/access.log" --quiet &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 600); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || { fail "server did not start"; finish; exit 1; }

# The client checks print "ok NAME" or "FAIL: NAME: detail", one a line, and
# "id ID STATUS" for each of our answers (looked for in the access log).
timeout 120 python3 -B - "$(cat "$tmp/port")" >"$tmp/checks" 2>&1 <<'EOF'
import re, socket, sys, time
port = int(sys.argv[1])
HOST = b"Host: 127.0.0.1\r\n"
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
SECURITY = {"content-security-policy": CSP, "x-content-type-options": "nosniff",
            "x-frame-options": "DENY", "referrer-policy": "same-origin"}
TITLES = {400: "Requête invalide", 413: "Requête trop volumineuse",
          414: "Adresse trop longue", 431: "En-têtes trop volumineux",
          505: "Version HTTP non prise en charge"}

def check(name, cond, detail=""):
    print(f"ok {name}" if cond else f"FAIL: {name}: {detail}", flush=True)

def exchange(data):
    """Sends data and reads until the server closes: (status, headers, body,
    everything). A server that stops reading a request too large for it may
    reset the connection once it has answered: what came before counts."""
    s = socket.create_connection(("127.0.0.1", port), timeout=15)
    try:
        s.sendall(data)
    except OSError:
        pass
    raw = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            raw += chunk
    except OSError:
        pass
    s.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.1 (\d{3}) ", lines[0])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), value.strip())
    return (int(m.group(1)) if m else 0), headers, body, raw

def still_serving(name):
    status, _, _, _ = exchange(b"GET /methode HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n")
    check(f"{name}: still serving", status == 200, f"GET /methode gave {status}")

def ours(name, data, want, json=False, closes=False, message=None):
    status, h, body, raw = exchange(data)
    check(f"{name}: status {want}", status == want, f"got {status}: {raw[:300]!r}")
    for k, v in SECURITY.items():
        check(f"{name}: {k}", h.get(k) == v, f"{h.get(k)!r}")
    rid = h.get("x-request-id", "")
    check(f"{name}: X-Request-Id", re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{6}", rid), repr(rid))
    text = body.decode("utf-8", "replace")
    if json:
        check(f"{name}: JSON error", h.get("content-type") == "application/json" and
              f'"status":{want}' in text.replace(" ", "") and rid in text, text[:200])
    else:
        check(f"{name}: French page", h.get("content-type") == "text/html; charset=utf-8" and
              '<html lang="fr">' in text and f"<title>Erreur {want} — maillage</title>" in text and
              f"<h1>{TITLES[want]}</h1>" in text and
              f"Référence de la demande : <code>{rid}</code>" in text, text[:300])
    if message:
        check(f"{name}: message", message in text, text[:300])
    if closes:
        check(f"{name}: Connection: close", h.get("connection") == "close", repr(h.get("connection")))
        check(f"{name}: one answer only", raw.count(b"HTTP/1.1 ") == 1, raw[-200:])
    print(f"id {rid} {want}", flush=True)
    still_serving(name)

def library(name, data, want):
    """libmicrohttpd's own answer: the status, none of our headers."""
    status, h, body, raw = exchange(data)
    check(f"{name}: libmicrohttpd's {want}", status == want, f"got {status}: {raw[:300]!r}")
    check(f"{name}: not ours (docs/security.md to update if it is)",
          "x-request-id" not in h and "content-security-policy" not in h, repr(h))
    still_serving(name)

def get(target, extra=b""):
    return b"GET " + target + b" HTTP/1.1\r\n" + HOST + extra + b"Connection: close\r\n\r\n"

# --- Answered by the server ------------------------------------------------
ours("target past 8 KiB", get(b"/" + b"a" * 9000), 414)
ours("target past 8 KiB under /api", get(b"/api/v1/communes?x=" + b"a" * 9000), 414, json=True)
ours("target of 200 KiB", get(b"/" + b"a" * 200_000), 414)
ours("head past 64 KiB", get(b"/", b"X-Big: " + b"a" * 70_000 + b"\r\n"), 431,
     message="Les en-têtes de la requête dépassent 64 Kio ou 100 champs.")
ours("head of 200 KiB", get(b"/", b"X-Big: " + b"a" * 200_000 + b"\r\n"), 431)
ours("Cookie of 100 KiB", get(b"/", b"Cookie: " + b"a" * 100_000 + b"\r\n"), 431)
ours("more than 100 fields", get(b"/", b"".join(b"X-H%d: v\r\n" % i for i in range(150))), 431)
ours("head past 64 KiB under /api", get(b"/api/v1/communes", b"X-Big: " + b"a" * 70_000 + b"\r\n"),
     431, json=True)
ours("body declared past 1 MiB",
     b"POST /scenarios HTTP/1.1\r\n" + HOST + b"Content-Type: application/x-www-form-urlencoded\r\n"
     b"Content-Length: 2000000\r\n\r\n", 413)
chunk = b"a" * 65536
ours("chunked body past 1 MiB",
     b"POST /scenarios HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
     (b"10000\r\n" + chunk + b"\r\n") * 17 + b"0\r\n\r\n", 413)
smuggled = b"GET /commune/11069 HTTP/1.1\r\n" + HOST + b"\r\n"
ours("Content-Length twice",
     b"POST /scenarios HTTP/1.1\r\n" + HOST + b"Content-Length: 0\r\nContent-Length: %d\r\n\r\n" %
     len(smuggled) + smuggled, 400, closes=True, message="Content-Length donné plusieurs fois")
ours("Content-Length and chunked",
     b"POST /scenarios HTTP/1.1\r\n" + HOST + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"0\r\n\r\n" + smuggled, 400, closes=True,
     message="Content-Length et Transfer-Encoding ensemble")
ours("Transfer-Encoding twice",
     b"POST /api/v1/scenarios HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: chunked\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, 400, json=True, closes=True)

# --- Answered by the pre-reader, which libmicrohttpd would refuse itself ---
ours("HTTP/2.0", b"GET / HTTP/2.0\r\n" + HOST + b"\r\n", 505, closes=True,
     message="Seules les versions 1.0 et 1.1 de HTTP sont prises en charge.")
ours("HTTP/0.9", b"GET / HTTP/0.9\r\n" + HOST + b"\r\n", 505, closes=True)
ours("HTTP/2.0 under /api", b"GET /api/v1/communes HTTP/2.0\r\n" + HOST + b"\r\n", 505,
     json=True, closes=True)
ours("malformed version", b"GET / FOO/1.1\r\n" + HOST + b"\r\n", 400, closes=True,
     message="version HTTP invalide.")
ours("header line without a colon", b"GET / HTTP/1.1\r\n" + HOST + b"NoColon\r\n\r\n", 400,
     closes=True, message="ligne sans deux-points")
# libmicrohttpd 0.9.75 would end the head at the nameless field and read the
# rest as a second request.
ours("field without a name", b"GET / HTTP/1.1\r\n" + HOST + b": v\r\n\r\n", 400, closes=True)
ours("request line without a version", b"GET /\r\n" + HOST + b"\r\n", 400, closes=True)
ours("request line without a space", b"GET/HTTP/1.1\r\n" + HOST + b"\r\n", 400, closes=True,
     message="ligne de requête invalide")
for value in (b"abc", b"-1", b"+5", b"5, 5", b"5 ", b""):
    ours(f"Content-Length {value.decode()!r}",
         b"POST /scenarios HTTP/1.1\r\n" + HOST + b"Content-Length: " + value + b"\r\n\r\n", 400,
         closes=True, message="Content-Length invalide : un nombre décimal est attendu.")
ours("Content-Length not a number under /api",
     b"POST /api/v1/scenarios HTTP/1.1\r\n" + HOST + b"Content-Length: abc\r\n\r\n", 400,
     json=True, closes=True)
ours("Content-Length past 2^64",
     b"POST /scenarios HTTP/1.1\r\n" + HOST + b"Content-Length: 99999999999999999999999\r\n\r\n",
     413, closes=True, message="Le contenu envoyé dépasse la taille maximale de 1024 Kio.")
ours("target past the connection's memory", get(b"/" + b"a" * 300_000), 414, closes=True)
ours("head past the connection's memory", get(b"/", b"X-Big: " + b"a" * 300_000 + b"\r\n"), 431,
     closes=True)
ours("Cookie past half the connection's memory", get(b"/", b"Cookie: " + b"a" * 140_000 + b"\r\n"),
     431, closes=True)
status, h, body, _ = exchange(b"HEAD / HTTP/2.0\r\n" + HOST + b"\r\n")
check("HEAD refused: no body", status == 505 and body == b"" and "x-request-id" in h,
      f"{status} {body[:80]!r}")

# --- What the pre-reader lets through is served as before ------------------
status, _, _, _ = exchange(b"GET /methode HTTP/1.0\r\n" + HOST + b"\r\n")
check("HTTP/1.0 served", status == 200, f"got {status}")
def in_pieces(parts):
    s = socket.create_connection(("127.0.0.1", port), timeout=15)
    for part in parts:
        s.sendall(part)
        time.sleep(0.2)
    raw = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        raw += chunk
    s.close()
    return raw
raw = in_pieces([b"GET /meth", b"ode HTTP/1.1\r\nHost: 127.0.0.1\r", b"\nConnection: close\r\n",
                 b"\r\n"])
check("head sent in pieces served", raw.startswith(b"HTTP/1.1 200 "), raw[:100])
# Past 4 KiB the pre-reader waits for a sixteenth more before it looks again,
# or 100 ms: a short tail is not left waiting.
t0 = time.monotonic()
raw = in_pieces([b"GET /methode HTTP/1.1\r\n" + HOST + b"X-Pad: " + b"a" * 10_000, b"\r\nConnection: close",
                 b"\r\n\r\n"])
check("head of 10 KiB with a short tail served", raw.startswith(b"HTTP/1.1 200 ") and
      time.monotonic() - t0 < 2.0, f"{raw[:100]!r} after {time.monotonic() - t0:.1f} s")
raw = in_pieces([b"\r\nGET /methode HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n"])
check("empty line before the request line served", raw.startswith(b"HTTP/1.1 200 "), raw[:100])
s = socket.create_connection(("127.0.0.1", port), timeout=15)
s.close()
still_serving("connection closed before any byte")

# --- Still answered by libmicrohttpd ---------------------------------------
library("malformed chunk size",
        b"POST /scenarios HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n",
        400)
# A kept-alive connection's second request is read by libmicrohttpd alone.
raw = exchange(b"GET /methode HTTP/1.1\r\n" + HOST + b"\r\n" + b"GET / HTTP/2.0\r\n" + HOST + b"\r\n")[3]
second = raw[raw.find(b"HTTP/1.1 ", 10):] if raw.count(b"HTTP/1.1 ") >= 2 else b""
check("second request on a kept-alive connection: libmicrohttpd's 505",
      raw.startswith(b"HTTP/1.1 200 ") and second.startswith(b"HTTP/1.1 505 ") and
      b"X-Request-Id" not in second, raw[-300:])
still_serving("second request on a kept-alive connection")
EOF
while IFS= read -r line; do
    case "$line" in
    ok\ *) ok ;;
    FAIL:*) fail "${line#FAIL: }" ;;
    id\ *) ;;
    *) echo "$line" >&2 ;;
    esac
done <"$tmp/checks"
[ "$checks" -ge 300 ] || fail "only $checks checks ran (see the output above)"

# Each of our answers has its access-log line, under the id the client saw.
sleep 0.2
while read -r _ rid status; do
    # The method is "-" when the request line has no space to end it.
    if grep -Eq " $rid 127\.0\.0\.1 ([A-Z]+|-) [^ ]* $status " "$tmp/access.log"; then ok; else
        fail "no access-log line for $rid ($status)"; fi
done < <(grep '^id ' "$tmp/checks")
finish
