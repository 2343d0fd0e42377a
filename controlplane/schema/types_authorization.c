/* authorization.k8s.io/v1: questions to the authorizer. The access
 * reviews ask "may this user do this?" (SubjectAccessReview for anyone,
 * LocalSubjectAccessReview within a namespace, SelfSubjectAccessReview for
 * the caller: `kubectl auth can-i`); SelfSubjectRulesReview asks "what may
 * I do in this namespace?" (`can-i --list`). The ConditionalAuthorization
 * fields of releases after 1.32 are not described. */
#include "types_authorization.h"
#include "types_authentication.h"
#include "types_common.h"

#define AUTHZ_DEF(X) "io.k8s.api.authorization.v1." #X
#define AUTHZ_GROUP  "authorization.k8s.io"

static const struct sch_field sch_meta_v1_FieldSelectorRequirement_fields[] = {
    SF_STR("key", 1, REQ, "The field the requirement is about."),
    SF_STR("operator", 2, REQ,
	   "How the field relates to the values: In, NotIn, Exists or "
	   "DoesNotExist."),
    SF_STRS("values", 3, ATOM | OM,
	    "The values, non-empty for In and NotIn and empty for Exists and DoesNotExist."),
};
SCH_DEFINE_TYPE(sch_meta_v1_FieldSelectorRequirement,
		"io.k8s.apimachinery.pkg.apis.meta.v1.FieldSelectorRequirement", 0,
		"One condition of a field selector: a field, an operator and values.");

/* The raw selector (1) and its parsed requirements (2) of a selector
 * attribute. */
#define AUTHZ_SELECTOR_FIELDS(what, req_t)                                                         \
	SF_STR("rawSelector", 1, OM,                                                               \
	       "The " what " selector as the request's query parameter carried it; set this or "   \
	       "requirements, not both."),                                                         \
	    SF_OBJS("requirements", 2, req_t, ATOM | OM,                                           \
		    "The parsed " what " selector; every requirement must hold.")

static const struct sch_field sch_authorization_v1_FieldSelectorAttributes_fields[] = {
    AUTHZ_SELECTOR_FIELDS("field", sch_meta_v1_FieldSelectorRequirement),
};
SCH_DEFINE_TYPE(sch_authorization_v1_FieldSelectorAttributes, AUTHZ_DEF(FieldSelectorAttributes), 0,
		"The field selector a request is limited by.");

static const struct sch_field sch_authorization_v1_LabelSelectorAttributes_fields[] = {
    AUTHZ_SELECTOR_FIELDS("label", sch_meta_v1_LabelSelectorRequirement),
};
SCH_DEFINE_TYPE(sch_authorization_v1_LabelSelectorAttributes, AUTHZ_DEF(LabelSelectorAttributes), 0,
		"The label selector a request is limited by.");

static const struct sch_field sch_authorization_v1_ResourceAttributes_fields[] = {
    SF_STR("namespace", 1, OM,
	   "The namespace of the action; empty means all namespaces (or none, for a "
	   "cluster-scoped resource)."),
    SF_STR("verb", 2, OM,
	   "The API verb: get, list, watch, create, update, delete...; \"*\" is "
	   "all."),
    SF_STR("group", 3, OM, "The API group of the resource; \"*\" is all."),
    SF_STR("version", 4, OM, "The API version of the resource; \"*\" is all."),
    SF_STR("resource", 5, OM, "The resource, such as pods; \"*\" is all."),
    SF_STR("subresource", 6, OM, "The subresource, such as status; empty means none."),
    SF_STR("name", 7, OM, "The name of the object acted on; empty means all."),
    SF_OBJ("fieldSelector", 8, sch_authorization_v1_FieldSelectorAttributes, 0,
	   "A field selector that narrows the request (it can only restrict access)."),
    SF_OBJ("labelSelector", 9, sch_authorization_v1_LabelSelectorAttributes, 0,
	   "A label selector that narrows the request (it can only restrict access)."),
};
SCH_DEFINE_TYPE(sch_authorization_v1_ResourceAttributes, AUTHZ_DEF(ResourceAttributes), 0,
		"The attributes of a request on an API resource, as the authorizer sees them.");

static const struct sch_field sch_authorization_v1_NonResourceAttributes_fields[] = {
    SF_STR("path", 1, OM, "The URL path of the request."),
    SF_STR("verb", 2, OM, "The lowercase HTTP verb (get, post, ...)."),
};
SCH_DEFINE_TYPE(sch_authorization_v1_NonResourceAttributes, AUTHZ_DEF(NonResourceAttributes), 0,
		"The attributes of a request on a URL outside the resource API.");

/* What is asked about: a resource request (1) or a non-resource one (2). */
#define AUTHZ_ATTRIBUTE_FIELDS                                                                     \
	SF_OBJ("resourceAttributes", 1, sch_authorization_v1_ResourceAttributes, 0,                \
	       "The request on a resource; set this or nonResourceAttributes."),                   \
	    SF_OBJ("nonResourceAttributes", 2, sch_authorization_v1_NonResourceAttributes, 0,      \
		   "The request on a non-resource URL; set this or resourceAttributes.")

static const struct sch_field sch_authorization_v1_SubjectAccessReviewSpec_fields[] = {
    AUTHZ_ATTRIBUTE_FIELDS,
    SF_STR("user", 3, OM, "The user asked about; without groups, as if in no group."),
    SF_STRS("groups", 4, ATOM | OM, "The groups of the user asked about."),
    SCH_AUTH_EXTRA_FIELD(5, "The extra attributes of the user asked about, as an "
			    "authenticator would attach them."),
    SF_STR("uid", 6, OM, "The uid of the user asked about."),
};
SCH_DEFINE_TYPE(sch_authorization_v1_SubjectAccessReviewSpec, AUTHZ_DEF(SubjectAccessReviewSpec), 0,
		"A request and the user making it, to be authorized.");

static const struct sch_field sch_authorization_v1_SelfSubjectAccessReviewSpec_fields[] = {
    AUTHZ_ATTRIBUTE_FIELDS,
};
SCH_DEFINE_TYPE(sch_authorization_v1_SelfSubjectAccessReviewSpec,
		AUTHZ_DEF(SelfSubjectAccessReviewSpec), 0,
		"A request of the caller's, to be authorized.");

static const struct sch_field sch_authorization_v1_SubjectAccessReviewStatus_fields[] = {
    SF_BOOL("allowed", 1, REQ, "Whether the request would be allowed."),
    SF_BOOL("denied", 4, OM,
	    "Whether the request would be denied outright; with allowed false too, no "
	    "authorizer had an opinion."),
    SF_STR("reason", 2, OM, "Why the request would be allowed or denied."),
    SF_STR("evaluationError", 3, OM,
	   "An error met while authorizing; the decision may still stand."),
};
SCH_DEFINE_TYPE(sch_authorization_v1_SubjectAccessReviewStatus,
		AUTHZ_DEF(SubjectAccessReviewStatus), 0, "The authorizer's decision.");

static const struct sch_field sch_authorization_v1_SelfSubjectRulesReviewSpec_fields[] = {
    SF_STR("namespace", 1, OM, "The namespace whose rules are listed."),
};
SCH_DEFINE_TYPE(sch_authorization_v1_SelfSubjectRulesReviewSpec,
		AUTHZ_DEF(SelfSubjectRulesReviewSpec), 0,
		"The namespace to list the caller's rules in.");

static const struct sch_field sch_authorization_v1_ResourceRule_fields[] = {
    SF_STRS("verbs", 1, ATOM | REQ, "The verbs allowed; \"*\" is all."),
    SF_STRS("apiGroups", 2, ATOM | OM, "The API groups of the resources; \"*\" is all."),
    SF_STRS("resources", 3, ATOM | OM,
	    "The resources; \"*\" is all, \"*/foo\" subresource foo of any resource."),
    SF_STRS("resourceNames", 4, ATOM | OM, "If set, only the objects of these names."),
};
SCH_DEFINE_TYPE(sch_authorization_v1_ResourceRule, AUTHZ_DEF(ResourceRule), 0,
		"Verbs the subject may use on resources (the list may be incomplete).");

static const struct sch_field sch_authorization_v1_NonResourceRule_fields[] = {
    SF_STRS("verbs", 1, ATOM | REQ, "The HTTP verbs allowed; \"*\" is all."),
    SF_STRS("nonResourceURLs", 2, ATOM | OM,
	    "The URL paths, a final \"*\" matching any suffix; \"*\" is all."),
};
SCH_DEFINE_TYPE(sch_authorization_v1_NonResourceRule, AUTHZ_DEF(NonResourceRule), 0,
		"Verbs the subject may use on non-resource URLs.");

static const struct sch_field sch_authorization_v1_SubjectRulesReviewStatus_fields[] = {
    SF_OBJS("resourceRules", 1, sch_authorization_v1_ResourceRule, ATOM | REQ,
	    "What the subject may do on resources, in no order and possibly repeated."),
    SF_OBJS("nonResourceRules", 2, sch_authorization_v1_NonResourceRule, ATOM | REQ,
	    "What the subject may do on non-resource URLs, in no order and possibly repeated."),
    SF_BOOL("incomplete", 3, REQ,
	    "Whether the lists may miss rules (an authorizer could not enumerate its own)."),
    SF_STR("evaluationError", 4, OM, "An error met while listing the rules."),
};
SCH_DEFINE_TYPE(sch_authorization_v1_SubjectRulesReviewStatus, AUTHZ_DEF(SubjectRulesReviewStatus),
		0,
		"The rules a subject holds; rules only add up, so any listed rule is held even "
		"when the list is incomplete.");

#define AUTHZ_DECISION "The decision; set by the server."

SCH_AUTH_REVIEW(sch_authorization_v1_SubjectAccessReview, AUTHZ_DEF(SubjectAccessReview),
		AUTHZ_GROUP, "v1", "SubjectAccessReview",
		"Asks whether a given user may perform a request.",
		sch_authorization_v1_SubjectAccessReviewSpec, REQ,
		"The request and the user to authorize.",
		sch_authorization_v1_SubjectAccessReviewStatus, AUTHZ_DECISION);

SCH_AUTH_REVIEW(sch_authorization_v1_LocalSubjectAccessReview, AUTHZ_DEF(LocalSubjectAccessReview),
		AUTHZ_GROUP, "v1", "LocalSubjectAccessReview",
		"Asks whether a given user may perform a request in the review's namespace.",
		sch_authorization_v1_SubjectAccessReviewSpec, REQ,
		"The request and the user to authorize; its namespace must be the review's "
		"(empty is defaulted to it).",
		sch_authorization_v1_SubjectAccessReviewStatus, AUTHZ_DECISION);

SCH_AUTH_REVIEW(sch_authorization_v1_SelfSubjectAccessReview, AUTHZ_DEF(SelfSubjectAccessReview),
		AUTHZ_GROUP, "v1", "SelfSubjectAccessReview",
		"Asks whether the caller may perform a request; an empty namespace means all "
		"namespaces.",
		sch_authorization_v1_SelfSubjectAccessReviewSpec, REQ,
		"The request to authorize for the caller.",
		sch_authorization_v1_SubjectAccessReviewStatus, AUTHZ_DECISION);

SCH_AUTH_REVIEW(sch_authorization_v1_SelfSubjectRulesReview, AUTHZ_DEF(SelfSubjectRulesReview),
		AUTHZ_GROUP, "v1", "SelfSubjectRulesReview",
		"Lists what the caller may do in a namespace, for display; not a basis for "
		"authorization decisions elsewhere.",
		sch_authorization_v1_SelfSubjectRulesReviewSpec, REQ,
		"The namespace to list the rules of.",
		sch_authorization_v1_SubjectRulesReviewStatus,
		"The caller's rules; set by the server.");
