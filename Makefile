# The verbs people type. Every target works on a fresh clone.
CARGO ?= cargo
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_CMD = $(CARGO) test --workspace --locked --no-fail-fast

.PHONY: run test test-pg lint fmt openapi openapi-check contract-check client-scenario fuzz-api fuzz-api-ci fuzz test-faults test-cluster print-check bench build

## Build, migrate and serve on the embedded SQLite default, with demo data.
run:
	$(CARGO) run --locked --bin jiuzhu -- serve --demo

build:
	$(CARGO) build --locked --workspace --all-targets

## The whole suite: unit tests and the HTTP integration tests (SQLite unless
## JIUZHU_TEST_DATABASE_URL names a PostgreSQL server).
test:
	$(TEST_CMD)

## The same suite on PostgreSQL.
test-pg:
	JIUZHU_TEST_DATABASE_URL=$(PG_TEST_URL) $(TEST_CMD)

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

## Regenerate the committed contract from the code.
openapi:
	$(CARGO) run --locked -q --bin jiuzhu -- openapi > openapi/openapi.json

## Fail when the committed contract differs from the code.
openapi-check:
	$(CARGO) run --locked -q --bin jiuzhu -- openapi | diff -u openapi/openapi.json - > /dev/null || { echo "openapi/openapi.json is out of date: run \`make openapi\`"; exit 1; }

## Prove the committed contract usable: Redocly lint with zero errors, then a
## TypeScript client generated from it and type-checked (needs Node.js and npm).
contract-check:
	cd openapi/check && npm ci --no-audit --no-fund --loglevel=error
	cd openapi/check && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npm run --silent check

## A whole scenario through the generated TypeScript client against a demo server (after contract-check).
client-scenario:
	$(CARGO) build --locked --bin jiuzhu
	bash scripts/client-scenario.sh

FUZZ_PG_URL ?= postgres://postgres@127.0.0.1:5432/jiuzhu_fuzz

## Contract fuzzing with every schemathesis check (needs `pip install schemathesis==4.32.5`).
fuzz-api:
	$(CARGO) build --locked --bin jiuzhu
	bash scripts/fuzz-api.sh

## The CI fuzzing run: every check (schemathesis's and the hook's), on
## SQLite and on PostgreSQL.
fuzz-api-ci:
	$(CARGO) build --locked --bin jiuzhu
	FUZZ_CHECKS=all bash scripts/fuzz-api.sh
	psql "$(dir $(FUZZ_PG_URL))postgres" -tc "SELECT 1 FROM pg_database WHERE datname='jiuzhu_fuzz'" | grep -q 1 || psql "$(dir $(FUZZ_PG_URL))postgres" -qc "CREATE DATABASE jiuzhu_fuzz"
	FUZZ_CHECKS=all JIUZHU_FUZZ_DATABASE_URL=$(FUZZ_PG_URL) bash scripts/fuzz-api.sh

## cargo-fuzz on the parsers people feed us (ID numbers, credit codes,
## import rows, cursors), FUZZ_SECONDS each (default 60). Stable Rust runs
## libFuzzer with RUSTC_BOOTSTRAP=1 and no sanitizer.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = citizen_id credit_code import_row cursor
fuzz:
	command -v cargo-fuzz >/dev/null || $(CARGO) install --locked cargo-fuzz
	cd fuzz && for target in $(FUZZ_TARGETS); do \
		RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run --sanitizer none -O $$target -- -max_total_time=$(FUZZ_SECONDS) || exit 1; \
	done

## Fault injection against a real process: kill -9 mid-import, SIGTERM under load.
test-faults:
	$(CARGO) build --locked --bin jiuzhu
	bash faults/run.sh

## The pilot summary printed to an A4 PDF by headless Chromium and checked
## (pages, header, page numbers, sections, figures); needs chromium,
## poppler-utils and a CJK font. PRINT_PNG_DIR=docs/pilot-summary refreshes the page images.
print-check:
	$(CARGO) build --locked --bin jiuzhu
	bash scripts/pilot-print.sh

## Three nodes on one fresh PostgreSQL database, started together, one of
## them killed and restarted mid-way: one line per scenario with requests,
## 5xx, lost and duplicated (needs PostgreSQL on 127.0.0.1:5432).
test-cluster:
	$(CARGO) build --locked --bin jiuzhu
	bash cluster/run.sh

## Benchmarks on a release build (PostgreSQL required); results in bench/results/.
bench:
	bash bench/run.sh
