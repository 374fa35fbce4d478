/* SPDX-License-Identifier: Apache-2.0 */
/* The calculation stage's model: what calc_*.c share. */
#ifndef TABBY_CALC_INT_H
#define TABBY_CALC_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "calc.h"
#include "hmap.h"
#include "policy_ir.h"
#include "selector.h"

struct calc_named_port {
	char *name;
	uint8_t proto;
	uint16_t port;
};

/* Workload and host endpoints, and network sets (members of IP sets, never local). */
enum calc_ep_kind { EP_WORKLOAD, EP_HOST, EP_NETSET };

struct calc_ep {
	char *key;
	enum calc_ep_kind kind;
	char *name, *ns, *node, *iface, *mac;
	json_t *labels;			/* own labels, automatic ones added */
	char **profiles;
	size_t n_profiles;
	struct tb_ir_cidr *ips;
	size_t n_ips;
	struct calc_named_port *ports;
	size_t n_ports;
	int64_t rev;
	bool local;
	/* Local workload endpoints only. */
	bool dirty;			/* its IR needs rebuilding */
	bool ep_changed;		/* its addresses/interface need reporting */
	bool reported;
	char *list_key[2];
	struct tb_ir *ir[2];		/* borrowed from tb_calc.irs under list_key */
	uint32_t *used_sets;		/* sets the current IR refers to */
	size_t n_used_sets;
};

/*
 * What a rule side (or a policy) selects: endpoints whose effective labels match `sel`, in
 * namespaces matching `ns_sel` (or, without one, in `scope_ns` when set), with the service
 * accounts `sa_names`/`sa_sel`; for named ports, the (address, port) of their port `port_name`.
 */
struct calc_matcher {
	struct tb_selector *sel;
	struct tb_selector *ns_sel;
	char *scope_ns;
	char **sa_names;
	size_t n_sa_names;
	struct tb_selector *sa_sel;
	char *port_name;		/* named-port sets only */
	uint8_t port_proto;
};

struct calc_set {
	uint32_t id;
	char *skey;			/* identity: the matcher in canonical text */
	struct calc_matcher m;
	unsigned refs;
	uint64_t gen;			/* bumped when membership changes */
	uint64_t seen_gen;		/* gen when its users were last marked */
	struct tb_hmap counts;		/* member text -> (uintptr_t) endpoints giving it */
	struct tb_hmap ep_members;	/* endpoint key -> what it gives (struct mlist) */
};

struct calc_rules {
	struct tb_ir_rule *rules;
	size_t n;
};

struct calc_policy {
	char *key;
	char *sort_name;		/* name for the order tie-break (ns/name for NetworkPolicy) */
	char *tier;
	bool has_order;
	double order;
	struct calc_matcher m;		/* what the policy applies to */
	bool types[2];			/* applies to ingress / egress */
	bool host_only;			/* doNotTrack / preDNAT: host endpoints only */
	struct calc_rules rules[2];
	uint32_t *sets;			/* sets its rules reference (one reference each) */
	size_t n_sets;
	int64_t rev;
};

struct calc_profile {
	char *key;
	char *name;
	json_t *labels;			/* labelsToApply */
	struct calc_rules rules[2];
	uint32_t *sets;
	size_t n_sets;
	int64_t rev;
	bool synthesized;		/* a kns.<ns> stand-in for an unapplied Namespace */
};

struct calc_tier {
	char *name;
	bool has_order;
	double order;
	enum tb_ir_action default_action;
};

/* Endpoints with the same list share one IR (memory grows with lists, not endpoints). */
struct calc_shared_ir {
	struct tb_ir *ir;
	unsigned refs;
};

struct tb_calc {
	char *node;
	struct tb_calc_ops ops;
	void *ctx;
	struct tb_hmap eps;		/* key -> calc_ep (workloads, hosts, netsets) */
	struct tb_hmap policies;	/* key -> calc_policy */
	struct tb_hmap profiles;	/* name -> calc_profile */
	struct tb_hmap tiers;		/* name -> calc_tier */
	struct tb_hmap sets;		/* skey -> calc_set */
	struct tb_hmap sets_by_id;	/* "id" -> calc_set */
	struct tb_hmap irs;		/* list key -> struct calc_shared_ir: one IR per list */
	struct tb_pol_sets ir_sets;
	uint32_t next_set_id;
};

/* Labels as selectors see them: own, then each profile's labelsToApply in order. */
const char *calc_label(struct tb_calc *c, const struct calc_ep *ep, const char *key, size_t klen,
		       size_t *vlen);
bool calc_matcher_match(struct tb_calc *c, const struct calc_matcher *m, const struct calc_ep *ep);
void calc_matcher_free(struct calc_matcher *m);
/* Canonical text of a matcher (the identity of its set); malloc'd. */
char *calc_matcher_key(const struct calc_matcher *m);
/* Builds a matcher from a rule side or policy fields. Returns 0, -EINVAL or -ENOMEM. */
int calc_matcher_build(struct calc_matcher *m, const char *sel, const char *ns_sel,
		       json_t *service_accounts, const char *sa_sel, const char *scope_ns);

/* IP sets: get-or-create by matcher (takes ownership of m), drop a reference. */
int calc_set_ref(struct tb_calc *c, struct calc_matcher *m, uint32_t *id);
void calc_set_unref(struct tb_calc *c, uint32_t id);
struct calc_set *calc_set_by_id(struct tb_calc *c, uint32_t id);
/* Brings every set up to date with an endpoint (ep NULL: it is gone). True if any changed. */
bool calc_sets_refresh(struct tb_calc *c, const char *key, const struct calc_ep *ep);

/* Rules from JSON (ingress or egress list) of a policy or profile in namespace ns. */
int calc_rules_build(struct tb_calc *c, json_t *list, const char *ns, struct calc_rules *out,
		     uint32_t **sets, size_t *n_sets);
void calc_rules_free(struct tb_calc *c, struct calc_rules *r);

/* Documents to model objects. */
struct calc_ep *calc_ep_parse(const char *key, json_t *doc, const char *node, int64_t rev);
/* Frees the endpoint; its lists must have been released (calc_ep_release_lists). */
void calc_ep_free(struct calc_ep *ep);
void calc_ep_release_lists(struct tb_calc *c, struct calc_ep *ep);
struct calc_policy *calc_policy_parse(struct tb_calc *c, const char *key, json_t *doc, int64_t rev);
void calc_policy_free(struct tb_calc *c, struct calc_policy *p);
struct calc_profile *calc_profile_parse(struct tb_calc *c, const char *key, json_t *doc,
					int64_t rev);
struct calc_profile *calc_profile_default_ns(struct tb_calc *c, const char *name);
void calc_profile_free(struct tb_calc *c, struct calc_profile *p);
struct calc_tier *calc_tier_parse(json_t *doc);
int calc_parse_cidr(const char *s, struct tb_ir_cidr *out);
/* A protocol by name (TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite) or number; -1 if absent. */
int calc_proto_number(json_t *v);

/* A local endpoint's ordered policy IR for dir, and the key of that list. */
int calc_build_ir(struct tb_calc *c, struct calc_ep *ep, int dir, struct tb_ir **ir, char **key,
		  uint32_t **used, size_t *n_used);

#endif
