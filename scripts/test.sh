#!/usr/bin/env bash
# The whole test suite: what `make test` and CI run.
#   1. gofmt and go vet
#   2. Go tests (unit, end-to-end against the real binary on loopback)
#   3. real-client tests with the official OpenAI Node SDK (installs Node deps)
#   4. every fuzz target for a few seconds
# Set SKIP_SERVICES=1, SKIP_NODE=1 or SKIP_FUZZ=1 to leave a stage out
# locally (without services the PostgreSQL/Redis tests skip, saying why).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=${GOFLAGS:-}
start=$(date +%s)
stage() { printf '\n== %s (%ss)\n' "$1" "$(( $(date +%s) - start ))"; }

stage "gofmt + go vet"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt needed:"; echo "$unformatted"; exit 1; fi
go vet ./...

stage "services: PostgreSQL and Redis on loopback (installed from Debian when missing)"
if [ -z "${SKIP_SERVICES:-}" ]; then
  eval "$(scripts/services.sh env)"
fi

stage "go test"
go test -count=1 -timeout 20m ./... 2>&1 | tee /tmp/openclaw-go-test.log
passed=$(grep -c '^ok ' /tmp/openclaw-go-test.log || true)

if [ -z "${SKIP_NODE:-}" ] && [ -f e2e/node/package.json ]; then
  stage "real client: OpenAI Node SDK"
  ./e2e/node/run.sh
fi

if [ -z "${SKIP_FUZZ:-}" ]; then
  stage "fuzz (short)"
  FUZZTIME=${FUZZTIME:-3s} ./scripts/fuzz.sh
fi

stage "done: $passed Go packages passed"
