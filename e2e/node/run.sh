#!/usr/bin/env bash
# Real-client test: the official OpenAI Node SDK against the real gateway
# binary, backed by the deterministic mock upstream (bench/cmd/mockupstream).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$here"
if ! command -v node >/dev/null; then
  echo "node not found: installing Debian's nodejs and npm"
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
npm ci --no-audit --no-fund --loglevel=error

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

(cd "$root" && go build -o "$work/" ./cmd/openclaw ./cmd/openclaw-gateway && go build -o "$work/mockupstream" ./bench/cmd/mockupstream)
"$work/mockupstream" -addr 127.0.0.1:0 >"$work/mock.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/mock.out" ] && break; sleep 0.05; done
upstream=$(head -1 "$work/mock.out")
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' 2>/dev/null || echo 18999)
token=node-e2e-$(date +%s%N)
cat >"$work/openclaw.json" <<JSON
{
  gateway: { mode: "local", port: $port, auth: { mode: "token", token: "$token" },
             http: { endpoints: { chatCompletions: { enabled: true }, responses: { enabled: true } } } },
  agents: { defaults: { model: "mock/mock-model", embedding: { model: "mock/mock-embed" } } },
  models: { providers: { mock: { baseUrl: "$upstream", api: "openai-completions", models: [{ id: "mock-model" }, { id: "mock-embed" }] } } },
}
JSON
OPENCLAW_STATE_DIR="$work" "$work/openclaw" gateway >"$work/gateway.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.05
done
if ! OPENCLAW_BASE_URL="http://127.0.0.1:$port/v1" OPENCLAW_TOKEN="$token" node --test sdk.test.mjs; then
  echo "--- gateway log"; cat "$work/gateway.log"; exit 1
fi
