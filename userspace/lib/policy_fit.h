/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whether one Calico policy document fits the dataplane on its own: its rules go through the
 * calculation stage's rule builder into policy IR (as tabbyd would build them) and then
 * through the classifier's own limit check (tb_pol_policy_check), direction by direction. An
 * apply refuses a policy that no endpoint could ever enforce, with the message the agent
 * would otherwise log on every node.
 */
#ifndef TABBY_POLICY_FIT_H
#define TABBY_POLICY_FIT_H

#include <jansson.h>

#include "diag.h"

/*
 * key: the policy's datastore key (it tells a namespaced NetworkPolicy apart); doc: the
 * validated document. 0, -E2BIG (why in diag, one message per direction that does not fit),
 * -EINVAL when the rules cannot be built, or -ENOMEM.
 */
int tb_policy_fit_check(const char *key, json_t *doc, struct tb_diag *diag);

#endif
