/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A compact text form of policies, flows and expected deciders, so classifier test tables
 * hold cases as data:
 *
 *   policy:  "tier NAME [pass]; policy NAME; rule allow proto=6 dst.ports=80-81; profile P; ..."
 *   rule:    action (allow|deny|log|pass), then ipv=4|6 proto=N !proto=N icmp=T[/C]
 *            !icmp=T[/C] and, for src./dst.: net=CIDR !net=CIDR set=ID !set=ID
 *            ports=LO[-HI] !ports=LO[-HI] named=ID !named=ID
 *   flow:    "PROTO SRC[:PORT] DST[:PORT] [icmp=T/C]" with PROTO a number, tcp, udp, icmp
 *            or icmp6; the family follows the addresses
 *   decider: "t<T>p<P>r<R>" (tier rule), "t<T>end" (tier end), "prof<P>r<R>", "final"
 */
#ifndef TABBY_SELFTESTS_POLICY_SPEC_H
#define TABBY_SELFTESTS_POLICY_SPEC_H

#include "tabby/flow.h"
#include "policy_compile.h"
#include "policy_ir.h"

/* NULL on a syntax error (errno EINVAL). */
struct tb_ir *tb_spec_ir(const char *spec);
int tb_spec_flow(const char *spec, struct tb_flow *f);
int tb_spec_ref(const char *spec, struct tb_pol_ref *ref);
/* Sets used by the tables: 1 = {10.1.0.0/16, fd01::/32}, 2 = {10.0.0.1/32, fd00::1/128},
 * 10 = {tcp 8080 at 10.0.0.2, tcp 9090 at fd00::2}. */
int tb_spec_sets(struct tb_pol_sets *sets);
/* The policy `spec` compiled against tb_spec_sets(); NULL on any error. */
struct tb_pol_compiled *tb_spec_compile(const char *spec);

#endif
