# Polybot — the two commands: `make run` (demo) and `make test`. Both install what is missing first.
SWIFT      ?= swift
BIN_DEBUG  := $(shell $(SWIFT) build --show-bin-path 2>/dev/null)
BIN_RELEASE = $(shell $(SWIFT) build -c release --show-bin-path 2>/dev/null)
PORT       ?= 8080

.PHONY: deps build test run bench clean

deps:
	@scripts/ensure-deps.sh

build: deps
	$(SWIFT) build

## Unit + integration tests (real PostgreSQL started by the harness), then the binary's end-to-end smoke checks.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	scripts/serve-smoke.sh "$(BIN_DEBUG)/polybot"

## The demo: builds, starts the embedded database, migrates and serves on http://127.0.0.1:$(PORT).
run: build
	$(BIN_DEBUG)/polybot migrate
	@echo "Polybot: http://127.0.0.1:$(PORT)/health  /ready  /metrics   (Ctrl-C stops it and the embedded database)"
	$(BIN_DEBUG)/polybot serve --port $(PORT)

## Benchmarks (release build; prints figures against their targets). Not part of `make test`.
bench: deps
	$(SWIFT) build -c release --product polybot-bench
	$(BIN_RELEASE)/polybot-bench all

clean:
	rm -rf .build .polybot
