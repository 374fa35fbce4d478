// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wep.h"

/* Appends s with every '-' doubled; false when it does not fit. */
static int append_escaped(char *buf, size_t len, size_t *pos, const char *s)
{
	for (; *s; s++) {
		size_t need = *s == '-' ? 2 : 1;

		if (*pos + need >= len)
			return -ENAMETOOLONG;
		buf[(*pos)++] = *s;
		if (*s == '-')
			buf[(*pos)++] = '-';
	}
	buf[*pos] = '\0';
	return 0;
}

int tb_wep_name(const struct tb_wep_id *id, char *buf, size_t len)
{
	const char *parts[] = {id->node, id->orchestrator, id->workload, id->endpoint};
	size_t pos = 0;

	if (!len)
		return -ENAMETOOLONG;
	buf[0] = '\0';
	for (size_t i = 0; i < 4; i++) {
		int r;

		if (!parts[i] || !*parts[i])
			return -EINVAL;
		if (i) {
			if (pos + 1 >= len)
				return -ENAMETOOLONG;
			buf[pos++] = '-';
		}
		r = append_escaped(buf, len, &pos, parts[i]);
		if (r)
			return r;
	}
	return 0;
}

int tb_wep_key(const struct tb_wep_id *id, char *buf, size_t len)
{
	char name[512];
	int r = tb_wep_name(id, name, sizeof(name));

	if (r)
		return r;
	r = snprintf(buf, len, TB_WEP_PREFIX "%s/%s", id->namespace ? id->namespace : "default",
		     name);
	return r < 0 || (size_t)r >= len ? -ENAMETOOLONG : 0;
}

int tb_wep_veth_name(const char *ns, const char *pod, const char *ifname, char *buf, size_t len)
{
	uint8_t md[20];
	char input[1024];
	int n;

	if (!pod || len < TB_IFNAMSIZ)
		return -EINVAL;
	if (ns)
		n = snprintf(input, sizeof(input), "%s.%s", ns, pod);
	else
		n = snprintf(input, sizeof(input), "%s", pod);
	if (n >= 0 && (size_t)n < sizeof(input) && ifname && strcmp(ifname, "eth0"))
		n += snprintf(input + n, sizeof(input) - (size_t)n, ".%s", ifname);
	if (n < 0 || (size_t)n >= sizeof(input))
		return -ENAMETOOLONG;
	tb_sha1(input, (size_t)n, md);
	snprintf(buf, len, TB_VETH_PREFIX "%02x%02x%02x%02x%02x%x", md[0], md[1], md[2], md[3],
		 md[4], md[5] >> 4);
	return 0;
}
