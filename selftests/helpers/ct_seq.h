/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sequences of datapath steps for conntrack-style tests: packets with their expected verdict,
 * counter and conntrack state, interleaved with changes to the test-only policy and with
 * ageing of an entry (its timestamps moved into the past, as time passing would).
 */
#ifndef TABBY_SELFTESTS_CT_SEQ_H
#define TABBY_SELFTESTS_CT_SEQ_H

#include "dp_fixture.h"

enum tb_step_kind {
	TB_STEP_END = 0,
	TB_STEP_PKT,		/* run `spec` through `hook`, expect `exp` (and `ct_state`) */
	TB_STEP_DENY,		/* test policy: deny (proto, dir, dport) */
	TB_STEP_UNDENY,
	TB_STEP_AGE,		/* move the entry of `spec`'s flow `age_s` seconds back */
	TB_STEP_AGE_FRAG,	/* same for the fragment record of `spec` */
};

struct tb_step {
	enum tb_step_kind kind;
	const char *name;
	enum tb_dp_hook hook;
	struct tb_pkt_spec spec;
	struct tb_expect exp;
	uint8_t ct_state;	/* enum tb_ct_state expected afterwards; 0: not checked */
	uint8_t proto, dir;	/* DENY/UNDENY */
	uint16_t dport;
	uint32_t age_s;		/* AGE */
};

#define TB_SEQ_MAX_STEPS 16

struct tb_sequence {
	const char *name;
	struct tb_step steps[TB_SEQ_MAX_STEPS];
};

/*
 * Runs the sequences on one loaded datapath, emptied between sequences. Logs every failing
 * step and returns the number of failures (a datapath that does not load fails them all).
 */
int tb_run_sequences(const struct tb_sequence *seqs, size_t n);

#endif
