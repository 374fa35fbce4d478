// SPDX-License-Identifier: Apache-2.0
/*
 * Kubernetes NetworkPolicy -> Calico NetworkPolicy: each case a Kubernetes policy and the
 * whole Calico document Calico's converter (3.30) makes of it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/vdoc.h"
#include "knp_convert.h"
#include "resource.h"

#define KNP(spec) "{`apiVersion`:`networking.k8s.io/v1`,`kind`:`NetworkPolicy`,`metadata`:" \
		  "{`name`:`np`,`namespace`:`ns1`},`spec`:" spec "}"
#define CNP(spec) "{`apiVersion`:`projectcalico.org/v3`,`kind`:`NetworkPolicy`,`metadata`:" \
		  "{`name`:`knp.default.np`,`namespace`:`ns1`,`creationTimestamp`:null},"    \
		  "`spec`:{`tier`:`default`,`order`:1000," spec "}}"
#define ORCH "projectcalico.org/orchestrator == 'k8s'"
#define ALLOW_ALL "{`action`:`Allow`,`source`:{},`destination`:{}}"

struct ccase {
	const char *what;
	const char *knp;
	const char *want;
	const char *dropped;	/* a message expected in the diagnostics, or NULL for none */
};

static const struct ccase ccases[] = {
	{ "empty podSelector selects every pod of the namespace", KNP("{`podSelector`:{}}"),
	  CNP("`selector`:`" ORCH "`,`types`:[`Ingress`]") },
	{ "matchLabels sorted, then matchExpressions in order",
	  KNP("{`podSelector`:{`matchLabels`:{`b`:`2`,`a`:`1`},`matchExpressions`:["
	      "{`key`:`k`,`operator`:`In`,`values`:[`v1`,`v2`]},{`key`:`x`,"
	        "`operator`:`DoesNotExist`},"
	      "{`key`:`y`,`operator`:`Exists`},{`key`:`z`,`operator`:`NotIn`,`values`:[`q`]}]}}"),
	  CNP("`selector`:`" ORCH " && a == '1' && b == '2' && k in { 'v1', 'v2' } && ! has(x) && "
	      "has(y) && z not in { 'q' }`,`types`:[`Ingress`]") },
	{ "an empty ingress rule allows everything",
	  KNP("{`podSelector`:{},`ingress`:[{}]}"),
	  CNP("`ingress`:[" ALLOW_ALL "],`selector`:`" ORCH "`,`types`:[`Ingress`]") },
	{ "empty from and ports lists are the same as absent",
	  KNP("{`podSelector`:{},`ingress`:[{`from`:[],`ports`:[]}]}"),
	  CNP("`ingress`:[" ALLOW_ALL "],`selector`:`" ORCH "`,`types`:[`Ingress`]") },
	{ "policyTypes Egress alone and no rules: deny all egress",
	  KNP("{`podSelector`:{},`policyTypes`:[`Egress`]}"),
	  CNP("`selector`:`" ORCH "`,`types`:[`Egress`]") },
	{ "policyTypes unset with egress rules: Ingress and Egress, as Kubernetes defaults it",
	  KNP("{`podSelector`:{},`egress`:[{}]}"),
	  CNP("`egress`:[" ALLOW_ALL "],`selector`:`" ORCH "`,`types`:[`Ingress`,`Egress`]") },
	{ "listed types come out Ingress first",
	  KNP("{`podSelector`:{},`policyTypes`:[`Egress`,`Ingress`]}"),
	  CNP("`selector`:`" ORCH "`,`types`:[`Ingress`,`Egress`]") },
	{ "pod and namespace selector in one peer: both, in one rule; ports by protocol",
	  KNP("{`podSelector`:{`matchLabels`:{`app`:`db`}},`ingress`:[{`from`:[{`podSelector`:"
	      "{`matchLabels`:{`role`:`fe`}},`namespaceSelector`:{`matchLabels`:{`team`:`a`}}}],"
	      "`ports`:[{`port`:80},{`protocol`:`UDP`,`port`:53},{`protocol`:`TCP`,`port`:81},"
	      "{`port`:`http`}]}]}"),
	  CNP("`ingress`:[{`action`:`Allow`,`protocol`:`TCP`,`source`:{`selector`:`" ORCH
	      " && role == 'fe'`,`namespaceSelector`:`team == 'a'`},`destination`:{`ports`:[`http`,"
	      "`80:81`]}},{`action`:`Allow`,`protocol`:`UDP`,`source`:{`selector`:`" ORCH
	      " && role == 'fe'`,`namespaceSelector`:`team == 'a'`},`destination`:{`ports`:[53]}}],"
	      "`selector`:`" ORCH " && app == 'db'`,`types`:[`Ingress`]") },
	{ "namespaceSelector alone, empty: every namespace",
	  KNP("{`podSelector`:{},`ingress`:[{`from`:[{`namespaceSelector`:{}}]}]}"),
	  CNP("`ingress`:[{`action`:`Allow`,`source`:{`selector`:`" ORCH "`,`namespaceSelector`:"
	      "`all()`},`destination`:{}}],`selector`:`" ORCH "`,`types`:[`Ingress`]") },
	{ "podSelector alone: the policy's namespace (no namespaceSelector)",
	  KNP("{`podSelector`:{},`ingress`:[{`from`:[{`podSelector`:{}}]}]}"),
	  CNP("`ingress`:[{`action`:`Allow`,`source`:{`selector`:`" ORCH "`},`destination`:{}}],"
	      "`selector`:`" ORCH "`,`types`:[`Ingress`]") },
	{ "protocols outside, peers inside",
	  KNP("{`podSelector`:{},`ingress`:[{`from`:[{`podSelector`:{`matchLabels`:{`k`:`v`}}},"
	      "{`podSelector`:{`matchLabels`:{`k2`:`v2`}}}],`ports`:[{`protocol`:`UDP`,`port`:90},"
	      "{`port`:80}]}]}"),
	  CNP("`ingress`:[{`action`:`Allow`,`protocol`:`TCP`,`source`:{`selector`:`" ORCH
	      " && k == 'v'`},`destination`:{`ports`:[80]}},{`action`:`Allow`,`protocol`:`TCP`,"
	      "`source`:{`selector`:`" ORCH " && k2 == 'v2'`},`destination`:{`ports`:[80]}},"
	      "{`action`:`Allow`,`protocol`:`UDP`,`source`:{`selector`:`" ORCH " && k == 'v'`},"
	      "`destination`:{`ports`:[90]}},{`action`:`Allow`,`protocol`:`UDP`,"
	        "`source`:{`selector`:`"
	      ORCH " && k2 == 'v2'`},`destination`:{`ports`:[90]}}],`selector`:`" ORCH
	      "`,`types`:[`Ingress`]") },
	{ "egress to an ipBlock with except and a port range; host bits masked",
	  KNP("{`podSelector`:{},`policyTypes`:[`Egress`],`egress`:[{`to`:[{`ipBlock`:{`cidr`:"
	      "`10.0.0.1/8`,`except`:[`10.1.0.0/16`,`10.2.3.4/24`]}}],`ports`:[{`protocol`:`TCP`,"
	      "`port`:8000,`endPort`:8080}]}]}"),
	  CNP("`egress`:[{`action`:`Allow`,`protocol`:`TCP`,`source`:{},`destination`:{`ports`:"
	      "[`8000:8080`],`nets`:[`10.0.0.0/8`],`notNets`:[`10.1.0.0/16`,`10.2.3.0/24`]}}],"
	      "`selector`:`" ORCH "`,`types`:[`Egress`]") },
	{ "IPv6 ipBlock as Go prints it",
	  KNP("{`podSelector`:{},`ingress`:[{`from`:[{`ipBlock`:{`cidr`:`FD00:0:0::1/64`}}]}]}"),
	  CNP("`ingress`:[{`action`:`Allow`,`source`:{`nets`:[`fd00::/64`]},`destination`:{}}],"
	      "`selector`:`" ORCH "`,`types`:[`Ingress`]") },
	{ "a port entry without a port: every port of its protocol wins over listed ones",
	  KNP("{`podSelector`:{},`ingress`:[{`ports`:[{`protocol`:`UDP`,`port`:53},"
	      "{`protocol`:`UDP`},{`protocol`:`UDP`,`port`:54}]}]}"),
	  CNP("`ingress`:[{`action`:`Allow`,`protocol`:`UDP`,`source`:{},`destination`:{}}],"
	      "`selector`:`" ORCH "`,`types`:[`Ingress`]") },
	{ "an empty port entry is TCP on every port",
	  KNP("{`podSelector`:{},`ingress`:[{`ports`:[{}]}]}"),
	  CNP("`ingress`:[{`action`:`Allow`,`protocol`:`TCP`,`source`:{},`destination`:{}}],"
	      "`selector`:`" ORCH "`,`types`:[`Ingress`]") },
	{ "one numeric port among names: order kept",
	  KNP("{`podSelector`:{},`ingress`:[{`ports`:[{`port`:`http`},{`port`:80},"
	      "{`port`:`dns`}]}]}"),
	  CNP("`ingress`:[{`action`:`Allow`,`protocol`:`TCP`,`source`:{},`destination`:{`ports`:"
	      "[`http`,80,`dns`]}}],`selector`:`" ORCH "`,`types`:[`Ingress`]") },
	{ "numeric ports merged into ranges after the names",
	  KNP("{`podSelector`:{},`ingress`:[{`ports`:[{`port`:90,`endPort`:95},{`port`:4},"
	      "{`port`:`foo`},{`port`:3},{`port`:96},{`port`:9090},{`port`:5}]}]}"),
	  CNP("`ingress`:[{`action`:`Allow`,`protocol`:`TCP`,`source`:{},`destination`:{`ports`:"
	      "[`foo`,`3:5`,`90:96`,9090]}}],`selector`:`" ORCH "`,`types`:[`Ingress`]") },
	{ "SCTP sorts before TCP; protocol names canonical",
	  KNP("{`podSelector`:{},`egress`:[{`ports`:[{`protocol`:`TCP`,`port`:1},"
	      "{`protocol`:`SCTP`,`port`:2}]}],`policyTypes`:[`Egress`]}"),
	  CNP("`egress`:[{`action`:`Allow`,`protocol`:`SCTP`,`source`:{},`destination`:{`ports`:"
	      "[2]}},{`action`:`Allow`,`protocol`:`TCP`,`source`:{},`destination`:{`ports`:[1]}}],"
	      "`selector`:`" ORCH "`,`types`:[`Egress`]") },
	{ "a rule that cannot be converted is dropped, the rest kept",
	  KNP("{`podSelector`:{},`ingress`:[{`ports`:[{`port`:`http`,`endPort`:90}]},{}]}"),
	  CNP("`ingress`:[" ALLOW_ALL "],`selector`:`" ORCH "`,`types`:[`Ingress`]"),
	  "spec.ingress[0]: rule dropped" },
	{ "a malformed rule is dropped, never read as allow-all",
	  KNP("{`podSelector`:{},`ingress`:[`x`,{`from`:{}},{`ports`:[1]},{`from`:[1]},"
	      "{`ports`:[{`protocol`:6}]},{`ports`:[{`port`:true}]}]}"),
	  CNP("`selector`:`" ORCH "`,`types`:[`Ingress`]"), "spec.ingress[5]: rule dropped" },
	{ "a bad ipBlock CIDR drops the rule (Calico would leave an empty peer: allow-all)",
	  KNP("{`podSelector`:{},`ingress`:[{`from`:[{`ipBlock`:{`cidr`:`10.0.0.1`}}]},"
	      "{`from`:[{`ipBlock`:{`cidr`:`10.0.0.0/8`,`except`:[`x`]}}]}]}"),
	  CNP("`selector`:`" ORCH "`,`types`:[`Ingress`]"),
	  "spec.ingress[1]: rule dropped, it cannot be converted: peer 0: invalid ipBlock CIDR" },
};

Test(knp_convert, table)
{
	for (size_t i = 0; i < sizeof(ccases) / sizeof(ccases[0]); i++) {
		const struct ccase *t = &ccases[i];
		json_t *in = vdoc_json(t->knp), *want = vdoc_json(t->want), *got = NULL, *copy =
		  NULL;
		struct tb_diag d, d2;
		char *s = NULL;

		tb_diag_init(&d);
		tb_diag_init(&d2);
		if (!in || !want)
			goto fail;
		got = tb_knp_convert(in, &d);
		if (!got || !json_equal(got, want))
			goto fail;
		if (t->dropped ? !vdoc_has_error(&d, t->dropped) : d.n != 0)
			goto fail;
		/* What the conversion makes is a valid Calico NetworkPolicy. */
		copy = json_deep_copy(got);
		if (!copy || tb_resource_validate(copy, NULL, &d2))
			goto fail;
		goto next;
fail:
		s = got ? json_dumps(got, JSON_SORT_KEYS) : NULL;
		cr_expect(0, "case %zu (%s): %s; got %s [%s] [%s]", i, t->what,
			  !in || !want ? "bad JSON in the case" : "mismatch", s ? s : "NULL",
			  vdoc_errors(&d), d2.n ? d2.msgs[0] : "");
next:
		free(s);
		json_decref(copy);
		tb_diag_free(&d2);
		json_decref(got);
		json_decref(in);
		json_decref(want);
		tb_diag_free(&d);
	}
}

/* Metadata: uid derived as Calico derives it, resourceVersion and creation time carried. */
Test(knp_convert, metadata)
{
	json_t *in = vdoc_json("{`metadata`:{`name`:`web`,`namespace`:`prod`,`uid`:"
			       "`30316465-6365-4463-ad63-3564622d3638`,`resourceVersion`:`42`,"
			       "`creationTimestamp`:`2024-01-01T00:00:00Z`,`labels`:{`a`:`b`}},"
			       "`spec`:{`podSelector`:{}}}");
	json_t *want = vdoc_json("{`name`:`knp.default.web`,`namespace`:`prod`,`creationTimestamp`:"
				 "`2024-01-01T00:00:00Z`,"
				   "`uid`:`0c8c26a6-c6a6-44c6-adc6-ac2646b46c1c`,"
				 "`resourceVersion`:`42`}");
	struct tb_diag d;
	json_t *got;

	tb_diag_init(&d);
	got = tb_knp_convert(in, &d);
	cr_expect(got && json_equal(json_object_get(got, "metadata"), want), "metadata: %s",
		  got ? json_dumps(json_object_get(got, "metadata"), JSON_SORT_KEYS) : "NULL");
	json_decref(got);
	json_decref(in);
	json_decref(want);
	tb_diag_free(&d);
}

struct uid_case {
	const char *in;
	const char *out;	/* NULL: refused */
};

static const struct uid_case uids[] = {
	{ "30316465-6365-4463-ad63-3564622d3638", "0c8c26a6-c6a6-44c6-adc6-ac2646b46c1c" },
	{ "0c8c26a6-c6a6-44c6-adc6-ac2646b46c1c", "30316465-6365-4463-ad63-3564622d3638" },
	{ "00000000-0000-4000-8000-000000000000", "00000000-0000-4000-8000-000000000000" },
	{ "not-a-uid", NULL },
	{ "30316465-6365-4463-ad63-3564622d363", NULL },
	{ "30316465x6365-4463-ad63-3564622d3638", NULL },
};

Test(knp_convert, uid)
{
	for (size_t i = 0; i < sizeof(uids) / sizeof(uids[0]); i++) {
		char out[37] = "";
		int r = tb_knp_convert_uid(uids[i].in, out);

		if (uids[i].out)
			cr_expect(r == 0 && !strcmp(out, uids[i].out), "case %zu: %d %s", i, r,
			  out);
		else
			cr_expect(r == -EINVAL, "case %zu: %d", i, r);
	}
}

Test(knp_convert, refuses_non_policies)
{
	static const char *const bad[] = { "[]", "{}", "{`metadata`:{}}",
					   "{`metadata`:{`name`:`x`},`spec`:[]}" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *in = vdoc_json(bad[i]), *got;
		struct tb_diag d;

		tb_diag_init(&d);
		got = tb_knp_convert(in, &d);
		cr_expect(!got && errno == EINVAL && d.n == 1, "case %zu", i);
		json_decref(got);
		json_decref(in);
		tb_diag_free(&d);
	}
}
