// SPDX-License-Identifier: Apache-2.0
/* Validation of the Kubernetes objects tabby takes: v1 Namespace, Pod and ServiceAccount. */
#include "test_validate_infra.h"

#define NS "Namespace"
#define POD "Pod"
#define SA "ServiceAccount"

static const struct infra_case k8s_objects[] = {
	/* As `kubectl get namespace prod -o json` prints it. */
	{ NS, "prod",
	  "{`apiVersion`:`v1`,`kind`:`Namespace`,`metadata`:{`name`:`prod`,`uid`:"
	  "`1c1d7f52-5a8e-4c1b-9f8e-0a1b2c3d4e5f`,`resourceVersion`:`4242`,`creationTimestamp`:"
	  "`2026-11-20T10:00:00Z`,`labels`:{`kubernetes.io/metadata.name`:`prod`,`team`:`web`},"
	  "`annotations`:{`owner`:`ops`}},`spec`:{`finalizers`:[`kubernetes`]},`status`:"
	  "{`phase`:`Active`}}", NULL },
	{ NS, "bare", "{`apiVersion`:`v1`,`kind`:`Namespace`,`metadata`:{`name`:`bare`}}", NULL },
	{ NS, "a.b", "{}", "metadata.name: 'a.b' is not a valid namespace name" },
	{ NS, "x", "{`apiVersion`:`v1`,`kind`:`Namespace`,`metadata`:{`name`:`x`,`labels`:"
	  "{`team`:`bad value`}}}", "metadata.labels.team: invalid label value" },
	{ NS, "x", "{`apiVersion`:`v1`,`kind`:`Namespace`,`metadata`:{`name`:`x`,"
	  "`namespace`:`y`}}", "metadata.namespace: Namespace is not namespaced" },

	/* A pod as kubectl prints it: most of it is open; labels, SA and ports are checked. */
	{ POD, "web-0",
	  "{`apiVersion`:`v1`,`kind`:`Pod`,`metadata`:{`name`:`web-0`,`namespace`:`prod`,"
	  "`labels`:{`app`:`web`,`statefulset.kubernetes.io/pod-name`:`web-0`},`ownerReferences`:"
	  "[{`apiVersion`:`apps/v1`,`kind`:`StatefulSet`,`name`:`web`,`uid`:`u1`,"
	  "`controller`:true}],`generateName`:`web-`},`spec`:{`serviceAccountName`:`web-sa`,"
	  "`serviceAccount`:`web-sa`,`nodeName`:`node-1`,`restartPolicy`:`Always`,"
	  "`dnsPolicy`:`ClusterFirst`,`containers`:[{`name`:`nginx`,`image`:`nginx:1.27`,"
	  "`ports`:[{`name`:`http`,`containerPort`:80,`protocol`:`TCP`},{`name`:`metrics`,"
	  "`containerPort`:9113},{`containerPort`:8443,`hostPort`:8443,`hostIP`:`0.0.0.0`}],"
	  "`resources`:{`limits`:{`cpu`:`500m`}},`volumeMounts`:[{`name`:`data`,`mountPath`:"
	  "`/data`}]}],`initContainers`:[{`name`:`init`,`image`:`busybox`}],`volumes`:[{`name`:"
	  "`data`,`emptyDir`:{}}]},`status`:{`phase`:`Running`,`hostIP`:`192.168.1.11`,`podIP`:"
	  "`10.65.1.4`,`podIPs`:[{`ip`:`10.65.1.4`},{`ip`:`fd00:65:1::4`}],`conditions`:"
	  "[{`type`:`Ready`,`status`:`True`}],`qosClass`:`Burstable`}}", NULL },
	{ POD, "p", "{`containers`:[{`name`:`c`,`ports`:[{`name`:`http`,`containerPort`:80}]}]}",
	  NULL, "{`containers`:[{`name`:`c`,`ports`:[{`name`:`http`,`containerPort`:80,"
	  "`protocol`:`TCP`}]}]}" },
	{ POD, "p", "{}", "spec.containers: required field is missing" },
	{ POD, "P_1", "{`containers`:[{`name`:`c`}]}", "metadata.name: 'P_1' is not a valid name" },
	{ POD, "p", "{`serviceAccountName`:`Web_SA`,`containers`:[{`name`:`c`}]}",
	  "spec.serviceAccountName: 'Web_SA' is not a valid name" },
	{ POD, "p", "{`containers`:[{`image`:`x`}]}",
	  "spec.containers[0].name: required field is missing" },
	{ POD, "p", "{`containers`:[{`name`:`c`,`ports`:[{`name`:`http`}]}]}",
	  "spec.containers[0].ports[0].containerPort: required field is missing" },
	{ POD, "p", "{`containers`:[{`name`:`c`,`ports`:[{`containerPort`:0}]}]}",
	  "spec.containers[0].ports[0].containerPort: must be between 1 and 65535" },
	{ POD, "p", "{`containers`:[{`name`:`c`,`ports`:[{`containerPort`:80,`protocol`:"
	  "`tcp`}]}]}", "spec.containers[0].ports[0].protocol: 'tcp' is not one of: TCP, UDP" },
	{ POD, "p", "{`containers`:[{`name`:`c`,`ports`:[{`containerPort`:80,`name`:"
	  "`Http_Port`}]}]}", "spec.containers[0].ports[0].name: 'Http_Port' is not a port name" },
	{ POD, "p", "{`containers`:[{`name`:`c`,`ports`:[{`containerPort`:80,`name`:"
	  "`web`},{`containerPort`:81,`name`:`web`}]}]}",
	  "spec.containers[0].ports[1].name: duplicate port name 'web'" },
	{ POD, "p", "{`containers`:[{`name`:`c`,`ports`:[{`containerPort`:80,`hostPort`:"
	  "70000}]}]}", "spec.containers[0].ports[0].hostPort: must be between 0 and 65535" },
	{ POD, "p", "{`containers`:[{`name`:`c`,`ports`:[{`containerPort`:80,`hostIP`:"
	  "`any`}]}]}", "spec.containers[0].ports[0].hostIP" },
	{ POD, "p", "{`apiVersion`:`v1`,`kind`:`Pod`,`metadata`:{`name`:`p`},`spec`:"
	  "{`containers`:[{`name`:`c`}]},`status`:{`podIPs`:[{`ip`:`10.65.1.400`}]}}",
	  "status.podIPs[0].ip" },
	{ POD, "p", "{`apiVersion`:`v1`,`kind`:`Pod`,`metadata`:{`name`:`p`},`spec`:"
	  "{`containers`:[{`name`:`c`}]},`status`:{`podIP`:`nope`}}", "status.podIP" },
	{ POD, "p", "{`apiVersion`:`v1`,`kind`:`Pod`,`metadata`:{`name`:`p`},`spec`:"
	  "{`containers`:[{`name`:`c`}]},`extra`:{}}", "extra: unknown field" },

	/* A ServiceAccount has no spec: its fields sit beside metadata. */
	{ SA, "web-sa",
	  "{`apiVersion`:`v1`,`kind`:`ServiceAccount`,`metadata`:{`name`:`web-sa`,`namespace`:"
	  "`prod`,`labels`:{`role`:`frontend`}},`secrets`:[{`name`:`web-sa-token-x`}],"
	  "`imagePullSecrets`:[{`name`:`regcred`}],`automountServiceAccountToken`:false}", NULL },
	{ SA, "sa", "{`apiVersion`:`v1`,`kind`:`ServiceAccount`,`metadata`:{`name`:`sa`}}",
	  NULL },
	{ SA, "sa", "{`apiVersion`:`v1`,`kind`:`ServiceAccount`,`metadata`:{`name`:`sa`},"
	  "`spec`:{}}", "spec: unknown field" },
	{ SA, "sa", "{`apiVersion`:`v1`,`kind`:`ServiceAccount`,`metadata`:{`name`:`sa`},"
	  "`automountServiceAccountToken`:`no`}",
	  "automountServiceAccountToken: must be a boolean" },
	{ SA, "sa", "{`apiVersion`:`v1`,`kind`:`ServiceAccount`,`metadata`:{`name`:`sa`},"
	  "`imagePullSecrets`:[`regcred`]}", "imagePullSecrets[0]: must be an object" },
	{ SA, "sa", "{`apiVersion`:`v1`,`kind`:`ServiceAccount`,`metadata`:{`name`:`sa`},"
	  "`bogus`:1}", "bogus: unknown field" },
	{ SA, "Bad.SA", "{`apiVersion`:`v1`,`kind`:`ServiceAccount`,`metadata`:{`name`:"
	  "`Bad.SA`}}", "metadata.name: 'Bad.SA' is not a valid name" },
};

Test(validate_infra, k8s_objects)
{
	INFRA_RUN(k8s_objects);
}
