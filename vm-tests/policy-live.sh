#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Policy changes under traffic, and agent restarts, on the 9-pod reachability matrix (rows:
# source, columns: destination, in the order x/a x/b x/c y/a y/b y/c z/a z/b z/c).
#
#   +--------------------------- node ns -----------------------------------+
#   |  tabbyd (killed and restarted below; pins on a private bpffs)         |
#   |  tab<hash> x 9 --veth--> pods                                        |
#   +-----------------------------------------------------------------------+
#     ns x (ns=x): a b c     ns y (ns=y): a b c     ns z (ns=z): a b c    (labels pod=<name>)
#     every pod: TCP+UDP echo on 80 and 81
#
#   long-lived flows:  netprobe stream  (a numbered message every 20 ms, each echo checked)
#                      netprobe xfer    (bulk at 20 MiB/s across agent restarts, each byte
#                                        checked)
#
# As in Calico (DESIGN.md, Conntrack): after a change, new connections meet the new policy at
# once (after settle), while a connection opened before the change keeps flowing until it ends.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/cluster.sh"
trap cluster_down EXIT

cluster_up || { not_ok "cluster setup"; exit 1; }
standard_pods || { not_ok "pods setup"; exit 1; }

declare -A S_PID

knp_doc() { # NAME NS SPEC-JSON
	cat <<J
{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
 "metadata": {"name": "$1", "namespace": "$2"}, "spec": $3}
J
}
knp() { knp_doc "$@" | apply_settled; }

# pod_label NS NAME LABELS-JSON: the Pod again, as pod_add made it, with new labels.
pod_label() {
	apply_settled <<Y
{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "$2", "namespace": "$1", "labels": $3},
 "spec": {"containers": [{"name": "c", "ports": [{"name": "serve-80", "containerPort": 80},
   {"name": "serve-81-udp", "containerPort": 81, "protocol": "UDP"}]}]}}
Y
}

# column IDX PATTERN: the grid where only column IDX (0-8) is restricted, PATTERN its 9 rows.
column() {
	local i=0 p row
	for p in "${PODS[@]}"; do
		row=.........
		echo "$p ${row:0:$1}${2:$i:1}${row:$(($1 + 1))}"
		i=$((i + 1))
	done
}

# stream_start NAME SRC DST: a long-lived TCP connection SRC -> DST:80, up once it returns.
stream_start() {
	local out=$C_DIR/stream-$1.out i
	: >"$out"	# before the child opens it: the loop below reads it at once
	"$BUILD/tools/netprobe" stream "${POD_NS[$2]}" "${POD_IP[$3]}" 80 20 >"$out" 2>&1 &
	S_PID[$1]=$!
	C_PIDS+=($!)
	for i in $(seq 100); do
		grep -q '^connected' "$out" && return 0
		kill -0 "${S_PID[$1]}" 2>/dev/null || break
		sleep 0.02
	done
	sed 's/^/#   /' "$out"
	return 1
}

# stream_check NAME WHAT: stops the stream; one TAP line, ok if every message came back.
stream_check() {
	local out=$C_DIR/stream-$1.out rc
	kill -TERM "${S_PID[$1]}" 2>/dev/null
	wait "${S_PID[$1]}"
	rc=$?
	if [ $rc -eq 0 ] && grep -q '^sent [1-9][0-9]* echoed' "$out"; then
		ok "$2 ($(tail -1 "$out"))"
	else
		not_ok "$2"
		sed 's/^/#   /' "$out"
	fi
}

# --- label a pod: a policy starts selecting it, then stops -------------------------------
knp locked x '{"podSelector": {"matchLabels": {"locked": "yes"}}, "policyTypes": ["Ingress"]}'
stream_start lock y/a x/b || not_ok "stream y/a -> x/b before the label"
pod_label x b '{"pod": "b", "locked": "yes"}'
expect_matrix "label x/b locked=yes: new connections to x/b denied" 80 tcp < <(column 1 "X.XXXXXXX")
stream_check lock "label: y/a -> x/b opened before keeps flowing"
pod_label x b '{"pod": "b"}'
expect_matrix "label removed: x/b open again" 80 tcp <<<"$ALL_OPEN"
delete_settled knp locked -n x

# --- label a pod: a policy's peer selector stops selecting it ----------------------------
knp clients x '{"podSelector": {"matchLabels": {"pod": "a"}},
  "ingress": [{"from": [{"namespaceSelector": {},
                         "podSelector": {"matchLabels": {"role": "client"}}}]}]}'
pod_label y c '{"pod": "c", "role": "client"}'
expect_matrix "peer label role=client on y/c: only y/c reaches x/a" 80 tcp < <(column 0 ".XXXX.XXX")
stream_start peer y/c x/a || not_ok "stream y/c -> x/a before the label change"
pod_label y c '{"pod": "c"}'
expect_matrix "peer label removed: y/c denied too" 80 tcp < <(column 0 ".XXXXXXXX")
stream_check peer "peer label: y/c -> x/a opened before keeps flowing"
delete_settled knp clients -n x

# --- change a policy -----------------------------------------------------------------------
knp from x '{"podSelector": {"matchLabels": {"pod": "a"}},
  "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"ns": "y"}}}]}]}'
stream_start change y/b x/a || not_ok "stream y/b -> x/a before the change"
knp from x '{"podSelector": {"matchLabels": {"pod": "a"}},
  "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"ns": "z"}}}]}]}'
expect_matrix "policy changed from ns y to ns z" 80 tcp < <(column 0 ".XXXXX...")
stream_check change "change: y/b -> x/a opened before keeps flowing"
delete_settled knp from -n x

# --- delete a namespace's policy ------------------------------------------------------------
knp deny-all x '{"podSelector": {}, "policyTypes": ["Ingress"]}'
knp allow-y x '{"podSelector": {},
  "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"ns": "y"}}}]}]}'
stream_start del y/c x/c || not_ok "stream y/c -> x/c before the delete"
delete_settled knp allow-y -n x
expect_matrix "allow-y deleted: x denies all ingress" 80 tcp <<<"$X_INGRESS_DENIED"
stream_check del "delete: y/c -> x/c opened before keeps flowing"
delete_settled knp deny-all -n x
expect_matrix "deny-all deleted: open again" 80 tcp <<<"$ALL_OPEN"

# --- no probe sees a half-applied update ----------------------------------------------------
# One policy on x/a flips 20 times between two versions: allow from namespaces {x, y} or
# {x, z}, never from pods labelled pod=c. Meanwhile rounds of probes to x/a run back to back;
# in each round, per protocol, the first packets leave in this order, microseconds apart:
#   y/b z/b z/b y/b x/b x/c
# TCP probes count as allowed once connected and ICMP ones once answered: both answers come
# from x/a's kernel, so a verdict never waits on a busy echo server.
# x/b is allowed by both versions and x/c by neither: any other verdict for them is a state
# that is neither version (e.g. x/a briefly without its policy, or with its sets half built).
# y/b is allowed only by version Y, z/b only by version Z: each verdict names a version, and
# since flips are milliseconds apart, the four must be explainable by at most one flip.
flip_doc() { # y|z
	cat <<J
{"apiVersion": "projectcalico.org/v3", "kind": "NetworkPolicy",
 "metadata": {"name": "flip", "namespace": "x"},
 "spec": {"selector": "pod == 'a'", "ingress": [{"action": "Allow",
   "source": {"namespaceSelector": "ns in {'x', '$1'}", "selector": "pod != 'c'"}}]}}
J
}
flip_apply() { flip_doc "$1" | apply_settled; }

flip_rounds() { # OUT: rounds until $C_DIR/flip.stop exists
	local r=0 s proto
	while [ ! -e "$C_DIR/flip.stop" ]; do
		for proto in "80 tcp" "0 icmp"; do
			for s in y/b z/b z/b y/b x/b x/c; do
				echo "${POD_NS[$s]} ${POD_IP[x/a]} $proto"
			done
		done | "$BUILD/tools/netprobe" matrix 300 connect | sed "s/^/$r /" >>"$1"
		r=$((r + 1))
	done
}

# Prints the first inconsistent rounds, then "rounds bad seen-Y seen-Z".
flip_judge() {
	awk '{ k = $1 " " $5; if (!(k in n)) order[rounds++] = k }
	{ n[k]++; v[k, n[k]] = ($6 == "ok") }
	END {
		for (i = 0; i < rounds; i++) {
			k = order[i]
			s1 = v[k, 1] ? "Y" : "Z"; s2 = v[k, 2] ? "Z" : "Y"
			s3 = v[k, 3] ? "Z" : "Y"; s4 = v[k, 4] ? "Y" : "Z"
			flips = (s1 != s2) + (s2 != s3) + (s3 != s4)
			seen[s1]++; seen[s4]++
			if (n[k] == 6 && flips <= 1 && v[k, 5] && !v[k, 6])
				continue
			if (bad++ < 10)
				printf "# round %s: y/b z/b z/b y/b x/b x/c = %d %d %d %d %d %d\n",
					k, v[k, 1], v[k, 2], v[k, 3], v[k, 4], v[k, 5], v[k, 6]
		}
		printf "%d %d %d %d\n", rounds, bad, seen["Y"], seen["Z"]
	}' "$1"
}

# rounds_start OUT, rounds_stop: probe rounds in the background; rounds_judge OUT: sets
# rounds, bad, seen_y, seen_z and prints the first inconsistent rounds.
rounds_start() {
	rm -f "$C_DIR/flip.stop"
	flip_rounds "$1" &
	R_PID=$!
	C_PIDS+=($R_PID)
}
rounds_stop() {
	touch "$C_DIR/flip.stop"
	wait "$R_PID"
}
rounds_judge() {
	local judged
	judged=$(flip_judge "$1")
	read -r rounds bad seen_y seen_z <<<"$(tail -1 <<<"$judged")"
	grep '^#' <<<"$judged"
}

flip_apply y
rounds_start "$C_DIR/flip.out"
for i in $(seq 20); do
	[ $((i % 2)) -eq 1 ] && v=z || v=y
	flip_apply $v || not_ok "flip $i to version $v"
	sleep 0.1
done
rounds_stop
rounds_judge "$C_DIR/flip.out"
if [ "$bad" -eq 0 ] && [ "$rounds" -ge 10 ] && [ "$seen_y" -gt 0 ] && [ "$seen_z" -gt 0 ]; then
	ok "20 flips under probes: every verdict from one version" \
		"($rounds rounds, Y $seen_y, Z $seen_z)"
else
	not_ok "20 flips under probes: $bad of $rounds rounds inconsistent (Y $seen_y, Z $seen_z)"
fi

# --- agent restart during a long TCP transfer ---------------------------------------------
# A paced bulk transfer (20 MiB/s, every byte echoed and checked) runs across the restart; it is
# stopped once the agent is back, and all it sent must have come back. The agent's start costs
# seconds (BPF load and verification), so the transfer is stopped, not sized.

# xfer_start NAME SRC DST: SRC -> DST:80, up once it returns.
xfer_start() {
	local out=$C_DIR/xfer-$1.out i
	: >"$out"	# before the child opens it: the loop below reads it at once
	"$BUILD/tools/netprobe" xfer "${POD_NS[$2]}" "${POD_IP[$3]}" 80 2000 100 >"$out" 2>&1 &
	S_PID[$1]=$!
	C_PIDS+=($!)
	for i in $(seq 100); do
		grep -q '^connected' "$out" && return 0
		kill -0 "${S_PID[$1]}" 2>/dev/null || break
		sleep 0.02
	done
	sed 's/^/#   /' "$out"
	return 1
}

# xfer_check NAME WHAT: the transfer must still run (the agent came back in its middle); it
# goes on a little, then stops; one TAP line, ok if every byte sent came back.
xfer_check() {
	local out=$C_DIR/xfer-$1.out rc mid=yes
	kill -0 "${S_PID[$1]}" 2>/dev/null || mid=no
	sleep 0.3
	kill -TERM "${S_PID[$1]}" 2>/dev/null
	wait "${S_PID[$1]}"
	rc=$?
	if [ $rc -eq 0 ] && [ $mid = yes ]; then
		ok "$2 ($(tail -1 "$out"))"
	else
		not_ok "$2 (still running when the agent was back: $mid)"
		sed 's/^/#   /' "$out"
	fi
}

# A crash in the middle of updates: the agent is SIGKILLed while a burst of 40 flips is being
# written (an apply every ~10 ms; the kill comes after the third), with probe rounds and a
# transfer y/a -> x/a running (y/a is allowed by version Y only: under Z its conntrack entry
# carries it). Whatever the crash cut short, the rounds must see only whole versions, while
# the agent is down and across its restart, and the agent back must enforce the last version
# written (Y).
flip_burst() {
	local i v
	for i in $(seq 40); do
		[ $((i % 2)) -eq 1 ] && v=z || v=y
		flip_doc $v | ctl apply -f - >/dev/null
		[ "$i" -eq 3 ] && touch "$C_DIR/burst.3"
	done
}
rounds_start "$C_DIR/crash.out"
xfer_start crash y/a x/a || not_ok "transfer y/a -> x/a before SIGKILL"
sleep 0.3
flip_burst &
B_PID=$!
for i in $(seq 500); do [ -e "$C_DIR/burst.3" ] && break; sleep 0.01; done
kill -KILL "$TABBYD_PID"
wait "$TABBYD_PID" 2>/dev/null
wait $B_PID
sleep 0.5
tabbyd_start && settle || not_ok "tabbyd started again after SIGKILL"
xfer_check crash "SIGKILL during a burst of updates, restart: every byte of a transfer echoed"
rounds_stop
rounds_judge "$C_DIR/crash.out"
if [ "$bad" -eq 0 ] && [ "$rounds" -ge 2 ]; then
	ok "probes across the crash and restart: only whole versions" \
		"($rounds rounds, Y $seen_y, Z $seen_z)"
else
	not_ok "probes across the crash and restart: $bad of $rounds rounds inconsistent"
fi
expect_matrix "after the crash, new flows meet the last version written" 80 tcp \
	< <(column 0 "..X..XXXX")

# SIGTERM, and policy written while the agent is down: the transfer's flow loses its policy
# (flip deleted, x/a now admits only namespace x) but its conntrack entry, pinned, carries it
# through; a policy is added in z and one deleted in y, so the agent back must add and remove.
knp deny-y y '{"podSelector": {}, "policyTypes": ["Ingress"]}'
xfer_start term y/a x/a || not_ok "transfer y/a -> x/a before SIGTERM"
sleep 0.5
kill -TERM "$TABBYD_PID"
wait "$TABBYD_PID"
ctl delete knp deny-y -n y >/dev/null || not_ok "delete while tabbyd is down"
ctl delete networkpolicy flip -n x >/dev/null || not_ok "delete while tabbyd is down"
knp_doc from x '{"podSelector": {"matchLabels": {"pod": "a"}},
  "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"ns": "x"}}}]}]}' |
	ctl apply -f - >/dev/null || not_ok "apply while tabbyd is down"
knp_doc deny-z z '{"podSelector": {}, "policyTypes": ["Ingress"]}' |
	ctl apply -f - >/dev/null || not_ok "apply while tabbyd is down"
expect_matrix "agent down: the dataplane keeps its last state" 80 tcp <<'M'
x/a ...XXX...
x/b ...XXX...
x/c X..XXX...
y/a ....XX...
y/b ...X.X...
y/c X..XX....
z/a X..XXX...
z/b X..XXX...
z/c X..XXX...
M
tabbyd_start && settle || not_ok "tabbyd started again after SIGTERM"
xfer_check term "SIGTERM, policy changed while down, restart: every byte echoed"
expect_matrix "agent back: what was written while it was down is enforced" 80 tcp <<'M'
x/a ......XXX
x/b ......XXX
x/c ......XXX
y/a X.....XXX
y/b X.....XXX
y/c X.....XXX
z/a X......XX
z/b X.....X.X
z/c X.....XX.
M

echo "1..$T_N"
[ "$T_FAIL" -eq 0 ]
