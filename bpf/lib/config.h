/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The datapath's `const volatile` configuration. The loader writes it through the skeleton
 * before load; the verifier then sees constants, so disabled features cost nothing.
 */
#ifndef TABBY_BPF_CONFIG_H
#define TABBY_BPF_CONFIG_H

#include "lib/consts.h"
#include "tabby/config.h"

const volatile struct tb_dp_config tb_cfg = {
	.ct = TB_CT_DEFAULT_TIMEOUTS,
};

#endif
