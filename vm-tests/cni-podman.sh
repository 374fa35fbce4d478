#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# podman (CNI backend) runs containers on tabby's network.
#
#   +------------------------- tbpod-node (netns) --------------------------+
#   |  podman, conmon, the tabby plugin run here (nsenter --net)             |
#   |                                                                        |
#   |   tabXXXX ---------- eth0 [ c1: sleep ]   10.77.x.a  fd00:77::a         |
#   |   tabYYYY ---------- eth0 [ c2: ping c1 ] 10.77.x.b  fd00:77::b         |
#   |   routes /32 /128 per veth, forwarding on                              |
#   +------------------------------------------------------------------------+
#
# Checks: podman accepts the 1.0.0 conflist (VERSION), run gets addresses from tabby, two
# containers reach each other over IPv4 and IPv6, WorkloadEndpoints are recorded while they
# run, stop/rm give every address back, and network disconnect takes the addresses away from
# a container that keeps running.
set -uo pipefail
cd "$(dirname "$0")/.."
. vm-tests/lib/cni.sh

W=$(mktemp -d /tmp/tabby-podman-XXXXXX)
NODE=tbpod-$$
DB=$W/store/tabby.db
PODMAN=(nsenter --net=/run/netns/$NODE podman --root "$W/root" --runroot "$W/runroot")
export CONTAINERS_CONF=$W/containers.conf

cleanup() {
	"${PODMAN[@]}" rm -af -t 0 >/dev/null 2>&1
	"${PODMAN[@]}" rmi -af >/dev/null 2>&1
	ip netns del "$NODE" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

command -v podman >/dev/null || die "podman is not installed (make deps)"
mkdir -p "$W/store" "$W/net.d"
make_node "$NODE" || die "node namespace"
make_store "$DB" 10.77.0.0/24 fd00:77::/112 || die "datastore with pools"
write_conflist "$W/net.d/50-tabby.conflist" tabbynet podnode "$DB"
cat >"$CONTAINERS_CONF" <<C
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
[network]
network_backend = "cni"
cni_plugin_dirs = ["$BUILD/cni"]
network_config_dir = "$W/net.d"
C
make_rootfs "$W/rootfs" && tar -C "$W/rootfs" -cf "$W/rootfs.tar" . || die "rootfs"
"${PODMAN[@]}" import --change 'CMD ["/bin/sh"]' "$W/rootfs.tar" localhost/tabby-bbox:latest \
	>/dev/null || die "podman import"

check "podman lists the tabby network (VERSION accepted)" \
	bash -c "${PODMAN[*]} network ls --format '{{.Name}}' | grep -qx tabbynet"

out=$("${PODMAN[@]}" run --rm --network tabbynet localhost/tabby-bbox ip addr show eth0 2>&1)
check "podman run: eth0 has an IPv4 address from the pool" grep -q 'inet 10\.77\.0\.' <<<"$out"
check "podman run: eth0 has an IPv6 address from the pool" grep -q 'inet6 fd00:77::' <<<"$out"
check "podman run --rm: DEL released the addresses" \
	test "$(count_keys "$DB" /calico/ipam/v2/handle/)" = 0
out=$("${PODMAN[@]}" run --rm --network tabbynet --ip 10.77.0.200 localhost/tabby-bbox \
	ip addr show eth0 2>&1)
check "podman run --ip: the fixed address (CNI_ARGS IP=)" grep -q 'inet 10\.77\.0\.200/' <<<"$out"
out=$("${PODMAN[@]}" run --rm --network tabbynet --mac-address 02:42:ac:11:00:09 \
	localhost/tabby-bbox ip link show eth0 2>&1)
check "podman run --mac-address: the workload's MAC (CNI_ARGS MAC=)" \
	grep -q '02:42:ac:11:00:09' <<<"$out"

"${PODMAN[@]}" run -d --name c1 --network tabbynet localhost/tabby-bbox sleep 300 >/dev/null ||
	die "podman run -d c1"
ip4=$("${PODMAN[@]}" inspect c1 --format '{{(index .NetworkSettings.Networks "tabbynet").IPAddress}}')
ip6=$("${PODMAN[@]}" inspect c1 --format '{{(index .NetworkSettings.Networks "tabbynet").GlobalIPv6Address}}')
check "c1 has addresses ($ip4, $ip6)" test -n "$ip4" -a -n "$ip6"
check "c1's WorkloadEndpoint is recorded" \
	test "$(count_keys "$DB" /calico/resources/v3/projectcalico.org/workloadendpoints/)" = 1
check "c2 reaches c1 over IPv4" "${PODMAN[@]}" run --rm --cap-add NET_RAW --network tabbynet \
	localhost/tabby-bbox ping -c1 -W2 "$ip4"
check "c2 reaches c1 over IPv6" "${PODMAN[@]}" run --rm --cap-add NET_RAW --network tabbynet \
	localhost/tabby-bbox ping -6 -c1 -W2 "$ip6"
"${PODMAN[@]}" stop -t 0 c1 >/dev/null 2>&1
check "podman stop: addresses released" test "$(count_keys "$DB" /calico/ipam/v2/handle/)" = 0
check "podman stop: WorkloadEndpoint deleted" \
	test "$(count_keys "$DB" /calico/resources/v3/projectcalico.org/workloadendpoints/)" = 0
"${PODMAN[@]}" start c1 >/dev/null 2>&1
check "podman start: ADD again" test "$(count_keys "$DB" /calico/ipam/v2/handle/)" = 1
# disconnect: DEL while the container (and its namespace) lives on.
"${PODMAN[@]}" network disconnect tabbynet c1 >/dev/null 2>&1
check "podman network disconnect: addresses released" \
	test "$(count_keys "$DB" /calico/ipam/v2/handle/)" = 0
check "podman network disconnect: the running container no longer holds them" \
	bash -c "! ${PODMAN[*]} exec c1 ip addr | grep -q 'inet 10\.77\.0\.'"
"${PODMAN[@]}" network connect tabbynet c1 >/dev/null 2>&1
check "podman network connect: ADD again" test "$(count_keys "$DB" /calico/ipam/v2/handle/)" = 1
"${PODMAN[@]}" rm -f -t 0 c1 >/dev/null 2>&1
check "podman rm -f: addresses released" test "$(count_keys "$DB" /calico/ipam/v2/handle/)" = 0

echo "1..$T_N"
[ "$T_FAIL" -eq 0 ]
