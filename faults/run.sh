#!/usr/bin/env bash
# `make test-faults`: faults injected into a real jiuzhu process on SQLite.
#  1. kill -9 in the middle of a 100,000-row import, restart: the job is
#     marked failed, the rows that landed are whole, and re-running the file
#     converges to exactly its content with no duplicates;
#  2. kill -9 while webhook deliveries are in flight, restart: every event
#     arrives at least once, always with its own event id;
#  3. SIGTERM under load: in-flight requests finish (0 failed) and the
#     process exits within its shutdown timeout;
#  4. (FAULTS_PG=1) PostgreSQL restarts under load: 503s, not hangs, and the
#     server recovers by itself.
# Writes faults/results/latest.json.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${FAULTS_BIN:-${CARGO_TARGET_DIR:-target}/debug/jiuzhu}
ROWS=${FAULTS_ROWS:-100000}
PORT=${FAULTS_PORT:-18191}
WORK=$(mktemp -d)
mkdir -p faults/results
export JIUZHU_DATABASE_URL="sqlite://$WORK/faults.db?mode=rwc" JIUZHU_ADMIN_PASSWORD=faults-password-123
export JIUZHU_JWT_SECRET=faults-secret-0123456789abcdef0123456789 JIUZHU_BIND="127.0.0.1:$PORT" JIUZHU_LOG=warn
export JIUZHU_RATE_LIMIT_PER_TOKEN=100000000 JIUZHU_RATE_LIMIT_PER_IP=100000000 JIUZHU_IMPORT_ABANDONED_AFTER_SECS=3
export JIUZHU_BODY_LIMIT_BYTES=104857600 JIUZHU_WEBHOOK_TIMEOUT_MS=1000 JIUZHU_WEBHOOK_POLL_MS=100
# The scenarios' receivers listen on loopback, which webhooks may not reach by default.
export JIUZHU_WEBHOOK_ALLOWED_NETWORKS=127.0.0.0/8
SERVER=
start() {
    "$BIN" serve --demo >>"$WORK/server.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && return 0; sleep 0.2; done
    echo "the server did not start"; tail -20 "$WORK/server.log"; exit 1
}
cleanup() {
    kill -9 "$SERVER" 2>/dev/null || true
    [[ -f "$WORK/restarted.pid" ]] && kill -9 "$(cat "$WORK/restarted.pid")" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
if curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then
    echo "port $PORT is taken by another server; set FAULTS_PORT"; exit 1
fi
start
python3 faults/scenarios.py "$PORT" "$ROWS" "$WORK" "$SERVER" "$BIN"

# 4. PostgreSQL restart under load: only with FAULTS_PG=1, as it stops the
#    machine's PostgreSQL for a few seconds.
if [[ "${FAULTS_PG:-0}" == 1 ]]; then
    PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
    psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS jiuzhu_faults WITH (FORCE)" -c "CREATE DATABASE jiuzhu_faults"
    export JIUZHU_DATABASE_URL="${PG_ADMIN%/*}/jiuzhu_faults"
    start
    python3 faults/database_restart.py "$PORT" "$(ls /etc/postgresql)/main"
fi
