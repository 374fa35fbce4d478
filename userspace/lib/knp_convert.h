/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kubernetes NetworkPolicy (networking.k8s.io/v1) to Calico NetworkPolicy (projectcalico.org/v3),
 * the way Calico's Kubernetes datastore converts it (libcalico-go's k8s conversion, 3.30): one
 * Calico policy per Kubernetes policy, named "knp.default.<name>" in tier default at order 1000,
 * pod selectors ANDed with projectcalico.org/orchestrator == 'k8s', one rule per protocol and
 * peer, ports merged into ranges, ipBlock as nets/notNets.
 */
#ifndef TABBY_KNP_CONVERT_H
#define TABBY_KNP_CONVERT_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "diag.h"

#define TB_KNP_PREFIX "knp.default."
#define TB_KNP_ORDER 1000.0
#define TB_LABEL_ORCHESTRATOR "projectcalico.org/orchestrator"

/*
 * Returns a new Calico NetworkPolicy document for a Kubernetes NetworkPolicy document, or NULL
 * (errno EINVAL, the reasons in d) when the input is not one. The input is read, never changed.
 * A rule that cannot be converted is dropped and reported in d, as Calico drops it, while the
 * rest of the policy is still returned. Defaults the API server would have filled (policyTypes,
 * a port's protocol TCP) are applied here too, so unvalidated input converts the same.
 */
json_t *tb_knp_convert(const json_t *knp, struct tb_diag *d);

/*
 * A Kubernetes LabelSelector ({matchLabels, matchExpressions}) as Calico selector text. With
 * pod set, "projectcalico.org/orchestrator == 'k8s'" comes first; an empty namespace selector
 * is "all()". NULL sel gives the orchestrator term alone (pod) or "" (namespace). Returns a
 * malloc'd string or NULL with errno.
 */
char *tb_knp_selector(const json_t *sel, bool pod);

/* Calico's derived UID: the bits of bytes 0-5, 7 and 9-15 of the UUID reversed. 0/-EINVAL. */
int tb_knp_convert_uid(const char *uid, char out[37]);

#endif
