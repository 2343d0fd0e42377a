/* types_core_misc: the subresource bodies policy/v1 Eviction
 * (pods/eviction) and autoscaling/v1 Scale (the scale subresource). */
#include "types_core.h"
#include "types_meta.h"
#include "types_def.h"

static const struct sch_field sch_policy_v1_Eviction_fields[] = {
    SF_TYPEMETA,
    SF_OBJECTMETA,
    SF_OBJ("deleteOptions", 2, sch_meta_v1_DeleteOptions, 0, "Options of the pod's deletion."),
};
SCH_DEFINE_KIND(sch_policy_v1_Eviction, "io.k8s.api.policy.v1.Eviction", "policy", "v1", "Eviction",
		"Asks for a pod to be evicted (deleted within disruption budgets); posted to "
		"pods/eviction, with the pod's name and namespace as metadata.");

static const struct sch_field sch_autoscaling_v1_ScaleSpec_fields[] = {
    SF_I32("replicas", 1, OM, "The number of replicas wanted."),
};
SCH_DEFINE_TYPE(sch_autoscaling_v1_ScaleSpec, "io.k8s.api.autoscaling.v1.ScaleSpec", 0,
		"The wanted size of a scalable resource.");

static const struct sch_field sch_autoscaling_v1_ScaleStatus_fields[] = {
    SF_I32("replicas", 1, REQ, "The number of replicas last seen."),
    SF_STR("selector", 2, OM,
	   "The label selector of the resource's pods, in the string form of a label query."),
};
SCH_DEFINE_TYPE(sch_autoscaling_v1_ScaleStatus, "io.k8s.api.autoscaling.v1.ScaleStatus", 0,
		"The observed size of a scalable resource.");

static const struct sch_field sch_autoscaling_v1_Scale_fields[] = {
    SF_TYPEMETA,
    SF_OBJECTMETA,
    SF_OBJ("spec", 2, sch_autoscaling_v1_ScaleSpec, OM, "The wanted size."),
    SF_OBJ("status", 3, sch_autoscaling_v1_ScaleStatus, OM | RO, "The observed size."),
};
SCH_DEFINE_KIND(sch_autoscaling_v1_Scale, "io.k8s.api.autoscaling.v1.Scale", "autoscaling", "v1",
		"Scale",
		"The size of a scalable resource, read and written through its scale subresource.");
