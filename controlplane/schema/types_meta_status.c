/* types_meta_status: meta/v1 tables for Status (every error and some
 * successes) and the request option bodies (DeleteOptions, CreateOptions,
 * UpdateOptions, PatchOptions).
 *
 * The option kinds are registered upstream in every group version; their
 * tables name the core one (apiVersion v1), and the envelope check is left
 * to accept them under any served group version. */
#include "types_meta.h"
#include "types_def.h"

static const struct sch_field sch_meta_v1_StatusCause_fields[] = {
    SF_STR("reason", 1, OM, "A machine-readable cause of the error; empty when unknown."),
    SF_STR("message", 2, OM, "A human-readable description of the cause."),
    SF_STR("field", 3, OM,
	   "The field that caused the error, in JSON path notation (e.g. spec.ports[0].port)."),
};
SCH_DEFINE_TYPE(sch_meta_v1_StatusCause, "io.k8s.apimachinery.pkg.apis.meta.v1.StatusCause", 0,
		"One cause of a failure, often one invalid field.");

static const struct sch_field sch_meta_v1_StatusDetails_fields[] = {
    SF_STR("name", 1, OM, "The name of the object the status is about."),
    SF_STR("group", 2, OM, "The API group of the object the status is about."),
    SF_STR("kind", 3, OM, "The kind of the object the status is about."),
    SF_STR("uid", 6, OM, "The UID of the object the status is about."),
    SF_OBJS("causes", 4, sch_meta_v1_StatusCause, OM | SCH_F_ATOMIC,
	    "The individual causes of the failure, when the reason has any."),
    SF_I32("retryAfterSeconds", 5, OM, "Seconds to wait before retrying, when given."),
};
SCH_DEFINE_TYPE(sch_meta_v1_StatusDetails, "io.k8s.apimachinery.pkg.apis.meta.v1.StatusDetails", 0,
		"Extra data of a Status, depending on its reason.");

static const struct sch_field sch_meta_v1_Status_fields[] = {
    SF_TYPEMETA,
    SF_OBJ("metadata", 1, sch_meta_v1_ListMeta, OM, "Standard list metadata."),
    SF_STR("status", 2, OM, "Success or Failure."),
    SF_STR("message", 3, OM, "A human-readable description of the outcome."),
    SF_STR("reason", 4, OM,
	   "A machine-readable reason for a Failure (NotFound, AlreadyExists, Invalid...); it "
	   "refines the HTTP code."),
    SF_OBJ("details", 5, sch_meta_v1_StatusDetails, 0, "Extra data depending on the reason."),
    SF_I32("code", 6, OM, "The HTTP status code of the response; 0 if not set."),
};
SCH_DEFINE_KIND(sch_meta_v1_Status, "io.k8s.apimachinery.pkg.apis.meta.v1.Status", "", "v1",
		"Status", "The outcome of a call that returns no other object, such as an error.");

static const struct sch_field sch_meta_v1_Preconditions_fields[] = {
    SF_STR("uid", 1, 0, "The UID the object must have."),
    SF_STR("resourceVersion", 2, 0, "The resourceVersion the object must have."),
};
SCH_DEFINE_TYPE(sch_meta_v1_Preconditions, "io.k8s.apimachinery.pkg.apis.meta.v1.Preconditions", 0,
		"Conditions the object must meet for the operation to go ahead (409 otherwise).");

/* dryRun is the same field in every option body; its number is not. */
#define SF_DRYRUN(num)                                                                             \
	SF_STRS("dryRun", num, OM | SCH_F_ATOMIC,                                                  \
		"When present, the request is processed but nothing is persisted; the only "       \
		"value is All.")
#define SF_FIELDMANAGER(num)                                                                       \
	SF_STR("fieldManager", num, OM,                                                            \
	       "The name of the actor making the change, at most 128 printable characters; "       \
	       "recorded in managedFields.")
#define SF_FIELDVALIDATION(num)                                                                    \
	SF_STR("fieldValidation", num, OM,                                                         \
	       "How unknown or duplicate fields in the body are handled: Ignore, Warn (a "         \
	       "warning header) or Strict (400).")

static const struct sch_field sch_meta_v1_DeleteOptions_fields[] = {
    SF_TYPEMETA,
    SF_I64("gracePeriodSeconds", 1, 0,
	   "Seconds before the object is deleted; 0 deletes at once, unset uses the type's "
	   "default."),
    SF_OBJ("preconditions", 2, sch_meta_v1_Preconditions, 0,
	   "Conditions that must hold for the deletion to happen."),
    SF_BOOL("orphanDependents", 3, 0,
	    "Deprecated (use propagationPolicy): whether dependents are orphaned."),
    SF_STR("propagationPolicy", 4, 0,
	   "How dependents are garbage-collected: Orphan, Background or Foreground."),
    SF_DRYRUN(5),
    SF_BOOL("ignoreStoreReadErrorWithClusterBreakingPotential", 6, 0,
	    "Delete an object that cannot be read from the store (corrupt or undecodable); "
	    "unsafe, it skips finalizers and admission."),
};
SCH_DEFINE_KIND(sch_meta_v1_DeleteOptions, "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions", "",
		"v1", "DeleteOptions", "Options of a delete request.");

static const struct sch_field sch_meta_v1_CreateOptions_fields[] = {
    SF_TYPEMETA,
    SF_DRYRUN(1),
    SF_FIELDMANAGER(3),
    SF_FIELDVALIDATION(4),
};
SCH_DEFINE_KIND(sch_meta_v1_CreateOptions, "io.k8s.apimachinery.pkg.apis.meta.v1.CreateOptions", "",
		"v1", "CreateOptions", "Options of a create request.");

static const struct sch_field sch_meta_v1_UpdateOptions_fields[] = {
    SF_TYPEMETA,
    SF_DRYRUN(1),
    SF_FIELDMANAGER(2),
    SF_FIELDVALIDATION(3),
};
SCH_DEFINE_KIND(sch_meta_v1_UpdateOptions, "io.k8s.apimachinery.pkg.apis.meta.v1.UpdateOptions", "",
		"v1", "UpdateOptions", "Options of an update (PUT) request.");

static const struct sch_field sch_meta_v1_PatchOptions_fields[] = {
    SF_TYPEMETA,
    SF_DRYRUN(1),
    SF_BOOL("force", 2, 0,
	    "Apply only: take ownership of fields other managers own instead of failing "
	    "with a conflict."),
    SF_FIELDMANAGER(3),
    SF_FIELDVALIDATION(4),
};
SCH_DEFINE_KIND(sch_meta_v1_PatchOptions, "io.k8s.apimachinery.pkg.apis.meta.v1.PatchOptions", "",
		"v1", "PatchOptions", "Options of a patch request, including server-side apply.");
