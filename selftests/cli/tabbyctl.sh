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
# ipam: addresses taken by the tabby-ipam plugin (no workload behind them: leaks to check).
IPAM=$(cd "$BUILD/cni" && pwd)/tabby-ipam
pool() { # NAME SPEC-JSON
	"$T" apply -f - <<<"{\"apiVersion\":\"projectcalico.org/v3\",\"kind\":\"IPPool\",\"metadata\":{\"name\":\"$1\"},\"spec\":$2}"
}
ipam_add() { # CONTAINER-ID
	echo "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"type\":\"bridge\",\"nodename\":\"n1\",\"datastore_path\":\"$TABBY_DATASTORE_PATH\",\"ipam\":{\"type\":\"tabby-ipam\"}}" |
		CNI_COMMAND=ADD CNI_CONTAINERID=$1 CNI_NETNS=/nonexistent CNI_IFNAME=eth0 CNI_PATH="$BUILD/cni" "$IPAM"
}
expect "ipam needs a subcommand" 2 "tabbyctl ipam: which command?" "$T" ipam
expect "ipam unknown subcommand" 2 "tabbyctl ipam: unknown command 'frob'" "$T" ipam frob
expect "ipam --help lists subcommands" 0 "release    Release one allocated address." "$T" ipam --help
expect "ipam show --help" 0 "Usage: tabbyctl ipam show [--show-blocks]" "$T" ipam show --help
expect "ipam show takes no arguments" 2 "unexpected argument 'x'" "$T" ipam show x
expect "pool for ipam" 0 "Successfully applied 1 'IPPool' resource(s)" pool p1 '{"cidr":"10.70.0.0/24","blockSize":28}'
expect "ipam show: pool, nothing in use" 0 "| IP Pool  | 10.70.0.0/24                 |       256 |                 0 | 256" "$T" ipam show
expect "tabby-ipam takes an address (setup)" 0 '"address": "10.70.0.0/32"' ipam_add c1
expect "ipam show counts it" 0 "|       256 |                 1 | 255" "$T" ipam show
expect "ipam show --show-blocks" 0 "| Block    | 10.70.0.0/28                 |        16 |          1 (  6%) | host:n1" "$T" ipam show --show-blocks
expect "ipam check finds the leak" 1 "leaked: 10.70.0.0 (handle net.c1)" "$T" ipam check
expect "  and says how to repair" 1 "run 'tabbyctl ipam check --fix'" "$T" ipam check
expect "ipam check --fix" 0 "1 problem found" "$T" ipam check --fix
expect "ipam check is clean after" 0 "0 problems found" "$T" ipam check
expect "ipam show after the fix" 0 "|       256 |                 0 | 256" "$T" ipam show
# An endpoint holding a pool address IPAM never gave out: reported, not repairable.
expect "endpoint outside IPAM (setup)" 0 "Successfully applied 1 'WorkloadEndpoint'" "$T" apply -f - < <(wep 200 prod rogue '{app: rogue}' | sed 's/10\.65\.0\.200/10.70.0.200/')
expect "ipam check --fix cannot repair it" 1 "1 problem could not be repaired" "$T" ipam check --fix
expect "  (the report names it)" 1 "10.70.0.200" "$T" ipam check --fix
expect "  gone with its endpoint" 0 "0 problems found" sh -c '"$1" delete wep node1-k8s-rogue-eth0 -n prod >/dev/null && "$1" ipam check' sh "$T"

# c2 keeps its address (the pool change below must not strand it); c3's is released.
expect "tabby-ipam again (setup)" 0 '"address": "10.70.0.' ipam_add c2
ip2=$(ipam_add c3 | sed -n 's/.*"address": "\(.*\)\/32".*/\1/p')
expect_eq "  a third address (setup)" "1" "$(grep -c '^10\.70\.0\.' <<<"$ip2")"
expect "ipam release --ip" 0 "Successfully released $ip2" "$T" ipam release --ip "$ip2"
expect "ipam release again" 1 "$ip2 is not allocated" "$T" ipam release --ip "$ip2"
expect "ipam release needs --ip" 2 "--ip ADDR is required" "$T" ipam release
expect "ipam release of a non-address" 1 "nope is not an IP address" "$T" ipam release --ip nope

# Checks against the stored state at apply and delete.
expect "pool overlapping another" 1 "IPPool(p2) CIDR 10.70.0.128/25 overlaps with IPPool(p1) CIDR 10.70.0.0/24" pool p2 '{"cidr":"10.70.0.128/25"}'
expect "pool change stranding an address" 1 "would strand 1 allocated address (block 10.70.0.0/28)" pool p1 '{"cidr":"10.71.0.0/24","blockSize":28}'
expect "pool growing is fine" 0 "Successfully applied 1 'IPPool' resource(s)" pool p1 '{"cidr":"10.70.0.0/23","blockSize":28}'
expect "policy in a missing tier" 1 "(GlobalNetworkPolicy sec.p): tier 'sec' does not exist" "$T" apply -f - <<<'{"apiVersion":"projectcalico.org/v3","kind":"GlobalNetworkPolicy","metadata":{"name":"sec.p"},"spec":{"tier":"sec"}}'
expect "tier and policy in one manifest" 0 "Successfully applied 2 resource(s)" "$T" apply -f - <<<'{"apiVersion":"v1","kind":"List","items":[
 {"apiVersion":"projectcalico.org/v3","kind":"Tier","metadata":{"name":"sec"},"spec":{"order":10}},
 {"apiVersion":"projectcalico.org/v3","kind":"GlobalNetworkPolicy","metadata":{"name":"sec.p"},"spec":{"tier":"sec"}}]}'
expect "tier with policies stays" 1 "Tier sec cannot be deleted: it still has 1 policy (GlobalNetworkPolicy sec.p)" "$T" delete tier sec
expect "  (its policy first)" 0 "Successfully deleted 1 'GlobalNetworkPolicy'" "$T" delete gnp sec.p
expect "  then the empty tier" 0 "Successfully deleted 1 'Tier'" "$T" delete tier sec
{
	printf 'apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: logs}\n'
	printf 'spec:\n  selector: all()\n  egress:\n'
	for _ in $(seq 256); do echo "  - action: Log"; done
} >"$work/logs.yaml"
expect "policy too big for the dataplane" 1 "egress rules: policy logs alone has 256 Log rules; the dataplane supports at most 256 Log rules, tiers and profiles per endpoint and direction (TB_POL_MAX_STEPS)" "$T" apply -f "$work/logs.yaml"
expect "  (as a staged policy it is stored)" 0 "Successfully applied 1 'StagedGlobalNetworkPolicy'" "$T" apply -f - < <(sed 's/kind: GlobalNetworkPolicy/kind: StagedGlobalNetworkPolicy/' "$work/logs.yaml")

# datastore migrate: export this store, import it into an empty one.
expect "migrate needs a subcommand" 2 "tabbyctl datastore migrate: which command?" "$T" datastore migrate
expect "export to a file" 0 "Datastore exported to $work/export.jsonl" "$T" datastore migrate export -f "$work/export.jsonl"
expect "export to stdout" 0 '{"key":"/calico/resources/v3/projectcalico.org/ippools/p1","value":' "$T" datastore migrate export
expect "import needs -f" 2 "-f FILE is required" "$T" datastore migrate import
expect "import into an empty store" 0 "Datastore imported from $work/export.jsonl" env TABBY_DATASTORE_PATH="$work/new.db" "$T" datastore migrate import -f "$work/export.jsonl"
expect_eq "  the same export comes back" "$(cat "$work/export.jsonl")" "$(TABBY_DATASTORE_PATH="$work/new.db" "$T" datastore migrate export)"
expect "  resources read back" 0 "10.70.0.0/23" env TABBY_DATASTORE_PATH="$work/new.db" "$T" get ippool
expect "import into a used store" 1 "already holds cluster data" "$T" datastore migrate import -f "$work/export.jsonl"
echo "not an export" >"$work/junk.jsonl"
expect "import of a non-export" 1 "is not a datastore export (nothing was written)" env TABBY_DATASTORE_PATH="$work/new2.db" "$T" datastore migrate import -f "$work/junk.jsonl"
expect_eq "  (really nothing)" "" "$(TABBY_DATASTORE_PATH="$work/new2.db" "$T" datastore migrate export)"
# policy trace: on a store of its own, the demo's two example policies.
export TABBY_DATASTORE_PATH=$work/trace.db
for p in "prod web 1" "prod api 2" "dev web 3"; do
	set -- $p
	"$T" apply -f - >/dev/null <<Y
{"apiVersion": "projectcalico.org/v3", "kind": "WorkloadEndpoint",
 "metadata": {"name": "node1-k8s-$2-eth0", "namespace": "$1", "labels": {"app": "$2"}},
 "spec": {"orchestrator": "k8s", "node": "node1", "pod": "$2", "endpoint": "eth0",
          "interfaceName": "tab$3", "ipNetworks": ["10.65.0.$3/32"], "profiles": ["kns.$1"]}}
Y
done
"$T" apply -f - >/dev/null <<'Y'
{"apiVersion": "v1", "kind": "List", "items": [
 {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod", "labels": {"env": "prod"}}},
 {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev", "labels": {"env": "dev"}}}]}
Y
"$T" apply -f "$here/../../docs/examples/knp-api-from-web.yaml" \
	-f "$here/../../docs/examples/gnp-isolate-dev.yaml" >/dev/null
expect "trace: the tiered deny decides" 0 "DENIED by tier security policy security.isolate-dev rule 0 (Deny)" \
	"$T" policy trace --from dev/web --to prod/api
expect "trace: the converted Kubernetes policy allows web" 0 "allowed by tier default policy prod/knp.default.api-from-web rule 0 (Allow)" \
	"$T" policy trace --from prod/web --to prod/api --port 80
expect "trace: the end of the tier denies other ports" 0 "DENIED by tier default: no rule matched, defaultAction Deny" \
	"$T" policy trace --from prod/web --to prod/api --port 81
expect "trace: profiles decide without policy" 0 "allowed by profile kns.prod rule 0 (Allow)" \
	"$T" policy trace --from prod/web --to 192.0.2.1 --protocol udp --port 53
expect "trace: verdict line" 0 "verdict: denied" "$T" policy trace --from dev/web --to prod/web
expect "trace: unknown endpoint" 1 "'nope/x' is neither an endpoint" "$T" policy trace --from nope/x --to prod/web
expect "trace: missing --to" 2 "usage: tabbyctl policy trace" "$T" policy trace --from prod/web
expect "trace: bad protocol" 2 "invalid protocol 'xyz'" "$T" policy trace --from prod/web --to prod/api --protocol xyz
tap_done
