/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Settings from FelixConfiguration: `default`, overridden field by field by `node.<name>`.
 * The environment wins over both (TABBY_LOG_LEVEL over logSeverityScreen).
 */
#ifndef TABBYD_FELIX_SETTINGS_H
#define TABBYD_FELIX_SETTINGS_H

#include <jansson.h>

struct agent;

void agent_felix_update(struct agent *a, const char *key, json_t *doc);
void agent_felix_remove(struct agent *a, const char *key);

#endif
