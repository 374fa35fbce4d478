// SPDX-License-Identifier: Apache-2.0
/*
 * Kind lookup, datastore keys and whole-document validation. The per-kind field tables live
 * in spec_*.c; the list of kinds in resource_kinds.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "resource.h"

const struct tb_kind *tb_kind_find(const char *name)
{
	for (const struct tb_kind *const *k = tb_kinds; *k; k++) {
		if (!strcasecmp(name, (*k)->kind) || !strcasecmp(name, (*k)->plural))
			return *k;
		for (const char *const *a = (*k)->aliases; a && *a; a++)
			if (!strcasecmp(name, *a))
				return *k;
	}
	return NULL;
}

const struct tb_kind *tb_kind_for(const char *api_version, const char *kind)
{
	for (const struct tb_kind *const *k = tb_kinds; *k; k++)
		if (!strcmp(kind, (*k)->kind) && !strcmp(api_version, (*k)->api_version))
			return *k;
	return NULL;
}

int tb_resource_prefix(const struct tb_kind *k, const char *ns, char **out)
{
	int n;

	if (ns && tb_kind_namespaced(k))
		n = asprintf(out, "%s%s/%s/", k->key_root, k->plural, ns);
	else
		n = asprintf(out, "%s%s/", k->key_root, k->plural);
	return n < 0 ? -ENOMEM : 0;
}

int tb_resource_key(const struct tb_kind *k, const char *ns, const char *name, char **out)
{
	int n;

	if (tb_kind_namespaced(k)) {
		if (!ns || !*ns)
			return -EINVAL;
		n = asprintf(out, "%s%s/%s/%s", k->key_root, k->plural, ns, name);
	} else {
		n = asprintf(out, "%s%s/%s", k->key_root, k->plural, name);
	}
	return n < 0 ? -ENOMEM : 0;
}

int tb_resource_parse_key(const char *key, const struct tb_kind **kp, char **ns, char **name)
{
	for (const struct tb_kind *const *k = tb_kinds; *k; k++) {
		size_t rl = strlen((*k)->key_root), pl = strlen((*k)->plural);
		const char *rest, *slash;

		if (strncmp(key, (*k)->key_root, rl) || strncmp(key + rl, (*k)->plural, pl) ||
		    key[rl + pl] != '/' || (*k)->flags & TB_KIND_READONLY)
			continue;
		rest = key + rl + pl + 1;
		slash = strchr(rest, '/');
		if (tb_kind_namespaced(*k) != !!slash || (slash && strchr(slash + 1, '/')))
			return -EINVAL;
		*ns = slash ? strndup(rest, slash - rest) : NULL;
		*name = strdup(slash ? slash + 1 : rest);
		if (!*name || (slash && !*ns)) {
			free(*ns);
			free(*name);
			return -ENOMEM;
		}
		*kp = *k;
		return 0;
	}
	return -ENOENT;
}

const char *tb_res_name(json_t *doc)
{
	return json_string_value(json_object_get(json_object_get(doc, "metadata"), "name"));
}

const char *tb_res_namespace(json_t *doc)
{
	return json_string_value(json_object_get(json_object_get(doc, "metadata"), "namespace"));
}

json_t *tb_res_labels(json_t *doc)
{
	return json_object_get(json_object_get(doc, "metadata"), "labels");
}
