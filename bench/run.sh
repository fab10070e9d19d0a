#!/usr/bin/env bash
# `make bench`: builds the release binaries once (jiuzhu, the load generator
# and the raw baseline, in one cargo run so they share one dependency
# build), runs every benchmark, and writes bench/results/*.json,
# bench/results/latest.json and the table bench/results/latest.md
# (bench/report.py).
# Needs PostgreSQL on 127.0.0.1:5432.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
cargo build --release --locked -p jiuzhu-api -p jiuzhu-bench
bash bench/needs_summary.sh
bash bench/batch_matching.sh
bash bench/export_memory.sh
bash bench/import_throughput.sh
bash bench/load_scenarios.sh
bash bench/write_throughput.sh
python3 bench/report.py "$started"
