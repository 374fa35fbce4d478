// SPDX-License-Identifier: Apache-2.0
/*
 * The client's apply-time checks against the stored state (client_checks.c): a policy's
 * tier must exist and a Tier with policies cannot go, a policy must fit the dataplane alone,
 * IPPools must not overlap and must not strand allocated addresses. A refused manifest
 * writes nothing.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "ipam.h"
#include "tabby/policy.h"

static char tmpdir[] = "/tmp/tabby-checks-XXXXXX";
static struct tb_client *cl;

/* Table cases each start on an empty store of their own. */
static void fresh_store(size_t i)
{
	struct tb_ds_config cfg = {.type = TB_DS_LOCAL};

	tb_client_close(cl);
	cl = NULL;
	cr_assert(asprintf(&cfg.path, "%s/%zu.db", tmpdir, i) > 0);
	cr_assert_eq(tb_ds_config_fill(&cfg), 0);
	cr_assert_eq(tb_client_open(&cfg, &cl), 0);
	tb_ds_config_free(&cfg);
}

static void setup(void)
{
	cr_assert(mkdtemp(tmpdir));
	fresh_store(0);
}

static void teardown(void)
{
	char cmd[128];

	tb_client_close(cl);
	cl = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	cr_assert_eq(system(cmd), 0);
	strcpy(tmpdir, "/tmp/tabby-checks-XXXXXX");
}

/* Applies a manifest; returns the client's result, messages in d (caller frees). */
static int apply(const char *text, struct tb_diag *d)
{
	struct tb_write_opts o = {.mode = TB_WRITE_APPLY};
	struct tb_doc_list docs = {0};
	int r, n;

	tb_diag_init(d);
	r = tb_manifest_parse(text, strlen(text), "test.yaml", &docs, d);
	cr_assert_eq(r, 0, "test manifest does not parse: %s", d->n ? d->msgs[0] : "");
	r = tb_client_write(cl, &docs, &o, d, &n);
	tb_doc_list_free(&docs);
	return r;
}

static void apply_ok(const char *text)
{
	struct tb_diag d;
	int r = apply(text, &d);

	cr_assert_eq(r, 0, "setup apply failed (%d): %s", r, d.n ? d.msgs[0] : "");
	tb_diag_free(&d);
}

/* Objects of the kinds these tests write: a refused manifest must not change it. */
static size_t count_all(void)
{
	static const char *const kinds[] = {"gnp", "np", "sgnp", "snp", "tier", "ippool", NULL};
	size_t n = 0;

	for (const char *const *k = kinds; *k; k++) {
		json_t *items = NULL;

		cr_assert_eq(tb_client_list(cl, tb_kind_find(*k), NULL, &items, NULL), 0);
		n += json_array_size(items);
		json_decref(items);
	}
	return n;
}

static bool has_msg(const struct tb_diag *d, const char *want)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->msgs[i], want))
			return true;
	return false;
}

#define DOC(kind, name, spec)                                                                      \
	"apiVersion: projectcalico.org/v3\nkind: " kind "\nmetadata: {name: " name                 \
	"}\nspec: " spec "\n---\n"
#define NSDOC(kind, name, spec)                                                                    \
	"apiVersion: projectcalico.org/v3\nkind: " kind "\nmetadata: {name: " name                 \
	", namespace: prod}\nspec: " spec "\n---\n"

struct write_case {
	const char *name;
	const char *before; /* applied first, must succeed; NULL for none */
	const char *manifest;
	int want;
	const char *msg; /* looked for in the messages when refused */
};

static const struct write_case write_cases[] = {
    {"gnp in missing tier", NULL, DOC("GlobalNetworkPolicy", "sec.p", "{tier: sec}"), -EINVAL,
     "document 1 (GlobalNetworkPolicy sec.p): tier 'sec' does not exist"},
    {"np in missing tier", NULL, NSDOC("NetworkPolicy", "sec.p", "{tier: sec}"), -EINVAL,
     "tier 'sec' does not exist"},
    {"staged gnp in missing tier", NULL, DOC("StagedGlobalNetworkPolicy", "sec.p", "{tier: sec}"),
     -EINVAL, "tier 'sec' does not exist"},
    {"staged np in missing tier", NULL, NSDOC("StagedNetworkPolicy", "sec.p", "{tier: sec}"),
     -EINVAL, "tier 'sec' does not exist"},
    {"default tier needs no Tier", NULL, DOC("GlobalNetworkPolicy", "p", "{selector: all()}"), 0,
     NULL},
    {"tier in the same manifest", NULL,
     DOC("GlobalNetworkPolicy", "sec.p", "{tier: sec}") DOC("Tier", "sec", "{order: 10}"), 0, NULL},
    {"tier stored before", DOC("Tier", "sec", "{order: 10}"),
     DOC("GlobalNetworkPolicy", "sec.p", "{tier: sec}"), 0, NULL},
    {"every refusal reported", NULL,
     DOC("GlobalNetworkPolicy", "a.p", "{tier: a}") DOC("GlobalNetworkPolicy", "b.p", "{tier: b}"),
     -EINVAL, "document 2 (GlobalNetworkPolicy b.p): tier 'b' does not exist"},
    {"pool overlaps a stored pool", DOC("IPPool", "p1", "{cidr: 10.1.0.0/16}"),
     DOC("IPPool", "p2", "{cidr: 10.1.64.0/18}"), -EINVAL,
     "IPPool(p2) CIDR 10.1.64.0/18 overlaps with IPPool(p1) CIDR 10.1.0.0/16"},
    {"pool covers a stored pool", DOC("IPPool", "p1", "{cidr: 10.1.0.0/16}"),
     DOC("IPPool", "p2", "{cidr: 10.0.0.0/8}"), -EINVAL,
     "IPPool(p2) CIDR 10.0.0.0/8 overlaps with IPPool(p1) CIDR 10.1.0.0/16"},
    {"pools overlap in one manifest", NULL,
     DOC("IPPool", "p1", "{cidr: 10.1.0.0/16}") DOC("IPPool", "p2", "{cidr: 10.1.0.0/24}"), -EINVAL,
     "document 2 (IPPool p2): spec.cidr: IPPool(p2) CIDR 10.1.0.0/24 overlaps"},
    {"pool reapplied unchanged", DOC("IPPool", "p1", "{cidr: 10.1.0.0/16}"),
     DOC("IPPool", "p1", "{cidr: 10.1.0.0/16}"), 0, NULL},
    {"pool moved away from an overlap", DOC("IPPool", "p1", "{cidr: 10.1.0.0/16}"),
     DOC("IPPool", "p1", "{cidr: 10.2.0.0/16}") DOC("IPPool", "p2", "{cidr: 10.1.0.0/16}"), 0,
     NULL},
    {"disjoint pools and families", DOC("IPPool", "p1", "{cidr: 10.1.0.0/16}"),
     DOC("IPPool", "p2", "{cidr: 10.2.0.0/16}") DOC("IPPool", "p6", "{cidr: 'fd00::/64'}"), 0,
     NULL},
};

TestSuite(client_checks, .init = setup, .fini = teardown);

#define NCASES(t) (sizeof(t) / sizeof(t[0]))

Test(client_checks, write)
{
	for (size_t i = 0; i < NCASES(write_cases); i++) {
		const struct write_case *c = &write_cases[i];
		struct tb_diag d;
		size_t before;
		int r;

		fresh_store(i + 1);
		if (c->before)
			apply_ok(c->before);
		before = count_all();
		r = apply(c->manifest, &d);
		if (r != c->want)
			goto fail;
		if (c->msg && !has_msg(&d, c->msg))
			goto fail;
		if (c->want && count_all() != before)
			goto fail; /* a refused manifest wrote something */
		tb_diag_free(&d);
		continue;
	fail:
		cr_assert_fail("%s: got %d (want %d); first message: %s", c->name, r, c->want,
			       d.n ? d.msgs[0] : "(none)");
	}
}

/* A policy of n Log rules (each is one classifier step) in the given direction. */
static char *log_policy(const char *kind, unsigned n, const char *dir)
{
	size_t len = 256 + (size_t)n * 20;
	char *s = malloc(len);
	size_t off;

	cr_assert(s);
	off = snprintf(s, len,
		       "apiVersion: projectcalico.org/v3\nkind: %s\nmetadata: {name: logs}\n"
		       "spec:\n  selector: all()\n  types: [Ingress, Egress]\n  %s:\n",
		       kind, dir);
	for (unsigned i = 0; i < n; i++)
		off += snprintf(s + off, len - off, "  - action: Log\n");
	return s;
}

struct size_case {
	const char *kind;
	unsigned logs;
	const char *dir;
	int want;
};

/* TB_POL_MAX_STEPS counts the policy's tier as one step: 255 Log rules fit, 256 do not. */
static const struct size_case size_cases[] = {
    {"GlobalNetworkPolicy", 255, "ingress", 0},
    {"GlobalNetworkPolicy", 256, "ingress", -EINVAL},
    {"GlobalNetworkPolicy", 256, "egress", -EINVAL},
    {"StagedGlobalNetworkPolicy", 256, "ingress", 0}, /* never enforced */
};

Test(client_checks, policy_size)
{
	for (size_t i = 0; i < NCASES(size_cases); i++) {
		const struct size_case *c = &size_cases[i];
		char *text = log_policy(c->kind, c->logs, c->dir);
		char want[128];
		struct tb_diag d;
		int r;

		fresh_store(i + 1);
		r = apply(text, &d);
		free(text);
		snprintf(want, sizeof(want), "%s rules: policy logs alone has 256 Log rules",
			 c->dir);
		if (r != c->want)
			goto fail;
		if (c->want && (!has_msg(&d, want) || !has_msg(&d, "TB_POL_MAX_STEPS")))
			goto fail;
		if (c->want && count_all() != 0)
			goto fail;
		tb_diag_free(&d);
		continue;
	fail:
		cr_assert_fail("%s with %u %s Log rules: got %d (want %d): %s", c->kind, c->logs,
			       c->dir, r, c->want, d.n ? d.msgs[0] : "(none)");
	}
}

Test(client_checks, rule_expansion_over_the_limit)
{
	/* Numeric and named ports on both sides: each rule takes 2 x 2 classifier rules. */
	const char *rule = "  - {action: Allow, protocol: TCP, source: {ports: [81, https]}, "
			   "destination: {ports: [80, http]}}\n";
	size_t n = TB_POL_MAX_BITS / 4, len = 256 + n * strlen(rule), off;
	char *s = malloc(len);
	struct tb_diag d;
	int r;

	cr_assert(s);
	off = snprintf(s, len,
		       "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\n"
		       "metadata: {name: big}\nspec:\n  selector: all()\n  ingress:\n");
	for (size_t i = 0; i < n; i++)
		off += snprintf(s + off, len - off, "%s", rule);
	r = apply(s, &d);
	if (r != -EINVAL || !has_msg(&d, "TB_POL_MAX_BITS") || count_all())
		goto fail;
	free(s);
	tb_diag_free(&d);
	return;
fail:
	cr_assert_fail("got %d: %s", r, d.n ? d.msgs[0] : "(none)");
}

struct delete_case {
	const char *name;
	const char *before;
	const char *tier;
	int want;
	const char *msg;
};

#define SEC_TIER DOC("Tier", "sec", "{order: 10}")

static const struct delete_case delete_cases[] = {
    {"tier with a gnp", SEC_TIER DOC("GlobalNetworkPolicy", "sec.p", "{tier: sec}"), "sec", -EPERM,
     "Tier sec cannot be deleted: it still has 1 policy (GlobalNetworkPolicy sec.p)"},
    {"tier with policies of every kind",
     SEC_TIER DOC("GlobalNetworkPolicy", "sec.a", "{tier: sec}")
	 NSDOC("NetworkPolicy", "sec.b", "{tier: sec}")
	     DOC("StagedGlobalNetworkPolicy", "sec.c", "{tier: sec}")
		 NSDOC("StagedNetworkPolicy", "sec.d", "{tier: sec}"),
     "sec", -EPERM, "it still has 4 policies"},
    {"tier with a namespaced policy", SEC_TIER NSDOC("NetworkPolicy", "sec.b", "{tier: sec}"),
     "sec", -EPERM, "(NetworkPolicy prod/sec.b)"},
    {"empty tier", SEC_TIER DOC("GlobalNetworkPolicy", "p", "{selector: all()}"), "sec", 0, NULL},
    {"stored default tier", DOC("Tier", "default", "{order: 1000000}"), "default", -EPERM,
     "Tier default cannot be deleted"},
    {"absent tier", NULL, "sec", -ENOENT, NULL},
};

Test(client_checks, delete_tier)
{
	for (size_t i = 0; i < NCASES(delete_cases); i++) {
		const struct delete_case *c = &delete_cases[i];
		struct tb_diag d;
		size_t before;
		int r;

		fresh_store(i + 1);
		if (c->before)
			apply_ok(c->before);
		before = count_all();
		tb_diag_init(&d);
		r = tb_client_delete(cl, tb_kind_find("tier"), NULL, c->tier, NULL, &d);
		if (r != c->want)
			goto fail;
		if (c->msg && !has_msg(&d, c->msg))
			goto fail;
		if (count_all() != before - (r == 0))
			goto fail;
		tb_diag_free(&d);
		continue;
	fail:
		cr_assert_fail("%s: got %d (want %d): %s", c->name, r, c->want,
			       d.n ? d.msgs[0] : "(none)");
	}
}

/* Takes one address from the pools for handle h on node n1; returns it. */
static void assign(const char *handle, char *ip)
{
	struct tb_ipam_request req = {.handle = handle, .node = "n1", .family = AF_INET};
	struct tb_ipam_assignment a;
	char err[256];
	int r = tb_ipam_assign(cl->ds, &req, &a, err, sizeof(err));

	cr_assert_eq(r, 0, "assign: %d %s", r, err);
	tb_ip_format(&a.ip, ip, TB_IP_STRLEN);
}

Test(client_checks, pool_change_must_not_strand_addresses)
{
	char ip[TB_IP_STRLEN];
	struct tb_diag d;
	json_t *p;
	int r;

	apply_ok(DOC("IPPool", "p1", "{cidr: 10.1.0.0/16, blockSize: 26}"));
	assign("net.c1", ip);
	r = apply(DOC("IPPool", "p1", "{cidr: 10.2.0.0/16, blockSize: 26}"), &d);
	if (r != -EINVAL || !has_msg(&d, "document 1 (IPPool p1): IPPool p1: cidr 10.2.0.0/16 "
					 "would strand 1 allocated address (block 10.1.0.0/26)"))
		goto fail;
	tb_diag_free(&d);
	r = apply(DOC("IPPool", "p1", "{cidr: 10.1.0.0/16, blockSize: 28}"), &d);
	if (r != -EINVAL || !has_msg(&d, "document 1 (IPPool p1): IPPool p1: blockSize"))
		goto fail;
	tb_diag_free(&d);
	cr_assert_eq(tb_client_get(cl, tb_kind_find("ippool"), NULL, "p1", &p), 0);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(p, "spec"), "cidr")),
			 "10.1.0.0/16", "the refused change was written");
	json_decref(p);
	/* Growing the pool keeps every block inside it: allowed. */
	r = apply(DOC("IPPool", "p1", "{cidr: 10.0.0.0/15, blockSize: 26}"), &d);
	if (r)
		goto fail;
	tb_diag_free(&d);
	/* With its address released the pool may move. */
	cr_assert_eq(tb_ipam_release_handle(cl->ds, "net.c1", NULL), 0);
	r = apply(DOC("IPPool", "p1", "{cidr: 10.2.0.0/16, blockSize: 26}"), &d);
	if (r)
		goto fail;
	tb_diag_free(&d);
	return;
fail:
	cr_assert_fail("got %d: %s", r, d.n ? d.msgs[0] : "(none)");
}

/* A Kubernetes NetworkPolicy is checked as the Calico policy it converts to. */
Test(client_checks, knp_over_the_limit)
{
	/* One rule per peer; numeric and named ports make two classifier rules of each. */
	size_t n = TB_POL_MAX_BITS / 2, len = 512 + n * 48, off;
	char *s = malloc(len);
	struct tb_diag d;
	int r;

	cr_assert(s);
	off = snprintf(s, len,
		       "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
		       "metadata: {name: big, namespace: prod}\nspec:\n  podSelector: {}\n"
		       "  ingress:\n  - ports: [{port: 80}, {port: http}]\n    from:\n");
	for (size_t i = 0; i < n; i++)
		off += snprintf(s + off, len - off, "    - ipBlock: {cidr: 10.%zu.%zu.0/24}\n",
				i / 256, i % 256);
	r = apply(s, &d);
	if (r != -EINVAL ||
	    !has_msg(&d, "ingress rules: policy prod/knp.default.big alone needs") ||
	    !has_msg(&d, "TB_POL_MAX_BITS"))
		goto fail;
	tb_diag_free(&d);
	/* One peer fewer fits. */
	*strrchr(s, '-') = '\0';
	*strrchr(s, '\n') = '\0';
	r = apply(s, &d);
	if (r)
		goto fail;
	free(s);
	tb_diag_free(&d);
	return;
fail:
	cr_assert_fail("got %d: %s", r, d.n ? d.msgs[0] : "(none)");
}
