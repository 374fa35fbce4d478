#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The same agent, plugin and CLI on etcd v3 instead of the embedded store: policy applied with
# tabbyctl reaches tabbyd through etcd's watch and is enforced on the 9-pod matrix.
#
#   node ns: etcd (127.0.0.1:23790) + tabbyd + 9 veths; tabbyctl and the CNI plugin use etcd
#     ns x: a b c     ns y: a b c     ns z: a b c
set -u
here=$(cd "$(dirname "$0")" && pwd)
C_DATASTORE=etcd
. "$here/lib/cluster.sh"
trap cluster_down EXIT

cluster_up || { not_ok "cluster setup on etcd"; exit 1; }
standard_pods || { not_ok "pods setup on etcd"; exit 1; }
check "endpoints are stored in etcd" [ "$(ctl get wep -A -o name | wc -l)" = 9 ]

expect_matrix "etcd: no policy, all open" 80 tcp <<<"$ALL_OPEN"
knp deny-in x '{"podSelector": {}, "policyTypes": ["Ingress"]}'
expect_matrix "etcd: default deny ingress in x" 80 tcp <<<"$X_INGRESS_DENIED"
knp from-y x '{"podSelector": {"matchLabels": {"pod": "a"}},
  "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"ns": "y"}}}]}]}'
expect_matrix "etcd: policies add up" 80 tcp <<'M'
x/a .XX......
x/b X.X......
x/c XX.......
y/a .XX......
y/b .XX......
y/c .XX......
z/a XXX......
z/b XXX......
z/c XXX......
M
tabbyd_restart || not_ok "tabbyd restart on etcd"
delete_settled knp deny-in -n x
delete_settled knp from-y -n x
expect_matrix "etcd: after an agent restart, deletions are enforced" 80 tcp <<<"$ALL_OPEN"
echo "1..$T_N"
[ "$T_FAIL" -eq 0 ]
