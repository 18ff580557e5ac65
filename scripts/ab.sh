#!/usr/bin/env bash
# Compares two builds of specc on one check, runs interleaved (A, B, A,
# B, ...) so that a change in the machine's load falls on both: prints
# each run's elapsed time as the checker reports it, then the medians,
# their ratio (A over B: above 1 means B is faster) and the minima.
#
# Usage: scripts/ab.sh RUNS SPECC_A SPECC_B CHECK-ARGS...
# e.g.   scripts/ab.sh 9 /tmp/base/target/release/specc target/release/specc \
#          specs/classic/two_phase.spec --param RMS=8 --compiled --workers 1
#
# Each build must come from its own checkout (a git worktree of the
# other commit, built there with cargo build --release): a compiled
# check uses the kernel cache of the source tree its specc was built in,
# and one tree alternating between two checker sources would rebuild
# the kernel on every run. Each build runs its check once before the
# timed runs, so a kernel build is never timed. Needs python3.
set -euo pipefail

if [[ $# -lt 4 ]]; then
  echo "usage: scripts/ab.sh RUNS SPECC_A SPECC_B CHECK-ARGS..." >&2
  exit 2
fi
runs="$1"
a="$2"
b="$3"
shift 3
for bin in "$a" "$b"; do
  if [[ ! -x "$bin" ]]; then
    echo "error: $bin is not an executable" >&2
    exit 2
  fi
done

# The elapsed time from the summary line ("..., 1 worker, 2.42 s, ...").
elapsed() {
  local out
  out="$("$1" check --progress never "${@:2}" 2>&1)" || true
  grep -oE '[0-9]+\.[0-9]+ s,' <<<"$out" | tail -n 1 | tr -d ' s,'
}

"$a" check --progress never "$@" >/dev/null 2>&1 || true
"$b" check --progress never "$@" >/dev/null 2>&1 || true
times_a=()
times_b=()
for _ in $(seq "$runs"); do
  times_a+=("$(elapsed "$a" "$@")")
  times_b+=("$(elapsed "$b" "$@")")
done
echo "A: ${times_a[*]}"
echo "B: ${times_b[*]}"
python3 - "${times_a[*]}" "${times_b[*]}" <<'PY'
import statistics, sys
a = [float(x) for x in sys.argv[1].split()]
b = [float(x) for x in sys.argv[2].split()]
if not a or not b:
    sys.exit("error: a run printed no elapsed time")
ma, mb = statistics.median(a), statistics.median(b)
print(f"median A {ma:.3f} s, B {mb:.3f} s, A/B {ma / mb:.3f}; "
      f"min A {min(a):.3f} s, B {min(b):.3f} s")
PY
