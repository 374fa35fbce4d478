#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job on one host: tabbyd on the embedded datastore in a node namespace, four
# workloads in two namespaces created through the CNI plugin, the reachability matrix, then
# a Kubernetes NetworkPolicy and a Calico GlobalNetworkPolicy from docs/examples, and the
# matrix again. Everything it creates is removed at the end.
#
#   node namespace: tabbyd + BPF on each workload veth
#     prod (env=prod): web, api        dev (env=dev): web, api
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
	echo "make demo creates network namespaces: run it as root" >&2
	exit 1
fi
export BUILD=${BUILD:-build}
C_ID=demo$$
. vm-tests/lib/cluster.sh
trap cluster_down EXIT
PODS=(prod/web prod/api dev/web dev/api)

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# The matrix with headings: TCP port 80, from each row's pod to each column's.
show_matrix() {
	local s d out
	printf '%-10s' "from \\ to"
	for d in "${PODS[@]}"; do printf '%-10s' "$d"; done
	echo
	out=$(for s in "${PODS[@]}"; do for d in "${PODS[@]}"; do
		echo "${POD_NS[$s]} ${POD_IP[$d]} 80 tcp"
	done; done | "$BUILD/tools/netprobe" matrix 400)
	for s in "${PODS[@]}"; do
		printf '%-10s' "$s"
		for d in "${PODS[@]}"; do
			if grep -q "^${POD_NS[$s]} ${POD_IP[$d]} 80 tcp ok" <<<"$out"; then
				printf '%-10s' "allowed"
			else
				printf '%-10s' "DENIED"
			fi
		done
		echo
	done
}

say "starting tabbyd in a node namespace (datastore: $TABBY_DATASTORE_PATH)"
cluster_up
say "creating workloads through the tabby CNI plugin"
namespace_add prod '{"env": "prod"}'
namespace_add dev '{"env": "dev"}'
for p in "${PODS[@]}"; do
	pod_add "${p%/*}" "${p#*/}" "{\"app\": \"${p#*/}\"}"
	printf '  %-9s %s\n' "$p" "${POD_IP[$p]}"
done
sleep 0.2
ctl get workloadendpoints -A -o wide

say "reachability on TCP 80 with no policy: the namespaces' profiles allow all"
show_matrix

say "applying docs/examples/knp-api-from-web.yaml (Kubernetes NetworkPolicy)"
ctl apply -f docs/examples/knp-api-from-web.yaml
settle
show_matrix

say "applying docs/examples/gnp-isolate-dev.yaml (Calico tier + GlobalNetworkPolicy)"
ctl apply -f docs/examples/gnp-isolate-dev.yaml
settle
show_matrix

say "why is dev/web denied on prod/api? tabbyctl policy trace answers"
ctl policy trace --from dev/web --to prod/api --port 80

say "what tabby shows"
ctl get networkpolicy -n prod -o wide
ctl get globalnetworkpolicy -o wide
ip netns exec "$NODE" curl -s http://127.0.0.1:9091/metrics |
	grep -E '^tabby_(local_endpoints|policies|drops_total\{reason="(policy_deny|tier_end_deny)")' || true

say "cleaning up"
