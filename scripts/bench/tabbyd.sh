#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tabbyd on one node (vm-tests/lib/cluster.sh), measured with real traffic:
#
#   [bench-src] eth0 --veth-- tab..   node ns: tabbyd    tab.. --veth-- eth0 [bench-sink]
#                                     tabf.. x N --veth-- f.. [fill ns]
#
#   tabbyd.propagation.{deny,label}.e<E>.p<P>.p50|p99
#       a UDP flow of $PPS packets/s, every packet a new flow, from bench/src to bench/sink; a
#       deny applied with tabbyctl (deny: a GlobalNetworkPolicy; label: `tabbyctl label pod`
#       makes a standing deny select the sink); ms from the write's commit to the last packet
#       the sink sees (by its send time), with E local endpoints (real veths, WorkloadEndpoints
#       written directly) and P GlobalNetworkPolicies. Peer: `nft -f` adding one rule to a
#       10,000-rule ruleset, interleaved with the flips in the same run.
#   tabbyd.map_to_enforced.*.p99   ms from tabbyd's map write (the sink's entry in the endpoint
#                                  map changing, polled every 100 us) to the last packet
#   tabbyd.agent.*.p50             ms from the commit to that map write (calc + compile + maps)
#   tabbyd.resume.*.p50            ms from the commit that lifts the deny to the first packet
#   tabbyd.dataplane_update_mean.*, tabbyd.calc_batch_mean.*   tabbyd's own histograms over the
#                                  flips (tabby_dataplane_update_duration_seconds, one endpoint
#                                  direction programmed; tabby_calc_duration_seconds, one batch)
#   tabbyd.rss.e<N>.p<N>, tabbyd.idle_cpu.e<N>.p<N>, tabbyd.bpf_maps.e<N>.p<N>
#       VmRSS, CPU (utime+stime) over 10 s idle, and the memlock of every BPF map tabbyd
#       holds (its fds, plus the inner tables of the pinned map-in-maps), at 0, 1,000 and
#       10,000 endpoints and policies (1,000 local; the 10,000 case adds 9,000 on node2).
#   tabbyd.idle_cpu_ct_full.e1000.p1000  the same CPU right after the flow, conntrack full
#
# docs/perf.md ("tabbyd") says more. BENCH=tabbyd runs only this; FLIPS, PPS, ENDPOINTS,
# POLICIES and RESOURCES=0 shorten it while working on it.
set -euo pipefail
case "${BENCH:-tabbyd}" in tabbyd*|"") ;; *) exit 0 ;; esac
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
PPS=${PPS:-4000}
GAP_MS=${GAP_MS:-30}
FLIPS=${FLIPS:-15}
C_ID=bn$$
source vm-tests/lib/cluster.sh
W=$C_DIR/bench
FILL_NS=$C_ID-fill
NFT_NS=$C_ID-nft
mkdir -p "$W"

cleanup() {
	set +e
	ip netns del "$FILL_NS" 2>/dev/null
	ip netns del "$NFT_NS" 2>/dev/null
	cluster_down
}
trap cleanup EXIT

row() { # name value unit target
	jq -cn --arg n "$1" --argjson v "$2" --arg u "$3" --arg t "$4" \
		'{name: $n, value: $v, unit: $u, peer: null, peer_value: null, ratio: null,
		  target: (if $t == "" then null else $t end)}'
}

# --- resources ---------------------------------------------------------------------
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$TABBYD_PID/stat"; }

# Bytes of memlock of every BPF map tabbyd holds an fd of, and of the inner tables the
# pinned map-in-maps point at (their fds are given to the outer maps and closed).
map_budget() {
	local ids
	ids=$( (grep -h '^map_id:' /proc/"$TABBYD_PID"/fdinfo/* 2>/dev/null | awk '{ print $2 }'
		for m in "$C_BPF"/node1/*; do
			bpftool map show pinned "$m" -j 2>/dev/null |
				jq -e '.type | endswith("of_maps")' >/dev/null || continue
			bpftool map dump pinned "$m" -j 2>/dev/null |
				jq -r '.[] | (.inner_map_id // .value // empty) | tostring'
		done) | grep -E '^[0-9]+$' | sort -un)
	for id in $ids; do bpftool map show id "$id" -j 2>/dev/null | jq '.bytes_memlock'; done |
		awk '{ s += $1 } END { print s + 0 }'
}

idle_cpu() { # seconds: CPU of tabbyd over that long, in % of one CPU
	local t0 t1 hz
	hz=$(getconf CLK_TCK)
	t0=$(cpu_ticks)
	sleep "$1"
	t1=$(cpu_ticks)
	awk -v d="$((t1 - t0))" -v hz="$hz" -v s="$1" 'BEGIN { printf "%.2f\n", d * 100 / hz / s }'
}

metrics_line() {
	ip netns exec "$NODE" curl -sf http://127.0.0.1:9091/metrics |
		grep -E '^tabby_(endpoints|policies|selectors|ip_sets|conntrack)[a-z_]* ' |
		tr '\n' ' '
}

# Idle is measured from an empty conntrack table, as on a quiet node: the flow above leaves
# it full (262,144 entries), and walking it is a cost of its own (the ct_full row).
resources() { # tag
	local cpu rss bytes n
	echo "# ${SECONDS}s: resources $1" >&2
	n=$("$BUILD/tools/udpflow" flush "$C_BPF/node1/tb_ct_v4")
	sleep 2	# let the last change and a housekeeping round pass
	cpu=$(idle_cpu 10)
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$TABBYD_PID/status")
	bytes=$(map_budget)
	row "tabbyd.rss.$1" "$(awk -v k="$rss" 'BEGIN { printf "%.2f", k / 1024 }')" MiB \
		"$([ "$1" = e1000.p1000 ] && echo "<= 50 MiB")"
	row "tabbyd.idle_cpu.$1" "$cpu" "% of a CPU" ""
	row "tabbyd.bpf_maps.$1" "$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')" \
		MiB ""
	echo "# $1: VmRSS $rss kB ($(awk '/^Rss(Anon|File|Shmem)/ { printf "%s %s kB ", $1, $2 }' \
		"/proc/$TABBYD_PID/status")), CPU $cpu %, maps $bytes bytes, $n conntrack entries" \
		"flushed; $(metrics_line)" >&2
}

# --- endpoints and policies ---------------------------------------------------------
N_FILL=0
N_POL=0

# Filler WorkloadEndpoints [from, to) on NODE_NAME with veths when local.
gen_weps() { # from to node
	python3 - "$@" <<'PY'
import json, sys
a, b, node = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
items = [{"apiVersion": "projectcalico.org/v3", "kind": "WorkloadEndpoint",
          "metadata": {"name": f"{node}-k8s-fill{i}-eth0", "namespace": "fill",
                       "labels": {"app": f"app-{i % 10}", "role": f"client-{i % 50}",
                                  "projectcalico.org/namespace": "fill",
                                  "projectcalico.org/orchestrator": "k8s"}},
          "spec": {"orchestrator": "k8s", "node": node, "pod": f"fill{i}", "endpoint": "eth0",
                   "interfaceName": f"tabf{i:010x}",
                   "ipNetworks": [f"10.{66 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}/32"]}}
         for i in range(a, b)]
json.dump({"apiVersion": "v1", "kind": "List", "items": items}, sys.stdout)
PY
}

status_count() { ls "$C_DIR/run/node1/endpoint-status" 2>/dev/null | grep -vc '\.tmp$' || true; }

# Grows the local endpoints to $1 (the two traffic pods included), real veths, and waits
# until tabbyd has programmed every one.
endpoints() {
	local want=$(($1 - 2)) i
	echo "# ${SECONDS}s: $1 endpoints" >&2
	[ "$want" -gt "$N_FILL" ] || return 0
	gen_weps "$N_FILL" "$want" node1 >"$W/weps.json"
	ctl apply -f "$W/weps.json" >/dev/null
	for ((i = N_FILL; i < want; i++)); do
		printf 'link add tabf%010x type veth peer name f%d netns %s\n' "$i" "$i" "$FILL_NS"
		printf 'link set tabf%010x up\n' "$i"
	done >"$W/veths.batch"
	ip -n "$NODE" -batch "$W/veths.batch"
	N_FILL=$want
	for i in $(seq 600); do
		[ "$(status_count)" -ge "$1" ] && return 0
		sleep 0.1
	done
	echo "# only $(status_count) of $1 endpoints programmed" >&2
	return 1
}

# GlobalNetworkPolicies bench-pol-[from, to): each selects a tenth of the endpoints and
# allows TCP from one of 50 client roles, denies some nets, allows egress to another role.
gen_pols() { # from to
	python3 - "$@" <<'PY'
import sys
for i in range(int(sys.argv[1]), int(sys.argv[2])):
    print(f"""apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {{name: bench-pol-{i}}}
spec:
  order: {100 + i}
  selector: app == "app-{i % 10}"
  ingress:
  - action: Allow
    protocol: TCP
    source: {{selector: role == "client-{i % 50}"}}
    destination: {{ports: [80, "8000:8080"]}}
  - action: Deny
    source: {{nets: [172.16.{i % 256}.0/24]}}
  egress:
  - action: Allow
    protocol: TCP
    destination: {{selector: role == "client-{(i + 1) % 50}", ports: [443]}}
---""")
PY
}

policies() { # count
	echo "# ${SECONDS}s: $1 policies" >&2
	if [ "$1" -gt "$N_POL" ]; then
		gen_pols "$N_POL" "$1" >"$W/pols.yaml"
		ctl apply -f "$W/pols.yaml" >/dev/null
	elif [ "$1" -lt "$N_POL" ]; then
		gen_pols "$1" "$N_POL" >"$W/pols.yaml"
		ctl delete -f "$W/pols.yaml" >/dev/null
	fi
	N_POL=$1
	settle
}

# --- the nft peer: an ip-family ruleset of 10,000 rules in a namespace of its own ---------
nft_setup() {
	ip netns add "$NFT_NS"
	{
		echo "table ip bench {"
		echo "  chain bfwd {"
		echo "    type filter hook forward priority 0; policy accept;"
		for i in $(seq 0 9999); do
			echo "    ip saddr 10.$((66 + i / 65536)).$((i / 256 % 256)).$((i % 256))" \
				"udp dport $((1024 + i % 50000)) accept"
		done
		echo "  }"
		echo "}"
	} >"$W/ruleset.nft"
	ip netns exec "$NFT_NS" nft -f "$W/ruleset.nft"
	echo "add rule ip bench bfwd ip saddr 10.65.0.2 udp dport 81 drop" >"$W/add.nft"
}

# --- run -----------------------------------------------------------------------------
cluster_up
[ "${RESOURCES:-1}" = 1 ] && resources e0.p0
ip netns add "$FILL_NS"
nft_setup
namespace_add bench '{"name": "bench"}'
pod_add bench src '{"app": "app-0", "role": "sender"}'
pod_add bench sink '{"app": "app-0", "role": "sink"}'
apply_settled <<Y
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: bench-allow}
spec:
  order: 100000
  selector: has(app)
  ingress: [{action: Allow}]
  egress: [{action: Allow}]
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: bench-deny-label}
spec:
  order: 1
  selector: blocked == "true"
  types: [Ingress]
  ingress: [{action: Deny, protocol: UDP}]
Y
cat >"$W/deny.yaml" <<Y
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: bench-deny}
spec:
  order: 1
  selector: role == "sink"
  types: [Ingress]
  ingress: [{action: Deny, protocol: UDP}]
Y

: >"$W/events"
# The sink's host-side veth: its ingress policy (direction 0) is what the deny changes.
SINK_IF=$(ip -n "$NODE" -j route get "${POD_IP[bench/sink]}" | jq -r '.[0].dev')
SINK_IFINDEX=$(ip -n "$NODE" -j link show dev "$SINK_IF" | jq '.[0].ifindex')
ip netns exec "${POD_NS[bench/sink]}" "$BUILD/tools/udpflow" sink eth0 "$GAP_MS" \
	"modify:write:$TABBY_DATASTORE_PATH-notify" \
	"map:flip:$C_BPF/node1/tb_pol_ep_v1:$SINK_IFINDEX:0" >>"$W/events" &
C_PIDS+=($!)
ip netns exec "${POD_NS[bench/src]}" "$BUILD/tools/udpflow" send "${POD_IP[bench/sink]}" "$PPS" &
SENDER=$!
C_PIDS+=($SENDER)
sleep 0.5
grep -q '^start' "$W/events" || { echo "# the flow does not reach the sink" >&2; exit 1; }

# "sum count" of one of tabbyd's histograms.
hist() {
	ip netns exec "$NODE" curl -sf http://127.0.0.1:9091/metrics |
		awk -v m="$1" '$1 == m "_sum" { s = $2 } $1 == m "_count" { c = $2 }
			END { print s + 0, c + 0 }'
}

# The mean of a histogram between two readings, in ms: tabbyd's own view of the flips.
hist_row() { # name before after
	local row_v
	row_v=$(awk -v a="$2" -v b="$3" 'BEGIN { split(a, x, " "); split(b, y, " ");
		n = y[2] - x[2]; printf "%.3f", (n > 0 ? (y[1] - x[1]) * 1000 / n : 0) }')
	row "$1" "$row_v" ms ""
}

# Each configuration starts from an empty conntrack table (the flow adds 4,000 entries a
# second, about 50,000 by its end), so they differ only in endpoints and policies.
flips() { # tag [keep-ct]
	local n= dp0 dp1 calc0 calc1
	[ -n "${2:-}" ] || n=$("$BUILD/tools/udpflow" flush "$C_BPF/node1/tb_ct_v4")
	echo "# ${SECONDS}s: flips $1 (${n:-no} conntrack entries flushed)" >&2
	dp0=$(hist tabby_dataplane_update_duration_seconds)
	calc0=$(hist tabby_calc_duration_seconds)
	python3 scripts/bench/tabbyd_flips.py --events "$W/events" --ctl "$BUILD/bin/tabbyctl" \
		--deny "$W/deny.yaml" --pod bench/sink --nft-ns "$NFT_NS" --nft-add "$W/add.nft" \
		--flips "$FLIPS" --gap-ms "$GAP_MS" --tag "$1"
	dp1=$(hist tabby_dataplane_update_duration_seconds)
	calc1=$(hist tabby_calc_duration_seconds)
	hist_row "tabbyd.dataplane_update_mean.$1" "$dp0" "$dp1"
	hist_row "tabbyd.calc_batch_mean.$1" "$calc0" "$calc1"
}

# A snake through the grid, so each step changes one dimension.
rev=
for e in ${ENDPOINTS:-10 100 1000}; do
	endpoints "$e"
	ps=${POLICIES:-10 100 1000}
	if [ -n "$rev" ]; then
		ps=$(echo "$ps" | tr ' ' '\n' | tac | tr '\n' ' ')
		rev=
	else
		rev=1
	fi
	for p in $ps; do
		policies "$p"
		flips "e$e.p$p"
	done
done
[ "${RESOURCES:-1}" = 1 ] || { kill "$SENDER"; exit 0; }
endpoints 1000
policies 1000

# A busy node's conntrack table is full, and the agent walks it every second: the same flips
# once it is (a second sender at a high rate fills it in seconds), then the idle CPU.
ip netns exec "${POD_NS[bench/src]}" "$BUILD/tools/udpflow" send "${POD_IP[bench/sink]}" 50000 &
FILLER=$!
C_PIDS+=($FILLER)
sleep 8
kill "$FILLER"
flips e1000.p1000.ct_full keep
kill "$SENDER"
sleep 1
echo "# ${SECONDS}s: idle with a full conntrack table: $(metrics_line)" >&2
row tabbyd.idle_cpu_ct_full.e1000.p1000 "$(idle_cpu 10)" "% of a CPU" ""
resources e1000.p1000
gen_weps 1000 10000 node2 >"$W/weps.json"
ctl apply -f "$W/weps.json" >/dev/null
policies 10000
resources e10000.p10000
echo "# ${SECONDS}s: done" >&2
