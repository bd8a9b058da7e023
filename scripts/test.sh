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

# The reliability and security tests (e2e) write their figures here; they
# are printed at the end. The soak runs 64 clients for 60 s in CI.
export OPENCLAW_SUITE_REPORT=${OPENCLAW_SUITE_REPORT:-/tmp/openclaw-suite-report.txt}
export OPENCLAW_SOAK_DURATION=${OPENCLAW_SOAK_DURATION:-60s}
rm -f "$OPENCLAW_SUITE_REPORT"

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
  echo "fuzz     targets=$(grep -rEh --include='*_test.go' '^func Fuzz[A-Za-z0-9_]+\(' internal | wc -l) each=${FUZZTIME:-3s} crashers=0" >> "$OPENCLAW_SUITE_REPORT"
fi

stage "reliability and security figures"
cat "$OPENCLAW_SUITE_REPORT" 2>/dev/null || echo "(no figures: the e2e tests did not run)"

stage "done: $passed Go packages passed"
