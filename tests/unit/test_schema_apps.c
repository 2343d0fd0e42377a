/* Unit tests for the apps, discovery, batch, coordination, autoscaling,
 * events and PersistentVolumeClaim schema tables: every table is
 * internally consistent (distinct JSON names and protobuf numbers, object
 * fields typed, list-map keys present in the element type, List kinds
 * wrapping their item kind), every type they reference is either one of
 * them or one the meta/core tables own, and known upstream facts hold. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "schema/types_apps.h"
#include "schema/types_autoscaling.h"
#include "schema/types_batch.h"
#include "schema/types_coordination.h"
#include "schema/types_core.h"
#include "schema/types_discovery.h"
#include "schema/types_events.h"
#include "schema/types_meta.h"
#include "schema/types_pod.h"
#include "schema/types_pvc.h"

/* Every type the tables under test define. */
static const struct sch_type *const tested_types[] = {
    &sch_apps_v1_ControllerRevision,
    &sch_apps_v1_ControllerRevisionList,
    &sch_apps_v1_DaemonSet,
    &sch_apps_v1_DaemonSetCondition,
    &sch_apps_v1_DaemonSetList,
    &sch_apps_v1_DaemonSetSpec,
    &sch_apps_v1_DaemonSetStatus,
    &sch_apps_v1_DaemonSetUpdateStrategy,
    &sch_apps_v1_Deployment,
    &sch_apps_v1_DeploymentCondition,
    &sch_apps_v1_DeploymentList,
    &sch_apps_v1_DeploymentSpec,
    &sch_apps_v1_DeploymentStatus,
    &sch_apps_v1_DeploymentStrategy,
    &sch_apps_v1_ReplicaSet,
    &sch_apps_v1_ReplicaSetCondition,
    &sch_apps_v1_ReplicaSetList,
    &sch_apps_v1_ReplicaSetSpec,
    &sch_apps_v1_ReplicaSetStatus,
    &sch_apps_v1_RollingUpdateDaemonSet,
    &sch_apps_v1_RollingUpdateDeployment,
    &sch_apps_v1_RollingUpdateStatefulSetStrategy,
    &sch_apps_v1_StatefulSet,
    &sch_apps_v1_StatefulSetCondition,
    &sch_apps_v1_StatefulSetList,
    &sch_apps_v1_StatefulSetOrdinals,
    &sch_apps_v1_StatefulSetPersistentVolumeClaimRetentionPolicy,
    &sch_apps_v1_StatefulSetSpec,
    &sch_apps_v1_StatefulSetStatus,
    &sch_apps_v1_StatefulSetUpdateStrategy,
    &sch_autoscaling_v1_CrossVersionObjectReference,
    &sch_autoscaling_v1_HorizontalPodAutoscaler,
    &sch_autoscaling_v1_HorizontalPodAutoscalerList,
    &sch_autoscaling_v1_HorizontalPodAutoscalerSpec,
    &sch_autoscaling_v1_HorizontalPodAutoscalerStatus,
    &sch_autoscaling_v2_ContainerResourceMetricSource,
    &sch_autoscaling_v2_ContainerResourceMetricStatus,
    &sch_autoscaling_v2_CrossVersionObjectReference,
    &sch_autoscaling_v2_ExternalMetricSource,
    &sch_autoscaling_v2_ExternalMetricStatus,
    &sch_autoscaling_v2_HPAScalingPolicy,
    &sch_autoscaling_v2_HPAScalingRules,
    &sch_autoscaling_v2_HorizontalPodAutoscaler,
    &sch_autoscaling_v2_HorizontalPodAutoscalerBehavior,
    &sch_autoscaling_v2_HorizontalPodAutoscalerCondition,
    &sch_autoscaling_v2_HorizontalPodAutoscalerList,
    &sch_autoscaling_v2_HorizontalPodAutoscalerSpec,
    &sch_autoscaling_v2_HorizontalPodAutoscalerStatus,
    &sch_autoscaling_v2_MetricIdentifier,
    &sch_autoscaling_v2_MetricSpec,
    &sch_autoscaling_v2_MetricStatus,
    &sch_autoscaling_v2_MetricTarget,
    &sch_autoscaling_v2_MetricValueStatus,
    &sch_autoscaling_v2_ObjectMetricSource,
    &sch_autoscaling_v2_ObjectMetricStatus,
    &sch_autoscaling_v2_PodsMetricSource,
    &sch_autoscaling_v2_PodsMetricStatus,
    &sch_autoscaling_v2_ResourceMetricSource,
    &sch_autoscaling_v2_ResourceMetricStatus,
    &sch_batch_v1_CronJob,
    &sch_batch_v1_CronJobList,
    &sch_batch_v1_CronJobSpec,
    &sch_batch_v1_CronJobStatus,
    &sch_batch_v1_Job,
    &sch_batch_v1_JobCondition,
    &sch_batch_v1_JobList,
    &sch_batch_v1_JobSpec,
    &sch_batch_v1_JobStatus,
    &sch_batch_v1_JobTemplateSpec,
    &sch_batch_v1_PodFailurePolicy,
    &sch_batch_v1_PodFailurePolicyOnExitCodesRequirement,
    &sch_batch_v1_PodFailurePolicyOnPodConditionsPattern,
    &sch_batch_v1_PodFailurePolicyRule,
    &sch_batch_v1_SuccessPolicy,
    &sch_batch_v1_SuccessPolicyRule,
    &sch_batch_v1_UncountedTerminatedPods,
    &sch_coordination_v1_Lease,
    &sch_coordination_v1_LeaseList,
    &sch_coordination_v1_LeaseSpec,
    &sch_core_v1_ModifyVolumeStatus,
    &sch_core_v1_PersistentVolumeClaim,
    &sch_core_v1_PersistentVolumeClaimCondition,
    &sch_core_v1_PersistentVolumeClaimList,
    &sch_core_v1_PersistentVolumeClaimSpec,
    &sch_core_v1_PersistentVolumeClaimStatus,
    &sch_core_v1_PersistentVolumeClaimTemplate,
    &sch_core_v1_TypedObjectReference,
    &sch_core_v1_VolumeResourceRequirements,
    &sch_discovery_v1_Endpoint,
    &sch_discovery_v1_EndpointConditions,
    &sch_discovery_v1_EndpointHints,
    &sch_discovery_v1_EndpointPort,
    &sch_discovery_v1_EndpointSlice,
    &sch_discovery_v1_EndpointSliceList,
    &sch_discovery_v1_ForNode,
    &sch_discovery_v1_ForZone,
    &sch_events_v1_Event,
    &sch_events_v1_EventList,
    &sch_events_v1_EventSeries,
};
#define NTESTED (sizeof(tested_types) / sizeof(tested_types[0]))

/* Types the tables may reference but the meta, core and Pod tables own. */
static const struct sch_type *const foreign_types[] = {
    &sch_meta_v1_ObjectMeta,
    &sch_meta_v1_ListMeta,
    &sch_meta_v1_LabelSelector,
    &sch_core_v1_PodTemplateSpec,
    &sch_core_v1_ObjectReference,
    &sch_core_v1_EventSource,
    &sch_core_v1_TypedLocalObjectReference,
};

static bool in_set(const struct sch_type *t, const struct sch_type *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == t)
			return true;
	return false;
}

/* Our own lookup: the tables are checked without the shared schema code. */
static const struct sch_field *field_of(const struct sch_type *t, const char *name)
{
	for (size_t i = 0; i < t->nfields; i++)
		if (strcmp(t->fields[i].name, name) == 0)
			return &t->fields[i];
	return NULL;
}

static bool is_scalar(enum sch_kind k)
{
	return k != SCH_OBJECT && k != SCH_MAP && k != SCH_RAW && k != SCH_ANY;
}

/* Scalars Go encodes as plain values (the others are structs: Time,
 * MicroTime, Quantity, IntOrString, RawExtension). */
static bool is_plain_scalar(enum sch_kind k)
{
	return k == SCH_STRING || k == SCH_BOOL || k == SCH_INT32 || k == SCH_INT64 ||
	       k == SCH_DOUBLE || k == SCH_BYTES;
}

/* i: the field's index in t. */
static void check_field(const struct sch_type *t, size_t i)
{
	const struct sch_field *f = &t->fields[i];
	const char *tn = t->name;

	if (!f->name || !*f->name || !f->desc || !*f->desc)
		fail_msg("%s: a field without name or description", tn);
	/* Only a kind's TypeMeta keys travel outside the protobuf message. */
	if (f->pb == 0 && !(t->kind && i < 2))
		fail_msg("%s.%s: no protobuf field number", tn, f->name);
	if ((f->flags & SCH_F_OMITEMPTY) && (f->flags & SCH_F_REQUIRED))
		fail_msg("%s.%s: both omitempty and required", tn, f->name);
	/* Go never omits a struct value; types_def.h's metadata fields aside. */
	if ((f->flags & SCH_F_OMITEMPTY) && !(f->flags & SCH_F_LIST) && f->kind != SCH_MAP &&
	    !is_plain_scalar(f->kind) && strcmp(f->name, "metadata") != 0)
		fail_msg("%s.%s: omitempty on a struct value", tn, f->name);
	if (f->kind == SCH_OBJECT && !f->type)
		fail_msg("%s.%s: object field without a type", tn, f->name);
	if (f->kind == SCH_MAP) {
		if (f->elem == SCH_MAP || (f->flags & SCH_F_LIST))
			fail_msg("%s.%s: maps hold scalars or objects", tn, f->name);
		if (f->elem == SCH_OBJECT && !f->type)
			fail_msg("%s.%s: map of objects without a type", tn, f->name);
	}
	if (f->type && f->kind != SCH_OBJECT && !(f->kind == SCH_MAP && f->elem == SCH_OBJECT))
		fail_msg("%s.%s: a type on a field that holds no object", tn, f->name);
	if ((f->flags & (SCH_F_LIST_MAP | SCH_F_LIST_SET | SCH_F_PB_PACKED)) &&
	    !(f->flags & SCH_F_LIST))
		fail_msg("%s.%s: list flags on a field that is not a list", tn, f->name);
	if ((f->flags & SCH_F_LIST_SET) && !is_scalar(f->kind))
		fail_msg("%s.%s: a list-type set of non-scalars", tn, f->name);
	if ((f->flags & SCH_F_PB_PACKED) && !is_scalar(f->kind))
		fail_msg("%s.%s: packed repeated field of messages", tn, f->name);
	if ((f->flags & SCH_F_LIST_MAP) && !f->merge_key)
		fail_msg("%s.%s: list-map without a merge key", tn, f->name);
	if (f->merge_key) {
		const struct sch_field *key;

		if (!(f->flags & SCH_F_LIST) || f->kind != SCH_OBJECT)
			fail_msg("%s.%s: merge key on a field that is no list of objects", tn,
				 f->name);
		key = field_of(f->type, f->merge_key);
		if (!key)
			fail_msg("%s.%s: merge key %s is not a field of %s", tn, f->name,
				 f->merge_key, f->type->name);
		if (!is_scalar(key->kind) || (key->flags & SCH_F_LIST))
			fail_msg("%s.%s: merge key %s is not a scalar", tn, f->name, f->merge_key);
		if ((f->flags & SCH_F_LIST_MAP) && !(key->flags & SCH_F_REQUIRED))
			fail_msg("%s.%s: list-map key %s is optional", tn, f->name, f->merge_key);
	}
}

static void check_kind(const struct sch_type *t)
{
	const struct sch_field *items;
	size_t klen;

	if (!t->group || !t->version || !t->kind)
		fail_msg("%s: group, version and kind are set together", t->name);
	/* apiVersion and kind (pb 0, from the envelope), then metadata at 1. */
	if (t->nfields < 3 || strcmp(t->fields[0].name, "apiVersion") != 0 || t->fields[0].pb ||
	    strcmp(t->fields[1].name, "kind") != 0 || t->fields[1].pb ||
	    strcmp(t->fields[2].name, "metadata") != 0 || t->fields[2].pb != 1)
		fail_msg("%s: a kind opens with apiVersion, kind, metadata", t->name);
	klen = strlen(t->kind);
	if (klen < 4 || strcmp(t->kind + klen - 4, "List") != 0)
		return;
	/* A List wraps its item kind of the same group and version. */
	items = field_of(t, "items");
	if (!items || items->pb != 2 || !(items->flags & SCH_F_LIST) || !items->type)
		fail_msg("%s: no items list at field 2", t->name);
	if (!items->type->kind || strncmp(items->type->kind, t->kind, klen - 4) != 0 ||
	    items->type->kind[klen - 4] || strcmp(items->type->group, t->group) != 0 ||
	    strcmp(items->type->version, t->version) != 0)
		fail_msg("%s: items are not %.*s of %s/%s", t->name, (int)(klen - 4), t->kind,
			 t->group, t->version);
}

static void test_tables_consistent(void **state)
{
	(void)state;
	for (size_t i = 0; i < NTESTED; i++) {
		const struct sch_type *t = tested_types[i];

		assert_non_null(t->name);
		if (strncmp(t->name, "io.k8s.api.", 11) != 0)
			fail_msg("%s: not an io.k8s.api definition name", t->name);
		if (!t->desc || !*t->desc)
			fail_msg("%s: no description", t->name);
		if (t->flags & ~(unsigned)(SCH_F_PRESERVE | SCH_F_ATOMIC))
			fail_msg("%s: type flags other than preserve/atomic", t->name);
		if (!(t->flags & SCH_F_PRESERVE) && (!t->fields || t->nfields == 0))
			fail_msg("%s: no fields and not preserved", t->name);
		for (size_t j = i + 1; j < NTESTED; j++)
			if (tested_types[j] == t || strcmp(tested_types[j]->name, t->name) == 0)
				fail_msg("%s: defined twice", t->name);
		for (size_t a = 0; a < t->nfields; a++) {
			check_field(t, a);
			for (size_t b = a + 1; b < t->nfields; b++) {
				if (strcmp(t->fields[a].name, t->fields[b].name) == 0)
					fail_msg("%s: JSON name %s twice", t->name,
						 t->fields[a].name);
				if (t->fields[a].pb && t->fields[a].pb == t->fields[b].pb)
					fail_msg("%s: protobuf field %u twice (%s, %s)", t->name,
						 t->fields[a].pb, t->fields[a].name,
						 t->fields[b].name);
			}
		}
		if (t->group || t->version || t->kind)
			check_kind(t);
	}
}

/* Every type reachable from the tables is one of the tested ones (so none
 * escapes the checks above) or one another schema file owns. */
static void test_references_closed(void **state)
{
	(void)state;
	for (size_t i = 0; i < NTESTED; i++) {
		const struct sch_type *t = tested_types[i];

		for (size_t j = 0; j < t->nfields; j++) {
			const struct sch_type *r = t->fields[j].type;

			if (r && !in_set(r, tested_types, NTESTED) &&
			    !in_set(r, foreign_types,
				    sizeof(foreign_types) / sizeof(foreign_types[0])))
				fail_msg("%s.%s: references %s, which no table here defines",
					 t->name, t->fields[j].name, r->name);
		}
	}
}

/* Facts of the upstream wire format and API, looked up field by field. */
static const struct fact {
	const struct sch_type *t;
	const char *field;
	uint32_t pb;
	enum sch_kind kind;
	unsigned has, lacks;	     /* flags that must be set / clear */
	const struct sch_type *type; /* NULL: not checked */
	const char *merge_key;	     /* NULL: none */
} facts[] = {
    /* Pointers (Go *int32) are kept when zero: no omitempty. */
    {&sch_apps_v1_DeploymentSpec, "replicas", 1, SCH_INT32, 0, SCH_F_OMITEMPTY, NULL, NULL},
    {&sch_apps_v1_DeploymentSpec, "selector", 2, SCH_OBJECT, SCH_F_REQUIRED, 0,
     &sch_meta_v1_LabelSelector, NULL},
    {&sch_apps_v1_DeploymentSpec, "template", 3, SCH_OBJECT, SCH_F_REQUIRED, 0,
     &sch_core_v1_PodTemplateSpec, NULL},
    {&sch_apps_v1_DeploymentSpec, "strategy", 4, SCH_OBJECT, 0, SCH_F_OMITEMPTY,
     &sch_apps_v1_DeploymentStrategy, NULL},
    {&sch_apps_v1_DeploymentSpec, "paused", 7, SCH_BOOL, SCH_F_OMITEMPTY, 0, NULL, NULL},
    {&sch_apps_v1_DeploymentSpec, "progressDeadlineSeconds", 9, SCH_INT32, 0, SCH_F_OMITEMPTY, NULL,
     NULL},
    {&sch_apps_v1_DeploymentStatus, "readyReplicas", 7, SCH_INT32, SCH_F_OMITEMPTY, 0, NULL, NULL},
    {&sch_apps_v1_DeploymentStatus, "conditions", 6, SCH_OBJECT, SCH_F_LIST | SCH_F_LIST_MAP, 0,
     &sch_apps_v1_DeploymentCondition, "type"},
    {&sch_apps_v1_DeploymentCondition, "lastUpdateTime", 6, SCH_TIME, 0, 0, NULL, NULL},
    {&sch_apps_v1_RollingUpdateDeployment, "maxSurge", 2, SCH_INT_OR_STRING, 0, 0, NULL, NULL},
    {&sch_apps_v1_StatefulSetSpec, "volumeClaimTemplates", 4, SCH_OBJECT, SCH_F_LIST | SCH_F_ATOMIC,
     0, &sch_core_v1_PersistentVolumeClaim, NULL},
    {&sch_apps_v1_StatefulSetSpec, "serviceName", 5, SCH_STRING, 0, 0, NULL, NULL},
    {&sch_apps_v1_StatefulSetSpec, "ordinals", 11, SCH_OBJECT, 0, 0,
     &sch_apps_v1_StatefulSetOrdinals, NULL},
    {&sch_apps_v1_StatefulSetStatus, "collisionCount", 9, SCH_INT32, 0, 0, NULL, NULL},
    {&sch_apps_v1_StatefulSetStatus, "availableReplicas", 11, SCH_INT32, 0,
     SCH_F_OMITEMPTY | SCH_F_REQUIRED, NULL, NULL},
    {&sch_apps_v1_DaemonSetSpec, "revisionHistoryLimit", 6, SCH_INT32, 0, 0, NULL, NULL},
    {&sch_apps_v1_DaemonSetStatus, "numberMisscheduled", 2, SCH_INT32, SCH_F_REQUIRED, 0, NULL,
     NULL},
    {&sch_apps_v1_ControllerRevision, "data", 2, SCH_RAW, 0, 0, NULL, NULL},
    {&sch_apps_v1_ControllerRevision, "revision", 3, SCH_INT64, SCH_F_REQUIRED, 0, NULL, NULL},
    {&sch_discovery_v1_EndpointSlice, "addressType", 4, SCH_STRING, SCH_F_REQUIRED, 0, NULL, NULL},
    {&sch_discovery_v1_EndpointSlice, "endpoints", 2, SCH_OBJECT, SCH_F_LIST | SCH_F_ATOMIC,
     SCH_F_OMITEMPTY, &sch_discovery_v1_Endpoint, NULL},
    {&sch_discovery_v1_EndpointSlice, "ports", 3, SCH_OBJECT, SCH_F_LIST | SCH_F_ATOMIC,
     SCH_F_OMITEMPTY, &sch_discovery_v1_EndpointPort, NULL},
    {&sch_discovery_v1_Endpoint, "addresses", 1, SCH_STRING,
     SCH_F_LIST | SCH_F_LIST_SET | SCH_F_REQUIRED, 0, NULL, NULL},
    {&sch_discovery_v1_Endpoint, "hints", 8, SCH_OBJECT, 0, 0, &sch_discovery_v1_EndpointHints,
     NULL},
    {&sch_discovery_v1_EndpointConditions, "terminating", 3, SCH_BOOL, 0, SCH_F_OMITEMPTY, NULL,
     NULL},
    {&sch_discovery_v1_EndpointPort, "port", 3, SCH_INT32, 0, 0, NULL, NULL},
    {&sch_coordination_v1_LeaseSpec, "holderIdentity", 1, SCH_STRING, 0, SCH_F_OMITEMPTY, NULL,
     NULL},
    {&sch_coordination_v1_LeaseSpec, "acquireTime", 3, SCH_MICROTIME, 0, 0, NULL, NULL},
    {&sch_coordination_v1_LeaseSpec, "renewTime", 4, SCH_MICROTIME, 0, 0, NULL, NULL},
    {&sch_coordination_v1_LeaseSpec, "leaseTransitions", 5, SCH_INT32, 0, 0, NULL, NULL},
    {&sch_batch_v1_JobSpec, "template", 6, SCH_OBJECT, SCH_F_REQUIRED, 0,
     &sch_core_v1_PodTemplateSpec, NULL},
    {&sch_batch_v1_JobSpec, "podFailurePolicy", 11, SCH_OBJECT, 0, 0,
     &sch_batch_v1_PodFailurePolicy, NULL},
    {&sch_batch_v1_JobSpec, "successPolicy", 16, SCH_OBJECT, 0, 0, &sch_batch_v1_SuccessPolicy,
     NULL},
    {&sch_batch_v1_JobSpec, "activeDeadlineSeconds", 3, SCH_INT64, 0, 0, NULL, NULL},
    {&sch_batch_v1_JobStatus, "conditions", 1, SCH_OBJECT, SCH_F_LIST | SCH_F_ATOMIC,
     SCH_F_LIST_MAP, &sch_batch_v1_JobCondition, "type"},
    {&sch_batch_v1_JobStatus, "uncountedTerminatedPods", 8, SCH_OBJECT, 0, 0,
     &sch_batch_v1_UncountedTerminatedPods, NULL},
    {&sch_batch_v1_PodFailurePolicyOnExitCodesRequirement, "values", 3, SCH_INT32,
     SCH_F_LIST | SCH_F_LIST_SET | SCH_F_PB_PACKED, 0, NULL, NULL},
    {&sch_batch_v1_CronJobSpec, "jobTemplate", 5, SCH_OBJECT, SCH_F_REQUIRED, 0,
     &sch_batch_v1_JobTemplateSpec, NULL},
    {&sch_batch_v1_CronJobSpec, "timeZone", 8, SCH_STRING, 0, 0, NULL, NULL},
    {&sch_batch_v1_CronJobStatus, "lastSuccessfulTime", 5, SCH_TIME, 0, 0, NULL, NULL},
    {&sch_autoscaling_v1_HorizontalPodAutoscalerSpec, "targetCPUUtilizationPercentage", 4,
     SCH_INT32, 0, 0, NULL, NULL},
    {&sch_autoscaling_v2_HorizontalPodAutoscalerSpec, "metrics", 4, SCH_OBJECT,
     SCH_F_LIST | SCH_F_ATOMIC, 0, &sch_autoscaling_v2_MetricSpec, NULL},
    {&sch_autoscaling_v2_HorizontalPodAutoscalerSpec, "maxReplicas", 3, SCH_INT32, SCH_F_REQUIRED,
     0, NULL, NULL},
    {&sch_autoscaling_v2_MetricSpec, "containerResource", 7, SCH_OBJECT, 0, 0,
     &sch_autoscaling_v2_ContainerResourceMetricSource, NULL},
    {&sch_autoscaling_v2_MetricSpec, "external", 5, SCH_OBJECT, 0, 0,
     &sch_autoscaling_v2_ExternalMetricSource, NULL},
    {&sch_autoscaling_v2_HPAScalingRules, "selectPolicy", 1, SCH_STRING, 0, 0, NULL, NULL},
    {&sch_autoscaling_v2_HPAScalingRules, "stabilizationWindowSeconds", 3, SCH_INT32, 0, 0, NULL,
     NULL},
    {&sch_autoscaling_v2_HPAScalingRules, "tolerance", 4, SCH_QUANTITY, 0, 0, NULL, NULL},
    {&sch_autoscaling_v2_HorizontalPodAutoscalerStatus, "currentMetrics", 5, SCH_OBJECT,
     SCH_F_LIST | SCH_F_ATOMIC, SCH_F_OMITEMPTY, &sch_autoscaling_v2_MetricStatus, NULL},
    {&sch_autoscaling_v2_HorizontalPodAutoscalerStatus, "conditions", 6, SCH_OBJECT,
     SCH_F_LIST | SCH_F_LIST_MAP, 0, &sch_autoscaling_v2_HorizontalPodAutoscalerCondition, "type"},
    {&sch_autoscaling_v2_MetricTarget, "averageUtilization", 4, SCH_INT32, 0, 0, NULL, NULL},
    {&sch_events_v1_Event, "eventTime", 2, SCH_MICROTIME, SCH_F_REQUIRED, 0, NULL, NULL},
    {&sch_events_v1_Event, "regarding", 8, SCH_OBJECT, 0, 0, &sch_core_v1_ObjectReference, NULL},
    {&sch_events_v1_Event, "related", 9, SCH_OBJECT, 0, 0, &sch_core_v1_ObjectReference, NULL},
    {&sch_events_v1_Event, "deprecatedSource", 12, SCH_OBJECT, 0, 0, &sch_core_v1_EventSource,
     NULL},
    {&sch_events_v1_EventSeries, "lastObservedTime", 2, SCH_MICROTIME, SCH_F_REQUIRED, 0, NULL,
     NULL},
    {&sch_core_v1_PersistentVolumeClaimSpec, "storageClassName", 5, SCH_STRING, 0, 0, NULL, NULL},
    {&sch_core_v1_PersistentVolumeClaimStatus, "capacity", 3, SCH_MAP, SCH_F_OMITEMPTY, 0, NULL,
     NULL},
};

static void test_known_facts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		const struct fact *k = &facts[i];
		const struct sch_field *f = field_of(k->t, k->field);

		if (!f)
			fail_msg("%s: no field %s", k->t->name, k->field);
		if (f->pb != k->pb || f->kind != k->kind)
			fail_msg("%s.%s: protobuf %u kind %d, want %u kind %d", k->t->name,
				 k->field, f->pb, f->kind, k->pb, k->kind);
		if ((f->flags & k->has) != k->has || (f->flags & k->lacks))
			fail_msg("%s.%s: flags %#x, want %#x set and %#x clear", k->t->name,
				 k->field, f->flags, k->has, k->lacks);
		if (k->type && f->type != k->type)
			fail_msg("%s.%s: of type %s, want %s", k->t->name, k->field,
				 f->type ? f->type->name : "none", k->type->name);
		if ((k->merge_key || f->merge_key) &&
		    (!k->merge_key || !f->merge_key || strcmp(k->merge_key, f->merge_key) != 0))
			fail_msg("%s.%s: merge key %s, want %s", k->t->name, k->field,
				 f->merge_key ? f->merge_key : "none",
				 k->merge_key ? k->merge_key : "none");
	}
	/* Map value kinds are facts too. */
	assert_int_equal(field_of(&sch_core_v1_PersistentVolumeClaimStatus, "capacity")->elem,
			 SCH_QUANTITY);
	assert_int_equal(
	    field_of(&sch_core_v1_PersistentVolumeClaimStatus, "allocatedResourceStatuses")->elem,
	    SCH_STRING);
}

/* The kinds the server will serve carry upstream's group, version and
 * kind (what the protobuf envelope and OpenAPI GVK extension compare). */
static void test_group_version_kind(void **state)
{
	static const struct {
		const struct sch_type *t;
		const char *group, *version, *kind;
	} gvk[] = {
	    {&sch_apps_v1_Deployment, "apps", "v1", "Deployment"},
	    {&sch_apps_v1_StatefulSetList, "apps", "v1", "StatefulSetList"},
	    {&sch_apps_v1_ControllerRevision, "apps", "v1", "ControllerRevision"},
	    {&sch_discovery_v1_EndpointSlice, "discovery.k8s.io", "v1", "EndpointSlice"},
	    {&sch_batch_v1_CronJob, "batch", "v1", "CronJob"},
	    {&sch_coordination_v1_Lease, "coordination.k8s.io", "v1", "Lease"},
	    {&sch_autoscaling_v1_HorizontalPodAutoscaler, "autoscaling", "v1",
	     "HorizontalPodAutoscaler"},
	    {&sch_autoscaling_v2_HorizontalPodAutoscalerList, "autoscaling", "v2",
	     "HorizontalPodAutoscalerList"},
	    {&sch_events_v1_Event, "events.k8s.io", "v1", "Event"},
	    {&sch_core_v1_PersistentVolumeClaim, "", "v1", "PersistentVolumeClaim"},
	};
	size_t nkinds = 0;

	for (size_t i = 0; i < sizeof(gvk) / sizeof(gvk[0]); i++) {
		assert_string_equal(gvk[i].t->group, gvk[i].group);
		assert_string_equal(gvk[i].t->version, gvk[i].version);
		assert_string_equal(gvk[i].t->kind, gvk[i].kind);
	}
	/* Nested types carry none: 13 kinds, each with its List. */
	for (size_t i = 0; i < NTESTED; i++)
		nkinds += tested_types[i]->kind != NULL;
	assert_int_equal(nkinds, 26);
	/* Status is the server's, and says so for the docs. */
	assert_true(field_of(&sch_apps_v1_Deployment, "status")->flags & SCH_F_READONLY);
	/* The HPA spec is +required upstream (and tagged omitempty). */
	assert_true(field_of(&sch_autoscaling_v2_HorizontalPodAutoscaler, "spec")->flags &
		    SCH_F_REQUIRED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tables_consistent),
	    cmocka_unit_test(test_references_closed),
	    cmocka_unit_test(test_known_facts),
	    cmocka_unit_test(test_group_version_kind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
