/* Unit tests for the core/v1 Pod schema tables (controlplane/schema/
 * types_pod*.c): every table is internally consistent (unique JSON names and
 * protobuf numbers, object fields typed, list-map keys that exist, every
 * referenced type defined), the checker itself catches each kind of broken
 * table, and a set of upstream wire-format facts holds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "types_pod.h"

/* Types other table files own; the Pod tables may refer to them. */
static const struct sch_type *const foreign_types[] = {
    &sch_meta_v1_ObjectMeta,	       &sch_meta_v1_ListMeta,	     &sch_meta_v1_LabelSelector,
    &sch_core_v1_LocalObjectReference, &sch_core_v1_ObjectReference,
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
/* Deep enough for any inline chain upstream has (one level) with room. */
#define MAX_INLINE_DEPTH 4
#define MAX_JSON_NAMES	 128

static int problems;

static void problem(const struct sch_type *t, const char *fmt, ...)
{
	va_list ap;
	char msg[256];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print_message("%s: %s\n", t->name ? t->name : "(unnamed)", msg);
	problems++;
}

static int is_defined(const struct sch_type *t)
{
	for (size_t i = 0; i < sch_pod_ntypes; i++)
		if (sch_pod_types[i] == t)
			return 1;
	for (size_t i = 0; i < NELEM(foreign_types); i++)
		if (foreign_types[i] == t)
			return 1;
	return 0;
}

/* The JSON member names of t as they appear in an object: inline fields
 * contribute their type's members instead of their own name. Returns the
 * count, or -1 when the names do not fit or inlining nests too deep. */
static int json_names(const struct sch_type *t, const char **names, int n, int depth)
{
	if (depth > MAX_INLINE_DEPTH)
		return -1;
	for (size_t i = 0; i < t->nfields; i++) {
		const struct sch_field *f = &t->fields[i];

		if ((f->flags & SCH_F_INLINE) && f->type) {
			n = json_names(f->type, names, n, depth + 1);
			if (n < 0)
				return -1;
			continue;
		}
		if (n >= MAX_JSON_NAMES)
			return -1;
		names[n++] = f->name;
	}
	return n;
}

static int has_json_member(const struct sch_type *t, const char *name)
{
	const char *names[MAX_JSON_NAMES];
	int n = json_names(t, names, 0, 0);

	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return 1;
	return 0;
}

static void check_field(const struct sch_type *t, const struct sch_field *f)
{
	unsigned lt = f->flags & (SCH_F_LIST_MAP | SCH_F_LIST_SET | SCH_F_ATOMIC);
	int is_obj = f->kind == SCH_OBJECT || (f->kind == SCH_MAP && f->elem == SCH_OBJECT);

	if (!f->name || !*f->name)
		problem(t, "a field without a JSON name");
	if (!f->desc || !*f->desc)
		problem(t, "%s: no description", f->name);
	if (is_obj && !f->type)
		problem(t, "%s: object field without a type", f->name);
	if (!is_obj && f->type)
		problem(t, "%s: scalar field with a type", f->name);
	if (f->type && !is_defined(f->type))
		problem(t, "%s: refers to %s, defined nowhere", f->name, f->type->name);
	/* Only the TypeMeta members of top-level kinds live outside protobuf. */
	if (f->pb == 0 &&
	    !(t->kind && (!strcmp(f->name, "apiVersion") || !strcmp(f->name, "kind"))))
		problem(t, "%s: no protobuf field number", f->name);
	if (f->pb > 536870911u || (f->pb >= 19000 && f->pb <= 19999))
		problem(t, "%s: protobuf number %u is not usable", f->name, f->pb);
	if (lt & (lt - 1))
		problem(t, "%s: more than one list type", f->name);
	if ((f->flags & (SCH_F_LIST_MAP | SCH_F_LIST_SET)) && !(f->flags & SCH_F_LIST))
		problem(t, "%s: list type on a non-list", f->name);
	if ((f->flags & SCH_F_LIST_SET) && f->kind == SCH_OBJECT)
		problem(t, "%s: a set of objects", f->name);
	if ((f->flags & SCH_F_LIST_MAP) && !f->merge_key)
		problem(t, "%s: list map without a merge key", f->name);
	if (f->merge_key && (f->kind != SCH_OBJECT || !(f->flags & SCH_F_LIST)))
		problem(t, "%s: merge key on a non-list of objects", f->name);
	if (f->merge_key && f->type && !has_json_member(f->type, f->merge_key))
		problem(t, "%s: merge key %s is not a field of %s", f->name, f->merge_key,
			f->type->name);
	if ((f->flags & SCH_F_INLINE) && (f->kind != SCH_OBJECT || (f->flags & SCH_F_LIST)))
		problem(t, "%s: inline on something not one object", f->name);
	/* types_pod.h: omitempty only where Go's encoder can omit the value. */
	if ((f->flags & SCH_F_OMITEMPTY) && !(f->flags & SCH_F_LIST) &&
	    (f->kind == SCH_OBJECT || f->kind == SCH_TIME || f->kind == SCH_QUANTITY))
		problem(t, "%s: omitempty on a struct value", f->name);
}

/* Checks one table; returns the number of problems found in it. */
static int check_type(const struct sch_type *t)
{
	const char *names[MAX_JSON_NAMES];
	int before = problems, n;

	if (!t->name || strncmp(t->name, "io.k8s.", 7) != 0)
		problem(t, "OpenAPI name missing or not io.k8s.*");
	if (!t->desc || !*t->desc)
		problem(t, "no description");
	if (!t->nfields && !(t->flags & SCH_F_PRESERVE))
		problem(t, "no fields and not SCH_F_PRESERVE");
	if (t->kind && (!t->group || !t->version || !strstr(t->name, t->kind)))
		problem(t, "top-level kind without group/version or name");
	for (size_t i = 0; i < t->nfields; i++) {
		check_field(t, &t->fields[i]);
		for (size_t j = 0; j < i; j++)
			if (t->fields[i].pb && t->fields[i].pb == t->fields[j].pb)
				problem(t, "%s and %s share protobuf number %u", t->fields[j].name,
					t->fields[i].name, t->fields[i].pb);
	}
	n = json_names(t, names, 0, 0);
	if (n < 0)
		problem(t, "too many JSON members or inlining too deep");
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				problem(t, "JSON name %s appears twice", names[i]);
	return problems - before;
}

static void test_every_table_consistent(void **state)
{
	(void)state;
	problems = 0;
	assert_true(sch_pod_ntypes > 100);
	for (size_t i = 0; i < sch_pod_ntypes; i++) {
		assert_non_null(sch_pod_types[i]);
		check_type(sch_pod_types[i]);
		/* Listed once, so registries built from the list see no
		 * duplicate definitions. */
		for (size_t j = 0; j < i; j++)
			if (sch_pod_types[i] == sch_pod_types[j] ||
			    !strcmp(sch_pod_types[i]->name, sch_pod_types[j]->name))
				problem(sch_pod_types[i], "listed twice");
	}
	assert_int_equal(problems, 0);
}

/* The checker must catch each kind of mistake, or the test above proves
 * nothing. Each broken table has exactly one defect. */
static const struct sch_field bad_dup_json[] = {
    {.name = "a", .pb = 1, .kind = SCH_STRING, .desc = "x"},
    {.name = "a", .pb = 2, .kind = SCH_STRING, .desc = "x"},
};
static const struct sch_field bad_dup_pb[] = {
    {.name = "a", .pb = 3, .kind = SCH_STRING, .desc = "x"},
    {.name = "b", .pb = 3, .kind = SCH_INT32, .desc = "x"},
};
static const struct sch_field bad_untyped[] = {
    {.name = "a", .pb = 1, .kind = SCH_OBJECT, .desc = "x"},
};
static const struct sch_field bad_untyped_list[] = {
    {.name = "a", .pb = 1, .kind = SCH_OBJECT, .flags = SCH_F_LIST, .desc = "x"},
};
static const struct sch_field bad_no_key[] = {
    {.name = "a",
     .pb = 1,
     .kind = SCH_OBJECT,
     .flags = SCH_F_LIST | SCH_F_LIST_MAP,
     .type = &sch_core_v1_EnvVar,
     .desc = "x"},
};
static const struct sch_field bad_wrong_key[] = {
    {.name = "a",
     .pb = 1,
     .kind = SCH_OBJECT,
     .flags = SCH_F_LIST | SCH_F_LIST_MAP,
     .type = &sch_core_v1_EnvVar,
     .merge_key = "mountPath",
     .desc = "x"},
};
/* The inlined LocalObjectReference brings a second "name". */
static const struct sch_field bad_inline_clash[] = {
    {.name = "name", .pb = 2, .kind = SCH_STRING, .desc = "x"},
    {.name = "localObjectReference",
     .pb = 1,
     .kind = SCH_OBJECT,
     .flags = SCH_F_INLINE,
     .type = &sch_core_v1_LocalObjectReference,
     .desc = "x"},
};
static const struct sch_type bad_target = {
    .name = "io.k8s.test.Undefined", .desc = "x", .flags = SCH_F_PRESERVE};
static const struct sch_field bad_undefined_type[] = {
    {.name = "a", .pb = 1, .kind = SCH_OBJECT, .type = &bad_target, .desc = "x"},
};
static const struct sch_field bad_no_pb[] = {
    {.name = "a", .pb = 0, .kind = SCH_STRING, .desc = "x"},
};

static void test_checker_catches_defects(void **state)
{
	static const struct {
		const char *what;
		const struct sch_field *fields;
		size_t n;
	} cases[] = {
	    {"duplicate JSON name", bad_dup_json, NELEM(bad_dup_json)},
	    {"duplicate protobuf number", bad_dup_pb, NELEM(bad_dup_pb)},
	    {"object without type", bad_untyped, NELEM(bad_untyped)},
	    {"object list without type", bad_untyped_list, NELEM(bad_untyped_list)},
	    {"list map without key", bad_no_key, NELEM(bad_no_key)},
	    {"merge key not in element", bad_wrong_key, NELEM(bad_wrong_key)},
	    {"inline member clash", bad_inline_clash, NELEM(bad_inline_clash)},
	    {"undefined type", bad_undefined_type, NELEM(bad_undefined_type)},
	    {"field without protobuf number", bad_no_pb, NELEM(bad_no_pb)},
	};

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct sch_type t = {.name = "io.k8s.test.Broken",
				     .desc = "x",
				     .fields = cases[i].fields,
				     .nfields = cases[i].n};

		problems = 0;
		if (check_type(&t) != 1)
			fail_msg("%s: %d problems reported, want 1", cases[i].what, problems);
	}
}

static const struct sch_field *field_of(const struct sch_type *t, const char *name)
{
	for (size_t i = 0; i < t->nfields; i++)
		if (strcmp(t->fields[i].name, name) == 0)
			return &t->fields[i];
	return NULL;
}

/* Facts of the upstream core/v1 wire format and API. */
static const struct {
	const struct sch_type *t;
	const char *field;
	uint32_t pb;
	enum sch_kind kind;
	unsigned flags; /* all of these must be set */
	const struct sch_type *type;
	const char *merge_key;
} facts[] = {
    {&sch_core_v1_Container, "name", 1, SCH_STRING, SCH_F_REQUIRED, NULL, NULL},
    {&sch_core_v1_Container, "image", 2, SCH_STRING, SCH_F_OMITEMPTY, NULL, NULL},
    {&sch_core_v1_Container, "ports", 6, SCH_OBJECT, SCH_F_LIST | SCH_F_LIST_MAP,
     &sch_core_v1_ContainerPort, "containerPort"},
    {&sch_core_v1_Container, "env", 7, SCH_OBJECT, SCH_F_LIST_MAP, &sch_core_v1_EnvVar, "name"},
    {&sch_core_v1_Container, "envFrom", 19, SCH_OBJECT, SCH_F_ATOMIC, &sch_core_v1_EnvFromSource,
     NULL},
    {&sch_core_v1_Container, "volumeMounts", 9, SCH_OBJECT, SCH_F_LIST_MAP,
     &sch_core_v1_VolumeMount, "mountPath"},
    {&sch_core_v1_Container, "startupProbe", 22, SCH_OBJECT, 0, &sch_core_v1_Probe, NULL},
    {&sch_core_v1_Container, "restartPolicy", 24, SCH_STRING, 0, NULL, NULL},
    {&sch_core_v1_ContainerPort, "containerPort", 3, SCH_INT32, SCH_F_REQUIRED, NULL, NULL},
    {&sch_core_v1_PodSpec, "volumes", 1, SCH_OBJECT, SCH_F_LIST_MAP, &sch_core_v1_Volume, "name"},
    {&sch_core_v1_PodSpec, "containers", 2, SCH_OBJECT, SCH_F_LIST_MAP | SCH_F_REQUIRED,
     &sch_core_v1_Container, "name"},
    {&sch_core_v1_PodSpec, "initContainers", 20, SCH_OBJECT, SCH_F_LIST_MAP, &sch_core_v1_Container,
     "name"},
    {&sch_core_v1_PodSpec, "ephemeralContainers", 34, SCH_OBJECT, SCH_F_LIST_MAP,
     &sch_core_v1_EphemeralContainer, "name"},
    {&sch_core_v1_PodSpec, "nodeName", 10, SCH_STRING, SCH_F_OMITEMPTY, NULL, NULL},
    {&sch_core_v1_PodSpec, "nodeSelector", 7, SCH_MAP, SCH_F_ATOMIC, NULL, NULL},
    {&sch_core_v1_PodSpec, "terminationGracePeriodSeconds", 4, SCH_INT64, 0, NULL, NULL},
    {&sch_core_v1_PodSpec, "tolerations", 22, SCH_OBJECT, SCH_F_LIST | SCH_F_ATOMIC,
     &sch_core_v1_Toleration, NULL},
    {&sch_core_v1_PodSpec, "securityContext", 14, SCH_OBJECT, 0, &sch_core_v1_PodSecurityContext,
     NULL},
    {&sch_core_v1_PodSpec, "imagePullSecrets", 15, SCH_OBJECT, SCH_F_LIST_MAP,
     &sch_core_v1_LocalObjectReference, "name"},
    {&sch_core_v1_PodSpec, "topologySpreadConstraints", 33, SCH_OBJECT, SCH_F_LIST_MAP,
     &sch_core_v1_TopologySpreadConstraint, "topologyKey"},
    {&sch_core_v1_PodSpec, "overhead", 32, SCH_MAP, 0, NULL, NULL},
    {&sch_core_v1_PodSpec, "os", 36, SCH_OBJECT, 0, &sch_core_v1_PodOS, NULL},
    {&sch_core_v1_Pod, "metadata", 1, SCH_OBJECT, 0, &sch_meta_v1_ObjectMeta, NULL},
    {&sch_core_v1_Pod, "status", 3, SCH_OBJECT, 0, &sch_core_v1_PodStatus, NULL},
    {&sch_core_v1_PodTemplate, "template", 2, SCH_OBJECT, 0, &sch_core_v1_PodTemplateSpec, NULL},
    {&sch_core_v1_Probe, "handler", 1, SCH_OBJECT, SCH_F_INLINE, &sch_core_v1_ProbeHandler, NULL},
    {&sch_core_v1_Probe, "periodSeconds", 4, SCH_INT32, SCH_F_OMITEMPTY, NULL, NULL},
    {&sch_core_v1_ProbeHandler, "grpc", 4, SCH_OBJECT, 0, &sch_core_v1_GRPCAction, NULL},
    {&sch_core_v1_HTTPGetAction, "port", 2, SCH_INT_OR_STRING, SCH_F_REQUIRED, NULL, NULL},
    {&sch_core_v1_LifecycleHandler, "sleep", 4, SCH_OBJECT, 0, &sch_core_v1_SleepAction, NULL},
    {&sch_core_v1_Volume, "volumeSource", 2, SCH_OBJECT, SCH_F_INLINE, &sch_core_v1_VolumeSource,
     NULL},
    {&sch_core_v1_VolumeSource, "persistentVolumeClaim", 10, SCH_OBJECT, 0,
     &sch_core_v1_PersistentVolumeClaimVolumeSource, NULL},
    {&sch_core_v1_VolumeSource, "configMap", 19, SCH_OBJECT, 0, &sch_core_v1_ConfigMapVolumeSource,
     NULL},
    {&sch_core_v1_VolumeSource, "projected", 26, SCH_OBJECT, 0, &sch_core_v1_ProjectedVolumeSource,
     NULL},
    {&sch_core_v1_VolumeSource, "csi", 28, SCH_OBJECT, 0, &sch_core_v1_CSIVolumeSource, NULL},
    {&sch_core_v1_VolumeSource, "ephemeral", 29, SCH_OBJECT, 0, &sch_core_v1_EphemeralVolumeSource,
     NULL},
    {&sch_core_v1_EmptyDirVolumeSource, "sizeLimit", 2, SCH_QUANTITY, 0, NULL, NULL},
    {&sch_core_v1_ClusterTrustBundleProjection, "optional", 5, SCH_BOOL, 0, NULL, NULL},
    {&sch_core_v1_ISCSIVolumeSource, "chapAuthSession", 11, SCH_BOOL, SCH_F_OMITEMPTY, NULL, NULL},
    {&sch_core_v1_PodResourceClaim, "resourceClaimTemplateName", 4, SCH_STRING, 0, NULL, NULL},
    {&sch_core_v1_SecurityContext, "runAsUser", 4, SCH_INT64, 0, NULL, NULL},
    {&sch_core_v1_PodSecurityContext, "fsGroup", 5, SCH_INT64, 0, NULL, NULL},
    {&sch_core_v1_Toleration, "tolerationSeconds", 5, SCH_INT64, 0, NULL, NULL},
    {&sch_core_v1_PodStatus, "podIPs", 12, SCH_OBJECT, SCH_F_LIST_MAP, &sch_core_v1_PodIP, "ip"},
    {&sch_core_v1_PodStatus, "startTime", 7, SCH_TIME, 0, NULL, NULL},
    {&sch_core_v1_PodStatus, "containerStatuses", 8, SCH_OBJECT, SCH_F_ATOMIC,
     &sch_core_v1_ContainerStatus, NULL},
    {&sch_core_v1_PodCondition, "observedGeneration", 7, SCH_INT64, SCH_F_OMITEMPTY, NULL, NULL},
    {&sch_core_v1_ContainerStatus, "restartCount", 5, SCH_INT32, SCH_F_REQUIRED, NULL, NULL},
    {&sch_core_v1_ContainerStateTerminated, "exitCode", 1, SCH_INT32, SCH_F_REQUIRED, NULL, NULL},
};

static void test_upstream_facts(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(facts); i++) {
		const struct sch_field *f = field_of(facts[i].t, facts[i].field);

		if (!f)
			fail_msg("%s.%s missing", facts[i].t->name, facts[i].field);
		if (f->pb != facts[i].pb || f->kind != facts[i].kind ||
		    (f->flags & facts[i].flags) != facts[i].flags || f->type != facts[i].type ||
		    (facts[i].merge_key &&
		     (!f->merge_key || strcmp(f->merge_key, facts[i].merge_key))))
			fail_msg("%s.%s: pb %u kind %d flags %#x, want pb %u kind "
				 "%d flags %#x",
				 facts[i].t->name, facts[i].field, f->pb, f->kind, f->flags,
				 facts[i].pb, facts[i].kind, facts[i].flags);
	}
	/* Pointer fields (Go *T) must not be omitempty-on-zero: protobuf only
	 * sends them when set, and Go keeps an explicit zero. */
	assert_false(field_of(&sch_core_v1_PodSpec, "automountServiceAccountToken")->flags &
		     SCH_F_OMITEMPTY);
	assert_false(field_of(&sch_core_v1_ContainerStatus, "started")->flags & SCH_F_OMITEMPTY);
}

/* Inlined members appear in the JSON object of their parent, as upstream's
 * JSON does: a volume names its source directly, a probe its handler, an
 * ephemeral container has the Container fields, a key selector its name. */
static void test_inline_members(void **state)
{
	(void)state;
	assert_true(has_json_member(&sch_core_v1_Volume, "configMap"));
	assert_true(has_json_member(&sch_core_v1_Volume, "name"));
	assert_false(has_json_member(&sch_core_v1_Volume, "volumeSource"));
	assert_true(has_json_member(&sch_core_v1_Probe, "httpGet"));
	assert_false(has_json_member(&sch_core_v1_Probe, "handler"));
	assert_true(has_json_member(&sch_core_v1_EphemeralContainer, "image"));
	assert_true(has_json_member(&sch_core_v1_EphemeralContainer, "targetContainerName"));
	assert_true(has_json_member(&sch_core_v1_ConfigMapKeySelector, "name"));
	assert_true(has_json_member(&sch_core_v1_SecretEnvSource, "name"));
	assert_int_equal(sch_core_v1_EphemeralContainerCommon.nfields,
			 sch_core_v1_Container.nfields);
}

static void test_top_level_kinds(void **state)
{
	static const struct {
		const struct sch_type *t;
		const char *kind;
	} kinds[] = {
	    {&sch_core_v1_Pod, "Pod"},
	    {&sch_core_v1_PodList, "PodList"},
	    {&sch_core_v1_PodTemplate, "PodTemplate"},
	    {&sch_core_v1_PodTemplateList, "PodTemplateList"},
	};

	(void)state;
	for (size_t i = 0; i < NELEM(kinds); i++) {
		assert_string_equal(kinds[i].t->group, "");
		assert_string_equal(kinds[i].t->version, "v1");
		assert_string_equal(kinds[i].t->kind, kinds[i].kind);
		assert_non_null(field_of(kinds[i].t, "apiVersion"));
		assert_non_null(field_of(kinds[i].t, "kind"));
	}
	/* Only the four kinds carry a group/version/kind. */
	size_t n = 0;

	for (size_t i = 0; i < sch_pod_ntypes; i++)
		n += sch_pod_types[i]->kind != NULL;
	assert_int_equal(n, NELEM(kinds));
}

/* Upstream +structType=atomic types: apply replaces them whole. */
static void test_atomic_structs(void **state)
{
	static const struct sch_type *const atomic[] = {
	    &sch_core_v1_ConfigMapKeySelector,	&sch_core_v1_SecretKeySelector,
	    &sch_core_v1_FileKeySelector,	&sch_core_v1_ObjectFieldSelector,
	    &sch_core_v1_ResourceFieldSelector, &sch_core_v1_NodeSelector,
	    &sch_core_v1_NodeSelectorTerm,
	};

	(void)state;
	for (size_t i = 0; i < NELEM(atomic); i++)
		if (!(atomic[i]->flags & SCH_F_ATOMIC))
			fail_msg("%s is not atomic", atomic[i]->name);
	assert_false(sch_core_v1_PodSpec.flags & SCH_F_ATOMIC);
	assert_false(sch_core_v1_Container.flags & SCH_F_ATOMIC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_table_consistent),
	    cmocka_unit_test(test_checker_catches_defects),
	    cmocka_unit_test(test_upstream_facts),
	    cmocka_unit_test(test_inline_members),
	    cmocka_unit_test(test_top_level_kinds),
	    cmocka_unit_test(test_atomic_structs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
