# Two commands matter: `make run` and `make test` (see README.md).
SHELL := /bin/bash
GO ?= go
NPM ?= npm

GO_SOURCES := $(shell find . -name '*.go' -not -path './frontend/node_modules/*' -not -path './.data/*') go.mod go.sum $(wildcard infra/migrations/*.sql)
FRONTEND_SOURCES := $(shell find frontend/src frontend/public frontend/scripts -type f 2>/dev/null) \
	frontend/index.html frontend/vite.config.ts frontend/package.json api/openapi.yaml

.PHONY: run test build deps test-deps openapi bench bench-appeals clean

run: deps bin/fengqiao
	bin/fengqiao dev

build: bin/fengqiao

bin/fengqiao: frontend/dist/index.html $(GO_SOURCES)
	$(GO) build -o $@ ./cmd/fengqiao

deps:
	@if [ -z "$$DATABASE_URL" ]; then infra/install-deps.sh; fi

test-deps:
	@infra/install-deps.sh --browser

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && $(NPM) ci --no-audit --no-fund --loglevel=error

frontend/dist/index.html: frontend/node_modules/.package-lock.json $(FRONTEND_SOURCES)
	cd frontend && $(NPM) run build

# Go vet, the Go tests (real PostgreSQL and Kratos started by the harness,
# the browser tests in Debian's chromium), then the frontend unit tests.
# Kratos's own tests run first and alone: on a fresh machine they build
# Kratos from source (minutes), which every later test binary then reuses.
test: test-deps frontend/dist/index.html
	@unformatted=$$("$$($(GO) env GOROOT)/bin/gofmt" -l $(filter %.go,$(GO_SOURCES))); \
		if [ -n "$$unformatted" ]; then echo "gofmt wants to change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -count=1 ./infra/kratoslocal/
	FENGQIAO_E2E=1 $(GO) test -count=1 $$($(GO) list ./... | grep -v /infra/kratoslocal)
	cd frontend && $(NPM) test

openapi:
	$(GO) run ./cmd/fengqiao openapi > api/openapi.yaml

# Benchmarks, each beside its baseline in the same run.
bench: test-deps frontend/dist/index.html
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...

# Residents' appeal submission under rising load, on its own throwaway
# cluster (it adds thousands of cases): throughput, p50 and p99 per rate.
bench-appeals: deps bin/fengqiao
	rm -rf .data/load
	FENGQIAO_DATA_DIR=.data/load FENGQIAO_ADDR=127.0.0.1:0 bin/fengqiao loadtest $(LOADTEST_FLAGS)
	rm -rf .data/load

clean:
	rm -rf bin frontend/dist
