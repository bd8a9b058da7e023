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
  log=$(mktemp)
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$pkg" >"$log" 2>&1; then
    # A crasher is written to testdata/fuzz and named in the log. Anything
    # else (the fuzz coordinator timing out on a busy machine) is not a
    # finding: say so and go on.
    if grep -q 'Failing input written to' "$log"; then
      echo "FAIL: fuzz $name found a crasher"; tail -40 "$log"; status=1
    else
      echo "warning: fuzz $name stopped without a finding:"; tail -5 "$log"
    fi
  fi
  rm -f "$log"
done < <(grep -rEn --include='*_test.go' '^func Fuzz[A-Za-z0-9_]+\(' internal | sed -E 's/:[0-9]+:/:/')
exit $status
