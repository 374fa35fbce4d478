// SPDX-License-Identifier: Apache-2.0
/*
 * GlobalNetworkSet and NetworkSet: lists of networks that rule selectors can match by the
 * set's labels. Calico accepts any IP or CIDR here (host bits allowed) and keeps the text.
 */
#include <string.h>

#include "spec.h"
#include "spec_policy_int.h"
#include "validators.h"

/*
 * projectcalico.org/namespace is the label Calico derives from a namespace: a set may not
 * claim it. The kinds have no document check of their own, so the spec check looks up.
 */
static void check_netset(struct tb_vctx *c, json_t *spec)
{
	json_t *labels = json_object_get(json_object_get(c->root, "metadata"), "labels");

	if (json_object_get(labels, "projectcalico.org/namespace"))
		tb_verror_root(c, "metadata.labels", "projectcalico.org/namespace is not a valid "
			       "label name");
}

static const struct tb_field netset_fields[] = {
	{ "nets", TB_T_ARRAY, .elem = TB_T_STRING, .check = tb_vcheck_cidr },
	{ NULL },
};
const struct tb_schema tb_spec_globalnetworkset = { "GlobalNetworkSetSpec", netset_fields,
						     check_netset };
const struct tb_schema tb_spec_networkset = { "NetworkSetSpec", netset_fields, check_netset };
