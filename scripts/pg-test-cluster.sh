#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests, in a folder of its own.
#
#   scripts/pg-test-cluster.sh start DIR          creates and starts a cluster in DIR
#                                                 (which must not exist or be empty),
#                                                 creates the database maillage_test
#                                                 and prints its libpq URI
#   scripts/pg-test-cluster.sh createdb DIR NAME  creates the database NAME and prints
#                                                 its URI
#   scripts/pg-test-cluster.sh uri DIR [NAME]     prints the URI of a database
#   scripts/pg-test-cluster.sh stop DIR           stops the cluster and removes DIR
#                                                 (nothing to do when DIR is gone)
#
# The server listens only on a Unix socket inside DIR (listen_addresses is
# empty), so that clusters of parallel test runs never compete for a TCP
# port; local connections are trusted, the superuser is "postgres". The
# server keeps its durable defaults (fsync, synchronous_commit, full page
# writes): the crash-safety tests depend on them. Only initdb runs with
# --no-sync, which skips flushing the freshly created files to disk: that
# matters for a power cut just after creation, never for a crash of the
# server or of maillage.
#
# The server binaries are looked for in $PG_BINDIR, then in the newest
# /usr/lib/postgresql/*/bin (Debian), then on PATH. PostgreSQL refuses to
# run as root: run as root (CI), the script creates the cluster as the
# "postgres" system user of Debian's postgresql package, through runuser.
set -euo pipefail

prog=$(basename "$0")

die() {
    echo "$prog: $*" >&2
    exit 1
}

usage() {
    cat >&2 <<EOF
usage: $prog start DIR
       $prog createdb DIR NAME
       $prog uri DIR [NAME]
       $prog stop DIR
EOF
    exit 2
}

# A marker that says DIR was made by this script, so that stop never
# removes a folder it did not create.
marker=.maillage-pg-test-cluster

find_bindir() {
    if [ -n "${PG_BINDIR:-}" ]; then
        [ -x "$PG_BINDIR/initdb" ] || die "PG_BINDIR=$PG_BINDIR has no initdb"
        echo "$PG_BINDIR"
        return
    fi
    local d best=""
    for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V); do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && best=$d
    done
    if [ -n "$best" ]; then
        echo "$best"
        return
    fi
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return
    fi
    die "no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or on PATH; install the postgresql package (scripts/install-deps.sh test) or set PG_BINDIR"
}

# Runs a command as the cluster's owner: ourselves, or "postgres" when root.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# The absolute path of DIR (which may not exist yet).
abs_dir() {
    case "$1" in
    /*) echo "${1%/}" ;;
    *) echo "$PWD/${1%/}" ;;
    esac
}

# Percent-encodes a string for a URI component (only unreserved characters
# are left as they are).
urlencode() {
    local s=$1 out="" c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case "$c" in
        [A-Za-z0-9._~-]) out+=$c ;;
        *) out+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    echo "$out"
}

# The URI of database NAME of the cluster in DIR: the socket folder as the
# host, percent-encoded (libpq takes a host starting with "/" as a socket
# folder), with the port written out so that a PGPORT in the environment
# cannot send the client to another socket name.
uri_of() {
    echo "postgresql://$(urlencode "$1"):5432/$2?user=postgres"
}

check_name() {
    [[ "$1" =~ ^[A-Za-z_][A-Za-z0-9_]{0,62}$ ]] ||
        die "database name '$1': expected letters, digits and _ (at most 63, not starting with a digit)"
}

check_running() {
    [ -f "$1/$marker" ] || die "$1 is not a cluster made by $prog start"
    [ -f "$1/data/postmaster.pid" ] || die "the cluster in $1 is not running (see $1/server.log)"
}

cmd_start() {
    local dir bindir
    dir=$(abs_dir "$1")
    bindir=$(find_bindir)

    # The socket path must fit in sun_path (107 bytes and a NUL).
    local sock="$dir/.s.PGSQL.5432"
    [ ${#sock} -le 107 ] || die "$dir is too long for a Unix socket path (${#sock} > 107 bytes); choose a shorter folder"

    if [ -e "$dir" ]; then
        [ -d "$dir" ] || die "$dir exists and is not a folder"
        [ -z "$(ls -A "$dir")" ] || die "$dir is not empty (stop a previous cluster with: $prog stop $dir)"
    else
        mkdir -p "$dir"
    fi
    touch "$dir/$marker"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 ||
            die "run as root, but there is no 'postgres' system user to own the cluster (install the postgresql package, or run as a normal user)"
        chown postgres: "$dir"
        runuser -u postgres -- test -x "$dir" ||
            die "the postgres user cannot reach $dir (a parent folder is closed to it); choose a folder under /tmp"
    fi
    chmod 700 "$dir"

    if ! as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 \
        --locale=C --no-sync >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        die "initdb failed in $dir/data (log above, kept in $dir/initdb.log)"
    fi

    # The settings go to postgresql.conf rather than to pg_ctl -o, which
    # would pass them through a shell and break on a folder with spaces.
    as_owner tee -a "$dir/data/postgresql.conf" >/dev/null <<EOF

# scripts/pg-test-cluster.sh: a Unix socket only, in the cluster's folder.
listen_addresses = ''
unix_socket_directories = '$dir'
port = 5432
max_connections = 200
EOF

    if ! as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
        >/dev/null 2>&1; then
        [ -f "$dir/server.log" ] && tail -n 20 "$dir/server.log" >&2
        die "the server did not start (log above, kept in $dir/server.log)"
    fi

    cmd_createdb "$dir" maillage_test
}

cmd_createdb() {
    local dir bindir
    dir=$(abs_dir "$1")
    check_name "$2"
    check_running "$dir"
    bindir=$(find_bindir)
    local createdb=$bindir/createdb
    [ -x "$createdb" ] || createdb=$(command -v createdb) ||
        die "no createdb program next to $bindir/initdb or on PATH"
    if ! err=$(as_owner "$createdb" -h "$dir" -p 5432 -U postgres "$2" 2>&1); then
        die "cannot create database $2: $err"
    fi
    uri_of "$dir" "$2"
}

cmd_stop() {
    local dir bindir
    dir=$(abs_dir "$1")
    [ -e "$dir" ] || return 0
    # An empty folder: a start that failed before making anything (or a
    # mktemp -d never used).
    if [ -d "$dir" ] && [ -z "$(ls -A "$dir")" ]; then
        rmdir "$dir"
        return 0
    fi
    [ -f "$dir/$marker" ] || die "$dir was not made by $prog start: not removing it"
    if [ -f "$dir/data/postmaster.pid" ]; then
        bindir=$(find_bindir)
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
            die "cannot stop the server of $dir (see $dir/server.log)"
    fi
    rm -rf "$dir"
}

[ $# -ge 1 ] || usage
case "$1" in
start)
    [ $# -eq 2 ] || usage
    cmd_start "$2"
    ;;
createdb)
    [ $# -eq 3 ] || usage
    cmd_createdb "$2" "$3"
    ;;
uri)
    [ $# -eq 2 ] || [ $# -eq 3 ] || usage
    name=${3:-maillage_test}
    check_name "$name"
    uri_of "$(abs_dir "$2")" "$name"
    ;;
stop)
    [ $# -eq 2 ] || usage
    cmd_stop "$2"
    ;;
*) usage ;;
esac
