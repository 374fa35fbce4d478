/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What Calico's kube-controllers derive from the orchestrator's objects, done here at write
 * time: a Namespace's `kns.<ns>` Profile, a ServiceAccount's `ksa.<ns>.<sa>` Profile, and the
 * fields a Pod gives its WorkloadEndpoints (labels, named ports, service account, profiles).
 */
#ifndef TABBY_K8S_SYNC_H
#define TABBY_K8S_SYNC_H

#include <jansson.h>

#define TB_LABEL_NAMESPACE "projectcalico.org/namespace"
#define TB_LABEL_ORCHESTRATOR "projectcalico.org/orchestrator"
#define TB_LABEL_SERVICEACCOUNT "projectcalico.org/serviceaccount"
#define TB_LABEL_NAME "projectcalico.org/name"
#define TB_NS_PROFILE_PREFIX "kns."
#define TB_SA_PROFILE_PREFIX "ksa."
#define TB_NS_LABEL_PREFIX "pcns."
#define TB_SA_LABEL_PREFIX "pcsa."

/* The Profile a Namespace (or, with ns_labels NULL, a namespace not yet applied) stands for:
 * allow all in both directions, its labels as pcns.-prefixed labelsToApply. New reference. */
json_t *tb_namespace_profile(const char *ns, json_t *ns_labels);
/* The Profile of a ServiceAccount: pcsa.-prefixed labelsToApply, no rules. New reference. */
json_t *tb_serviceaccount_profile(const char *ns, const char *sa, json_t *sa_labels);

/*
 * Sets on a WorkloadEndpoint document what its Pod gives it: metadata.labels (the Pod's
 * labels plus projectcalico.org/namespace, /orchestrator and /serviceaccount), spec.ports from
 * the containers' named ports, spec.serviceAccountName and spec.profiles (kns.<ns> and
 * ksa.<ns>.<sa>). With pod NULL (not in the datastore yet) only the automatic labels and the
 * namespace profile. Returns 0 or -ENOMEM.
 */
int tb_wep_apply_pod(json_t *wep, const char *ns, json_t *pod);

#endif
