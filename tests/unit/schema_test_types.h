/* Small schema tables for the schema engine's unit tests: the parts of
 * Deployment, Service, Secret, ConfigMap and Namespace that kubectl 1.32
 * writes for `kubectl create`, with upstream's protobuf numbers, plus a
 * type of every kind the decoder knows. The real tables live in
 * controlplane/schema/types_*.c; these keep the engine's tests
 * independent of them. Each test defines sch_types[] from here. */
#ifndef SKIFF_TEST_SCHEMA_TYPES_H
#define SKIFF_TEST_SCHEMA_TYPES_H

#include "schema/schema.h"
#include "schema/schema_int.h" /* SCH_F_INLINE */

#define OE SCH_F_OMITEMPTY
#define T_S(n, num, fl)                                                                            \
	{                                                                                          \
		.name = n, .pb = num, .kind = SCH_STRING, .flags = fl, .desc = "The " n "."        \
	}
#define T_K(n, num, k, fl)                                                                         \
	{                                                                                          \
		.name = n, .pb = num, .kind = k, .flags = fl, .desc = "The " n "."                 \
	}
#define T_O(n, num, t, fl)                                                                         \
	{                                                                                          \
		.name = n, .pb = num, .kind = SCH_OBJECT, .flags = fl, .type = &t,                 \
		.desc = "The " n "."                                                               \
	}
#define T_M(n, num, e, fl)                                                                         \
	{                                                                                          \
		.name = n, .pb = num, .kind = SCH_MAP, .elem = e, .flags = fl,                     \
		.desc = "The " n "."                                                               \
	}
#define T_TYPEMETA T_S("apiVersion", 0, OE), T_S("kind", 0, OE)
#define T_TYPE(sym, nm, fl, grp, ver, kd)                                                          \
	static const struct sch_type sym = {.name = nm,                                            \
					    .desc = "A " nm ".",                                   \
					    .flags = fl,                                           \
					    SCH_FIELDS(sym##_f),                                   \
					    .group = grp,                                          \
					    .version = ver,                                        \
					    .kind = kd}

static const struct sch_field t_ObjectMeta_f[] = {
    T_S("name", 1, OE),
    T_S("generateName", 2, OE),
    T_S("namespace", 3, OE),
    T_S("selfLink", 4, OE),
    T_S("uid", 5, OE),
    T_S("resourceVersion", 6, OE),
    T_K("generation", 7, SCH_INT64, OE),
    T_K("creationTimestamp", 8, SCH_TIME, OE),
    T_K("deletionTimestamp", 9, SCH_TIME, 0),
    T_M("labels", 11, SCH_STRING, OE),
    T_M("annotations", 12, SCH_STRING, OE),
    T_K("finalizers", 14, SCH_STRING, OE | SCH_F_LIST | SCH_F_LIST_SET),
};
T_TYPE(t_ObjectMeta, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", 0, NULL, NULL, NULL);

static const struct sch_field t_LabelSelector_f[] = {
    T_M("matchLabels", 1, SCH_STRING, OE),
};
T_TYPE(t_LabelSelector, "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector", 0, NULL, NULL, NULL);

static const struct sch_field t_ContainerPort_f[] = {
    T_S("name", 1, OE),
    T_K("hostPort", 2, SCH_INT32, OE),
    T_K("containerPort", 3, SCH_INT32, 0),
    T_S("protocol", 4, OE),
};
T_TYPE(t_ContainerPort, "io.k8s.api.core.v1.ContainerPort", 0, NULL, NULL, NULL);

static const struct sch_field t_Resources_f[] = {
    T_M("limits", 1, SCH_QUANTITY, OE),
    T_M("requests", 2, SCH_QUANTITY, OE),
};
T_TYPE(t_Resources, "io.k8s.api.core.v1.ResourceRequirements", 0, NULL, NULL, NULL);

static const struct sch_field t_Container_f[] = {
    T_S("name", 1, 0),
    T_S("image", 2, OE),
    T_K("command", 3, SCH_STRING, OE | SCH_F_LIST | SCH_F_ATOMIC),
    T_S("workingDir", 5, OE),
    {.name = "ports",
     .pb = 6,
     .kind = SCH_OBJECT,
     .type = &t_ContainerPort,
     .flags = OE | SCH_F_LIST | SCH_F_LIST_MAP,
     .merge_key = "containerPort",
     .desc = "The ports."},
    T_O("resources", 8, t_Resources, OE),
    T_S("terminationMessagePath", 13, OE),
    T_S("imagePullPolicy", 14, OE),
    T_K("stdin", 16, SCH_BOOL, OE),
    T_K("stdinOnce", 17, SCH_BOOL, OE),
    T_K("tty", 18, SCH_BOOL, OE),
    T_S("terminationMessagePolicy", 20, OE),
};
T_TYPE(t_Container, "io.k8s.api.core.v1.Container", 0, NULL, NULL, NULL);

static const struct sch_field t_KeyRef_f[] = {
    T_S("name", 1, OE),
};
T_TYPE(t_KeyRef, "io.k8s.api.core.v1.LocalObjectReference", 0, NULL, NULL, NULL);

/* ConfigMapVolumeSource: LocalObjectReference inline, then its own. */
static const struct sch_field t_CMSource_f[] = {
    T_O("localObjectReference", 1, t_KeyRef, SCH_F_INLINE),
    T_K("defaultMode", 3, SCH_INT32, 0),
};
T_TYPE(t_CMSource, "io.k8s.api.core.v1.ConfigMapVolumeSource", 0, NULL, NULL, NULL);

static const struct sch_field t_VolumeSource_f[] = {
    T_O("configMap", 11, t_CMSource, 0),
    T_M("emptyDirLabels", 12, SCH_STRING, OE),
};
T_TYPE(t_VolumeSource, "io.k8s.api.core.v1.VolumeSource", 0, NULL, NULL, NULL);

static const struct sch_field t_Volume_f[] = {
    T_S("name", 1, 0),
    T_O("volumeSource", 2, t_VolumeSource, SCH_F_INLINE),
};
T_TYPE(t_Volume, "io.k8s.api.core.v1.Volume", 0, NULL, NULL, NULL);

static const struct sch_field t_PodSpec_f[] = {
    {.name = "volumes",
     .pb = 1,
     .kind = SCH_OBJECT,
     .type = &t_Volume,
     .flags = OE | SCH_F_LIST | SCH_F_LIST_MAP,
     .merge_key = "name",
     .desc = "The volumes."},
    {.name = "containers",
     .pb = 2,
     .kind = SCH_OBJECT,
     .type = &t_Container,
     .flags = SCH_F_LIST | SCH_F_LIST_MAP | SCH_F_REQUIRED,
     .merge_key = "name",
     .desc = "The containers."},
    T_S("restartPolicy", 3, OE),
    T_K("terminationGracePeriodSeconds", 4, SCH_INT64, 0),
    T_S("dnsPolicy", 6, OE),
    T_M("nodeSelector", 7, SCH_STRING, OE),
    T_S("serviceAccountName", 8, OE),
    T_S("serviceAccount", 9, OE),
    T_S("nodeName", 10, OE),
    T_K("hostNetwork", 11, SCH_BOOL, OE),
    T_K("hostPID", 12, SCH_BOOL, OE),
    T_K("hostIPC", 13, SCH_BOOL, OE),
    T_S("hostname", 16, OE),
    T_S("subdomain", 17, OE),
    T_S("schedulerName", 19, OE),
    T_S("priorityClassName", 24, OE),
};
T_TYPE(t_PodSpec, "io.k8s.api.core.v1.PodSpec", 0, NULL, NULL, NULL);

static const struct sch_field t_PodTemplateSpec_f[] = {
    T_O("metadata", 1, t_ObjectMeta, OE),
    T_O("spec", 2, t_PodSpec, OE),
};
T_TYPE(t_PodTemplateSpec, "io.k8s.api.core.v1.PodTemplateSpec", 0, NULL, NULL, NULL);

static const struct sch_field t_RollingUpdate_f[] = {
    T_K("maxUnavailable", 1, SCH_INT_OR_STRING, 0),
    T_K("maxSurge", 2, SCH_INT_OR_STRING, 0),
};
T_TYPE(t_RollingUpdate, "io.k8s.api.apps.v1.RollingUpdateDeployment", 0, NULL, NULL, NULL);

static const struct sch_field t_Strategy_f[] = {
    T_S("type", 1, OE),
    T_O("rollingUpdate", 2, t_RollingUpdate, 0),
};
T_TYPE(t_Strategy, "io.k8s.api.apps.v1.DeploymentStrategy", 0, NULL, NULL, NULL);

static const struct sch_field t_DeploymentSpec_f[] = {
    T_K("replicas", 1, SCH_INT32, 0),
    T_O("selector", 2, t_LabelSelector, SCH_F_REQUIRED),
    T_O("template", 3, t_PodTemplateSpec, SCH_F_REQUIRED),
    T_O("strategy", 4, t_Strategy, OE),
    T_K("minReadySeconds", 5, SCH_INT32, OE),
    T_K("revisionHistoryLimit", 6, SCH_INT32, 0),
    T_K("paused", 7, SCH_BOOL, OE),
    T_K("progressDeadlineSeconds", 9, SCH_INT32, 0),
};
T_TYPE(t_DeploymentSpec, "io.k8s.api.apps.v1.DeploymentSpec", 0, NULL, NULL, NULL);

static const struct sch_field t_DeploymentStatus_f[] = {
    T_K("observedGeneration", 1, SCH_INT64, OE),  T_K("replicas", 2, SCH_INT32, OE),
    T_K("updatedReplicas", 3, SCH_INT32, OE),	  T_K("availableReplicas", 4, SCH_INT32, OE),
    T_K("unavailableReplicas", 5, SCH_INT32, OE), T_K("readyReplicas", 7, SCH_INT32, OE),
};
T_TYPE(t_DeploymentStatus, "io.k8s.api.apps.v1.DeploymentStatus", 0, NULL, NULL, NULL);

static const struct sch_field t_Deployment_f[] = {
    T_TYPEMETA,
    T_O("metadata", 1, t_ObjectMeta, OE),
    T_O("spec", 2, t_DeploymentSpec, OE),
    T_O("status", 3, t_DeploymentStatus, OE),
};
T_TYPE(t_Deployment, "io.k8s.api.apps.v1.Deployment", 0, "apps", "v1", "Deployment");

static const struct sch_field t_ServicePort_f[] = {
    T_S("name", 1, OE),
    T_S("protocol", 2, OE),
    T_K("port", 3, SCH_INT32, 0),
    T_K("targetPort", 4, SCH_INT_OR_STRING, OE),
    T_K("nodePort", 5, SCH_INT32, OE),
};
T_TYPE(t_ServicePort, "io.k8s.api.core.v1.ServicePort", 0, NULL, NULL, NULL);

static const struct sch_field t_ServiceSpec_f[] = {
    {.name = "ports",
     .pb = 1,
     .kind = SCH_OBJECT,
     .type = &t_ServicePort,
     .flags = OE | SCH_F_LIST | SCH_F_LIST_MAP,
     .merge_key = "port",
     .desc = "The ports."},
    T_M("selector", 2, SCH_STRING, OE),
    T_S("clusterIP", 3, OE),
    T_S("type", 4, OE),
    T_S("sessionAffinity", 7, OE),
    T_S("loadBalancerIP", 8, OE),
    T_S("externalName", 10, OE),
    T_S("externalTrafficPolicy", 11, OE),
    T_K("healthCheckNodePort", 12, SCH_INT32, OE),
    T_K("publishNotReadyAddresses", 13, SCH_BOOL, OE),
};
T_TYPE(t_ServiceSpec, "io.k8s.api.core.v1.ServiceSpec", 0, NULL, NULL, NULL);

static const struct sch_field t_LBStatus_f[] = {
    T_K("ingress", 1, SCH_ANY, OE | SCH_F_LIST),
};
T_TYPE(t_LBStatus, "io.k8s.api.core.v1.LoadBalancerStatus", 0, NULL, NULL, NULL);

static const struct sch_field t_ServiceStatus_f[] = {
    T_O("loadBalancer", 1, t_LBStatus, OE),
};
T_TYPE(t_ServiceStatus, "io.k8s.api.core.v1.ServiceStatus", 0, NULL, NULL, NULL);

static const struct sch_field t_Service_f[] = {
    T_TYPEMETA,
    T_O("metadata", 1, t_ObjectMeta, OE),
    T_O("spec", 2, t_ServiceSpec, OE),
    T_O("status", 3, t_ServiceStatus, OE),
};
T_TYPE(t_Service, "io.k8s.api.core.v1.Service", 0, "", "v1", "Service");

static const struct sch_field t_Secret_f[] = {
    T_TYPEMETA,		T_O("metadata", 1, t_ObjectMeta, OE), T_M("data", 2, SCH_BYTES, OE),
    T_S("type", 3, OE), T_M("stringData", 4, SCH_STRING, OE), T_K("immutable", 5, SCH_BOOL, 0),
};
T_TYPE(t_Secret, "io.k8s.api.core.v1.Secret", 0, "", "v1", "Secret");

static const struct sch_field t_ConfigMap_f[] = {
    T_TYPEMETA,
    T_O("metadata", 1, t_ObjectMeta, OE),
    T_M("data", 2, SCH_STRING, OE),
    T_M("binaryData", 3, SCH_BYTES, OE),
    T_K("immutable", 4, SCH_BOOL, 0),
};
T_TYPE(t_ConfigMap, "io.k8s.api.core.v1.ConfigMap", 0, "", "v1", "ConfigMap");

static const struct sch_field t_NamespaceSpec_f[] = {
    T_K("finalizers", 1, SCH_STRING, OE | SCH_F_LIST),
};
T_TYPE(t_NamespaceSpec, "io.k8s.api.core.v1.NamespaceSpec", 0, NULL, NULL, NULL);

static const struct sch_field t_NamespaceStatus_f[] = {
    T_S("phase", 1, OE),
};
T_TYPE(t_NamespaceStatus, "io.k8s.api.core.v1.NamespaceStatus", 0, NULL, NULL, NULL);

static const struct sch_field t_Namespace_f[] = {
    T_TYPEMETA,
    T_O("metadata", 1, t_ObjectMeta, OE),
    T_O("spec", 2, t_NamespaceSpec, OE),
    T_O("status", 3, t_NamespaceStatus, OE),
};
T_TYPE(t_Namespace, "io.k8s.api.core.v1.Namespace", 0, "", "v1", "Namespace");

/* Every other kind, one field each, numbered 1..: decoded from bodies the
 * tests build themselves. */
static const struct sch_field t_Free_f[] = {
    T_K("any", 0, SCH_ANY, 0),
};
T_TYPE(t_Free, "io.k8s.test.Free", SCH_F_PRESERVE, NULL, NULL, NULL);

static const struct sch_field t_Kinds_f[] = {
    T_TYPEMETA,
    T_K("b", 1, SCH_BOOL, 0),
    T_K("i32", 2, SCH_INT32, 0),
    T_K("i64", 3, SCH_INT64, 0),
    T_K("d", 4, SCH_DOUBLE, 0),
    T_K("bytes", 5, SCH_BYTES, 0),
    T_K("ios", 6, SCH_INT_OR_STRING, 0),
    T_K("q", 7, SCH_QUANTITY, 0),
    T_K("t", 8, SCH_TIME, 0),
    T_K("mt", 9, SCH_MICROTIME, 0),
    T_K("dur", 10, SCH_DURATION, 0),
    T_K("raw", 11, SCH_RAW, 0),
    T_K("ints", 12, SCH_INT32, SCH_F_LIST | SCH_F_PB_PACKED),
    T_K("strs", 13, SCH_STRING, SCH_F_LIST),
    T_M("qmap", 14, SCH_QUANTITY, 0),
    T_O("free", 15, t_Free, 0),
    T_K("anything", 16, SCH_ANY, 0),
    T_O("self", 17, t_Deployment, 0),
    T_K("e", 18, SCH_STRING, OE),
};
T_TYPE(t_Kinds, "io.k8s.test.v1.Kinds", 0, "test.skiff.io", "v1", "Kinds");

static const struct sch_field t_DeleteOptions_f[] = {
    T_TYPEMETA,
    T_K("gracePeriodSeconds", 1, SCH_INT64, 0),
    T_S("propagationPolicy", 4, 0),
    T_K("dryRun", 5, SCH_STRING, OE | SCH_F_LIST),
};
T_TYPE(t_DeleteOptions, "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions", 0, "", "v1",
       "DeleteOptions");

#endif
