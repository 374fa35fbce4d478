#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# containerd's `ctr run --cni` runs containers on tabby's network.
#
#   +------------------------- tbctr-node (netns) ---------------------------+
#   |  ctr (go-cni: runs the tabby plugin here), private mount namespace      |
#   |  with /etc/cni/net.d and /opt/cni/bin bound to this test's files        |
#   |                                                                         |
#   |   tabXXXX ---------- eth0 [ c1: sleep ]    10.78.x.a  fd00:78::a         |
#   |   tabYYYY ---------- eth0 [ c2: ping c1 ]  10.78.x.b  fd00:78::b         |
#   +-------------------------------------------------------------------------+
#   containerd runs in the host namespace with its own root/state/socket under $W.
#
# Checks: ADD from ctr gives addresses, containers reach each other, and the DEL ctr sends at
# exit (with CNI_NETNS empty) releases everything.
set -uo pipefail
cd "$(dirname "$0")/.."
. vm-tests/lib/cni.sh

W=$(mktemp -d /tmp/tabby-ctr-XXXXXX)
NODE=tbctr-$$
DB=$W/store/tabby.db
CTRD_PID=
MADE_NETD=

cleanup() {
	[ -n "$CTRD_PID" ] && kill "$CTRD_PID" 2>/dev/null && wait "$CTRD_PID" 2>/dev/null
	ip netns del "$NODE" 2>/dev/null
	umount -R "$W"/ctrd/root 2>/dev/null
	rm -rf "$W"
	[ -n "$MADE_NETD" ] && rmdir /etc/cni/net.d /etc/cni 2>/dev/null
	# containerd's runtime directories, only if empty (another user may have its own there)
	rmdir /run/containerd/runc/tabbytest /run/containerd/runc /run/containerd/fifo \
		/run/containerd/s /run/containerd 2>/dev/null
}
trap cleanup EXIT

command -v ctr >/dev/null && command -v containerd >/dev/null ||
	die "containerd is not installed (make deps)"
mkdir -p "$W/store" "$W/net.d" "$W/opt/cni/bin" "$W/ctrd"
make_node "$NODE" || die "node namespace"
make_store "$DB" 10.78.0.0/24 fd00:78::/112 || die "datastore with pools"
write_conflist "$W/net.d/10-tabby.conflist" tabbyctr ctrnode "$DB"
cp "$BUILD/cni/tabby" "$BUILD/cni/tabby-ipam" "$W/opt/cni/bin/"
make_rootfs "$W/rootfs" || die "rootfs"

printf 'version = 2\nroot = "%s/ctrd/root"\nstate = "%s/ctrd/state"\n' "$W" "$W" >"$W/ctrd/config.toml"
printf 'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "%s/ctrd/sock"\n' \
	"$W" >>"$W/ctrd/config.toml"
containerd --config "$W/ctrd/config.toml" >"$W/ctrd/log" 2>&1 &
CTRD_PID=$!
for _ in $(seq 50); do [ -S "$W/ctrd/sock" ] && break; sleep 0.1; done
[ -S "$W/ctrd/sock" ] || die "containerd did not start"

# ctr in the node's network namespace, with the CNI directories it insists on bound to ours.
cat >"$W/ctr.sh" <<X
#!/bin/sh
set -e
mount --make-rprivate /
mount --bind $W/net.d /etc/cni/net.d
mount --bind $W/opt /opt
exec ctr --address $W/ctrd/sock -n tabbytest "\$@"
X
chmod +x "$W/ctr.sh"
# ctr insists on /etc/cni/net.d: make the mount point only if missing, and remove it after.
if [ ! -d /etc/cni/net.d ]; then
	mkdir -p /etc/cni/net.d && MADE_NETD=1
fi
CTR=(nsenter --net=/run/netns/$NODE unshare -m "$W/ctr.sh")
RUN=(run --rm --cni --env PATH=/bin --rootfs "$W/rootfs")

out=$("${CTR[@]}" "${RUN[@]}" c0 /bin/ip addr show eth0 2>&1)
check "ctr run --cni: eth0 has an IPv4 address from the pool" grep -q 'inet 10\.78\.0\.' <<<"$out"
check "ctr run --cni: eth0 has an IPv6 address from the pool" grep -q 'inet6 fd00:78::' <<<"$out"
check "ctr's DEL (CNI_NETNS empty) released the addresses" \
	test "$(count_keys "$DB" /calico/ipam/v2/handle/)" = 0

"${CTR[@]}" "${RUN[@]}" c1 /bin/sleep 8 >/dev/null 2>&1 &
c1=$!
for _ in $(seq 50); do
	[ "$(count_keys "$DB" /calico/resources/v3/projectcalico.org/workloadendpoints/)" = 1 ] && break
	sleep 0.1
done
wep=$(sqlite3 "$DB" "select value from kv where key like '%workloadendpoints/default/ctrnode-cni-tabbytest--c1-eth0'")
ip4=$(jq -r '.spec.ipNetworks[0]' <<<"$wep" | cut -d/ -f1)
ip6=$(jq -r '.spec.ipNetworks[1]' <<<"$wep" | cut -d/ -f1)
check "c1's WorkloadEndpoint names the container ID ctr sent" \
	test "$(jq -r .spec.containerID <<<"$wep")" = tabbytest-c1
check "c2 reaches c1 over IPv4 ($ip4)" "${CTR[@]}" "${RUN[@]}" c2 /bin/ping -c1 -W2 "$ip4"
check "c2 reaches c1 over IPv6 ($ip6)" "${CTR[@]}" "${RUN[@]}" c3 /bin/ping -6 -c1 -W2 "$ip6"
wait "$c1"
check "after every container exited, no address is held" \
	test "$(count_keys "$DB" /calico/ipam/v2/handle/)" = 0
check "and no WorkloadEndpoint is left" \
	test "$(count_keys "$DB" /calico/resources/v3/projectcalico.org/workloadendpoints/)" = 0

echo "1..$T_N"
[ "$T_FAIL" -eq 0 ]
