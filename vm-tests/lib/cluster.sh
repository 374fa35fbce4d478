#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A one-node tabby cluster in network namespaces, for policy tests and the demo (sourced).
#
#   +------------------------- node ns ($NODE) ----------------------------+
#   |  tabbyd (NODENAME=node1, pins on a private bpffs, embedded store)     |
#   |  tab<hash> --veth-- eth0 [pod ns x-a]   tab<hash> --veth-- eth0 [..]  |
#   +-----------------------------------------------------------------------+
#
# Pods are created by the CNI plugin (as a runtime would), with policy_setup_timeout_seconds
# so ADD returns only once tabbyd has programmed them. Every pod runs netprobe's TCP and UDP
# echo servers on ports 80 and 81. Everything is removed by cluster_down, also on failure
# (the caller traps it), processes by PID.

BUILD=${BUILD:-build}
BUILD=$(cd "$BUILD" && pwd)
C_ID=${C_ID:-t$$}
C_DIR=$(mktemp -d /tmp/tabby-cluster-XXXXXX)
NODE=$C_ID-node
C_BPF=/run/tabby-$C_ID/bpf
C_PIDS=()
C_NS=()
declare -A POD_IP POD_NS

# C_DATASTORE=etcd runs a one-member etcd in the node namespace and points every component
# at it (tabbyctl then runs in the node namespace too, where the etcd listens).
C_DATASTORE=${C_DATASTORE:-local}
export TABBY_DATASTORE_PATH=$C_DIR/tabby.db
unset DATASTORE_TYPE ETCD_ENDPOINTS
C_ETCD=http://127.0.0.1:23790

ctl() {
	if [ "$C_DATASTORE" = etcd ]; then
		ip netns exec "$NODE" "$BUILD/bin/tabbyctl" "$@"
	else
		"$BUILD/bin/tabbyctl" "$@"
	fi
}

etcd_up() {
	ip netns exec "$NODE" etcd --name n1 --data-dir "$C_DIR/etcd" \
		--listen-client-urls "$C_ETCD" --advertise-client-urls "$C_ETCD" \
		--listen-peer-urls http://127.0.0.1:23800 \
		--initial-advertise-peer-urls http://127.0.0.1:23800 \
		--initial-cluster n1=http://127.0.0.1:23800 --max-txn-ops 1024 \
		>"$C_DIR/etcd.log" 2>&1 &
	C_PIDS+=($!)
	export DATASTORE_TYPE=etcdv3 ETCD_ENDPOINTS=$C_ETCD
	for _ in $(seq 100); do
		ip netns exec "$NODE" etcdctl --endpoints "$C_ETCD" endpoint health >/dev/null 2>&1 &&
			return 0
		sleep 0.1
	done
	echo "# etcd did not start:" >&2
	sed 's/^/#   /' "$C_DIR/etcd.log" >&2
	return 1
}

cluster_down() {
	# Every step runs whatever the ones before did: callers may have set -e.
	local p
	for p in "${C_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${C_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	for p in "${C_NS[@]}"; do ip netns del "$p" 2>/dev/null || true; done
	ip netns del "$NODE" 2>/dev/null || true
	umount "$C_BPF" 2>/dev/null || true
	[ -n "${KEEP_LOGS:-}" ] && cp "$C_DIR/tabbyd.log" "$KEEP_LOGS" 2>/dev/null
	rm -rf "/run/tabby-$C_ID" "$C_DIR"
	return 0
}

# Starts tabbyd in the node namespace and waits until it is ready.
cluster_up() {
	mkdir -p "$C_BPF" && mount -t bpf bpf "$C_BPF" || return 1
	ip netns add "$NODE" || return 1
	ip -n "$NODE" link set lo up
	ip netns exec "$NODE" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	if [ "$C_DATASTORE" = etcd ]; then
		etcd_up || return 1
	fi
	ctl apply -f - >/dev/null <<Y || return 1
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: pods}
spec: {cidr: 10.65.0.0/16, blockSize: 26}
Y
	ip netns exec "$NODE" env NODENAME=node1 TABBY_BPF_PIN_PATH="$C_BPF" \
		TABBY_RUN_DIR="$C_DIR/run" ${TABBY_LOG_LEVEL:+TABBY_LOG_LEVEL=$TABBY_LOG_LEVEL} IP=none \
		TABBY_HEALTH_PORT=9099 TABBY_METRICS_PORT=9091 \
		${TABBYD_WRAPPER:-} "$BUILD/bin/tabbyd" >"$C_DIR/tabbyd.log" 2>&1 &
	C_PIDS+=($!)
	TABBYD_PID=$!
	wait_ready
}

wait_ready() {
	local i
	for i in $(seq 200); do
		ip netns exec "$NODE" curl -sf "http://127.0.0.1:9099/readiness" >/dev/null && return 0
		kill -0 "$TABBYD_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# tabbyd did not become ready; its log:" >&2
	sed 's/^/#   /' "$C_DIR/tabbyd.log" >&2
	return 1
}

# Restarts the agent (same settings): what an upgrade does. An agent already stopped (a test
# killed it, or it crashed) is just started again.
tabbyd_restart() {
	kill "$TABBYD_PID" 2>/dev/null
	wait "$TABBYD_PID" 2>/dev/null
	tabbyd_start
}

tabbyd_start() {
	ip netns exec "$NODE" env NODENAME=node1 TABBY_BPF_PIN_PATH="$C_BPF" \
		TABBY_RUN_DIR="$C_DIR/run" ${TABBY_LOG_LEVEL:+TABBY_LOG_LEVEL=$TABBY_LOG_LEVEL} IP=none \
		TABBY_HEALTH_PORT=9099 TABBY_METRICS_PORT=9091 \
		"$BUILD/bin/tabbyd" >>"$C_DIR/tabbyd.log" 2>&1 &
	C_PIDS+=($!)
	TABBYD_PID=$!
	wait_ready
}

namespace_add() { # name labels-json
	ctl apply -f - >/dev/null <<Y
{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "$1", "labels": $2}}
Y
}

# pod_add NS NAME LABELS-JSON: the Pod object, then CNI ADD in a new network namespace.
pod_add() {
	local ns=$1 name=$2 labels=$3 netns=$C_ID-$1-$2 out
	ctl apply -f - >/dev/null <<Y || return 1
{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "$name", "namespace": "$ns", "labels": $labels},
 "spec": {"containers": [{"name": "c", "ports": [{"name": "serve-80", "containerPort": 80},
   {"name": "serve-81-udp", "containerPort": 81, "protocol": "UDP"}]}]}}
Y
	ip netns add "$netns" || return 1
	C_NS+=("$netns")
	ip -n "$netns" link set lo up
	out=$(cni ADD "$ns" "$name" "$netns") || { echo "# CNI ADD $ns/$name: $out" >&2; return 1; }
	POD_IP[$ns/$name]=$(jq -r '.ips[0].address' <<<"$out" | cut -d/ -f1)
	POD_NS[$ns/$name]=$netns
	ip netns exec "$netns" "$BUILD/tools/netprobe" serve 80 81 &
	C_PIDS+=($!)
}

cni() { # COMMAND NS POD NETNS
	local store="\"datastore_type\": \"local\", \"datastore_path\": \"$TABBY_DATASTORE_PATH\""
	[ "$C_DATASTORE" = etcd ] &&
		store="\"datastore_type\": \"etcdv3\", \"etcd_endpoints\": \"$C_ETCD\""
	cat >"$C_DIR/net.conf" <<J
{"cniVersion": "1.0.0", "name": "k8s-pod-network", "type": "tabby", "nodename": "node1",
 $store, "policy_setup_timeout_seconds": 10, "ipam": {"type": "tabby-ipam"}}
J
	ip netns exec "$NODE" env CNI_COMMAND="$1" CNI_CONTAINERID="$C_ID-$2-$3" \
		CNI_NETNS="/run/netns/$4" CNI_IFNAME=eth0 CNI_PATH="$BUILD/cni" \
		CNI_ARGS="K8S_POD_NAMESPACE=$2;K8S_POD_NAME=$3" TABBY_RUN_DIR="$C_DIR/run" \
		"$BUILD/cni/tabby" <"$C_DIR/net.conf"
}

# The standard topology: namespaces x, y, z (label ns=<name>), pods a, b, c (label pod=<name>).
PODS=(x/a x/b x/c y/a y/b y/c z/a z/b z/c)
standard_pods() {
	local p
	for n in x y z; do namespace_add $n "{\"ns\": \"$n\"}" || return 1; done
	for p in "${PODS[@]}"; do
		pod_add "${p%/*}" "${p#*/}" "{\"pod\": \"${p#*/}\"}" || return 1
	done
	sleep 0.2	# servers listening
}

# matrix PORT PROTO: prints the reachability grid, a row per source, '.' reached, 'X' not.
matrix() {
	local port=$1 proto=$2 s d
	for s in "${PODS[@]}"; do
		for d in "${PODS[@]}"; do
			echo "${POD_NS[$s]} ${POD_IP[$d]} $port $proto"
		done
	done | "$BUILD/tools/netprobe" matrix "${PROBE_MS:-400}" | awk -v n=${#PODS[@]} '
		{ row = row ($5 == "ok" ? "." : "X") }
		NR % n == 0 { print row; row = "" }' | paste -d' ' <(printf '%s\n' "${PODS[@]}") -
}

# expect_matrix NAME PORT PROTO <<< grid: one TAP line; on failure both grids.
expect_matrix() {
	local name=$1 want got
	want=$(grep -v '^#' | sed 's/[[:space:]]*$//')
	got=$(matrix "$2" "$3")
	if [ "$want" = "$got" ]; then
		ok "$name ($3/$2)"
	else
		not_ok "$name ($3/$2)"
		paste <(echo "want"; echo "$want") <(echo "got"; echo "$got") | sed 's/^/#   /'
	fi
}

# Namespace x isolated for ingress: only each pod itself reaches an x pod.
X_INGRESS_DENIED="x/a .XX......
x/b X.X......
x/c XX.......
y/a XXX......
y/b XXX......
y/c XXX......
z/a XXX......
z/b XXX......
z/c XXX......"

ALL_OPEN="x/a .........
x/b .........
x/c .........
y/a .........
y/b .........
y/c .........
z/a .........
z/b .........
z/c ........."

# TAP, unless the caller brought its own.
if ! declare -F ok >/dev/null; then
	T_N=0
	T_FAIL=0
	ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
	not_ok() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $*"; }
fi
if ! declare -F check >/dev/null; then
	# check "description" command...: one TAP line from the command's status
	check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
fi

# Waits until tabbyd has programmed every change up to the datastore's current revision.
settle() {
	local want got i
	want=$(ctl version | sed -n 's/^Datastore revision: *//p')
	for i in $(seq 100); do
		got=$(ip netns exec "$NODE" curl -sf http://127.0.0.1:9091/metrics |
			sed -n 's/^tabby_datastore_revision //p')
		[ -n "$got" ] && [ "${got%.*}" -ge "$want" ] && return 0
		sleep 0.02
	done
	echo "# tabbyd did not reach revision $want (at ${got:-?})" >&2
	return 1
}

# apply_settled: tabbyctl apply from stdin, then wait for the dataplane.
apply_settled() {
	ctl apply -f - >/dev/null && settle
}

delete_settled() { # KIND NAME [-n NS]
	ctl delete "$@" >/dev/null && settle
}

# The standard grid when only column x/a is restricted: one character per row (x/a..z/c)
# for that column, every other column open.
column_a() {
	local i=0 p
	for p in "${PODS[@]}"; do
		echo "$p ${1:$i:1}........"
		i=$((i + 1))
	done
}

# Writers of policy documents that wait for the dataplane.
knp() { # NAME NS SPEC-JSON: a Kubernetes NetworkPolicy
	apply_settled <<J
{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
 "metadata": {"name": "$1", "namespace": "$2"}, "spec": $3}
J
}
gnp() { # NAME SPEC-JSON: a GlobalNetworkPolicy
	calico GlobalNetworkPolicy "$@"
}
calico() { # KIND NAME SPEC-JSON: any global projectcalico.org/v3 kind
	apply_settled <<J
{"apiVersion": "projectcalico.org/v3", "kind": "$1", "metadata": {"name": "$2"}, "spec": $3}
J
}
