#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Shared by the CNI runtime tests (sourced, not run): TAP helpers, a node namespace the
# runtime runs in, a datastore with pools, and a busybox-static root filesystem.

BUILD=${BUILD:-build}
BUILD=$(cd "$BUILD" && pwd)
T_N=0
T_FAIL=0

ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $*"; }
# check "description" command...: one TAP line from the command's status
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
die() { not_ok "$*"; exit 1; }

# A node namespace with forwarding and an address, as a node has.
make_node() { # name
	ip netns add "$1" || return 1
	ip -n "$1" link set lo up &&
	ip -n "$1" addr add 10.254.254.1/32 dev lo &&
	ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

# The datastore with an IPv4 and an IPv6 pool, written with tabbyctl.
make_store() { # db v4cidr v6cidr
	[ -x "$BUILD/bin/tabbyctl" ] || { echo "# $BUILD/bin/tabbyctl not built" >&2; return 1; }
	cat >"$(dirname "$1")/pools.yaml" <<Y
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: rt-v4}
spec: {cidr: $2, blockSize: 26}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: rt-v6}
spec: {cidr: $3}
Y
	TABBY_DATASTORE_PATH=$1 "$BUILD/bin/tabbyctl" apply -f "$(dirname "$1")/pools.yaml" >/dev/null
}

# A conflist for the tabby plugin (cniVersion 1.0.0: these runtimes predate 1.1).
write_conflist() { # file netname node db
	cat >"$1" <<J
{ "cniVersion": "1.0.0", "name": "$2",
  "plugins": [ { "type": "tabby", "nodename": "$3", "mtu": 1450,
                 "datastore_type": "local", "datastore_path": "$4",
                 "log_level": "info", "log_file_path": "$(dirname "$4")/cni.log",
                 "ipam": { "type": "tabby-ipam", "assign_ipv4": "true", "assign_ipv6": "true" } } ] }
J
}

# busybox-static as a root filesystem (no registry).
make_rootfs() { # dir
	local r=$1 a
	mkdir -p "$r"/bin "$r"/etc "$r"/proc "$r"/sys "$r"/dev "$r"/tmp "$r"/run || return 1
	cp /bin/busybox "$r"/bin/ || return 1
	for a in $("$r"/bin/busybox --list); do [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"; done
	echo 'root:x:0:0:root:/:/bin/sh' >"$r"/etc/passwd
	echo 'root:x:0:' >"$r"/etc/group
}

# Rows of a key prefix in the store (read-only peek through the sqlite3 CLI).
count_keys() { # db prefix
	sqlite3 "$1" "select count(*) from kv where key like '$2%'"
}
