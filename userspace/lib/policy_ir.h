/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The typed intermediate form of one endpoint's ordered policy in one direction, as the
 * calculation stage hands it to the classifier compiler and the reference evaluator:
 * tiers (in order) -> policies (in order) -> rules, then the endpoint's profiles.
 *
 * Selectors (selector, notSelector, namespaceSelector, serviceAccounts) are resolved by the
 * agent into IP sets, named ports into IP+port sets; rules refer to sets by ID so many rules
 * share one set, and a set can be changed member by member (struct tb_pol_sets).
 */
#ifndef TABBY_POLICY_IR_H
#define TABBY_POLICY_IR_H

#include <stddef.h>
#include <stdint.h>

enum tb_ir_action {
	TB_IR_ALLOW,
	TB_IR_DENY,
	TB_IR_LOG,
	TB_IR_PASS,
};

/* An address prefix; IPv4 in addr[0..3]. */
struct tb_ir_cidr {
	uint8_t family; /* 4 or 6 */
	uint8_t len;
	uint8_t addr[16];
};

struct tb_ir_port_range {
	uint16_t lo, hi;
};

/* One side (source or destination) of a rule. Empty lists mean "no constraint". */
struct tb_ir_side {
	struct tb_ir_cidr *nets;
	size_t n_nets;
	struct tb_ir_cidr *not_nets;
	size_t n_not_nets;
	uint32_t *sets; /* IP set IDs, all must contain the address (selectors) */
	size_t n_sets;
	uint32_t *not_sets; /* none may contain it (notSelector) */
	size_t n_not_sets;
	/* ports: numeric ranges OR the named-port set (if nonzero); notPorts likewise. */
	struct tb_ir_port_range *ports;
	size_t n_ports;
	uint32_t named_set; /* IP+port set ID of the rule's named ports, 0: none */
	struct tb_ir_port_range *not_ports;
	size_t n_not_ports;
	uint32_t not_named_set;
};

#define TB_IR_ANY (-1)

struct tb_ir_rule {
	enum tb_ir_action action;
	int ip_version;		  /* 0, 4 or 6 */
	int protocol;		  /* TB_IR_ANY or 0..255 */
	int not_protocol;	  /* TB_IR_ANY or 0..255 */
	int icmp_type, icmp_code; /* TB_IR_ANY or 0..255 (code only with a type) */
	int not_icmp_type, not_icmp_code;
	struct tb_ir_side src, dst;
};

struct tb_ir_policy {
	char *name;
	struct tb_ir_rule *rules;
	size_t n_rules;
};

struct tb_ir_tier {
	char *name;
	enum tb_ir_action default_action; /* TB_IR_DENY or TB_IR_PASS */
	struct tb_ir_policy *policies;
	size_t n_policies;
};

/* The endpoint's policy in one direction; a tier appears only if a policy of it applies. */
struct tb_ir {
	struct tb_ir_tier *tiers;
	size_t n_tiers;
	struct tb_ir_policy *profiles; /* profile rules, in the endpoint's profile order */
	size_t n_profiles;
};

/* Sets referenced by rules, by ID (nonzero). */
struct tb_ir_port_member {
	uint8_t proto;
	uint16_t port;
	struct tb_ir_cidr addr;
};

struct tb_ir_set {
	uint32_t id;
	int is_port_set; /* 0: IP set (cidrs), 1: IP+port set (port_members) */
	struct tb_ir_cidr *cidrs;
	size_t n_cidrs;
	struct tb_ir_port_member *port_members;
	size_t n_port_members;
};

struct tb_pol_sets {
	struct tb_ir_set *sets;
	size_t n, cap;
};

/* Where a verdict or a Log record comes from, for counters, tests and `policy trace`. */
enum tb_pol_ref_kind {
	TB_REF_RULE,	     /* tiers[tier].policies[policy].rules[rule] */
	TB_REF_TIER_END,     /* tiers[tier]: no rule matched, its defaultAction */
	TB_REF_PROFILE_RULE, /* profiles[policy].rules[rule] */
	TB_REF_FINAL,	     /* nothing matched: deny */
};

struct tb_pol_ref {
	enum tb_pol_ref_kind kind;
	int tier, policy, rule;
};

/* Rules and sides. A zeroed rule from tb_ir_rule_init matches everything. */
void tb_ir_rule_init(struct tb_ir_rule *r, enum tb_ir_action action);
int tb_ir_side_add_net(struct tb_ir_side *s, int negated, const struct tb_ir_cidr *c);
int tb_ir_side_add_set(struct tb_ir_side *s, int negated, uint32_t id);
int tb_ir_side_add_ports(struct tb_ir_side *s, int negated, uint16_t lo, uint16_t hi);
void tb_ir_rule_free(struct tb_ir_rule *r);
int tb_ir_rule_copy(struct tb_ir_rule *dst, const struct tb_ir_rule *src);

/* Building: each returns 0 or -errno; added objects are deep copies (rules) or new. */
struct tb_ir *tb_ir_new(void);
void tb_ir_free(struct tb_ir *ir);
int tb_ir_add_tier(struct tb_ir *ir, const char *name, enum tb_ir_action default_action);
/* Adds a policy to the last tier (in order). */
int tb_ir_add_policy(struct tb_ir *ir, const char *name);
int tb_ir_add_profile(struct tb_ir *ir, const char *name);
/* Appends a copy of the rule to the last policy (or profile if profile != 0). */
int tb_ir_add_rule(struct tb_ir *ir, int profile, const struct tb_ir_rule *r);

/* Sets: incremental membership. */
void tb_pol_sets_init(struct tb_pol_sets *s);
void tb_pol_sets_free(struct tb_pol_sets *s);
struct tb_ir_set *tb_pol_sets_get(const struct tb_pol_sets *s, uint32_t id);
int tb_pol_sets_add_cidr(struct tb_pol_sets *s, uint32_t id, const struct tb_ir_cidr *c);
int tb_pol_sets_del_cidr(struct tb_pol_sets *s, uint32_t id, const struct tb_ir_cidr *c);
int tb_pol_sets_add_port(struct tb_pol_sets *s, uint32_t id, const struct tb_ir_port_member *m);
int tb_pol_sets_del_port(struct tb_pol_sets *s, uint32_t id, const struct tb_ir_port_member *m);
/* Creates an empty set if missing (so a selector matching nothing still has a set). */
int tb_pol_sets_ensure(struct tb_pol_sets *s, uint32_t id, int is_port_set);

/* Does any rule of the IR refer to set `id` (so a change of the set must recompile it)? */
int tb_ir_uses_set(const struct tb_ir *ir, uint32_t id);
/* "tier T policy P rule N" and the like, for logs, metrics and `policy trace`. */
int tb_ir_ref_describe(const struct tb_ir *ir, const struct tb_pol_ref *ref, char *buf, size_t len);

/* Helpers shared by compiler and evaluator. */
int tb_ir_cidr_parse(const char *s, struct tb_ir_cidr *out);
/* Does the prefix contain the address (family 4: addr[0..3], 6: addr[0..15])? */
int tb_ir_cidr_contains(const struct tb_ir_cidr *c, int family, const uint8_t *addr);

#endif
