/* types_core_quota: core/v1 tables for ResourceQuota and LimitRange.
 * Resource amounts are maps of resource name to Quantity. */
#include "types_core.h"
#include "types_meta.h"
#include "types_def.h"

/* --- ResourceQuota --- */

static const struct sch_field sch_core_v1_ScopedResourceSelectorRequirement_fields[] = {
    SF_STR("scopeName", 1, REQ,
	   "The scope: Terminating, NotTerminating, BestEffort, NotBestEffort, "
	   "PriorityClass, CrossNamespacePodAffinity, ..."),
    SF_STR("operator", 2, REQ, "In, NotIn, Exists or DoesNotExist."),
    SF_STRS("values", 3, OM | ATOM, "Values for In and NotIn; empty for Exists and DoesNotExist."),
};
CORE_TYPE(ScopedResourceSelectorRequirement, 0,
	  "One requirement of a scope selector: a scope, an operator and values.");

static const struct sch_field sch_core_v1_ScopeSelector_fields[] = {
    SF_OBJS("matchExpressions", 1, sch_core_v1_ScopedResourceSelectorRequirement, OM | ATOM,
	    "Requirements on scopes; all must hold."),
};
/* structType=atomic upstream. */
CORE_TYPE(ScopeSelector, ATOM, "Selects the objects a quota tracks by their scopes.");

static const struct sch_field sch_core_v1_ResourceQuotaSpec_fields[] = {
    SF_MAP("hard", 1, SCH_QUANTITY, OM, "The limit for each named resource."),
    SF_STRS("scopes", 2, OM | ATOM, "Only objects in all of these scopes count toward the quota."),
    SF_OBJ("scopeSelector", 3, sch_core_v1_ScopeSelector, 0,
	   "Only objects matching this selector count toward the quota."),
};
CORE_TYPE(ResourceQuotaSpec, 0, "The limits a quota enforces.");

static const struct sch_field sch_core_v1_ResourceQuotaStatus_fields[] = {
    SF_MAP("hard", 1, SCH_QUANTITY, OM, "The limits in force."),
    SF_MAP("used", 2, SCH_QUANTITY, OM, "The current usage of each resource in the namespace."),
};
CORE_TYPE(ResourceQuotaStatus, 0, "The limits in force and the current usage.");

static const struct sch_field sch_core_v1_ResourceQuota_fields[] = {
    SF_TYPEMETA,
    SF_OBJECTMETA,
    SF_OBJ("spec", 2, sch_core_v1_ResourceQuotaSpec, OM, "The limits the quota enforces."),
    SF_OBJ("status", 3, sch_core_v1_ResourceQuotaStatus, OM | RO, "The limits in force and usage."),
};
CORE_KIND(ResourceQuota, "Limits on the total resources and object counts of a namespace.");
CORE_LIST(ResourceQuota, "The resource quotas.");

/* --- LimitRange --- */

static const struct sch_field sch_core_v1_LimitRangeItem_fields[] = {
    SF_STR("type", 1, REQ, "What the limits apply to: Pod, Container or PersistentVolumeClaim."),
    SF_MAP("max", 2, SCH_QUANTITY, OM, "The maximum amount of each resource."),
    SF_MAP("min", 3, SCH_QUANTITY, OM, "The minimum amount of each resource."),
    SF_MAP("default", 4, SCH_QUANTITY, OM, "The limit set on a container that gives none."),
    SF_MAP("defaultRequest", 5, SCH_QUANTITY, OM,
	   "The request set on a container that gives none."),
    SF_MAP("maxLimitRequestRatio", 6, SCH_QUANTITY, OM,
	   "The largest allowed ratio of limit to request for each resource."),
};
CORE_TYPE(LimitRangeItem, 0, "The limits for one kind of object.");

static const struct sch_field sch_core_v1_LimitRangeSpec_fields[] = {
    SF_OBJS("limits", 1, sch_core_v1_LimitRangeItem, REQ | ATOM, "The limits, per kind of object."),
};
CORE_TYPE(LimitRangeSpec, 0, "The limits of a limit range.");

static const struct sch_field sch_core_v1_LimitRange_fields[] = {
    SF_TYPEMETA,
    SF_OBJECTMETA,
    SF_OBJ("spec", 2, sch_core_v1_LimitRangeSpec, OM, "The limits."),
};
CORE_KIND(LimitRange, "Per-object resource limits and defaults in a namespace.");
CORE_LIST(LimitRange, "The limit ranges.");
