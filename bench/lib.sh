# shellcheck shell=bash
# Shared by bench/bench-web.sh and bench/bench-load.sh (sourced, not run,
# from the top of the source tree, with $prog set to the script's name for
# its messages): the Release build, a server of the Aude on loopback, and
# wrk's latencies. Makes $tmp, removed on exit once the server is stopped.
# shellcheck disable=SC2154,SC2034 # $prog is the caller's; $port, $binary are for it

tmp=$(mktemp -d)
server_pid=
stop_server() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=
}
trap 'stop_server; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# bench_build: maillage in Release (build-bench/), as $binary.
bench_build() {
    echo "$prog: building in Release (build-bench)" >&2
    cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DMG_TESTS=OFF >/dev/null
    cmake --build build-bench -j"$(nproc)" --target maillage >/dev/null
    binary=build-bench/maillage
}

# start_server OPTIONS…: $binary serves the Aude on 127.0.0.1, on a port of
# its choosing and the SQLite database $tmp/db.sqlite, with OPTIONS; waits
# until it listens (at most 30 s) and sets $server_pid and $port.
start_server() {
    rm -f "$tmp/port"
    "$binary" serve --bundle data/demo/11-aude --france data/demo/france \
        --address 127.0.0.1 --port 0 --port-file "$tmp/port" --database "$tmp/db.sqlite" \
        "$@" >"$tmp/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 300); do
        grep -qE '^[0-9]+$' "$tmp/port" 2>/dev/null && break
        kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.log" >&2; echo "$prog: the server stopped" >&2; exit 1; }
        sleep 0.1
    done
    grep -qE '^[0-9]+$' "$tmp/port" || { echo "$prog: the server did not start" >&2; exit 1; }
    port=$(cat "$tmp/port")
}

# to_ms VALUE [DECIMALS]: one of wrk's latencies ("812.00us", "1.53ms",
# "1.02s", "1.10m") in milliseconds, with DECIMALS digits (default 3).
to_ms() {
    awk -v v="$1" -v p="${2:-3}" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
        printf "%." p "f", n }'
}
