#!/usr/bin/env bash
# The main job on the bundled demo territory (the Aude): installs what is
# missing, builds maillage, writes the GP accessibility table of every
# commune into out/ (CSV, GeoJSON for QGIS, key figures), then serves the
# web application on http://127.0.0.1:8080/ until Ctrl-C. The first run
# also makes an example organisation with a manager and an administrator
# account (passwords drawn at random, kept in out/demo-comptes.txt) and
# imports the example directory of local actors (data/demo/directory).
# MAILLAGE_PORT and MAILLAGE_ADDRESS change where it listens.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMG_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null

mkdir -p out
demo=(--bundle data/demo/11-aude --france data/demo/france)
build/maillage access "${demo[@]}" --measure 2sfca,g2sfca,3sfca,bfca,nearest \
    --out out/aude-mg.csv --summary out/aude-mg-summary.json
build/maillage access "${demo[@]}" --quiet --format geojson --out out/aude-mg.geojson
echo "Written: out/aude-mg.csv (one row per commune), out/aude-mg.geojson (open it in QGIS),"
echo "         out/aude-mg-summary.json (key figures per territory, département and EPCI)."
echo

# The first time: the deploying organisation and its accounts, an example.
# Passwords are drawn at random and kept in out/demo-comptes.txt (readable
# by you only), printed below each time.
accounts=out/demo-comptes.txt
if [ ! -s "$accounts" ]; then
    [ -e out/maillage.sqlite ] && mv out/maillage.sqlite "out/maillage.sqlite.$(date +%s).bak"
    rm -f out/maillage.sqlite-wal out/maillage.sqlite-shm
    umask 077
    # The demo platform plays the Département de l'Aude's (its accounts are
    # role names, data/demo/contracts/README.md says what is an example).
    org=$(build/maillage organisation add --database out/maillage.sqlite --kind departement \
        --operator --name "Département de l'Aude")
    add() { # EMAIL NAME ROLE: prints "EMAIL PASSWORD ROLE"
        local pw
        pw=$(head -c 15 /dev/urandom | base64 | tr '+/' '-_')
        printf '%s\n' "$pw" | build/maillage user add --database out/maillage.sqlite --email "$1" \
            --name "$2" --organisation "$org" --role "$3" --password-file - >/dev/null
        printf '%-28s %-22s %s\n' "$1" "$pw" "$3"
    }
    {
        echo "# Comptes de démonstration (exemples) de out/maillage.sqlite : e-mail, mot de passe, rôle."
        add gestion@demo.invalid "Gestion (exemple)" manager
        add admin@demo.invalid "Administration (exemple)" administrator
    } >"$accounts"
    umask 022
    # The directory of local actors: example structures of the Aude
    # (data/demo/directory/README.md), imported in one transaction.
    build/maillage directory import --database out/maillage.sqlite \
        data/demo/directory/aude-exemple.json >out/demo-annuaire-import.csv
    echo "Directory: data/demo/directory/aude-exemple.json imported (report: out/demo-annuaire-import.csv)."
    # The contracts the Aude signed, on the frame the public record gives
    # (data/demo/contracts/README.md), amounts and dates marked as examples.
    orgadd() { build/maillage organisation add --database out/maillage.sqlite --kind "$1" --name "$2"; }
    plm=$(orgadd epci "CC Piège Lauragais Malepère")
    agglo=$(orgadd epci "Carcassonne Agglo")
    urps=$(orgadd urps "URPS Médecins libéraux Occitanie")
    contract() { # FILE SIGNATORY KIND TERRITORY TITLE [OPTIONS…]: creates and imports
        local file=$1 signatory=$2 kind=$3 territory=$4 title=$5 id
        shift 5
        id=$(build/maillage contracts create --database out/maillage.sqlite --lead "$org" \
            --signatory "$org" --signatory "$signatory" --kind "$kind" --title "$title" \
            ${territory:+--territory "$territory"} --status in_force --example "$@")
        build/maillage contracts import --database out/maillage.sqlite --contract "$id" \
            "data/demo/contracts/$file" >"out/demo-contrat-$id-import.csv"
    }
    contract piege-lauragais-malepere.csv "$plm" cps epci:200035707 \
        "Contrat pluriannuel des solidarités — CC Piège Lauragais Malepère" \
        --from 2024-01-01 --to 2027-12-31
    contract carcassonne-agglo.csv "$agglo" cps epci:200035715 \
        "Contrat pluriannuel des solidarités — Carcassonne Agglo"
    contract urps-convention.csv "$urps" convention "" \
        "Convention avec l'URPS des médecins libéraux" --from 2021-01-01 --to 2025-12-31
    echo "Contracts: three contracts of the Aude (data/demo/contracts) created and imported."
fi
# --- The single window for health subsidies (issue 16): begin --------------------------
# On a fresh demo only (the block above has just made Carcassonne Agglo, $agglo): the
# co-funders the contracts demo does not make and the example associations
# (data/demo/funding/organisations.txt), a window led by Carcassonne Agglo with the
# Département, the ARS, the CPAM and the Agglo itself as co-funders, an operator account
# of the Agglo and an account of one example association (roles, no person), and the
# example requests at every stage (data/demo/funding/README.md) imported in the
# operator's name, one file per stage; the import's rows in out/demo-guichet-import.csv.
if [ -n "${agglo:-}" ]; then
    guichet_asso=
    while IFS='|' read -r kind siret rna name; do
        guichet_org=$(build/maillage organisation add --database out/maillage.sqlite \
            --kind "$kind" --name "$name" ${siret:+--siret "$siret"} ${rna:+--rna "$rna"})
        # The applicant's side is shown by the association granted in part.
        if [ "$name" = "Association Prévention jeunes du Carcassonnais (exemple)" ]; then
            guichet_asso=$guichet_org
        fi
    done < <(grep -v '^#' data/demo/funding/organisations.txt)
    build/maillage funding windows add --database out/maillage.sqlite --lead "$agglo" \
        --title "Guichet unique des subventions santé du Carcassonnais (exemple)" \
        --funder "Département de l'Aude" --funder "ARS Occitanie" --funder "CPAM de l'Aude" \
        --funder "$agglo" --example >/dev/null
    guichet_pw=$(head -c 15 /dev/urandom | base64 | tr '+/' '-_')
    guichet_op=$(printf '%s\n' "$guichet_pw" | build/maillage user add \
        --database out/maillage.sqlite --email guichet@demo.invalid \
        --name "Saisie du guichet (exemple)" --organisation "$agglo" --role manager \
        --password-file -)
    printf '%-28s %-22s %s\n' guichet@demo.invalid "$guichet_pw" "manager (Carcassonne Agglo)" \
        >>"$accounts"
    guichet_pw=$(head -c 15 /dev/urandom | base64 | tr '+/' '-_')
    printf '%s\n' "$guichet_pw" | build/maillage user add --database out/maillage.sqlite \
        --email association@demo.invalid --name "Présidence de l'association (exemple)" \
        --organisation "$guichet_asso" --role manager --password-file - >/dev/null
    printf '%-28s %-22s %s\n' association@demo.invalid "$guichet_pw" \
        "manager (une association, exemple)" >>"$accounts"
    for f in data/demo/funding/0*.json; do
        build/maillage funding import --database out/maillage.sqlite --as "$guichet_op" "$f"
    done >out/demo-guichet-import.csv
    echo "Single window: a window of Carcassonne Agglo and 8 example requests (data/demo/funding) imported."
fi
# --- The single window for health subsidies (issue 16): end ----------------------------
# --- The shared telehealth equipment (issue 17): begin ----------------------------------
# On a fresh demo only (the Département's organisation is $org): the example network of
# the Aude (data/demo/booking/README.md) — a telemedicine cabin at the town hall of Bram,
# assisted-teleconsultation carts at a pharmacy of Fanjeaux and at the health centre of
# Castelnaudary (structures of the demo directory), two example teleconsultant
# organisations — imported from one CSV, then four example bookings of the first free
# slots (initials, phone numbers of ARCEP's range for fiction); rows in
# out/demo-teleconsultation-import.csv.
if [ -n "${org:-}" ]; then
    tc_org=
    while IFS='|' read -r kind name; do
        id=$(build/maillage organisation add --database out/maillage.sqlite --kind "$kind" \
            --name "$name")
        tc_org=${tc_org:-$id} # the general practice's, first of the file
    done < <(grep -v '^#' data/demo/booking/organisations.txt)
    build/maillage booking import --database out/maillage.sqlite --owner "$org" --example \
        data/demo/booking/reseau-aude-exemple.csv >out/demo-teleconsultation-import.csv
    demo_site() { grep "^$1,site," out/demo-teleconsultation-import.csv | cut -d, -f3; }
    n_booked=0
    while IFS='|' read -r line kind person phone; do
        if build/maillage booking book --database out/maillage.sqlite --site "$(demo_site "$line")" \
            --kind "$kind" --person "$person" --phone "$phone" >/dev/null; then
            n_booked=$((n_booked + 1))
        fi
    done <<'BOOKINGS'
2|gp|A. B.|06 39 98 00 11
3|specialist|C. D.|06 39 98 00 12
4|followup|E. F.|06 39 98 00 13
4|gp|G. H.|06 39 98 00 14
BOOKINGS
    # A host of the cabin's site (the town hall of Bram) and a teleconsultant of the
    # general practice's organisation: roles, no person.
    demo_account() { # EMAIL NAME ORG ROLE LABEL
        local pw
        pw=$(head -c 15 /dev/urandom | base64 | tr '+/' '-_')
        printf '%s\n' "$pw" | build/maillage user add --database out/maillage.sqlite \
            --email "$1" --name "$2" --organisation "$3" --role "$4" --password-file - >/dev/null
        printf '%-28s %-22s %s\n' "$1" "$pw" "$5" >>"$accounts"
    }
    demo_account hote@demo.invalid "Accueil de la mairie de Bram (exemple)" "$(demo_site 2)" \
        host "host (mairie de Bram, exemple)"
    demo_account teleconsultation@demo.invalid "Téléconsultation (exemple)" "$tc_org" \
        teleconsultant "teleconsultant (exemple)"
    echo "Teleconsultation: the example network of the Aude (data/demo/booking) and $n_booked example bookings."
fi
# --- The shared telehealth equipment (issue 17): end ------------------------------------
# --- Mobile services' rounds (issue 18): begin ----------------------------------------------
# On a fresh demo only (the Département's organisation is $org): an example PMI service of
# the Haute Vallée de l'Aude (children under 6), one vehicle based at Limoux working on
# Tuesdays and Thursdays, stops at the chef-lieu of 13 communes; the example population by
# age and school calendar (data/demo/rounds/README.md) imported when present; a plan
# computed and published from this week's Monday. Plan in out/demo-tournees-plan.csv.
if [ -n "${org:-}" ]; then
    db=(--database out/maillage.sqlite)
    pmi=$(build/maillage rounds service add "${db[@]}" --organisation "$org" --example \
        --name "PMI itinérante de la Haute Vallée (exemple)" --public early_childhood \
        --territory "communes:11008,11021,11028,11063,11091,11103,11129,11206,11303,11304,11310,11320,11344" \
        --reach 20 --zone C --contact "Protection maternelle et infantile (exemple) : 04 68 00 00 00")
    build/maillage rounds vehicle add "$pmi" "${db[@]}" --name "Camion PMI (exemple)" \
        --base-name "Centre médico-social de Limoux (exemple)" --base-commune 11206 \
        --base-point 43.0499,2.2396 --days mardi,jeudi --start 08:30 --end 17:00 \
        --break 45 --break-window 12:00-13:30 --max-drive 240 >/dev/null
    build/maillage rounds stops default "$pmi" "${db[@]}" "${demo[@]}" --quiet >/dev/null
    if [ -f data/demo/rounds/population-age-exemple.csv ]; then
        build/maillage rounds population import data/demo/rounds/population-age-exemple.csv \
            "${db[@]}" "${demo[@]}" --quiet >/dev/null
    fi
    if [ -f data/demo/rounds/calendrier-scolaire-exemple.csv ]; then
        build/maillage rounds holidays import data/demo/rounds/calendrier-scolaire-exemple.csv \
            "${db[@]}" --quiet >/dev/null
    fi
    build/maillage rounds plan "$pmi" "${db[@]}" "${demo[@]}" --seconds 2 --quiet \
        --label "Plan de démonstration (exemple)" >out/demo-tournees-plan.csv
    plan=$(build/maillage rounds compare "$pmi" "${db[@]}" | awk -F';' 'NR == 2 { print $1 }')
    monday=$(date -d "-$(( $(date +%u) - 1 )) days" +%F)
    build/maillage rounds publish "$pmi" "$plan" --from "$monday" "${db[@]}" --quiet
    echo "Rounds: an example PMI service of the Haute Vallée planned and published (out/demo-tournees-plan.csv)."
fi
# --- Mobile services' rounds (issue 18): end ------------------------------------------------
echo "Accounts of the demonstration (out/demo-comptes.txt): log in at /connexion."
echo "The manager creates scenarios; the administrator is asked to enrol a second"
echo "factor (an authenticator app) at the first log-in. Mail stays queued: no relay."
sed '/^#/d; s/^/    /' "$accounts"
echo
exec build/maillage serve "${demo[@]}" --database out/maillage.sqlite \
    --layer data/demo/layers/typologie-exemple.layer \
    --address "${MAILLAGE_ADDRESS:-127.0.0.1}" --port "${MAILLAGE_PORT:-8080}"
