// SPDX-License-Identifier: Apache-2.0
/*
 * Policy-level validation of Calico's policy kinds: names and tiers, types, host-endpoint
 * options of global policies, staged actions, tiers, profiles and network sets; then the
 * defaults Calico fills in.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "helpers/vdoc.h"
#include "resource.h"

struct pcase {
	const char *kind;
	const char *name;
	const char *spec;	/* NULL: no spec */
	const char *err;	/* NULL: valid */
};

#define GNP "GlobalNetworkPolicy"
#define NP "NetworkPolicy"
#define SGNP "StagedGlobalNetworkPolicy"
#define SNP "StagedNetworkPolicy"

static const struct pcase pcases[] = {
	/* names and tiers (Calico 3.30: "<tier>.<name>" outside the default tier) */
	{ GNP, "allow-dns", "{}", NULL },
	{ GNP, "default.allow-dns", "{}", NULL },
	{ GNP, "security.x", "{`tier`:`security`}", NULL },
	{ NP, "security.x", "{`tier`:`security`}", NULL },
	{ GNP, "x", "{`tier`:`security`}",
	  "metadata.name: a policy in tier 'security' must be named 'security.<name>'" },
	{ NP, "other.x", "{`tier`:`security`}",
	  "metadata.name: the name's prefix 'other.' does not match the policy's tier 'security'" },
	{ GNP, "security.x", "{}",
	  "metadata.name: the name's prefix 'security.' does not match the policy's tier "
	  "'default'" },
	{ GNP, "a.b.c", "{`tier`:`a`}", "metadata.name: 'a.b.c' is not a valid policy name" },
	{ NP, "knp.default.some.name", "{}", NULL },
	{ NP, "ossg.default.sg-1", "{}", NULL },
	{ GNP, "knp.default.some.name", "{}",
	  "metadata.name: 'knp.default.some.name' is not a valid policy name" },
	{ GNP, "Upper", "{}", "metadata.name" },
	{ SGNP, "t1.p", "{`tier`:`t1`}", NULL },
	{ SNP, "p", "{`tier`:`t1`}",
	  "metadata.name: a policy in tier 't1' must be named 't1.<name>'" },
	{ GNP, "p", "{`tier`:`Bad_Tier`}", "spec.tier: 'Bad_Tier' is not a valid name" },
	/* spec fields */
	{ GNP, "p", "{`order`:10.5,`selector`:`role == 'db'`,`namespaceSelector`:`has(x)`,"
	  "`serviceAccountSelector`:`all()`}", NULL },
	{ GNP, "p", "{`order`:`10`}", "spec.order: must be a number" },
	{ GNP, "p", "{`selector`:`role == `}", "spec.selector: invalid selector" },
	{ GNP, "p", "{`selector`:`global()`}",
	  "spec.selector: global() can only be used in an EntityRule namespaceSelector" },
	{ GNP, "p", "{`namespaceSelector`:`global()`}",
	  "spec.namespaceSelector: global() can only be used" },
	{ NP, "p", "{`serviceAccountSelector`:`global()`}",
	  "spec.serviceAccountSelector: global() can only be used" },
	{ NP, "p", "{`namespaceSelector`:`all()`}", "spec.namespaceSelector: unknown field" },
	{ NP, "p", "{`doNotTrack`:true}", "spec.doNotTrack: unknown field" },
	{ GNP, "p", "{`types`:[`Ingress`,`Egress`]}", NULL },
	{ GNP, "p", "{`types`:[`ingress`]}",
	  "spec.types[0]: 'ingress' is not one of: Ingress, Egress" },
	{ GNP, "p", "{`types`:[`Egress`,`Egress`]}",
	  "spec.types: 'Egress' type specified more than once" },
	{ GNP, "p", "{`performanceHints`:[`AssumeNeededOnEveryNode`]}", NULL },
	{ GNP, "p", "{`performanceHints`:[`Fast`]}",
	  "spec.performanceHints[0]: 'Fast' is not one of" },
	{ GNP, "p", "{`performanceHints`:[`AssumeNeededOnEveryNode`,`AssumeNeededOnEveryNode`]}",
	  "spec.performanceHints: 'AssumeNeededOnEveryNode' performance hint specified more than "
	  "once" },
	{ GNP, "p", "{`unknown`:1}", "spec.unknown: unknown field" },
	/* doNotTrack / preDNAT / applyOnForward */
	{ GNP, "p",
	  "{`doNotTrack`:true,`applyOnForward`:true,`ingress`:[{`action`:`Deny`}]}", NULL },
	{ GNP, "p", "{`preDNAT`:true,`applyOnForward`:true,`ingress`:[{`action`:`Deny`}]}", NULL },
	{ GNP, "p", "{`doNotTrack`:true}",
	  "spec.applyOnForward: applyOnForward must be true if either preDNAT or doNotTrack "
	  "is true" },
	{ GNP, "p", "{`preDNAT`:true}", "spec.applyOnForward: applyOnForward must be true" },
	{ GNP, "p", "{`preDNAT`:true,`doNotTrack`:true,`applyOnForward`:true}",
	  "spec.preDNAT: preDNAT and doNotTrack cannot both be true" },
	{ GNP, "p", "{`preDNAT`:true,`applyOnForward`:true,`egress`:[{`action`:`Deny`}]}",
	  "spec.egress: preDNAT policy cannot have any egress rules" },
	{ GNP, "p", "{`preDNAT`:true,`applyOnForward`:true,`types`:[`Egress`]}",
	  "spec.types: preDNAT policy cannot have 'Egress' type" },
	{ GNP, "p", "{`applyOnForward`:`yes`}", "spec.applyOnForward: must be a boolean" },
	/* staged */
	{ SGNP, "p", "{`stagedAction`:`Set`,`selector`:`all()`}", NULL },
	{ SNP, "p", "{`stagedAction`:`Learn`}", NULL },
	{ SNP, "p", "{`stagedAction`:`Delete`}", NULL },
	{ SGNP, "t.p", "{`stagedAction`:`Delete`,`tier`:`t`}", NULL },
	{ SNP, "p", "{`stagedAction`:`Remove`}",
	  "spec.stagedAction: 'Remove' is not one of: Set, Delete, Learn, Ignore" },
	{ SNP, "p", "{`stagedAction`:`Delete`,`selector`:`all()`}",
	  "spec.selector: must be empty when stagedAction is Delete" },
	{ SGNP, "p", "{`stagedAction`:`Set`,`doNotTrack`:true}",
	  "spec.applyOnForward: applyOnForward must be true" },
	{ "StagedKubernetesNetworkPolicy", "p", "{`stagedAction`:`Delete`}", NULL },
	{ "StagedKubernetesNetworkPolicy", "p",
	  "{`stagedAction`:`Delete`,`podSelector`:{`matchLabels`:{`a`:`b`}}}",
	  "spec.podSelector: must be empty when stagedAction is Delete" },
	{ "StagedKubernetesNetworkPolicy", "p", "{`podSelector`:{},`ingress`:[{`from`:[{}]}]}",
	  "spec.ingress[0].from[0]: must specify a peer" },
	/* tiers */
	{ "Tier", "security", "{`order`:100}", NULL },
	{ "Tier", "security", "{`order`:100,`defaultAction`:`Pass`}", NULL },
	{ "Tier", "security", "{`defaultAction`:`Allow`}",
	  "spec.defaultAction: 'Allow' is not one of: Deny, Pass" },
	{ "Tier", "sec.urity", "{}", "metadata.name: 'sec.urity' is not a valid tier name" },
	{ "Tier", "default", "{`order`:1000000}", NULL },
	{ "Tier", "default", "{}", "spec.order: default tier order must be 1000000" },
	{ "Tier", "default", "{`order`:5}", "spec.order: default tier order must be 1000000" },
	{ "Tier", "default", "{`order`:1000000,`defaultAction`:`Pass`}",
	  "spec.defaultAction: the 'default' tier must have default action 'Deny'" },
	{ "Tier", "kube-admin", "{`order`:1000,`defaultAction`:`Pass`}", NULL },
	{ "Tier", "kube-admin", "{`order`:1000}",
	  "spec.defaultAction: the 'kube-admin' tier must have default action 'Pass'" },
	{ "Tier", "kube-baseline", "{`order`:1,`defaultAction`:`Pass`}",
	  "spec.order: kube-baseline tier order must be 10000000" },
	{ "Tier", "t", "{`order`:1,`selector`:`x`}", "spec.selector: unknown field" },
	/* profiles */
	{ "Profile", "kns.default", "{`ingress`:[{`action`:`Allow`}],`egress`:[{`action`:`Allow`}],"
	  "`labelsToApply`:{`pcns.team`:`a`}}", NULL },
	{ "Profile", "p", "{`labelsToApply`:{`bad key!`:`a`}}",
	  "spec.labelsToApply.bad key!: invalid label key" },
	{ "Profile", "p", "{`labelsToApply`:{`k`:`-bad`}}",
	  "spec.labelsToApply.k: invalid label value" },
	{ "Profile", "p", "{`selector`:`all()`}", "spec.selector: unknown field" },
	/* network sets */
	{ "GlobalNetworkSet", "s",
	  "{`nets`:[`10.0.0.0/8`,`10.1.1.1`,`192.168.1.5/24`,`fd00::/64`,`2001:db8::1`]}", NULL },
	{ "NetworkSet", "s", "{`nets`:[`10.0.0.0/8`]}", NULL },
	{ "NetworkSet", "s", "{`nets`:[`10.0.0.0/40`]}",
	  "spec.nets[0]: '10.0.0.0/40' is not a valid CIDR or IP address" },
	{ "GlobalNetworkSet", "s", "{`nets`:[`host.example.com`]}",
	  "spec.nets[0]: 'host.example.com' is not a valid CIDR or IP address" },
	{ "GlobalNetworkSet", "s", "{`nets`:`10.0.0.0/8`}", "spec.nets: must be a list" },
	{ "GlobalNetworkSet", "s", "{`allowedEgressDomains`:[`a.com`]}",
	  "spec.allowedEgressDomains: unknown field" },
};

Test(validate_policy, table)
{
	for (size_t i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++) {
		const struct pcase *t = &pcases[i];
		struct tb_diag d;
		bool ok;
		int r;

		tb_diag_init(&d);
		r = vdoc_validate(NULL, t->kind, t->name, t->spec, NULL, &d);
		if (!t->err)
			ok = r == 0;
		else
			ok = r == -EINVAL && vdoc_has_error(&d, t->err);
		cr_expect(ok, "case %zu %s %s %s: got [%s] (rc %d), want [%s]", i, t->kind, t->name,
			  t->spec ? t->spec : "", vdoc_errors(&d), r, t->err ? t->err : "valid");
		tb_diag_free(&d);
	}
}

/* A network set may not carry the label Calico derives from a namespace. */
Test(validate_policy, netset_namespace_label)
{
	json_t *doc = vdoc_json(
	  "{`apiVersion`:`projectcalico.org/v3`,`kind`:`NetworkSet`,`metadata`:"
				"{`name`:`s`,`labels`:{`projectcalico.org/namespace`:`x`}},"
				  "`spec`:{}}");
	struct tb_diag d;
	int r;

	tb_diag_init(&d);
	r = tb_resource_validate(doc, NULL, &d);
	cr_expect(r == -EINVAL && vdoc_has_error(&d, "metadata.labels: projectcalico.org/namespace "
						 "is not a valid label name"), "got [%s]",
						   vdoc_errors(&d));
	tb_diag_free(&d);
	json_decref(doc);
}

struct dcase {
	const char *kind;
	const char *name;
	const char *spec;
	const char *want;	/* the whole spec after validation */
	const char *tier_label;	/* expected metadata.labels["projectcalico.org/tier"], or NULL */
};

static const struct dcase dcases[] = {
	/* types: Ingress when there are no egress rules, Egress alone, or both */
	{ GNP, "p", "{}", "{`tier`:`default`,`types`:[`Ingress`]}", "default" },
	{ GNP, "p", "{`egress`:[{`action`:`Allow`}]}",
	  "{`tier`:`default`,`egress`:[{`action`:`Allow`}],`types`:[`Egress`]}", "default" },
	{ NP, "p", "{`ingress`:[{`action`:`Deny`}],`egress`:[{`action`:`Allow`}]}",
	  "{`tier`:`default`,`ingress`:[{`action`:`Deny`}],`egress`:[{`action`:`Allow`}],"
	  "`types`:[`Ingress`,`Egress`]}", "default" },
	{ NP, "p", "{`types`:[],`ingress`:[{`action`:`Deny`}]}",
	  "{`tier`:`default`,`ingress`:[{`action`:`Deny`}],`types`:[`Ingress`]}", "default" },
	{ NP, "p", "{`types`:[`Egress`],`ingress`:[{`action`:`Deny`}]}",
	  "{`tier`:`default`,`ingress`:[{`action`:`Deny`}],`types`:[`Egress`]}", "default" },
	{ SNP, "t.p", "{`tier`:`t`}", "{`tier`:`t`,`types`:[`Ingress`]}", "t" },
	/* an empty tier is the default tier */
	{ GNP, "p", "{`tier`:``}", "{`tier`:`default`,`types`:[`Ingress`]}", "default" },
	/* a staged deletion gets no types */
	{ SNP, "p", "{`stagedAction`:`Delete`}", "{`stagedAction`:`Delete`,`tier`:`default`}",
	  "default" },
	{ "Tier", "t", "{`order`:5}", "{`order`:5,`defaultAction`:`Deny`}", NULL },
	{ "GlobalNetworkSet", "s", "{`nets`:[`10.1.1.1`]}", "{`nets`:[`10.1.1.1`]}", NULL },
};

Test(validate_policy, defaults)
{
	for (size_t i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++) {
		const struct dcase *t = &dcases[i];
		json_t *doc = NULL, *want = vdoc_json(t->want), *labels;
		const char *tl;
		struct tb_diag d;
		char *got = NULL;
		int r;

		tb_diag_init(&d);
		r = vdoc_validate(NULL, t->kind, t->name, t->spec, &doc, &d);
		if (r || !want)
			goto fail;
		if (!json_equal(json_object_get(doc, "spec"), want))
			goto fail;
		labels = json_object_get(json_object_get(doc, "metadata"), "labels");
		tl = json_string_value(json_object_get(labels, "projectcalico.org/tier"));
		if (t->tier_label ? !tl || strcmp(tl, t->tier_label) : labels != NULL)
			goto fail;
		goto next;
fail:
		got = doc ? json_dumps(doc, JSON_SORT_KEYS) : NULL;
		cr_expect(0, "case %zu: rc %d [%s] got %s", i, r, vdoc_errors(&d), got ? got : "-");
next:
		free(got);
		tb_diag_free(&d);
		json_decref(doc);
		json_decref(want);
	}
}
