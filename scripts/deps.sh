#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install every Debian package tabby needs to build, test, demo and benchmark.
# Idempotent and quick when everything is present: apt-get runs only for what is missing.
set -euo pipefail

packages=(
	# build
	make gcc clang-14 llvm-14 pkg-config
	libbpf-dev bpftool libelf-dev zlib1g-dev
	libjansson-dev libyaml-dev libsqlite3-dev
	libnl-3-dev libnl-route-3-dev libcurl4-openssl-dev libssl-dev
	# tests
	libcriterion-dev libclang-rt-14-dev iproute2 jq sqlite3 procps bsdextrautils bc python3
	# the etcd backend's tests and benchmarks: real members, etcdctl as the peer, test certificates
	etcd-server etcd-client openssl
	# CNI tests: real traffic (ping), real runtimes (podman, containerd), the reference plugins
	iputils-ping podman containernetworking-plugins runc busybox-static catatonit uidmap iptables containerd
	# tabbyd benchmarks: nft as the peer of a policy change
	nftables
	# live dataplane benchmark: single-stream TCP
	iperf3
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: need root to install packages" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
