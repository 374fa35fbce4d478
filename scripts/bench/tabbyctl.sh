#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tabbyctl at scale on the embedded datastore:
#   tabbyctl.apply_10k_policies     one `apply -f` of 10,000 GlobalNetworkPolicies (3 rules each)
#   tabbyctl.get_selector_100k_weps `get wep -A --selector ... -o name` over 100,000 endpoints
#   tabbyctl.validate_10k_policies  `validate -f` of the same manifest: parsing and validation
#                                   alone, the peer of the apply row (ratio = cost of writing)
# Each is the median of 3 runs, wall clock, as a user would time it.
set -euo pipefail
BUILD=${BUILD:-build}
case "${BENCH:-tabbyctl}" in tabbyctl*|"") ;; *) exit 0 ;; esac
T=$(cd "$BUILD/bin" && pwd)/tabbyctl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TABBY_DATASTORE_PATH=$work/tabby.db

python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
with open(f"{w}/gnp.yaml", "w") as f:
    for i in range(10000):
        f.write(f"""apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: policy-{i}
spec:
  order: {i}
  selector: app == "app-{i % 100}" && tier in {{"web", "db"}}
  ingress:
  - action: Allow
    protocol: TCP
    source:
      selector: role == "client-{i % 50}"
    destination:
      ports: [80, "8000:8080"]
  - action: Deny
    source:
      nets: [10.{i % 256}.0.0/16]
  egress:
  - action: Allow
---
""")
items = []
for i in range(100000):
    items.append({"apiVersion": "projectcalico.org/v3", "kind": "WorkloadEndpoint",
        "metadata": {"name": f"node{i % 100}-k8s-pod{i}-eth0", "namespace": f"ns{i % 20}",
                     "labels": {"app": f"app-{i % 100}", "tier": ["web", "db", "cache"][i % 3],
                                "projectcalico.org/namespace": f"ns{i % 20}"}},
        "spec": {"orchestrator": "k8s", "node": f"node{i % 100}", "pod": f"pod{i}", "endpoint": "eth0",
                 "interfaceName": f"tab{i:011x}", "ipNetworks": [f"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}/32"]}})
json.dump({"apiVersion": "v1", "kind": "List", "items": items}, open(f"{w}/weps.json", "w"))
PY

median3() { # command...: prints the median wall time of 3 runs in seconds
	local t=()
	for _ in 1 2 3; do
		local s e
		s=$(date +%s.%N)
		"$@" >/dev/null
		e=$(date +%s.%N)
		t+=("$(echo "$e - $s" | bc -l)")
	done
	printf '%s\n' "${t[@]}" | sort -g | sed -n 2p
}

apply_fresh() {
	rm -f "$TABBY_DATASTORE_PATH"*
	"$T" apply -f "$work/gnp.yaml"
}

apply_s=$(median3 apply_fresh)
validate_s=$(median3 "$T" validate -f "$work/gnp.yaml")
rm -f "$TABBY_DATASTORE_PATH"*
"$T" apply -f "$work/weps.json" >/dev/null
sel_s=$(median3 "$T" get wep -A -o name --selector 'app == "app-7" && tier in {"web", "db"}')
n=$("$T" get wep -A -o name --selector 'app == "app-7" && tier in {"web", "db"}' | wc -l)
[ "$n" -eq 667 ] || { echo "selector matched $n endpoints, expected 667" >&2; exit 1; }

row() { # name value unit peer peer_value target
	jq -cn --arg n "$1" --argjson v "$2" --arg u "$3" --arg p "$4" --arg pv "$5" --arg t "$6" \
		'{name: $n, value: $v, unit: $u, peer: (if $p == "" then null else $p end),
		  peer_value: (if $pv == "" then null else ($pv | tonumber) end),
		  ratio: (if $pv == "" then null else ($v / ($pv | tonumber)) end), target: $t}'
}
row tabbyctl.apply_10k_policies "$apply_s" s "tabbyctl validate (same manifest)" "$validate_s" "<= 10 s"
row tabbyctl.validate_10k_policies "$validate_s" s "" "" "<= 5 s"
row tabbyctl.get_selector_100k_weps "$sel_s" s "" "" "<= 2 s"
