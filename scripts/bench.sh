#!/usr/bin/env bash
# bench.sh: build Gatehouse as released and measure it on this machine, on
# 127.0.0.1/localhost only: binary size, idle RSS, request rates against a bare
# Echo baseline (cmd/gatehouse-load), and cold start to the first 200 from
# /healthz with an existing database. Every step is bounded; every process it
# starts is stopped on exit. See docs/BENCHMARKS.md.
#
#   scripts/bench.sh                       # defaults below
#   CONCURRENCY=50 DURATION=5s STARTS=10 scripts/bench.sh
#   SCENARIOS=reveal,reveal-storm LINKS=12000 scripts/bench.sh
#   WRITE_DOC=1 scripts/bench.sh           # also rewrite the load table in docs/BENCHMARKS.md
set -euo pipefail
cd "$(dirname "$0")/.."

CONCURRENCY=${CONCURRENCY:-50}
DURATION=${DURATION:-5s}
STARTS=${STARTS:-10}
# The signed-in pages run twice: on a fresh database, and again once the
# reveal scenarios have given tens of thousands of accesses.
SCENARIOS=${SCENARIOS:-healthz,signin-page,home,timeline,guest-page,reveal,reveal-storm,reveal-opened,api-create,home,timeline,mixed}
LINKS=${LINKS:-20000}          # share links made (through the API) for the reveal scenario; the storm gets half, mixed a quarter
PER_LINK=${PER_LINK:-5}        # concurrent reveals per link in the storm
LOCKS=${LOCKS:-100}            # simulated locks the accesses are spread over
SERVE_ARGS=${SERVE_ARGS:-}     # more flags for the load run's server, e.g. "--cpu-profile /tmp/gatehouse.cpu"
WRITE_DOC=${WRITE_DOC:-}       # set: rewrite the table between the bench:load markers in docs/BENCHMARKS.md

tmp=$(mktemp -d)
server=""
cleanup() {
	if [[ -n $server ]] && kill -0 "$server" 2>/dev/null; then
		kill "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	echo "no free port found" >&2
	return 1
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }

echo "== machine"
echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "cpu:     $(nproc) x $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
echo "memory:  $(awk '/^MemTotal:/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
echo "go:      $(go version)"
echo "tree:    $(git rev-parse --short HEAD 2>/dev/null || echo '(not a git checkout)')$(git status --porcelain 2>/dev/null | grep -q . && echo ' with uncommitted changes')"
# Other people's builds and tests share these cores: show how busy they were.
busy() { echo "loadavg $(cut -d' ' -f1-3 /proc/loadavg); cpu pressure $(awk '/^some/ {print $2, $3}' /proc/pressure/cpu 2>/dev/null)"; }
before_load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "before:  $(busy)"

echo "== build"
CGO_ENABLED=0 timeout 600 go build -ldflags='-s -w' -o "$tmp/gatehouse" ./cmd/gatehouse
CGO_ENABLED=0 timeout 600 go build -o "$tmp/gatehouse-load" ./cmd/gatehouse-load
size=$(stat -c %s "$tmp/gatehouse")
echo "binary:  $size bytes ($(awk -v s="$size" 'BEGIN {printf "%.1f MiB", s/1048576}'))"

port=$(free_port)
public="http://localhost:$port"
db="$tmp/gatehouse.db"
serve=("$tmp/gatehouse" serve --db "$db" --addr "127.0.0.1:$port" --public-url "$public")
load_serve=("${serve[@]}")
# shellcheck disable=SC2206 # SERVE_ARGS is split into flags on purpose
[ -n "$SERVE_ARGS" ] && load_serve+=($SERVE_ARGS)

# The invite creates and migrates the database the server then opens.
link=$(timeout 30 "$tmp/gatehouse" invite --admin --db "$db" --public-url "$public" 2>/dev/null)

echo "== load (concurrency $CONCURRENCY, $DURATION per scenario and per baseline)"
"${load_serve[@]}" >"$tmp/serve.log" 2>&1 &
server=$!
for _ in $(seq 200); do
	curl -fsS -o /dev/null --max-time 1 "$public/healthz" 2>/dev/null && break
	sleep 0.05
done
curl -fsS -o /dev/null --max-time 1 "$public/healthz" || { echo "server did not start:"; cat "$tmp/serve.log"; exit 1; }
sleep 1
rss_idle=$(rss_kb "$server")
# The load tool reads the server's VmRSS from /proc every 50 ms (-pid) and
# exits non-zero if a guarantee broke (a link revealed twice, a 5xx).
timeout 900 "$tmp/gatehouse-load" -invite "$link" -scenarios "$SCENARIOS" -pid "$server" \
	-links "$LINKS" -per-link "$PER_LINK" -locks "$LOCKS" \
	-concurrency "$CONCURRENCY" -duration "$DURATION" | tee "$tmp/figures.jsonl"
rss_after=$(rss_kb "$server")
sleep 5
rss_rest=$(rss_kb "$server")
hwm=$(hwm_kb "$server")
kill "$server"
wait "$server" || true
server=""

echo "after the load: $(busy)"

echo "== memory (VmRSS of the server)"
echo "idle after start:       $rss_idle kB"
echo "right after the load:   $rss_after kB"
echo "5 s after the load:     $rss_rest kB"
echo "peak (VmHWM):           $hwm kB"

echo "== cold start to first 200 from /healthz (existing database, $STARTS starts)"
: >"$tmp/starts"
for i in $(seq "$STARTS"); do
	timeout 30 "$tmp/gatehouse-load" -wait-healthz "$public/healthz" -- "${serve[@]}" \
		2>>"$tmp/serve.log" | tee -a "$tmp/starts"
done
jq -r '.start_to_first_200_ms' "$tmp/starts" | sort -n |
	awk '{v[NR] = $1} END {m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
		printf "median %.1f ms, min %.1f ms, max %.1f ms over %d starts\n", m, v[1], v[NR], NR}'
jq -r '.rss_kb' "$tmp/starts" | sort -n | awk '{v[NR] = $1} END {printf "VmRSS at first 200: %d-%d kB\n", v[1], v[NR]}'

echo "after the starts: $(busy)"

echo "== figures"
jq -r '[.scenario, .requests, .errors, .status_5xx, .rps, (.reveal.reveals_per_s // 0 | if . == 0 then "-" else . end), .p50_ms, .p90_ms, .p99_ms,
	.baseline_rps, .ratio_to_baseline, .rss_max_kb, .server_cpu_us, .client_cpu_us, .baseline_cpu_us] | @tsv' "$tmp/figures.jsonl" |
	(echo -e "scenario\trequests\terrors\t5xx\trps\treveals/s\tp50_ms\tp90_ms\tp99_ms\tbaseline_rps\tratio\trss_max_kB\tserver_us/req\tclient_us/req\tbaseline_us/req" && cat) | column -t
jq -r 'select(.reveal) | "\(.scenario): \(.reveal.links) links, \(.reveal.reveals_per_link) reveals each; one winner: \(.reveal.links_one_winner), none: \(.reveal.links_no_winner), more than one: \(.reveal.links_many_winners); 410s: \(.reveal.gone_410)"' \
	"$tmp/figures.jsonl"

# The table in docs/BENCHMARKS.md, between its bench:load markers.
if [[ -n $WRITE_DOC ]]; then
	doc=docs/BENCHMARKS.md
	{
		echo "Run $(date -u '+%Y-%m-%d %H:%M UTC'), \`$(git rev-parse --short HEAD 2>/dev/null || echo '?')\`$(git status --porcelain 2>/dev/null | grep -q . && echo ' with uncommitted changes'), $(nproc) cores, concurrency $CONCURRENCY, $DURATION per side, load average before: $before_load."
		echo
		echo "| scenario | fixture accesses so far | s | requests | errors | 5xx | req/s | durable reveals/s | p50 ms | p99 ms | baseline req/s | ratio | max RSS kB | server CPU µs/req | client CPU µs/req | baseline CPU µs/req |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		jq -r '"| \(.scenario) | \(.fixture_accesses // 0) | \(.seconds) | \(.requests) | \(.errors) | \(.status_5xx) | \(.rps) | \(.reveal.reveals_per_s // 0 | if . == 0 then "" else . end) | \(.p50_ms) | \(.p99_ms) | \(.baseline_rps) | \(.ratio_to_baseline) | \(.rss_max_kb) | \(.server_cpu_us // 0) | \(.client_cpu_us // 0) | \(.baseline_cpu_us // 0) |"' "$tmp/figures.jsonl"
		echo
		jq -r 'select(.reveal) | "- \(.scenario): \(.reveal.links) links × \(.reveal.reveals_per_link): \(.reveal.links_one_winner) with exactly one winner, \(.reveal.links_many_winners) with more, \(.reveal.gone_410) answered 410."' "$tmp/figures.jsonl"
		echo "- memory: VmRSS $rss_idle kB idle, $rss_after kB right after the load, peak (VmHWM) $hwm kB."
	} >"$tmp/table.md"
	awk -v table="$tmp/table.md" '
		/<!-- bench:load -->/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
		/<!-- \/bench:load -->/ { skip = 0 }
		!skip' "$doc" >"$tmp/doc.md"
	grep -q '<!-- bench:load -->' "$doc" || { echo "no <!-- bench:load --> marker in $doc" >&2; exit 1; }
	cp "$tmp/doc.md" "$doc"
	echo "rewrote the load table in $doc"
fi
