// SPDX-License-Identifier: Apache-2.0
/*
 * Calico Rule validation: one case per rule of the validator (action, ipVersion, protocols,
 * ICMP, ports and their protocols, nets and their families, selectors, services, HTTP), each
 * a policy spec and the error expected (a substring holding the field path) or NULL for valid.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "helpers/vdoc.h"

struct rcase {
	const char *kind;
	const char *spec;
	const char *err;
};

#define GNP "GlobalNetworkPolicy"
#define NP "NetworkPolicy"
#define IN(r) "{`ingress`:[" r "]}"
#define EG(r) "{`egress`:[" r "]}"

static const struct rcase rcases[] = {
	/* action */
	{ GNP, IN("{`action`:`Allow`}"), NULL },
	{ GNP, IN("{`action`:`Log`},{`action`:`Pass`},{`action`:`Deny`}"), NULL },
	{ GNP, IN("{}"), "spec.ingress[0].action: required field is missing" },
	{ GNP, IN("{`action`:`allow`}"), "spec.ingress[0].action: 'allow' is not one of" },
	{ GNP, IN("{`action`:`Allow`,`bogus`:1}"), "spec.ingress[0].bogus: unknown field" },
	/* ipVersion */
	{ GNP, IN("{`action`:`Allow`,`ipVersion`:6}"), NULL },
	{ GNP, IN("{`action`:`Allow`,`ipVersion`:5}"),
	  "spec.ingress[0].ipVersion: must be 4 or 6" },
	{ GNP, IN("{`action`:`Allow`,`ipVersion`:`4`}"),
	  "spec.ingress[0].ipVersion: must be an integer" },
	/* protocol / notProtocol */
	{ GNP, IN("{`action`:`Allow`,`protocol`:`UDPLite`}"), NULL },
	{ GNP, IN("{`action`:`Allow`,`protocol`:255,`notProtocol`:`SCTP`}"), NULL },
	{ GNP, IN("{`action`:`Allow`,`protocol`:0}"),
	  "spec.ingress[0].protocol: protocol number invalid" },
	{ GNP, IN("{`action`:`Allow`,`protocol`:256}"),
	  "spec.ingress[0].protocol: protocol number invalid" },
	{ GNP, IN("{`action`:`Allow`,`protocol`:`tcp`}"),
	  "spec.ingress[0].protocol: protocol name invalid" },
	{ GNP, IN("{`action`:`Allow`,`notProtocol`:`GRE`}"),
	  "spec.ingress[0].notProtocol: protocol name invalid" },
	{ GNP, IN("{`action`:`Allow`,`protocol`:true}"),
	  "spec.ingress[0].protocol: must be an integer or a string" },
	/* ICMP */
	{ GNP, IN("{`action`:`Allow`,`protocol`:`ICMP`,`icmp`:{`type`:8,`code`:0}}"), NULL },
	{ GNP, IN("{`action`:`Allow`,`protocol`:58,`icmp`:{`type`:128}}"), NULL },
	{ GNP, IN("{`action`:`Allow`,`protocol`:`ICMPv6`,`notICMP`:{`type`:1}}"), NULL },
	{ GNP, IN("{`action`:`Allow`,`protocol`:`ICMP`,`icmp`:{`type`:255}}"),
	  "spec.ingress[0].icmp.type: ICMP type must be between 0 and 254" },
	{ GNP, IN("{`action`:`Allow`,`protocol`:`ICMP`,`icmp`:{`type`:3,`code`:256}}"),
	  "spec.ingress[0].icmp.code: ICMP code must be between 0 and 255" },
	{ GNP, IN("{`action`:`Allow`,`protocol`:`ICMP`,`icmp`:{`code`:1}}"),
	  "spec.ingress[0].icmp.code: ICMP code specified without an ICMP type" },
	{ GNP, IN("{`action`:`Allow`,`icmp`:{`type`:8}}"),
	  "spec.ingress[0].icmp: ICMP fields require protocol to be ICMP or ICMPv6" },
	{ GNP, IN("{`action`:`Allow`,`protocol`:`TCP`,`notICMP`:{`type`:8}}"),
	  "spec.ingress[0].notICMP: ICMP fields require protocol" },
	{ GNP, IN("{`action`:`Allow`,`protocol`:`ICMP`,`ipVersion`:6}"),
	  "spec.ingress[0].ipVersion: protocol ICMP requires ipVersion 4" },
	{ GNP, IN("{`action`:`Allow`,`notProtocol`:1,`ipVersion`:6}"),
	  "spec.ingress[0].ipVersion: protocol ICMP requires ipVersion 4" },
	{ GNP, IN("{`action`:`Allow`,`protocol`:`ICMPv6`,`ipVersion`:4}"),
	  "spec.ingress[0].ipVersion: protocol ICMPv6 requires ipVersion 6" },
	/* ports */
	{ GNP, IN(
	  "{`action`:`Allow`,`protocol`:`TCP`,`destination`:{`ports`:[80,`8080:8090`,`http`]}}"),
	  NULL },
	{ GNP, IN("{`action`:`Allow`,`protocol`:`SCTP`,`source`:{`notPorts`:[`1:65535`]}}"), NULL },
	{ GNP, IN("{`action`:`Allow`,`destination`:{`ports`:[`http`,`metrics.x_1`]}}"), NULL },
	{ GNP, IN(
	  "{`action`:`Allow`},{`action`:`Allow`},{`action`:`Allow`,`destination`:{`ports`:[80]}}"),
	  "spec.ingress[2].destination.ports[0]: numeric ports need protocol TCP, UDP or SCTP" },
	{ GNP, IN("{`action`:`Allow`,`source`:{`notPorts`:[`http`,`1:2`]}}"),
	  "spec.ingress[0].source.notPorts[1]: numeric ports need protocol TCP, UDP or SCTP" },
	{ GNP, IN("{`action`:`Allow`,`protocol`:`ICMP`,`destination`:{`ports`:[`http`]}}"),
	  "spec.ingress[0].destination.ports[0]: ports need protocol TCP, UDP or SCTP (protocol is "
	    "ICMP)" },
	{ GNP, IN("{`action`:`Allow`,`protocol`:`TCP`,`destination`:{`ports`:[0]}}"),
	  "spec.ingress[0].destination.ports[0]: port number must be between 1 and 65535" },
	{ GNP, IN("{`action`:`Allow`,`protocol`:`TCP`,`destination`:{`ports`:[65536]}}"),
	  "spec.ingress[0].destination.ports[0]: port number must be between 1 and 65535" },
	{ GNP, IN("{`action`:`Allow`,`protocol`:`TCP`,`destination`:{`ports`:[`90:80`]}}"),
	  "spec.ingress[0].destination.ports[0]: port range invalid" },
	{ GNP, IN("{`action`:`Allow`,`protocol`:`TCP`,`destination`:{`ports`:[`bad name`]}}"),
	  "spec.ingress[0].destination.ports[0]: invalid name for named port" },
	{ GNP, IN("{`action`:`Allow`,`protocol`:`TCP`,`destination`:{`ports`:[1.5]}}"),
	  "spec.ingress[0].destination.ports[0]: must be an integer or a string" },
	/* nets */
	{ GNP, IN("{`action`:`Allow`,`source`:{`nets`:[`10.0.0.0/8`,`192.168.1.1/32`],"
	  "`notNets`:[`10.1.0.0/16`]}}"), NULL },
	{ GNP, IN("{`action`:`Allow`,`ipVersion`:6,`destination`:{`nets`:[`fd00::/64`]}}"), NULL },
	{ GNP, IN("{`action`:`Allow`,`source`:{`nets`:[`10.0.0.1`]}}"),
	  "spec.ingress[0].source.nets[0]: invalid CIDR '10.0.0.1': a rule's nets need a prefix "
	    "length (10.0.0.1/32)" },
	{ GNP, IN("{`action`:`Allow`,`source`:{`nets`:[`10.0.0.1/24`]}}"),
	  "spec.ingress[0].source.nets[0]: '10.0.0.1/24' is not a network address: host bits are "
	    "set (did you mean 10.0.0.0/24?)" },
	{ GNP, IN("{`action`:`Allow`,`source`:{`notNets`:[`10.0.0.0/33`]}}"),
	  "spec.ingress[0].source.notNets[0]: invalid CIDR" },
	{ GNP, IN("{`action`:`Allow`,`source`:{`nets`:[`nonsense`]}}"),
	  "spec.ingress[0].source.nets[0]: invalid CIDR" },
	{ GNP, IN("{`action`:`Allow`,`ipVersion`:4,`destination`:{`nets`:[`fd00::/64`]}}"),
	  "spec.ingress[0].destination.nets: rule IP version doesn't match CIDR version" },
	{ GNP, IN("{`action`:`Allow`,`source`:{`nets`:[`10.0.0.0/8`]},"
	  "`destination`:{`notNets`:[`fd00::/8`]}}"),
	  "spec.ingress[0].destination.notNets: rule contains both IPv4 and IPv6 CIDRs" },
	{ GNP, IN("{`action`:`Allow`,`source`:{`nets`:[`10.0.0.0/8`,`::/0`]}}"),
	  "spec.ingress[0].source.nets: rule contains both IPv4 and IPv6 CIDRs" },
	/* selectors */
	{ GNP, IN("{`action`:`Allow`,`source`:{`selector`:`app == 'a' && has(b)`,`notSelector`:`c "
	  "in {'x'}`,`namespaceSelector`:`all()`}}"), NULL },
	{ GNP, IN("{`action`:`Allow`,`source`:{`selector`:`app = 'a'`}}"),
	  "spec.ingress[0].source.selector: invalid selector" },
	{ GNP, IN("{`action`:`Allow`,`source`:{`namespaceSelector`:`global()`}}"), NULL },
	{ GNP, IN("{`action`:`Allow`,`source`:{`namespaceSelector`:` global( ) `}}"), NULL },
	{ GNP, IN("{`action`:`Allow`,`source`:{`namespaceSelector`:`global() && a == 'b'`}}"),
	  "spec.ingress[0].source.namespaceSelector: global() cannot be combined with other "
	    "selectors" },
	{ GNP, IN("{`action`:`Allow`,`source`:{`selector`:`global()`}}"),
	  "spec.ingress[0].source.selector: global() can only be used in an EntityRule "
	    "namespaceSelector" },
	{ GNP, IN("{`action`:`Allow`,`source`:{`serviceAccounts`:{`names`:[`sa1`],`selector`:`role "
	  "== 'x'`}}}"), NULL },
	{ GNP, IN("{`action`:`Allow`,`source`:{`serviceAccounts`:{`selector`:`((`}}}"),
	  "spec.ingress[0].source.serviceAccounts.selector: invalid selector" },
	/* services */
	{ GNP, EG("{`action`:`Allow`,`destination`:{`services`:{`name`:`kube-dns`,"
	  "`namespace`:`kube-system`}}}"), NULL },
	{ NP, IN("{`action`:`Allow`,`source`:{`services`:{`name`:`web`}}}"), NULL },
	{ GNP, IN("{`action`:`Allow`,`source`:{`services`:{`name`:`web`}}}"),
	  "spec.ingress[0].source: services.namespace: must specify a namespace" },
	{ NP, IN("{`action`:`Allow`,`source`:{`services`:{`name`:``}}}"),
	  "spec.ingress[0].source.services: must specify a service name" },
	{ NP, IN("{`action`:`Allow`,`source`:{`services`:{`namespace`:`x`}}}"),
	  "spec.ingress[0].source.services: must specify a service name" },
	{ NP, IN("{`action`:`Allow`,`source`:{`services`:{`name`:`web`},`selector`:`a == 'b'`}}"),
	  "cannot specify Selector/NotSelector and Services on the same rule" },
	{ NP, IN("{`action`:`Allow`,`source`:{`services`:{`name`:`web`},`nets`:[`10.0.0.0/8`]}}"),
	  "cannot specify Nets/NotNets and Services on the same rule" },
	{ NP, IN(
	  "{`action`:`Allow`,`source`:{`services`:{`name`:`web`},`namespaceSelector`:`all()`}}"),
	  "cannot specify NamespaceSelector and Services on the same rule" },
	{ NP, IN("{`action`:`Allow`,`source`:{`services`:{`name`:`web`},`serviceAccounts`:{}}}"),
	  "cannot specify ServiceAccounts and Services on the same rule" },
	{ NP, EG("{`action`:`Allow`,`protocol`:`TCP`,`destination`:{`services`:{`name`:`web`},"
	  "`ports`:[80]}}"),
	  "spec.egress[0].destination: ports and notPorts cannot be specified with services" },
	{ NP, IN("{`action`:`Allow`,`destination`:{`services`:{`name`:`web`}}}"),
	  "spec.ingress[0].destination: services: not allowed in ingress rule destination" },
	{ NP, EG("{`action`:`Allow`,`source`:{`services`:{`name`:`web`}}}"),
	  "spec.egress[0].source: services: not allowed in egress rule source" },
	{ NP, IN("{`action`:`Allow`,`source`:{`services`:{`name`:`Bad_Name`}}}"),
	  "spec.ingress[0].source.services.name: 'Bad_Name' is not a valid name" },
	/* HTTP */
	{ NP, IN("{`action`:`Allow`,`http`:{`methods`:[`GET`,`PUT`],`paths`:[{`exact`:`/a`},"
	  "{`prefix`:`/b/`}]}}"), NULL },
	{ NP, IN("{`action`:`Allow`,`protocol`:`TCP`,`http`:{`methods`:[`GET`]}}"), NULL },
	{ NP, IN("{`action`:`Allow`,`protocol`:`UDP`,`http`:{`methods`:[`GET`]}}"),
	  "spec.ingress[0].protocol: rules with HTTP match must have protocol TCP or unset" },
	{ NP, IN("{`action`:`Deny`,`http`:{`methods`:[`GET`]}}"),
	  "spec.ingress[0].http: HTTP match is only valid on Allow rules" },
	{ NP, IN("{`action`:`Allow`,`http`:{`methods`:[`GET`,`GET`]}}"),
	  "spec.ingress[0].http.methods: invalid methods (duplicates)" },
	{ NP, IN("{`action`:`Allow`,`http`:{`paths`:[{`exact`:`/a`,`prefix`:`/b`}]}}"),
	  "spec.ingress[0].http.paths[0]: invalid path match: both 'exact' and 'prefix' are set" },
	{ NP, IN("{`action`:`Allow`,`http`:{`paths`:[{}]}}"),
	  "spec.ingress[0].http.paths[0]: invalid path match: either 'exact' or 'prefix' must be "
	    "set" },
	{ NP, IN("{`action`:`Allow`,`http`:{`paths`:[{`exact`:`/a?b`}]}}"),
	  "spec.ingress[0].http.paths[0]: invalid path '/a?b'" },
	{ NP, EG("{`action`:`Allow`,`http`:{`methods`:[`GET`]}}"),
	  "spec.egress[0].http: not allowed in egress rules" },
	/* metadata */
	{ NP, IN("{`action`:`Allow`,`metadata`:{`annotations`:{`why`:`because`}}}"), NULL },
	{ NP, IN("{`action`:`Allow`,`metadata`:{`annotations`:{`why`:1}}}"),
	  "spec.ingress[0].metadata.annotations.why: must be a string" },
	{ NP, IN("{`action`:`Allow`,`metadata`:{`annotations`:{`Example.com/Why`:`x`}}}"), NULL },
	{ NP, IN("{`action`:`Allow`,`metadata`:{`annotations`:{`bad key`:`x`}}}"),
	  "spec.ingress[0].metadata.annotations.bad key: invalid annotation key" },
	/* profiles carry rules too */
	{ "Profile", "{`egress`:[{`action`:`Allow`,`destination`:{`ports`:[53]}}]}",
	  "spec.egress[0].destination.ports[0]: numeric ports need protocol TCP, UDP or SCTP" },
};

Test(validate_policy_rules, table)
{
	for (size_t i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++) {
		const struct rcase *t = &rcases[i];
		struct tb_diag d;
		bool ok;
		int r;

		tb_diag_init(&d);
		r = vdoc_validate(NULL, t->kind, "p", t->spec, NULL, &d);
		if (!t->err)
			ok = r == 0;
		else
			ok = r == -EINVAL && vdoc_has_error(&d, t->err);
		if (!ok)
			cr_expect(0, "case %zu %s: got [%s] (rc %d), want [%s]", i, t->spec,
			  vdoc_errors(&d),
				r, t->err ? t->err : "valid");
		tb_diag_free(&d);
	}
}

/* Values Calico stores in another form: ports "80" and "80:80" as 80, protocol "6" as 6. */
Test(validate_policy_rules, canonical_values)
{
	json_t *doc = NULL, *want = vdoc_json(
		"[{`action`:`Allow`,`protocol`:6,`notProtocol`:17,`destination`:{`ports`:[80,81,"
		"`82:90`,`http`]}}]");
	struct tb_diag d;
	int r;

	tb_diag_init(&d);
	r = vdoc_validate(NULL, GNP, "p", IN("{`action`:`Allow`,`protocol`:`6`,`notProtocol`:`17`,"
				     "`destination`:{`ports`:[`80`,`81:81`,`82:90`,`http`]}}"),
				       &doc, &d);
	if (r || !want)
		goto fail;
	if (!json_equal(json_object_get(json_object_get(doc, "spec"), "ingress"), want))
		goto fail;
	goto out;
fail:
	cr_expect(0, "rc %d [%s]: %s", r, vdoc_errors(&d),
		doc ? json_dumps(json_object_get(doc, "spec"), 0) : "(no doc)");
out:
	tb_diag_free(&d);
	json_decref(doc);
	json_decref(want);
}

/* Every problem of a document is reported, not only the first. */
Test(validate_policy_rules, reports_every_error)
{
	struct tb_diag d;
	int r;

	tb_diag_init(&d);
	r = vdoc_validate(NULL, GNP, "p", IN("{`action`:`X`},{`action`:`Allow`,`protocol`:0},"
				     "{`action`:`Allow`,`source`:{`nets`:[`x`]}}"), NULL, &d);
	if (r != -EINVAL || d.n != 3 || !vdoc_has_error(&d, "spec.ingress[0].action") ||
	    !vdoc_has_error(&d, "spec.ingress[1].protocol") ||
	    !vdoc_has_error(&d, "spec.ingress[2].source.nets[0]"))
		cr_expect(0, "got %zu errors: %s", d.n, vdoc_errors(&d));
	tb_diag_free(&d);
}
