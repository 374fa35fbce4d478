// SPDX-License-Identifier: Apache-2.0
/*
 * The workload programs on live traffic, in namespaces of the test's own:
 *
 *     ns W (workload)                    ns H (host side)
 *     tlw 10.200.0.1/24  <--- veth --->  tlh 10.200.0.2/24   tb_wl_ingress / tb_wl_egress
 *         fd00:200::1/64                     fd00:200::2/64   attached here
 *
 * With the test-only policy: ping in both families (ARP and neighbour discovery pass, the
 * request opens a flow, replies pass on conntrack), a UDP packet to a closed port whose ICMP
 * port-unreachable comes back as related, then ICMP denied from the workload.
 */
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "helpers/bpf_run.h"
#include "helpers/dp_fixture.h"

static char ns_w[32], ns_h[32];

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd) == 0 ? 0 : -1;
}

static int setup(void)
{
	snprintf(ns_w, sizeof(ns_w), "tbl-w-%d", getpid());
	snprintf(ns_h, sizeof(ns_h), "tbl-h-%d", getpid());
	return run("ip netns add %s && ip netns add %s && "
		   "ip -n %s link add tlw type veth peer name tlh netns %s && "
		   "ip -n %s addr add 10.200.0.1/24 dev tlw && "
		   "ip -n %s addr add fd00:200::1/64 dev tlw nodad && "
		   "ip -n %s addr add 10.200.0.2/24 dev tlh && "
		   "ip -n %s addr add fd00:200::2/64 dev tlh nodad && "
		   "ip -n %s link set tlw up && ip -n %s link set tlh up",
		   ns_w, ns_h, ns_w, ns_h, ns_w, ns_w, ns_h, ns_h, ns_w, ns_h);
}

static void teardown(void)
{
	run("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null", ns_w, ns_h);
}

static uint64_t stat_of(struct tb_fixture *f, int drops, uint32_t idx)
{
	uint64_t pk = 0, by;

	tb_percpu_counter(drops ? f->drops_fd : f->stats_fd, idx, &pk, &by);
	return pk;
}

Test(bpf_live, ping_udp_and_deny)
{
	struct tb_fixture f = { 0 };
	const char *why = NULL;
	char path[64];
	int fd, ifindex;

	if (setup()) {
		teardown();
		cr_assert_fail("cannot build the namespaces");
	}
	snprintf(path, sizeof(path), "/run/netns/%s", ns_h);
	fd = open(path, O_RDONLY);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		why = "cannot enter the host namespace";
		goto out;
	}
	close(fd);
	ifindex = if_nametoindex("tlh");
	if (!ifindex || tb_fixture_open(&f, 0) || tb_dp_attach(f.dp, ifindex)) {
		why = "cannot load and attach";
		goto out;
	}
	if (run("ip netns exec %s ping -c 2 -i 0.2 -W 2 10.200.0.2 >/dev/null", ns_w)) {
		why = "ipv4 ping failed through the programs";
		goto out;
	}
	if (run("ip netns exec %s ping -6 -c 2 -i 0.2 -W 2 fd00:200::2 >/dev/null", ns_w)) {
		why = "ipv6 ping failed through the programs";
		goto out;
	}
	if (stat_of(&f, 0, TB_STAT_NON_IP) < 1 || stat_of(&f, 0, TB_STAT_ND) < 1 ||
	    stat_of(&f, 0, TB_STAT_POLICY_ALLOW) < 2 || stat_of(&f, 0, TB_STAT_CT_REPLY) < 4 ||
	    stat_of(&f, 0, TB_STAT_CT_HIT) < 2) {
		why = "counters do not show ARP, ND, new flows, hits and replies";
		goto out;
	}
	/* A closed port: the host's port unreachable is related to the flow and comes back. */
	if (run("ip netns exec %s bash -c 'echo x > /dev/udp/10.200.0.2/9'", ns_w)) {
		why = "cannot send udp";
		goto out;
	}
	usleep(200000);
	if (stat_of(&f, 0, TB_STAT_ICMP_RELATED) < 1) {
		why = "the port unreachable was not passed as related";
		goto out;
	}
	if (tb_fixture_reset(&f) ||
	    tb_fixture_deny(&f, IPPROTO_ICMP, TB_DIR_EGRESS, 0, TB_DROP_POLICY_DENY)) {
		why = "cannot set the deny";
		goto out;
	}
	if (!run("ip netns exec %s ping -c 1 -W 1 10.200.0.2 >/dev/null", ns_w)) {
		why = "a denied ping got through";
		goto out;
	}
	if (stat_of(&f, 1, TB_DROP_POLICY_DENY) < 1)
		why = "the denied ping was not counted";
out:
	if (f.dp)
		tb_fixture_close(&f);
	teardown();
	if (why)
		cr_assert_fail("%s", why);
}
