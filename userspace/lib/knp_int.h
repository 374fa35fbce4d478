/* SPDX-License-Identifier: Apache-2.0 */
/* Internals of the Kubernetes NetworkPolicy conversion shared by knp_*.c. */
#ifndef TABBY_KNP_INT_H
#define TABBY_KNP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "validators.h"

/* The ports of one protocol in one rule. */
struct knp_group {
	const char *protocol;	/* canonical name; "" when the rule has no ports at all */
	bool all;		/* every port of the protocol (a port entry without a port) */
	struct tb_port *ports;
	size_t n;
};

struct knp_groups {
	struct knp_group *v;
	size_t n;
	size_t alloc;		/* entries of v allocated (and holding a ports array) */
};

/* Groups a rule's "ports" list (NULL or empty: one group matching everything), in byte order
 * of the protocol names. Returns 0, -EINVAL with err set (the rule cannot be converted) or
 * -ENOMEM. Free with knp_groups_free in every case. */
int knp_groups_build(struct knp_groups *g, const json_t *ports, char *err, size_t errlen);
void knp_groups_free(struct knp_groups *g);
/* Calico's SimplifyPorts of one group as a JSON list; NULL when the group has no port list. */
json_t *knp_group_ports_json(const struct knp_group *grp);

#endif
