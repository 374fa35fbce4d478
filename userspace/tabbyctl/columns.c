// SPDX-License-Identifier: Apache-2.0
/* Per-kind table columns, following calicoctl's headings and cell formats. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "columns.h"

static json_t *at_path(json_t *doc, const char *path)
{
	char buf[128], *save, *tok;
	json_t *v = doc;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && v; tok = strtok_r(NULL, ".", &save))
		v = json_object_get(v, tok);
	return v;
}

static char *scalar(json_t *v)
{
	char *s = NULL;

	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_integer(v))
		asprintf(&s, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		asprintf(&s, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		s = strdup(json_is_true(v) ? "true" : "false");
	else if (v && !json_is_null(v))
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	return s ? s : strdup("");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join(json_t *v, size_t max, bool map)
{
	size_t n = map ? json_object_size(v) : json_array_size(v), len = 0, i = 0;
	char **parts = calloc(n + 1, sizeof(char *)), *out;
	const char *k;
	json_t *e;

	if (!parts)
		return NULL;
	if (map) {
		json_object_foreach(v, k, e) {
			char *s = scalar(e);

			asprintf(&parts[i++], "%s=%s", k, s);
			free(s);
		}
		qsort(parts, n, sizeof(char *), cmp_str);
	} else {
		json_array_foreach(v, i, e)
			parts[i] = scalar(e);
	}
	for (i = 0; i < n; i++)
		len += strlen(parts[i] ? parts[i] : "") + 1;
	out = calloc(len + 1, 1);
	for (i = 0; out && i < n; i++) {
		if (i)
			strcat(out, ",");
		strcat(out, parts[i] ? parts[i] : "");
	}
	for (i = 0; i < n; i++)
		free(parts[i]);
	free(parts);
	if (out && max && strlen(out) > max)
		strcpy(out + max - 3, "...");
	return out;
}

char *column_cell(const struct column *col, json_t *doc)
{
	json_t *v = col->path ? at_path(doc, col->path) : NULL;
	bool absent = !v || json_is_null(v);

	switch (col->fmt) {
	case COL_FN: return col->fn(doc);
	case COL_NIL: return absent ? strdup("<nil>") : scalar(v);
	case COL_DASH: return absent ? strdup("-") : scalar(v);
	case COL_NEVER: return absent || !*json_string_value(v) ? strdup("Never") : scalar(v);
	case COL_FALSE: return absent ? strdup("false") : scalar(v);
	case COL_JOIN: return join(v, 0, false);
	case COL_JOIN80: return join(v, 80, false);
	case COL_MAPJOIN: return join(v, 0, true);
	case COL_STR: break;
	}
	return scalar(v);
}

static char *bgppeer_node(json_t *doc)
{
	json_t *spec = json_object_get(doc, "spec");
	const char *node = json_string_value(json_object_get(spec, "node"));
	const char *sel = json_string_value(json_object_get(spec, "nodeSelector"));

	return strdup(node && *node ? node : sel && *sel ? sel : "(global)");
}

static char *wep_workload(json_t *doc)
{
	json_t *spec = json_object_get(doc, "spec");
	const char *w = json_string_value(json_object_get(spec, "workload"));

	return strdup(w && *w ? w : json_string_value(json_object_get(spec, "pod")) ?: "");
}

static char *node_asn(json_t *doc)
{
	json_t *bgp = at_path(doc, "spec.bgp");
	json_t *asn = json_object_get(bgp, "asNumber");

	if (!bgp)
		return strdup("");
	/* Without its own AS number a node uses the cluster's; calicoctl shows it in brackets. */
	return asn ? scalar(asn) : strdup("(64512)");
}

#define C(h, p, f) (&(const struct column){ h, p, f })
#define NAME C("NAME", "metadata.name", COL_STR)
#define NAMESPACE C("NAMESPACE", "metadata.namespace", COL_STR)
#define COLS(...) ((const struct column *const[]){ __VA_ARGS__, NULL })
#define TIER C("TIER", "spec.tier", COL_STR)
#define ORDER C("ORDER", "spec.order", COL_NIL)
#define SELECTOR C("SELECTOR", "spec.selector", COL_STR)
#define NETS C("NETS", "spec.nets", COL_JOIN80)

static const struct kind_columns table[] = {
	{ "BGPConfiguration",
	  COLS(NAME, C("LOGSEVERITY", "spec.logSeverityScreen", COL_STR),
	       C("MESHENABLED", "spec.nodeToNodeMeshEnabled", COL_DASH),
	       C("ASNUMBER", "spec.asNumber", COL_DASH)),
	  COLS(NAME, C("LOGSEVERITY", "spec.logSeverityScreen", COL_STR),
	       C("MESHENABLED", "spec.nodeToNodeMeshEnabled", COL_DASH),
	       C("ASNUMBER", "spec.asNumber", COL_DASH)) },
	{ "BGPPeer",
	  COLS(NAME, C("PEERIP", "spec.peerIP", COL_STR),
	       (&(const struct column){ "NODE", NULL, COL_FN, bgppeer_node }),
	       C("ASN", "spec.asNumber", COL_STR)),
	  COLS(NAME, C("PEERIP", "spec.peerIP", COL_STR),
	       (&(const struct column){ "NODE", NULL, COL_FN, bgppeer_node }),
	       C("ASN", "spec.asNumber", COL_STR)) },
	{ "GlobalNetworkPolicy", COLS(NAME, TIER), COLS(NAME, TIER, ORDER, SELECTOR) },
	{ "StagedGlobalNetworkPolicy", COLS(NAME, TIER), COLS(NAME, TIER, ORDER, SELECTOR) },
	{ "NetworkPolicy", COLS(NAME, TIER), COLS(NAME, TIER, ORDER, SELECTOR), true },
	{ "StagedNetworkPolicy", COLS(NAME, TIER), COLS(NAME, TIER, ORDER, SELECTOR), true },
	{ "StagedKubernetesNetworkPolicy", COLS(NAME),
	  COLS(NAME, C("PODSELECTOR", "spec.podSelector", COL_STR)), true },
	{ "GlobalNetworkSet", COLS(NAME), COLS(NAME, NETS) },
	{ "NetworkSet", COLS(NAME), COLS(NAME, NETS), true },
	{ "HostEndpoint", COLS(NAME, C("NODE", "spec.node", COL_STR)),
	  COLS(NAME, C("NODE", "spec.node", COL_STR), C("INTERFACE", "spec.interfaceName", COL_STR),
	       C("IPS", "spec.expectedIPs", COL_JOIN), C("PROFILES", "spec.profiles", COL_JOIN)) },
	{ "IPAMConfiguration",
	  COLS(NAME, C("STRICTAFFINITY", "spec.strictAffinity", COL_FALSE),
	       C("AUTOALLOCATEBLOCKS", "spec.autoAllocateBlocks", COL_FALSE)),
	  COLS(NAME, C("STRICTAFFINITY", "spec.strictAffinity", COL_FALSE),
	       C("AUTOALLOCATEBLOCKS", "spec.autoAllocateBlocks", COL_FALSE),
	       C("MAXBLOCKSPERHOST", "spec.maxBlocksPerHost", COL_STR)) },
	{ "IPPool",
	  COLS(NAME, C("CIDR", "spec.cidr", COL_STR), C("SELECTOR", "spec.nodeSelector", COL_STR)),
	  COLS(NAME, C("CIDR", "spec.cidr", COL_STR), C("NAT", "spec.natOutgoing", COL_FALSE),
	       C("IPIPMODE", "spec.ipipMode", COL_NEVER), C("VXLANMODE", "spec.vxlanMode", COL_NEVER),
	       C("DISABLED", "spec.disabled", COL_FALSE),
	       C("DISABLEBGPEXPORT", "spec.disableBGPExport", COL_FALSE),
	       C("SELECTOR", "spec.nodeSelector", COL_STR),
	       C("ASSIGNMENTMODE", "spec.assignmentMode", COL_STR)) },
	{ "IPReservation", COLS(NAME), COLS(NAME, C("CIDRS", "spec.reservedCIDRs", COL_JOIN80)) },
	{ "Node", COLS(NAME),
	  COLS(NAME, (&(const struct column){ "ASN", NULL, COL_FN, node_asn }),
	       C("IPV4", "spec.bgp.ipv4Address", COL_STR), C("IPV6", "spec.bgp.ipv6Address", COL_STR)) },
	{ "Profile", COLS(NAME), COLS(NAME, C("LABELS", "spec.labelsToApply", COL_MAPJOIN)) },
	{ "Tier", COLS(NAME, ORDER), COLS(NAME, ORDER) },
	{ "WorkloadEndpoint",
	  COLS((&(const struct column){ "WORKLOAD", NULL, COL_FN, wep_workload }),
	       C("NODE", "spec.node", COL_STR), C("NETWORKS", "spec.ipNetworks", COL_JOIN),
	       C("INTERFACE", "spec.interfaceName", COL_STR)),
	  COLS(NAME, (&(const struct column){ "WORKLOAD", NULL, COL_FN, wep_workload }),
	       C("NODE", "spec.node", COL_STR), C("NETWORKS", "spec.ipNetworks", COL_JOIN),
	       C("INTERFACE", "spec.interfaceName", COL_STR), C("PROFILES", "spec.profiles", COL_JOIN),
	       C("NATS", "spec.ipNATs", COL_JOIN)),
	  true },
	{ "Pod", COLS(NAME), COLS(NAME, C("SERVICEACCOUNT", "spec.serviceAccountName", COL_STR)), true },
	{ "ServiceAccount", COLS(NAME), COLS(NAME), true },
	{ "Namespace", COLS(NAME), COLS(NAME, C("LABELS", "metadata.labels", COL_MAPJOIN)) },
};

static const struct kind_columns fallback = { NULL, COLS(NAME), COLS(NAME), true };

const struct kind_columns *columns_for(const char *kind)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].kind, kind))
			return &table[i];
	return &fallback;
}
