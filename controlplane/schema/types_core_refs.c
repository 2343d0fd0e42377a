/* types_core_refs: core/v1 tables for object references, Namespace,
 * ConfigMap, Secret, ServiceAccount and Binding. */
#include "types_core.h"
#include "types_meta.h"
#include "types_def.h"

static const struct sch_field sch_core_v1_ObjectReference_fields[] = {
    SF_STR("kind", 1, OM, "Kind of the referent."),
    SF_STR("namespace", 2, OM, "Namespace of the referent."),
    SF_STR("name", 3, OM, "Name of the referent."),
    SF_STR("uid", 4, OM, "UID of the referent."),
    SF_STR("apiVersion", 5, OM, "API version of the referent."),
    SF_STR("resourceVersion", 6, OM,
	   "The resourceVersion of the referent this reference was made at."),
    SF_STR("fieldPath", 7, OM,
	   "A path to a part of the referent instead of the whole object, e.g. "
	   "spec.containers{name}."),
};
/* structType=atomic upstream, like all three references here. */
CORE_TYPE(ObjectReference, ATOM,
	  "A reference to an object of any kind, possibly in another namespace.");

static const struct sch_field sch_core_v1_LocalObjectReference_fields[] = {
    SF_STR("name", 1, OM, "Name of the referent in the same namespace."),
};
CORE_TYPE(LocalObjectReference, ATOM, "A reference to an object by name in the same namespace.");

static const struct sch_field sch_core_v1_TypedLocalObjectReference_fields[] = {
    SF_STR("apiGroup", 1, 0,
	   "API group of the referent; empty means the core group. Required for other "
	   "groups."),
    SF_STR("kind", 2, REQ, "Kind of the referent."),
    SF_STR("name", 3, REQ, "Name of the referent."),
};
CORE_TYPE(TypedLocalObjectReference, ATOM,
	  "A reference to an object of a given kind and group in the same namespace.");

/* --- Namespace --- */

static const struct sch_field sch_core_v1_NamespaceCondition_fields[] = {
    SF_STR("type", 1, REQ, "The condition's type."),
    SF_STR("status", 2, REQ, "True, False or Unknown."),
    SF_TIME("lastTransitionTime", 4, OM, "When the status last changed."),
    SF_STR("reason", 5, OM, "A CamelCase reason for the last transition."),
    SF_STR("message", 6, OM, "A human-readable explanation of the last transition."),
};
CORE_TYPE(NamespaceCondition, 0, "One aspect of a namespace's state.");

static const struct sch_field sch_core_v1_NamespaceSpec_fields[] = {
    SF_STRS("finalizers", 1, OM | ATOM,
	    "Finalizers that must be removed before the namespace and its content are "
	    "deleted for good."),
};
CORE_TYPE(NamespaceSpec, 0, "What a namespace should be.");

static const struct sch_field sch_core_v1_NamespaceStatus_fields[] = {
    SF_STR("phase", 1, OM, "Active, or Terminating while its content is being deleted."),
    SF_OBJMAP("conditions", 2, sch_core_v1_NamespaceCondition, "type", OM,
	      "The latest observations of the namespace's state."),
};
CORE_TYPE(NamespaceStatus, 0, "The observed state of a namespace.");

static const struct sch_field sch_core_v1_Namespace_fields[] = {
    SF_TYPEMETA,
    SF_OBJECTMETA,
    SF_OBJ("spec", 2, sch_core_v1_NamespaceSpec, OM, "What the namespace should be."),
    SF_OBJ("status", 3, sch_core_v1_NamespaceStatus, OM | RO,
	   "The observed state of the namespace."),
};
CORE_KIND(Namespace, "A scope for names: most objects live in exactly one namespace.");
CORE_LIST(Namespace, "The namespaces.");

/* --- ConfigMap, Secret --- */

static const struct sch_field sch_core_v1_ConfigMap_fields[] = {
    SF_TYPEMETA,
    SF_OBJECTMETA,
    SF_BOOL("immutable", 4, 0,
	    "When true, data and binaryData can no longer be changed (only metadata)."),
    SF_MAP("data", 2, SCH_STRING, OM,
	   "UTF-8 configuration values by key; keys are letters, digits, '-', '_' or '.', "
	   "and must not also appear in binaryData."),
    SF_MAP("binaryData", 3, SCH_BYTES, OM,
	   "Binary values by key, base64-encoded in JSON; keys must not also appear in "
	   "data."),
};
CORE_KIND(ConfigMap, "Configuration data for pods to consume, as key-value pairs.");
CORE_LIST(ConfigMap, "The config maps.");

static const struct sch_field sch_core_v1_Secret_fields[] = {
    SF_TYPEMETA,
    SF_OBJECTMETA,
    SF_BOOL("immutable", 5, 0, "When true, data can no longer be changed (only metadata)."),
    SF_MAP("data", 2, SCH_BYTES, OM,
	   "Secret values by key, base64-encoded in JSON; keys are letters, digits, '-', "
	   "'_' or '.'."),
    SF_MAP("stringData", 4, SCH_STRING, OM,
	   "Write-only plain-text values, merged into data on write (they win over data); "
	   "never returned."),
    SF_STR("type", 3, OM,
	   "How the data is meant to be used (Opaque, kubernetes.io/tls, ...); checks "
	   "keys for the known types."),
};
CORE_KIND(Secret, "Sensitive data, such as passwords, tokens or keys, as key-value pairs.");
CORE_LIST(Secret, "The secrets.");

/* --- ServiceAccount --- */

static const struct sch_field sch_core_v1_ServiceAccount_fields[] = {
    SF_TYPEMETA,
    SF_OBJECTMETA,
    SF_OBJMAP("secrets", 2, sch_core_v1_ObjectReference, "name", OM,
	      "Secrets in the same namespace that pods running as this account may use."),
    SF_OBJS("imagePullSecrets", 3, sch_core_v1_LocalObjectReference, OM | ATOM,
	    "Secrets with registry credentials added to the pods that run as this "
	    "account."),
    SF_BOOL("automountServiceAccountToken", 4, 0,
	    "Whether pods running as this account get an API token mounted; a pod's own "
	    "setting wins."),
};
CORE_KIND(ServiceAccount, "An identity for processes running in pods, with its secrets.");
CORE_LIST(ServiceAccount, "The service accounts.");

/* --- Binding (pods/binding) --- */

static const struct sch_field sch_core_v1_Binding_fields[] = {
    SF_TYPEMETA,
    SF_OBJECTMETA,
    SF_OBJ("target", 2, sch_core_v1_ObjectReference, REQ, "The node to bind the pod to."),
};
CORE_KIND(Binding, "Binds a pod to a node (what a scheduler posts to pods/binding).");
