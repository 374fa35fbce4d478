// SPDX-License-Identifier: Apache-2.0
/*
 * The classifier's control-plane costs at node scale: 1,000 endpoints sharing 100 policy lists
 * of 100 rules each (list l, rule i: allow TCP from 10.<l>.<i>.1/32 to port 1000 + i). Rows:
 *   classifier_scale_install_ms   compiling and installing the 100 lists in one batch (ms);
 *   classifier_scale_attach_us    pointing one endpoint at its list (one map update, us);
 *   classifier_scale_replace_ms   one list's policy changed: new tables installed aside and
 *                                 its 10 endpoints flipped (ms);
 *   classifier_scale_build_ms     compiling the 100 lists alone (table build time, ms);
 *   classifier_scale_update_us_per_entry
 *                                 every list changed at once (each rule's port moved, as when
 *                                 a set all lists use changes): tb_pol_maps_replace_many of
 *                                 the 100 new lists, over the map entries it writes (us);
 *   classifier_scale_memory_kib   kernel memory of the 100 table sets: the lines they hold
 *                                 in the shared array, plus their trie entries at
 *                                 key + value + 64 bytes each (KiB).
 */
#include <bpf/bpf.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../helpers/policy_bpf.h"

#define LISTS 100
#define RULES 100
#define ENDPOINTS 1000

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static struct tb_pol_compiled *compile_list(int l, int variant)
{
	struct tb_pol_compiled *c = NULL;
	struct tb_pol_sets sets;
	struct tb_diag diag;
	struct tb_ir *ir = tb_ir_new();
	int err = !ir || tb_ir_add_tier(ir, "default", TB_IR_DENY) || tb_ir_add_policy(ir, "p");

	tb_pol_sets_init(&sets);
	tb_diag_init(&diag);
	for (int i = 0; i < RULES && !err; i++) {
		struct tb_ir_cidr cidr = {
		    .family = 4, .len = 32, .addr = {10, (uint8_t)l, (uint8_t)i, 1}};
		struct tb_ir_rule r;

		tb_ir_rule_init(&r, TB_IR_ALLOW);
		r.protocol = 6;
		err = tb_ir_side_add_net(&r.src, 0, &cidr) ||
		      tb_ir_side_add_ports(&r.dst, 0, (uint16_t)(1000 + i + variant),
					   (uint16_t)(1000 + i + variant)) ||
		      tb_ir_add_rule(ir, 0, &r);
		tb_ir_rule_free(&r);
	}
	if (!err)
		tb_pol_compile(ir, &sets, &diag, &c);
	tb_ir_free(ir);
	tb_diag_free(&diag);
	return c;
}

/* The shared trie's entries, at key + value + 64 bytes of node each. */
static unsigned long trie_bytes(int fd)
{
	struct tb_pol_lkey k, next;
	unsigned long n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return n * (sizeof(struct tb_pol_lkey) + sizeof(uint32_t) + 64);
}

/* Bytes of the lines the live sets hold. */
static unsigned long set_lines_bytes(int hdr_fd)
{
	unsigned long sum = 0;

	for (uint32_t s = 0; s < TB_POL_MAX_SETS; s++) {
		struct tb_pol_hdr hdr;

		if (!bpf_map_lookup_elem(hdr_fd, &s, &hdr))
			sum += (unsigned long)hdr.n_lines * sizeof(struct tb_pol_line);
	}
	return sum;
}

/*
 * Map entries one set's install writes: its trie entries, its lines (rules, wildcards, class
 * diffs and records, the hash), one counter per bit, its header and its two outer-map slots.
 */
static size_t entries_written(const struct tb_pol_compiled *c)
{
	size_t trie = 0;

	for (size_t i = 0; i < c->n_entries; i++)
		trie += !tb_pol_entry_hashed(c, &c->entries[i]);
	return trie + c->n_bits / TB_POL_LINE_WORDS + c->nbits + 3;
}

/* Every list replaced in one batch; us per map entry written, or a negative value. */
static double update_all(struct tb_pbpf *p, const char *const *kp)
{
	struct tb_pol_compiled *cs[LISTS];
	size_t entries = 0;
	double t0, ms = -1;
	int l, n = 0;

	for (l = 0; l < LISTS; l++) {
		cs[l] = compile_list(l, 2);
		if (!cs[l])
			goto out;
		n++;
		entries += entries_written(cs[l]);
	}
	t0 = now_ms();
	if (tb_pol_maps_replace_many(p->maps, kp, (const struct tb_pol_compiled *const *)cs, LISTS))
		goto out;
	ms = now_ms() - t0;
	fprintf(stderr, "update: %zu entries written in %.1f ms\n", entries, ms);
out:
	for (l = 0; l < n; l++)
		tb_pol_compiled_free(cs[l]);
	return ms < 0 ? ms : ms * 1000 / (double)entries;
}

static void row(const char *name, double v, const char *unit, const char *target)
{
	printf("{\"name\":\"%s\",\"value\":%.2f,\"unit\":\"%s\",\"peer\":null,\"peer_value\":null,"
	       "\"ratio\":null,\"target\":%s%s%s}\n",
	       name, v, unit, target ? "\"" : "", target ? target : "null", target ? "\"" : "");
}

int main(void)
{
	uint32_t slots[LISTS];
	struct tb_pol_compiled *cs[LISTS];
	char keys[LISTS][16];
	const char *kp[LISTS];
	double t0, install_ms, attach_ms, replace_ms, build_ms, update_us;
	unsigned long mem;
	struct tb_pol_compiled *c;
	struct tb_pbpf p;
	char key[16];

	if (tb_pbpf_open(&p))
		return 1;
	t0 = now_ms();
	for (int l = 0; l < LISTS; l++) {
		snprintf(keys[l], sizeof(keys[l]), "list%d", l);
		kp[l] = keys[l];
		cs[l] = compile_list(l, 0);
		if (!cs[l])
			return 1;
	}
	build_ms = now_ms() - t0;
	/* one batch: the outer-map grace periods are paid once */
	if (tb_pol_maps_get_many(p.maps, kp, (const struct tb_pol_compiled *const *)cs, LISTS,
				 slots))
		return 1;
	for (int l = 0; l < LISTS; l++)
		tb_pol_compiled_free(cs[l]);
	install_ms = now_ms() - t0;
	t0 = now_ms();
	for (int e = 0; e < ENDPOINTS; e++) {
		uint32_t s;

		snprintf(key, sizeof(key), "list%d", e % LISTS);
		if (tb_pol_maps_get(p.maps, key, NULL, &s) ||
		    tb_pol_maps_attach(p.maps, (uint32_t)(1000 + e), 0, s))
			return 1;
	}
	attach_ms = now_ms() - t0;
	for (int l = 0; l < LISTS; l++)
		tb_pol_maps_put(p.maps, slots[l]); /* the install references */
	c = compile_list(7, 1);
	t0 = now_ms();
	if (!c || tb_pol_maps_replace(p.maps, "list7", c))
		return 1;
	replace_ms = now_ms() - t0;
	tb_pol_compiled_free(c);
	tb_pol_maps_gc(p.maps, 1);
	update_us = update_all(&p, kp);
	if (update_us < 0)
		return 1;
	tb_pol_maps_gc(p.maps, 1);
	mem = set_lines_bytes(p.fds.hdr) + trie_bytes(p.fds.lpm);
	row("classifier_scale_build_ms", build_ms, "ms", NULL);
	row("classifier_scale_install_ms", install_ms, "ms", NULL);
	row("classifier_scale_attach_us", attach_ms * 1000 / ENDPOINTS, "us", "<= 10");
	row("classifier_scale_replace_ms", replace_ms, "ms", NULL);
	row("classifier_scale_update_us_per_entry", update_us, "us", "<= 10");
	row("classifier_scale_memory_kib", (double)mem / 1024, "KiB", NULL);
	tb_pbpf_close(&p);
	return 0;
}
