# OpenClaw gateway (Go). `make run` starts the gateway on embedded defaults;
# `make test` runs every test (what CI runs).
GO       ?= go
VERSION  ?= $(shell git describe --tags --dirty 2>/dev/null || echo 0.1.0-dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS  := -s -w -X github.com/openclaw/openclaw-go/internal/version.version=$(VERSION) \
            -X github.com/openclaw/openclaw-go/internal/version.commit=$(COMMIT)

.PHONY: build install run test test-go fuzz soak bench bench-go fmt vet clean

# CGO_ENABLED=0: nothing needs cgo (the SQLite driver is pure Go), and a
# static binary starts about 1-2 ms faster (no dynamic loader) and runs anywhere.
# Two binaries, always installed side by side: openclaw, a small launcher that
# answers --version and `config` itself (about 10 ms), and openclaw-gateway,
# the whole program, which the launcher execs for every other command.
build: ## build bin/openclaw and bin/openclaw-gateway (static)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/ ./cmd/openclaw ./cmd/openclaw-gateway

install: ## install openclaw and openclaw-gateway into $(go env GOBIN) (or ~/go/bin)
	CGO_ENABLED=0 $(GO) install -trimpath -ldflags '$(LDFLAGS)' ./cmd/openclaw ./cmd/openclaw-gateway

run: build ## run the gateway on 127.0.0.1:18789 (first run writes ~/.openclaw/openclaw.json)
	./bin/openclaw gateway

test: ## every test: vet, unit, end-to-end against the real binary, real-client (Node SDK), short fuzz
	./scripts/test.sh

test-go: ## Go tests only
	$(GO) test ./...

fuzz: ## each fuzz target for 5 minutes
	FUZZTIME=5m ./scripts/fuzz.sh

SOAK ?= 10m
soak: ## fault-injection soak against the real binary: 64 clients for $(SOAK) (default 10m)
	OPENCLAW_SOAK_DURATION=$(SOAK) $(GO) test -count=1 -timeout 0 -run '^TestSoakWithUpstreamFaults$$' -v ./e2e/

bench: ## load harness: mock upstream, bare relay and gateway; writes bench/results/<date>.md (about 8 minutes, up to 6 more after mass file deletions)
	$(GO) run ./bench/cmd/matrix -out bench/results

bench-go: ## Go micro-benchmarks of the hot path (auth, decode, SSE chunk, session append)
	$(GO) test -run '^$$' -bench . -benchmem ./internal/...

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	$(GO) vet ./...

clean:
	rm -rf bin
