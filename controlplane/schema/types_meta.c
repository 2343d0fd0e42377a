/* types_meta: meta/v1 tables for object and list metadata, owner
 * references, managed fields, label selectors and conditions. */
#include "types_meta.h"
#include "types_def.h"

static const struct sch_field sch_meta_v1_OwnerReference_fields[] = {
    SF_STR("apiVersion", 5, REQ, "API version of the owner."),
    SF_STR("kind", 1, REQ, "Kind of the owner."),
    SF_STR("name", 3, REQ, "Name of the owner."),
    SF_STR("uid", 4, REQ, "UID of the owner."),
    SF_BOOL("controller", 6, 0, "True when the owner is the managing controller of this object."),
    SF_BOOL("blockOwnerDeletion", 7, 0,
	    "When true and the owner is deleted in the foreground, the owner stays in the "
	    "store until this reference is gone."),
};
/* structType=atomic upstream: an owner reference is replaced whole. */
SCH_DEFINE_TYPE(sch_meta_v1_OwnerReference, "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference",
		SCH_F_ATOMIC,
		"Identifies an object that owns this one; the owner is in the same namespace or "
		"cluster-scoped.");

static const struct sch_field sch_meta_v1_ManagedFieldsEntry_fields[] = {
    SF_STR("manager", 1, OM, "Identifies the workflow (field manager) that manages these fields."),
    SF_STR("operation", 2, OM, "The operation that recorded this entry: Apply or Update."),
    SF_STR("apiVersion", 3, OM, "The group/version of the resource the field set is expressed in."),
    SF_TIME("time", 4, 0, "When the manager last added or changed one of its fields."),
    SF_STR("fieldsType", 6, OM, "The format of fieldsV1; the only value is FieldsV1."),
    {.name = "fieldsV1",
     .pb = 7,
     .kind = SCH_RAW,
     .desc = "The set of fields owned by the manager, as a trie of f:, k:, v: and i: keys."},
    SF_STR("subresource", 8, OM,
	   "The subresource the manager wrote through (e.g. status); empty for the main "
	   "resource."),
};
SCH_DEFINE_TYPE(sch_meta_v1_ManagedFieldsEntry,
		"io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry", 0,
		"The fields one manager owns in one API version of an object, as recorded by "
		"server-side apply.");

static const struct sch_field sch_meta_v1_ObjectMeta_fields[] = {
    SF_STR("name", 1, OM,
	   "Unique within a namespace; required on create unless generateName is set, and "
	   "cannot be updated."),
    SF_STR("generateName", 2, OM,
	   "A prefix the server completes with a random suffix to form the name when name "
	   "is not given."),
    SF_STR("namespace", 3, OM,
	   "The namespace the object lives in; empty for cluster-scoped objects. Cannot be "
	   "updated."),
    SF_STR("selfLink", 4, OM | RO, "Deprecated and no longer set by the server."),
    SF_STR("uid", 5, OM | RO, "Unique in time and space; set by the server on create."),
    SF_STR("resourceVersion", 6, OM | RO,
	   "Opaque version of the object, for optimistic concurrency and watches; pass it "
	   "back unmodified."),
    SF_I64("generation", 7, OM | RO,
	   "A sequence number of the desired state, raised by the server on spec changes."),
    SF_TIME("creationTimestamp", 8, OM | RO, "When the server created the object (RFC 3339, UTC)."),
    SF_TIME("deletionTimestamp", 9, RO,
	    "When the object will be deleted; set by the server once a graceful deletion "
	    "is requested."),
    SF_I64("deletionGracePeriodSeconds", 10, RO,
	   "Seconds the object has to terminate gracefully; set with deletionTimestamp and "
	   "may only shrink."),
    SF_MAP("labels", 11, SCH_STRING, OM,
	   "String keys and values that organize objects and are matched by selectors."),
    SF_MAP("annotations", 12, SCH_STRING, OM,
	   "Arbitrary non-identifying metadata kept for tools; not queryable."),
    SF_OBJMAP("ownerReferences", 13, sch_meta_v1_OwnerReference, "uid", OM,
	      "Objects this one depends on; once all are deleted it is garbage-collected. "
	      "At most one may be the controller."),
    SF_STRS("finalizers", 14, OM | SCH_F_LIST_SET,
	    "Identifiers that must all be removed before the object is deleted from the "
	    "store."),
    SF_OBJS("managedFields", 17, sch_meta_v1_ManagedFieldsEntry, OM | SCH_F_ATOMIC,
	    "Which field manager owns which fields, per API version; maintained by the "
	    "server."),
};
SCH_DEFINE_TYPE(sch_meta_v1_ObjectMeta, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", 0,
		"Metadata every persisted object has: identity, labels, annotations, ownership "
		"and the fields the server maintains.");

static const struct sch_field sch_meta_v1_ListMeta_fields[] = {
    SF_STR("selfLink", 1, OM | RO, "Deprecated and no longer set by the server."),
    SF_STR("resourceVersion", 2, OM | RO,
	   "The store revision the list was read at; start a watch from it."),
    SF_STR("continue", 3, OM,
	   "Set when a limited list has more items: pass it back to get the next page."),
    SF_I64("remainingItemCount", 4, 0,
	   "An estimate of the items left after this page, when the server knows it."),
};
SCH_DEFINE_TYPE(sch_meta_v1_ListMeta, "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta", 0,
		"Metadata of lists and other synthetic responses.");

static const struct sch_field sch_meta_v1_LabelSelectorRequirement_fields[] = {
    SF_STR("key", 1, REQ, "The label key the requirement applies to."),
    SF_STR("operator", 2, REQ, "How the key relates to values: In, NotIn, Exists or DoesNotExist."),
    SF_STRS("values", 3, OM | SCH_F_ATOMIC,
	    "Values for In and NotIn (non-empty); must be empty for Exists and DoesNotExist."),
};
SCH_DEFINE_TYPE(sch_meta_v1_LabelSelectorRequirement,
		"io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement", 0,
		"One requirement of a label selector: a key, an operator and values.");

static const struct sch_field sch_meta_v1_LabelSelector_fields[] = {
    SF_MAP("matchLabels", 1, SCH_STRING, OM,
	   "Each key=value pair is a requirement that the label equals the value."),
    SF_OBJS("matchExpressions", 2, sch_meta_v1_LabelSelectorRequirement, OM | SCH_F_ATOMIC,
	    "Set-based requirements; ANDed with each other and with matchLabels."),
};
/* structType=atomic upstream: a selector is replaced whole on merge. */
SCH_DEFINE_TYPE(sch_meta_v1_LabelSelector, "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
		SCH_F_ATOMIC,
		"A label query; an empty selector matches everything, a missing one nothing.");

static const struct sch_field sch_meta_v1_Condition_fields[] = {
    SF_STR("type", 1, REQ, "The condition's type in CamelCase, optionally prefixed by a domain."),
    SF_STR("status", 2, REQ, "True, False or Unknown."),
    SF_I64("observedGeneration", 3, OM, "The metadata.generation the condition was computed from."),
    SF_TIME("lastTransitionTime", 4, REQ,
	    "When the status last changed from one value to another."),
    SF_STR("reason", 5, REQ, "A CamelCase identifier of why the condition last changed."),
    SF_STR("message", 6, REQ, "A human-readable explanation of the last transition; may be empty."),
};
SCH_DEFINE_TYPE(sch_meta_v1_Condition, "io.k8s.apimachinery.pkg.apis.meta.v1.Condition", 0,
		"One aspect of an object's current state, as kept in status.conditions.");
