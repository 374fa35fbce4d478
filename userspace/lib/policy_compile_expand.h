/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to the classifier compiler: IR rule -> per-field conditions of one bit. */
#ifndef TABBY_POLICY_COMPILE_EXPAND_H
#define TABBY_POLICY_COMPILE_EXPAND_H

#include "policy_compile_int.h"

/* Number of alternatives of a side's ports (2 when numbers and named ports are mixed). */
int tb_side_alts(const struct tb_ir_side *s);
/* Fills b for one alternative; 0 or -ENOMEM. */
int tb_expand_bit(const struct tb_ir_rule *r, int src_alt, int dst_alt, struct tb_cbit *b);
void tb_cbit_free(struct tb_cbit *b);
/* Validates value ranges; -EINVAL with messages in diag. */
int tb_ir_rule_check(const struct tb_ir_rule *r, struct tb_diag *diag);

#endif
