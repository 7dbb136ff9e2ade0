# Polybot — the two commands: `make run` (demo) and `make test`. Both install what is missing first.
SWIFT      ?= swift
BIN_DEBUG  := $(shell $(SWIFT) build --show-bin-path 2>/dev/null)
BIN_RELEASE = $(shell $(SWIFT) build -c release --show-bin-path 2>/dev/null)
PORT       ?= 8080

.PHONY: deps build test lint format run bench soak image-check clean screenshot

deps:
	@scripts/ensure-deps.sh

build: deps
	$(SWIFT) build

## The toolchain's formatter, with the checked-in .swift-format: `make lint` checks, `make format` rewrites.
FORMAT_PATHS := Package.swift Sources Tests Benchmarks
## `make lint` also checks the one-clock rule (scripts/lint-clock.sh), that Store owns SQL (scripts/lint-sql.sh), and
## the layers (scripts/lint-layers.sh: no simulator in `polybot`, the API through ports, no file over 400 lines).
lint:
	$(SWIFT) format lint --strict --recursive --parallel $(FORMAT_PATHS)
	scripts/lint-clock.sh
	scripts/lint-sql.sh
	scripts/lint-layers.sh
	@# The dashboard's scripts parse, together in the page's order (they share one global scope), with node when the
	@# machine has it; the browser tests load them either way.
	@if command -v node >/dev/null 2>&1; then \
	  mkdir -p .build && cat $$(grep -o 'src="[a-z]*\.js"' dashboard-static/index.html | sed 's/src="\(.*\)"/dashboard-static\/\1/') \
	    > .build/dashboard-scripts.js && node --check .build/dashboard-scripts.js && echo "dashboard scripts: syntax ok"; \
	else echo "dashboard scripts: node not installed, syntax left to the browser tests"; fi

format:
	$(SWIFT) format --in-place --recursive --parallel $(FORMAT_PATHS)

## Lint, unit + integration tests (real PostgreSQL started by the harness), then the binary's end-to-end smoke checks.
test: deps lint
	$(SWIFT) build --build-tests
	@# The pure unit layer first (seconds; no database, no process), then everything else (suites that start
	@# processes are tagged `spawnsProcesses`) but the soak, which is `make soak`'s.
	$(SWIFT) test --skip-build --filter PolybotCoreTests
	$(SWIFT) test --skip-build --skip 'PolybotCoreTests|SoakTests'
	scripts/serve-smoke.sh "$(BIN_DEBUG)/polybot"

## The demo: builds, starts polymarket-sim (replaying ../shared/data or a generated history) and polybot on the
## embedded database, in paper mode, pointed at the simulator. Ctrl-C stops everything.
run: build
	PORT=$(PORT) scripts/run-demo.sh "$(BIN_DEBUG)"

## Benchmarks (release build; prints figures against their targets). Not part of `make test`.
bench: deps
	@command -v wrk >/dev/null 2>&1 || { echo "installing wrk"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(SWIFT) build -c release --product polybot-bench
	$(BIN_RELEASE)/polybot-bench all --write docs/benchmarks.md

## Fault soak (issue 14; about 11 minutes, not part of `make test`): 50 SIGTERMs of `serve` during a replay, 10 kill -9
## during live orders, a 95 s database outage and a 15 s silent stall during a replay; and the 2022 midterms read from the
## simulator's chain give the recorded file's signals (issue 30). Prints `soak:` and `chain parity:` lines.
soak: deps
	$(SWIFT) build --build-tests
	POLYBOT_SOAK=1 $(SWIFT) test --skip-build --filter SoakTests > .build/soak.log 2>&1; rc=$$?; \
	  grep -E '^soak:|^chain parity:|✘|Test run' .build/soak.log; echo "full log: .build/soak.log"; exit $$rc

## The container's runtime stage without a Docker engine: the static release binary and only the files
## deploy/Dockerfile copies, in a fresh root, as a non-root user, repository and toolchain hidden, on the embedded database.
image-check: deps
	scripts/runtime-image-check.sh

clean:
	rm -rf .build .polybot

## docs/dashboard.png (the README's picture): taken by the browser test of the dashboard workstation.
screenshot: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --filter DashboardWorkstationTests
	cp .build/test-artifacts/workstation-overview.png docs/dashboard.png
