#!/usr/bin/env bash
# Benchmark: POST /api/v1/matches/batch over 100,000 open needs and 500
# providers on PostgreSQL. Target: under 10 s.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/test}
NEEDS=${BENCH_BATCH_NEEDS:-100000}
PROVIDERS=${BENCH_BATCH_PROVIDERS:-500}
DB=jiuzhu_bench_batch
PORT=${BENCH_PORT:-18182}
BIN=${CARGO_TARGET_DIR:-target}/release/jiuzhu
OUT=bench/results/batch_matching.json

psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
URL="${PG_ADMIN%/*}/$DB"
export JIUZHU_DATABASE_URL="$URL" JIUZHU_ADMIN_PASSWORD=bench-password-123 JIUZHU_BIND="127.0.0.1:$PORT" JIUZHU_LOG=warn
export JIUZHU_RATE_LIMIT_PER_TOKEN=1000000 JIUZHU_RATE_LIMIT_PER_IP=1000000
"$BIN" migrate up >/dev/null
echo "seeding $NEEDS open needs and $PROVIDERS providers"
psql "$URL" -q <<SQL
INSERT INTO needs (id, assessment_id, beneficiary_id, region_code, service_code, category, priority, degree, group_codes, rule_id, indicator, level, status, version, created_at, updated_at)
SELECT md5('n' || g)::uuid, md5('a' || g)::uuid, md5('b' || g)::uuid,
       (ARRAY['640202','640205','640221'])[1 + g % 3] || lpad((1 + g % 7)::text, 3, '0') || lpad((1 + g % 11)::text, 3, '0'),
       (ARRAY['meals','bathing','visits','emergency_call','cleaning'])[1 + g % 5], 'daily_living',
       (ARRAY['high','medium','low'])[1 + g % 3], 'serious', ',elderly,', 'R03', 'family_structure', 2, 'open', 1, now(), now()
FROM generate_series(1, $NEEDS) AS g;
INSERT INTO providers (id, name, credit_code, org_type, eligible_for_purchase, service_codes, service_regions, monthly_capacity, qualifications, contact_name, contact_phone, status, barred_until, region_code, version, created_at, updated_at)
SELECT md5('p' || g)::uuid, 'provider ' || g, 'BENCH' || lpad(g::text, 13, '0'), 'enterprise', true,
       ',meals,bathing,visits,emergency_call,cleaning,',
       ',' || (ARRAY['640202','640205','640221'])[1 + g % 3] || lpad((1 + g % 7)::text, 3, '0') || ',',
       '{"meals":60,"bathing":40,"visits":40,"emergency_call":40,"cleaning":40}', '[]', 'bench', NULL, 'active', NULL, '640200', 1, now(), now()
FROM generate_series(1, $PROVIDERS) AS g;
ANALYZE needs; ANALYZE providers;
SQL
"$BIN" serve > /tmp/jiuzhu-bench-batch.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
TOKEN=$(curl -sf "http://127.0.0.1:$PORT/api/v1/auth/token" -H 'Content-Type: application/json' \
  -d '{"grant_type":"password","username":"admin","password":"bench-password-123"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
python3 - "$PORT" "$TOKEN" "$NEEDS" "$PROVIDERS" "$OUT" <<'PY'
import json, sys, time, urllib.request
port, token, needs, providers, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
url = f"http://127.0.0.1:{port}/api/v1/matches/batch?region_code=640200"
times, body = [], None
for _ in range(3):
    request = urllib.request.Request(url, data=b"{}", method="POST", headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    start = time.perf_counter()
    body = json.load(urllib.request.urlopen(request, timeout=120))
    times.append(time.perf_counter() - start)
times.sort()
result = {"needs": needs, "providers": providers, "target_s": 10, "median_s": round(times[1], 2), "max_s": round(times[-1], 2),
          "proposals": len(body["proposals"]), "unassigned": len(body["unassigned"])}
print(f"batch matching {needs} needs x {providers} providers: median {times[1]:.2f} s, max {times[-1]:.2f} s "
      f"({result['proposals']} proposed, {result['unassigned']} unassigned), target < 10 s")
json.dump(result, open(out, "w"), indent=2)
PY
