/* apps/v1 DaemonSet (one pod per eligible node) and ControllerRevision
 * (the immutable template snapshots DaemonSets and StatefulSets roll
 * between). */
#include "types_apps.h"
#include "types_common.h"

static const struct sch_field ds_rolling_update_fields[] = {
    {
	.name = "maxUnavailable",
	.pb = 1,
	.kind = SCH_INT_OR_STRING,
	.desc = "How many nodes (a number, or a percentage of desiredNumberScheduled rounded "
		"up) may have their daemon pod down for the update at once. Defaults to 1.",
    },
    {
	.name = "maxSurge",
	.pb = 2,
	.kind = SCH_INT_OR_STRING,
	.desc = "How many nodes (a number, or a percentage rounded up to at least 1) may run a "
		"new pod beside the old one before the old one is deleted. Defaults to 0.",
    },
};

const struct sch_type sch_apps_v1_RollingUpdateDaemonSet = {
    .name = "io.k8s.api.apps.v1.RollingUpdateDaemonSet",
    .desc = "Parameters of a DaemonSet rolling update.",
    .fields = SCH_FIELDS(ds_rolling_update_fields),
};

static const struct sch_field ds_update_strategy_fields[] = {
    {
	.name = "type",
	.pb = 1,
	.kind = SCH_STRING,
	.flags = SCH_F_OMITEMPTY,
	.desc = "RollingUpdate (the default: replace pods node by node) or OnDelete (new pods "
		"only when old ones are deleted by hand).",
    },
    {
	.name = "rollingUpdate",
	.pb = 2,
	.kind = SCH_OBJECT,
	.type = &sch_apps_v1_RollingUpdateDaemonSet,
	.desc = "Tuning of the rolling update; only meaningful when type is RollingUpdate.",
    },
};

const struct sch_type sch_apps_v1_DaemonSetUpdateStrategy = {
    .name = "io.k8s.api.apps.v1.DaemonSetUpdateStrategy",
    .desc = "How the DaemonSet controller replaces its pods when the template changes.",
    .fields = SCH_FIELDS(ds_update_strategy_fields),
};

static const struct sch_field ds_spec_fields[] = {
    SCH_APPS_SELECTOR_FIELD(1, "DaemonSet"),
    {
	.name = "template",
	.pb = 2,
	.kind = SCH_OBJECT,
	.flags = SCH_F_REQUIRED,
	.type = &sch_core_v1_PodTemplateSpec,
	.desc = "The pod to run once on every node its node selector admits (every node when "
		"it has none). Its restartPolicy may only be Always.",
    },
    {
	.name = "updateStrategy",
	.pb = 3,
	.kind = SCH_OBJECT,
	.flags = SCH_F_OMITEMPTY,
	.type = &sch_apps_v1_DaemonSetUpdateStrategy,
	.desc = "How existing daemon pods are replaced when the template changes.",
    },
    SCH_APPS_MIN_READY_FIELD(4),
    {
	.name = "revisionHistoryLimit",
	.pb = 6,
	.kind = SCH_INT32,
	.desc = "How many old ControllerRevisions to keep for rolling back. Defaults to 10.",
    },
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
    {
	.name = "currentNumberScheduled",
	.pb = 1,
	.kind = SCH_INT32,
	.flags = SCH_F_REQUIRED,
	.desc = "Nodes that should run the daemon pod and run at least one.",
    },
    {
	.name = "numberMisscheduled",
	.pb = 2,
	.kind = SCH_INT32,
	.flags = SCH_F_REQUIRED,
	.desc = "Nodes that run the daemon pod but should not.",
    },
    {
	.name = "desiredNumberScheduled",
	.pb = 3,
	.kind = SCH_INT32,
	.flags = SCH_F_REQUIRED,
	.desc = "Nodes that should run the daemon pod, whether or not they do.",
    },
    {
	.name = "numberReady",
	.pb = 4,
	.kind = SCH_INT32,
	.flags = SCH_F_REQUIRED,
	.desc = "Nodes that should run the daemon pod and have one whose Ready condition is "
		"true.",
    },
    SCH_APPS_OBSERVED_GENERATION_FIELD(5),
    {
	.name = "updatedNumberScheduled",
	.pb = 6,
	.kind = SCH_INT32,
	.flags = SCH_F_OMITEMPTY,
	.desc = "Nodes running a daemon pod of the current template.",
    },
    {
	.name = "numberAvailable",
	.pb = 7,
	.kind = SCH_INT32,
	.flags = SCH_F_OMITEMPTY,
	.desc = "Nodes that should run the daemon pod and have one available (ready for at "
		"least minReadySeconds).",
    },
    {
	.name = "numberUnavailable",
	.pb = 8,
	.kind = SCH_INT32,
	.flags = SCH_F_OMITEMPTY,
	.desc = "Nodes that should run the daemon pod and have none available.",
    },
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

SCH_LIST_TYPE(sch_apps_v1_DaemonSetList, "io.k8s.api.apps.v1.DaemonSetList", sch_apps_v1_DaemonSet,
	      "apps", "v1", "DaemonSetList", "DaemonSets");

/* --- ControllerRevision --- */

static const struct sch_field controller_revision_fields[] = {
    SCH_OBJECT_META_FIELD,
    {
	.name = "data",
	.pb = 2,
	.kind = SCH_RAW,
	.flags = SCH_F_OMITEMPTY,
	.desc = "The recorded state (for the built-in controllers, a patch holding the pod "
		"template), serialized as the owning controller chose; it cannot change after "
		"creation.",
    },
    {
	.name = "revision",
	.pb = 3,
	.kind = SCH_INT64,
	.flags = SCH_F_REQUIRED,
	.desc = "The revision number of the state held in data.",
    },
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

SCH_LIST_TYPE(sch_apps_v1_ControllerRevisionList, "io.k8s.api.apps.v1.ControllerRevisionList",
	      sch_apps_v1_ControllerRevision, "apps", "v1", "ControllerRevisionList",
	      "ControllerRevisions");
