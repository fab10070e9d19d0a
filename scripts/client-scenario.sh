#!/usr/bin/env bash
# A whole scenario walked through a client generated from the contract
# (openapi/check/scenario.ts: openapi-typescript types and openapi-fetch,
# no hand-written HTTP) against a demo server on SQLite. Needs node, the
# packages of openapi/check (`npm ci` there, or `make contract-check`,
# which also generates the types) and a built `jiuzhu` binary.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${SCENARIO_PORT:-18096}"
work="$(mktemp -d)"
binary="${CARGO_TARGET_DIR:-target}/debug/jiuzhu"
password='scenario-Passw0rd-1'
JIUZHU_DATABASE_URL="sqlite://$work/scenario.db?mode=rwc" JIUZHU_ADMIN_PASSWORD="$password" \
    JIUZHU_JWT_SECRET=scenario-secret-0123456789abcdef012345 JIUZHU_BIND="127.0.0.1:$port" JIUZHU_LOG=warn \
    "$binary" serve --demo >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done
# The demo accounts' password as the server printed it, so it has one source.
demo_password=$(sed -n 's/^Demo logins (password `\([^`]*\)`).*/\1/p' "$work/server.log" | head -1)
[[ -n "$demo_password" ]] || { echo "the demo server printed no demo password"; cat "$work/server.log"; exit 1; }
cd openapi/check
[[ -f generated/jiuzhu.d.ts ]] || npm run --silent generate
JIUZHU_URL="http://127.0.0.1:$port" JIUZHU_ADMIN_PASSWORD="$password" JIUZHU_DEMO_PASSWORD="$demo_password" npm run --silent scenario \
    || { echo "--- server log"; tail -20 "$work/server.log"; exit 1; }
