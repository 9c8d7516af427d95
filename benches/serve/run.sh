#!/usr/bin/env bash
# Load test of `faramesh serve` (issue 15; figures in BENCHMARKS.md): the release server pinned
# to core 0, `wrk` (Debian package) pinned to core 1, on the bundled example policy.
#   benches/serve/run.sh          decisions, then batches of 1,000
#   benches/serve/run.sh --log    the same with the decision log on (fsync per group)
#   benches/serve/run.sh --state redis
#                                 decisions with the state in a redis-server (Debian package, on
#                                 core 0 beside the server: the server side gets one core)
#   benches/serve/run.sh --open-loop
#                                 the highest decision rate (wrk, 8 connections), then
#                                 `openloop` (benches/openloop) sending a steady 80 % of it for
#                                 20 s, open loop (each latency counts from when its request was
#                                 due), the charge of request.json; then `GET /livez` at the
#                                 same rate, which decides nothing: the latency the tool and host
#                                 add anyway; then `hiccups` (benches/openloop) spinning on
#                                 both cores for 10 s: how often, and how long, the kernel or
#                                 the host takes a core away while both are busy
#   benches/serve/run.sh --open-loop --rate 10000 [--state redis]
#                                 the same at a given rate (issue 16's target: 10,000/s with
#                                 the state in Redis)
# `openloop` is this workspace's own generator: `oha` (tokio and hyper) added a p99 of 24 ms at
# 76,000/s to a route that decides nothing, which hid what the server does.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
command -v wrk >/dev/null || { echo "run.sh: needs wrk (apt-get install wrk)" >&2; exit 2; }
cargo build --quiet --release --locked -p faramesh-cli -p fpl-openloop \
  --manifest-path "$root/Cargo.toml"
bin="${CARGO_TARGET_DIR:-$root/target}/release/faramesh"
openloop="${CARGO_TARGET_DIR:-$root/target}/release/openloop"
hiccups="${CARGO_TARGET_DIR:-$root/target}/release/hiccups"

work=$(mktemp -d)
server=""
redis=""
cleanup() {
  [[ -n "$server" ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  [[ -n "$redis" ]] && kill "$redis" 2>/dev/null && wait "$redis" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
git init -q
cp "$root/examples/governance.fms" .
git add governance.fms
git -c user.name=bench -c user.email=bench@localhost commit -qm policy
"$bin" keygen --out key.ed25519 >/dev/null
"$bin" bundle build --rev HEAD --key key.ed25519 -o policy.fmb >/dev/null

log=()
state=()
open_loop=""
rate=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --log) log=(--log "$work/decisions.log") ;;
    --open-loop) open_loop=1 ;;
    --rate)
      [[ "${2:-}" =~ ^[0-9]+$ ]] || { echo "run.sh: --rate takes requests per second" >&2; exit 2; }
      rate=$2
      shift
      ;;
    --state)
      [[ "${2:-}" == "redis" ]] || { echo "run.sh: --state takes redis" >&2; exit 2; }
      shift
      command -v redis-server >/dev/null || { echo "run.sh: needs redis-server" >&2; exit 2; }
      port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      taskset -c 0 redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
        --daemonize no >redis.log 2>&1 &
      redis=$!
      for _ in $(seq 100); do
        redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break
        sleep 0.1
      done
      state=(--state "redis://127.0.0.1:$port/0")
      ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[[ -z "$rate" || -n "$open_loop" ]] || { echo "run.sh: --rate needs --open-loop" >&2; exit 2; }
taskset -c 0 "$bin" serve --bundle policy.fmb --trust key.ed25519.pub --addr 127.0.0.1:0 \
  --poll 0 "${log[@]}" "${state[@]}" >listening.txt &
server=$!
for _ in $(seq 100); do
  grep -q '^decide ' listening.txt && break
  sleep 0.1
done
url=$(sed -n 's/^decide //p' listening.txt)
[[ -n "$url" ]] || { echo "run.sh: the server did not start" >&2; exit 1; }

if [[ -n "$open_loop" ]]; then
  if [[ -z "$rate" ]]; then
    echo "== POST /v1/decide, 8 connections, closed loop: the highest rate"
    taskset -c 1 wrk -t1 -c8 -d10s --latency -s "$here/decide.lua" "$url" | tee wrk.txt
    rate=$(awk '/^Requests\/sec:/ { printf "%d", $2 * 0.8 }' wrk.txt)
    echo "== POST /v1/decide, open loop at $rate/s (80 %) for 20 s, 64 connections"
  else
    echo "== POST /v1/decide, open loop at $rate/s for 20 s, 64 connections"
  fi
  taskset -c 1 "$openloop" --addr "${url#http://}" --path /v1/decide \
    --body "$here/request.json" --rate "$rate" --seconds 20 --connections 64
  echo "== GET /livez, open loop at $rate/s for 20 s, 64 connections: the floor of tool and host"
  taskset -c 1 "$openloop" --addr "${url#http://}" --path /livez --rate "$rate" --seconds 20 \
    --connections 64
  echo "== hiccups: both cores busy for 10 s (core 0 | core 1): the time taken from each"
  taskset -c 0 "$hiccups" --seconds 10 >hiccups0.txt &
  spinning=$!
  taskset -c 1 "$hiccups" --seconds 10 >hiccups1.txt
  wait "$spinning"
  paste hiccups0.txt hiccups1.txt
  exit 0
fi

echo "== POST /v1/decide, 64 connections"
taskset -c 1 wrk -t1 -c64 -d10s --latency -s "$here/decide.lua" "$url"
echo "== POST /v1/decide, 8 connections"
taskset -c 1 wrk -t1 -c8 -d10s --latency -s "$here/decide.lua" "$url"
if [[ ${#state[@]} -gt 0 ]]; then
  echo "== state: $(curl -s "$url/v1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')"
  curl -s "$url/metrics" | grep -E '^faramesh_(state_errors_total|decisions_total)' || true
  exit 0
fi
echo "== POST /v1/decide/batch of 1,000, 8 connections"
taskset -c 1 wrk -t1 -c8 -d10s --latency -s "$here/batch.lua" "$url"
[[ ${#log[@]} -gt 0 ]] && "$bin" audit verify "$work/decisions.log"
exit 0
