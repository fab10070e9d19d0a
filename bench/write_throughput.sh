#!/usr/bin/env bash
# Benchmark (PostgreSQL): audited writes. Application creates (two items,
# a fresh Idempotency-Key each) with 32 concurrent closed-loop clients on
# one node, beside the raw baseline inserting the same rows with the same
# concurrency; then application creates at 100/s while a 100,000-row import
# runs on the same node. Targets: writes/s >= 50 % of the baseline's, and
# the create's p99 under 25 ms during the import.
# Writes bench/results/write_throughput.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_TARGET_DIR=${CARGO_TARGET_DIR:-target}
exec python3 - "$@" <<'PY'
import json, os, subprocess, sys, tempfile, time, urllib.request
sys.path.insert(0, "scripts")
from testkit import citizen_id, wait_ready

target = os.environ["BENCH_TARGET_DIR"] + "/release"
pg_admin = os.environ.get("PG_ADMIN", "postgres://postgres@127.0.0.1:5432/test")
people = int(os.environ.get("BENCH_WRITE_PEOPLE", 100_000))
import_rows = int(os.environ.get("BENCH_IMPORT_ROWS", 100_000))
seconds = os.environ.get("BENCH_LOAD_SECONDS", "10")
port, baseline_port = 18184, 18198
database_url = pg_admin.rsplit("/", 1)[0] + "/jiuzhu_bench_write"
env = dict(os.environ, JIUZHU_ADMIN_PASSWORD="bench-password-123", JIUZHU_LOG="warn", JIUZHU_BIND=f"127.0.0.1:{port}",
           JIUZHU_RATE_LIMIT_PER_TOKEN="100000000", JIUZHU_RATE_LIMIT_PER_IP="100000000", JIUZHU_BODY_LIMIT_BYTES="104857600",
           JIUZHU_DATABASE_URL=database_url)
work = tempfile.mkdtemp()
url = f"http://127.0.0.1:{port}"

def psql(sql):
    subprocess.run(["psql", pg_admin, "-qc", sql], check=True, stderr=subprocess.DEVNULL)

def load(address, scenario, rate=None, connections=32):
    args = [f"{target}/load", "--url", address, "--database-url", database_url, "--scenario", scenario, "--seconds", seconds,
            "--connections", str(connections)]
    if rate is not None:
        args += ["--rate", str(rate)]
    report = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    print(f"  {scenario:15} {report['mode']:14} {report['achieved_req_per_s']:8.0f} req/s  p50 {report['p50_ms']:8.2f}  "
          f"p99 {report['p99_ms']:8.2f} ms  errors {report['error_rate']:.2%}", flush=True)
    return report

def call(method, path, token=None, body=None, content_type="application/json"):
    headers = {"Content-Type": content_type, **({"Authorization": f"Bearer {token}"} if token else {})}
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(url + path, data=data, method=method, headers=headers), timeout=600) as r:
        return json.loads(r.read() or b"null")

psql("DROP DATABASE IF EXISTS jiuzhu_bench_write WITH (FORCE)")
psql("CREATE DATABASE jiuzhu_bench_write")
print(f"postgres: seeding {people:,} people", flush=True)
subprocess.run([f"{target}/jiuzhu", "seed-synthetic", "--beneficiaries", str(people), "--seed", "1"], env=env, check=True, stdout=subprocess.DEVNULL)
subprocess.run(["psql", database_url, "-qc", "VACUUM ANALYZE"], check=True)
# The seed's pages written out now, not during the measurement (see load_scenarios.sh).
subprocess.run(["psql", database_url, "-qc", "CHECKPOINT"], check=True)
results = {}
server = subprocess.Popen([f"{target}/jiuzhu", "serve"], env=env, stdout=open(f"{work}/serve.log", "w"), stderr=subprocess.STDOUT)
try:
    if not wait_ready(f"{url}/readyz"):
        raise SystemExit("the server never became ready")
    results["create_32_clients"] = load(url, "create")
    token = call("POST", "/api/v1/auth/token", body={"grant_type": "password", "username": "admin", "password": "bench-password-123"})["access_token"]
    village = subprocess.run(["psql", database_url, "-tAc", "SELECT code FROM regions WHERE level = 'village' ORDER BY code LIMIT 1"],
                             check=True, capture_output=True, text=True).stdout.strip()
    lines = [json.dumps({"name": "压测" + str(n), "id_number": citizen_id(n, "640205"), "region_code": village,
                         "categories": [{"category": "subsistence_allowance", "valid_from": "2024-01-01"}]}, ensure_ascii=False)
             for n in range(import_rows)]
    job = call("POST", "/api/v1/imports?kind=beneficiaries", token, ("\n".join(lines) + "\n").encode(), "application/x-ndjson")
    time.sleep(0.5)  # the import is under way
    results["create_at_100_during_import"] = load(url, "create", rate=100)
    status = call("GET", f"/api/v1/imports/{job['id']}", token)
    results["import_during_creates"] = {"status": status["status"], "processed": status["processed"], "total": status["total"]}
    print(f"  the import had processed {status['processed']:,} of {status['total']:,} rows when the creates ended", flush=True)
finally:
    server.terminate()
    server.wait()
baseline = subprocess.Popen([f"{target}/baseline", "--database-url", database_url, "--bind", f"127.0.0.1:{baseline_port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
try:
    time.sleep(1)
    results["baseline_create_32_clients"] = load(f"http://127.0.0.1:{baseline_port}", "baseline-create")
finally:
    baseline.terminate()
    baseline.wait()
ratio = round(results["create_32_clients"]["achieved_req_per_s"] / results["baseline_create_32_clients"]["achieved_req_per_s"], 2)
p99 = results["create_at_100_during_import"]["p99_ms"]
print(f"  application creates: {results['create_32_clients']['achieved_req_per_s']:.0f}/s = {ratio:.0%} of the raw insert's "
      f"{results['baseline_create_32_clients']['achieved_req_per_s']:.0f}/s (target >= 50%); p99 {p99:.1f} ms at 100/s during the import (target < 25 ms)",
      flush=True)
results.update({"create_ratio_to_baseline": ratio, "targets": {"create_ratio": 0.5, "create_p99_ms_during_import": 25}})
psql("DROP DATABASE IF EXISTS jiuzhu_bench_write WITH (FORCE)")
json.dump({"postgres": results}, open("bench/results/write_throughput.json", "w"), indent=2)
print("wrote bench/results/write_throughput.json")
PY
