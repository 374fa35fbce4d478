#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tabbyd's own interfaces, on the one-node cluster of vm-tests/lib/cluster.sh:
#
#   node ns: tabbyd (log file + syslog + stderr; health 9099, metrics 9091)
#     ns x: pod a (created through the CNI plugin)
#   syslog: a datagram listener of this test at /dev/log (there is none on these machines)
#
# Health and readiness, the metric families the issue names, the Node resource with its
# address, the endpoint status file the CNI plugin waits on, logging to a file and to syslog,
# FelixConfiguration's logSeverityScreen taking effect, and a clean stop.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/cluster.sh"
SYSLOG_PID=
cleanup() {
	[ -n "$SYSLOG_PID" ] && kill "$SYSLOG_PID" 2>/dev/null && wait "$SYSLOG_PID" 2>/dev/null
	[ -S /dev/log ] && [ -n "$SYSLOG_PID" ] && rm -f /dev/log
	cluster_down
}
trap cleanup EXIT

# Our own syslog listener, only if the machine has none (never replace a real one).
if [ ! -e /dev/log ]; then
	python3 - "$C_DIR/syslog.txt" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
with open(sys.argv[1], "a", buffering=1) as f:
    while True:
        f.write(s.recv(65536).decode(errors="replace") + "\n")
PY
	SYSLOG_PID=$!
	for _ in $(seq 50); do [ -S /dev/log ] && break; sleep 0.05; done
fi

export TABBY_LOG_FILE=$C_DIR/file.log TABBY_LOG_SYSLOG_LEVEL=info
cluster_up || { not_ok "cluster setup"; exit 1; }
namespace_add x '{}' && pod_add x a '{"pod": "a"}' || { not_ok "pod setup"; exit 1; }
settle

get() { ip netns exec "$NODE" curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1$2"; }
check "liveness answers 200" [ "$(get 9099 /liveness)" = 200 ]
check "readiness answers 200 once in sync" [ "$(get 9099 /readiness)" = 200 ]
check "unknown path is 404" [ "$(get 9099 /nope)" = 404 ]

metrics=$(ip netns exec "$NODE" curl -s http://127.0.0.1:9091/metrics)
for family in tabby_endpoints tabby_local_endpoints tabby_policies tabby_selectors tabby_ip_sets \
	tabby_calc_duration_seconds tabby_dataplane_update_duration_seconds \
	tabby_dataplane_failures_total tabby_resyncs_total tabby_conntrack_entries \
	tabby_conntrack_evictions_total \
	tabby_rule_packets_total tabby_rule_bytes_total tabby_drops_total \
	tabby_policy_too_large_total tabby_datastore_revision; do
	check "metric family $family" grep -q "^# TYPE $family " <<<"$metrics"
done
check "one local endpoint counted" grep -q '^tabby_local_endpoints 1$' <<<"$metrics"

check "Node registered" [ "$(ctl get node node1 -o name)" = node/node1 ]
status_file=$C_DIR/run/node1/endpoint-status/node1-k8s-a-eth0
wep_rev=$(ctl get wep node1-k8s-a-eth0 -n x -o json | jq -r .metadata.resourceVersion)
check "endpoint status file holds the programmed revision" \
	[ "$(head -1 "$status_file" 2>/dev/null)" -ge "$wep_rev" ]
check "log file written" grep -q "running as node node1" "$TABBY_LOG_FILE"
if [ -n "$SYSLOG_PID" ]; then
	check "syslog receives the agent's lines" grep -q "tabbyd.*running as node node1" "$C_DIR/syslog.txt"
else
	ok "syslog # SKIP the machine has its own /dev/log"
fi

# Two policies that fit alone but not together: x/a's ingress is over the limits, so it is
# denied (never left open), and its status file and a metric say why.
big_policy() { # NAME
	python3 - "$1" <<'PY'
import json, sys
rules = [{"action": "Allow", "protocol": "TCP", "destination": {"ports": [80 if i == 0 else 1000 + i]}}
         for i in range(9000)]
print(json.dumps({"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy",
                  "metadata": {"name": sys.argv[1]},
                  "spec": {"selector": "pod == 'a'", "ingress": rules}}))
PY
}
pod_add x b '{"pod": "b"}' && sleep 0.2
PODS=(x/b x/a)
expect_matrix "before: b reaches a" 80 tcp <<<"x/b ..
x/a .."
big_policy big-1 | apply_settled && big_policy big-2 | apply_settled
expect_matrix "over the limits: a's ingress denied" 80 tcp <<<"x/b .X
x/a .."
check "status file says why" grep -q "^ingress policy denied, over the dataplane's limits" "$status_file"
check "metric names the endpoint and the limit" grep -q \
	'^tabby_endpoint_policy_too_large{endpoint="node1-k8s-a-eth0",direction="ingress",limit=".\+"} 1$' \
	<(ip netns exec "$NODE" curl -s http://127.0.0.1:9091/metrics)
delete_settled gnp big-2
expect_matrix "back under the limits: enforced again" 80 tcp <<<"x/b ..
x/a .."
check "status file cleared" [ "$(wc -l <"$status_file")" = 1 ]
delete_settled gnp big-1

check "no debug lines at info" bash -c "! grep -q '\[debug\]' '$TABBY_LOG_FILE'"
apply_settled <<J
{"apiVersion": "projectcalico.org/v3", "kind": "FelixConfiguration", "metadata": {"name": "default"},
 "spec": {"logSeverityFile": "Debug"}}
J
ctl label wep node1-k8s-a-eth0 -n x touched=yes >/dev/null && settle
check "FelixConfiguration logSeverityFile Debug takes effect" grep -q '\[debug\]' "$TABBY_LOG_FILE"

kill "$TABBYD_PID"
wait "$TABBYD_PID"
check "SIGTERM stops it cleanly (status 0)" [ $? -eq 0 ]
check "and says the dataplane keeps its state" grep -q "dataplane keeps its state" "$TABBY_LOG_FILE"
echo "1..$T_N"
[ "$T_FAIL" -eq 0 ]
