// SPDX-License-Identifier: Apache-2.0
/*
 * JSON tree -> YAML, through libyaml's emitter, in the block style kubectl and calicoctl print:
 * 2-space indentation, sequences inside mappings not indented ("- key: value"), no line
 * folding, UTF-8 as is. A string is written plain only when it reads back as that same string
 * (yaml_scalar.c decides the typing part, libyaml the syntax part), so load(dump(x)) == x.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "manifest.h"
#include "yaml_scalar.h"

/* libyaml frees the event's contents whether or not emitting succeeds. */
static int emit(yaml_emitter_t *e, yaml_event_t *ev)
{
	return yaml_emitter_emit(e, ev) ? 0 : (e->error == YAML_MEMORY_ERROR ? -ENOMEM : -EIO);
}

static int emit_string(yaml_emitter_t *e, const char *s, size_t len)
{
	yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
	yaml_event_t ev;

	if (tb_yaml_str_needs_quotes(s, len))
		/* Double quotes, as go-yaml and kubectl quote "true" or "123". */
		style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	else if (memchr(s, '\n', len))
		/* Literal block where libyaml allows it; it falls back to quotes where not. */
		style = YAML_LITERAL_SCALAR_STYLE;
	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)len,
					  style == YAML_ANY_SCALAR_STYLE, 1, style))
		return -ENOMEM;
	return emit(e, &ev);
}

static int emit_plain(yaml_emitter_t *e, const char *s)
{
	yaml_event_t ev;

	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 0,
					  YAML_PLAIN_SCALAR_STYLE))
		return -ENOMEM;
	return emit(e, &ev);
}

static int emit_node(yaml_emitter_t *e, json_t *v);

static int emit_mapping(yaml_emitter_t *e, json_t *v)
{
	yaml_event_t ev;
	const char *k;
	json_t *c;
	int err;

	if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE))
		return -ENOMEM;
	err = emit(e, &ev);
	json_object_foreach(v, k, c) {
		if (err)
			return err;
		err = emit_string(e, k, strlen(k));
		if (!err)
			err = emit_node(e, c);
	}
	if (err)
		return err;
	if (!yaml_mapping_end_event_initialize(&ev))
		return -ENOMEM;
	return emit(e, &ev);
}

static int emit_sequence(yaml_emitter_t *e, json_t *v)
{
	yaml_event_t ev;
	json_t *c;
	size_t i;
	int err;

	if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE))
		return -ENOMEM;
	err = emit(e, &ev);
	json_array_foreach(v, i, c) {
		if (err)
			return err;
		err = emit_node(e, c);
	}
	if (err)
		return err;
	if (!yaml_sequence_end_event_initialize(&ev))
		return -ENOMEM;
	return emit(e, &ev);
}

static int emit_node(yaml_emitter_t *e, json_t *v)
{
	char buf[64];
	int err;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return emit_mapping(e, v);
	case JSON_ARRAY:
		return emit_sequence(e, v);
	case JSON_STRING:
		return emit_string(e, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return emit_plain(e, buf);
	case JSON_REAL:
		err = tb_yaml_format_real(json_real_value(v), buf, sizeof(buf));
		return err ? err : emit_plain(e, buf);
	case JSON_TRUE:
		return emit_plain(e, "true");
	case JSON_FALSE:
		return emit_plain(e, "false");
	case JSON_NULL:
		return emit_plain(e, "null");
	}
	return -EINVAL;
}

static int emit_document(yaml_emitter_t *e, json_t *v)
{
	yaml_event_t ev;
	int err;

	if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING))
		return -ENOMEM;
	err = emit(e, &ev);
	if (!err && !yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1))
		err = -ENOMEM;
	if (!err)
		err = emit(e, &ev);
	if (!err)
		err = emit_node(e, v);
	if (!err && !yaml_document_end_event_initialize(&ev, 1))
		err = -ENOMEM;
	if (!err)
		err = emit(e, &ev);
	if (!err && !yaml_stream_end_event_initialize(&ev))
		err = -ENOMEM;
	if (!err)
		err = emit(e, &ev);
	if (!err && !yaml_emitter_flush(e))
		err = -EIO;
	return err;
}

int tb_yaml_dump(json_t *v, FILE *f)
{
	yaml_emitter_t e;
	int err;

	if (!v || !f)
		return -EINVAL;
	if (!yaml_emitter_initialize(&e))
		return -ENOMEM;
	yaml_emitter_set_output_file(&e, f);
	yaml_emitter_set_indent(&e, 2);
	/* No folding of long selectors; no \u escapes of non-ASCII text. */
	yaml_emitter_set_width(&e, -1);
	yaml_emitter_set_unicode(&e, 1);
	err = emit_document(&e, v);
	yaml_emitter_delete(&e);
	return err;
}

char *tb_yaml_dumps(json_t *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	err = tb_yaml_dump(v, f);
	if (fclose(f) && !err)
		err = -EIO;
	if (err) {
		free(buf);
		errno = -err;
		return NULL;
	}
	return buf;
}
