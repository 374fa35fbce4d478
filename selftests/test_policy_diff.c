// SPDX-License-Identifier: Apache-2.0
/*
 * Differential test of the classifier in BPF: random policies compiled and installed, random
 * flows decided through BPF_PROG_TEST_RUN and by the reference evaluator; verdict, reason,
 * deciding rule and Log records must agree. A disagreement prints its seed.
 */
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
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
static int check_flow(struct tb_pbpf *p, struct ring_buffer *rb, struct logs *lg, uint32_t ifindex,
		      const struct tb_pol_compiled *c, const struct tb_ir *ir,
		      const struct tb_pol_sets *sets, const struct tb_flow *f, char *why,
		      size_t len)
{
	struct tb_policy_result res;
	struct tb_eval_result ref;
	uint32_t local;

	lg->n = 0;
	if (tb_pbpf_decide(p, ifindex, TB_DIR_INGRESS, f, 1, &res, NULL)) {
		snprintf(why, len, "test run failed");
		return -1;
	}
	ring_buffer__consume(rb);
	tb_eval_flow(ir, sets, f, &ref);
	local = res.rule_id == TB_RULE_NONE ? TB_RULE_NONE : res.rule_id - lg->base;
	return tb_gen_compare(c, &ref, (int)res.allow, (int)res.reason, local, lg->ids, lg->n, why,
			      len);
}

/* One seed's policy, compiled; its generator then yields the seed's flows. */
struct seed_case {
	uint64_t seed;
	struct tb_gen g;
	struct tb_pol_sets sets;
	struct tb_ir *ir;
	struct tb_pol_compiled *c;
	char key[32];
};

static int case_init(struct seed_case *sc, uint64_t seed, int max_rules)
{
	struct tb_diag diag;
	int err;

	sc->seed = seed;
	tb_pol_sets_init(&sc->sets);
	tb_diag_init(&diag);
	tb_gen_seed(&sc->g, seed);
	snprintf(sc->key, sizeof(sc->key), "list-%llu", (unsigned long long)seed);
	err = tb_gen_sets(&sc->g, &sc->sets);
	sc->ir = err ? NULL : tb_gen_ir(&sc->g, max_rules);
	err = !sc->ir || tb_pol_compile(sc->ir, &sc->sets, &diag, &sc->c);
	tb_diag_free(&diag);
	return err;
}

static void case_free(struct seed_case *sc)
{
	tb_pol_compiled_free(sc->c);
	tb_ir_free(sc->ir);
	tb_pol_sets_free(&sc->sets);
}

static int run_flows(struct tb_pbpf *p, struct ring_buffer *rb, struct logs *lg,
		     struct seed_case *sc, uint32_t ifindex, int nflows, char *msg, size_t len)
{
	char why[256], fs[160];

	for (int i = 0; i < nflows; i++) {
		struct tb_flow f;

		tb_gen_flow(&sc->g, &f);
		if (check_flow(p, rb, lg, ifindex, sc->c, sc->ir, &sc->sets, &f, why,
			       sizeof(why))) {
			tb_gen_flow_str(&f, fs, sizeof(fs));
			snprintf(msg, len, "seed %llu flow %d (%s): %s",
				 (unsigned long long)sc->seed, i, fs, why);
			return -1;
		}
	}
	return 0;
}

/*
 * Seeds first..first+n-1: all policies compiled, installed in one batch (each install waits
 * for RCU grace periods: one batch pays them once) on endpoints 1000+i, then their flows.
 */
static void run_diff(uint64_t first, uint32_t n, int max_rules, int nflows)
{
	struct seed_case *cs = calloc(n, sizeof(*cs));
	const struct tb_pol_compiled **comp = calloc(n, sizeof(*comp));
	const char **keys = calloc(n, sizeof(*keys));
	uint32_t *slots = calloc(n, sizeof(*slots));
	struct ring_buffer *rb = NULL;
	struct logs lg = {0};
	char msg[512] = "";
	struct tb_pbpf p;

	if (!cs || !comp || !keys || !slots || tb_pbpf_open(&p))
		cr_assert_fail("loading the classifier test program");
	for (uint32_t i = 0; i < n; i++) {
		if (case_init(&cs[i], first + i, max_rules))
			cr_assert_fail("seed %llu: setup failed", (unsigned long long)(first + i));
		comp[i] = cs[i].c;
		keys[i] = cs[i].key;
	}
	rb = ring_buffer__new(p.log_fd, on_log, &lg, NULL);
	if (!rb || tb_pol_maps_get_many(p.maps, keys, comp, n, slots))
		cr_assert_fail("installing the policies");
	for (uint32_t i = 0; i < n && !msg[0]; i++) {
		if (tb_pol_maps_attach(p.maps, 1000 + i, TB_DIR_INGRESS, slots[i]) ||
		    tb_pol_maps_rule_id(p.maps, slots[i], 0, &lg.base))
			cr_assert_fail("attaching seed %llu", (unsigned long long)(first + i));
		run_flows(&p, rb, &lg, &cs[i], 1000 + i, nflows, msg, sizeof(msg));
	}
	for (uint32_t i = 0; i < n; i++)
		case_free(&cs[i]);
	ring_buffer__free(rb);
	tb_pbpf_close(&p);
	free(slots);
	free(keys);
	free(comp);
	free(cs);
	if (msg[0])
		cr_assert_fail("%s", msg);
}

Test(policy_diff, small_policies)
{
	run_diff(1, 300, 12, 25);
}

Test(policy_diff, larger_policies)
{
	run_diff(5000, 20, 300, 150);
}
