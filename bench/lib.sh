# Shared by bench/ab.sh and bench/stacks.sh (sourced, not run): the work
# directory, pinning, the mock upstream and gateways, started as the matrix
# starts them.

# bench_init NAME: a work directory under $TMPDIR, removed with every process
# started through it on exit; load and server are the taskset prefixes that
# pin as the matrix does (mock and load generator on CPU 0, the servers on
# CPU 1, GOMAXPROCS 1 then) when the machine has two CPUs or more.
bench_init() {
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  work=$(mktemp -d "${TMPDIR:-/tmp}/openclaw-$1.XXXXXX")
  pids=()
  trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
  load=() server=()
  if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then load=(taskset -c 0) server=(taskset -c 1); fi
  token=$1-$RANDOM$RANDOM
}

# first_line FILE: waits up to 5 s for the first line a process prints (its
# base URL) and prints it.
first_line() {
  for _ in $(seq 50); do [ -s "$1" ] && break; sleep 0.1; done
  head -1 "$1"
}

# start_mock: starts the mock upstream (built into $work) on the load CPU;
# sets upstream (its base URL) and mockpid.
start_mock() {
  "${load[@]}" "$work/mockupstream" -addr 127.0.0.1:0 >"$work/mock.out" 2>&1 &
  mockpid=$!
  pids+=("$mockpid")
  upstream=$(first_line "$work/mock.out")
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_gateway NAME BINARY [VAR=value...]: starts `BINARY gateway` on the
# server CPU with its own state directory, the chat endpoint on and the
# default model on the mock, without the caller's Go runtime settings (but
# with the given variables), and waits for /readyz; sets gw_pid and gw_url.
# With an openclaw launcher the process that serves is the exec'd gateway:
# the same pid.
start_gateway() {
  local dir=$work/$1 bin=$2 port
  shift 2
  port=$(free_port)
  mkdir -p "$dir"
  cat >"$dir/openclaw.json" <<JSON
{ gateway: { mode: "local", port: $port, bind: "loopback", auth: { mode: "token", token: "$token" },
             http: { endpoints: { chatCompletions: { enabled: true } } } },
  agents: { defaults: { model: "mock/mock-model" } },
  models: { providers: { mock: { baseUrl: "$upstream", api: "openai-completions", models: [{ id: "mock-model" }] } } } }
JSON
  env -u GOGC -u GOMEMLIMIT -u GOMAXPROCS -u GODEBUG OPENCLAW_STATE_DIR="$dir" HOME="$dir" "$@" \
    "${server[@]}" "$(realpath "$bin")" gateway >"$dir/log" 2>&1 &
  gw_pid=$!
  pids+=("$gw_pid")
  gw_url=http://127.0.0.1:$port
  for _ in $(seq 100); do curl -fs -o /dev/null "$gw_url/readyz" && return; sleep 0.1; done
  echo "bench: the gateway $1 did not answer /readyz; its log:" >&2
  tail -20 "$dir/log" >&2
  return 1
}
