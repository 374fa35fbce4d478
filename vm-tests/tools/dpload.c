// SPDX-License-Identifier: Apache-2.0
/*
 * dpload: puts tabby's workload programs on one veth of the current network namespace, with a
 * large policy, for the live dataplane benchmark (scripts/bench/dataplane.sh).
 *
 *   dpload IFACE RULES CIDR
 *
 * It does what tabbyd's dataplane does for one endpoint (userspace/tabbyd/dataplane.c): load
 * the object (conntrack, counters, classifier maps; no pins, so every call gets fresh maps and
 * an empty conntrack), compile both directions' policy lists, install them, point the
 * endpoint at them, then attach the two tc programs. The programs stay attached after exit
 * (tc holds them, and they hold their maps); `tc qdisc del dev IFACE clsact` removes it all.
 *
 * Ingress (towards the workload): one tier of RULES rules, the traffic under test matching
 * only the last two:
 *   rule i < RULES - 2   allow TCP (even i) or UDP (odd i) from 10.<i/256>.<i%256>.0/24 to
 *                        port 1000 + i % 4000 (fillers that the traffic never matches)
 *   rule RULES - 2       allow TCP from CIDR to ports 5201 (iperf3) and 7000-7001 (tcprr)
 *   rule RULES - 1       allow UDP from CIDR to port 9000 (udpblast)
 * Egress (from the workload): one rule allowing everything.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_loader.h"
#include "diag.h"
#include "policy_compile.h"
#include "policy_ir.h"
#include "policy_maps.h"
#include "tabby/flow.h"
#include "workload.skel.h"

static int add_rule(struct tb_ir *ir, int proto, const struct tb_ir_cidr *src, uint16_t lo,
		    uint16_t hi, uint16_t lo2, uint16_t hi2)
{
	struct tb_ir_rule r;
	int err;

	tb_ir_rule_init(&r, TB_IR_ALLOW);
	r.protocol = proto;
	err = tb_ir_side_add_net(&r.src, 0, src) || tb_ir_side_add_ports(&r.dst, 0, lo, hi) ||
	      (lo2 && tb_ir_side_add_ports(&r.dst, 0, lo2, hi2)) || tb_ir_add_rule(ir, 0, &r);
	tb_ir_rule_free(&r);
	return err ? -ENOMEM : 0;
}

static struct tb_ir *ingress_ir(int rules, const struct tb_ir_cidr *bench_src)
{
	struct tb_ir *ir = tb_ir_new();
	int err = !ir || tb_ir_add_tier(ir, "default", TB_IR_DENY) || tb_ir_add_policy(ir, "bench");

	for (int i = 0; i < rules - 2 && !err; i++) {
		struct tb_ir_cidr c = {.family = 4, .len = 24, .addr = {10, i / 256, i % 256, 0}};
		uint16_t port = (uint16_t)(1000 + i % 4000);

		err = add_rule(ir, i % 2 ? 17 : 6, &c, port, port, 0, 0);
	}
	err = err || add_rule(ir, 6, bench_src, 5201, 5201, 7000, 7001) ||
	      add_rule(ir, 17, bench_src, 9000, 9000, 0, 0);
	if (err) {
		tb_ir_free(ir);
		return NULL;
	}
	return ir;
}

static struct tb_ir *egress_ir(void)
{
	struct tb_ir *ir = tb_ir_new();
	struct tb_ir_rule r;
	int err = !ir || tb_ir_add_tier(ir, "default", TB_IR_DENY) || tb_ir_add_policy(ir, "all");

	tb_ir_rule_init(&r, TB_IR_ALLOW);
	err = err || tb_ir_add_rule(ir, 0, &r);
	tb_ir_rule_free(&r);
	if (err) {
		tb_ir_free(ir);
		return NULL;
	}
	return ir;
}

/* Compiles ir, installs it as list `key` and points (ifindex, dir) at it. */
static int program_dir(struct tb_pol_maps *m, int ifindex, uint32_t dir, const char *key,
		       struct tb_ir *ir)
{
	struct tb_pol_compiled *c = NULL;
	struct tb_pol_sets sets;
	struct tb_diag diag;
	uint32_t slot;
	int r;

	if (!ir)
		return -ENOMEM;
	tb_pol_sets_init(&sets);
	tb_diag_init(&diag);
	r = tb_pol_compile(ir, &sets, &diag, &c);
	if (r)
		goto out;
	r = tb_pol_maps_get(m, key, c, &slot);
	if (r)
		goto out;
	r = tb_pol_maps_attach(m, (uint32_t)ifindex, dir, slot);
out:
	tb_pol_compiled_free(c);
	tb_diag_free(&diag);
	tb_pol_sets_free(&sets);
	tb_ir_free(ir);
	return r;
}

static int load(const char *iface, int rules, const struct tb_ir_cidr *src)
{
	struct tb_dp_opts o = {0};
	struct tb_pol_map_fds fds;
	struct tb_pol_maps *m = NULL;
	struct tb_dp *dp = NULL;
	int ifindex = (int)if_nametoindex(iface);
	int r;

	if (!ifindex)
		return -ENODEV;
	r = tb_dp_load(&o, &dp);
	if (r)
		return r;
	r = tb_pol_map_fds_from_object(((struct workload *)tb_dp_skel(dp))->obj, &fds);
	if (r)
		goto out;
	r = tb_pol_maps_new(&fds, &m);
	if (r)
		goto out;
	r = program_dir(m, ifindex, TB_DIR_INGRESS, "bench-in", ingress_ir(rules, src));
	if (r)
		goto out;
	r = program_dir(m, ifindex, TB_DIR_EGRESS, "bench-out", egress_ir());
	if (r)
		goto out;
	r = tb_dp_attach(dp, ifindex);
out:
	tb_pol_maps_free(m);
	tb_dp_destroy(dp);
	return r;
}

int main(int argc, char **argv)
{
	struct tb_ir_cidr src;
	int rules, r;

	if (argc != 4 || (rules = atoi(argv[2])) < 2 || rules > 16000 ||
	    tb_ir_cidr_parse(argv[3], &src) || src.family != 4) {
		fprintf(stderr, "usage: dpload IFACE RULES(2-16000) IPV4-CIDR\n");
		return 2;
	}
	r = load(argv[1], rules, &src);
	if (r) {
		fprintf(stderr, "dpload %s: %s\n", argv[1], strerror(-r));
		return 1;
	}
	return 0;
}
