// SPDX-License-Identifier: Apache-2.0
/*
 * Datapath test fixture (see dp_fixture.h).
 */
#include "dp_fixture.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bpf_run.h"
#include "conntrack_gc.h"
#include "tabby/frag.h"
#include "workload.skel.h"

int tb_fixture_open(struct tb_fixture *f, uint32_t ct_entries)
{
	return tb_fixture_open_flags(f, ct_entries, TB_CFG_F_TEST_POLICY);
}

int tb_fixture_open_flags(struct tb_fixture *f, uint32_t ct_entries, uint32_t flags)
{
	struct tb_dp_config cfg = { .ct = TB_CT_DEFAULT_TIMEOUTS, .flags = flags };
	struct tb_dp_opts opts = { .ct_entries = ct_entries ? ct_entries : 4096,
				   .frag_entries = 256, .cfg = &cfg };
	int err;

	memset(f, 0, sizeof(*f));
	err = tb_dp_load(&opts, &f->dp);
	if (err)
		return err;
	f->prog[TB_HOOK_INGRESS] = tb_dp_prog_fd(f->dp, TB_HOOK_INGRESS);
	f->prog[TB_HOOK_EGRESS] = tb_dp_prog_fd(f->dp, TB_HOOK_EGRESS);
	f->ct_fd = tb_dp_map_fd(f->dp, TB_CT_MAP_NAME);
	f->frag_fd = tb_dp_map_fd(f->dp, "tb_frag_v1");
	f->drops_fd = tb_dp_map_fd(f->dp, TB_DROPS_MAP_NAME);
	f->stats_fd = tb_dp_map_fd(f->dp, TB_STATS_MAP_NAME);
	f->tdeny_fd = tb_dp_map_fd(f->dp, TB_TDENY_MAP_NAME);
	if (f->ct_fd < 0 || f->frag_fd < 0 || f->drops_fd < 0 || f->stats_fd < 0 ||
	    f->tdeny_fd < 0 || tb_ct_table_open(f->ct_fd, &f->ct)) {
		tb_fixture_close(f);
		return -ENOENT;
	}
	return 0;
}

void tb_fixture_close(struct tb_fixture *f)
{
	tb_ct_table_close(&f->ct);
	tb_dp_destroy(f->dp);
	f->dp = NULL;
}

int tb_fixture_pol_map_fds(const struct tb_fixture *f, struct tb_pol_map_fds *fds)
{
	return tb_pol_map_fds_from_object(((struct workload *)tb_dp_skel(f->dp))->obj, fds);
}

static int clear_map(int fd, size_t key_size)
{
	char key[64];

	if (key_size > sizeof(key))
		return -EINVAL;
	/* Always delete the first key: deleting while walking would skip entries. */
	while (!bpf_map_get_next_key(fd, NULL, key)) {
		if (bpf_map_delete_elem(fd, key))
			return -errno;
	}
	return 0;
}

int tb_fixture_reset(struct tb_fixture *f)
{
	int err;

	err = tb_ct_table_clear(&f->ct, NULL);
	if (!err)
		err = clear_map(f->frag_fd, sizeof(struct tb_frag_key));
	if (!err)
		err = clear_map(f->tdeny_fd, sizeof(struct tb_tdeny_key));
	return err;
}

int tb_fixture_deny(struct tb_fixture *f, uint8_t proto, uint8_t dir, uint16_t dport,
		    uint32_t reason)
{
	struct tb_tdeny_key k = { .proto = proto, .dir = dir, .dport = dport };

	return bpf_map_update_elem(f->tdeny_fd, &k, &reason, BPF_ANY) ? -errno : 0;
}

int tb_fixture_undeny(struct tb_fixture *f, uint8_t proto, uint8_t dir, uint16_t dport)
{
	struct tb_tdeny_key k = { .proto = proto, .dir = dir, .dport = dport };

	return bpf_map_delete_elem(f->tdeny_fd, &k) ? -errno : 0;
}

struct snapshot {
	uint64_t pass, drop, counter, counter_bytes;
};

static int snap(struct tb_fixture *f, struct tb_expect exp, struct snapshot *s)
{
	uint64_t b;
	int fd = exp.verdict ? f->drops_fd : f->stats_fd;

	if (tb_percpu_counter(f->stats_fd, TB_STAT_PASS, &s->pass, &b) ||
	    tb_percpu_counter(f->stats_fd, TB_STAT_DROP, &s->drop, &b) ||
	    tb_percpu_counter(fd, exp.counter, &s->counter, &s->counter_bytes))
		return -EIO;
	return 0;
}

int tb_fixture_check(struct tb_fixture *f, enum tb_dp_hook hook, const struct tb_pkt_spec *spec,
		     struct tb_expect exp, char *why, size_t why_len)
{
	static struct tb_run_result res;
	struct snapshot before, after;
	static struct tb_pkt pkt;
	int err;

	err = tb_pkt_build(spec, &pkt);
	if (err) {
		snprintf(why, why_len, "packet build failed: %d", err);
		return -1;
	}
	if (snap(f, exp, &before) || tb_bpf_run_pkt(f->prog[hook], &pkt, 1, &res) ||
	    snap(f, exp, &after)) {
		snprintf(why, why_len, "test run failed (%d bytes)", pkt.len);
		return -1;
	}
	if (res.retval != exp.verdict) {
		snprintf(why, why_len, "verdict %d, want %d", res.retval, exp.verdict);
		return -1;
	}
	if (after.pass - before.pass != (exp.verdict ? 0u : 1u) ||
	    after.drop - before.drop != (exp.verdict ? 1u : 0u)) {
		snprintf(why, why_len, "pass/drop counted %lu/%lu",
			 (unsigned long)(after.pass - before.pass),
			 (unsigned long)(after.drop - before.drop));
		return -1;
	}
	/* TB_STAT_PASS is both the total and the "nothing more specific" event. */
	if (!exp.verdict && exp.counter == TB_STAT_PASS)
		return 0;
	if (after.counter - before.counter != 1 ||
	    after.counter_bytes - before.counter_bytes != pkt.len) {
		snprintf(why, why_len, "%s %s counted %lu packets %lu bytes, want 1 and %u",
			 exp.verdict ? "drop" : "stat",
			 exp.verdict ? tb_drop_reason_name(exp.counter) : tb_stat_name(exp.counter),
			 (unsigned long)(after.counter - before.counter),
			 (unsigned long)(after.counter_bytes - before.counter_bytes), pkt.len);
		return -1;
	}
	return 0;
}

int tb_fixture_ct_get(struct tb_fixture *f, const struct tb_pkt_spec *spec, uint32_t ifindex,
		      struct tb_ct_key *key, struct tb_ct_value *val)
{
	struct tb_flow flow;
	uint16_t sp, dp;
	int err;

	err = tb_pkt_spec_flow(spec, &flow);
	if (err)
		return err;
	sp = flow.sport;
	dp = flow.dport;
	if (flow.proto == 1 || flow.proto == 58) {
		sp = spec->icmp_id;
		dp = spec->icmp_id;
	}
	tb_ct_key_make(key, flow.family, flow.proto, flow.saddr, flow.daddr, sp, dp, ifindex);
	return tb_ct_table_get(&f->ct, key, val);
}
