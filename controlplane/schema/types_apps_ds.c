/* apps/v1 DaemonSet (one pod per eligible node) and ControllerRevision
 * (the immutable template snapshots DaemonSets and StatefulSets roll
 * between). */
#include "types_apps.h"
#include "types_common.h"

static const struct sch_field ds_rolling_update_fields[] = {
    SF_SCALAR("maxUnavailable", 1, SCH_INT_OR_STRING, 0,
	      "How many nodes (a number, or a percentage of desiredNumberScheduled rounded "
	      "up) may have their daemon pod down for the update at once. Defaults to 1."),
    SF_SCALAR("maxSurge", 2, SCH_INT_OR_STRING, 0,
	      "How many nodes (a number, or a percentage rounded up to at least 1) may run a "
	      "new pod beside the old one before the old one is deleted. Defaults to 0."),
};

const struct sch_type sch_apps_v1_RollingUpdateDaemonSet = {
    .name = "io.k8s.api.apps.v1.RollingUpdateDaemonSet",
    .desc = "Parameters of a DaemonSet rolling update.",
    .fields = SCH_FIELDS(ds_rolling_update_fields),
};

static const struct sch_field ds_update_strategy_fields[] = {
    SF_STR("type", 1, OM,
	   "RollingUpdate (the default: replace pods node by node) or OnDelete (new pods "
	   "only when old ones are deleted by hand)."),
    SF_OBJ("rollingUpdate", 2, sch_apps_v1_RollingUpdateDaemonSet, 0,
	   "Tuning of the rolling update; only meaningful when type is RollingUpdate."),
};

const struct sch_type sch_apps_v1_DaemonSetUpdateStrategy = {
    .name = "io.k8s.api.apps.v1.DaemonSetUpdateStrategy",
    .desc = "How the DaemonSet controller replaces its pods when the template changes.",
    .fields = SCH_FIELDS(ds_update_strategy_fields),
};

static const struct sch_field ds_spec_fields[] = {
    SCH_APPS_SELECTOR_FIELD(1, "DaemonSet"),
    SF_OBJ("template", 2, sch_core_v1_PodTemplateSpec, REQ,
	   "The pod to run once on every node its node selector admits (every node when "
	   "it has none). Its restartPolicy may only be Always."),
    SF_OBJ("updateStrategy", 3, sch_apps_v1_DaemonSetUpdateStrategy, 0,
	   "How existing daemon pods are replaced when the template changes."),
    SCH_APPS_MIN_READY_FIELD(4),
    SF_I32("revisionHistoryLimit", 6, 0,
	   "How many old ControllerRevisions to keep for rolling back. Defaults to 10."),
};

const struct sch_type sch_apps_v1_DaemonSetSpec = {
    .name = "io.k8s.api.apps.v1.DaemonSetSpec",
    .desc = "The desired state of a DaemonSet: the pod to run per node and how to update it.",
    .fields = SCH_FIELDS(ds_spec_fields),
};

const struct sch_type sch_apps_v1_DaemonSetCondition = {
    .name = "io.k8s.api.apps.v1.DaemonSetCondition",
    .desc = "One observation about a DaemonSet at a point in time.",
    .fields = SCH_FIELDS(sch_apps_v1_condition_fields),
};

static const struct sch_field ds_status_fields[] = {
    SF_I32("currentNumberScheduled", 1, REQ,
	   "Nodes that should run the daemon pod and run at least one."),
    SF_I32("numberMisscheduled", 2, REQ, "Nodes that run the daemon pod but should not."),
    SF_I32("desiredNumberScheduled", 3, REQ,
	   "Nodes that should run the daemon pod, whether or not they do."),
    SF_I32("numberReady", 4, REQ,
	   "Nodes that should run the daemon pod and have one whose Ready condition is "
	   "true."),
    SCH_APPS_OBSERVED_GENERATION_FIELD(5),
    SF_I32("updatedNumberScheduled", 6, OM, "Nodes running a daemon pod of the current template."),
    SF_I32("numberAvailable", 7, OM,
	   "Nodes that should run the daemon pod and have one available (ready for at "
	   "least minReadySeconds)."),
    SF_I32("numberUnavailable", 8, OM,
	   "Nodes that should run the daemon pod and have none available."),
    SCH_APPS_COLLISION_COUNT_FIELD(9, "ControllerRevision"),
    SCH_CONDITIONS_FIELD(10, sch_apps_v1_DaemonSetCondition,
			 "The latest observations of the DaemonSet's state, one per type."),
};

const struct sch_type sch_apps_v1_DaemonSetStatus = {
    .name = "io.k8s.api.apps.v1.DaemonSetStatus",
    .desc = "The state of a DaemonSet as last observed by its controller.",
    .fields = SCH_FIELDS(ds_status_fields),
};

SCH_KIND_TYPE(sch_apps_v1_DaemonSet, "io.k8s.api.apps.v1.DaemonSet",
	      "Runs one copy of a pod on every node that its template admits.", "apps", "v1",
	      "DaemonSet", sch_apps_v1_DaemonSetSpec,
	      "The desired per-node pod and its update strategy.", sch_apps_v1_DaemonSetStatus);

SCH_DEFINE_LIST(sch_apps_v1_DaemonSetList, sch_apps_v1_DaemonSet,
		"io.k8s.api.apps.v1.DaemonSetList", "apps", "v1", "DaemonSet",
		"The DaemonSets in this list.");

/* --- ControllerRevision --- */

static const struct sch_field controller_revision_fields[] = {
    SF_TYPEMETA,
    SF_OBJECTMETA,
    SF_SCALAR("data", 2, SCH_RAW, 0,
	      "The recorded state (for the built-in controllers, a patch holding the pod "
	      "template), serialized as the owning controller chose; it cannot change after "
	      "creation."),
    SF_I64("revision", 3, REQ, "The revision number of the state held in data."),
};

const struct sch_type sch_apps_v1_ControllerRevision = {
    .name = "io.k8s.api.apps.v1.ControllerRevision",
    .desc = "An immutable snapshot of controller state, used by DaemonSets and StatefulSets "
	    "to roll forward and back; it can be deleted but not updated.",
    .fields = SCH_FIELDS(controller_revision_fields),
    .group = "apps",
    .version = "v1",
    .kind = "ControllerRevision",
};

SCH_DEFINE_LIST(sch_apps_v1_ControllerRevisionList, sch_apps_v1_ControllerRevision,
		"io.k8s.api.apps.v1.ControllerRevisionList", "apps", "v1", "ControllerRevision",
		"The ControllerRevisions in this list.");
