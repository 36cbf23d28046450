#!/usr/bin/env bash
# ab.sh: measure two builds of Gatehouse side by side on this machine, on
# 127.0.0.1/localhost only, alternating A and B so that the machine's drift
# falls on both: each round starts a fresh server of each build, signs in
# through an admin invite and runs that build's own gatehouse-load.
#
#   scripts/ab.sh OLD_REV [NEW_REV]        # NEW_REV defaults to the work tree
#   ROUNDS=2 SCENARIOS=reveal,guest-page,home,timeline scripts/ab.sh 579ff8a
set -euo pipefail
cd "$(dirname "$0")/.."

OLD=${1:?usage: scripts/ab.sh OLD_REV [NEW_REV]}
NEW=${2:-}
ROUNDS=${ROUNDS:-2}
SCENARIOS=${SCENARIOS:-guest-page,home,timeline,reveal}
CONCURRENCY=${CONCURRENCY:-50}
DURATION=${DURATION:-5s}
LINKS=${LINKS:-6000}
LOCKS=${LOCKS:-20}

tmp=$(mktemp -d)
server=""
cleanup() {
	if [[ -n $server ]] && kill -0 "$server" 2>/dev/null; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
	git worktree remove --force "$tmp/A-src" 2>/dev/null || true
	[[ -n $NEW ]] && git worktree remove --force "$tmp/B-src" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

build() { # name rev-or-empty
	local src=.
	if [[ -n $2 ]]; then src="$tmp/$1-src"; git worktree add --detach "$src" "$2" >/dev/null 2>&1; fi
	(cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$tmp/$1-gatehouse" ./cmd/gatehouse &&
		CGO_ENABLED=0 go build -o "$tmp/$1-load" ./cmd/gatehouse-load)
}
build A "$OLD"
build B "$NEW"

run() { # name round
	local port=$((20000 + RANDOM % 20000)) dir="$tmp/$1-$2"
	mkdir -p "$dir"
	local public="http://localhost:$port"
	local bin="$tmp/$1-gatehouse"
	# Builds from before roles know no --admin; they make a full owner by default.
	local link
	link=$(timeout 30 "$bin" invite --admin --db "$dir/g.db" --public-url "$public" 2>/dev/null) ||
		link=$(timeout 30 "$bin" invite --db "$dir/g.db" --public-url "$public" 2>/dev/null)
	"$bin" serve --db "$dir/g.db" --addr "127.0.0.1:$port" --public-url "$public" >"$dir/serve.log" 2>&1 &
	server=$!
	for _ in $(seq 200); do curl -fsS -o /dev/null --max-time 1 "$public/healthz" 2>/dev/null && break; sleep 0.05; done
	timeout 900 "$tmp/$1-load" -invite "$link" -scenarios "$SCENARIOS" -pid "$server" -links "$LINKS" -locks "$LOCKS" \
		-concurrency "$CONCURRENCY" -duration "$DURATION" | jq -c --arg b "$1" --arg r "$2" '{build: $b, round: $r, scenario, rps, ratio_to_baseline, p99_ms, status_5xx, errors, server_cpu_us}'
	kill "$server"; wait "$server" || true; server=""
}
echo "A = $OLD, B = ${NEW:-work tree $(git rev-parse --short HEAD)}; $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do run A "$r"; run B "$r"; done | tee "$tmp/ab.jsonl"
echo "== ratio to hello, per scenario: A rounds | B rounds"
jq -rs 'group_by(.scenario)[] | "\(.[0].scenario)\tA \([.[] | select(.build=="A") | .ratio_to_baseline] | map(tostring) | join(" "))\tB \([.[] | select(.build=="B") | .ratio_to_baseline] | map(tostring) | join(" "))"' "$tmp/ab.jsonl" | column -t -s $'\t'
