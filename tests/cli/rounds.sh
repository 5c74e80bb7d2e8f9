#!/usr/bin/env bash
# maillage rounds, black box, on the demo Aude: a PMI service of the
# Département with one vehicle two days a week, stops at the chef-lieu of
# six communes, the example population by age and school calendar
# (data/demo/rounds); a plan whose routes are checked here against the
# vehicle's day and the stops' minutes; the current rounds entered from a
# CSV and compared; publication; a cancellation; the timetable (its rows
# counted against the plan's visits, the cancelled day marked), the
# iCalendar feed (one VEVENT per stop of the range) and the PDF poster.
# Refusals: bad values exit 2 naming the field, unknown ids and bad files
# exit 3 naming file and line; a file refused leaves the database as it
# was (its dump compared).
set -u
: "${MAILLAGE:?}" "${MG_SOURCE_DIR:?}"
. "$(dirname "$0")/lib.bash" # tmp, fail, ok, expect_exit, demo
rounds="$MG_SOURCE_DIR/data/demo/rounds"
db="$tmp/r.sqlite"
M=("$MAILLAGE" rounds)

org=$("$MAILLAGE" organisation add --database "$db" --kind departement --name "Département de l'Aude")
[ -n "$org" ] || { echo "no organisation"; exit 1; }

# --- Service, vehicle, stops ------------------------------------------------------------------
expect_exit 0 "${M[@]}" service add --database "$db" --organisation "Département de l'Aude" \
    --name "PMI itinérante" --public early_childhood --reach 20 \
    --territory "communes:11069,11206,11304,11076,11021,11033" --contact "04 68 11 22 33"
svc=$(cat "$tmp/out")
[ "$svc" = 1 ] && ok || fail "service id: $svc"
expect_exit 2 "${M[@]}" service add --database "$db" --organisation "$org" --name "" --reach 0 --zone D
expect_err "name: champ obligatoire"
expect_err "reach_min: entre 1 et 120"
expect_err "school_zone"
expect_exit 3 "${M[@]}" service add --database "$db" --organisation "Nobody" --name x
expect_err "no organisation is named \"Nobody\""
expect_exit 2 "${M[@]}" service add --organisation "$org" --name x
expect_err "\-\-database is required"
expect_exit 3 "${M[@]}" service list --database "$tmp/none.sqlite"
expect_err "no such database file"

expect_exit 0 "${M[@]}" vehicle add "$svc" --database "$db" --name "Camion PMI" \
    --base-name "Centre médico-social" --base-commune 11206 --base-point 43.0547,2.2186 \
    --days mardi,vendredi --start 08:30 --end 17:00 --break 45 --break-window 12:00-13:30 \
    --max-drive 240
expect_exit 2 "${M[@]}" vehicle add "$svc" --database "$db" --name "Autre" \
    --base-name "x" --base-commune 11206 --base-point 43.0547,2.2186 --days funday --start 08:30 --end 17:00
expect_err "\-\-days"
expect_exit 2 "${M[@]}" vehicle add "$svc" --database "$db" --name "Autre" --base-name "x" \
    --base-commune 11206 --base-point 43.0547,2.2186 --days lun --start 08:30 --end 17:00 \
    --break 45 --break-window 16:30-17:00
expect_err "break_window"
expect_exit 3 "${M[@]}" vehicle add 42 --database "$db" --name "Autre" --base-name "x" \
    --base-commune 11206 --base-point 43.0547,2.2186 --days lun --start 08:30 --end 17:00
expect_err "no mobile service with id 42"

expect_exit 0 "${M[@]}" stops default "$svc" --database "$db" "${demo[@]}" -q
expect_out "^6;0$"
# A stops file with a bad row changes nothing.
before=$(sqlite3 "$db" .dump)
printf 'nom;commune\nPlace du marché;11206\nÉglise;99999\n' >"$tmp/stops.csv"
expect_exit 3 "${M[@]}" stops import "$svc" "$tmp/stops.csv" --database "$db" "${demo[@]}" -q
expect_err "stops.csv:3"
[ "$before" = "$(sqlite3 "$db" .dump)" ] && ok || fail "a refused stops file changed the database"
expect_exit 0 "${M[@]}" stops list "$svc" --database "$db"
[ "$(grep -c ';chef_lieu;1$' "$tmp/out")" = 6 ] && ok || fail "six chef-lieu stops expected"

# --- Reference files ------------------------------------------------------------------------------
if [ -f "$rounds/population-age-exemple.csv" ]; then
    expect_exit 0 "${M[@]}" population import "$rounds/population-age-exemple.csv" --database "$db" \
        "${demo[@]}" -q
    expect_out "^[0-9]+$"
fi
printf 'CODGEO;P21_POP;P21_POP0002;P21_POP0305;P21_POP0014;P21_POP1529;P21_POP75P\n11069;10;1;x;1;1;1\n' \
    >"$tmp/pop.csv"
before=$(sqlite3 "$db" .dump)
expect_exit 3 "${M[@]}" population import "$tmp/pop.csv" --database "$db" "${demo[@]}" -q
expect_err "pop.csv:2"
[ "$before" = "$(sqlite3 "$db" .dump)" ] && ok || fail "a refused population file changed the database"
if [ -f "$rounds/calendrier-scolaire-exemple.csv" ]; then
    expect_exit 0 "${M[@]}" holidays import "$rounds/calendrier-scolaire-exemple.csv" --database "$db" -q
fi
printf 'Description;Zones;Date de début\nx;Zone C;2025-10-18\n' >"$tmp/cal.csv"
expect_exit 3 "${M[@]}" holidays import "$tmp/cal.csv" --database "$db"
expect_err "cal.csv"

# --- A plan: every visit within the day, 120 minutes at each stop -----------------------------------
expect_exit 0 "${M[@]}" plan "$svc" --database "$db" "${demo[@]}" --seconds 0.5 --bound
cp "$tmp/out" "$tmp/plan.csv"
expect_err "plan 1 stored"
expect_err "gap [0-9.]+ %"
nvisits=$(tail -n +2 "$tmp/plan.csv" | wc -l)
[ "$nvisits" -ge 2 ] && ok || fail "the plan visits $nvisits stops"
bad=$(tail -n +2 "$tmp/plan.csv" | awk -F';' '
    function m(t) { split(t, a, ":"); return a[1] * 60 + a[2] }
    $3 != "mardi" && $3 != "vendredi" { print "day " $3 }
    m($7) < 510 || m($8) > 1020 { print "outside the day: " $0 }
    m($8) - m($7) != 120 { print "not 120 minutes: " $0 }')
[ -z "$bad" ] && ok || fail "plan: $bad"
expect_exit 3 "${M[@]}" plan 99 --database "$db" "${demo[@]}"
expect_err "no mobile service with id 99"
expect_exit 2 "${M[@]}" plan "$svc" --database "$db"
expect_err "\-\-bundle DIR and \-\-france DIR are required"

# --- The current rounds, and the comparison -----------------------------------------------------
printf 'vehicule;semaine;jour;commune;arret;arrivee;depart\nCamion PMI;1;mardi;11206;Centre-bourg;09:00;11:00\n' \
    >"$tmp/cur.csv"
expect_exit 0 "${M[@]}" enter "$svc" "$tmp/cur.csv" --database "$db" "${demo[@]}" -q
printf 'vehicule;jour;commune;arret;arrivee;depart\nCamion PMI;lundi;11206;Centre-bourg;09:00;11:00\n' \
    >"$tmp/cur2.csv"
expect_exit 3 "${M[@]}" enter "$svc" "$tmp/cur2.csv" --database "$db" "${demo[@]}" -q
expect_err "cur2.csv:2: vehicle \"Camion PMI\" does not work on that day"
printf 'vehicule;jour;commune;arret;arrivee;depart\nCamion PMI;mardi;11206;Centre-bourg;25:00;11:00\n' \
    >"$tmp/cur3.csv"
expect_exit 3 "${M[@]}" enter "$svc" "$tmp/cur3.csv" --database "$db" "${demo[@]}" -q
expect_err "cur3.csv:2:[0-9]+: column \"arrivee\": expected a time"
expect_exit 0 "${M[@]}" compare "$svc" --database "$db"
expect_out "^1;computed;heuristic;"
expect_out "^2;current;entered;"

# --- Publication, cancellation, timetable, feed, poster ------------------------------------------
expect_exit 2 "${M[@]}" publish "$svc" 1 --from 2026-10-06 --database "$db"
expect_err "lundi"
expect_exit 0 "${M[@]}" publish "$svc" 1 --from 2026-10-05 --database "$db" -q
expect_exit 0 "${M[@]}" cancel "$svc" --date 2026-10-06 --reason "Véhicule en réparation" --database "$db"
expect_exit 2 "${M[@]}" cancel "$svc" --date 2026-02-30 --database "$db"
expect_err "on_date"
expect_exit 0 "${M[@]}" timetable "$svc" --from 2026-10-05 --to 2026-10-18 --database "$db"
rows=$(tail -n +2 "$tmp/out" | wc -l)
[ "$rows" -eq $((2 * nvisits)) ] && ok || fail "timetable of two weeks: $rows rows, expected $((2 * nvisits))"

cancelled=$(grep -c ';cancelled;Véhicule en réparation$' "$tmp/out")
want=$(tail -n +2 "$tmp/plan.csv" | grep -c ';mardi;')
[ "$cancelled" -eq "$want" ] && ok || fail "cancelled on Tuesday 6: $cancelled, expected $want"
expect_exit 0 "${M[@]}" timetable "$svc" --from 2026-10-05 --to 2026-10-18 --ical --database "$db"
[ "$(grep -c '^BEGIN:VEVENT' "$tmp/out")" -eq "$rows" ] && ok || fail "one VEVENT per stop"
expect_exit 0 "${M[@]}" poster "$svc" 11206 -o "$tmp/affiche.pdf" --from 2026-10-05 --database "$db" -q
[ "$(head -c 5 "$tmp/affiche.pdf")" = "%PDF-" ] && ok || fail "the poster is not a PDF"
expect_exit 2 "${M[@]}" timetable "$svc" --from 2026-10-05 --database "$db"
expect_err "\-\-to DATE is required"
expect_exit 3 "${M[@]}" timetable 7 --from 2026-10-05 --to 2026-10-11 --database "$db"
expect_exit 0 "${M[@]}" unpublish "$svc" --database "$db" -q
expect_exit 3 "${M[@]}" timetable "$svc" --from 2026-10-05 --to 2026-10-11 --database "$db"
expect_err "publishes no rounds"
expect_exit 2 "${M[@]}" bogus --database "$db"
expect_exit 2 "${M[@]}" stops nothing 1 --database "$db"

finish
