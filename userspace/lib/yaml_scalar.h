/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML scalar resolution, shared by the loader (text -> typed JSON value) and the emitter
 * (which must quote every string that a reader would type as something else).
 *
 * Choices (documented in docs/manifests.md):
 * - Plain scalars follow the YAML 1.2 core schema as Kubernetes reads manifests: null/Null/
 *   NULL/~/empty are null; true/false (also True/TRUE/False/FALSE) are booleans; the YAML 1.1
 *   words yes/no/on/off/y/n stay strings.
 * - Integers: [-+]?(0|[1-9][0-9]*), 0x<hex>, 0o<octal>. A decimal integer outside int64 becomes
 *   a real (as JSON readers in Go and JavaScript do). Numbers with leading zeros ("0755") stay
 *   strings: YAML 1.1 reads them as octal and 1.2 as decimal, so neither guess is safe.
 * - Floats: [-+]?(.[0-9]+|[0-9]+(.[0-9]*)?)([eE][-+]?[0-9]+)?. .inf and .nan stay strings:
 *   JSON (and jansson) cannot hold them, and validation then names the field.
 * - The emitter quotes, besides those, everything a YAML 1.1 reader (calicoctl's go-yaml v2)
 *   would type: yes/no/on/off, 1_000, 1:20, 0b101, 0755, dates.
 */
#ifndef TABBY_YAML_SCALAR_H
#define TABBY_YAML_SCALAR_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

/* Types a plain (unquoted, untagged) scalar. Returns a new reference, NULL on out of memory. */
json_t *tb_yaml_resolve_plain(const char *s, size_t len);
/*
 * Types a scalar carrying an explicit tag (libyaml's long form, e.g. "tag:yaml.org,2002:int").
 * Unknown tags resolve as the untagged scalar would. Returns NULL with *bad set when the text
 * does not fit the tag, NULL with *bad clear on out of memory.
 */
json_t *tb_yaml_resolve_tagged(const char *tag, const char *s, size_t len, bool plain, bool *bad);
/* True when the string, written plain, would read back as anything but that same string. */
bool tb_yaml_str_needs_quotes(const char *s, size_t len);
/* Shortest text that reads back as the same double, always with '.' or 'e' ("1.0", "1e+20"). */
int tb_yaml_format_real(double d, char *buf, size_t len);
/* The string form a scalar mapping key takes ("80", "true", "null"). NULL on out of memory. */
char *tb_yaml_key_string(const json_t *v);

#endif
