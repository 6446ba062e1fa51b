#!/bin/bash
# Run after `cargo xtask bench proxy` (it builds target/release/sandbox and the production
# proxy and bare forwarder). Needs valgrind and wrk.
# Instructions per forwarded request (callgrind), the proxy and the bare forwarder, the same
# GET as the benchmark's. PROXY=path measures another proxy binary (an older build).
set -e
cd "$(dirname "$0")/.."
W=$(mktemp -d)
SP=18701; PP=18702; FP=18703
SANDBOX_BEARER_TOKEN=bench SANDBOX_TRINTECH_TOKEN=bench SANDBOX_COMMPEAK_USER=api SANDBOX_COMMPEAK_PASSWORD=bench-password RUST_LOG=warn target/release/sandbox --listen 127.0.0.1:$SP --users 1000 >/dev/null 2>&1 &
SB=$!
sleep 2
mkdir -p $W/dist; echo "<title>b</title>" > $W/dist/index.html
printf '[connections.cp]\nkind = "commpeak"\nbase_url = "http://127.0.0.1:%s/commpeak"\nauth = { scheme = "basic", username = "api", password_env = "BENCH_PASSWORD" }\n' $SP > $W/c.toml
BASIC="Basic $(printf 'api:bench-password' | base64)"
measure() { # name, port, command...
  local name=$1 port=$2; shift 2
  valgrind --tool=callgrind --callgrind-out-file=$W/$name.%p "$@" >/dev/null 2>&1 &
  local pid=$!
  for i in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:$port/api/cp/users/1001 && break; sleep 0.5; done
  wrk -t1 -c4 -d5s http://127.0.0.1:$port/api/cp/users/1001 >/dev/null
  callgrind_control -z $pid >/dev/null
  local out=$(wrk -t1 -c4 -d20s http://127.0.0.1:$port/api/cp/users/1001)
  local n=$(echo "$out" | awk '/requests in/ {print $1}')
  callgrind_control -d $pid >/dev/null
  sleep 1
  kill $pid; wait $pid 2>/dev/null || true
  local f=$(ls -t $W/$name.* | grep -v "\.[0-9]*$" | head -1)
  [ -z "$f" ] && f=$(ls -S $W/$name.* | head -1)
  local ir=$(callgrind_annotate $f 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}')
  echo "$name: $n requests, $ir Ir, $((ir / n)) per request ($f)"
}
BENCH_PASSWORD=bench-password RUST_LOG=warn measure proxy $PP "${PROXY:-target/production/proxy}" --port $PP --config $W/c.toml --dist $W/dist
BARE_FORWARDER_AUTHORIZATION="$BASIC" measure floor $FP target/production/examples/bare_forwarder $FP http://127.0.0.1:$SP /api/cp /commpeak/api
kill $SB
echo "callgrind profiles (for callgrind_annotate --inclusive=yes): $W"
