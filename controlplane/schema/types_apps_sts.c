/* apps/v1 StatefulSet: pods with stable names and storage. */
#include "types_apps.h"
#include "types_common.h"
#include "types_pvc.h"

static const struct sch_field sts_rolling_update_fields[] = {
    SF_I32("partition", 1, 0,
	   "Only pods with an ordinal at or above this number are updated; lower ones keep "
	   "the old revision (a canary). Defaults to 0."),
    SF_SCALAR("maxUnavailable", 2, SCH_INT_OR_STRING, 0,
	      "How many pods (a number, or a percentage rounded up; never 0) may be "
	      "unavailable during the update. Defaults to 1; alpha, behind "
	      "MaxUnavailableStatefulSet."),
};

const struct sch_type sch_apps_v1_RollingUpdateStatefulSetStrategy = {
    .name = "io.k8s.api.apps.v1.RollingUpdateStatefulSetStrategy",
    .desc = "Parameters of a StatefulSet rolling update.",
    .fields = SCH_FIELDS(sts_rolling_update_fields),
};

static const struct sch_field sts_update_strategy_fields[] = {
    SF_STR("type", 1, OM,
	   "RollingUpdate (the default: replace pods in reverse ordinal order) or OnDelete "
	   "(new pods only when old ones are deleted by hand)."),
    SF_OBJ("rollingUpdate", 2, sch_apps_v1_RollingUpdateStatefulSetStrategy, 0,
	   "Tuning of the rolling update; only meaningful when type is RollingUpdate."),
};

const struct sch_type sch_apps_v1_StatefulSetUpdateStrategy = {
    .name = "io.k8s.api.apps.v1.StatefulSetUpdateStrategy",
    .desc = "How the StatefulSet controller moves pods to a new revision of the template.",
    .fields = SCH_FIELDS(sts_update_strategy_fields),
};

static const struct sch_field sts_pvc_retention_fields[] = {
    SF_STR("whenDeleted", 1, OM,
	   "What happens to claims made from volumeClaimTemplates when the StatefulSet is "
	   "deleted: Retain (the default) or Delete."),
    SF_STR("whenScaled", 2, OM,
	   "What happens to the claims of pods removed by a scale-down: Retain (the "
	   "default) or Delete."),
};

const struct sch_type sch_apps_v1_StatefulSetPersistentVolumeClaimRetentionPolicy = {
    .name = "io.k8s.api.apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy",
    .desc = "Whether claims created from the volume claim templates outlive the StatefulSet "
	    "and its scale-downs.",
    .fields = SCH_FIELDS(sts_pvc_retention_fields),
};

static const struct sch_field sts_ordinals_fields[] = {
    SF_I32("start", 1, 0,
	   "The index of the first replica; replicas are numbered from start to "
	   "start+replicas-1. Defaults to 0."),
};

const struct sch_type sch_apps_v1_StatefulSetOrdinals = {
    .name = "io.k8s.api.apps.v1.StatefulSetOrdinals",
    .desc = "How replica indices of a StatefulSet are numbered.",
    .fields = SCH_FIELDS(sts_ordinals_fields),
};

static const struct sch_field sts_spec_fields[] = {
    SF_I32("replicas", 1, 0, "How many pods should run. Unset means 1."),
    SCH_APPS_SELECTOR_FIELD(2, "StatefulSet"),
    SF_OBJ("template", 3, sch_core_v1_PodTemplateSpec, REQ,
	   "The pods to create; each is named <statefulset>-<ordinal>. Its restartPolicy "
	   "may only be Always."),
    SF_OBJS("volumeClaimTemplates", 4, sch_core_v1_PersistentVolumeClaim, ATOM | OM,
	    "Claims made for every pod, one per template and ordinal; each must be mounted "
	    "by name in a container and wins over a template volume of the same name."),
    SF_STR("serviceName", 5, REQ,
	   "The headless Service that gives the pods their DNS names "
	   "(<pod>.<serviceName>.<namespace>.svc)."),
    SF_STR("podManagementPolicy", 6, OM,
	   "OrderedReady (the default: one pod at a time, in order, each ready before the "
	   "next) or Parallel (all at once)."),
    SF_OBJ("updateStrategy", 7, sch_apps_v1_StatefulSetUpdateStrategy, 0,
	   "How pods are moved to a new revision of the template."),
    SF_I32("revisionHistoryLimit", 8, 0,
	   "How many old ControllerRevisions to keep. Defaults to 10."),
    SCH_APPS_MIN_READY_FIELD(9),
    SF_OBJ("persistentVolumeClaimRetentionPolicy", 10,
	   sch_apps_v1_StatefulSetPersistentVolumeClaimRetentionPolicy, 0,
	   "Whether claims from volumeClaimTemplates are deleted with the StatefulSet or "
	   "on scale-down; by default they are kept."),
    SF_OBJ("ordinals", 11, sch_apps_v1_StatefulSetOrdinals, 0,
	   "How replica indices are numbered; by default from 0."),
};

const struct sch_type sch_apps_v1_StatefulSetSpec = {
    .name = "io.k8s.api.apps.v1.StatefulSetSpec",
    .desc = "The desired state of a StatefulSet: the pod template, the claims each pod gets, "
	    "and how pods are created and updated.",
    .fields = SCH_FIELDS(sts_spec_fields),
};

const struct sch_type sch_apps_v1_StatefulSetCondition = {
    .name = "io.k8s.api.apps.v1.StatefulSetCondition",
    .desc = "One observation about a StatefulSet at a point in time.",
    .fields = SCH_FIELDS(sch_apps_v1_condition_fields),
};

static const struct sch_field sts_status_fields[] = {
    SCH_APPS_OBSERVED_GENERATION_FIELD(1),
    SF_I32("replicas", 2, REQ, "Pods created by the controller."),
    SF_I32("readyReplicas", 3, OM, "Pods whose Ready condition is true."),
    SF_I32("currentReplicas", 4, OM, "Pods created from the revision named by currentRevision."),
    SF_I32("updatedReplicas", 5, OM, "Pods created from the revision named by updateRevision."),
    SF_STR("currentRevision", 6, OM,
	   "The revision that produced the pods with ordinals below currentReplicas."),
    SF_STR("updateRevision", 7, OM,
	   "The revision that produces the highest updatedReplicas ordinals."),
    SCH_APPS_COLLISION_COUNT_FIELD(9, "ControllerRevision"),
    SCH_CONDITIONS_FIELD(10, sch_apps_v1_StatefulSetCondition,
			 "The latest observations of the StatefulSet's state, one per type."),
    SF_I32("availableReplicas", 11, 0, "Pods that have been ready for at least minReadySeconds."),
};

const struct sch_type sch_apps_v1_StatefulSetStatus = {
    .name = "io.k8s.api.apps.v1.StatefulSetStatus",
    .desc = "The state of a StatefulSet as last observed by its controller.",
    .fields = SCH_FIELDS(sts_status_fields),
};

SCH_KIND_TYPE(sch_apps_v1_StatefulSet, "io.k8s.api.apps.v1.StatefulSet",
	      "Runs pods with stable identities: each keeps its ordinal name, DNS name and "
	      "persistent volume claims across rescheduling.",
	      "apps", "v1", "StatefulSet", sch_apps_v1_StatefulSetSpec,
	      "The desired pods, their identities and their storage.",
	      sch_apps_v1_StatefulSetStatus);

SCH_DEFINE_LIST(sch_apps_v1_StatefulSetList, sch_apps_v1_StatefulSet,
		"io.k8s.api.apps.v1.StatefulSetList", "apps", "v1", "StatefulSet",
		"The StatefulSets in this list.");
