"""The scenarios of cluster/run.sh, against three nodes it started on one database."""
import concurrent.futures, itertools, json, os, signal, subprocess, sys, threading, time, urllib.error, urllib.request, uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts"))
from testkit import citizen_id  # noqa: E402

first_port, work, binary = int(sys.argv[1]), sys.argv[2], sys.argv[3]
nodes = [f"http://127.0.0.1:{first_port + i}" for i in range(3)]
EVENTS = int(os.environ.get("CLUSTER_EVENTS", "1500"))
WRITERS = int(os.environ.get("CLUSTER_WRITERS", "30"))
TOKEN_LIMIT = int(os.environ.get("JIUZHU_RATE_LIMIT_PER_TOKEN", "3000"))
LOCKOUT_LIMIT = 5  # platform::login_throttle: failures per account and source
results, failures = {}, []
spread = itertools.count()


def call(method, path, token=None, body=None, node=None, headers=None, timeout=60):
    """One request to `node` (by default the next one, round robin); None when the node is unreachable."""
    base = nodes[next(spread) % 3] if node is None else nodes[node]
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null"), dict(error.headers)
    except (OSError, urllib.error.URLError):
        return None, None, {}


def ready(node, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if call("GET", "/readyz", node=node, timeout=2)[0] == 200:
            return True
        time.sleep(0.2)
    return False


def login(username="admin", password="cluster-password-123"):
    for _ in range(10):
        status, body, _ = call("POST", "/api/v1/auth/token", body={"grant_type": "password", "username": username, "password": password})
        if status == 200:
            return body["access_token"]
        time.sleep(0.2)
    raise SystemExit(f"login as {username} failed: {status} {body}")


def person(n):
    return {"name": "集群" + str(n), "id_number": citizen_id(n), "region_code": "640202001001",
            "categories": [{"category": "subsistence_allowance", "valid_from": "2024-01-01"}]}


def report(name, requests, server_errors, lost=0, duplicated=0, **extra):
    results[name] = {"requests": requests, "5xx": server_errors, "lost": lost, "duplicated": duplicated, **extra}
    notes = "".join(f", {k} {v}" for k, v in extra.items())
    print(f"{name}: {requests} requests, {server_errors} 5xx, {lost} lost, {duplicated} duplicated{notes}", flush=True)
    if server_errors or lost or duplicated:
        failures.append(name)


def restart(node):
    log = open(os.path.join(work, f"node-{node}.log"), "a")
    env = {**os.environ, "JIUZHU_BIND": f"127.0.0.1:{first_port + node}",
           "JIUZHU_AUDIT_CHECKPOINT_FILE": os.path.join(work, f"checkpoints-{node}.ndjson")}
    pid = subprocess.Popen([binary, "serve", "--demo"], stdout=log, stderr=log, env=env).pid
    open(os.path.join(work, f"node-{node}.pid"), "w").write(str(pid))


# 0. Three nodes start together on a fresh database ----------------------------
started = time.time()
up = [ready(i) for i in range(3)]
report("start_together", 3, 0, lost=up.count(False), seconds=round(time.time() - started, 1))
if not all(up):
    sys.exit(1)
admin = login()

# 1. The feed: writers through every node, one node killed and restarted ------
def follow(token, cursor, seen):
    """Reads the feed on node 0 from `cursor` to its tail; appends what it reads."""
    while True:
        query = f"/api/v1/events?type=beneficiary.created&limit=500" + (f"&after={cursor}" if cursor else "")
        status, page, _ = call("GET", query, token, node=0)
        if status != 200:
            raise SystemExit(f"the feed answered {status}: {page}")
        seen.extend(event["subject_id"] for event in page["items"])
        cursor = page["next_cursor"]
        if not page["items"]:
            return cursor


created, feed_5xx, feed_requests, lock = [], [0], [0], threading.Lock()
writer_tokens = [login() for _ in range(WRITERS)]


def writer(w):
    for n in range(w, EVENTS, WRITERS):
        while True:
            status, body, _ = call("POST", "/api/v1/beneficiaries", writer_tokens[w], person(n))
            with lock:
                feed_requests[0] += 1
                if status is not None and status >= 500:
                    feed_5xx[0] += 1
            if status == 201:
                with lock:
                    created.append(body["id"])
                break
            if status == 409:  # made by a request whose node died before it answered
                break
            time.sleep(0.05)


seen, cursor, stop = [], None, threading.Event()


def reader():
    global cursor
    while not stop.is_set():
        cursor = follow(admin, cursor, seen)
        time.sleep(0.05)


reading = threading.Thread(target=reader)
reading.start()
with concurrent.futures.ThreadPoolExecutor(WRITERS + 1) as pool:
    writing = [pool.submit(writer, w) for w in range(WRITERS)]
    while len(created) < EVENTS // 3:
        time.sleep(0.05)
    victim = int(open(os.path.join(work, "node-2.pid")).read())
    os.kill(victim, signal.SIGKILL)
    killed_at = len(created)
    time.sleep(1)
    restart(2)
    restarted = ready(2)
    for future in writing:
        future.result()
stop.set()
reading.join()
cursor = follow(admin, cursor, seen)
report("feed_across_nodes", feed_requests[0], feed_5xx[0], lost=len(set(created) - set(seen)), duplicated=len(seen) - len(set(seen)),
       events=len(created), killed_after=killed_at, restarted=restarted)

# 2. If-Match: one winner among concurrent updates through every node ---------
_, record, _ = call("POST", "/api/v1/beneficiaries", admin, person(900_001))
updates = [{"phone": f"1390000{n:04d}"} for n in range(30)]
with concurrent.futures.ThreadPoolExecutor(30) as pool:
    answers = list(pool.map(lambda body: call("PATCH", f"/api/v1/beneficiaries/{record['id']}", admin, body, headers={"If-Match": '"1"'})[0], updates))
winners = answers.count(200)
report("if_match", len(answers), sum(1 for s in answers if s is None or s >= 500), duplicated=max(winners - 1, 0), winners=winners,
       precondition_failed=answers.count(412))
if winners != 1:
    failures.append("if_match")

# 3. Idempotency-Key: one record for concurrent retries through every node ----
key = str(uuid.uuid4())
with concurrent.futures.ThreadPoolExecutor(20) as pool:
    replies = list(pool.map(lambda _: call("POST", "/api/v1/beneficiaries", admin, person(900_002), headers={"Idempotency-Key": key}), range(20)))
ids = {body["id"] for status, body, _ in replies if status == 201}
report("idempotency", len(replies), sum(1 for s, _, _ in replies if s is None or s >= 500), duplicated=max(len(ids) - 1, 0),
       records=len(ids), in_flight_409=sum(1 for s, _, _ in replies if s == 409))

# 4. The same person registered concurrently: one 201, the rest 409 -----------
with concurrent.futures.ThreadPoolExecutor(20) as pool:
    statuses = list(pool.map(lambda _: call("POST", "/api/v1/beneficiaries", admin, person(900_003))[0], range(20)))
report("identical_creates", len(statuses), sum(1 for s in statuses if s is None or s >= 500), duplicated=max(statuses.count(201) - 1, 0),
       created=statuses.count(201), conflicts=statuses.count(409))

# 5. The login lock-out counts failures across nodes ---------------------------
call("POST", "/api/v1/users", admin, {"username": "cluster.target", "display_name": "x", "role": "auditor", "region_code": "640202",
                                      "password": "password-1234"})
with concurrent.futures.ThreadPoolExecutor(30) as pool:
    tries = list(pool.map(lambda _: call("POST", "/api/v1/auth/token", body={"grant_type": "password", "username": "cluster.target",
                                                                             "password": "wrong-password-1"})[0], range(30)))
checked = tries.count(401)
report("lockout", len(tries), sum(1 for s in tries if s is None or s >= 500), duplicated=max(checked - LOCKOUT_LIMIT, 0),
       checked=checked, locked=tries.count(429))

# 6. A token's rate limit holds for the cluster --------------------------------
limited = login()
sent = TOKEN_LIMIT * 2
# Limits count per calendar minute: start where the run cannot cross into
# the next one, whose fresh window would admit a second limit's worth.
if time.time() % 60 > 30:
    time.sleep(60.5 - time.time() % 60)
began = time.time()
with concurrent.futures.ThreadPoolExecutor(12) as pool:
    answered = list(pool.map(lambda _: call("GET", "/api/v1/me", limited)[0], range(sent)))
rate = sent / (time.time() - began)
admitted = answered.count(200)
# The nodes learn of each other's hits at their syncs (every 250 ms), so the
# cluster may overrun by what it admits in about one sync and its round trip.
allowed_overrun = int(rate * 0.5)
report("rate_limit", sent, sum(1 for s in answered if s is None or s >= 500), duplicated=max(admitted - TOKEN_LIMIT - allowed_overrun, 0),
       admitted=admitted, limit=TOKEN_LIMIT, refused=answered.count(429), req_per_s=round(rate), allowed_overrun=allowed_overrun)

# 7. The audit chain verifies after all of it ---------------------------------
status, chain, _ = call("GET", "/api/v1/audit-events/verify", admin, node=1)
report("audit_chain", 1, 0 if status == 200 else 1, lost=0 if chain and chain["valid"] else 1, rows_checked=chain.get("checked", 0) if chain else 0)

os.makedirs("cluster/results", exist_ok=True)
json.dump(results, open("cluster/results/latest.json", "w"), indent=2)
if failures:
    raise SystemExit(f"failed: {', '.join(failures)}")
