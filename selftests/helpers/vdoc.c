// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resource.h"
#include "vdoc.h"

json_t *vdoc_json(const char *bq)
{
	char *s = strdup(bq);
	json_t *v;

	if (!s)
		return NULL;
	for (char *p = s; *p; p++)
		if (*p == '`')
			*p = '"';
	v = json_loads(s, JSON_DECODE_ANY, NULL);
	free(s);
	return v;
}

int vdoc_validate(const char *api, const char *kind, const char *name, const char *spec_bq,
		  json_t **doc_out, struct tb_diag *d)
{
	json_t *doc = json_pack("{s:s,s:s,s:{s:s}}", "apiVersion", api ? api : TB_API_CALICO,
				"kind", kind, "metadata", "name", name);
	int r;

	if (!doc)
		return -ENOMEM;
	if (spec_bq) {
		json_t *spec = vdoc_json(spec_bq);

		if (!spec) {
			json_decref(doc);
			return -EBADMSG;
		}
		json_object_set_new(doc, "spec", spec);
	}
	r = tb_resource_validate(doc, NULL, d);
	if (doc_out)
		*doc_out = doc;
	else
		json_decref(doc);
	return r;
}

bool vdoc_has_error(const struct tb_diag *d, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->msgs[i], needle))
			return true;
	return false;
}

const char *vdoc_errors(const struct tb_diag *d)
{
	static char buf[4096];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < d->n && len < sizeof(buf) - 1; i++) {
		size_t n = strlen(d->msgs[i]);

		if (len + n + 4 >= sizeof(buf))
			break;
		if (i) {
			memcpy(buf + len, " | ", 3);
			len += 3;
		}
		memcpy(buf + len, d->msgs[i], n + 1);
		len += n;
	}
	return buf;
}
