// SPDX-License-Identifier: Apache-2.0
/* IPPool nodeSelector: Calico's whole selector language (selector.h) on the Node's labels. */
#include <errno.h>
#include <string.h>

#include "ipam.h"
#include "selector.h"

int tb_ipam_node_selector_match(const char *selector, const json_t *labels, bool *match)
{
	struct tb_selector *s = NULL;
	json_t *empty = NULL;
	char err[128];

	*match = true;
	if (!selector || !*selector)
		return 0;
	if (tb_selector_parse(selector, &s, err, sizeof(err)))
		return -EINVAL;
	if (!labels)
		labels = empty = json_object();
	*match = tb_selector_match_json(s, labels);
	json_decref(empty);
	tb_selector_free(s);
	return 0;
}
