// SPDX-License-Identifier: Apache-2.0
/* IPAM without a datastore: address arithmetic and the block algorithm. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "ipam_addr.h"
#include "ipam_block.h"

struct cidr_case {
	const char *in;
	int ok;
	const char *canon;
	const char *key;
};

static const struct cidr_case cidr_cases[] = {
    {"10.0.0.0/26", 0, "10.0.0.0/26", "10.0.0.0-26"},
    {"10.0.0.77/26", 0, "10.0.0.64/26", "10.0.0.64-26"},
    {"10.1.2.3", 0, "10.1.2.3/32", "10.1.2.3-32"},
    {"fd00:1::5/122", 0, "fd00:1::/122", "fd00:1::-122"},
    {"10.0.0.0/33", -1, NULL, NULL},
    {"10.0.0.0/", -1, NULL, NULL},
    {"nonsense/8", -1, NULL, NULL},
    {"10.0.0.0/8x", -1, NULL, NULL},
};

Test(ipam_addr, parse_table)
{
	for (size_t i = 0; i < sizeof(cidr_cases) / sizeof(cidr_cases[0]); i++) {
		const struct cidr_case *c = &cidr_cases[i];
		char buf[TB_CIDR_STRLEN];
		struct tb_cidr x;
		int r = tb_cidr_parse(c->in, &x);

		if ((r == 0) != (c->ok == 0))
			goto fail;
		if (r)
			continue;
		tb_cidr_format(&x, buf, sizeof(buf));
		if (strcmp(buf, c->canon))
			goto fail;
		tb_cidr_format_key(&x, buf, sizeof(buf));
		if (strcmp(buf, c->key))
			goto fail;
		continue;
	fail:
		cr_assert_fail("case %zu (%s)", i, c->in);
	}
}

Test(ipam_addr, nth_ordinal_subnet)
{
	struct tb_cidr pool, blk;
	struct tb_ip ip;
	char buf[TB_CIDR_STRLEN];

	cr_assert_eq(tb_cidr_parse("10.0.0.0/16", &pool), 0);
	cr_assert_eq(tb_cidr_subnet_count(&pool, 26), 1024);
	cr_assert_eq(tb_cidr_subnet(&pool, 26, 5, &blk), 0);
	tb_cidr_format(&blk, buf, sizeof(buf));
	cr_assert_str_eq(buf, "10.0.1.64/26");
	cr_assert_eq(tb_cidr_subnet(&pool, 26, 1024, &blk), -ERANGE);
	tb_cidr_nth(&blk, 63, &ip);
	tb_ip_format(&ip, buf, sizeof(buf));
	cr_assert_str_eq(buf, "10.0.1.127");
	cr_assert_eq(tb_cidr_ordinal(&blk, &ip), 63);
	cr_assert(tb_cidr_covers(&pool, &blk));
	cr_assert(!tb_cidr_covers(&blk, &pool));

	cr_assert_eq(tb_cidr_parse("fd00::/112", &pool), 0);
	cr_assert_eq(tb_cidr_subnet(&pool, 122, 3, &blk), 0);
	tb_cidr_format(&blk, buf, sizeof(buf));
	cr_assert_str_eq(buf, "fd00::c0/122");
	tb_cidr_nth(&blk, 1, &ip);
	tb_ip_format(&ip, buf, sizeof(buf));
	cr_assert_str_eq(buf, "fd00::c1");
}

static bool skip_ordinal_2(const struct tb_ip *ip, void *ctx)
{
	return ip->a[3] == 2;
}

Test(ipam_block, assign_release_roundtrip)
{
	struct tb_ipam_block b, c;
	struct tb_cidr cidr;
	struct tb_ip got[4];
	char *text, *text2;
	json_t *sec = json_pack("{ss}", "node", "n1");

	cr_assert_eq(tb_cidr_parse("10.9.0.0/30", &cidr), 0);
	cr_assert_eq(tb_ipam_block_init(&b, &cidr, "host:n1"), 0);
	cr_assert(tb_ipam_block_affine_to(&b, "n1"));
	cr_assert(!tb_ipam_block_affine_to(&b, "n2"));
	/* ordinal 2 is reserved: four wanted, three given */
	cr_assert_eq(tb_ipam_block_assign(&b, 4, "net.a", sec, skip_ordinal_2, NULL, got), 3);
	cr_assert_eq(got[2].a[3], 3);
	cr_assert_eq(tb_ipam_block_used(&b), 3);
	cr_assert_eq(tb_ipam_block_count_handle(&b, "net.a"), 3);

	text = tb_ipam_block_to_json(&b);
	cr_assert_not_null(text);
	cr_assert_eq(tb_ipam_block_from_json(text, &c), 0);
	text2 = tb_ipam_block_to_json(&c);
	cr_assert_str_eq(text, text2);
	cr_assert_eq(tb_ipam_block_release_handle(&c, "net.a"), 3);
	cr_assert_eq(tb_ipam_block_used(&c), 0);
	cr_assert_eq(c.n_attrs, 0);
	cr_assert_eq(tb_ipam_block_assign_ip(&c, &got[1], "net.b", NULL), 0);
	cr_assert_eq(tb_ipam_block_assign_ip(&c, &got[1], "net.c", NULL), -EEXIST);
	cr_assert_str_eq(tb_ipam_block_handle_at(&c, 1), "net.b");
	free(text);
	free(text2);
	tb_ipam_block_free(&b);
	tb_ipam_block_free(&c);
	json_decref(sec);
}

struct bad_block {
	const char *name;
	const char *json;
};

static const struct bad_block bad_blocks[] = {
    {"not json", "{"},
    {"no cidr", "{\"allocations\":[],\"unallocated\":[]}"},
    {"short allocations", "{\"cidr\":\"10.0.0.0/31\",\"allocations\":[null],"
			  "\"unallocated\":[0]}"},
    {"dangling attribute", "{\"cidr\":\"10.0.0.0/31\",\"allocations\":[3,null],"
			   "\"unallocated\":[1],\"attributes\":[]}"},
    {"free list holds a used ordinal", "{\"cidr\":\"10.0.0.0/31\",\"allocations\":[0,null],"
				       "\"unallocated\":[0,1],\"attributes\":[{}]}"},
};

Test(ipam_block, refuses_corrupt)
{
	for (size_t i = 0; i < sizeof(bad_blocks) / sizeof(bad_blocks[0]); i++) {
		struct tb_ipam_block b;

		if (tb_ipam_block_from_json(bad_blocks[i].json, &b) == 0) {
			tb_ipam_block_free(&b);
			cr_assert_fail("accepted: %s", bad_blocks[i].name);
		}
	}
}

Test(ipam_block, release_ip_keeps_others)
{
	struct tb_ipam_block b;
	struct tb_cidr cidr;
	struct tb_ip got[2];
	char *h = NULL;

	cr_assert_eq(tb_cidr_parse("10.9.0.0/29", &cidr), 0);
	cr_assert_eq(tb_ipam_block_init(&b, &cidr, NULL), 0);
	cr_assert_eq(tb_ipam_block_assign(&b, 1, "h1", NULL, NULL, NULL, &got[0]), 1);
	cr_assert_eq(tb_ipam_block_assign(&b, 1, "h2", NULL, NULL, NULL, &got[1]), 1);
	cr_assert_eq(tb_ipam_block_release_ip(&b, &got[0], &h), 0);
	cr_assert_str_eq(h, "h1");
	cr_assert_eq(tb_ipam_block_release_ip(&b, &got[0], NULL), -ENOENT);
	cr_assert_str_eq(tb_ipam_block_handle_at(&b, 1), "h2");
	cr_assert_eq(b.n_attrs, 1);
	free(h);
	tb_ipam_block_free(&b);
}
