#!/usr/bin/env bash
# Functions the project does not use (unbounded or error-blind), as curl
# bans them: atoi/atol (no error), strcpy/strcat/sprintf/vsprintf/gets (no
# bound), strtok (hidden state), sscanf (no bound, no position).
#
# And number conversion outside the parse module (issue 10, one parser
# everywhere): strtol/strtoll/strtoul/strtoull/strtod/strtof/strtold/atof
# read the locale, skip spaces, accept "inf" and hexadecimal and stop at the
# first stray byte. What people type goes through mg_parse_number /
# mg_parse_int / mg_parse_id, what data files hold through
# mg_parse_c_double / mg_parse_c_int (src/parse/parse.h). Allowed only in
# src/parse/ (which wraps them) and src/db/driver_pgsql.c (PostgreSQL's own
# text output of numbers; the file says why).
set -u
cd "$MG_SOURCE_DIR"
comment='^[^:]+:[0-9]+:\s*(\*|//|/\*)'
hits=$(grep -rnE '\b(atoi|atol|atoll|strcpy|strcat|sprintf|vsprintf|gets|strtok|sscanf)\s*\(' \
    src tests/unit fuzz bench --include='*.c' --include='*.h' \
    | grep -vE "$comment" || true)
conv=$(grep -rnE '\b(strtol|strtoll|strtoul|strtoull|strtod|strtof|strtold|atof)\s*\(' \
    src tests/unit fuzz bench --include='*.c' --include='*.h' \
    | grep -vE '^src/parse/|^src/db/driver_pgsql\.c:' \
    | grep -vE "$comment" || true)
failed=0
if [ -n "$hits" ]; then
    echo "banned functions used:"
    echo "$hits"
    failed=$((failed + 1))
fi
if [ -n "$conv" ]; then
    echo "number conversion outside src/parse/ (use mg_parse_number, mg_parse_int, mg_parse_id,"
    echo "mg_parse_c_double or mg_parse_c_int of parse/parse.h):"
    echo "$conv"
    failed=$((failed + 1))
fi
echo "$((2 - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
