#!/usr/bin/env bash
# `make test-cluster`: three jiuzhu nodes on one fresh PostgreSQL database,
# started at the same moment, with the client spreading requests over them
# as a load balancer would. cluster/scenarios.py runs each scenario with
# bounded loops and prints one line per scenario (requests, 5xx, lost,
# duplicated); it fails when any scenario loses, duplicates or answers 5xx.
# Writes cluster/results/latest.json.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${CLUSTER_BIN:-${CARGO_TARGET_DIR:-target}/debug/jiuzhu}
PG=${CLUSTER_PG_URL:-postgres://postgres@127.0.0.1:5432}
DB=${CLUSTER_DB:-jiuzhu_cluster}
FIRST_PORT=${CLUSTER_PORT:-18301}
WORK=$(mktemp -d)
mkdir -p cluster/results
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
# Every node shares the token secret and the audit chain's key; rate limits
# are high except the one scenario that measures them with its own token.
export JIUZHU_DATABASE_URL="$PG/$DB" JIUZHU_ADMIN_PASSWORD=cluster-password-123 JIUZHU_LOG=warn
export JIUZHU_JWT_SECRET=cluster-secret-0123456789abcdef0123456789 JIUZHU_AUDIT_KEY=cluster-audit-key-0123456789abcdef0123456789
export JIUZHU_RATE_LIMIT_PER_TOKEN=${CLUSTER_TOKEN_LIMIT:-3000} JIUZHU_RATE_LIMIT_PER_IP=100000000
export JIUZHU_MAX_CONNECTIONS=20
PIDS=()
start_node() { # index
    local port=$((FIRST_PORT + $1))
    JIUZHU_BIND="127.0.0.1:$port" JIUZHU_AUDIT_CHECKPOINT_FILE="$WORK/checkpoints-$1.ndjson" \
        "$BIN" serve --demo >>"$WORK/node-$1.log" 2>&1 &
    PIDS[$1]=$!
    disown "$!"
    echo "${PIDS[$1]}" >"$WORK/node-$1.pid"
}
cleanup() {
    for i in 0 1 2; do [[ -f "$WORK/node-$i.pid" ]] && kill -9 "$(cat "$WORK/node-$i.pid")" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
for i in 0 1 2; do start_node "$i"; done
python3 cluster/scenarios.py "$FIRST_PORT" "$WORK" "$BIN" || {
    for i in 0 1 2; do echo "--- node $i"; tail -20 "$WORK/node-$i.log"; done
    exit 1
}
