// SPDX-License-Identifier: Apache-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "ct_gc_thread.h"
#include "felix_settings.h"
#include "resource.h"
#include "validators.h"

#define FELIX_KEY TB_KEY_CALICO "felixconfigurations/"

static json_t *felix_default, *felix_node;

/* Which of the two documents a key is, or NULL. */
static json_t **slot_for(struct agent *a, const char *key)
{
	char node_name[300];

	if (strncmp(key, FELIX_KEY, strlen(FELIX_KEY)))
		return NULL;
	key += strlen(FELIX_KEY);
	if (!strcmp(key, "default"))
		return &felix_default;
	snprintf(node_name, sizeof(node_name), "node.%s", a->cfg.node);
	return strcmp(key, node_name) ? NULL : &felix_node;
}

static json_t *setting(const char *name)
{
	json_t *v = json_object_get(json_object_get(felix_node, "spec"), name);

	return v ? v : json_object_get(json_object_get(felix_default, "spec"), name);
}

static void apply(struct agent *a)
{
	const char *screen = json_string_value(setting("logSeverityScreen"));
	const char *file = json_string_value(setting("logSeverityFile"));
	const char *sys = json_string_value(setting("logSeveritySys"));
	json_t *timeouts = setting("bpfConntrackTimeouts");
	enum tb_log_level l;
	const char *name;
	json_t *v;

	/* The environment, where set, wins over the datastore. */
	if (screen && !getenv("TABBY_LOG_LEVEL") && !tb_log_level_parse(screen, &l))
		tb_log_set_level(l);
	if (file && !tb_log_level_parse(file, &l))
		tb_log_set_file_level(l);
	if (sys && !getenv("TABBY_LOG_SYSLOG_LEVEL") && !tb_log_level_parse(sys, &l))
		tb_log_set_syslog(l);
	tb_ct_timeouts_default(&a->ct_timeouts);
	json_object_foreach(timeouts, name, v) {
		int64_t ns;

		if (json_is_string(v) && !tb_parse_duration(json_string_value(v), &ns) && ns > 0)
			tb_ct_timeout_set(&a->ct_timeouts, name, ns);
		else
			tb_warn("FelixConfiguration bpfConntrackTimeouts.%s: not a duration", name);
	}
	ct_gc_thread_set_timeouts(a->ct_gc, &a->ct_timeouts);
}

void agent_felix_update(struct agent *a, const char *key, json_t *doc)
{
	json_t **slot = slot_for(a, key);

	if (!slot)
		return;
	json_decref(*slot);
	*slot = json_incref(doc);
	apply(a);
}

void agent_felix_remove(struct agent *a, const char *key)
{
	json_t **slot = slot_for(a, key);

	if (!slot)
		return;
	json_decref(*slot);
	*slot = NULL;
	apply(a);
}
