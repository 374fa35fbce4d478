// SPDX-License-Identifier: Apache-2.0
/*
 * The classifier compiler checked in userspace: its tables, run by the userspace copy of the
 * BPF lookup, against the reference evaluator on random policies and flows; limits.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tabby/drop_reasons.h"
#include "policy_compile.h"
#include "policy_eval.h"
#include "helpers/policy_gen.h"

/* One seed: a random policy, compiled, and `nflows` random flows through both. */
static int diff_one(uint64_t seed, int max_rules, int nflows, char *msg, size_t len)
{
	struct tb_pol_sets sets;
	struct tb_pol_compiled *c = NULL;
	struct tb_ir *ir = NULL;
	struct tb_diag diag;
	struct tb_gen g;
	int ret = -1;

	tb_pol_sets_init(&sets);
	tb_diag_init(&diag);
	tb_gen_seed(&g, seed);
	if (tb_gen_sets(&g, &sets))
		goto out;
	ir = tb_gen_ir(&g, max_rules);
	if (!ir || tb_pol_compile(ir, &sets, &diag, &c)) {
		snprintf(msg, len, "seed %llu: setup failed", (unsigned long long)seed);
		goto out;
	}
	for (int i = 0; i < nflows; i++) {
		struct tb_eval_result ref;
		struct tb_pol_sim_result sim;
		struct tb_flow f;
		char why[256], fs[160];

		tb_gen_flow(&g, &f);
		tb_eval_flow(ir, &sets, &f, &ref);
		tb_pol_compiled_decide(c, &f, &sim);
		if (tb_gen_compare(c, &ref, sim.allow, sim.reason, sim.rule_id, sim.logs,
				   sim.n_logs, why, sizeof(why))) {
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

Test(policy_compile, differential_small)
{
	char msg[512] = "";

	for (uint64_t seed = 1; seed <= 3000; seed++)
		if (diff_one(seed, 12, 20, msg, sizeof(msg)))
			cr_assert_fail("%s", msg);
}

Test(policy_compile, differential_large)
{
	char msg[512] = "";

	for (uint64_t seed = 100001; seed <= 100040; seed++)
		if (diff_one(seed, 400, 200, msg, sizeof(msg)))
			cr_assert_fail("%s", msg);
}

static struct tb_ir *ir_of_n_rules(int n)
{
	struct tb_ir *ir = tb_ir_new();
	struct tb_ir_rule r;

	if (!ir || tb_ir_add_tier(ir, "default", TB_IR_DENY) || tb_ir_add_policy(ir, "p"))
		goto fail;
	for (int i = 0; i < n; i++) {
		tb_ir_rule_init(&r, TB_IR_ALLOW);
		r.protocol = 6;
		r.dst.ports = &(struct tb_ir_port_range){(uint16_t)(i + 1), (uint16_t)(i + 1)};
		r.dst.n_ports = 1;
		if (tb_ir_add_rule(ir, 0, &r))
			goto fail;
	}
	return ir;
fail:
	tb_ir_free(ir);
	return NULL;
}

Test(policy_compile, limit_is_explicit)
{
	struct tb_pol_sets sets;
	struct tb_pol_compiled *c = NULL;
	struct tb_diag diag;
	/* rules + tier end + final deny fill exactly TB_POL_MAX_BITS */
	struct tb_ir *max = ir_of_n_rules(TB_POL_MAX_BITS - 2);
	struct tb_ir *over = ir_of_n_rules(TB_POL_MAX_BITS - 1);
	int err;

	tb_pol_sets_init(&sets);
	tb_diag_init(&diag);
	if (!max || !over)
		cr_assert_fail("setup");
	err = tb_pol_compile(max, &sets, &diag, &c);
	if (err || c->nbits != TB_POL_MAX_BITS ||
	    tb_pol_policy_check(&max->tiers[0].policies[0], &diag))
		cr_assert_fail("largest policy: %d", err);
	tb_pol_compiled_free(c);
	err = tb_pol_compile(over, &sets, &diag, &c);
	if (err != -E2BIG || c || diag.n != 1 || !strstr(diag.msgs[0], "at most 16384"))
		cr_assert_fail("over the limit: %d %s", err, diag.n ? diag.msgs[0] : "");
	/* the same policy is refused on its own, as an apply would */
	if (tb_pol_policy_check(&over->tiers[0].policies[0], &diag) != -E2BIG || diag.n != 2 ||
	    !strstr(diag.msgs[1], "policy p alone needs 16385"))
		cr_assert_fail("policy check: %s", diag.n > 1 ? diag.msgs[1] : "");
	tb_diag_free(&diag);
	tb_ir_free(max);
	tb_ir_free(over);
}

Test(policy_compile, too_many_log_rules_is_explicit)
{
	struct tb_pol_compiled *c = NULL;
	struct tb_pol_sets sets;
	struct tb_diag diag;
	struct tb_ir *ir = tb_ir_new();
	struct tb_ir_rule r;
	int err = !ir || tb_ir_add_tier(ir, "t", TB_IR_DENY) || tb_ir_add_policy(ir, "p");

	tb_pol_sets_init(&sets);
	tb_diag_init(&diag);
	tb_ir_rule_init(&r, TB_IR_LOG);
	for (int i = 0; i < TB_POL_MAX_STEPS && !err; i++)
		err = tb_ir_add_rule(ir, 0, &r);
	/* 256 Log rules and one tier: one step too many */
	if (err || tb_pol_compile(ir, &sets, &diag, &c) != -E2BIG || c || diag.n != 1 ||
	    !strstr(diag.msgs[0], "TB_POL_MAX_STEPS"))
		cr_assert_fail("step limit: %s", diag.n ? diag.msgs[0] : "no message");
	tb_diag_free(&diag);
	tb_ir_free(ir);
}

Test(policy_compile, set_users_and_descriptions)
{
	struct tb_ir *ir = tb_ir_new();
	struct tb_ir_rule r;
	char buf[128];
	int ok;

	tb_ir_rule_init(&r, TB_IR_ALLOW);
	r.dst.named_set = 12;
	ok = ir && !tb_ir_add_tier(ir, "security", TB_IR_PASS) && !tb_ir_add_policy(ir, "a") &&
	     !tb_ir_side_add_set(&r.src, 1, 5) && !tb_ir_add_rule(ir, 0, &r) &&
	     !tb_ir_add_profile(ir, "kns.default") && !tb_ir_add_rule(ir, 1, &r);
	ok = ok && tb_ir_uses_set(ir, 5) && tb_ir_uses_set(ir, 12) && !tb_ir_uses_set(ir, 6);
	ok = ok && !tb_ir_ref_describe(ir, &(struct tb_pol_ref){TB_REF_RULE, 0, 0, 0}, buf, 128) &&
	     !strcmp(buf, "tier security policy a rule 0");
	ok = ok &&
	     !tb_ir_ref_describe(ir, &(struct tb_pol_ref){TB_REF_TIER_END, 0, -1, -1}, buf, 128) &&
	     !strcmp(buf, "tier security: no rule matched, defaultAction Pass");
	ok = ok &&
	     !tb_ir_ref_describe(ir, &(struct tb_pol_ref){TB_REF_PROFILE_RULE, -1, 0, 0}, buf,
				 128) &&
	     !strcmp(buf, "profile kns.default rule 0");
	ok = ok && tb_ir_ref_describe(ir, &(struct tb_pol_ref){TB_REF_RULE, 3, 0, 0}, buf, 128) ==
		       -ENOENT;
	tb_ir_rule_free(&r);
	tb_ir_free(ir);
	if (!ok)
		cr_assert_fail("uses/describe: %s", buf);
}

/* Appends a rule allowing source `net` to the IR's first policy; 0 or -1. */
static int allow_src(struct tb_ir *ir, const char *net)
{
	struct tb_ir_cidr cidr;
	struct tb_ir_rule r;
	int err;

	tb_ir_rule_init(&r, TB_IR_ALLOW);
	err = tb_ir_cidr_parse(net, &cidr) || tb_ir_side_add_net(&r.src, 0, &cidr) ||
	      tb_ir_add_rule(ir, 0, &r);
	tb_ir_rule_free(&r);
	return err ? -1 : 0;
}

Test(policy_compile, hashed_fields_have_lengths_per_family)
{
	struct tb_pol_compiled *c = NULL;
	struct tb_pol_sets sets;
	struct tb_diag diag;
	struct tb_ir *ir = tb_ir_new();
	static const char *const nets[] = {"10.0.0.1/32", "10.0.0.0/24", "fd00::1/128"};
	int err = !ir || tb_ir_add_tier(ir, "t", TB_IR_DENY) || tb_ir_add_policy(ir, "p");

	tb_pol_sets_init(&sets);
	tb_diag_init(&diag);
	for (int i = 0; i < 3 && !err; i++)
		err = allow_src(ir, nets[i]);
	/* four lengths in all, but IPv4 flows try 48, 40, 8 and IPv6 flows 144, 8 */
	if (err || tb_pol_compile(ir, &sets, &diag, &c) || !(c->hash_mask & (1u << TB_PF_SRC)) ||
	    c->nlens[TB_PF_SRC][0] != 3 || c->nlens[TB_PF_SRC][1] != 2 ||
	    c->lens[TB_PF_SRC][0][0] != 48 || c->lens[TB_PF_SRC][1][0] != 144 ||
	    c->lens[TB_PF_SRC][1][1] != 8)
		cr_assert_fail("per-family lengths");
	tb_pol_compiled_free(c);
	tb_ir_free(ir);
	tb_diag_free(&diag);
}

/*
 * The set's hash: every hashed entry is found where the BPF side looks (its bucket or the
 * next), keys that are not there are not found, and class records never cross a line.
 */
Test(policy_compile, hash_finds_every_entry_and_nothing_else)
{
	struct tb_pol_compiled *c = NULL;
	struct tb_pol_sets sets;
	struct tb_diag diag;
	struct tb_ir *ir = tb_ir_new();
	size_t hashed = 0, found = 0, strays = 0;
	int err = !ir || tb_ir_add_tier(ir, "t", TB_IR_DENY) || tb_ir_add_policy(ir, "p");

	tb_pol_sets_init(&sets);
	tb_diag_init(&diag);
	for (int i = 0; i < 3000 && !err; i++) {
		char net[32];

		snprintf(net, sizeof(net), "10.%d.%d.1/32", i / 256, i % 256);
		err = allow_src(ir, net);
	}
	if (err || tb_pol_compile(ir, &sets, &diag, &c) || !(c->hash_mask & (1u << TB_PF_SRC)))
		cr_assert_fail("setup");
	for (size_t i = 0; i < c->n_entries; i++) {
		struct tb_pol_key k = c->entries[i].key;

		if (!(c->hash_mask & (1u << k.field)))
			continue;
		hashed++;
		found += tb_pol_hash_lookup(c, &k) == c->class_rec[c->entries[i].cls];
		if (k.prefixlen != 8 + 8 + 32)
			continue; /* the root and family entries: no host in them */
		/* the same address one bit shorter, and a host no rule names */
		k.prefixlen--;
		strays += tb_pol_hash_lookup(c, &k) != 0;
		k.prefixlen++;
		k.data[1] = 11;
		strays += tb_pol_hash_lookup(c, &k) != 0;
	}
	for (size_t k = 0; k < c->n_classes; k++)
		if (c->class_rec[k] % TB_POL_LINE_WORDS + TB_POL_REC_WORDS(c->nsum) >
		    TB_POL_LINE_WORDS)
			cr_assert_fail("record %zu at word %u crosses a line", k, c->class_rec[k]);
	cr_expect(hashed >= 3000 && found == hashed && !strays, "%zu hashed, %zu found, %zu strays",
		  hashed, found, strays);
	cr_expect(hashed <= 2 * TB_POL_BUCKET_ENTRIES * ((size_t)c->hash_nb_mask + 1) / 2,
		  "buckets at most half full: %zu keys, %u buckets", hashed, c->hash_nb_mask + 1);
	tb_pol_compiled_free(c);
	tb_ir_free(ir);
	tb_diag_free(&diag);
}

/* The BPF side builds hashed keys from the flow in registers: the same words as the key bytes. */
Test(policy_compile, hashed_key_words_match_the_key_bytes)
{
	struct tb_gen g;

	tb_gen_seed(&g, 7);
	for (int i = 0; i < 2000; i++) {
		struct tb_flow f;

		tb_gen_flow(&g, &f);
		for (int field = 0; field < TB_PF_MAX; field++) {
			uint64_t from_bytes[3];
			__u64 from_flow[3];
			struct tb_pol_key k;

			tb_pol_flow_key(&f, field, &k);
			tb_pol_hent_key(&k, from_bytes);
			tb_pol_hkey_of_flow(&f, (uint32_t)field, from_flow);
			/* the full key's words, the prefix length byte aside */
			from_bytes[2] &= ~(0xffull << 56);
			if (memcmp(from_bytes, from_flow, sizeof(from_flow)))
				cr_assert_fail("flow %d field %d: %016llx %016llx %016llx", i,
					       field, (unsigned long long)from_flow[0],
					       (unsigned long long)from_flow[1],
					       (unsigned long long)from_flow[2]);
		}
	}
}
