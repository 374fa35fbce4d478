// SPDX-License-Identifier: Apache-2.0
/*
 * JSON output, laid out as jansson's JSON_INDENT(2) does, but with reals in the same shortest
 * exact form as the YAML output: jansson prints 17 digits, so 0.1 would read 0.10000000000000001.
 */
#include <errno.h>
#include <stdlib.h>

#include "manifest.h"
#include "yaml_scalar.h"

static int put_indent(FILE *f, int depth)
{
	return fprintf(f, "\n%*s", depth * 2, "") < 0 ? -EIO : 0;
}

/* Strings, integers and literals as jansson writes them (its escaping is JSON's). */
static int put_scalar(FILE *f, json_t *v)
{
	char buf[64];
	int err;

	if (json_is_real(v)) {
		err = tb_yaml_format_real(json_real_value(v), buf, sizeof(buf));
		if (err)
			return err;
		return fputs(buf, f) < 0 ? -EIO : 0;
	}
	return json_dumpf(v, f, JSON_ENCODE_ANY) ? -EIO : 0;
}

static int put_value(FILE *f, json_t *v, int depth);

static int put_object(FILE *f, json_t *v, int depth)
{
	const char *sep = "";
	const char *k;
	json_t *c, *key;
	int err = 0;

	if (!json_object_size(v))
		return fputs("{}", f) < 0 ? -EIO : 0;
	if (fputc('{', f) == EOF)
		return -EIO;
	json_object_foreach(v, k, c) {
		if (fputs(sep, f) < 0)
			return -EIO;
		sep = ",";
		key = json_string(k);
		if (!key)
			return -ENOMEM;
		err = put_indent(f, depth + 1);
		if (!err)
			err = put_scalar(f, key);
		json_decref(key);
		if (!err && fputs(": ", f) < 0)
			err = -EIO;
		if (!err)
			err = put_value(f, c, depth + 1);
		if (err)
			return err;
	}
	err = put_indent(f, depth);
	return err ? err : (fputc('}', f) == EOF ? -EIO : 0);
}

static int put_array(FILE *f, json_t *v, int depth)
{
	json_t *c;
	size_t i;
	int err;

	if (!json_array_size(v))
		return fputs("[]", f) < 0 ? -EIO : 0;
	if (fputc('[', f) == EOF)
		return -EIO;
	json_array_foreach(v, i, c) {
		if (i && fputc(',', f) == EOF)
			return -EIO;
		err = put_indent(f, depth + 1);
		if (!err)
			err = put_value(f, c, depth + 1);
		if (err)
			return err;
	}
	err = put_indent(f, depth);
	return err ? err : (fputc(']', f) == EOF ? -EIO : 0);
}

static int put_value(FILE *f, json_t *v, int depth)
{
	if (json_is_object(v))
		return put_object(f, v, depth);
	if (json_is_array(v))
		return put_array(f, v, depth);
	return put_scalar(f, v);
}

int tb_json_dump(json_t *v, FILE *f)
{
	int err;

	if (!v || !f)
		return -EINVAL;
	err = put_value(f, v, 0);
	if (err)
		return err;
	return fputc('\n', f) == EOF ? -EIO : 0;
}
