#!/usr/bin/env bash
# Runs every Go fuzz target for $FUZZTIME (default 5s). Crashers are saved by
# the Go tool under testdata/fuzz and then run as regression cases by go test.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-5s}
status=0
while IFS= read -r line; do
  file=${line%%:*}
  name=$(sed -E 's/^.*func (Fuzz[A-Za-z0-9_]+).*/\1/' <<<"$line")
  pkg=./$(dirname "$file")
  echo "fuzz: $pkg $name ($FUZZTIME)"
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$pkg" >/tmp/fuzz-$name.log 2>&1; then
    echo "FAIL: fuzz $name"; tail -30 /tmp/fuzz-$name.log; status=1
  fi
done < <(grep -rEn --include='*_test.go' '^func Fuzz[A-Za-z0-9_]+\(' internal | sed -E 's/:[0-9]+:/:/')
exit $status
