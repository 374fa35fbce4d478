#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tabbyd's host-side reconciler in a running cluster: the node's block gets its blackhole
# (route protocol 84), a pod's broken host side is repaired, a veth that outlived its pod is
# removed, and what is not tabby's stays.
#
#   node ns: tabbyd (sweep every 1 s, 1 s grace)
#     tab<hash> --veth-- eth0 [pod x/a]      tab<hash> --veth-- eth0 [pod x/b]
#     tabdead --veth-- deadpeer   (no endpoint: must go)
#     keep0 --veth-- keep1, blackhole 10.99.0.0/24 proto static   (not tabby's: must stay)
set -u
here=$(cd "$(dirname "$0")" && pwd)
export TABBY_HOSTSIDE_INTERVAL=1 TABBY_HOSTSIDE_GRACE=1
. "$here/lib/cluster.sh"
trap cluster_down EXIT

cluster_up || { not_ok "cluster setup"; exit 1; }
namespace_add x '{"ns": "x"}' && pod_add x a '{"pod": "a"}' && pod_add x b '{"pod": "b"}' ||
	{ not_ok "pods setup"; exit 1; }

node() { ip netns exec "$NODE" "$@"; }
# until SECONDS CMD...: true once CMD succeeds within the time.
until_ok() {
	local end=$((SECONDS + $1))
	shift
	while [ $SECONDS -le $end ]; do "$@" && return 0; sleep 0.2; done
	return 1
}
veth_of() { # POD-IP: the host-side interface of the route to it
	node ip -4 route show "$1/32" | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") print $(i + 1) }'
}
A=${POD_IP[x/a]}
B=${POD_IP[x/b]}
VA=$(veth_of "$A")
IFS=. read -r o1 o2 o3 o4 <<<"$A"
block=$o1.$o2.$o3.$((o4 & 192))/26	# the pool's blockSize is 26

has_blackhole() { node ip route show "$block" | grep -q 'blackhole.*proto 84'; }
if until_ok 5 has_blackhole; then
	ok "the node's block $block is a blackhole with protocol 84"
else
	not_ok "the node's block $block has no blackhole"
fi

route_ok() { node ip -4 route show "$A/32" | grep -q "dev $VA"; }
sysctl_ok() { node grep -qx 1 "/proc/sys/net/ipv4/conf/$VA/proxy_arp"; }
node ip route del "$A/32" dev "$VA"
node sh -c "echo 0 > /proc/sys/net/ipv4/conf/$VA/proxy_arp"
if until_ok 5 route_ok && until_ok 1 sysctl_ok; then
	ok "pod x/a's deleted route and proxy_arp are repaired"
else
	not_ok "pod x/a's host side is not repaired"
fi
if ip netns exec "${POD_NS[x/a]}" ping -c1 -W2 "$B" >/dev/null; then
	ok "x/a reaches x/b after the repair"
else
	not_ok "x/a does not reach x/b after the repair"
fi

node ip link add tabdead type veth peer name deadpeer
node ip link set tabdead up
node ip link set deadpeer up
node ip route add 10.65.250.1/32 dev tabdead
node ip link add keep0 type veth peer name keep1
node ip route add blackhole 10.99.0.0/24 proto static
gone() { ! node ip link show tabdead >/dev/null 2>&1; }
if until_ok 6 gone; then
	ok "a tab veth no endpoint names is removed after the grace period"
else
	not_ok "the orphaned tabdead is still there"
fi
if node ip link show keep0 >/dev/null 2>&1 && node ip route show 10.99.0.0/24 | grep -q blackhole &&
	node ip link show "$VA" >/dev/null 2>&1 && route_ok; then
	ok "links and routes that are not tabby's, and the pods', stay"
else
	not_ok "the sweep removed something it does not own"
fi

removed=$(node curl -sf http://127.0.0.1:9091/metrics | sed -n 's/^tabby_hostside_links_removed_total //p')
if [ "${removed%.*}" -ge 1 ] 2>/dev/null; then
	ok "tabby_hostside_links_removed_total counts it ($removed)"
else
	not_ok "tabby_hostside_links_removed_total is '${removed:-absent}'"
fi

echo "1..$T_N"
[ "$T_FAIL" -eq 0 ]
