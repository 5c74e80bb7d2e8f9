#!/usr/bin/env python3
"""A tiny SMTP sink for the tests of src/mail/ (test_mail.c) and of
`maillage serve` (tests/cli/lib.bash: smtp_sink_start).

    smtp_sink.py DIR [--fail] [--port N] [--auth USER:PASSWORD]

Listens on 127.0.0.1 on a free port (or port N), prints the port on its
first line of output, and writes each message received (the DATA,
dot-unstuffed, CRLF line ends) to DIR/msg-N.eml, through a temporary name
and a rename so that a file seen is complete; N counts from 1, or from one
past the highest msg-N.eml already in DIR (a sink restarted on the same
folder). With --fail, every RCPT TO is answered 451 (a temporary failure),
for the back-off tests. With --auth, AUTH PLAIN is offered and a client must
log in with USER:PASSWORD before MAIL FROM (530 otherwise, 535 for wrong
credentials). Stops on SIGTERM, or when the process that started it ends
(so that a test that dies leaves no sink behind).
"""
import base64
import itertools
import os
import re
import socketserver
import sys
import threading
import time

OUT = sys.argv[1]
ARGS = sys.argv[2:]
FAIL = "--fail" in ARGS


def option(name):
    return ARGS[ARGS.index(name) + 1] if name in ARGS else None


PORT = int(option("--port") or 0)
AUTH = option("--auth")
SEEN = [int(m.group(1)) for m in (re.fullmatch(r"msg-(\d+)\.eml", f) for f in os.listdir(OUT)) if m]
COUNTER = itertools.count(max(SEEN, default=0) + 1)
LOCK = threading.Lock()


class Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def plain_ok(self, b64):
        """AUTH PLAIN's response: authzid NUL user NUL password."""
        try:
            parts = base64.b64decode(b64, validate=True).split(b"\0")
        except ValueError:
            return False
        return len(parts) == 3 and b":".join(parts[1:]) == AUTH.encode()

    def handle(self):
        self.reply("220 sink ESMTP")
        logged_in = AUTH is None
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            text = line.decode("latin-1").strip()
            verb = text.upper()
            if verb.startswith("EHLO"):
                auth = b"250-AUTH PLAIN\r\n" if AUTH else b""
                self.wfile.write(b"250-sink\r\n250-8BITMIME\r\n" + auth + b"250 SIZE 10000000\r\n")
                self.wfile.flush()
            elif verb.startswith("AUTH PLAIN") and AUTH:
                arg = text[10:].strip()
                if not arg:
                    self.reply("334 ")
                    arg = self.rfile.readline(4096).decode("latin-1").strip()
                logged_in = self.plain_ok(arg)
                self.reply("235 2.7.0 authenticated" if logged_in else "535 5.7.8 bad credentials")
            elif verb.startswith("MAIL FROM:") and not logged_in:
                self.reply("530 5.7.0 authentication required")
            elif verb.startswith("HELO") or verb.startswith("MAIL FROM:"):
                self.reply("250 OK")
            elif verb.startswith("RCPT TO:"):
                self.reply("451 4.3.0 try again later" if FAIL else "250 OK")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                lines = []
                while True:
                    l = self.rfile.readline(10000)
                    if not l or l == b".\r\n":
                        break
                    lines.append(l[1:] if l.startswith(b".") else l)
                with LOCK:
                    n = next(COUNTER)
                path = os.path.join(OUT, "msg-%d.eml" % n)
                with open(path + ".tmp", "wb") as f:
                    f.write(b"".join(lines))
                os.rename(path + ".tmp", path)
                self.reply("250 OK queued as %d" % n)
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 command not implemented")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def watch_parent():
    """Ends the sink once the process that started it has ended."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


with Server(("127.0.0.1", PORT), Handler) as srv:
    threading.Thread(target=watch_parent, daemon=True).start()
    print(srv.server_address[1], flush=True)
    srv.serve_forever()
