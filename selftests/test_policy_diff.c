// SPDX-License-Identifier: Apache-2.0
/*
 * Differential test of the classifier in BPF: random policies compiled and installed, random
 * flows decided through BPF_PROG_TEST_RUN and by the reference evaluator; verdict, reason,
 * deciding rule and Log records must agree. A disagreement prints its seed. Each install
 * costs RCU grace periods (outer map updates), so seeds are fewer here than in the userspace
 * differential test (test_policy_compile.c), and flows per seed more.
 */
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "helpers/policy_bpf.h"
#include "helpers/policy_gen.h"
#include "tabby/drop_reasons.h"

struct logs {
	uint32_t ids[64];
	size_t n;
	uint32_t base;
};

static int on_log(void *ctx, void *data, size_t len)
{
	struct logs *l = ctx;
	const struct tb_pol_log_event *ev = data;

	if (len >= sizeof(*ev) && l->n < 64)
		l->ids[l->n++] = ev->rule_id - l->base;
	return 0;
}

/* One flow through BPF and the reference; 0 if they agree. */
static int check_flow(struct tb_pbpf *p, struct ring_buffer *rb, struct logs *lg,
		      const struct tb_pol_compiled *c, const struct tb_ir *ir,
		      const struct tb_pol_sets *sets, const struct tb_flow *f, char *why,
		      size_t len)
{
	struct tb_policy_result res;
	struct tb_eval_result ref;
	uint32_t local;

	lg->n = 0;
	if (tb_pbpf_decide(p, 7, TB_DIR_INGRESS, f, 1, &res, NULL)) {
		snprintf(why, len, "test run failed");
		return -1;
	}
	ring_buffer__consume(rb);
	tb_eval_flow(ir, sets, f, &ref);
	local = res.rule_id == TB_RULE_NONE ? TB_RULE_NONE : res.rule_id - lg->base;
	return tb_gen_compare(c, &ref, (int)res.allow, (int)res.reason, local, lg->ids, lg->n, why,
			      len);
}

static int diff_seed(struct tb_pbpf *p, struct ring_buffer *rb, struct logs *lg, uint64_t seed,
		     int max_rules, int nflows, char *msg, size_t len)
{
	struct tb_pol_compiled *c = NULL;
	struct tb_pol_sets sets;
	struct tb_ir *ir = NULL;
	struct tb_diag diag;
	char key[32], why[256], fs[160];
	uint32_t slot;
	struct tb_gen g;
	int ret = -1;

	tb_pol_sets_init(&sets);
	tb_diag_init(&diag);
	tb_gen_seed(&g, seed);
	snprintf(key, sizeof(key), "list-%llu", (unsigned long long)seed);
	snprintf(msg, len, "seed %llu: setup failed", (unsigned long long)seed);
	if (tb_gen_sets(&g, &sets))
		goto out;
	ir = tb_gen_ir(&g, max_rules);
	if (!ir || tb_pol_compile(ir, &sets, &diag, &c) ||
	    tb_pbpf_install(p, c, key, 7, TB_DIR_INGRESS, &slot) ||
	    tb_pol_maps_rule_id(p->maps, slot, 0, &lg->base))
		goto out;
	for (int i = 0; i < nflows; i++) {
		struct tb_flow f;

		tb_gen_flow(&g, &f);
		if (check_flow(p, rb, lg, c, ir, &sets, &f, why, sizeof(why))) {
			tb_gen_flow_str(&f, fs, sizeof(fs));
			snprintf(msg, len, "seed %llu flow %d (%s): %s", (unsigned long long)seed,
				 i, fs, why);
			goto out;
		}
	}
	ret = 0;
out:
	tb_pol_compiled_free(c);
	tb_ir_free(ir);
	tb_diag_free(&diag);
	tb_pol_sets_free(&sets);
	return ret;
}

static void run_diff(uint64_t first, uint64_t n, int max_rules, int nflows)
{
	struct tb_pbpf p;
	struct ring_buffer *rb = NULL;
	struct logs lg = {0};
	char msg[512] = "";
	int err = tb_pbpf_open(&p);

	if (err)
		cr_assert_fail("loading the classifier test program: %s", strerror(-err));
	rb = ring_buffer__new(p.log_fd, on_log, &lg, NULL);
	if (!rb) {
		tb_pbpf_close(&p);
		cr_assert_fail("ring buffer");
	}
	for (uint64_t seed = first; seed < first + n; seed++) {
		if (diff_seed(&p, rb, &lg, seed, max_rules, nflows, msg, sizeof(msg)))
			break;
		msg[0] = 0;
	}
	ring_buffer__free(rb);
	tb_pbpf_close(&p);
	if (msg[0])
		cr_assert_fail("%s", msg);
}

Test(policy_diff, small_policies)
{
	run_diff(1, 150, 12, 40);
}

Test(policy_diff, larger_policies)
{
	run_diff(5000, 12, 300, 200);
}
