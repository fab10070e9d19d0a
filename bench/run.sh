#!/usr/bin/env bash
# `make bench`: builds the release binary once and runs every benchmark,
# writing bench/results/*.json. Needs PostgreSQL on 127.0.0.1:5432.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --bin jiuzhu
bash bench/needs_summary.sh
bash bench/batch_matching.sh
bash bench/export_memory.sh
bash bench/import_throughput.sh
python3 - <<'PY'
import glob, json
latest = {path.split("/")[-1][:-5]: json.load(open(path)) for path in sorted(glob.glob("bench/results/*.json")) if not path.endswith("latest.json")}
json.dump(latest, open("bench/results/latest.json", "w"), indent=2)
print("wrote bench/results/latest.json")
PY
