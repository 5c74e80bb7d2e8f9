#!/usr/bin/env bash
# Black-box: `maillage serve` keeps answering when clients are many or slow.
# A server with small limits (8 connections, 3 per address, 4 s to send a
# request) on loopback; clients from several 127.0.0.0/8 source addresses:
#   - the 4th connection from one address is closed at once while another
#     address is still served;
#   - past the global limit new connections are closed at once, and service
#     resumes as soon as clients leave;
#   - a client trickling its request one byte every half second is cut at
#     the deadline (libmicrohttpd's idle timeout alone would wait for ever);
#   - a kept-alive connection waits for its next request no longer than that.
. "$(dirname "$0")/lib.bash"
"$MAILLAGE" serve "${demo[@]}" --port 0 --port-file "$tmp/port" --database "$tmp/db.sqlite" \
    --threads 2 --max-connections 8 --max-connections-per-address 3 --request-timeout 4 \
    --quiet &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 600); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || { fail "server did not start"; finish; exit 1; }

# Option checks (before the bundle is loaded).
expect_exit 2 "$MAILLAGE" serve "${demo[@]}" --request-timeout 0
expect_err 'request-timeout'
expect_exit 2 "$MAILLAGE" serve "${demo[@]}" --max-connections-per-address 0
expect_err 'max-connections-per-address'

# The client checks print "ok NAME" or "FAIL: NAME: detail", one a line.
# GET requests go through the probe's request, bench/load_clients.py (-B: no
# __pycache__ left in the source tree).
timeout 60 python3 -B - "$(cat "$tmp/port")" "$MG_SOURCE_DIR/bench" >"$tmp/checks" 2>&1 <<'EOF'
import socket, sys, time
port = int(sys.argv[1])
sys.path.insert(0, sys.argv[2])
from load_clients import fetch

def check(name, cond, detail=""):
    print(f"ok {name}" if cond else f"FAIL: {name}: {detail}", flush=True)

def connect(source):
    s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
    return s

def closed_at_once(s, wait=1.0):
    """True when the server ends the connection within `wait` seconds
    without answering; False when it stays open (no bytes) that long."""
    s.settimeout(wait)
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except ConnectionError:
        return True

def get(source, path="/static/style.css"):
    """Status of GET path from `source` (0 when there is no answer)."""
    try:
        data = fetch("127.0.0.1", port, source, path)
    except OSError:
        return 0
    return int(data[9:12]) if data.startswith(b"HTTP/1.1 ") else 0

def hold(source, n):
    """n connections from source, each given a moment to be admitted."""
    out = []
    for _ in range(n):
        out.append(connect(source))
        time.sleep(0.05)
    return out

def close_all(socks):
    for s in socks:
        s.close()

check("served at first", get("127.0.0.2") == 200)

# Per-address limit: 3 from 127.0.0.3 are kept, the 4th is closed at once,
# 127.0.0.2 is still served.
three = hold("127.0.0.3", 3)
fourth = connect("127.0.0.3")
check("4th connection from one address closed at once", closed_at_once(fourth))
fourth.close()
check("the first 3 from that address are kept", not any(closed_at_once(s, 0.1) for s in three))
check("another address still served at its limit", get("127.0.0.2") == 200)
close_all(three)
time.sleep(0.3)

# Global limit: 8 connections from 3 addresses fill the server; the 9th,
# from a 4th address, is closed at once, and so is an ordinary request.
held = hold("127.0.0.3", 3) + hold("127.0.0.4", 3) + hold("127.0.0.5", 2)
ninth = connect("127.0.0.6")
check("past the global limit a connection is closed at once", closed_at_once(ninth))
ninth.close()
t0 = time.monotonic()
status = get("127.0.0.2")
check("past the global limit a request is refused, not queued",
      status == 0 and time.monotonic() - t0 < 1.0, f"status {status} after {time.monotonic() - t0:.1f} s")
close_all(held[:3])
time.sleep(0.3)
check("service resumes as soon as clients leave", get("127.0.0.6") == 200)
close_all(held[3:])
time.sleep(0.3)

# Deadline: a request head trickled one byte every half second (its 40
# bytes would take 20 s) is cut at about 4 s. A kept-alive connection that
# got its answer is closed at about the same deadline after it.
head = b"GET /static/style.css HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
slow = connect("127.0.0.7")
slow.setblocking(False)
idle = connect("127.0.0.8")
idle.sendall(b"GET /static/style.css HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
idle.settimeout(5)
first = idle.recv(65536)
check("kept-alive request answered", first.startswith(b"HTTP/1.1 200"), first[:20])
idle.setblocking(False)
t0 = time.monotonic()
slow_end = idle_end = None
answer = b""
sent = 0
while time.monotonic() - t0 < 12 and (slow_end is None or idle_end is None):
    now = time.monotonic() - t0
    if slow_end is None:
        try:
            if sent < len(head) and now >= sent * 0.5:
                slow.send(head[sent:sent + 1])
                sent += 1
            chunk = slow.recv(4096)
            if chunk:
                answer += chunk
            else:
                slow_end = now
        except BlockingIOError:
            pass
        except OSError:
            slow_end = now
    if idle_end is None:
        try:
            chunk = idle.recv(65536)
            if not chunk:
                idle_end = now
        except BlockingIOError:
            pass
        except OSError:
            idle_end = now
    time.sleep(0.05)
check("trickling client cut at the deadline",
      slow_end is not None and 3.0 <= slow_end <= 6.5 and not answer,
      f"closed after {slow_end} s, {sent} bytes sent, answer {answer[:20]!r}")
check("kept-alive connection closed at the deadline",
      idle_end is not None and 3.0 <= idle_end <= 6.5, f"closed after {idle_end} s")
check("served after all that", get("127.0.0.2") == 200)
EOF
while IFS= read -r line; do
    case "$line" in
    ok\ *) ok ;;
    FAIL:*) fail "${line#FAIL: }" ;;
    *) echo "$line" >&2 ;;
    esac
done <"$tmp/checks"
[ "$checks" -ge 12 ] || fail "only $checks checks ran (see the output above)"
finish
