// SPDX-License-Identifier: Apache-2.0
/* The agent's Node resource: its addresses (Calico's IP / IP6 / autodetection), kept current. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "autodetect.h"

/* IP / IP6: an address (with or without /len), "autodetect", or "none". */
static int node_address(const char *setting, const char *method, int family, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!setting || !strcmp(setting, "none") || !*setting)
		return 0;
	if (!strcmp(setting, "autodetect")) {
		int r = tb_autodetect(method, family, buf, len);

		if (r == -ENOENT) {
			tb_warn("no IPv%d address found by %s", family, method);
			buf[0] = '\0';
			return 0;
		}
		return r;
	}
	snprintf(buf, len, "%s%s", setting,
		 strchr(setting, '/') ? "" : family == 4 ? "/32" : "/128");
	return 0;
}

int agent_register_node(struct agent *a)
{
	const struct tb_kind *k = tb_kind_find("Node");
	char v4[64], v6[80];
	json_t *doc = NULL, *bgp;
	int r, tries = 0;

	r = node_address(a->cfg.ip, a->cfg.autodetect, 4, v4, sizeof(v4));
	if (!r)
		r = node_address(a->cfg.ip6, a->cfg.autodetect, 6, v6, sizeof(v6));
	if (r)
		return r;
	do {
		int64_t rev = TB_REV_ABSENT;

		json_decref(doc);
		doc = NULL;
		r = tb_client_get(a->client, k, NULL, a->cfg.node, &doc);
		if (r && r != -ENOENT)
			return r;
		if (!doc)
			doc = json_pack("{s:s, s:s, s:{s:s}, s:{}}", "apiVersion", TB_API_CALICO, "kind",
					"Node", "metadata", "name", a->cfg.node, "spec");
		else
			rev = strtoll(json_string_value(json_object_get(json_object_get(doc, "metadata"),
									"resourceVersion")) ?: "0", NULL, 10);
		bgp = json_object_get(json_object_get(doc, "spec"), "bgp");
		if (!bgp) {
			bgp = json_object();
			json_object_set_new(json_object_get(doc, "spec"), "bgp", bgp);
		}
		if (*v4)
			json_object_set_new(bgp, "ipv4Address", json_string(v4));
		if (*v6)
			json_object_set_new(bgp, "ipv6Address", json_string(v6));
		if (!json_object_size(bgp))
			json_object_del(json_object_get(doc, "spec"), "bgp");
		json_object_del(json_object_get(doc, "metadata"), "resourceVersion");
		r = tb_client_put(a->client, k, doc, rev);
	} while (r == -ECANCELED && ++tries < 5);
	if (!r)
		tb_info("node %s registered%s%s%s%s", a->cfg.node, *v4 ? " with " : "", v4,
			*v6 ? " and " : "", v6);
	json_decref(doc);
	return r;
}
