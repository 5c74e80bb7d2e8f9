#!/usr/bin/env bash
# Black-box: `maillage serve` sends the mail queue through its relay. A
# server pointed at an SMTP sink (smtp_sink_start) with --mail-interval 1; a
# message put in its database's queue (no page enqueues yet) arrives within
# seconds, From --mail-from; with the sink stopped, the next one stays
# pending with an attempt and the relay's error, and goes out once the sink
# is back and its retry is due. Also: the options refused before anything
# loads (a relay without a sender, a credentials file others can read,
# credentials in the URL), and a server without a relay saying at start that
# mail stays queued. On SQLite (sqlite3), or PostgreSQL (psql) in the
# optimised pass.
. "$(dirname "$0")/lib.bash"
db=$(test_database serve_mail)
if [[ "$db" == postgresql* ]]; then
    sql() { psql -qAtX "$db" -c "$1"; }
else
    command -v sqlite3 >/dev/null || { fail "sqlite3 is needed (apt-get install sqlite3)"; finish; exit 1; }
    sql() { sqlite3 -cmd ".timeout 5000" "$db" "$1"; }
fi

# Refused at once, before the bundle is loaded (exit 2: usage; 3: the file).
expect_exit 2 "$MAILLAGE" serve "${demo[@]}" --smtp-relay smtp://127.0.0.1:25
expect_err 'smtp-relay needs --mail-from'
expect_exit 2 "$MAILLAGE" serve "${demo[@]}" --mail-from a@example.org
expect_err 'mail-from needs --smtp-relay'
expect_exit 2 "$MAILLAGE" serve "${demo[@]}" --smtp-relay http://127.0.0.1:25 --mail-from a@example.org
expect_err 'expected smtp://host:port or smtps://host:port'
expect_exit 2 "$MAILLAGE" serve "${demo[@]}" --smtp-relay smtp://u:p@127.0.0.1:25 --mail-from a@example.org
expect_err 'credentials go in --smtp-credentials FILE'
expect_exit 2 "$MAILLAGE" serve "${demo[@]}" --smtp-relay smtp://127.0.0.1:25 --mail-from 'not an address'
expect_err 'mail-from not an address'
printf 'relais:secret\n' >"$tmp/credentials"
chmod 644 "$tmp/credentials"
expect_exit 3 "$MAILLAGE" serve "${demo[@]}" --smtp-relay smtp://127.0.0.1:25 --mail-from a@example.org \
    --smtp-credentials "$tmp/credentials" --port 0
expect_err "credentials: other users may read or change the SMTP credentials file \(mode 0644\); make it private"
if grep -q secret "$tmp/err"; then fail "the password was printed"; else ok; fi

smtp_sink_start "$tmp/mail" || { fail "no SMTP sink"; finish; exit 1; }
sink_port=$SMTP_SINK_PORT
# Two servers, loading at once: one with the relay, one without.
"$MAILLAGE" serve "${demo[@]}" --port 0 --port-file "$tmp/port" --database "$db" --access-log off \
    --smtp-relay "smtp://127.0.0.1:$sink_port" --mail-from ne-pas-repondre@maillage.example \
    --mail-interval 1 --quiet 2>"$tmp/serve.err" &
pid=$!
"$MAILLAGE" serve "${demo[@]}" --port 0 --port-file "$tmp/port2" --database "$tmp/norelay.sqlite" \
    --access-log off 2>"$tmp/serve2.err" &
pid2=$!
trap 'kill $pid $pid2 2>/dev/null; wait $pid $pid2 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 600); do [ -s "$tmp/port" ] && [ -s "$tmp/port2" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || { fail "server did not start"; cat "$tmp/serve.err" >&2; finish; exit 1; }

# Without a relay, the server says once that mail stays queued.
[ "$(grep -c 'no --smtp-relay: mail is kept in the queue, not sent' "$tmp/serve2.err")" = 1 ] && ok ||
    { fail "no word about mail staying queued"; cat "$tmp/serve2.err" >&2; }
kill -TERM "$pid2"
wait "$pid2" 2>/dev/null

# enqueue TO SUBJECT: a pending message due now, as mg_mail_enqueue writes it.
enqueue() {
    local now
    now=$(date +%s)
    sql "INSERT INTO mail_queue (created_at, to_addr, subject, body_text, status, attempts,
         next_attempt_at) VALUES ($now, '$1', '$2', 'Bonjour,
ceci est un essai.', 'pending', 0, $now)"
}
# wait_for SECONDS COMMAND…: true once COMMAND succeeds, checked every 0.2 s.
wait_for() {
    local limit=$(($1 * 5)); shift
    for _ in $(seq 1 "$limit"); do "$@" && return 0; sleep 0.2; done
    return 1
}
has_file() { [ -f "$1" ]; }
row_is() { [ "$(sql "SELECT $2 FROM mail_queue WHERE to_addr = '$1'")" = "$3" ]; }

# Delivered within seconds, with the sender of --mail-from.
enqueue marie@example.org Essai
if wait_for 5 has_file "$tmp/mail/msg-1.eml"; then ok; else fail "the message did not arrive"; fi
m=$(cat "$tmp/mail/msg-1.eml" 2>/dev/null)
[[ "$m" == *$'From: ne-pas-repondre@maillage.example\r'* ]] && ok || fail "From is not --mail-from"
[[ "$m" == *$'To: marie@example.org\r'* && "$m" == *$'Subject: Essai\r'* ]] && ok ||
    fail "To or Subject wrong: ${m:0:300}"
# ($(…) drops the last LF.)
[[ "$m" == *$'\r\n\r\nBonjour,\r\nceci est un essai.\r' ]] && ok || fail "body wrong: ${m: -80}"
if wait_for 2 row_is marie@example.org "status || ' ' || attempts" "sent 1"; then ok; else
    fail "not recorded sent: $(sql "SELECT status, attempts FROM mail_queue")"; fi

# The relay down: the message is kept, with its attempt and libcurl's words.
smtp_sink_stop
enqueue jean@example.org Relance
if wait_for 5 row_is jean@example.org "attempts" 1; then ok; else fail "no attempt recorded"; fi
# (CASE: SQLite writes a truth as 1, psql as t.)
row=$(sql "SELECT status, CASE WHEN last_error IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN next_attempt_at > created_at + 30 THEN 1 ELSE 0 END FROM mail_queue
           WHERE to_addr = 'jean@example.org'" | tr '|' ' ')
[ "$row" = "pending 1 1" ] && ok || fail "while the relay is down: '$row' (status, last_error, back-off)"
echo "relay down: $(sql "SELECT last_error FROM mail_queue WHERE to_addr = 'jean@example.org'")"
[ ! -e "$tmp/mail/msg-2.eml" ] && ok || fail "a message arrived with the sink stopped"
grep -q "maillage: mail: 1 message(s) not taken by the relay smtp://127.0.0.1:$sink_port" "$tmp/serve.err" &&
    ok || { fail "the failure was not logged"; cat "$tmp/serve.err" >&2; }

# The relay back, and the retry due (as if its back-off had elapsed): sent.
smtp_sink_start "$tmp/mail" "$sink_port" || fail "the sink did not restart on port $sink_port"
sql "UPDATE mail_queue SET next_attempt_at = $(date +%s) WHERE to_addr = 'jean@example.org'"
if wait_for 5 has_file "$tmp/mail/msg-2.eml"; then ok; else fail "the retry did not arrive"; fi
grep -q $'To: jean@example.org\r' "$tmp/mail/msg-2.eml" 2>/dev/null && ok || fail "msg-2 is not jean's"
if wait_for 2 row_is jean@example.org "status || ' ' || attempts" "sent 2"; then ok; else
    fail "the retry not recorded"; fi

# A clean stop: exit 0, nothing left claimed.
kill -TERM "$pid"
wait "$pid"
[ $? -eq 0 ] && ok || fail "serve did not stop cleanly"
[ "$(sql "SELECT count(*) FROM mail_queue WHERE status = 'pending'")" = 0 ] && ok ||
    fail "messages left pending: $(sql "SELECT * FROM mail_queue WHERE status = 'pending'")"
finish
