#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Where tabby's programs spend a new flow's time, on live traffic: the live benchmark's
# topology (scripts/bench/dataplane.sh) with tabby applied, a flood of new UDP flows from pod A
# to pod B, `perf record -a` of it, and the samples that fell in tabby's BPF programs mapped to
# source lines through the programs' JIT line info (build/tools/bpfsrc). Not part of
# `make bench`: a tool for reading a profile by hand (docs/perf.md, "Where a new flow's time
# went"). Needs perf (Debian's linux-perf).
#
#   scripts/profile-dataplane.sh [SECONDS]     prints the top source lines and files
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECS=${1:-1.5}
BUILD=${BUILD:-build}
command -v perf >/dev/null || { echo "profile-dataplane: perf missing (apt-get install linux-perf)" >&2; exit 1; }
[ -x "$BUILD/tools/bpfsrc" ] || { echo "profile-dataplane: $BUILD/tools/bpfsrc missing (make all)" >&2; exit 1; }
BENCH=dataplane
. scripts/bench/dataplane.sh
trap cleanup EXIT
topology || fail "topology setup"
apply_tabby 2>/dev/null || fail "applying tabby"
bg "$W/sink.out" ip netns exec $PB "$T/udpblast" sink 9000 300 || fail "sink"
ip netns exec $PA "$T/udpblast" send 172.31.1.0 $DST 9000 "$(echo "$SECS + 1" | bc)" 1 >/dev/null &
PIDS+=($!)
sleep 0.3
perf record -F 20000 -a -o "$W/perf.data" -- sleep "$SECS" >/dev/null 2>&1 || fail "perf record"
perf script -i "$W/perf.data" -F ip,sym 2>/dev/null >"$W/samples"
total=$(wc -l <"$W/samples")
# Addresses in tabby's programs (every subprogram is its own bpf_prog_<tag>_<name> symbol).
awk '$2 ~ /^bpf_prog_/ { print $1 }' "$W/samples" | sort | uniq -c | sort -rn >"$W/hot"
ids=$(bpftool -j prog show | jq -r '.[] | select(.name | test("^tb_wl_")) | .id')
: >"$W/lines"
for id in $ids; do
	"$BUILD/tools/bpfsrc" "$id" $(awk '{ print $2 }' "$W/hot") | grep -v ' ?$' >>"$W/lines"
done
# samples per source line: join counts by address (an address belongs to one program)
awk 'NR == FNR { n[$2] = $1; next } ($1 in n) && !seen[$1]++ {
	$2 = ""; key = $0; sub(/^[0-9a-f]+ +/, "", key); c[key] += n[$1]; t += n[$1] }
     END { for (k in c) printf "%6d %5.1f%%  %s\n", c[k], 100 * c[k] / t, k }' \
	"$W/hot" "$W/lines" | sort -rn >"$W/bylines"
bpf=$(awk '{ s += $1 } END { print s + 0 }' "$W/hot")
echo "samples: $total in all, $bpf in tabby's programs ($(echo "scale=1; 100 * $bpf / $total" | bc)%)"
echo "-- by file"
awk '{ split($3, a, ":"); c[a[1]] += $1 } END { for (f in c) printf "%6d  %s\n", c[f], f }' \
	"$W/bylines" | sort -rn
echo "-- top lines (samples, share of the programs' samples, file:line, source)"
head -20 "$W/bylines"
