#!/usr/bin/env bash
# Load test of `faramesh serve` (issue 15; figures in BENCHMARKS.md): the release server pinned
# to core 0, `wrk` (Debian package) pinned to core 1, on the bundled example policy.
#   benches/serve/run.sh          decisions, then batches of 1,000
#   benches/serve/run.sh --log    the same with the decision log on (fsync per group)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
command -v wrk >/dev/null || { echo "run.sh: needs wrk (apt-get install wrk)" >&2; exit 2; }
cargo build --quiet --release --locked -p faramesh-cli --manifest-path "$root/Cargo.toml"
bin="${CARGO_TARGET_DIR:-$root/target}/release/faramesh"

work=$(mktemp -d)
server=""
cleanup() {
  [[ -n "$server" ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
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
[[ "${1:-}" == "--log" ]] && log=(--log "$work/decisions.log")
taskset -c 0 "$bin" serve --bundle policy.fmb --trust key.ed25519.pub --addr 127.0.0.1:0 \
  --poll 0 "${log[@]}" >listening.txt &
server=$!
for _ in $(seq 100); do
  grep -q '^decide ' listening.txt && break
  sleep 0.1
done
url=$(sed -n 's/^decide //p' listening.txt)
[[ -n "$url" ]] || { echo "run.sh: the server did not start" >&2; exit 1; }

echo "== POST /v1/decide, 64 connections"
taskset -c 1 wrk -t1 -c64 -d10s --latency -s "$here/decide.lua" "$url"
echo "== POST /v1/decide, 8 connections"
taskset -c 1 wrk -t1 -c8 -d10s --latency -s "$here/decide.lua" "$url"
echo "== POST /v1/decide/batch of 1,000, 8 connections"
taskset -c 1 wrk -t1 -c8 -d10s --latency -s "$here/batch.lua" "$url"
[[ ${#log[@]} -gt 0 ]] && "$bin" audit verify "$work/decisions.log"
exit 0
