/* SPDX-License-Identifier: Apache-2.0 */
/*
 * For the tests that drive tabbyd's host-side reconciler: its sources are not in libtabby, so
 * they are compiled into the test that includes this header. A case starts from the links it
 * names, gets a reconciler for node n1 and has it freed afterwards, so its body only acts and
 * checks, and returns at the first failure.
 */
#ifndef TABBY_HOSTSIDE_RECONCILER_H
#define TABBY_HOSTSIDE_RECONCILER_H

#include "hostside_fixture.h"
#include "log.h"

#include "../userspace/tabbyd/hostside.c"
#include "../userspace/tabbyd/hostside_blocks.c"
#include "../userspace/tabbyd/hostside_repair.c"
#include "../userspace/tabbyd/hostside_sweep.c"

struct hs_case {
	const char *links;	/* shell command creating the links the case starts from, or NULL */
	double grace;		/* the reconciler's grace period for orphans, s */
	int (*run)(struct hostside *h, const void *arg);
	const void *arg;
};

/* hs_in_netns()'s function for a struct hs_case. */
static inline int hs_case_run(void *arg)
{
	const struct hs_case *c = arg;
	struct hostside_opts o = {.node = "n1", .interval_s = 10, .grace_s = c->grace};
	struct hostside *h = NULL;
	int r;

	tb_log_set_level(TB_LOG_WARNING);
	if (c->links && hs_sh("%s", c->links))
		return hs_fail("cannot create the links: %s", c->links);
	r = hostside_new(&o, &h);
	if (r)
		return hs_fail("hostside_new: %s", strerror(-r));
	r = c->run(h, c->arg);
	hostside_free(h);
	return r;
}

/* Runs one case in a network namespace of its own (hostside_fixture.h). */
#define HS_RUN_CASE(links_, grace_, run_, arg_)                                                    \
	HS_RUN(hs_case_run,                                                                        \
	       &((struct hs_case){ .links = (links_), .grace = (grace_), .run = (run_),            \
				   .arg = (arg_) }),                                               \
	       30)

#endif
