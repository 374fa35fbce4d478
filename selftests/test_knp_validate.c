// SPDX-License-Identifier: Apache-2.0
/*
 * Kubernetes NetworkPolicy validation as the API server does it: label selectors, peers,
 * ipBlock, ports and endPort, policyTypes; and the API server's defaults.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "helpers/vdoc.h"

#define K8S_NET "networking.k8s.io/v1"
#define IN(r) "{`podSelector`:{},`ingress`:[" r "]}"
#define EG(r) "{`podSelector`:{},`egress`:[" r "]}"

struct kcase {
	const char *spec;	/* NULL: no spec */
	const char *err;	/* NULL: valid */
};

static const struct kcase kcases[] = {
	{ "{`podSelector`:{}}", NULL },
	{ NULL, "spec.podSelector: required field is missing" },
	{ "{}", "spec.podSelector: required field is missing" },
	{ "{`podSelector`:{},`extra`:1}", "spec.extra: unknown field" },
	/* label selectors */
	{ "{`podSelector`:{`matchLabels`:{`app`:`web`,`example.com/tier`:`a-b.c_d`}}}", NULL },
	{ "{`podSelector`:{`matchLabels`:{`app`:`-web`}}}",
	  "spec.podSelector.matchLabels.app: invalid label value" },
	{ "{`podSelector`:{`matchLabels`:{`a b`:`x`}}}",
	  "spec.podSelector.matchLabels.a b: invalid label key" },
	{ "{`podSelector`:{`matchExpressions`:[{`key`:`k`,`operator`:`In`,`values`:[`a`,`b`]},"
	  "{`key`:`k2`,`operator`:`Exists`}]}}", NULL },
	{ "{`podSelector`:{`matchExpressions`:[{`key`:`k`,`operator`:`In`}]}}",
	  "spec.podSelector.matchExpressions[0].values: must be specified when `operator` is 'In' "
	    "or 'NotIn'" },
	{ "{`podSelector`:{`matchExpressions`:[{`key`:`k`,`operator`:`NotIn`,`values`:[]}]}}",
	  "spec.podSelector.matchExpressions[0].values: must be specified" },
	{ "{`podSelector`:{`matchExpressions`:[{`key`:`k`,`operator`:`Exists`,`values`:[`a`]}]}}",
	  "spec.podSelector.matchExpressions[0].values: may not be specified when `operator` is "
	    "'Exists' or 'DoesNotExist'" },
	{ "{`podSelector`:{`matchExpressions`:[{`key`:`k`,`operator`:`Equals`,`values`:[`a`]}]}}",
	  "spec.podSelector.matchExpressions[0].operator: 'Equals' is not one of: In, NotIn, "
	    "Exists, DoesNotExist" },
	{ "{`podSelector`:{`matchExpressions`:[{`operator`:`Exists`}]}}",
	  "spec.podSelector.matchExpressions[0].key: required field is missing" },
	{ "{`podSelector`:{`matchExpressions`:[{`key`:`k`,`operator`:`In`,`values`:[`a b`]}]}}",
	  "spec.podSelector.matchExpressions[0].values[0]: 'a b' is not a valid label value" },
	/* policyTypes */
	{ "{`podSelector`:{},`policyTypes`:[`Ingress`,`Egress`]}", NULL },
	{ "{`podSelector`:{},`policyTypes`:[`ingress`]}",
	  "spec.policyTypes[0]: 'ingress' is not one of: Ingress, Egress" },
	{ "{`podSelector`:{},`policyTypes`:[`Ingress`,`Ingress`]}",
	  "spec.policyTypes: 'Ingress' specified more than once" },
	{ "{`podSelector`:{},`policyTypes`:[`Ingress`,`Egress`,`Ingress`]}",
	  "spec.policyTypes: may not specify more than two policyTypes" },
	/* peers */
	{ IN("{}"), NULL },
	{ IN("{`from`:[{`podSelector`:{},`namespaceSelector`:{}}]}"), NULL },
	{ EG("{`to`:[{`ipBlock`:{`cidr`:`10.0.0.0/8`,`except`:[`10.1.0.0/16`]}}]}"), NULL },
	{ IN("{`from`:[{}]}"), "spec.ingress[0].from[0]: must specify a peer" },
	{ IN("{`from`:[{`ipBlock`:{`cidr`:`10.0.0.0/8`},`podSelector`:{}}]}"),
	  "spec.ingress[0].from[0]: may not specify both ipBlock and another peer" },
	{ IN("{`from`:[{`ipBlock`:{}}]}"),
	  "spec.ingress[0].from[0].ipBlock.cidr: required field is missing" },
	{ IN("{`from`:[{`ipBlock`:{`cidr`:`10.0.0.1`}}]}"),
	  "spec.ingress[0].from[0].ipBlock.cidr: '10.0.0.1' is not a valid CIDR" },
	{ IN("{`from`:[{`ipBlock`:{`cidr`:`10.0.0.0/8`,`except`:[`10.0.0.0/8`]}}]}"),
	  "spec.ingress[0].from[0].ipBlock.except[0]: '10.0.0.0/8' must be a strict subset of "
	    "`cidr` 10.0.0.0/8" },
	{ IN("{`from`:[{`ipBlock`:{`cidr`:`10.0.0.0/8`,`except`:[`11.0.0.0/16`]}}]}"),
	  "spec.ingress[0].from[0].ipBlock.except[0]: '11.0.0.0/16' must be a strict subset" },
	{ IN("{`from`:[{`ipBlock`:{`cidr`:`10.0.0.0/8`,`except`:[`fd00::/64`]}}]}"),
	  "spec.ingress[0].from[0].ipBlock.except[0]: 'fd00::/64' must be a strict subset" },
	{ EG("{`from`:[{`podSelector`:{}}]}"), "spec.egress[0].from: unknown field" },
	/* ports */
	{ IN("{`ports`:[{`port`:80},{`protocol`:`UDP`,`port`:`dns`},{`protocol`:`SCTP`},"
	     "{`port`:8000,`endPort`:9000}]}"), NULL },
	{ IN("{`ports`:[{`protocol`:`tcp`,`port`:80}]}"),
	  "spec.ingress[0].ports[0].protocol: 'tcp' is not one of: TCP, UDP, SCTP" },
	{ IN("{`ports`:[{`protocol`:`ICMP`}]}"),
	  "spec.ingress[0].ports[0].protocol: 'ICMP' is not one of" },
	{ IN("{`ports`:[{`port`:0}]}"),
	  "spec.ingress[0].ports[0].port: must be between 1 and 65535, inclusive" },
	{ IN("{`ports`:[{`port`:65536}]}"),
	  "spec.ingress[0].ports[0].port: must be between 1 and 65535" },
	{ IN("{`ports`:[{`port`:`80`}]}"),
	  "spec.ingress[0].ports[0].port: '80' is not a valid port name" },
	{ IN("{`ports`:[{`port`:`a--b`}]}"),
	  "spec.ingress[0].ports[0].port: 'a--b' is not a valid port name" },
	{ IN("{`ports`:[{`port`:`sixteen-chars-xx`}]}"), "is not a valid port name" },
	{ IN("{`ports`:[{`endPort`:90}]}"),
	  "spec.ingress[0].ports[0].port: must be specified when endPort is specified" },
	{ IN("{`ports`:[{`port`:`http`,`endPort`:90}]}"),
	  "spec.ingress[0].ports[0].endPort: may not be specified when `port` is non-numeric" },
	{ IN("{`ports`:[{`port`:90,`endPort`:80}]}"),
	  "spec.ingress[0].ports[0].endPort: must be greater than or equal to `port`" },
	{ IN("{`ports`:[{`port`:90,`endPort`:70000}]}"),
	  "spec.ingress[0].ports[0].endPort: must be a port number between 1 and 65535" },
};

Test(knp_validate, table)
{
	for (size_t i = 0; i < sizeof(kcases) / sizeof(kcases[0]); i++) {
		const struct kcase *t = &kcases[i];
		struct tb_diag d;
		bool ok;
		int r;

		tb_diag_init(&d);
		r = vdoc_validate(K8S_NET, "NetworkPolicy", "np", t->spec, NULL, &d);
		if (!t->err)
			ok = r == 0;
		else
			ok = r == -EINVAL && vdoc_has_error(&d, t->err);
		cr_expect(ok, "case %zu %s: got [%s] (rc %d), want [%s]", i, t->spec ? t->spec : "-"
		  ,
			  vdoc_errors(&d), r, t->err ? t->err : "valid");
		tb_diag_free(&d);
	}
}

struct kdef {
	const char *spec;
	const char *want;
};

/* The API server fills policyTypes (Egress only with egress rules) and a port's protocol. */
static const struct kdef kdefs[] = {
	{ "{`podSelector`:{}}", "{`podSelector`:{},`policyTypes`:[`Ingress`]}" },
	{ "{`podSelector`:{},`egress`:[{}]}",
	  "{`podSelector`:{},`egress`:[{}],`policyTypes`:[`Ingress`,`Egress`]}" },
	{ "{`podSelector`:{},`policyTypes`:[`Egress`]}",
	  "{`podSelector`:{},`policyTypes`:[`Egress`]}" },
	{ "{`podSelector`:{},`ingress`:[{`ports`:[{`port`:80}]}]}",
	  "{`podSelector`:{},`ingress`:[{`ports`:[{`port`:80,`protocol`:`TCP`}]}],"
	    "`policyTypes`:[`Ingress`]}" },
};

Test(knp_validate, defaults)
{
	for (size_t i = 0; i < sizeof(kdefs) / sizeof(kdefs[0]); i++) {
		json_t *doc = NULL, *want = vdoc_json(kdefs[i].want);
		struct tb_diag d;
		char *s = NULL;
		int r;

		tb_diag_init(&d);
		r = vdoc_validate(K8S_NET, "NetworkPolicy", "np", kdefs[i].spec, &doc, &d);
		if (r || !want || !json_equal(json_object_get(doc, "spec"), want)) {
			s = doc ? json_dumps(json_object_get(doc, "spec"), JSON_SORT_KEYS) : NULL;
			cr_expect(0, "case %zu: rc %d [%s] got %s", i, r, vdoc_errors(&d), s ? s :
			  "-");
		}
		free(s);
		tb_diag_free(&d);
		json_decref(doc);
		json_decref(want);
	}
}
