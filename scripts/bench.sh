#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The performance suite. Every benchmark prints JSON rows, one per line:
#   {"name","value","unit","peer","peer_value","ratio","target"}
# (ratio = value / peer_value, measured side by side in the same run). This script runs the
# compiled benchmarks ($BUILD/bench/bench_*) and the script benchmarks (scripts/bench/*.sh),
# keeps the rows whose name starts with $BENCH (all when empty), prints them as a table and
# writes them to $BUILD/bench.json. docs/perf.md says what each row means.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BENCH=${BENCH:-}
export BUILD BENCH
rows=$(mktemp)
trap 'rm -f "$rows"' EXIT

for b in "$BUILD"/bench/bench_* scripts/bench/*.sh; do
	[ -x "$b" ] || continue
	echo "running $(basename "$b")..." >&2
	if ! "$b" >>"$rows" 2>"$BUILD/bench-$(basename "$b").log"; then
		echo "  $(basename "$b") failed: see $BUILD/bench-$(basename "$b").log" >&2
	fi
done

# Lines that are not JSON rows are skipped: read as JSON, one stray line would end the parse
# and drop every row after it.
jq -cR --arg p "$BENCH" 'fromjson? | select(type == "object" and (.name | startswith($p)))' \
	"$rows" |
	jq -s '.' >"$BUILD/bench.json"
jq -r '["name", "value", "unit", "peer", "peer value", "ratio", "target"],
	(.[] | [.name, (.value | tostring), .unit, (.peer // "-"),
		((.peer_value // "-") | tostring),
		(if .ratio == null then "-" else (.ratio * 1000 | round / 1000 | tostring) end),
		(.target // "-")]) | @tsv' "$BUILD/bench.json" | column -t -s $'\t'
echo "$(jq length "$BUILD/bench.json") rows written to $BUILD/bench.json" >&2
