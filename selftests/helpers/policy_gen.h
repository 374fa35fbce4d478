/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Random policies and flows for differential tests of the classifier. Values come from small
 * pools so that rules and flows collide often; everything derives from one seed, which a
 * failing test prints.
 */
#ifndef TABBY_SELFTESTS_POLICY_GEN_H
#define TABBY_SELFTESTS_POLICY_GEN_H

#include <stdint.h>

#include "tabby/flow.h"
#include "policy_eval.h"
#include "policy_compile.h"
#include "policy_ir.h"

struct tb_gen {
	uint64_t state;
};

void tb_gen_seed(struct tb_gen *g, uint64_t seed);
uint32_t tb_gen_u32(struct tb_gen *g, uint32_t below);

/* Fills sets with random IP sets (IDs 1-4) and IP+port sets (IDs 10-12). */
int tb_gen_sets(struct tb_gen *g, struct tb_pol_sets *sets);
/* A random IR of up to max_rules rules in total (tiers, policies, profiles). */
struct tb_ir *tb_gen_ir(struct tb_gen *g, int max_rules);
void tb_gen_flow(struct tb_gen *g, struct tb_flow *f);

/* Compares a compiled verdict with the reference; 0 if equal, else writes why into msg. */
int tb_gen_compare(const struct tb_pol_compiled *c, const struct tb_eval_result *ref, int allow,
		   int reason, uint32_t rule_id, const uint32_t *logs, size_t n_logs, char *msg,
		   size_t len);
/* Renders a flow for messages. */
void tb_gen_flow_str(const struct tb_flow *f, char *buf, size_t len);

#endif
