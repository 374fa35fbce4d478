/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-rule packet and byte counters as Prometheus metrics. The BPF counters are indexed by a
 * global rule id per installed table set; when a set is installed the agent records, for each
 * of its rules, which tier, policy (or profile) and rule it is, so counters can be named.
 */
#ifndef TABBYD_RULE_METRICS_H
#define TABBYD_RULE_METRICS_H

#include <stdint.h>
#include <stdio.h>

struct agent;
struct tb_ir;
struct tb_pol_compiled;

/* Names the rules of the set just installed in slot (direction dir). */
void agent_rule_labels_record(struct agent *a, uint32_t slot, int dir, const struct tb_ir *ir,
			      const struct tb_pol_compiled *c);
/* tabby_rule_packets_total / tabby_rule_bytes_total, summed over sets naming the same rule. */
void agent_rule_metrics_print(struct agent *a, FILE *f);
void agent_rule_labels_free(struct agent *a);

#endif
