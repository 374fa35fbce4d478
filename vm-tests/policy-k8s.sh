#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Kubernetes NetworkPolicy semantics, enforced by tabbyd's BPF dataplane, probed with real
# TCP and UDP connections across a 9-pod reachability matrix (rows: source, columns:
# destination, in the order x/a x/b x/c y/a y/b y/c z/a z/b z/c; '.' reached, 'X' not).
#
#   node ns: tabbyd + 9 veths
#     ns x (ns=x): a b c     ns y (ns=y): a b c     ns z (ns=z): a b c    (labels pod=<name>)
#   every pod: TCP+UDP echo on 80 and 81; named ports serve-80 (TCP 80), serve-81-udp (UDP 81)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/cluster.sh"
trap cluster_down EXIT

cluster_up || { not_ok "cluster setup"; exit 1; }
standard_pods || { not_ok "pods setup"; exit 1; }

clear_knp() { # NAME NS
	delete_settled knp "$1" -n "$2"
}

expect_matrix "no policy: all open" 80 tcp <<<"$ALL_OPEN"
expect_matrix "no policy: all open" 81 udp <<<"$ALL_OPEN"

knp deny-in x '{"podSelector": {}, "policyTypes": ["Ingress"]}'
expect_matrix "default deny ingress in x" 80 tcp <<<"$X_INGRESS_DENIED"
expect_matrix "default deny ingress in x" 81 udp <<<"$X_INGRESS_DENIED"
clear_knp deny-in x

knp deny-out x '{"podSelector": {}, "policyTypes": ["Egress"]}'
expect_matrix "default deny egress in x" 80 tcp <<'M'
x/a .XXXXXXXX
x/b X.XXXXXXX
x/c XX.XXXXXX
y/a .........
y/b .........
y/c .........
z/a .........
z/b .........
z/c .........
M
clear_knp deny-out x

knp pod-sel x '{"podSelector": {"matchLabels": {"pod": "a"}},
  "ingress": [{"from": [{"podSelector": {"matchLabels": {"pod": "b"}}}]}]}'
expect_matrix "podSelector: same namespace only" 80 tcp < <(column_a "..XXXXXXX")
clear_knp pod-sel x

knp ns-sel x '{"podSelector": {"matchLabels": {"pod": "a"}},
  "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"ns": "y"}}}]}]}'
expect_matrix "namespaceSelector" 80 tcp < <(column_a ".XX...XXX")
clear_knp ns-sel x

knp and-peer x '{"podSelector": {"matchLabels": {"pod": "a"}},
  "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"ns": "y"}},
                         "podSelector": {"matchLabels": {"pod": "b"}}}]}]}'
expect_matrix "namespaceSelector AND podSelector in one peer" 80 tcp < <(column_a ".XXX.XXXX")
clear_knp and-peer x

knp or-peers x '{"podSelector": {"matchLabels": {"pod": "a"}},
  "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"ns": "y"}}},
                        {"podSelector": {"matchLabels": {"pod": "b"}}}]}]}'
expect_matrix "two peers are OR" 80 tcp < <(column_a "..X...XXX")
clear_knp or-peers x

knp ipblock x "{\"podSelector\": {\"matchLabels\": {\"pod\": \"a\"}},
  \"ingress\": [{\"from\": [{\"ipBlock\": {\"cidr\": \"10.65.0.0/16\",
                                          \"except\": [\"${POD_IP[y/b]}/32\"]}}]}]}"
expect_matrix "ipBlock with except" 80 tcp < <(column_a "....X....")
clear_knp ipblock x

knp named x '{"podSelector": {"matchLabels": {"pod": "a"}},
  "ingress": [{"ports": [{"port": "serve-80"}]}]}'
expect_matrix "named port allows its port" 80 tcp <<<"$ALL_OPEN"
expect_matrix "named port: other ports denied" 81 tcp < <(column_a ".XXXXXXXX")
clear_knp named x

knp range x '{"podSelector": {"matchLabels": {"pod": "a"}},
  "ingress": [{"ports": [{"protocol": "TCP", "port": 81, "endPort": 90}]}]}'
expect_matrix "endPort range includes 81" 81 tcp <<<"$ALL_OPEN"
expect_matrix "endPort range excludes 80" 80 tcp < <(column_a ".XXXXXXXX")
clear_knp range x

knp add-1 x '{"podSelector": {"matchLabels": {"pod": "a"}},
  "ingress": [{"from": [{"podSelector": {"matchLabels": {"pod": "b"}}}]}]}'
knp add-2 x '{"podSelector": {"matchLabels": {"pod": "a"}},
  "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"ns": "z"}}}]}]}'
expect_matrix "policies add up" 80 tcp < <(column_a "..XXXX...")
clear_knp add-1 x
clear_knp add-2 x

knp infer x '{"podSelector": {"matchLabels": {"pod": "a"}},
  "egress": [{"to": [{"podSelector": {"matchLabels": {"pod": "b"}}}]}]}'
expect_matrix "policyTypes inferred: Ingress and Egress" 80 tcp <<'M'
x/a ..XXXXXXX
x/b X........
x/c X........
y/a X........
y/b X........
y/c X........
z/a X........
z/b X........
z/c X........
M
clear_knp infer x

knp egress-only x '{"podSelector": {"matchLabels": {"pod": "a"}}, "policyTypes": ["Egress"],
  "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"ns": "y"}}}]}]}'
expect_matrix "egress-only policy leaves ingress open" 80 tcp <<'M'
x/a .XX...XXX
x/b .........
x/c .........
y/a .........
y/b .........
y/c .........
z/a .........
z/b .........
z/c .........
M
clear_knp egress-only x

expect_matrix "all policies deleted: open again" 80 tcp <<<"$ALL_OPEN"
echo "1..$T_N"
[ "$T_FAIL" -eq 0 ]
