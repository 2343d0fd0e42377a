/* Unit tests for the rbac.authorization.k8s.io, authorization.k8s.io and
 * authentication.k8s.io schema tables, over the real registry: the tables
 * hold together (distinct JSON names and protobuf numbers, typed objects,
 * Lists of their kind), their fields carry upstream's protobuf numbers,
 * kinds and omitempty/pointer-ness, the kinds are registered, protobuf
 * bodies as kubectl 1.32 sends them (`auth can-i`, `create
 * clusterrolebinding`, `create role`, `create token`, `auth whoami`)
 * decode to the JSON kubectl prints for them, fieldValidation=Strict
 * names unknown fields inside them, and the OpenAPI v3 document of the
 * rbac group describes them. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "schema/schema_check.h"
#include "schema/schema_openapi.h"
#include "schema/schema_pb.h"
#include "schema/types_authentication.h"
#include "schema/types_authorization.h"
#include "schema/types_meta.h"
#include "schema/types_rbac.h"

/* Every type the three table files define. */
static const struct sch_type *const tested_types[] = {
    &sch_rbac_v1_PolicyRule,
    &sch_rbac_v1_AggregationRule,
    &sch_rbac_v1_Subject,
    &sch_rbac_v1_RoleRef,
    &sch_rbac_v1_Role,
    &sch_rbac_v1_RoleList,
    &sch_rbac_v1_ClusterRole,
    &sch_rbac_v1_ClusterRoleList,
    &sch_rbac_v1_RoleBinding,
    &sch_rbac_v1_RoleBindingList,
    &sch_rbac_v1_ClusterRoleBinding,
    &sch_rbac_v1_ClusterRoleBindingList,
    &sch_meta_v1_FieldSelectorRequirement,
    &sch_authorization_v1_FieldSelectorAttributes,
    &sch_authorization_v1_LabelSelectorAttributes,
    &sch_authorization_v1_ResourceAttributes,
    &sch_authorization_v1_NonResourceAttributes,
    &sch_authorization_v1_SubjectAccessReviewSpec,
    &sch_authorization_v1_SelfSubjectAccessReviewSpec,
    &sch_authorization_v1_SubjectAccessReviewStatus,
    &sch_authorization_v1_SelfSubjectRulesReviewSpec,
    &sch_authorization_v1_ResourceRule,
    &sch_authorization_v1_NonResourceRule,
    &sch_authorization_v1_SubjectRulesReviewStatus,
    &sch_authorization_v1_SubjectAccessReview,
    &sch_authorization_v1_SelfSubjectAccessReview,
    &sch_authorization_v1_LocalSubjectAccessReview,
    &sch_authorization_v1_SelfSubjectRulesReview,
    &sch_authentication_v1_BoundObjectReference,
    &sch_authentication_v1_TokenRequestSpec,
    &sch_authentication_v1_TokenRequestStatus,
    &sch_authentication_v1_TokenRequest,
    &sch_authentication_v1_UserInfo,
    &sch_authentication_v1_TokenReviewSpec,
    &sch_authentication_v1_TokenReviewStatus,
    &sch_authentication_v1_TokenReview,
    &sch_authentication_v1_SelfSubjectReviewStatus,
    &sch_authentication_v1_SelfSubjectReview,
    &sch_authentication_v1beta1_SelfSubjectReviewStatus,
    &sch_authentication_v1beta1_SelfSubjectReview,
};
#define NTESTED (sizeof(tested_types) / sizeof(tested_types[0]))

/* What the tables may reference besides each other. */
static const struct sch_type *const meta_types[] = {
    &sch_meta_v1_ObjectMeta,
    &sch_meta_v1_ListMeta,
    &sch_meta_v1_LabelSelector,
    &sch_meta_v1_LabelSelectorRequirement,
};

static bool listed(const struct sch_type *t, const struct sch_type *const *set, size_t n)
{
	while (n--)
		if (set[n] == t)
			return true;
	return false;
}

static void check_type(const struct sch_type *t)
{
	bool kind = t->kind != NULL;

	if (!t->name || !t->desc || !*t->desc || !t->nfields)
		fail_msg("%s: unnamed, undescribed or empty", t->name ? t->name : "?");
	if (kind && (!t->group || !t->version || t->nfields < 3 ||
		     strcmp(t->fields[0].name, "apiVersion") || strcmp(t->fields[1].name, "kind") ||
		     strcmp(t->fields[2].name, "metadata") || t->fields[2].pb != 1))
		fail_msg("%s: a kind opens with apiVersion, kind and metadata (1)", t->name);
	for (size_t i = 0; i < t->nfields; i++) {
		const struct sch_field *f = &t->fields[i];

		if (!f->desc || !*f->desc || (!f->pb && !(kind && i < 2)))
			fail_msg("%s.%s: no description or protobuf number", t->name, f->name);
		if ((f->kind == SCH_OBJECT) != (f->type != NULL))
			fail_msg("%s.%s: objects, and only objects, name a type", t->name, f->name);
		if (f->type && !listed(f->type, tested_types, NTESTED) &&
		    !listed(f->type, meta_types, sizeof(meta_types) / sizeof(meta_types[0])))
			fail_msg("%s.%s: references %s, defined nowhere here", t->name, f->name,
				 f->type->name);
		if ((f->flags & SCH_F_OMITEMPTY) && (f->flags & SCH_F_REQUIRED))
			fail_msg("%s.%s: omitempty and required", t->name, f->name);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(f->name, t->fields[j].name) ||
			    (f->pb && f->pb == t->fields[j].pb))
				fail_msg("%s.%s: JSON name or protobuf number reused", t->name,
					 f->name);
	}
	if (kind && strstr(t->kind, "List")) {
		const struct sch_field *items = sch_field(t, "items");

		if (!items || items->pb != 2 || !items->type->kind ||
		    strncmp(items->type->kind, t->kind, strlen(items->type->kind)) ||
		    strcmp(t->kind + strlen(items->type->kind), "List"))
			fail_msg("%s: items (2) are not of its kind", t->name);
	}
}

static void test_tables_consistent(void **state)
{
	(void)state;
	for (size_t i = 0; i < NTESTED; i++) {
		check_type(tested_types[i]);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(tested_types[i]->name, tested_types[j]->name))
				fail_msg("%s: defined twice", tested_types[i]->name);
	}
}

/* Upstream facts, field by field (kubernetes/api generated.proto and
 * types.go of 1.32). */
static const struct fact {
	const struct sch_type *t;
	const char *field;
	uint32_t pb;
	enum sch_kind kind;
	unsigned has, lacks;
	const struct sch_type *type; /* NULL: not checked */
} facts[] = {
#define LIST_ATOM (SCH_F_LIST | SCH_F_ATOMIC)
    /* rbac */
    {&sch_rbac_v1_PolicyRule, "verbs", 1, SCH_STRING, LIST_ATOM | SCH_F_REQUIRED, SCH_F_OMITEMPTY,
     NULL},
    {&sch_rbac_v1_PolicyRule, "apiGroups", 2, SCH_STRING, LIST_ATOM | SCH_F_OMITEMPTY, 0, NULL},
    {&sch_rbac_v1_PolicyRule, "nonResourceURLs", 5, SCH_STRING, LIST_ATOM | SCH_F_OMITEMPTY, 0,
     NULL},
    {&sch_rbac_v1_Role, "rules", 2, SCH_OBJECT, LIST_ATOM, SCH_F_OMITEMPTY,
     &sch_rbac_v1_PolicyRule},
    {&sch_rbac_v1_ClusterRole, "aggregationRule", 3, SCH_OBJECT, 0, SCH_F_OMITEMPTY,
     &sch_rbac_v1_AggregationRule},
    {&sch_rbac_v1_AggregationRule, "clusterRoleSelectors", 1, SCH_OBJECT, LIST_ATOM, 0,
     &sch_meta_v1_LabelSelector},
    {&sch_rbac_v1_RoleBinding, "subjects", 2, SCH_OBJECT, LIST_ATOM | SCH_F_OMITEMPTY, 0,
     &sch_rbac_v1_Subject},
    {&sch_rbac_v1_ClusterRoleBinding, "roleRef", 3, SCH_OBJECT, SCH_F_REQUIRED, 0,
     &sch_rbac_v1_RoleRef},
    {&sch_rbac_v1_Subject, "apiGroup", 2, SCH_STRING, SCH_F_OMITEMPTY, 0, NULL},
    {&sch_rbac_v1_Subject, "namespace", 4, SCH_STRING, SCH_F_OMITEMPTY, 0, NULL},
    {&sch_rbac_v1_RoleRef, "apiGroup", 1, SCH_STRING, 0, SCH_F_OMITEMPTY, NULL},
    {&sch_rbac_v1_RoleRef, "name", 3, SCH_STRING, SCH_F_REQUIRED, 0, NULL},
    {&sch_rbac_v1_RoleBindingList, "items", 2, SCH_OBJECT, SCH_F_LIST, 0, &sch_rbac_v1_RoleBinding},
    /* authorization */
    {&sch_authorization_v1_ResourceAttributes, "namespace", 1, SCH_STRING, SCH_F_OMITEMPTY, 0,
     NULL},
    {&sch_authorization_v1_ResourceAttributes, "resource", 5, SCH_STRING, SCH_F_OMITEMPTY, 0, NULL},
    {&sch_authorization_v1_ResourceAttributes, "name", 7, SCH_STRING, SCH_F_OMITEMPTY, 0, NULL},
    {&sch_authorization_v1_ResourceAttributes, "fieldSelector", 8, SCH_OBJECT, 0, SCH_F_OMITEMPTY,
     &sch_authorization_v1_FieldSelectorAttributes},
    {&sch_authorization_v1_ResourceAttributes, "labelSelector", 9, SCH_OBJECT, 0, SCH_F_OMITEMPTY,
     &sch_authorization_v1_LabelSelectorAttributes},
    {&sch_authorization_v1_LabelSelectorAttributes, "requirements", 2, SCH_OBJECT,
     LIST_ATOM | SCH_F_OMITEMPTY, 0, &sch_meta_v1_LabelSelectorRequirement},
    {&sch_authorization_v1_FieldSelectorAttributes, "rawSelector", 1, SCH_STRING, SCH_F_OMITEMPTY,
     0, NULL},
    {&sch_meta_v1_FieldSelectorRequirement, "values", 3, SCH_STRING, LIST_ATOM | SCH_F_OMITEMPTY, 0,
     NULL},
    {&sch_authorization_v1_NonResourceAttributes, "verb", 2, SCH_STRING, SCH_F_OMITEMPTY, 0, NULL},
    {&sch_authorization_v1_SubjectAccessReviewSpec, "nonResourceAttributes", 2, SCH_OBJECT, 0,
     SCH_F_OMITEMPTY, &sch_authorization_v1_NonResourceAttributes},
    {&sch_authorization_v1_SubjectAccessReviewSpec, "groups", 4, SCH_STRING,
     LIST_ATOM | SCH_F_OMITEMPTY, 0, NULL},
    {&sch_authorization_v1_SubjectAccessReviewSpec, "extra", 5, SCH_MAP, SCH_F_OMITEMPTY, 0, NULL},
    {&sch_authorization_v1_SubjectAccessReviewSpec, "uid", 6, SCH_STRING, SCH_F_OMITEMPTY, 0, NULL},
    {&sch_authorization_v1_SelfSubjectAccessReviewSpec, "resourceAttributes", 1, SCH_OBJECT, 0,
     SCH_F_OMITEMPTY, &sch_authorization_v1_ResourceAttributes},
    {&sch_authorization_v1_SubjectAccessReviewStatus, "allowed", 1, SCH_BOOL, SCH_F_REQUIRED,
     SCH_F_OMITEMPTY, NULL},
    {&sch_authorization_v1_SubjectAccessReviewStatus, "denied", 4, SCH_BOOL, SCH_F_OMITEMPTY, 0,
     NULL},
    {&sch_authorization_v1_SubjectAccessReviewStatus, "evaluationError", 3, SCH_STRING,
     SCH_F_OMITEMPTY, 0, NULL},
    {&sch_authorization_v1_SelfSubjectRulesReviewSpec, "namespace", 1, SCH_STRING, SCH_F_OMITEMPTY,
     0, NULL},
    {&sch_authorization_v1_SubjectRulesReviewStatus, "resourceRules", 1, SCH_OBJECT, LIST_ATOM,
     SCH_F_OMITEMPTY, &sch_authorization_v1_ResourceRule},
    {&sch_authorization_v1_SubjectRulesReviewStatus, "incomplete", 3, SCH_BOOL, 0, SCH_F_OMITEMPTY,
     NULL},
    {&sch_authorization_v1_ResourceRule, "resourceNames", 4, SCH_STRING,
     LIST_ATOM | SCH_F_OMITEMPTY, 0, NULL},
    {&sch_authorization_v1_NonResourceRule, "verbs", 1, SCH_STRING, LIST_ATOM, SCH_F_OMITEMPTY,
     NULL},
    {&sch_authorization_v1_SelfSubjectAccessReview, "spec", 2, SCH_OBJECT, SCH_F_REQUIRED, 0,
     &sch_authorization_v1_SelfSubjectAccessReviewSpec},
    {&sch_authorization_v1_LocalSubjectAccessReview, "status", 3, SCH_OBJECT, SCH_F_READONLY, 0,
     &sch_authorization_v1_SubjectAccessReviewStatus},
    {&sch_authorization_v1_SelfSubjectRulesReview, "status", 3, SCH_OBJECT, SCH_F_READONLY, 0,
     &sch_authorization_v1_SubjectRulesReviewStatus},
    /* authentication */
    {&sch_authentication_v1_TokenRequestSpec, "audiences", 1, SCH_STRING, LIST_ATOM,
     SCH_F_OMITEMPTY, NULL},
    {&sch_authentication_v1_TokenRequestSpec, "expirationSeconds", 4, SCH_INT64, 0, SCH_F_OMITEMPTY,
     NULL},
    {&sch_authentication_v1_TokenRequestSpec, "boundObjectRef", 3, SCH_OBJECT, 0, SCH_F_OMITEMPTY,
     &sch_authentication_v1_BoundObjectReference},
    {&sch_authentication_v1_BoundObjectReference, "uid", 4, SCH_STRING, SCH_F_OMITEMPTY, 0, NULL},
    {&sch_authentication_v1_TokenRequestStatus, "token", 1, SCH_STRING, 0, SCH_F_OMITEMPTY, NULL},
    {&sch_authentication_v1_TokenRequestStatus, "expirationTimestamp", 2, SCH_TIME, 0, 0, NULL},
    {&sch_authentication_v1_TokenReviewSpec, "audiences", 2, SCH_STRING,
     LIST_ATOM | SCH_F_OMITEMPTY, 0, NULL},
    {&sch_authentication_v1_TokenReviewStatus, "user", 2, SCH_OBJECT, 0, SCH_F_OMITEMPTY,
     &sch_authentication_v1_UserInfo},
    {&sch_authentication_v1_TokenReviewStatus, "audiences", 4, SCH_STRING,
     LIST_ATOM | SCH_F_OMITEMPTY, 0, NULL},
    {&sch_authentication_v1_TokenReviewStatus, "error", 3, SCH_STRING, SCH_F_OMITEMPTY, 0, NULL},
    {&sch_authentication_v1_UserInfo, "groups", 3, SCH_STRING, LIST_ATOM | SCH_F_OMITEMPTY, 0,
     NULL},
    {&sch_authentication_v1_UserInfo, "extra", 4, SCH_MAP, SCH_F_OMITEMPTY, 0, NULL},
    {&sch_authentication_v1_TokenReview, "spec", 2, SCH_OBJECT, SCH_F_REQUIRED, 0,
     &sch_authentication_v1_TokenReviewSpec},
    {&sch_authentication_v1_SelfSubjectReview, "status", 2, SCH_OBJECT, SCH_F_READONLY, 0,
     &sch_authentication_v1_SelfSubjectReviewStatus},
    {&sch_authentication_v1beta1_SelfSubjectReviewStatus, "userInfo", 1, SCH_OBJECT, 0, 0,
     &sch_authentication_v1_UserInfo},
#undef LIST_ATOM
};

static void test_known_facts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		const struct fact *k = &facts[i];
		const struct sch_field *f = sch_field(k->t, k->field);

		if (!f)
			fail_msg("%s: no field %s", k->t->name, k->field);
		if (f->pb != k->pb || f->kind != k->kind || (f->flags & k->has) != k->has ||
		    (f->flags & k->lacks) || (k->type && f->type != k->type))
			fail_msg("%s.%s: pb %u kind %d flags %#x type %s; want pb %u kind %d, "
				 "flags %#x set and %#x clear",
				 k->t->name, k->field, f->pb, f->kind, f->flags,
				 f->type ? f->type->name : "-", k->pb, k->kind, k->has, k->lacks);
	}
	/* Subject and RoleRef are +structType=atomic. */
	assert_true(sch_rbac_v1_Subject.flags & SCH_F_ATOMIC);
	assert_true(sch_rbac_v1_RoleRef.flags & SCH_F_ATOMIC);
	/* extra is a map of string lists; protobuf can only refuse it. */
	assert_int_equal(sch_field(&sch_authentication_v1_UserInfo, "extra")->elem, SCH_ANY);
}

/* The registry finds every kind by apiVersion and kind. */
static void test_registered(void **state)
{
	static const struct {
		const char *av, *kind;
		const struct sch_type *t;
	} kinds[] = {
	    {"rbac.authorization.k8s.io/v1", "Role", &sch_rbac_v1_Role},
	    {"rbac.authorization.k8s.io/v1", "RoleList", &sch_rbac_v1_RoleList},
	    {"rbac.authorization.k8s.io/v1", "ClusterRole", &sch_rbac_v1_ClusterRole},
	    {"rbac.authorization.k8s.io/v1", "ClusterRoleList", &sch_rbac_v1_ClusterRoleList},
	    {"rbac.authorization.k8s.io/v1", "RoleBinding", &sch_rbac_v1_RoleBinding},
	    {"rbac.authorization.k8s.io/v1", "RoleBindingList", &sch_rbac_v1_RoleBindingList},
	    {"rbac.authorization.k8s.io/v1", "ClusterRoleBinding", &sch_rbac_v1_ClusterRoleBinding},
	    {"rbac.authorization.k8s.io/v1", "ClusterRoleBindingList",
	     &sch_rbac_v1_ClusterRoleBindingList},
	    {"authorization.k8s.io/v1", "SubjectAccessReview",
	     &sch_authorization_v1_SubjectAccessReview},
	    {"authorization.k8s.io/v1", "LocalSubjectAccessReview",
	     &sch_authorization_v1_LocalSubjectAccessReview},
	    {"authorization.k8s.io/v1", "SelfSubjectAccessReview",
	     &sch_authorization_v1_SelfSubjectAccessReview},
	    {"authorization.k8s.io/v1", "SelfSubjectRulesReview",
	     &sch_authorization_v1_SelfSubjectRulesReview},
	    {"authentication.k8s.io/v1", "TokenRequest", &sch_authentication_v1_TokenRequest},
	    {"authentication.k8s.io/v1", "TokenReview", &sch_authentication_v1_TokenReview},
	    {"authentication.k8s.io/v1", "SelfSubjectReview",
	     &sch_authentication_v1_SelfSubjectReview},
	    {"authentication.k8s.io/v1beta1", "SelfSubjectReview",
	     &sch_authentication_v1beta1_SelfSubjectReview},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (sch_lookup(kinds[i].av, kinds[i].kind) != kinds[i].t)
			fail_msg("%s %s: not registered", kinds[i].av, kinds[i].kind);
	/* a kind is found only in its own group version */
	assert_null(sch_lookup("rbac.authorization.k8s.io/v1", "SelfSubjectAccessReview"));
	assert_null(sch_lookup("authentication.k8s.io/v1beta1", "TokenRequest"));
}

/* Protobuf bodies laid out as kubectl 1.32 (gogo-protobuf) writes them:
 * every non-pointer field, empty or not, pointers only when set. The rest
 * of an empty ObjectMeta after its name (2 generateName .. 8
 * creationTimestamp), and the runtime.Unknown trailer (3 contentEncoding,
 * 4 contentType). */
#define PB_META_REST "\x12\x00\x1a\x00\x22\x00\x2a\x00\x32\x00\x38\x00\x42\x00"
#define PB_TRAILER   "\x1a\x00\x22\x00"

/* clang-format off */
static const char vec_ssar_pb[] = "k8s\0"
	"\x0a\x32" /* typeMeta */
	  "\x0a\x17" "authorization.k8s.io/v1" /* apiVersion */
	  "\x12\x17" "SelfSubjectAccessReview" /* kind */
	"\x12\x43" /* raw */
	  "\x0a\x10" /* metadata */
	    "\x0a\x00" /* name: "" */
	    PB_META_REST
	  "\x12\x25" /* spec */
	    "\x0a\x23" /* resourceAttributes */
	      "\x0a\x07" "default" /* namespace */
	      "\x12\x06" "delete" /* verb */
	      "\x1a\x00" /* group: "" */
	      "\x22\x00" /* version: "" */
	      "\x2a\x08" "services" /* resource */
	      "\x32\x00" /* subresource: "" */
	      "\x3a\x00" /* name: "" */
	  "\x1a\x08" /* status */
	    "\x08\x00" /* allowed: 0 */
	    "\x12\x00" /* reason: "" */
	    "\x1a\x00" /* evaluationError: "" */
	    "\x20\x00" /* denied: 0 */
	PB_TRAILER
	;

static const char vec_crb_pb[] = "k8s\0"
	"\x0a\x32" /* typeMeta */
	  "\x0a\x1c" "rbac.authorization.k8s.io/v1" /* apiVersion */
	  "\x12\x12" "ClusterRoleBinding" /* kind */
	"\x12\x9d\x01" /* raw */
	  "\x0a\x16" /* metadata */
	    "\x0a\x06" "admins" /* name */
	    PB_META_REST
	  "\x12\x28" /* subjects[0] */
	    "\x0a\x04" "User" /* kind */
	    "\x12\x19" "rbac.authorization.k8s.io" /* apiGroup */
	    "\x1a\x03" "bob" /* name */
	    "\x22\x00" /* namespace: "" */
	  "\x12\x29" /* subjects[1] */
	    "\x0a\x05" "Group" /* kind */
	    "\x12\x19" "rbac.authorization.k8s.io" /* apiGroup */
	    "\x1a\x03" "dev" /* name */
	    "\x22\x00" /* namespace: "" */
	  "\x1a\x2e" /* roleRef */
	    "\x0a\x19" "rbac.authorization.k8s.io" /* apiGroup */
	    "\x12\x0b" "ClusterRole" /* kind */
	    "\x1a\x04" "view" /* name */
	PB_TRAILER
	;

static const char vec_role_pb[] = "k8s\0"
	"\x0a\x24" /* typeMeta */
	  "\x0a\x1c" "rbac.authorization.k8s.io/v1" /* apiVersion */
	  "\x12\x04" "Role" /* kind */
	"\x12\x37" /* raw */
	  "\x0a\x16" /* metadata */
	    "\x0a\x06" "reader" /* name */
	    PB_META_REST
	  "\x12\x1d" /* rules[0] */
	    "\x0a\x03" "get" /* verbs */
	    "\x0a\x04" "list" /* verbs */
	    "\x12\x00" /* apiGroups: "" */
	    "\x1a\x04" "pods" /* resources */
	    "\x1a\x08" "pods/log" /* resources */
	PB_TRAILER
	;

static const char vec_tokenrequest_pb[] = "k8s\0"
	"\x0a\x28" /* typeMeta */
	  "\x0a\x18" "authentication.k8s.io/v1" /* apiVersion */
	  "\x12\x0c" "TokenRequest" /* kind */
	"\x12\x1d" /* raw */
	  "\x0a\x10" /* metadata */
	    "\x0a\x00" /* name: "" */
	    PB_META_REST
	  "\x12\x03" /* spec */
	    "\x20\x90\x1c" /* expirationSeconds: 3600 */
	  "\x1a\x04" /* status */
	    "\x0a\x00" /* token: "" */
	    "\x12\x00" /* expirationTimestamp */
	PB_TRAILER
	;

static const char vec_ssr_beta_pb[] = "k8s\0"
	"\x0a\x32" /* typeMeta */
	  "\x0a\x1d" "authentication.k8s.io/v1beta1" /* apiVersion */
	  "\x12\x11" "SelfSubjectReview" /* kind */
	"\x12\x1a" /* raw */
	  "\x0a\x10" /* metadata */
	    "\x0a\x00" /* name: "" */
	    PB_META_REST
	  "\x12\x06" /* status */
	    "\x0a\x04" /* userInfo */
	      "\x0a\x00" /* username: "" */
	      "\x12\x00" /* uid: "" */
	PB_TRAILER
	;

static const char vec_sar_extra_pb[] = "k8s\0"
	"\x0a\x2e" /* typeMeta */
	  "\x0a\x17" "authorization.k8s.io/v1" /* apiVersion */
	  "\x12\x13" "SubjectAccessReview" /* kind */
	"\x12\x28" /* raw */
	  "\x0a\x10" /* metadata */
	    "\x0a\x00" /* name: "" */
	    PB_META_REST
	  "\x12\x14" /* spec */
	    "\x1a\x03" "bob" /* user */
	    "\x2a\x0d" /* extra{} */
	      "\x0a\x06" "scopes" /* key */
	      "\x12\x03" /* value */
	        "\x0a\x01" "a" /* items */
	PB_TRAILER
	;

/* clang-format on */

static void expect_decode(const char *name, const char *pb, size_t len, const char *want)
{
	struct sch_report rep;
	cJSON *obj = NULL;
	char *got = NULL;
	int rc;

	sch_report_init(&rep);
	rc = sch_pb_decode(pb, len, 1 << 20, &obj, NULL, &rep);
	if (!rc)
		got = cJSON_PrintUnformatted(obj);
	if (rc || strcmp(got, want) || rep.n)
		fail_msg("%s: rc %d, %u findings (%s)\n got  %s\n want %s", name, rc, rep.n,
			 rep.n ? rep.msg[0].text : "", got ? got : "-", want);
	free(got);
	cJSON_Delete(obj);
}

#define DECODES(vec, want) expect_decode(#vec, vec, sizeof(vec) - 1, want)

/* The JSON is what `kubectl ... --dry-run=client -o json` prints for the
 * same objects (Go's encoding/json of the decoded structs). */
static void test_pb_decode(void **state)
{
	(void)state;
	/* kubectl auth can-i delete services -n default */
	DECODES(vec_ssar_pb,
		"{\"kind\":\"SelfSubjectAccessReview\",\"apiVersion\":\"authorization.k8s.io/v1\","
		"\"metadata\":{\"creationTimestamp\":null},\"spec\":{\"resourceAttributes\":{"
		"\"namespace\":\"default\",\"verb\":\"delete\",\"resource\":\"services\"}},"
		"\"status\":{\"allowed\":false}}");
	/* kubectl create clusterrolebinding admins --clusterrole=view --user=bob --group=dev */
	DECODES(vec_crb_pb,
		"{\"kind\":\"ClusterRoleBinding\",\"apiVersion\":\"rbac.authorization.k8s.io/v1\","
		"\"metadata\":{\"name\":\"admins\",\"creationTimestamp\":null},\"subjects\":[{"
		"\"kind\":\"User\",\"apiGroup\":\"rbac.authorization.k8s.io\",\"name\":\"bob\"},{"
		"\"kind\":\"Group\",\"apiGroup\":\"rbac.authorization.k8s.io\",\"name\":\"dev\"}],"
		"\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\","
		"\"name\":\"view\"}}");
	/* kubectl create role reader --verb=get,list --resource=pods,pods/log */
	DECODES(vec_role_pb,
		"{\"kind\":\"Role\",\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"metadata\":{"
		"\"name\":\"reader\",\"creationTimestamp\":null},\"rules\":[{\"verbs\":[\"get\","
		"\"list\"],\"apiGroups\":[\"\"],\"resources\":[\"pods\",\"pods/log\"]}]}");
	/* kubectl create token default --duration=1h */
	DECODES(
	    vec_tokenrequest_pb,
	    "{\"kind\":\"TokenRequest\",\"apiVersion\":\"authentication.k8s.io/v1\",\"metadata\":"
	    "{\"creationTimestamp\":null},\"spec\":{\"expirationSeconds\":3600},\"status\":{"
	    "\"token\":\"\",\"expirationTimestamp\":null}}");
	/* kubectl auth whoami, against a server without the v1 resource */
	DECODES(vec_ssr_beta_pb,
		"{\"kind\":\"SelfSubjectReview\",\"apiVersion\":\"authentication.k8s.io/v1beta1\","
		"\"metadata\":{\"creationTimestamp\":null},\"status\":{\"userInfo\":{}}}");
}

/* A protobuf extra (map of string lists) is refused, naming the field,
 * rather than decoded to a shape JSON would not have. */
static void test_pb_extra_refused(void **state)
{
	struct sch_report rep;
	cJSON *obj = NULL;

	(void)state;
	sch_report_init(&rep);
	assert_int_equal(sch_pb_decode(vec_sar_extra_pb, sizeof(vec_sar_extra_pb) - 1, 1 << 20,
				       &obj, NULL, &rep),
			 -EINVAL);
	assert_null(obj);
	if (!strstr(sch_report_error(&rep), "spec.extra"))
		fail_msg("error does not name spec.extra: %s", sch_report_error(&rep));
}

/* fieldValidation=Strict on JSON bodies: unknown fields deep in the
 * review and binding types are named; extra's string lists are fine. */
static void test_strict_json(void **state)
{
	static const struct {
		const struct sch_type *t;
		const char *json, *unknown; /* NULL: no finding */
	} cases[] = {
	    {&sch_authorization_v1_SelfSubjectAccessReview,
	     "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\","
	     "\"spec\":{\"resourceAttributes\":{\"verb\":\"get\",\"resourse\":\"pods\"}}}",
	     "spec.resourceAttributes.resourse"},
	    {&sch_authorization_v1_SubjectAccessReview,
	     "{\"spec\":{\"user\":\"bob\",\"extra\":{\"scopes\":[\"a\",\"b\"]},"
	     "\"resourceAttributes\":"
	     "{\"fieldSelector\":{\"requirements\":[{\"key\":\"spec.nodeName\",\"operator\":\"In\","
	     "\"values\":[\"n1\"]}]}}}}",
	     NULL},
	    {&sch_rbac_v1_ClusterRoleBinding,
	     "{\"subjects\":[{\"kind\":\"User\",\"name\":\"bob\",\"nmespace\":\"x\"}],"
	     "\"roleRef\":{\"kind\":\"ClusterRole\",\"name\":\"view\"}}",
	     "subjects[0].nmespace"},
	    {&sch_rbac_v1_ClusterRole,
	     "{\"rules\":[{\"verbs\":[\"get\"],\"nonResourceURLs\":[\"/metrics\"]}],"
	     "\"aggregationRule\":{\"clusterRoleSelectors\":[{\"matchLabels\":{\"a\":\"b\"}}]}}",
	     NULL},
	    {&sch_authentication_v1_TokenRequest,
	     "{\"spec\":{\"audiences\":[\"api\"],\"expirationSeconds\":600,\"boundObjectRef\":{"
	     "\"kind\":\"Pod\",\"name\":\"p\",\"uid\":\"u\",\"namespace\":\"x\"}}}",
	     "spec.boundObjectRef.namespace"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sch_report rep;
		cJSON *obj = cJSON_Parse(cases[i].json);
		int n;

		assert_non_null(obj);
		sch_report_init(&rep);
		n = sch_check(cases[i].t, obj, &rep);
		if (n != (cases[i].unknown ? 1 : 0) ||
		    (n && !strstr(rep.msg[0].text, cases[i].unknown)))
			fail_msg("%s: %d findings (%s), want %s", cases[i].t->name, n,
				 n > 0 ? rep.msg[0].text : "",
				 cases[i].unknown ? cases[i].unknown : "none");
		cJSON_Delete(obj);
	}
}

/* The member of v at the keys (array indexes as digits) that follow,
 * up to a NULL; NULL if any is missing. */
static const cJSON *dig(const cJSON *v, ...)
{
	const char *k;
	va_list ap;

	va_start(ap, v);
	while (v && (k = va_arg(ap, const char *)))
		v = cJSON_IsArray(v) ? cJSON_GetArrayItem(v, atoi(k))
				     : cJSON_GetObjectItemCaseSensitive(v, k);
	va_end(ap);
	return v;
}

static void expect_str(const cJSON *v, const char *want)
{
	if (!cJSON_IsString(v) || strcmp(v->valuestring, want))
		fail_msg("want \"%s\", got %s", want, v ? cJSON_PrintUnformatted(v) : "nothing");
}

#define RBAC_DEF "io.k8s.api.rbac.v1."

/* What kubectl explain reads: the v3 documents of the groups. */
static void test_openapi_rbac(void **state)
{
	const struct sch_resource res[] = {
	    {"rbac.authorization.k8s.io", "v1", "clusterroles", false, 0x7f,
	     &sch_rbac_v1_ClusterRole, &sch_rbac_v1_ClusterRoleList},
	    {"rbac.authorization.k8s.io", "v1", "rolebindings", true, 0x7f,
	     &sch_rbac_v1_RoleBinding, &sch_rbac_v1_RoleBindingList},
	    {"authorization.k8s.io", "v1", "selfsubjectaccessreviews", false, SCH_VERB_CREATE,
	     &sch_authorization_v1_SelfSubjectAccessReview, NULL},
	};
	struct buf b = {0};
	const cJSON *defs;
	cJSON *doc;

	(void)state;
	assert_int_equal(sch_openapi_v3_gv("apis/rbac.authorization.k8s.io/v1", res, 3, &b, NULL),
			 0);
	doc = cJSON_Parse(b.p);
	defs = dig(doc, "components", "schemas", NULL);
	expect_str(
	    dig(defs, RBAC_DEF "ClusterRole", "x-kubernetes-group-version-kind", "0", "kind", NULL),
	    "ClusterRole");
	expect_str(
	    dig(defs, RBAC_DEF "PolicyRule", "properties", "verbs", "x-kubernetes-list-type", NULL),
	    "atomic");
	expect_str(dig(defs, RBAC_DEF "PolicyRule", "required", "0", NULL), "verbs");
	expect_str(
	    dig(defs, RBAC_DEF "RoleBinding", "properties", "roleRef", "allOf", "0", "$ref", NULL),
	    "#/components/schemas/" RBAC_DEF "RoleRef");
	expect_str(dig(defs, RBAC_DEF "RoleRef", "x-kubernetes-map-type", NULL), "atomic");
	cJSON_Delete(doc);
	buf_free(&b);
	b = (struct buf){0};
	assert_int_equal(sch_openapi_v3_gv("apis/authorization.k8s.io/v1", res, 3, &b, NULL), 0);
	doc = cJSON_Parse(b.p);
	assert_non_null(dig(doc, "components", "schemas",
			    "io.k8s.api.authorization.v1.ResourceAttributes", "properties",
			    "fieldSelector", NULL));
	cJSON_Delete(doc);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tables_consistent), cmocka_unit_test(test_known_facts),
	    cmocka_unit_test(test_registered),	      cmocka_unit_test(test_pb_decode),
	    cmocka_unit_test(test_pb_extra_refused),  cmocka_unit_test(test_strict_json),
	    cmocka_unit_test(test_openapi_rbac),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
