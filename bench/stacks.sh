#!/usr/bin/env bash
# Below the relay (issue #6): how much of the bare relay's cost is net/http's
# Server and Transport machinery rather than the work any relay must do.
# Runs the stdlib relay, `relay -stack lean` (no net/http Server or
# Transport, their parsers kept), `relay -stack lean-client` (stdlib server,
# lean upstream side), `relay -stack fasthttp` (the same relay on the
# valyala/fasthttp library's server and client) and, when given, a gateway,
# all pinned as the matrix pins them, against one mock; short rounds alternate between them. Prints
# the median server CPU per request and p50 latency (TTFB for streams) of
# each, per cell, as a markdown table.
#
# With a third argument `awake`, the stdlib relay and the gateway also run a
# second time with GODEBUG=schedtrace=2147483647 ("+awake"): the only switch
# that keeps the Go runtime's monitor thread (sysmon) out of its deep sleep,
# so that it naps 10 ms at a time instead of being woken by the first
# system call after every idle spell and polling every 20 µs after that
# (see results/2026-11-26-stacks.md for what that costs on this VM).
#
#   bench/stacks.sh [gateway-binary] [rounds] [awake]
#   bench/stacks.sh bin/openclaw-gateway 5 awake
set -euo pipefail
GW=${1:-}
if [ -n "$GW" ]; then
  [ -x "$GW" ] || { echo "stacks: $GW is not an executable (an openclaw-gateway or openclaw binary)" >&2; exit 2; }
  GW=$(realpath "$GW")
fi
ROUNDS=${2:-5}
AWAKE=${3:-}
[ -z "$AWAKE" ] || [ "$AWAKE" = awake ] || { echo "stacks: third argument: awake or nothing" >&2; exit 2; }
awake_env=GODEBUG=schedtrace=2147483647
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init stacks
echo "stacks: building the mock, the relay and the load generator" >&2
go build -o "$work/" ./bench/cmd/mockupstream ./bench/cmd/relay ./bench/cmd/loadgen
start_mock

declare -A url pid
for stack in stdlib lean lean-client fasthttp; do
  "${server[@]}" "$work/relay" -stack "$stack" -addr 127.0.0.1:0 -upstream "$upstream" -token "$token" >"$work/$stack.out" 2>&1 &
  pids+=($!); pid[$stack]=$!
  url[$stack]=$(first_line "$work/$stack.out")
done
targets=(stdlib lean lean-client fasthttp)
if [ -n "$AWAKE" ]; then
  env "$awake_env" "${server[@]}" "$work/relay" -addr 127.0.0.1:0 -upstream "$upstream" -token "$token" >"$work/awake.out" 2>&1 &
  pids+=($!); pid[stdlib+awake]=$!
  url[stdlib+awake]=$(first_line "$work/awake.out")
  targets+=(stdlib+awake)
fi
add_gateway() { # name [VAR=value...]
  local name=$1
  shift
  start_gateway "$name" "$GW" "$@"
  pid[$name]=$gw_pid url[$name]=$gw_url
  targets+=("$name")
}
if [ -n "$GW" ]; then
  add_gateway gateway
  [ -z "$AWAKE" ] || add_gateway gateway+awake "$awake_env"
fi

echo "stacks: ${#targets[@]} servers, $ROUNDS rounds of 1 s per cell" >&2
for mode in nonstream stream; do
  for c in 1 8 64; do
    for r in $(seq "$ROUNDS"); do
      n=${#targets[@]}
      for k in $(seq 0 $((n - 1))); do
        t=${targets[$(((k + r) % n))]}
        flags=(-c "$c"); [ $mode = stream ] && flags+=(-stream)
        "${load[@]}" "$work/loadgen" -url "${url[$t]}/v1/chat/completions" -token "$token" -d 1s -warmup 200ms \
          -pids "srv=${pid[$t]},mock=$mockpid" "${flags[@]}" >"$work/r-$mode-$c-$t-$r.json"
      done
    done
    echo "stacks: $mode c=$c done" >&2
  done
done
python3 - "$work" "$ROUNDS" "${targets[@]}" <<'PY'
import json, statistics as st, sys
work, rounds, targets = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
print("| mode | c | server | CPU/request µs | vs stdlib | p50 µs | TTFB p50 µs | mock CPU/request µs |")
print("|---|---|---|---|---|---|---|---|")
for mode in ("nonstream", "stream"):
    for c in (1, 8, 64):
        base = None
        for t in targets:
            rs = [json.load(open(f"{work}/r-{mode}-{c}-{t}-{r}.json")) for r in range(1, rounds + 1)]
            cpu = st.median(r["procs"]["srv"]["cpu_per_request_us"] for r in rs)
            mock = st.median(r["procs"]["mock"]["cpu_per_request_us"] for r in rs)
            p50 = st.median(r["latency"]["p50_us"] for r in rs)
            ttfb = st.median(r["ttfb"]["p50_us"] for r in rs) if mode == "stream" else None
            errs = sum(r["errors"] for r in rs)
            base = base or cpu
            print(f"| {mode} | {c} | {t} | {cpu:.0f} | {cpu/base:.2f}× | {p50:.0f} | {'' if ttfb is None else f'{ttfb:.0f}'} | {mock:.0f} |" + (f" errors {errs}" if errs else ""))
PY
