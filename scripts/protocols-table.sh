#!/usr/bin/env bash
# Prints the table of docs/protocols.md: every protocol spec (specs/*.spec,
# specs/classic/*.spec) and every broken variant (specs/bugs/*.spec), checked
# with its default parameters, one Markdown row each.
#
# Usage: scripts/protocols-table.sh [path/to/specc]
# (default: target/release/specc; build it with `cargo build --release`).
# Run from the repository root. Needs jq. Times are the checker's own
# elapsed time on the machine that runs the script.
set -euo pipefail

specc="${1:-target/release/specc}"
if [[ ! -x "$specc" ]]; then
  echo "error: $specc is not an executable; run cargo build --release first" >&2
  exit 2
fi

# The defaults of a spec's parameters, as `N=3, MaxTerm=2`.
params() {
  sed -nE 's/^param ([A-Za-z_][A-Za-z0-9_]*):[^=]*= *([^ ]+).*/\1=\2/p' "$1" | paste -sd, - | sed 's/,/, /g'
}

# The names of a spec's invariants and properties, as `A, B, C (liveness)`.
checked() {
  local inv props
  inv=$(sed -nE 's/^invariant ([A-Za-z_][A-Za-z0-9_]*).*/\1/p' "$1" | paste -sd, - | sed 's/,/, /g')
  props=$(sed -nE 's/^property ([A-Za-z_][A-Za-z0-9_]*).*/\1 (liveness)/p' "$1" | paste -sd, - | sed 's/,/, /g')
  if [[ -n "$inv" && -n "$props" ]]; then
    echo "$inv; $props"
  else
    echo "$inv$props"
  fi
}

echo "| Spec | Parameters | Exit | Result | Distinct states | Depth | Time (s) | Checked (what a bug violates) |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for spec in specs/*.spec specs/classic/*.spec specs/bugs/*.spec; do
  set +e
  out=$("$specc" check "$spec" --format json --progress never 2>/dev/null)
  code=$?
  set -e
  result=$(jq -r '.result' <<<"$out")
  states=$(jq -r '.distinct_states' <<<"$out")
  depth=$(jq -r '.depth' <<<"$out")
  secs=$(jq -r '(.elapsed_ms / 1000 * 10 | round) / 10' <<<"$out")
  what=$(checked "$spec")
  if [[ "$result" == "violation" ]]; then
    violated=$(jq -r '[.violations[] | .property // .kind] | join(", ")' <<<"$out")
    what="$what (violates **$violated**)"
  fi
  p=$(params "$spec")
  echo "| \`$spec\` | ${p:-none} | $code | $result | $states | $depth | $secs | $what |"
done
