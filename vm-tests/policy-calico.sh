#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Calico v3 policy semantics on the 9-pod reachability matrix (see policy-k8s.sh for the
# topology). Most cases restrict ingress to x/a, so only the first column changes; the
# column_a pattern gives that column for rows x/a..z/c.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/cluster.sh"
trap cluster_down EXIT

cluster_up || { not_ok "cluster setup"; exit 1; }
standard_pods || { not_ok "pods setup"; exit 1; }

XA='projectcalico.org/namespace == \"x\" && pod == \"a\"'

del() { delete_settled "$@"; }

expect_matrix "profiles decide without policy" 80 tcp <<<"$ALL_OPEN"

gnp a-deny "{\"order\": 10, \"selector\": \"$XA\", \"ingress\": [{\"action\": \"Deny\"}]}"
gnp b-allow "{\"order\": 10, \"selector\": \"$XA\", \"ingress\": [{\"action\": \"Allow\"}]}"
expect_matrix "equal order: the name decides (a-deny first)" 80 tcp < <(column_a ".XXXXXXXX")
gnp b-allow "{\"order\": 5, \"selector\": \"$XA\", \"ingress\": [{\"action\": \"Allow\"}]}"
expect_matrix "lower order first (b-allow at 5)" 80 tcp <<<"$ALL_OPEN"
del gnp a-deny b-allow

gnp deny-first "{\"selector\": \"$XA\", \"ingress\": [
  {\"action\": \"Log\"},
  {\"action\": \"Deny\", \"source\": {\"namespaceSelector\": \"ns == 'y'\"}},
  {\"action\": \"Allow\"}]}"
expect_matrix "Log continues, Deny before Allow" 80 tcp < <(column_a "...XXX...")
del gnp deny-first

calico Tier sec '{"order": 100}'
gnp sec.pass "{\"tier\": \"sec\", \"selector\": \"$XA\", \"ingress\": [
  {\"action\": \"Pass\", \"source\": {\"namespaceSelector\": \"ns == 'z'\"}}]}"
expect_matrix "Pass to the next tier (profiles), tier end denies the rest" 80 tcp \
	< <(column_a ".XXXXX...")
del gnp sec.pass
del tier sec

calico Tier soft '{"order": 50, "defaultAction": "Pass"}'
gnp soft.deny-y "{\"tier\": \"soft\", \"selector\": \"$XA\", \"ingress\": [
  {\"action\": \"Deny\", \"source\": {\"namespaceSelector\": \"ns == 'y'\"}}]}"
expect_matrix "tier defaultAction Pass" 80 tcp < <(column_a "...XXX...")
del gnp soft.deny-y
del tier soft

gnp not-sel "{\"selector\": \"$XA\", \"ingress\": [
  {\"action\": \"Allow\", \"source\": {\"notSelector\": \"pod == 'b'\"}}]}"
expect_matrix "notSelector" 80 tcp < <(column_a ".X..X..X.")
del gnp not-sel

gnp not-nets "{\"selector\": \"$XA\", \"ingress\": [
  {\"action\": \"Allow\", \"source\": {\"notNets\": [\"${POD_IP[y/c]}/32\"]}}]}"
expect_matrix "notNets" 80 tcp < <(column_a ".....X...")
del gnp not-nets

gnp not-ports "{\"selector\": \"$XA\", \"ingress\": [
  {\"action\": \"Allow\", \"protocol\": \"TCP\", \"destination\": {\"notPorts\": [80]}}]}"
expect_matrix "notPorts: 80 excluded" 80 tcp < <(column_a ".XXXXXXXX")
expect_matrix "notPorts: 81 allowed" 81 tcp <<<"$ALL_OPEN"
del gnp not-ports

gnp icmp "{\"selector\": \"$XA\", \"ingress\": [
  {\"action\": \"Allow\", \"protocol\": \"ICMP\", \"icmp\": {\"type\": 8, \"code\": 0}}]}"
expect_matrix "ICMP type 8 code 0 allowed" 0 icmp <<<"$ALL_OPEN"
expect_matrix "ICMP rule allows no TCP" 80 tcp < <(column_a ".XXXXXXXX")
gnp icmp "{\"selector\": \"$XA\", \"ingress\": [
  {\"action\": \"Allow\", \"protocol\": \"ICMP\", \"notICMP\": {\"type\": 8}}]}"
expect_matrix "notICMP type 8: echo denied" 0 icmp < <(column_a ".XXXXXXXX")
del gnp icmp

gnp proto-num "{\"selector\": \"$XA\", \"ingress\": [{\"action\": \"Allow\", \"protocol\": 17}]}"
expect_matrix "protocol 17 is UDP" 81 udp <<<"$ALL_OPEN"
expect_matrix "protocol 17 is not TCP" 80 tcp < <(column_a ".XXXXXXXX")
del gnp proto-num

gnp ns-scope '{"selector": "all()", "namespaceSelector": "ns == '"'x'"'", "types": ["Ingress"],
  "ingress": [{"action": "Allow", "source": {"namespaceSelector": "ns == '"'x'"'"}}]}'
expect_matrix "GlobalNetworkPolicy with namespaceSelector" 80 tcp <<'M'
x/a .........
x/b .........
x/c .........
y/a XXX......
y/b XXX......
y/c XXX......
z/a XXX......
z/b XXX......
z/c XXX......
M
del gnp ns-scope

calico GlobalNetworkSet trusted "{\"nets\": [\"${POD_IP[z/a]}/32\"]}"
ctl label globalnetworkset trusted role=trusted >/dev/null && settle
gnp from-set "{\"selector\": \"$XA\", \"ingress\": [
  {\"action\": \"Allow\", \"source\": {\"selector\": \"role == 'trusted'\"}}]}"
expect_matrix "GlobalNetworkSet selected by label" 80 tcp < <(column_a ".XXXXX.XX")
del gnp from-set
del globalnetworkset trusted

expect_matrix "everything deleted: open again" 80 tcp <<<"$ALL_OPEN"
echo "1..$T_N"
[ "$T_FAIL" -eq 0 ]
