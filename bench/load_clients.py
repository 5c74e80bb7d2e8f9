#!/usr/bin/env python3
"""Clients for bench/bench-load.sh (not a test): many connections from one
loopback source address, and a probe that times ordinary requests from
another, so that the server's per-address limit tells them apart.

  load_clients.py hold  --port P --source 127.0.0.3 --clients N --seconds T [--trickle]
      opens N connections from SOURCE and keeps them for T seconds; with
      --trickle each sends a request head one byte per second (a slow client)
      and opens a new connection when the server closes its own. Prints how
      many connections were opened, refused at once (closed within a second
      without an answer), cut later, and were still open at the end.
  load_clients.py probe --port P --source 127.0.0.2 --path /x --seconds T
      sends GET PATH on a new connection every second for T seconds (each
      given 5 s) and prints every latency, then a summary line:
      "probe: K/N answered, median X ms, max Y ms".
"""
import argparse
import asyncio
import socket
import statistics
import sys
import time

HEAD = b"GET /territoire?profession=mg HTTP/1.1\r\nHost: localhost\r\nUser-Agent: slow\r\n\r\n"


async def one_slow(args, stats, stop_at):
    while time.monotonic() < stop_at:
        try:
            reader, writer = await asyncio.open_connection(
                args.host, args.port, local_addr=(args.source, 0))
        except OSError:
            stats["connect_failed"] += 1
            await asyncio.sleep(1)
            continue
        stats["opened"] += 1
        stats["open"] += 1
        t0 = time.monotonic()
        sent = 0
        closed = False
        try:
            while time.monotonic() < stop_at:
                if args.trickle and sent < len(HEAD):
                    writer.write(HEAD[sent:sent + 1])
                    sent += 1
                    await writer.drain()
                try:
                    data = await asyncio.wait_for(reader.read(4096), timeout=1.0)
                except asyncio.TimeoutError:
                    continue
                if not data:
                    closed = True
                    break
        except (ConnectionError, OSError):
            closed = True
        stats["open"] -= 1
        writer.close()
        if closed:
            if time.monotonic() - t0 < 1.0 and sent <= 1:
                stats["refused"] += 1
            else:
                stats["cut"] += 1
                stats["held_s"].append(time.monotonic() - t0)
            if not args.trickle:
                # Idle holders do not come back: they only fill slots.
                return
            await asyncio.sleep(0.2)


async def hold(args):
    stats = {"opened": 0, "open": 0, "refused": 0, "cut": 0, "connect_failed": 0,
             "held_s": []}
    stop_at = time.monotonic() + args.seconds
    tasks = []
    for _ in range(args.clients):
        tasks.append(asyncio.create_task(one_slow(args, stats, stop_at)))
        await asyncio.sleep(0.002)
    open_at_end = 0

    async def sample():
        nonlocal open_at_end
        await asyncio.sleep(max(0.0, stop_at - time.monotonic() - 0.5))
        open_at_end = stats["open"]

    await asyncio.gather(sample(), *tasks)
    held = stats["held_s"]
    print(f"hold: {args.clients} clients from {args.source} for {args.seconds} s"
          f"{' trickling one byte a second' if args.trickle else ''}: "
          f"{stats['opened']} connections opened, {stats['refused']} refused at once, "
          f"{stats['cut']} cut by the server"
          + (f" after {statistics.median(held):.1f} s (median)" if held else "")
          + f", {open_at_end} open at the end, {stats['connect_failed']} connect() failures",
          flush=True)


def fetch(host, port, source, path, timeout=5):
    """The whole answer to GET path (Host: host, an address the server
    answers to), on a new connection from source that the server closes
    after it (each connect and read given timeout seconds); raises OSError.
    Also used by tests/cli/serve_limits.sh."""
    with socket.create_connection((host, port), timeout=timeout,
                                  source_address=(source, 0)) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n"
                  "Connection: close\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data
            data += chunk


def probe_once(args):
    t0 = time.monotonic()
    try:
        data = fetch(args.host, args.port, args.source, args.path)
    except OSError as e:
        return None, str(e) or type(e).__name__
    if not data.startswith(b"HTTP/1.1 200"):
        return None, data[:40].decode(errors="replace") or "closed without an answer"
    return (time.monotonic() - t0) * 1000, None


def probe(args):
    lat = []
    n = 0
    stop_at = time.monotonic() + args.seconds
    while time.monotonic() < stop_at:
        n += 1
        ms, err = probe_once(args)
        if ms is None:
            print(f"  probe {n}: no answer ({err})", flush=True)
        else:
            lat.append(ms)
            print(f"  probe {n}: {ms:.1f} ms", flush=True)
        time.sleep(max(0.0, 1.0 - (ms or 0) / 1000))
    if lat:
        print(f"probe: {len(lat)}/{n} answered, median {statistics.median(lat):.1f} ms, "
              f"max {max(lat):.1f} ms", flush=True)
    else:
        print(f"probe: 0/{n} answered", flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["hold", "probe"])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--clients", type=int, default=500)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--trickle", action="store_true")
    p.add_argument("--path", default="/static/style.css")
    args = p.parse_args()
    if args.mode == "hold":
        asyncio.run(hold(args))
    else:
        probe(args)


if __name__ == "__main__":
    sys.exit(main())
