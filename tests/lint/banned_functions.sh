#!/usr/bin/env bash
# Functions the project does not use (unbounded or error-blind), as curl
# bans them: atoi/atol (no error), strcpy/strcat/sprintf/vsprintf/gets (no
# bound), strtok (hidden state), sscanf (no bound, no position).
set -u
cd "$MG_SOURCE_DIR"
hits=$(grep -rnE '\b(atoi|atol|atoll|strcpy|strcat|sprintf|vsprintf|gets|strtok|sscanf)\s*\(' \
    src tests/unit fuzz bench --include='*.c' --include='*.h' \
    | grep -vE '^[^:]+:[0-9]+:\s*(\*|//|/\*)' || true)
if [ -n "$hits" ]; then
    echo "banned functions used:"
    echo "$hits"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "1 passed, 0 failed"
