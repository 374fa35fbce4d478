// SPDX-License-Identifier: Apache-2.0
/*
 * Datapath cost per packet through BPF_PROG_TEST_RUN with repeat (mean ns per run as the
 * kernel reports it, best of 5, raw: the harness's own ~30 ns are included in every row and
 * in the peer). The peer is a bare tc program that returns TC_ACT_OK. Rows:
 *   datapath_ct_hit_v4/v6   a packet of a known UDP flow: parse, conntrack hit, counters;
 *   datapath_ct_reply_v4    its reply;
 *   datapath_new_flow_v4    a TCP SYN: parse, conntrack miss (a SYN always meets policy),
 *                           policy, entry created. The decision here is the test-only allow
 *                           (one hash lookup): the classifier's cost is its own benchmark.
 * Prints one JSON row per line.
 */
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>

#include "../helpers/bpf_run.h"
#include "../helpers/dp_fixture.h"

#define REPEAT 200000
#define ROUNDS 5

struct row {
	const char *name;
	enum tb_dp_hook hook;
	struct tb_pkt_spec spec;
	struct tb_pkt_spec setup;	/* sent once first (creates the flow); proto 0: none */
	enum tb_dp_hook setup_hook;
};

#define W4 .src = "10.0.0.1", .dst = "10.0.0.2"
#define P4 .src = "10.0.0.2", .dst = "10.0.0.1"
#define W6 .family = TB_AF_INET6, .src = "fd00::1", .dst = "fd00::2"

static const struct row rows[] = {
	{ "datapath_ct_hit_v4", TB_HOOK_INGRESS,
	  { W4, .proto = IPPROTO_UDP, .sport = 40000, .dport = 53, .payload_len = 18 },
	  { W4, .proto = IPPROTO_UDP, .sport = 40000, .dport = 53 }, TB_HOOK_INGRESS },
	{ "datapath_ct_reply_v4", TB_HOOK_EGRESS,
	  { P4, .proto = IPPROTO_UDP, .sport = 53, .dport = 40000, .payload_len = 18 },
	  { W4, .proto = IPPROTO_UDP, .sport = 40000, .dport = 53 }, TB_HOOK_INGRESS },
	{ "datapath_ct_hit_v6", TB_HOOK_INGRESS,
	  { W6, .proto = IPPROTO_UDP, .sport = 40000, .dport = 53, .payload_len = 18 },
	  { W6, .proto = IPPROTO_UDP, .sport = 40000, .dport = 53 }, TB_HOOK_INGRESS },
	{ "datapath_new_flow_v4", TB_HOOK_INGRESS,
	  { W4, .sport = 40001, .dport = 80, .tcp_flags = TB_TCP_SYN }, { 0 }, 0 },
};

/* r0 = TC_ACT_OK; exit. */
static int load_passthrough(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "tb_passthru", "GPL", insns, 2, NULL);
}

static void print_row(const char *name, double v, double peer)
{
	printf("{\"name\":\"%s\",\"value\":%.1f,\"unit\":\"ns/pkt\",\"peer\":\"tc_passthrough\","
	       "\"peer_value\":%.1f,\"ratio\":%.3f,\"target\":null}\n",
	       name, v, peer, peer > 0 ? v / peer : 0.0);
}

int main(void)
{
	static struct tb_run_result res;
	static struct tb_pkt pkt;
	struct tb_fixture f;
	uint32_t peer_ns, ns;
	int pass_fd, rc = 1;

	pass_fd = load_passthrough();
	if (pass_fd < 0 || tb_fixture_open(&f, 0)) {
		fprintf(stderr, "bench_datapath: cannot load programs\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];

		if (r->setup.src) {
			if (tb_pkt_build(&r->setup, &pkt) ||
			    tb_bpf_run_pkt(f.prog[r->setup_hook], &pkt, 1, &res) || res.retval)
				goto out;
		}
		if (tb_pkt_build(&r->spec, &pkt))
			goto out;
		/* The peer runs the same frame, right before, under the same conditions. */
		if (tb_bpf_bench(pass_fd, &pkt, REPEAT, ROUNDS, &peer_ns) ||
		    tb_bpf_bench(f.prog[r->hook], &pkt, REPEAT, ROUNDS, &ns))
			goto out;
		if (tb_bpf_run_pkt(f.prog[r->hook], &pkt, 1, &res) || res.retval) {
			fprintf(stderr, "bench_datapath: %s was dropped\n", r->name);
			goto out;
		}
		print_row(r->name, ns, peer_ns);
	}
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_datapath: run failed\n");
	tb_fixture_close(&f);
	return rc;
}
