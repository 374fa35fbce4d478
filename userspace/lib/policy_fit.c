// SPDX-License-Identifier: Apache-2.0
/* One policy alone through the rule builder and the classifier's limits (policy_fit.h). */
#include <errno.h>
#include <stdio.h>

#include "calc_int.h"
#include "policy_compile.h"
#include "policy_fit.h"

static const char *const dir_names[2] = {"ingress", "egress"};

int tb_policy_fit_check(const char *key, json_t *doc, struct tb_diag *diag)
{
	/* A calculation stage of its own: no endpoints, so rule selectors make empty sets. */
	static const struct tb_calc_ops no_ops;
	struct calc_policy *p = NULL;
	struct tb_calc *c = NULL;
	int r, err = 0;

	r = tb_calc_new("(apply check)", &no_ops, NULL, &c);
	if (r)
		return r;
	errno = 0;
	p = calc_policy_parse(c, key, doc, 0);
	if (!p) {
		r = errno == ENOMEM ? -ENOMEM : -EINVAL;
		tb_diag_add(diag, "the policy's rules cannot be built for the dataplane");
		goto out;
	}
	for (int d = 0; d < 2; d++) {
		struct tb_ir_policy ir = {p->sort_name, p->rules[d].rules, p->rules[d].n};
		struct tb_diag one;

		if (!p->types[d])
			continue;
		/* The classifier's message, told which direction it is about. */
		tb_diag_init(&one);
		r = tb_pol_policy_check(&ir, &one);
		for (size_t i = 0; i < one.n; i++)
			tb_diag_add(diag, "%s rules: %s", dir_names[d], one.msgs[i]);
		tb_diag_free(&one);
		err = err ? err : r;
	}
	r = err;
out:
	calc_policy_free(c, p);
	tb_calc_free(c);
	return r;
}
