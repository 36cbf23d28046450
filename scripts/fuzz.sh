#!/usr/bin/env bash
# Runs every fuzz target for a fixed budget each: a duration (5m) or a count of
# executions (5000x). CI calls it with a count: Go 1.26's fuzz coordinator can
# fail a target with a bare "context deadline exceeded" when a duration runs
# out while a worker is mid-input on a loaded machine (golang/go#75804, fixed
# in Go 1.27); a count has no deadline to race. Default: 10s each.
# Seed corpora live in each package's testdata/fuzz and run with plain `go test`.
# -fuzzminimizetime 0: minimising a new input can take minutes; CI wants a verdict.
set -euo pipefail
cd "$(dirname "$0")/.."
time_each=${1:-10s}
targets=$(grep -rl --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' . | sort)
for file in $targets; do
  pkg=./$(dirname "${file#./}")
  for fn in $(grep -oE '^func Fuzz[A-Za-z0-9_]+' "$file" | cut -d' ' -f2); do
    echo "--- fuzz $pkg $fn ($time_each)"
    go test -run '^$' -fuzz "^${fn}\$" -fuzztime "$time_each" -fuzzminimizetime 0 "$pkg"
  done
done
