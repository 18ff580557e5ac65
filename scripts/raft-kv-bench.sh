#!/usr/bin/env bash
# Measures raft-kv on loopback: three release-built servers (fresh data
# directories, so every write is fsync'd on the machine's disk), then
# `raft-kv bench` with a bounded load (C clients, each waiting for each
# answer, N puts in all). Prints the load average before and after, the
# bench's figures, and stops the servers.
#
# Usage: scripts/raft-kv-bench.sh [CLIENTS] [REQUESTS]   (default 4 2000)
# Run from the repository root after building the example in release mode
# (examples/raft-kv/README.md has the commands); needs nothing else.
set -euo pipefail

clients="${1:-4}"
requests="${2:-2000}"
bin="${RAFT_KV_BIN:-examples/raft-kv/target/release}"
if [[ ! -x "$bin/raft-kv-server" ]]; then
  echo "error: $bin/raft-kv-server is missing; build examples/raft-kv with --release first" >&2
  exit 2
fi
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
cp examples/raft-kv/peers.toml "$work/peers.toml"
for id in 1 2 3; do
  "$bin/raft-kv-server" --id "$id" --peers "$work/peers.toml" --data "$work/data$id" 2>"$work/server$id.log" &
done
for id in 1 2 3; do
  until grep -q "clients: listening" "$work/server$id.log" 2>/dev/null; do sleep 0.05; done
done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$bin/raft-kv" --peers "$work/peers.toml" bench --clients "$clients" --requests "$requests"
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
