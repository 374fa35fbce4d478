#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The live dataplane benchmark: real traffic between two pods on two nodes, side by side under
# four dataplanes, in one run (docs/perf.md, "Live dataplane"):
#
#   pod A ns              node A ns                        node B ns                 pod B ns
#   eth0 .1.2 --veth-- tabA .1.1  wire0 .0.1 ==veth== wire1 .0.2  tabB .2.1 --veth-- eth0 .2.2
#   (addresses in 172.31.0.0/16)
#
# Variants (only one applied at a time, on both nodes, on the traffic towards each node's pod):
#   bare     routing only
#   tabby    tabby's workload programs on tabA and tabB (vm-tests/tools/dpload): conntrack and
#            an ingress policy of 10,000 rules that the traffic matches only at the end
#   nftset   nftables, `ip` family, one interval set of the same 10,000 rules, stateless
#   calico   nftables shaped as Calico's iptables mode renders (stateful, a per-endpoint chain
#            of one rule per policy rule, selectors as sets), 1,000 rules, matched at the end
# Metrics (pod A to pod B): udp (ns per packet at the sink: a sendmmsg blaster whose every
# packet is a new flow, a recvmmsg sink), rr and crr (transactions/s, vm-tests/tools/tcprr),
# tcp (single-stream iperf3, Gbit/s).
# Each round takes the metrics in shuffled order and, for each, applies and measures the
# variants in shuffled order; rows are medians over ROUNDS (default 5) rounds, ratios between
# medians of the same rounds. Everything lives in namespaces made here and is removed on
# exit, processes by PID.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BUILD=${BUILD:-build}
BENCH=${BENCH:-}
[[ dataplane == "$BENCH"* || "$BENCH" == dataplane* ]] || exit 0
. scripts/bench/lib/dataplane-rules.sh

ROUNDS=${ROUNDS:-5}
DUR=${DUR:-2}
T=$(cd "$BUILD/tools" && pwd)
ID=tbdp$$
PA=$ID-pa NA=$ID-na NB=$ID-nb PB=$ID-pb
CLIENT=172.31.1.0/24
DST=172.31.2.2
W=$(mktemp -d)
PIDS=()
declare -A RES
STATS0=$(sysctl -n kernel.bpf_stats_enabled)

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for p in $PA $NA $NB $PB; do ip netns del "$p" 2>/dev/null; done
	sysctl -qw kernel.bpf_stats_enabled="$STATS0"
	rm -rf "$W"
}
[ "${BASH_SOURCE[0]}" = "$0" ] && trap cleanup EXIT

fail() { echo "dataplane bench: $*" >&2; exit 1; }

topology() {
	local n
	for n in $PA $NA $NB $PB; do
		ip netns add "$n" && ip -n "$n" link set lo up || return 1
	done
	ip link add tabA netns $NA type veth peer name eth0 netns $PA &&
	ip link add wire0 netns $NA type veth peer name wire1 netns $NB &&
	ip link add tabB netns $NB type veth peer name eth0 netns $PB || return 1
	ip -n $PA addr add 172.31.1.2/24 dev eth0 && ip -n $PA link set eth0 up &&
	ip -n $PA route add default via 172.31.1.1 &&
	ip -n $NA addr add 172.31.1.1/24 dev tabA && ip -n $NA link set tabA up &&
	ip -n $NA addr add 172.31.0.1/30 dev wire0 && ip -n $NA link set wire0 up &&
	ip -n $NA route add 172.31.2.0/24 via 172.31.0.2 &&
	ip -n $NB addr add 172.31.0.2/30 dev wire1 && ip -n $NB link set wire1 up &&
	ip -n $NB addr add 172.31.2.1/24 dev tabB && ip -n $NB link set tabB up &&
	ip -n $NB route add 172.31.1.0/24 via 172.31.0.1 &&
	ip -n $PB addr add 172.31.2.2/24 dev eth0 && ip -n $PB link set eth0 up &&
	ip -n $PB route add default via 172.31.2.1 || return 1
	for n in $NA $NB; do
		ip netns exec "$n" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 || return 1
	done
	ip netns exec $NA sysctl -qw net.ipv4.conf.tabA.rp_filter=0 &&
	ip netns exec $NB sysctl -qw net.ipv4.conf.wire1.rp_filter=0 &&
	# CRR opens thousands of connections a second from one address: reuse TIME_WAIT ports
	ip netns exec $PA sysctl -qw net.ipv4.tcp_tw_reuse=1 \
		net.ipv4.ip_local_port_range="1024 65535"
}

# bg FILE CMD...: CMD in the background, logged to FILE; returns once it has printed "ready"
# (LAST_PID is its PID).
bg() {
	local out=$1 i
	shift
	"$@" >"$out" 2>&1 &
	PIDS+=($!)
	LAST_PID=$!
	for i in $(seq 100); do
		grep -q ready "$out" 2>/dev/null && return 0
		kill -0 "$LAST_PID" 2>/dev/null || return 1
		sleep 0.02
	done
	return 1
}

servers() {
	bg "$W/rr.log" ip netns exec $PB "$T/tcprr" serve 7000 &&
	bg "$W/crr.log" ip netns exec $PB "$T/tcprr" serve 7001 || return 1
	ip netns exec $PB iperf3 -s -p 5201 >"$W/iperf3.log" 2>&1 &
	PIDS+=($!)
	sleep 0.3
	kill -0 $! 2>/dev/null
}

# --- variants: apply_<v> puts it on both nodes, clear_<v> removes it -----------------------
apply_bare() { :; }
clear_bare() { :; }
apply_tabby() {
	ip netns exec $NA "$T/dpload" tabA 10000 $CLIENT &&
	ip netns exec $NB "$T/dpload" tabB 10000 $CLIENT
}
clear_tabby() {
	ip -n $NA link show tabA >/dev/null 2>&1 && tc -n $NA qdisc del dev tabA clsact
	tc -n $NB qdisc del dev tabB clsact
}
apply_nft() { # FUNCTION RULES
	$1 tabA "$2" $CLIENT >"$W/na.nft" && $1 tabB "$2" $CLIENT >"$W/nb.nft" &&
	ip netns exec $NA nft -f "$W/na.nft" && ip netns exec $NB nft -f "$W/nb.nft"
}
clear_nft() {
	ip netns exec $NA nft delete table ip tbbench
	ip netns exec $NB nft delete table ip tbbench
}
apply_nftset() { apply_nft nft_sets 10000; }
clear_nftset() { clear_nft; }
apply_calico() { apply_nft nft_calico 1000; }
clear_calico() { clear_nft; }

# A variant with policy must drop what no rule allows: a SYN to port 7002 gets no answer
# (with no policy the closed port answers with a reset at once).
enforced() {
	timeout 0.5 ip netns exec $PA "$T/tcprr" rr $DST 7002 0.1 >/dev/null 2>&1
	[ $? -eq 124 ]
}

# --- metrics: each prints one number --------------------------------------------------------
m_udp() {
	bg "$W/sink.out" ip netns exec $PB "$T/udpblast" sink 9000 300 || return 1
	local sink=$LAST_PID
	if ! ip netns exec $PA "$T/udpblast" send 172.31.1.0 $DST 9000 "$DUR" \
		$(( (RANDOM << 15 | RANDOM) % 15000000 )) >/dev/null; then
		kill "$sink"
		return 1
	fi
	wait "$sink" || return 1
	awk '/^received/ && $6 > 0 { printf "%.1f\n", 1e9 / $6 }' "$W/sink.out"
}
m_rr() { ip netns exec $PA "$T/tcprr" rr $DST 7000 "$DUR" | awk '{ print $6 }'; }
m_crr() { ip netns exec $PA "$T/tcprr" crr $DST 7001 "$DUR" | awk '{ print $6 }'; }
m_tcp() {
	ip netns exec $PA iperf3 -c $DST -p 5201 -t "$DUR" -J |
		jq '.end.sum_received.bits_per_second / 1e9'
}

# tabB_prog: the id of tabby's tc egress program on tabB (pod B's ingress policy: the
# 10,000-rule decision).
tabB_prog() {
	tc -n $NB filter show dev tabB egress | sed -n 's/.* id \([0-9]*\) name tb_wl_egress.*/\1/p'
}

# prog_stats: "run_time_ns run_cnt" of tabB_prog, from the kernel's BPF run-time statistics.
prog_stats() {
	local id
	id=$(tabB_prog)
	[ -n "$id" ] && bpftool -j prog show id "$id" |
		jq -r '"\(.run_time_ns // 0) \(.run_cnt // 0)"'
}

# An extra udp run under tabby with the kernel's BPF statistics on (a global switch, restored
# after) to time the program itself: ns per run of the 10,000-rule program on new flows. Its
# packet rate is not used: the statistics add two clock reads per program run, which the
# other variants' udp runs do not pay.
m_udp_tabby() {
	local was s0 s1 val
	was=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1
	s0=$(prog_stats)
	val=$(m_udp)
	s1=$(prog_stats)
	sysctl -qw kernel.bpf_stats_enabled="$was"
	[ -n "$val" ] && [ -n "$s0" ] && [ -n "$s1" ] || return 1
	echo "$s0 $s1" | awk '$4 > $2 { printf "%.1f\n", ($3 - $1) / ($4 - $2) }' >"$W/prog_ns"
	echo "$val"
}

# decide_hot: ns per decision of tabB's program on a TCP SYN of the bench flow (pod A to pod B
# port 7000), through BPF_PROG_TEST_RUN of the attached program (bpftool prog run, ctx_in
# giving tabB's ifindex), best of 3 runs of 200,000. A SYN always meets policy, so every run
# is the 10,000-rule decision and a conntrack write, with every line hot: the fixed cost of
# the live flow's decision, without the live run's noise.
decide_hot() {
	local id ifi best=
	id=$(tabB_prog)
	ifi=$(ip netns exec $NB cat /sys/class/net/tabB/ifindex) && [ -n "$id" ] || return 1
	python3 - "$ifi" "$W/syn.bin" "$W/ctx.bin" <<'PY' || return 1
import struct, sys
ifi, frame, ctx = int(sys.argv[1]), sys.argv[2], sys.argv[3]
tcp = struct.pack('!HHIIBBHHH', 40000, 7000, 1, 0, 5 << 4, 0x02, 65535, 0, 0)
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0,
                 bytes([172, 31, 1, 2]), bytes([172, 31, 2, 2]))
s = sum(struct.unpack('!10H', ip))
s = (s >> 16) + (s & 0xffff)
ip = ip[:10] + struct.pack('!H', ~(s + (s >> 16)) & 0xffff) + ip[12:]
open(frame, 'wb').write(bytes(12) + b'\x08\x00' + ip + tcp)
c = bytearray(192)  # struct __sk_buff: ifindex at offset 40
struct.pack_into('<I', c, 40, ifi)
open(ctx, 'wb').write(bytes(c))
PY
	for _ in 1 2 3; do
		ip netns exec $NB bpftool prog run id "$id" data_in "$W/syn.bin" \
			ctx_in "$W/ctx.bin" repeat 200000 2>&1 | sed -n 's/.*duration (average): \([0-9]*\)ns/\1/p'
	done | sort -n | head -1
}

# measure V M: one value of metric M under variant V, recorded in RES.
measure() {
	local v=$1 m=$2 val
	val=$(m_$m)
	[ -n "$val" ] || return 1
	echo "round $ROUND $v $m $val" >&2
	RES[$v.$m]+="$val "
	if [ $v.$m = tabby.udp ]; then
		m_udp_tabby >/dev/null && [ -s "$W/prog_ns" ] || return 1
		RES[tabby.prog]+="$(cat "$W/prog_ns") "
	fi
}

# One round: for each metric (shuffled), every variant (shuffled) is applied, measured and
# removed, so the four values of a metric are taken within seconds of each other. A variant's
# first application is checked to enforce its policy.
declare -A CHECKED
round() {
	local v m
	for m in $(printf '%s\n' udp rr crr tcp | shuf); do
		for v in $(printf '%s\n' bare tabby nftset calico | shuf); do
			apply_$v || { clear_$v 2>/dev/null; fail "applying $v"; }
			if [ $v != bare ] && [ -z "${CHECKED[$v]:-}" ]; then
				enforced || { clear_$v; fail "$v does not enforce its policy"; }
				CHECKED[$v]=1
			fi
			measure $v $m || { clear_$v; fail "$m under $v"; }
			clear_$v 2>/dev/null
		done
	done
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{ a[NR] = $1 } END {
	print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

row() { # name value unit peer peer_value target
	jq -cn --arg n "$1" --argjson v "$2" --arg u "$3" --arg p "$4" --arg pv "$5" --arg t "$6" \
		'{name: $n, value: $v, unit: $u, peer: (if $p == "" then null else $p end),
		  peer_value: (if $pv == "" then null else ($pv | tonumber) end),
		  ratio: (if $pv == "" then null else ($v / ($pv | tonumber)) end),
		  target: (if $t == "" then null else $t end)}'
}

# rows METRIC UNIT T_BARE T_NFTSET T_CALICO: each variant against bare routing, and tabby
# against each of the other two, with the issue's targets for tabby.
rows() {
	local m=$1 u=$2 v
	declare -A md
	for v in bare tabby nftset calico; do md[$v]=$(median <<<"${RES[$v.$m]}"); done
	row "dataplane.$m.bare" "${md[bare]}" "$u" "" "" ""
	row "dataplane.$m.tabby" "${md[tabby]}" "$u" "bare routing" "${md[bare]}" "$3"
	row "dataplane.$m.nftset" "${md[nftset]}" "$u" "bare routing" "${md[bare]}" ""
	row "dataplane.$m.calico" "${md[calico]}" "$u" "bare routing" "${md[bare]}" ""
	row "dataplane.$m.tabby_vs_nftset" "${md[tabby]}" "$u" "nftables set, 10,000 rules" \
		"${md[nftset]}" "$4"
	row "dataplane.$m.tabby_vs_calico" "${md[tabby]}" "$u" "Calico-like nftables, 1,000 rules" \
		"${md[calico]}" "$5"
}

# Sourced (to try one variant by hand): functions only.
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0
for t in dpload udpblast tcprr; do [ -x "$T/$t" ] || fail "$T/$t missing (make all)"; done
command -v iperf3 >/dev/null || fail "iperf3 missing (make deps)"
topology || fail "topology setup"
servers || fail "servers in pod B"
for ROUND in $(seq "$ROUNDS"); do round; done
apply_tabby || fail "applying tabby"
HOT=$(decide_hot)
clear_tabby 2>/dev/null
[ -n "$HOT" ] || fail "bpftool prog run of tabB's program"
rows udp ns/packet "<= 1.3" "<= 1.0" "<= 0.2"
rows rr trans/s ">= 0.9" ">= 1.0" ""
rows crr conn/s ">= 0.9" ">= 1.0" ">= 1.4"
rows tcp Gbit/s ">= 0.8" ">= 1.0" ""
row dataplane.udp.tabby_prog_ns "$(median <<<"${RES[tabby.prog]}")" ns/packet "" "" ""
row dataplane.tabby_decide_hot_ns "$HOT" ns/decision "" "" ""
