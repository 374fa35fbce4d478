#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tabbyctl end to end on a fresh embedded datastore: what users type and what they see.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tap.sh"
BUILD=${BUILD:-build}
T=$(cd "$BUILD/bin" && pwd)/tabbyctl
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TABBY_DATASTORE_PATH=$work/tabby.db
unset DATASTORE_TYPE ETCD_ENDPOINTS

cat >"$work/good.yaml" <<'Y'
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-dns
spec:
  order: 100
  selector: all()
  egress:
  - action: Allow
    protocol: UDP
    destination:
      ports: [53]
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: deny-all
spec:
  order: 2000
  selector: all()
Y
cat >"$work/bad.yaml" <<'Y'
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: fine
spec:
  selector: all()
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: broken
  bogus: 1
spec:
  selector: all()
---
apiVersion: projectcalico.org/v3
kind: Tier
metadata:
  name: t1
  namespace: x
Y
cat >"$work/list.json" <<'Y'
{"apiVersion": "v1", "kind": "List", "items": [
 {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod", "labels": {"env": "prod"}}},
 {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev", "labels": {"env": "dev"}}}
]}
Y
wep() { # name ns pod labels-json
	cat <<Y
apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata:
  name: node1-k8s-$3-eth0
  namespace: $2
  labels: $4
spec:
  orchestrator: k8s
  node: node1
  pod: $3
  endpoint: eth0
  interfaceName: tab$1
  ipNetworks: [10.65.0.$1/32]
  profiles: [kns.$2]
---
Y
}
{ wep 1 prod web '{app: web}'; wep 2 prod db '{app: db}'; wep 3 dev web '{app: web}'; } >"$work/weps.yaml"

expect "apply writes every document" 0 "Successfully applied 2 'GlobalNetworkPolicy' resource(s)" "$T" apply -f "$work/good.yaml"
expect "get prints a table" 0 "allow-dns" "$T" get gnp
expect "get -o yaml prints a List" 0 "kind: GlobalNetworkPolicyList" "$T" get gnp -o yaml
expect "get NAME -o json prints the object" 0 '"name": "allow-dns"' "$T" get globalnetworkpolicy allow-dns -o json
expect "get -o wide shows order" 0 "2000" "$T" get gnps -o wide
expect "get -o name" 0 "globalnetworkpolicy/deny-all" "$T" get gnp -o name
expect "invalid manifest fails" 1 "bad.yaml: document 2 (GlobalNetworkPolicy broken): metadata.bogus: unknown field" "$T" apply -f "$work/bad.yaml"
out=$("$T" apply -f "$work/bad.yaml" 2>&1 >/dev/null | wc -l)
expect_eq "every validation error on its own line" 2 "$out"
expect "invalid manifest wrote nothing" 1 "resource does not exist: GlobalNetworkPolicy(fine)" "$T" get gnp fine -o name
expect_eq "  (really nothing)" "" "$("$T" get gnp fine -o name 2>/dev/null)"
expect "validate reports without writing" 1 "Tier is not namespaced" "$T" validate -f "$work/bad.yaml"
expect "validate accepts good" 0 "Successfully validated 2 'GlobalNetworkPolicy' resource(s)" "$T" validate -f "$work/good.yaml"
expect "create refuses existing" 1 "resource already exists" "$T" create -f "$work/good.yaml"
expect "create --skip-exists" 0 "Successfully created 0" "$T" create --skip-exists -f "$work/good.yaml"
expect "unknown kind" 1 "resource type 'frobs' is not supported" "$T" get frobs
expect "global kind with -n" 1 "IPPool is not namespaced" "$T" get ippool -n x
expect "List of Namespaces from JSON" 0 "Successfully applied 2 'Namespace' resource(s)" "$T" apply -f "$work/list.json"
expect "namespaces made kns profiles" 0 "pcns.env=prod" "$T" get profiles -o wide
expect "stdin manifest" 0 "Successfully applied 3 'WorkloadEndpoint' resource(s)" "$T" apply -f - <"$work/weps.yaml"
expect "all namespaces adds NAMESPACE" 0 "NAMESPACE" "$T" get wep -A
expect_eq "--selector sees own labels" "workloadendpoint/node1-k8s-web-eth0
workloadendpoint/node1-k8s-web-eth0" "$("$T" get wep -A -o name --selector 'app == "web"')"
expect_eq "--selector sees profile labels" "workloadendpoint/node1-k8s-db-eth0
workloadendpoint/node1-k8s-web-eth0" "$("$T" get wep -A -o name --selector 'pcns.env == "prod"')"
expect "bad selector" 1 "invalid selector" "$T" get wep --selector 'app = web'
expect "label set" 0 "Successfully set label tier on wep node1-k8s-web-eth0" "$T" label wep node1-k8s-web-eth0 tier=gold -n prod
expect "label refuses overwrite" 1 "please use '--overwrite'" "$T" label wep node1-k8s-web-eth0 tier=silver -n prod
expect "label --overwrite" 0 "Successfully updated label tier" "$T" label wep node1-k8s-web-eth0 tier=silver -n prod --overwrite
expect "label --remove" 0 "Successfully removed label tier from wep node1-k8s-web-eth0" "$T" label wep node1-k8s-web-eth0 tier --remove -n prod
expect "-n fills the namespace" 0 "Successfully applied 1 'NetworkSet' resource(s)" "$T" apply -n dev -f - <<<'{"apiVersion":"projectcalico.org/v3","kind":"NetworkSet","metadata":{"name":"ns1"},"spec":{"nets":["10.0.0.0/8"]}}'
expect "namespaced get -n" 0 "ns1" "$T" get networksets -n dev
expect "-n mismatch" 1 "does not match --namespace" "$T" apply -n prod -f - <<<'{"apiVersion":"projectcalico.org/v3","kind":"NetworkSet","metadata":{"name":"ns1","namespace":"dev"}}'
expect "delete by name" 0 "Successfully deleted 1 'GlobalNetworkPolicy' resource(s)" "$T" delete gnp deny-all
expect "delete absent" 1 "resource does not exist" "$T" delete gnp deny-all
expect "delete --skip-not-exists" 0 "" "$T" delete gnp deny-all --skip-not-exists
expect "delete -f" 0 "Successfully deleted 1 'GlobalNetworkPolicy' resource(s)" "$T" delete -f - <<<'{"apiVersion":"projectcalico.org/v3","kind":"GlobalNetworkPolicy","metadata":{"name":"allow-dns"}}'
expect "version" 0 "Client Version" "$T" version
expect "unknown command" 2 "unknown command" "$T" frob
expect "unknown option" 2 "unknown option" "$T" get gnp --frob
expect "missing file" 1 "nope.yaml: No such file or directory" "$T" apply -f "$work/nope.yaml"
echo "this is not a database" >"$work/corrupt.db"
expect "corrupt datastore is an error" 1 "cannot open the datastore" env TABBY_DATASTORE_PATH="$work/corrupt.db" "$T" get gnp
tap_done
