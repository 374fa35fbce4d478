// SPDX-License-Identifier: Apache-2.0
/* A key prefix modelled from a list and watch events (kv_model.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kv_model.h"

int kv_model_apply(struct tb_kv_list *m, const struct tb_ds_event *ev)
{
	size_t i;

	for (i = 0; i < m->n && strcmp(m->items[i].key, ev->kv.key); i++)
		;
	if (ev->type == TB_DS_EV_DELETE) {
		if (i == m->n)
			return -ENOENT;
		tb_kv_free(&m->items[i]);
		m->items[i] = m->items[--m->n];
		return 0;
	}
	if (i == m->n) {
		struct tb_kv *items = realloc(m->items, (m->n + 1) * sizeof(*items));

		if (!items)
			return -ENOMEM;
		m->items = items;
		m->items[m->n++] = (struct tb_kv){ 0 };
	}
	tb_kv_free(&m->items[i]);
	m->items[i].key = strdup(ev->kv.key);
	m->items[i].value = strdup(ev->kv.value);
	m->items[i].mod_revision = ev->kv.mod_revision;
	return m->items[i].key && m->items[i].value ? 0 : -ENOMEM;
}

bool kv_model_equals(const struct tb_kv_list *m, const struct tb_kv_list *truth)
{
	if (m->n != truth->n)
		return false;
	for (size_t i = 0; i < truth->n; i++) {
		bool found = false;

		for (size_t j = 0; j < m->n && !found; j++)
			found = !strcmp(m->items[j].key, truth->items[i].key) &&
				!strcmp(m->items[j].value, truth->items[i].value) &&
				m->items[j].mod_revision == truth->items[i].mod_revision;
		if (!found)
			return false;
	}
	return true;
}
