/* apps/v1 Deployment and ReplicaSet, and the condition shape the apps
 * controllers share. Field numbers and JSON names are those of the
 * upstream wire format; pointer fields (Go *T) carry no OMITEMPTY flag. */
#include "types_apps.h"
#include "types_common.h"

const struct sch_field sch_apps_v1_condition_fields[SCH_APPS_NCONDITION_FIELDS] = {
    SCH_CONDITION_TYPE_STATUS("The kind of condition this entry reports."),
    SCH_CONDITION_TRANSITION(3),
    SCH_CONDITION_REASON_MESSAGE(4, 5),
};

/* --- Deployment --- */

static const struct sch_field rolling_update_deployment_fields[] = {
    SF_SCALAR("maxUnavailable", 1, SCH_INT_OR_STRING, 0,
	      "How many pods (a number, or a percentage of the desired count rounded down) may "
	      "be unavailable during the update. Defaults to 25%."),
    SF_SCALAR("maxSurge", 2, SCH_INT_OR_STRING, 0,
	      "How many pods (a number, or a percentage of the desired count rounded up) may be "
	      "created above the desired count during the update. Defaults to 25%."),
};

const struct sch_type sch_apps_v1_RollingUpdateDeployment = {
    .name = "io.k8s.api.apps.v1.RollingUpdateDeployment",
    .desc = "Parameters of a rolling update: how far the pod count may dip below and rise "
	    "above the desired count while old pods are replaced.",
    .fields = SCH_FIELDS(rolling_update_deployment_fields),
};

static const struct sch_field deployment_strategy_fields[] = {
    SF_STR("type", 1, OM,
	   "Recreate (stop every old pod first) or RollingUpdate (replace them gradually, "
	   "the default)."),
    SF_OBJ("rollingUpdate", 2, sch_apps_v1_RollingUpdateDeployment, 0,
	   "Tuning of the rolling update; only meaningful when type is RollingUpdate."),
};

const struct sch_type sch_apps_v1_DeploymentStrategy = {
    .name = "io.k8s.api.apps.v1.DeploymentStrategy",
    .desc = "How a Deployment replaces its existing pods with new ones.",
    .fields = SCH_FIELDS(deployment_strategy_fields),
};

static const struct sch_field deployment_spec_fields[] = {
    SF_I32("replicas", 1, 0,
	   "How many pods should run. Unset means 1; an explicit 0 scales the Deployment "
	   "down."),
    SCH_APPS_SELECTOR_FIELD(2, "Deployment"),
    SF_OBJ("template", 3, sch_core_v1_PodTemplateSpec, REQ,
	   "The pods to create. Its restartPolicy may only be Always."),
    SF_OBJ("strategy", 4, sch_apps_v1_DeploymentStrategy, 0,
	   "How old pods are replaced when the template changes."),
    SCH_APPS_MIN_READY_FIELD(5),
    SF_I32("revisionHistoryLimit", 6, 0,
	   "How many old ReplicaSets to keep for rolling back. Defaults to 10."),
    SF_BOOL("paused", 7, OM,
	    "When true, template changes are not rolled out until the Deployment is "
	    "resumed."),
    SF_I32("progressDeadlineSeconds", 9, 0,
	   "Seconds a rollout may go without progress before the Deployment reports "
	   "ProgressDeadlineExceeded. Defaults to 600."),
};

const struct sch_type sch_apps_v1_DeploymentSpec = {
    .name = "io.k8s.api.apps.v1.DeploymentSpec",
    .desc = "The desired state of a Deployment: the pod template, how many copies, and how to "
	    "roll out changes.",
    .fields = SCH_FIELDS(deployment_spec_fields),
};

static const struct sch_field deployment_condition_fields[] = {
    SCH_CONDITION_TYPE_STATUS("The condition: Available, Progressing or ReplicaFailure."),
    SCH_CONDITION_TIME("lastUpdateTime", 6, "When the controller last refreshed this condition."),
    SCH_CONDITION_TRANSITION(7),
    SCH_CONDITION_REASON_MESSAGE(4, 5),
};

const struct sch_type sch_apps_v1_DeploymentCondition = {
    .name = "io.k8s.api.apps.v1.DeploymentCondition",
    .desc = "One observation about a Deployment at a point in time.",
    .fields = SCH_FIELDS(deployment_condition_fields),
};

static const struct sch_field deployment_status_fields[] = {
    SCH_APPS_OBSERVED_GENERATION_FIELD(1),
    SF_I32("replicas", 2, OM, "Non-terminating pods matched by the selector."),
    SF_I32("updatedReplicas", 3, OM, "Non-terminating pods that already run the current template."),
    SF_I32("readyReplicas", 7, OM, "Non-terminating pods whose Ready condition is true."),
    SF_I32("availableReplicas", 4, OM,
	   "Non-terminating pods that have been ready for at least minReadySeconds."),
    SF_I32("unavailableReplicas", 5, OM,
	   "Pods still missing before the Deployment is fully available, whether running "
	   "but not yet available or not created yet."),
    SF_I32("terminatingReplicas", 9, 0,
	   "Pods being deleted that have not reached Succeeded or Failed (alpha, behind "
	   "DeploymentPodReplacementPolicy)."),
    SCH_CONDITIONS_FIELD(6, sch_apps_v1_DeploymentCondition,
			 "The latest observations of the Deployment's state, one per type."),
    SCH_APPS_COLLISION_COUNT_FIELD(8, "ReplicaSet"),
};

const struct sch_type sch_apps_v1_DeploymentStatus = {
    .name = "io.k8s.api.apps.v1.DeploymentStatus",
    .desc = "The state of a Deployment as last observed by its controller.",
    .fields = SCH_FIELDS(deployment_status_fields),
};

SCH_KIND_TYPE(sch_apps_v1_Deployment, "io.k8s.api.apps.v1.Deployment",
	      "Keeps a number of copies of a pod template running and rolls out changes to it "
	      "through ReplicaSets.",
	      "apps", "v1", "Deployment", sch_apps_v1_DeploymentSpec,
	      "The desired state of the Deployment.", sch_apps_v1_DeploymentStatus);

SCH_DEFINE_LIST(sch_apps_v1_DeploymentList, sch_apps_v1_Deployment,
		"io.k8s.api.apps.v1.DeploymentList", "apps", "v1", "Deployment",
		"The Deployments in this list.");

/* --- ReplicaSet --- */

static const struct sch_field replica_set_spec_fields[] = {
    SF_I32("replicas", 1, 0, "How many pods should run. Unset means 1; an explicit 0 is kept."),
    SCH_APPS_MIN_READY_FIELD(4),
    SCH_APPS_SELECTOR_FIELD(2, "ReplicaSet"),
    SF_OBJ("template", 3, sch_core_v1_PodTemplateSpec, 0,
	   "The pods to create when fewer than the desired number exist."),
};

const struct sch_type sch_apps_v1_ReplicaSetSpec = {
    .name = "io.k8s.api.apps.v1.ReplicaSetSpec",
    .desc = "The desired state of a ReplicaSet: a pod template and how many copies of it.",
    .fields = SCH_FIELDS(replica_set_spec_fields),
};

const struct sch_type sch_apps_v1_ReplicaSetCondition = {
    .name = "io.k8s.api.apps.v1.ReplicaSetCondition",
    .desc = "One observation about a ReplicaSet at a point in time.",
    .fields = SCH_FIELDS(sch_apps_v1_condition_fields),
};

static const struct sch_field replica_set_status_fields[] = {
    SF_I32("replicas", 1, REQ, "The number of non-terminating pods last observed."),
    SF_I32("fullyLabeledReplicas", 2, OM,
	   "Non-terminating pods carrying every label of the pod template."),
    SF_I32("readyReplicas", 4, OM, "Non-terminating pods whose Ready condition is true."),
    SF_I32("availableReplicas", 5, OM,
	   "Non-terminating pods that have been ready for at least minReadySeconds."),
    SF_I32("terminatingReplicas", 7, 0,
	   "Pods being deleted that have not reached Succeeded or Failed (alpha, behind "
	   "DeploymentPodReplacementPolicy)."),
    SCH_APPS_OBSERVED_GENERATION_FIELD(3),
    SCH_CONDITIONS_FIELD(6, sch_apps_v1_ReplicaSetCondition,
			 "The latest observations of the ReplicaSet's state, one per type."),
};

const struct sch_type sch_apps_v1_ReplicaSetStatus = {
    .name = "io.k8s.api.apps.v1.ReplicaSetStatus",
    .desc = "The state of a ReplicaSet as last observed by its controller.",
    .fields = SCH_FIELDS(replica_set_status_fields),
};

SCH_KIND_TYPE(sch_apps_v1_ReplicaSet, "io.k8s.api.apps.v1.ReplicaSet",
	      "Keeps a given number of pods matching a selector running at any time; usually "
	      "managed by a Deployment.",
	      "apps", "v1", "ReplicaSet", sch_apps_v1_ReplicaSetSpec,
	      "The desired state of the ReplicaSet.", sch_apps_v1_ReplicaSetStatus);

SCH_DEFINE_LIST(sch_apps_v1_ReplicaSetList, sch_apps_v1_ReplicaSet,
		"io.k8s.api.apps.v1.ReplicaSetList", "apps", "v1", "ReplicaSet",
		"The ReplicaSets in this list.");
