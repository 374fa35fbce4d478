// SPDX-License-Identifier: Apache-2.0
/*
 * Runner for datapath step sequences (see ct_seq.h).
 */
#include "ct_seq.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tabby/frag.h"

/* Endpoint of BPF_PROG_TEST_RUN packets: the loopback device. */
#define TB_TEST_IFINDEX 1

static int age_ct(struct tb_fixture *f, const struct tb_pkt_spec *spec, uint32_t age_s)
{
	uint64_t delta = (uint64_t)age_s * TB_NSEC_PER_SEC;
	struct tb_ct_value val;
	struct tb_ct_key key;
	int err;

	err = tb_fixture_ct_get(f, spec, TB_TEST_IFINDEX, &key, &val);
	if (err)
		return err;
	val.last_seen_ns -= delta;
	val.created_ns -= delta;
	return tb_ct_table_put(&f->ct, &key, &val);
}

static int age_frag(struct tb_fixture *f, const struct tb_pkt_spec *spec, uint32_t age_s)
{
	struct tb_frag_value val;
	struct tb_frag_key key = { 0 };
	struct tb_flow flow;
	int err;

	err = tb_pkt_spec_flow(spec, &flow);
	if (err)
		return err;
	memcpy(key.saddr, flow.saddr, 16);
	memcpy(key.daddr, flow.daddr, 16);
	key.id = spec->frag_id;
	key.ifindex = TB_TEST_IFINDEX;
	key.family = flow.family;
	key.proto = flow.proto;
	if (bpf_map_lookup_elem(f->frag_fd, &key, &val))
		return -errno;
	val.seen_ns -= (uint64_t)age_s * TB_NSEC_PER_SEC;
	return bpf_map_update_elem(f->frag_fd, &key, &val, BPF_EXIST) ? -errno : 0;
}

static int run_step(struct tb_fixture *f, const struct tb_step *s, char *why, size_t len)
{
	struct tb_ct_value val;
	struct tb_ct_key key;
	int err;

	switch (s->kind) {
	case TB_STEP_DENY:
		err = tb_fixture_deny(f, s->proto, s->dir, s->dport, TB_DROP_POLICY_DENY);
		break;
	case TB_STEP_UNDENY:
		err = tb_fixture_undeny(f, s->proto, s->dir, s->dport);
		break;
	case TB_STEP_AGE:
		err = age_ct(f, &s->spec, s->age_s);
		break;
	case TB_STEP_AGE_FRAG:
		err = age_frag(f, &s->spec, s->age_s);
		break;
	default:
		if (tb_fixture_check(f, s->hook, &s->spec, s->exp, why, len))
			return -1;
		if (!s->ct_state)
			return 0;
		if (tb_fixture_ct_get(f, &s->spec, TB_TEST_IFINDEX, &key, &val)) {
			snprintf(why, len, "no conntrack entry");
			return -1;
		}
		if (val.state != s->ct_state) {
			snprintf(why, len, "conntrack state %u, want %u", val.state, s->ct_state);
			return -1;
		}
		return 0;
	}
	if (err)
		snprintf(why, len, "setup step failed: %s", strerror(-err));
	return err ? -1 : 0;
}

int tb_run_sequences(const struct tb_sequence *seqs, size_t n)
{
	struct tb_fixture f;
	int fails = 0;

	/* One load for all: loading the object costs far more than a sequence. */
	if (tb_fixture_open(&f, 0)) {
		fprintf(stderr, "datapath did not load\n");
		return (int)n;
	}
	for (size_t i = 0; i < n; i++) {
		char why[200];

		if (tb_fixture_reset(&f)) {
			fprintf(stderr, "%s: cannot empty the maps\n", seqs[i].name);
			fails++;
			continue;
		}
		for (int j = 0; j < TB_SEQ_MAX_STEPS && seqs[i].steps[j].kind; j++) {
			const struct tb_step *s = &seqs[i].steps[j];

			if (run_step(&f, s, why, sizeof(why))) {
				fprintf(stderr, "%s: step %d (%s): %s\n", seqs[i].name, j + 1,
					s->name ? s->name : "-", why);
				fails++;
			}
		}
	}
	tb_fixture_close(&f);
	return fails;
}
