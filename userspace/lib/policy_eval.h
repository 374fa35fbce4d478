/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reference evaluator: Calico v3 semantics applied to one flow by walking the IR rule by rule.
 * Slow and obvious on purpose: tests compare the compiled classifier against it, and
 * `tabbyctl policy trace` uses it to explain a verdict.
 */
#ifndef TABBY_POLICY_EVAL_H
#define TABBY_POLICY_EVAL_H

#include "tabby/flow.h"
#include "policy_ir.h"

#define TB_EVAL_MAX_LOGS 64

struct tb_eval_result {
	int allow;
	int reason; /* enum tb_drop_reason when !allow */
	struct tb_pol_ref decider;
	struct tb_pol_ref logs[TB_EVAL_MAX_LOGS]; /* Log rules matched before the decision */
	size_t n_logs;
};

/* Does one rule match the flow? Sets are looked up in `sets` (a missing set is empty). */
int tb_eval_rule_matches(const struct tb_ir_rule *r, const struct tb_pol_sets *sets,
			 const struct tb_flow *flow);

/* Evaluates the endpoint's policy in one direction; always succeeds. */
void tb_eval_flow(const struct tb_ir *ir, const struct tb_pol_sets *sets,
		  const struct tb_flow *flow, struct tb_eval_result *res);

#endif
