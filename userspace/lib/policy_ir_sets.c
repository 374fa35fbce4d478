// SPDX-License-Identifier: Apache-2.0
/* IP sets and IP+port sets referenced by policy rules, with member-by-member updates. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy_ir.h"

void tb_pol_sets_init(struct tb_pol_sets *s)
{
	memset(s, 0, sizeof(*s));
}

void tb_pol_sets_free(struct tb_pol_sets *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->sets[i].cidrs);
		free(s->sets[i].port_members);
	}
	free(s->sets);
	memset(s, 0, sizeof(*s));
}

struct tb_ir_set *tb_pol_sets_get(const struct tb_pol_sets *s, uint32_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->sets[i].id == id)
			return &s->sets[i];
	return NULL;
}

int tb_pol_sets_ensure(struct tb_pol_sets *s, uint32_t id, int is_port_set)
{
	struct tb_ir_set *set = tb_pol_sets_get(s, id);

	if (!id)
		return -EINVAL;
	if (set)
		return set->is_port_set == !!is_port_set ? 0 : -EINVAL;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct tb_ir_set *p = realloc(s->sets, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->sets = p;
		s->cap = cap;
	}
	set = &s->sets[s->n++];
	memset(set, 0, sizeof(*set));
	set->id = id;
	set->is_port_set = !!is_port_set;
	return 0;
}

static int cidr_eq(const struct tb_ir_cidr *a, const struct tb_ir_cidr *b)
{
	return a->family == b->family && a->len == b->len &&
	       !memcmp(a->addr, b->addr, a->family == 4 ? 4 : 16);
}

int tb_pol_sets_add_cidr(struct tb_pol_sets *s, uint32_t id, const struct tb_ir_cidr *c)
{
	struct tb_ir_set *set;
	struct tb_ir_cidr *p;
	int err = tb_pol_sets_ensure(s, id, 0);

	if (err)
		return err;
	set = tb_pol_sets_get(s, id);
	for (size_t i = 0; i < set->n_cidrs; i++)
		if (cidr_eq(&set->cidrs[i], c))
			return 0;
	p = realloc(set->cidrs, (set->n_cidrs + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	set->cidrs = p;
	set->cidrs[set->n_cidrs++] = *c;
	return 0;
}

int tb_pol_sets_del_cidr(struct tb_pol_sets *s, uint32_t id, const struct tb_ir_cidr *c)
{
	struct tb_ir_set *set = tb_pol_sets_get(s, id);

	if (!set || set->is_port_set)
		return -ENOENT;
	for (size_t i = 0; i < set->n_cidrs; i++) {
		if (cidr_eq(&set->cidrs[i], c)) {
			set->cidrs[i] = set->cidrs[--set->n_cidrs];
			return 0;
		}
	}
	return -ENOENT;
}

static int member_eq(const struct tb_ir_port_member *a, const struct tb_ir_port_member *b)
{
	return a->proto == b->proto && a->port == b->port && cidr_eq(&a->addr, &b->addr);
}

int tb_pol_sets_add_port(struct tb_pol_sets *s, uint32_t id, const struct tb_ir_port_member *m)
{
	struct tb_ir_set *set;
	struct tb_ir_port_member *p;
	int err = tb_pol_sets_ensure(s, id, 1);

	if (err)
		return err;
	set = tb_pol_sets_get(s, id);
	for (size_t i = 0; i < set->n_port_members; i++)
		if (member_eq(&set->port_members[i], m))
			return 0;
	p = realloc(set->port_members, (set->n_port_members + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	set->port_members = p;
	set->port_members[set->n_port_members++] = *m;
	return 0;
}

int tb_pol_sets_del_port(struct tb_pol_sets *s, uint32_t id, const struct tb_ir_port_member *m)
{
	struct tb_ir_set *set = tb_pol_sets_get(s, id);

	if (!set || !set->is_port_set)
		return -ENOENT;
	for (size_t i = 0; i < set->n_port_members; i++) {
		if (member_eq(&set->port_members[i], m)) {
			set->port_members[i] = set->port_members[--set->n_port_members];
			return 0;
		}
	}
	return -ENOENT;
}

int tb_ir_cidr_parse(const char *s, struct tb_ir_cidr *out)
{
	char buf[64], *slash, *end;
	long len;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	memset(out, 0, sizeof(*out));
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	if (inet_pton(AF_INET, buf, out->addr) == 1)
		out->family = 4;
	else if (inet_pton(AF_INET6, buf, out->addr) == 1)
		out->family = 6;
	else
		return -EINVAL;
	len = out->family == 4 ? 32 : 128;
	if (slash) {
		long max = len;

		errno = 0;
		len = strtol(slash + 1, &end, 10);
		if (errno || *end || end == slash + 1 || len < 0 || len > max)
			return -EINVAL;
	}
	out->len = (uint8_t)len;
	return 0;
}

int tb_ir_cidr_contains(const struct tb_ir_cidr *c, int family, const uint8_t *addr)
{
	unsigned full = c->len / 8, rest = c->len % 8;

	if (c->family != family)
		return 0;
	if (memcmp(c->addr, addr, full))
		return 0;
	if (rest && ((c->addr[full] ^ addr[full]) & (0xff00 >> rest) & 0xff))
		return 0;
	return 1;
}
