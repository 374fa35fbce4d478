// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the infrastructure kinds: any JSON is taken as the spec of each of them
 * (and as the status of the kinds whose status is checked). Validation never crashes or leaks,
 * and it is idempotent: a document that validates validates again, unchanged, so the defaults
 * it fills in are stable.
 */
#include <stdint.h>
#include <stdlib.h>

#include "resource.h"

static const char *const kinds[] = {
	"HostEndpoint", "WorkloadEndpoint",   "IPPool", "IPReservation", "IPAMConfiguration",
	"BGPConfiguration", "BGPPeer", "Node", "FelixConfiguration", "Namespace", "Pod",
	"ServiceAccount",
};

static void check(const struct tb_kind *k, const char *name, json_t *spec, json_t *status)
{
	json_t *doc = json_pack("{s:s,s:s,s:{s:s}}", "apiVersion", k->api_version, "kind", k->kind,
				"metadata", "name", name), *copy = NULL;
	struct tb_diag d;

	tb_diag_init(&d);
	if (!doc)
		goto out;
	if (spec && k->spec)
		json_object_set(doc, "spec", spec);
	if (status)
		json_object_set(doc, "status", status);
	if (tb_resource_validate(doc, NULL, &d))
		goto out;
	copy = json_deep_copy(doc);
	if (!copy)
		goto out;
	if (tb_resource_validate(copy, NULL, &d) || !json_equal(copy, doc))
		abort();
out:
	json_decref(copy);
	json_decref(doc);
	tb_diag_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);

	if (!v)
		return 0;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const struct tb_kind *k = tb_kind_find(kinds[i]);

		if (!k)
			abort();
		check(k, "default", v, NULL);
		check(k, "n1-k8s-p-eth0", v, NULL);
		check(k, "node.n1", NULL, v);
	}
	json_decref(v);
	return 0;
}
