/* types_core_rc: core/v1 tables for ReplicationController. */
#include "types_core.h"
#include "types_meta.h"
#include "types_def.h"

/* Defined with the Pod tables. */
extern const struct sch_type sch_core_v1_PodTemplateSpec;

static const struct sch_field sch_core_v1_ReplicationControllerCondition_fields[] = {
    SF_STR("type", 1, REQ, "The condition's type, e.g. ReplicaFailure."),
    SF_STR("status", 2, REQ, "True, False or Unknown."),
    SF_TIME("lastTransitionTime", 3, OM, "When the status last changed."),
    SF_STR("reason", 4, OM, "A CamelCase reason for the last transition."),
    SF_STR("message", 5, OM, "A human-readable explanation of the last transition."),
};
CORE_TYPE(ReplicationControllerCondition, 0, "One aspect of a replication controller's state.");

static const struct sch_field sch_core_v1_ReplicationControllerSpec_fields[] = {
    SF_I32("replicas", 1, 0, "The number of pods wanted; defaults to 1."),
    SF_I32("minReadySeconds", 4, OM,
	   "Seconds a new pod must be ready, without crashing, to count as available."),
    SF_MAP("selector", 2, SCH_STRING, OM | ATOM,
	   "Labels of the pods the controller counts; defaults to the template's labels."),
    SF_OBJ("template", 3, sch_core_v1_PodTemplateSpec, 0,
	   "The pod created when replicas are missing."),
};
CORE_TYPE(ReplicationControllerSpec, 0, "What a replication controller should maintain.");

static const struct sch_field sch_core_v1_ReplicationControllerStatus_fields[] = {
    SF_I32("replicas", 1, REQ, "The number of pods seen most recently."),
    SF_I32("fullyLabeledReplicas", 2, OM, "Pods whose labels match the template's labels."),
    SF_I32("readyReplicas", 4, OM, "Pods that are ready."),
    SF_I32("availableReplicas", 5, OM, "Pods ready for at least minReadySeconds."),
    SF_I64("observedGeneration", 3, OM, "The generation the status was computed from."),
    SF_OBJMAP("conditions", 6, sch_core_v1_ReplicationControllerCondition, "type", OM,
	      "The latest observations of the controller's state."),
};
CORE_TYPE(ReplicationControllerStatus, 0, "The observed state of a replication controller.");

static const struct sch_field sch_core_v1_ReplicationController_fields[] = {
    SF_TYPEMETA,
    SF_OBJECTMETA,
    SF_OBJ("spec", 2, sch_core_v1_ReplicationControllerSpec, OM,
	   "What the controller should maintain."),
    SF_OBJ("status", 3, sch_core_v1_ReplicationControllerStatus, OM | RO,
	   "The observed state of the controller."),
};
CORE_KIND(ReplicationController,
	  "Keeps a number of pods matching a selector running (the predecessor of ReplicaSet).");
CORE_LIST(ReplicationController, "The replication controllers.");
