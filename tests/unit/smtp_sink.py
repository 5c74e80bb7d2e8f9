#!/usr/bin/env python3
"""A tiny SMTP sink for the tests of src/mail/ (test_mail.c).

    smtp_sink.py DIR [--fail]

Listens on 127.0.0.1 on a free port, prints the port on its first line of
output, and writes each message received (the DATA, dot-unstuffed, CRLF
line ends) to DIR/msg-N.eml, through a temporary name and a rename so that
a file seen is complete. With --fail, every RCPT TO is answered 451 (a
temporary failure), for the back-off tests. Stops on SIGTERM.
"""
import itertools
import os
import socketserver
import sys
import threading

OUT = sys.argv[1]
FAIL = "--fail" in sys.argv[2:]
COUNTER = itertools.count(1)
LOCK = threading.Lock()


class Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def handle(self):
        self.reply("220 sink ESMTP")
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            verb = line.decode("latin-1").strip().upper()
            if verb.startswith("EHLO"):
                self.wfile.write(b"250-sink\r\n250-8BITMIME\r\n250 SIZE 10000000\r\n")
                self.wfile.flush()
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


with Server(("127.0.0.1", 0), Handler) as srv:
    print(srv.server_address[1], flush=True)
    srv.serve_forever()
