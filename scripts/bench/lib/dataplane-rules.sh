# SPDX-License-Identifier: Apache-2.0
# The nftables peers of the live dataplane benchmark (sourced by scripts/bench/dataplane.sh).
# Both carry the same rules as tabby's ingress policy (vm-tests/tools/dpload.c): fillers that
# the traffic never matches, then, last, TCP from the client's /24 to 5201 and 7000-7001 and
# UDP from it to 9000. Each node filters the traffic towards its own pod (oifname), as tabby's
# program on the pod's veth does. Both use the `ip` family (an `inet` table costs ~4x per rule,
# perf-method.md).

# nft_sets IFACE RULES CLIENT24: "nftables with a set of the same rules", stateless. One
# interval set of (source net . protocol . destination port) holds every rule, so the lookup is
# flat in the rule count. Stateless means no connection tracking, so a reply is let through by
# the same set looked up the other way round (destination net . protocol . source port).
nft_sets() {
	local ifc=$1 n=$2 c=$3
	echo "table ip tbbench {"
	echo "  set rules { type ipv4_addr . inet_proto . inet_service; flags interval;"
	echo "    elements = {"
	awk -v n="$n" -v c="$c" 'BEGIN {
		for (i = 0; i < n - 2; i++)
			printf "      10.%d.%d.0/24 . %s . %d,\n", int(i / 256), i % 256,
				(i % 2 ? "udp" : "tcp"), 1000 + i % 4000
		printf "      %s . tcp . 5201, %s . tcp . 7000-7001, %s . udp . 9000 }\n", c, c, c
	}'
	echo "  }"
	echo "  chain tbfwd { type filter hook forward priority 0; policy accept;"
	echo "    oifname \"$ifc\" ip saddr . meta l4proto . th dport @rules accept"
	echo "    oifname \"$ifc\" ip daddr . meta l4proto . th sport @rules accept"
	echo "    oifname \"$ifc\" drop"
	echo "  }"
	echo "}"
}

# nft_calico IFACE RULES CLIENT24: the shape Calico's iptables mode renders, in nftables:
# stateful (established and related accepted first, invalid dropped), a dispatch on the
# output interface to the endpoint's chain, which clears the accept mark, runs the policy
# chain and accepts on the mark, else drops. The policy chain has one rule per policy rule,
# its matches in Calico's order (protocol, source selector, destination port); a selector is
# an IP set of pod addresses (hash, /32 members, as Calico's selector ipsets); a match sets
# the mark and returns.
nft_calico() {
	local ifc=$1 n=$2 c=${3%.*/*}
	echo "table ip tbbench {"
	awk -v n="$n" -v c="$c" 'BEGIN {
		for (h = 10; h < 250; h++)
			client = client sprintf(", %s.%d", c, h)
		for (i = 0; i < n; i++) {
			m = i < n - 2 ? sprintf("10.%d.%d.1", int(i / 256), i % 256) : c ".2" client
			printf "  set s%d { type ipv4_addr; elements = { %s } }\n", i, m
		}
		print "  chain pi {"
		for (i = 0; i < n - 2; i++) {
			p = i % 2 ? "udp" : "tcp"
			printf "    meta l4proto %s ip saddr @s%d", p, i
			printf " %s dport %d", p, 1000 + i % 4000
			print " meta mark set meta mark | 0x10000 return"
		}
		printf "    meta l4proto tcp ip saddr @s%d tcp dport { 5201, 7000-7001 }", n - 2
		print " meta mark set meta mark | 0x10000 return"
		printf "    meta l4proto udp ip saddr @s%d udp dport 9000", n - 1
		print " meta mark set meta mark | 0x10000 return"
		print "  }"
	}'
	echo "  chain tw { meta mark set meta mark & 0xfffeffff; jump pi;"
	echo "    meta mark & 0x10000 == 0x10000 accept; drop; }"
	echo "  chain tbfwd { type filter hook forward priority 0; policy accept;"
	echo "    ct state established,related accept"
	echo "    ct state invalid drop"
	echo "    oifname \"$ifc\" jump tw"
	echo "  }"
	echo "}"
}
