// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the policy side of the model: any JSON is taken as a Kubernetes
 * NetworkPolicy spec and as a Calico policy spec. Validation and conversion never crash or
 * leak, and a Kubernetes policy that validates converts without a dropped rule into a Calico
 * NetworkPolicy that validates too.
 */
#include <stdint.h>
#include <stdlib.h>

#include "knp_convert.h"
#include "resource.h"

static json_t *wrap(const char *api, const char *kind, json_t *spec)
{
	json_t *doc = json_pack("{s:s,s:s,s:{s:s,s:s}}", "apiVersion", api, "kind", kind,
				"metadata", "name", "p", "namespace", "ns");

	if (doc)
		json_object_set(doc, "spec", spec);
	return doc;
}

static void check_knp(json_t *spec)
{
	json_t *doc = wrap("networking.k8s.io/v1", "NetworkPolicy", spec), *np = NULL;
	struct tb_diag d, d2;

	tb_diag_init(&d);
	tb_diag_init(&d2);
	if (!doc)
		goto out;
	/* Unvalidated input converts or is refused, never crashes. */
	json_decref(tb_knp_convert(doc, &d));
	if (tb_resource_validate(doc, NULL, &d2))
		goto out;
	tb_diag_free(&d);
	tb_diag_init(&d);
	np = tb_knp_convert(doc, &d);
	if (!np || d.n)
		abort();
	if (tb_resource_validate(np, NULL, &d2))
		abort();
out:
	json_decref(np);
	json_decref(doc);
	tb_diag_free(&d);
	tb_diag_free(&d2);
}

static void check_calico(json_t *spec)
{
	static const char *const kinds[] = { "GlobalNetworkPolicy", "NetworkPolicy", "Profile" };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		json_t *doc = wrap(TB_API_CALICO, kinds[i], spec);
		struct tb_diag d;

		tb_diag_init(&d);
		if (doc && !tb_resource_validate(doc, NULL, &d) && d.n)
			abort();	/* valid means no message */
		tb_diag_free(&d);
		json_decref(doc);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *spec = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);

	if (!spec)
		return 0;
	/* Each check gets its own copy: validation fills defaults in place. */
	for (int i = 0; i < 2; i++) {
		json_t *copy = json_deep_copy(spec);

		if (i == 0)
			check_knp(copy);
		else
			check_calico(copy);
		json_decref(copy);
	}
	json_decref(spec);
	return 0;
}
