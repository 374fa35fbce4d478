// SPDX-License-Identifier: Apache-2.0
/*
 * YAML stream -> JSON trees, through libyaml's event API. A stack of open containers takes
 * each finished node; anchors are recorded when their node ends, so an alias can never point
 * into a node still being built (no cycles). Aliases are deep copies, and the nodes they add
 * are counted against TB_YAML_MAX_ALIAS_NODES so that a "billion laughs" input fails fast.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "manifest.h"
#include "yaml_scalar.h"

struct frame {
	json_t *node;
	char *anchor;
	char *key;	   /* the key waiting for its value, NULL when a key is expected */
	bool merge;	   /* the pending key is the merge key "<<" */
	json_t *merges;	   /* mappings merged in with "<<", applied at the end */
	yaml_mark_t start; /* where the node starts, for messages about it as a key */
};

struct loader {
	yaml_parser_t parser;
	const char *buf;
	size_t len;
	const char *name;
	struct tb_diag *diag;
	struct frame stack[TB_YAML_MAX_DEPTH];
	int depth;
	json_t *anchors; /* name -> [node, nodes in it, its depth]; a hash, as inputs may be big */
	size_t alias_nodes;
	size_t alias_budget;
	json_t *root;
	bool have_root;
};

static int fail_at(struct loader *l, yaml_mark_t m, const char *what, const char *arg)
{
	tb_diag_add(l->diag, "%s: line %zu column %zu: %s%s%s", l->name, m.line + 1, m.column + 1,
		    what, arg ? " " : "", arg ? arg : "");
	return -EINVAL;
}

static void count_nodes(const json_t *v, int depth, size_t *nodes, int *max_depth)
{
	const char *k;
	json_t *c;
	size_t i;

	(*nodes)++;
	if (depth > *max_depth)
		*max_depth = depth;
	if (json_is_object(v))
		json_object_foreach((json_t *)v, k, c)
			count_nodes(c, depth + 1, nodes, max_depth);
	else if (json_is_array(v))
		json_array_foreach(v, i, c)
			count_nodes(c, depth + 1, nodes, max_depth);
}

/* A later anchor of the same name replaces the earlier one. */
static int anchor_add(struct loader *l, const char *name, json_t *v)
{
	size_t nodes = 0;
	int depth = 0;
	json_t *rec;

	count_nodes(v, 1, &nodes, &depth);
	rec = json_pack("[OIi]", v, (json_int_t)nodes, depth);
	if (!rec)
		return -ENOMEM;
	return json_object_set_new(l->anchors, name, rec) ? -ENOMEM : 0;
}

static int set_key(struct loader *l, struct frame *f, json_t *v, bool merge, yaml_mark_t m)
{
	char *key;

	if (json_is_object(v) || json_is_array(v))
		return fail_at(l, m, "mapping keys must be scalars", NULL);
	key = tb_yaml_key_string(v);
	if (!key)
		return -ENOMEM;
	if (json_is_string(v) && strlen(key) != json_string_length(v)) {
		free(key);
		return fail_at(l, m, "mapping key contains a NUL character", NULL);
	}
	if (!merge && json_object_get(f->node, key)) {
		fail_at(l, m, "duplicate mapping key", key);
		free(key);
		return -EINVAL;
	}
	f->key = key;
	f->merge = merge;
	return 0;
}

static int add_merge(struct loader *l, struct frame *f, json_t *v, yaml_mark_t m)
{
	json_t *c;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, c)
			if (!json_is_object(c))
				return fail_at(l, m, "merge key \"<<\" takes mappings", NULL);
	} else if (!json_is_object(v)) {
		return fail_at(l, m, "merge key \"<<\" takes mappings", NULL);
	}
	if (!f->merges && !(f->merges = json_array()))
		return -ENOMEM;
	return json_array_append(f->merges, v) ? -ENOMEM : 0;
}

/* Takes the reference to v. */
static int add_value(struct loader *l, json_t *v, bool merge_key, yaml_mark_t m)
{
	struct frame *f;
	int err;

	if (!l->depth) {
		l->root = v;
		l->have_root = true;
		return 0;
	}
	f = &l->stack[l->depth - 1];
	if (json_is_array(f->node))
		return json_array_append_new(f->node, v) ? -ENOMEM : 0;
	if (!f->key) {
		err = set_key(l, f, v, merge_key, m);
		json_decref(v);
		return err;
	}
	if (f->merge) {
		err = add_merge(l, f, v, m);
		json_decref(v);
	} else {
		/* The _new setters drop the reference on failure too. */
		err = json_object_set_new(f->node, f->key, v) ? -ENOMEM : 0;
	}
	free(f->key);
	f->key = NULL;
	f->merge = false;
	return err;
}

/* Keys written in the mapping win over merged ones; earlier merge sources over later ones. */
static int apply_merges(struct frame *f)
{
	json_t *src, *c;
	const char *k;
	size_t i;

	json_array_foreach(f->merges, i, src) {
		json_t *list = json_is_array(src) ? src : NULL;
		size_t n = list ? json_array_size(list) : 1;

		for (size_t j = 0; j < n; j++) {
			json_t *o = list ? json_array_get(list, j) : src;

			json_object_foreach(o, k, c)
				if (!json_object_get(f->node, k) &&
				    json_object_set_new(f->node, k, json_deep_copy(c)))
					return -ENOMEM;
		}
	}
	return 0;
}

static void frame_free(struct frame *f)
{
	json_decref(f->node);
	json_decref(f->merges);
	free(f->anchor);
	free(f->key);
	memset(f, 0, sizeof(*f));
}

static int on_scalar(struct loader *l, yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	const char *tag = (const char *)ev->data.scalar.tag;
	bool bad = false;
	json_t *v;
	int err;

	if (tag)
		v = tb_yaml_resolve_tagged(tag, s, len, plain, &bad);
	else if (plain)
		v = tb_yaml_resolve_plain(s, len);
	else
		v = json_stringn(s, len);
	if (!v)
		return fail_at(l, ev->start_mark, bad ? "value does not fit its tag" : "bad scalar",
			       bad ? tag : NULL);
	if (ev->data.scalar.anchor)
		err = anchor_add(l, (const char *)ev->data.scalar.anchor, v);
	else
		err = 0;
	if (err) {
		json_decref(v);
		return err;
	}
	return add_value(l, v, plain && !tag && len == 2 && !memcmp(s, "<<", 2), ev->start_mark);
}

static int on_alias(struct loader *l, yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	json_t *a = json_object_get(l->anchors, name), *v;

	if (!a)
		return fail_at(l, ev->start_mark, "unknown anchor", name);
	if (l->depth + json_integer_value(json_array_get(a, 2)) > TB_YAML_MAX_DEPTH)
		return fail_at(l, ev->start_mark, "alias nests too deep", NULL);
	l->alias_nodes += (size_t)json_integer_value(json_array_get(a, 1));
	if (l->alias_nodes > l->alias_budget)
		return fail_at(l, ev->start_mark, "aliases expand to too many nodes", NULL);
	v = json_deep_copy(json_array_get(a, 0));
	if (!v)
		return -ENOMEM;
	return add_value(l, v, false, ev->start_mark);
}

static int on_start(struct loader *l, yaml_event_t *ev, bool map)
{
	yaml_char_t *anchor = map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
	struct frame *f;

	if (l->depth == TB_YAML_MAX_DEPTH)
		return fail_at(l, ev->start_mark, "nesting too deep", NULL);
	f = &l->stack[l->depth];
	memset(f, 0, sizeof(*f));
	f->start = ev->start_mark;
	f->node = map ? json_object() : json_array();
	if (!f->node)
		return -ENOMEM;
	if (anchor && !(f->anchor = strdup((char *)anchor))) {
		json_decref(f->node);
		f->node = NULL;
		return -ENOMEM;
	}
	l->depth++;
	return 0;
}

static int on_end(struct loader *l, yaml_event_t *ev)
{
	struct frame *f = &l->stack[l->depth - 1];
	yaml_mark_t start = f->start;
	json_t *v;
	int err = 0;

	if (f->merges)
		err = apply_merges(f);
	if (!err && f->anchor)
		err = anchor_add(l, f->anchor, f->node);
	v = json_incref(f->node);
	frame_free(f);
	l->depth--;
	if (err) {
		json_decref(v);
		return err;
	}
	return add_value(l, v, false, start);
}

static int on_document_end(struct loader *l, json_t *docs)
{
	json_t *root = l->have_root ? l->root : json_null();

	l->root = NULL;
	l->have_root = false;
	json_object_clear(l->anchors);
	return json_array_append_new(docs, root) ? -ENOMEM : 0;
}

static int parser_error(struct loader *l)
{
	yaml_parser_t *p = &l->parser;
	yaml_mark_t m = p->problem_mark;
	char what[256];

	if (p->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	if (p->error == YAML_READER_ERROR) {
		/* The reader reports a byte offset only: count lines up to it. */
		memset(&m, 0, sizeof(m));
		for (size_t i = 0; i < p->problem_offset && i < l->len; i++) {
			m.column++;
			if (l->buf[i] == '\n') {
				m.line++;
				m.column = 0;
			}
		}
	}
	snprintf(what, sizeof(what), "%s%s%s%s", p->problem ? p->problem : "syntax error",
		 p->context ? " (" : "", p->context ? p->context : "", p->context ? ")" : "");
	return fail_at(l, m, what, NULL);
}

static int dispatch(struct loader *l, yaml_event_t *ev, json_t *docs)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return on_scalar(l, ev);
	case YAML_ALIAS_EVENT:
		return on_alias(l, ev);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(l, ev, false);
	case YAML_MAPPING_START_EVENT:
		return on_start(l, ev, true);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_end(l, ev);
	case YAML_DOCUMENT_END_EVENT:
		return on_document_end(l, docs);
	default:
		return 0;
	}
}

int tb_yaml_load(const char *buf, size_t len, const char *name, json_t **docs, struct tb_diag *diag)
{
	/* Linear in the input: legitimate reuse passes, exponential expansion does not. */
	struct loader l = {.buf = buf,
			   .len = len,
			   .name = name,
			   .diag = diag,
			   .alias_budget = TB_YAML_MAX_ALIAS_NODES + 4 * len};
	yaml_event_t ev;
	bool done = false;
	int err = 0;

	*docs = json_array();
	l.anchors = json_object();
	if (!*docs || !l.anchors) {
		err = -ENOMEM;
		goto out;
	}
	if (!yaml_parser_initialize(&l.parser)) {
		err = -ENOMEM;
		goto out;
	}
	yaml_parser_set_input_string(&l.parser, (const unsigned char *)buf, len);
	while (!err && !done) {
		if (!yaml_parser_parse(&l.parser, &ev)) {
			err = parser_error(&l);
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		err = dispatch(&l, &ev, *docs);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&l.parser);
out:
	while (l.depth)
		frame_free(&l.stack[--l.depth]);
	json_decref(l.root);
	json_decref(l.anchors);
	if (err) {
		json_decref(*docs);
		*docs = NULL;
	}
	return err;
}
