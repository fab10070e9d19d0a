"""Fault: PostgreSQL restarts under load. Requests during the outage answer
503 problem responses quickly (never 500, never a hang); /readyz says 503;
once the database is back the server serves again by itself."""
import concurrent.futures, json, subprocess, sys, time, urllib.request

port, cluster = sys.argv[1], sys.argv[2]
base = f"http://127.0.0.1:{port}"


def get(path, token=None, timeout=30):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    started = time.time()
    try:
        with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers), timeout=timeout) as response:
            return response.status, time.time() - started, response.headers.get("Content-Type")
    except urllib.error.HTTPError as error:
        return error.code, time.time() - started, error.headers.get("Content-Type")


token = json.loads(urllib.request.urlopen(urllib.request.Request(
    base + "/api/v1/auth/token", data=json.dumps({"grant_type": "password", "username": "admin", "password": "faults-password-123"}).encode(),
    headers={"Content-Type": "application/json"})).read())["access_token"]
assert get("/api/v1/beneficiaries?limit=5", token)[0] == 200

version, name = cluster.split("/")
subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "stop", "-m", "fast"], check=True)
try:
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        during = list(pool.map(lambda _: get("/api/v1/beneficiaries?limit=5", token), range(16)))
    ready = get("/readyz")
finally:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"], check=True)
statuses = sorted({status for status, _, _ in during})
slowest = max(seconds for _, seconds, _ in during)
assert statuses == [503], f"during the outage: {statuses}"
assert all(ct == "application/problem+json" for _, _, ct in during), "problem responses"
assert slowest < 15, f"a request took {slowest:.1f} s"
assert ready[0] == 503, f"/readyz during the outage: {ready[0]}"
deadline, recovered_after = time.time() + 60, None
back = time.time()
while time.time() < deadline:
    if get("/api/v1/beneficiaries?limit=5", token)[0] == 200 and get("/readyz")[0] == 200:
        recovered_after = time.time() - back
        break
    time.sleep(0.5)
assert recovered_after is not None, "the server did not recover by itself"
result = {"requests_during_outage": len(during), "statuses": statuses, "slowest_s": round(slowest, 1), "readyz": ready[0],
          "recovered_after_s": round(recovered_after, 1)}
print(f"PostgreSQL restart: {len(during)} requests during the outage all answered 503 (slowest {slowest:.1f} s), /readyz 503; "
      f"served again {recovered_after:.1f} s after the database came back")
path = "faults/results/latest.json"
results = json.load(open(path))
results["database_restart"] = result
json.dump(results, open(path, "w"), indent=2)
