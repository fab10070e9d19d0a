#!/usr/bin/env bash
# Benchmark: streaming exports of 1,000,000 needs (CSV and XLSX) on
# PostgreSQL: time to the last byte and the server's peak resident memory.
# Seeds 200,000 people with valid ID numbers and five needs each, serves
# jiuzhu on them, and reads the server's VmHWM (peak RSS) from /proc before
# and after each export. Target: peak RSS under 300 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/test}
ROWS=${BENCH_EXPORT_NEEDS:-1000000}
DB=jiuzhu_bench_export
PORT=${BENCH_PORT:-18182}
BIN=${BENCH_BIN:-${CARGO_TARGET_DIR:-target}/release/jiuzhu}
OUT=bench/results/export_memory.json

psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
URL="${PG_ADMIN%/*}/$DB"
export JIUZHU_DATABASE_URL="$URL" JIUZHU_ADMIN_PASSWORD=bench-password-123 JIUZHU_BIND="127.0.0.1:$PORT" JIUZHU_LOG=warn
export JIUZHU_RATE_LIMIT_PER_TOKEN=1000000 JIUZHU_RATE_LIMIT_PER_IP=1000000
"$BIN" migrate up >/dev/null
PEOPLE=$((ROWS / 5))
echo "seeding $PEOPLE people and $ROWS needs"
psql "$URL" -q <<SQL
CREATE FUNCTION pg_temp.citizen_id(first17 text) RETURNS text AS \$\$
  SELECT first17 || substr('10X98765432', 1 + (
    SELECT sum(substr(first17, i, 1)::int * (ARRAY[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2])[i]) FROM generate_series(1, 17) AS i
  )::int % 11, 1)
\$\$ LANGUAGE sql IMMUTABLE;
INSERT INTO beneficiaries (id, name, id_number, gender, birth_date, phone, region_code, address, categories, category_codes, groups, group_codes,
                           material_assistance, status, version, created_by, created_at, updated_at)
SELECT md5('b' || g::text)::uuid, '张' || (ARRAY['秀兰','建国','桂英','志强'])[1 + g % 4],
       pg_temp.citizen_id('640202' || to_char(date '1930-01-01' + (g % 20000), 'YYYYMMDD') || lpad((g / 20000)::text, 3, '0')),
       CASE WHEN g % 2 = 0 THEN 'female' ELSE 'male' END, date '1930-01-01' + (g % 20000), '139' || lpad(g::text, 8, '0'),
       '640202' || lpad((1 + g % 7)::text, 3, '0') || lpad((1 + g % 11)::text, 3, '0'), '甲社区' || g || '号',
       '[{"category":"subsistence_allowance","support_mode":null,"valid_from":"2024-01-01","valid_to":null}]', ',subsistence_allowance,',
       '["living_alone"]', ',living_alone,', '[]', 'active', 1, 'bench', now(), now()
FROM generate_series(0, $PEOPLE - 1) AS g;
INSERT INTO needs (id, assessment_id, beneficiary_id, region_code, service_code, category, priority, degree, group_codes, rule_id, indicator, level, status, version, created_at, updated_at)
SELECT md5('n' || g::text)::uuid, md5('a' || (g / 5)::text)::uuid, md5('b' || (g / 5)::text)::uuid,
       '640202' || lpad((1 + (g / 5) % 7)::text, 3, '0') || lpad((1 + (g / 5) % 11)::text, 3, '0'),
       (ARRAY['meals','bathing','visits','emergency_call','rehabilitation_training','medical_escort','cleaning','repairs'])[1 + g % 8],
       (ARRAY['daily_living','daily_living','care','care','care','care','daily_living','daily_living'])[1 + g % 8],
       (ARRAY['high','medium','low'])[1 + g % 3], (ARRAY['general','serious','severe'])[1 + g % 3], ',living_alone,',
       'R03', 'family_structure', 2, 'open', 1, now(), now()
FROM generate_series(0, $ROWS - 1) AS g;
ANALYZE beneficiaries; ANALYZE needs;
SQL
"$BIN" serve > /tmp/jiuzhu-bench-export.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
TOKEN=$(curl -sf "http://127.0.0.1:$PORT/api/v1/auth/token" -H 'Content-Type: application/json' \
  -d '{"grant_type":"password","username":"admin","password":"bench-password-123"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
python3 - "$PORT" "$TOKEN" "$ROWS" "$OUT" "$SERVER" <<'PY'
import json, sys, time, urllib.request
port, token, rows, out, pid = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]

def memory_mb():
    fields = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status"))
    kb = lambda name: int(fields[name].split()[0])
    return kb("VmRSS") / 1024, kb("VmHWM") / 1024

results = {"needs": rows, "target_peak_rss_mb": 300, "rss_before_mb": round(memory_mb()[0], 1)}
for fmt in ["csv", "xlsx"]:
    url = f"http://127.0.0.1:{port}/api/v1/exports/service-needs?region_code=640202&format={fmt}"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    start = time.perf_counter()
    size, lines, first_byte = 0, 0, None
    with urllib.request.urlopen(request, timeout=3600) as response:
        while True:
            chunk = response.read(1 << 20)
            if first_byte is None:
                first_byte = time.perf_counter() - start
            if not chunk:
                break
            size += len(chunk)
            lines += chunk.count(b"\n")
    seconds = time.perf_counter() - start
    rss, peak = memory_mb()
    results[fmt] = {"seconds": round(seconds, 1), "first_byte_s": round(first_byte, 1), "bytes": size, "rows_per_s": round(rows / seconds),
                    "rss_after_mb": round(rss, 1), "peak_rss_mb": round(peak, 1)}
    if fmt == "csv":
        assert lines == rows + 1, f"{lines} lines for {rows} needs"
    print(f"export {fmt:4} of {rows} needs: {seconds:6.1f} s ({rows / seconds:,.0f} rows/s, first byte {first_byte:.1f} s), {size / 1e6:,.0f} MB; "
          f"server peak RSS {peak:.0f} MB (target < 300 MB)")
json.dump(results, open(out, "w"), indent=2)
PY
