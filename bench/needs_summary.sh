#!/usr/bin/env bash
# Benchmark: GET /api/v1/needs/summary over 1,000,000 needs on PostgreSQL.
# Seeds a fresh database with synthetic needs (generate_series), serves
# jiuzhu on it, and times each group_by over HTTP. Target: under 1 s.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/test}
ROWS=${BENCH_NEEDS:-1000000}
DB=jiuzhu_bench_needs
PORT=${BENCH_PORT:-18181}
BIN=${CARGO_TARGET_DIR:-target}/release/jiuzhu
OUT=bench/results/needs_summary.json

psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
URL="${PG_ADMIN%/*}/$DB"
export JIUZHU_DATABASE_URL="$URL" JIUZHU_ADMIN_PASSWORD=bench-password-123 JIUZHU_BIND="127.0.0.1:$PORT" JIUZHU_LOG=warn
export JIUZHU_RATE_LIMIT_PER_TOKEN=1000000 JIUZHU_RATE_LIMIT_PER_IP=1000000
"$BIN" migrate up >/dev/null
echo "seeding $ROWS needs"
psql "$URL" -q <<SQL
INSERT INTO needs (id, assessment_id, beneficiary_id, region_code, service_code, category, priority, degree, group_codes, rule_id, indicator, level, status, version, created_at, updated_at)
SELECT md5(g::text)::uuid, md5('a' || (g / 5)::text)::uuid, md5('b' || (g / 5)::text)::uuid,
       (ARRAY['640202','640205','640221'])[1 + g % 3] || lpad((1 + g % 7)::text, 3, '0') || lpad((1 + g % 11)::text, 3, '0'),
       (ARRAY['meals','bathing','visits','emergency_call','rehabilitation_training','medical_escort','cleaning','repairs'])[1 + g % 8],
       (ARRAY['daily_living','daily_living','care','care','care','care','daily_living','daily_living'])[1 + g % 8],
       (ARRAY['high','medium','low'])[1 + g % 3], (ARRAY['general','serious','severe'])[1 + g % 3],
       (ARRAY[',elderly,living_alone,', ',disabled,', ',minor,', ',elderly,woman,'])[1 + g % 4],
       'R01', 'disability', 2, CASE WHEN g % 10 = 0 THEN 'met' ELSE 'open' END, 1, now(), now()
FROM generate_series(1, $ROWS) AS g;
ANALYZE needs;
SQL
"$BIN" serve > /tmp/jiuzhu-bench-serve.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
TOKEN=$(curl -sf "http://127.0.0.1:$PORT/api/v1/auth/token" -H 'Content-Type: application/json' \
  -d '{"grant_type":"password","username":"admin","password":"bench-password-123"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
python3 - "$PORT" "$TOKEN" "$ROWS" "$OUT" <<'PY'
import json, sys, time, urllib.request
port, token, rows, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
results = {}
for group_by, region in [("service", "640202"), ("region", "640200"), ("group", "640200"), ("degree", "640221")]:
    url = f"http://127.0.0.1:{port}/api/v1/needs/summary?region_code={region}&group_by={group_by}"
    times = []
    for _ in range(7):
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        start = time.perf_counter()
        body = json.load(urllib.request.urlopen(request))
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    results[group_by] = {"region_code": region, "p50_ms": round(times[3], 1), "max_ms": round(times[-1], 1), "total_open": body["total_open"]}
    print(f"needs summary by {group_by:8} over {rows} needs ({region}): p50 {times[3]:7.1f} ms, max {times[-1]:7.1f} ms, target < 1000 ms")
json.dump({"needs": rows, "target_ms": 1000, "summary": results}, open(out, "w"), indent=2)
PY
