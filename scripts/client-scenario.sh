#!/usr/bin/env bash
# A whole scenario walked through a client generated from the contract
# (openapi/check/scenario.ts: openapi-typescript types and openapi-fetch,
# no hand-written HTTP) against a demo server on SQLite. Needs node, the
# packages of openapi/check (`npm ci` there, or `make contract-check`,
# which also generates the types) and a built `jiuzhu` binary.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${SCENARIO_PORT:-18096}"
password='scenario-Passw0rd-1'
source scripts/demo-server.sh
start_demo_server "$port" "$password"
# The demo accounts' password as the server printed it, so it has one source.
demo_password=$(sed -n 's/^Demo logins (password `\([^`]*\)`).*/\1/p' "$work/server.log" | head -1)
[[ -n "$demo_password" ]] || { echo "the demo server printed no demo password"; cat "$work/server.log"; exit 1; }
cd openapi/check
[[ -f generated/jiuzhu.d.ts ]] || npm run --silent generate
JIUZHU_URL="http://127.0.0.1:$port" JIUZHU_ADMIN_PASSWORD="$password" JIUZHU_DEMO_PASSWORD="$demo_password" npm run --silent scenario \
    || { echo "--- server log"; tail -20 "$work/server.log"; exit 1; }
