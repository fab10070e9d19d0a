#!/usr/bin/env bash
# Contract fuzzing with schemathesis against a freshly started jiuzhu.
#   FUZZ_CHECKS   checks to run (default: all)
#   FUZZ_EXAMPLES examples per operation (default: 10)
#   JIUZHU_FUZZ_DATABASE_URL  a PostgreSQL URL; default a temporary SQLite file
# Needs `st` (pip install schemathesis==4.32.5) and a built `jiuzhu` binary.
set -euo pipefail
cd "$(dirname "$0")/.."
checks="${FUZZ_CHECKS:-all}"
examples="${FUZZ_EXAMPLES:-10}"
port="${FUZZ_PORT:-18090}"
work="$(mktemp -d)"
database="${JIUZHU_FUZZ_DATABASE_URL:-sqlite://$work/fuzz.db?mode=rwc}"
if [[ "$database" == postgres* ]]; then
    # A clean schema each run: the demo data is loaded into an empty database.
    psql "$database" -q -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' >/dev/null
fi
binary="${CARGO_TARGET_DIR:-target}/debug/jiuzhu"
# The administrator's password is the one in the spec's example for
# POST /auth/token, so that example logs in and the operation is reached.
admin_password='s3cret-Passw0rd'
JIUZHU_DATABASE_URL="$database" JIUZHU_ADMIN_PASSWORD="$admin_password" \
    JIUZHU_JWT_SECRET=fuzz-secret-0123456789abcdef0123456789 JIUZHU_BIND="127.0.0.1:$port" \
    JIUZHU_RATE_LIMIT_PER_TOKEN=100000000 JIUZHU_RATE_LIMIT_PER_IP=100000000 JIUZHU_LOG=warn \
    "$binary" serve --demo >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done
login() {
    curl -sf "http://127.0.0.1:$port/api/v1/auth/token" -H 'Content-Type: application/json' \
        -d "{\"grant_type\":\"password\",\"username\":\"$1\",\"password\":\"$2\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
# One token per role; schemathesis.toml says which operations run as which.
demo_password=jiuzhu-demo-2024
JIUZHU_FUZZ_TOKEN_ADMIN=$(login admin "$admin_password")
JIUZHU_FUZZ_TOKEN_COUNTY=$(login demo-county $demo_password)
JIUZHU_FUZZ_TOKEN_VILLAGE=$(login demo-village $demo_password)
JIUZHU_FUZZ_TOKEN_AUDITOR=$(login demo-auditor $demo_password)
JIUZHU_FUZZ_TOKEN_EVALUATOR=$(login demo-evaluator $demo_password)
JIUZHU_FUZZ_TOKEN_DEPARTMENT=$(login demo-department $demo_password)
JIUZHU_FUZZ_TOKEN_PROVIDER=$(login demo-provider $demo_password)
export JIUZHU_FUZZ_TOKEN_ADMIN JIUZHU_FUZZ_TOKEN_COUNTY JIUZHU_FUZZ_TOKEN_VILLAGE JIUZHU_FUZZ_TOKEN_AUDITOR JIUZHU_FUZZ_TOKEN_EVALUATOR \
    JIUZHU_FUZZ_TOKEN_DEPARTMENT JIUZHU_FUZZ_TOKEN_PROVIDER
status=0
SCHEMATHESIS_HOOKS=schemathesis_hooks PYTHONPATH="$PWD/scripts${PYTHONPATH:+:$PYTHONPATH}" st run "http://127.0.0.1:$port/openapi.json" \
    --checks "$checks" --max-examples "$examples" --workers 2 \
    --phases examples,coverage,fuzzing,stateful --generation-deterministic || status=$?
# Our own errors and any panic fail the run; actix's notes about malformed
# requests (which it answers with 400) do not. They are shown after a
# failed run too, as they tell what a 500 was.
errors=$(grep '"level":"ERROR"\|panicked' "$work/server.log" | grep -v '"target":"actix_http' || true)
if [[ -n "$errors" ]]; then
    echo "the server logged errors during fuzzing:"; echo "$errors" | head -20
    exit 1
fi
exit "$status"
