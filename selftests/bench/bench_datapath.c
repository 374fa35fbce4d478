// SPDX-License-Identifier: Apache-2.0
/*
 * Datapath cost per packet through BPF_PROG_TEST_RUN with repeat (mean ns per run as the
 * kernel reports it, best of 5, raw: the harness's own ~25 ns are included in every row and
 * in its peer). Rows against a bare tc program that returns TC_ACT_OK:
 *   datapath_parse_only_v4/v6  the same object built to pass right after parsing
 *                              (TB_CFG_F_BENCH_PARSE_ONLY): the parse-only baseline;
 *   datapath_ct_hit_v4/v6      a packet of a known UDP flow: parse, conntrack hit, counters;
 *   datapath_ct_reply_v4       its reply;
 *   datapath_new_flow_v4       a TCP SYN: parse, conntrack miss (a SYN always meets policy),
 *                              policy, entry created. The decision here is the test-only
 *                              allow (one hash lookup): the classifier's cost is its own row.
 * and the target row, conntrack hit against parse-only on the same frame:
 *   datapath_ct_hit_vs_parse_v4/v6   target <= 2.0.
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

static void print_row(const char *name, double v, const char *peer, double peer_v,
		      const char *target)
{
	printf("{\"name\":\"%s\",\"value\":%.1f,\"unit\":\"ns/pkt\",\"peer\":\"%s\","
	       "\"peer_value\":%.1f,\"ratio\":%.3f,\"target\":%s}\n",
	       name, v, peer, peer_v, peer_v > 0 ? v / peer_v : 0.0, target);
}

/* Sends the row's setup packet (on `f`) and builds its packet into *pkt. */
static int prepare(struct tb_fixture *f, const struct row *r, struct tb_pkt *pkt)
{
	static struct tb_run_result res;

	if (r->setup.src) {
		if (tb_pkt_build(&r->setup, pkt) ||
		    tb_bpf_run_pkt(f->prog[r->setup_hook], pkt, 1, &res) || res.retval)
			return -1;
	}
	return tb_pkt_build(&r->spec, pkt);
}

/*
 * Best of ROUNDS for each program on the same frame, the programs taking turns round by
 * round so that a noisy moment hurts all of them alike. The packet must pass on each: a drop
 * would be a cheaper, wrong path.
 */
static int measure(const struct tb_pkt *pkt, const int *progs, int n, uint32_t *best)
{
	static struct tb_run_result res;

	for (int p = 0; p < n; p++) {
		best[p] = UINT32_MAX;
		if (tb_bpf_run_pkt(progs[p], pkt, 1, &res) || res.retval)
			return -1;
	}
	for (int round = 0; round < ROUNDS; round++) {
		for (int p = 0; p < n; p++) {
			uint32_t ns;

			if (tb_bpf_bench(progs[p], pkt, REPEAT, 1, &ns))
				return -1;
			if (ns < best[p])
				best[p] = ns;
		}
	}
	return 0;
}

int main(void)
{
	static struct tb_pkt pkt;
	struct tb_fixture f, parse;
	uint32_t best[3];
	int pass_fd, rc = 1;

	pass_fd = load_passthrough();
	if (pass_fd < 0 || tb_fixture_open(&f, 0)) {
		fprintf(stderr, "bench_datapath: cannot load programs\n");
		return 1;
	}
	if (tb_fixture_open_flags(&parse, 0, TB_CFG_F_BENCH_PARSE_ONLY)) {
		tb_fixture_close(&f);
		fprintf(stderr, "bench_datapath: cannot load the parse-only object\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		int progs[3] = { pass_fd, f.prog[r->hook], parse.prog[r->hook] };
		/* The conntrack-hit rows also run the parse-only object on their frame. */
		int with_parse = i == 0 || i == 2;

		if (prepare(&f, r, &pkt) || measure(&pkt, progs, with_parse ? 3 : 2, best))
			goto out;
		print_row(r->name, best[1], "tc_passthrough", best[0], "null");
		if (!with_parse)
			continue;
		print_row(i ? "datapath_parse_only_v6" : "datapath_parse_only_v4", best[2],
			  "tc_passthrough", best[0], "null");
		print_row(i ? "datapath_ct_hit_vs_parse_v6" : "datapath_ct_hit_vs_parse_v4",
			  best[1], i ? "datapath_parse_only_v6" : "datapath_parse_only_v4",
			  best[2], "\"<= 2.0\"");
	}
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_datapath: run failed\n");
	tb_fixture_close(&parse);
	tb_fixture_close(&f);
	return rc;
}
