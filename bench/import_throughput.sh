#!/usr/bin/env bash
# Benchmark: validated beneficiary import, 100,000 NDJSON rows, on SQLite
# and on PostgreSQL: rows per second from the job's own start and finish
# times. Targets: >= 10,000 rows/s on SQLite, >= 20,000 on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/test}
ROWS=${BENCH_IMPORT_ROWS:-100000}
PORT=${BENCH_PORT:-18183}
BIN=${BENCH_BIN:-${CARGO_TARGET_DIR:-target}/release/jiuzhu}
OUT=bench/results/import_throughput.json
WORK=$(mktemp -d)
DB=jiuzhu_bench_import
SERVER=
cleanup() {
    kill "$SERVER" 2>/dev/null || true
    psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
export JIUZHU_ADMIN_PASSWORD=bench-password-123 JIUZHU_BIND="127.0.0.1:$PORT" JIUZHU_LOG=warn
export JIUZHU_RATE_LIMIT_PER_TOKEN=1000000 JIUZHU_RATE_LIMIT_PER_IP=1000000 JIUZHU_BODY_LIMIT_BYTES=104857600
echo "{}" > "$OUT"
for backend in ${BENCH_BACKENDS:-sqlite postgres}; do
    if [[ $backend == sqlite ]]; then
        export JIUZHU_DATABASE_URL="sqlite://$WORK/import.db?mode=rwc"
    else
        psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
        export JIUZHU_DATABASE_URL="${PG_ADMIN%/*}/$DB"
    fi
    "$BIN" serve --demo >"$WORK/server-$backend.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
    python3 - "$PORT" "$ROWS" "$OUT" "$backend" <<'PY'
import datetime, json, sys, time, urllib.request
port, rows, out, backend = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
base = f"http://127.0.0.1:{port}"

def call(method, path, token=None, body=None, content_type="application/json"):
    headers = {"Content-Type": content_type, **({"Authorization": f"Bearer {token}"} if token else {})}
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(base + path, data=data, method=method, headers=headers), timeout=600) as response:
        return json.loads(response.read())

sys.path.insert(0, "scripts")
from testkit import citizen_id

token = call("POST", "/api/v1/auth/token", body={"grant_type": "password", "username": "admin", "password": "bench-password-123"})["access_token"]
upload = "".join(json.dumps({"name": f"测试{n}", "id_number": citizen_id(n), "region_code": "640202001001", "phone": f"139{n:08d}",
                             "categories": [{"category": "subsistence_allowance", "valid_from": "2024-01-01"}]}, ensure_ascii=False) + "\n"
                 for n in range(rows)).encode()
sent = time.perf_counter()
job = call("POST", "/api/v1/imports?kind=beneficiaries", token, upload, "application/x-ndjson")
while job["status"] not in ("completed", "failed"):
    time.sleep(0.2)
    job = call("GET", f"/api/v1/imports/{job['id']}", token)
wall = time.perf_counter() - sent
started = datetime.datetime.fromisoformat(job["created_at"].replace("Z", "+00:00"))
finished = datetime.datetime.fromisoformat(job["finished_at"].replace("Z", "+00:00"))
seconds = (finished - started).total_seconds()
assert job["status"] == "completed" and job["created"] == rows and job["failed"] == 0, job
target = 10000 if backend == "sqlite" else 20000
figure = {"rows": rows, "seconds": round(seconds, 1), "rows_per_s": round(rows / seconds), "wall_s_with_upload": round(wall, 1), "target_rows_per_s": target}
results = json.load(open(out))
results[backend] = figure
json.dump(results, open(out, "w"), indent=2)
print(f"import on {backend:8}: {rows} validated rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s (target >= {target:,}); {wall:.1f} s with the upload")
PY
    kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
done
