#!/usr/bin/env bash
# A/B test of two gateway builds on this machine, for changes too small for
# the matrix to see through the VM's drift (a few percent of CPU): both
# gateways run at once on the same CPU against one mock, and short rounds of
# load alternate between them, so that drift reaches both alike. Prints the
# median CPU per request and p50 latency of each, and in how many rounds B
# used less CPU than A.
#
#   bench/ab.sh <gateway-A> <gateway-B> [rounds] [-- loadgen flags]
#   bench/ab.sh /tmp/old/openclaw-gateway bin/openclaw-gateway 10 -- -c 8 -user u
#
# The gateways are openclaw-gateway binaries (or openclaw launchers with
# openclaw-gateway beside them). Default loadgen flags: -c 8 (non-stream,
# stateless); with -user each round uses fresh session names. The state
# directories go under $TMPDIR (default /tmp); TMPDIR=/dev/shm keeps the
# file system's cost of creating session files out of a -user comparison.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,16p' "$0"; exit 2; }
A=$(realpath "$1") B=$(realpath "$2"); shift 2
ROUNDS=10
if [ $# -gt 0 ] && [ "$1" != "--" ]; then ROUNDS=$1; shift; fi
[ "${1:-}" = "--" ] && shift
LOADGEN_ARGS=("$@")
[ ${#LOADGEN_ARGS[@]} -gt 0 ] || LOADGEN_ARGS=(-c 8)
for bin in "$A" "$B"; do [ -x "$bin" ] || { echo "ab: $bin is not an executable" >&2; exit 2; }; done
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init ab
echo "ab: building the mock and the load generator" >&2
go build -o "$work/" ./bench/cmd/mockupstream ./bench/cmd/loadgen
start_mock
start_gateway A "$A"; pidA=$gw_pid portA=${gw_url##*:}
start_gateway B "$B"; pidB=$gw_pid portB=${gw_url##*:}

round() { # name port pid round
  local args=("${LOADGEN_ARGS[@]}")
  for i in "${!args[@]}"; do [ "${args[$i]}" = "-user" ] && args[$((i + 1))]="${args[$((i + 1))]}-$4$1"; done
  "${load[@]}" "$work/loadgen" -url "http://127.0.0.1:$2/v1/chat/completions" -token "$token" \
    -d 1s -warmup 200ms -pids "gw=$3" "${args[@]}" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["procs"]["gw"]["cpu_per_request_us"], d["latency"]["p50_us"], d["errors"])'
}
echo "ab: $ROUNDS rounds of 1 s each, loadgen ${LOADGEN_ARGS[*]}" >&2
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then first=A; else first=B; fi
  for t in $first $([ $first = A ] && echo B || echo A); do
    if [ $t = A ]; then echo "$r $(round A "$portA" "$pidA" "$r")" >>"$work/rounds-A"; else echo "$r $(round B "$portB" "$pidB" "$r")" >>"$work/rounds-B"; fi
  done
done
python3 - "$work/rounds-A" "$work/rounds-B" "$A" "$B" <<'EOF'
import statistics as st, sys
a = {int(l.split()[0]): list(map(float, l.split()[1:])) for l in open(sys.argv[1])}
b = {int(l.split()[0]): list(map(float, l.split()[1:])) for l in open(sys.argv[2])}
for name, rows, path in (("A", a, sys.argv[3]), ("B", b, sys.argv[4])):
    cpu = [r[0] for r in rows.values()]
    print(f"{name}: CPU/request median {st.median(cpu):.1f} µs, p50 median {st.median(r[1] for r in rows.values()):.0f} µs, "
          f"errors {int(sum(r[2] for r in rows.values()))}  ({path})")
wins = sum(1 for r in a if b[r][0] < a[r][0])
ratio = st.median(r[0] for r in b.values()) / st.median(r[0] for r in a.values())
print(f"B/A CPU {ratio:.3f}; B used less CPU in {wins} of {len(a)} rounds")
EOF
