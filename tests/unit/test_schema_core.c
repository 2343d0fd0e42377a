/* Unit tests of the meta/v1 and core/v1 (non-Pod) schema tables, plus
 * policy/v1 Eviction and autoscaling/v1 Scale: every table is consistent
 * (unique JSON names and protobuf numbers, object fields typed, list-map
 * merge keys present in the element type, kinds opening with TypeMeta),
 * every type they reach is listed here, and known wire facts hold.
 *
 * Standalone build before the Makefile builds controlplane/schema:
 *   gcc -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Icontrolplane \
 *     $(pkg-config --cflags libcjson) tests/unit/test_schema_core.c \
 *     tests/unit/schema_pod_stub.c controlplane/schema/types_meta*.c \
 *     controlplane/schema/types_core*.c -lcmocka -o test_schema_core
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "schema/types_core.h"
#include "schema/types_meta.h"

/* Defined by the Pod tables (or the test stub). */
extern const struct sch_type sch_core_v1_PodTemplateSpec;

static const struct sch_type *const all_types[] = {
    /* meta/v1 */
    &sch_meta_v1_ObjectMeta,
    &sch_meta_v1_ListMeta,
    &sch_meta_v1_OwnerReference,
    &sch_meta_v1_ManagedFieldsEntry,
    &sch_meta_v1_LabelSelector,
    &sch_meta_v1_LabelSelectorRequirement,
    &sch_meta_v1_Condition,
    &sch_meta_v1_Status,
    &sch_meta_v1_StatusDetails,
    &sch_meta_v1_StatusCause,
    &sch_meta_v1_DeleteOptions,
    &sch_meta_v1_Preconditions,
    &sch_meta_v1_CreateOptions,
    &sch_meta_v1_UpdateOptions,
    &sch_meta_v1_PatchOptions,
    /* core/v1 */
    &sch_core_v1_ObjectReference,
    &sch_core_v1_LocalObjectReference,
    &sch_core_v1_TypedLocalObjectReference,
    &sch_core_v1_Namespace,
    &sch_core_v1_NamespaceSpec,
    &sch_core_v1_NamespaceStatus,
    &sch_core_v1_NamespaceCondition,
    &sch_core_v1_NamespaceList,
    &sch_core_v1_ConfigMap,
    &sch_core_v1_ConfigMapList,
    &sch_core_v1_Secret,
    &sch_core_v1_SecretList,
    &sch_core_v1_ServiceAccount,
    &sch_core_v1_ServiceAccountList,
    &sch_core_v1_Binding,
    &sch_core_v1_Service,
    &sch_core_v1_ServiceSpec,
    &sch_core_v1_ServicePort,
    &sch_core_v1_ServiceStatus,
    &sch_core_v1_SessionAffinityConfig,
    &sch_core_v1_ClientIPConfig,
    &sch_core_v1_LoadBalancerStatus,
    &sch_core_v1_LoadBalancerIngress,
    &sch_core_v1_PortStatus,
    &sch_core_v1_ServiceList,
    &sch_core_v1_Endpoints,
    &sch_core_v1_EndpointSubset,
    &sch_core_v1_EndpointAddress,
    &sch_core_v1_EndpointPort,
    &sch_core_v1_EndpointsList,
    &sch_core_v1_Node,
    &sch_core_v1_NodeSpec,
    &sch_core_v1_Taint,
    &sch_core_v1_NodeConfigSource,
    &sch_core_v1_ConfigMapNodeConfigSource,
    &sch_core_v1_NodeConfigStatus,
    &sch_core_v1_NodeStatus,
    &sch_core_v1_NodeAddress,
    &sch_core_v1_NodeCondition,
    &sch_core_v1_NodeDaemonEndpoints,
    &sch_core_v1_DaemonEndpoint,
    &sch_core_v1_NodeSystemInfo,
    &sch_core_v1_ContainerImage,
    &sch_core_v1_AttachedVolume,
    &sch_core_v1_NodeRuntimeHandler,
    &sch_core_v1_NodeRuntimeHandlerFeatures,
    &sch_core_v1_NodeFeatures,
    &sch_core_v1_NodeList,
    &sch_core_v1_Event,
    &sch_core_v1_EventSource,
    &sch_core_v1_EventSeries,
    &sch_core_v1_EventList,
    &sch_core_v1_ResourceQuota,
    &sch_core_v1_ResourceQuotaSpec,
    &sch_core_v1_ResourceQuotaStatus,
    &sch_core_v1_ScopeSelector,
    &sch_core_v1_ScopedResourceSelectorRequirement,
    &sch_core_v1_ResourceQuotaList,
    &sch_core_v1_LimitRange,
    &sch_core_v1_LimitRangeSpec,
    &sch_core_v1_LimitRangeItem,
    &sch_core_v1_LimitRangeList,
    &sch_core_v1_ReplicationController,
    &sch_core_v1_ReplicationControllerSpec,
    &sch_core_v1_ReplicationControllerStatus,
    &sch_core_v1_ReplicationControllerCondition,
    &sch_core_v1_ReplicationControllerList,
    /* policy/v1, autoscaling/v1 */
    &sch_policy_v1_Eviction,
    &sch_autoscaling_v1_Scale,
    &sch_autoscaling_v1_ScaleSpec,
    &sch_autoscaling_v1_ScaleStatus,
};
#define NTYPES (sizeof(all_types) / sizeof(all_types[0]))

static const struct sch_field *field_of(const struct sch_type *t, const char *name)
{
	for (size_t i = 0; i < t->nfields; i++)
		if (strcmp(t->fields[i].name, name) == 0)
			return &t->fields[i];
	return NULL;
}

static bool is_scalar(enum sch_kind k)
{
	return k != SCH_OBJECT && k != SCH_MAP && k != SCH_ANY && k != SCH_RAW;
}

/* One problem found in table t, printed so a failure names it. */
static int problem(const struct sch_type *t, const struct sch_field *f, const char *what)
{
	print_message("%s%s%s: %s\n", t->name ? t->name : "(unnamed)", f ? "." : "",
		      f ? f->name : "", what);
	return 1;
}

/* The consistency rules of one field of t; returns the problem count. */
static int check_field(const struct sch_type *t, const struct sch_field *f)
{
	bool list = f->flags & SCH_F_LIST;
	int n = 0;

	if (!f->name || !*f->name)
		return problem(t, f, "no JSON name");
	if (!f->desc || !*f->desc)
		n += problem(t, f, "no description");
	if (f->flags & SCH_F_PRESERVE)
		n += problem(t, f, "SCH_F_PRESERVE is a type flag");
	if (f->kind == SCH_OBJECT && !f->type)
		n += problem(t, f, "object field without a type");
	if (f->kind == SCH_MAP && f->elem == SCH_OBJECT && !f->type)
		n += problem(t, f, "map of objects without a type");
	if (f->type && f->kind != SCH_OBJECT && !(f->kind == SCH_MAP && f->elem == SCH_OBJECT))
		n += problem(t, f, "type set on a field that holds no objects");
	if (f->kind == SCH_MAP && (f->elem == SCH_MAP || f->elem == SCH_ANY))
		n += problem(t, f, "map of an unusable value kind");
	if (f->flags & (SCH_F_LIST_MAP | SCH_F_LIST_SET) && !list)
		n += problem(t, f, "list type on a field that is no list");
	if ((f->flags & SCH_F_LIST_MAP) && (f->flags & (SCH_F_LIST_SET | SCH_F_ATOMIC)))
		n += problem(t, f, "list-map combined with set or atomic");
	if ((f->flags & SCH_F_LIST_SET) && !is_scalar(f->kind))
		n += problem(t, f, "list-set of non-scalars");
	if (!(f->flags & SCH_F_LIST_MAP) && f->merge_key)
		n += problem(t, f, "merge key on a list that is no list-map");
	if (f->flags & SCH_F_LIST_MAP) {
		const struct sch_field *k;

		if (f->kind != SCH_OBJECT || !f->type || !f->merge_key)
			return n + problem(t, f, "list-map without element type or merge key");
		k = field_of(f->type, f->merge_key);
		if (!k)
			n += problem(t, f, "merge key missing from the element type");
		else if (!is_scalar(k->kind) || (k->flags & SCH_F_LIST))
			n += problem(t, f, "merge key is not a scalar");
	}
	return n;
}

/* The consistency rules of table t; returns the problem count. */
static int check_type(const struct sch_type *t)
{
	int n = 0;

	if (!t->name || strncmp(t->name, "io.k8s.", 7) != 0)
		n += problem(t, NULL, "definition name not io.k8s.*");
	if (!t->desc || !*t->desc)
		n += problem(t, NULL, "no description");
	if (!t->fields || t->nfields == 0)
		return n + problem(t, NULL, "no fields");
	if (!t->kind != !t->version || (t->kind && !t->group))
		n += problem(t, NULL, "group/version/kind only partly set");
	for (size_t i = 0; i < t->nfields; i++) {
		const struct sch_field *f = &t->fields[i];

		n += check_field(t, f);
		for (size_t j = 0; j < i; j++) {
			if (strcmp(t->fields[j].name, f->name) == 0)
				n += problem(t, f, "duplicate JSON name");
			if (f->pb && t->fields[j].pb == f->pb)
				n += problem(t, f, "duplicate protobuf number");
		}
		/* Only the TypeMeta keys of a kind have no protobuf number:
		 * they travel in the runtime.Unknown envelope. */
		if (f->pb == 0 && !(t->kind && i < 2))
			n += problem(t, f, "no protobuf number");
	}
	if (t->kind) {
		const struct sch_field *md = field_of(t, "metadata");

		if (t->nfields < 2 || strcmp(t->fields[0].name, "apiVersion") != 0 ||
		    strcmp(t->fields[1].name, "kind") != 0 || t->fields[0].pb || t->fields[1].pb)
			n += problem(t, NULL, "kind does not open with apiVersion, kind (pb 0)");
		if (md && (md->pb != 1 || md->kind != SCH_OBJECT))
			n += problem(t, md, "metadata is not message field 1");
	}
	return n;
}

static bool listed(const struct sch_type *t)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (all_types[i] == t)
			return true;
	return false;
}

static void test_tables_consistent(void **state)
{
	int n = 0;

	for (size_t i = 0; i < NTYPES; i++)
		n += check_type(all_types[i]);
	assert_int_equal(n, 0);
}

/* The checker itself finds what it is meant to find. */
static void test_checker_catches_defects(void **state)
{
	static const struct sch_field elem_fields[] = {
	    {.name = "name", .pb = 1, .kind = SCH_STRING, .desc = "x"},
	};
	static const struct sch_type elem = {
	    .name = "io.k8s.test.Elem", .desc = "x", .fields = SCH_FIELDS(elem_fields)};
	static const struct sch_field dup_name[] = {
	    {.name = "a", .pb = 1, .kind = SCH_STRING, .desc = "x"},
	    {.name = "a", .pb = 2, .kind = SCH_STRING, .desc = "x"},
	};
	static const struct sch_field dup_pb[] = {
	    {.name = "a", .pb = 1, .kind = SCH_STRING, .desc = "x"},
	    {.name = "b", .pb = 1, .kind = SCH_STRING, .desc = "x"},
	};
	static const struct sch_field untyped[] = {
	    {.name = "a", .pb = 1, .kind = SCH_OBJECT, .desc = "x"},
	};
	static const struct sch_field bad_key[] = {
	    {.name = "a",
	     .pb = 1,
	     .kind = SCH_OBJECT,
	     .flags = SCH_F_LIST | SCH_F_LIST_MAP,
	     .type = &elem,
	     .merge_key = "port",
	     .desc = "x"},
	};
	static const struct sch_field no_typemeta[] = {
	    {.name = "metadata", .pb = 1, .kind = SCH_OBJECT, .type = &elem, .desc = "x"},
	};
	static const struct sch_type bad[] = {
	    {.name = "io.k8s.test.A", .desc = "x", .fields = SCH_FIELDS(dup_name)},
	    {.name = "io.k8s.test.B", .desc = "x", .fields = SCH_FIELDS(dup_pb)},
	    {.name = "io.k8s.test.C", .desc = "x", .fields = SCH_FIELDS(untyped)},
	    {.name = "io.k8s.test.D", .desc = "x", .fields = SCH_FIELDS(bad_key)},
	    {.name = "io.k8s.test.E",
	     .desc = "x",
	     .fields = SCH_FIELDS(no_typemeta),
	     .group = "",
	     .version = "v1",
	     .kind = "E"},
	};

	assert_int_equal(check_type(&elem), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_true(check_type(&bad[i]) > 0);
}

/* Every type a listed table refers to is listed too (so the consistency
 * test covers it), except the Pod tables' PodTemplateSpec. */
static void test_references_listed(void **state)
{
	for (size_t i = 0; i < NTYPES; i++) {
		const struct sch_type *t = all_types[i];

		for (size_t j = 0; j < t->nfields; j++) {
			const struct sch_type *r = t->fields[j].type;

			if (!r || r == &sch_core_v1_PodTemplateSpec)
				continue;
			if (!listed(r))
				print_message("%s.%s -> %s not listed\n", t->name,
					      t->fields[j].name, r->name);
			assert_true(listed(r));
		}
	}
}

/* Lists: kind <X>List holds items of kind X of the same group version. */
static void test_lists(void **state)
{
	int nlists = 0;

	for (size_t i = 0; i < NTYPES; i++) {
		const struct sch_type *t = all_types[i], *item;
		const struct sch_field *items;
		size_t len;

		if (!t->kind)
			continue;
		len = strlen(t->kind);
		if (len < 5 || strcmp(t->kind + len - 4, "List") != 0)
			continue;
		nlists++;
		items = field_of(t, "items");
		assert_non_null(items);
		assert_int_equal(items->pb, 2);
		assert_true(items->flags & SCH_F_LIST);
		item = items->type;
		assert_non_null(item);
		assert_non_null(item->kind);
		assert_int_equal(strlen(item->kind), len - 4);
		assert_memory_equal(item->kind, t->kind, len - 4);
		assert_string_equal(item->group, t->group);
		assert_string_equal(item->version, t->version);
		assert_ptr_equal(field_of(t, "metadata")->type, &sch_meta_v1_ListMeta);
	}
	assert_int_equal(nlists, 11);
}

static void test_known_facts(void **state)
{
	static const struct {
		const struct sch_type *t;
		const char *field;
		uint32_t pb;
		enum sch_kind kind;
		enum sch_kind elem;  /* SCH_MAP only */
		unsigned set, clear; /* flags that must be set / clear */
		const char *merge_key;
	} facts[] = {
	    {&sch_meta_v1_ObjectMeta, "name", 1, SCH_STRING, 0, SCH_F_OMITEMPTY, 0, NULL},
	    {&sch_meta_v1_ObjectMeta, "namespace", 3, SCH_STRING, 0, SCH_F_OMITEMPTY, 0, NULL},
	    {&sch_meta_v1_ObjectMeta, "uid", 5, SCH_STRING, 0, SCH_F_READONLY, 0, NULL},
	    {&sch_meta_v1_ObjectMeta, "resourceVersion", 6, SCH_STRING, 0, 0, 0, NULL},
	    {&sch_meta_v1_ObjectMeta, "generation", 7, SCH_INT64, 0, SCH_F_OMITEMPTY, 0, NULL},
	    {&sch_meta_v1_ObjectMeta, "creationTimestamp", 8, SCH_TIME, 0, 0, 0, NULL},
	    /* *Time and *int64 in Go: kept when set, never omitempty */
	    {&sch_meta_v1_ObjectMeta, "deletionTimestamp", 9, SCH_TIME, 0, 0, SCH_F_OMITEMPTY,
	     NULL},
	    {&sch_meta_v1_ObjectMeta, "deletionGracePeriodSeconds", 10, SCH_INT64, 0, 0,
	     SCH_F_OMITEMPTY, NULL},
	    {&sch_meta_v1_ObjectMeta, "labels", 11, SCH_MAP, SCH_STRING, 0, 0, NULL},
	    {&sch_meta_v1_ObjectMeta, "annotations", 12, SCH_MAP, SCH_STRING, 0, 0, NULL},
	    {&sch_meta_v1_ObjectMeta, "ownerReferences", 13, SCH_OBJECT, 0, SCH_F_LIST_MAP, 0,
	     "uid"},
	    {&sch_meta_v1_ObjectMeta, "managedFields", 17, SCH_OBJECT, 0, SCH_F_LIST, 0, NULL},
	    {&sch_meta_v1_ManagedFieldsEntry, "fieldsV1", 7, SCH_RAW, 0, 0, 0, NULL},
	    {&sch_meta_v1_OwnerReference, "apiVersion", 5, SCH_STRING, 0, SCH_F_REQUIRED, 0, NULL},
	    {&sch_meta_v1_ListMeta, "remainingItemCount", 4, SCH_INT64, 0, 0, SCH_F_OMITEMPTY,
	     NULL},
	    {&sch_meta_v1_StatusDetails, "uid", 6, SCH_STRING, 0, 0, 0, NULL},
	    {&sch_meta_v1_DeleteOptions, "dryRun", 5, SCH_STRING, 0, SCH_F_LIST, 0, NULL},
	    {&sch_meta_v1_UpdateOptions, "fieldManager", 2, SCH_STRING, 0, 0, 0, NULL},
	    {&sch_meta_v1_CreateOptions, "fieldValidation", 4, SCH_STRING, 0, 0, 0, NULL},
	    {&sch_core_v1_ServiceSpec, "ports", 1, SCH_OBJECT, 0, SCH_F_LIST_MAP, 0, "port"},
	    {&sch_core_v1_ServiceSpec, "clusterIP", 3, SCH_STRING, 0, 0, 0, NULL},
	    {&sch_core_v1_ServiceSpec, "clusterIPs", 18, SCH_STRING, 0, SCH_F_LIST, 0, NULL},
	    {&sch_core_v1_ServiceSpec, "selector", 2, SCH_MAP, SCH_STRING, SCH_F_ATOMIC, 0, NULL},
	    {&sch_core_v1_ServicePort, "port", 3, SCH_INT32, 0, SCH_F_REQUIRED, SCH_F_OMITEMPTY,
	     NULL},
	    {&sch_core_v1_ServicePort, "targetPort", 4, SCH_INT_OR_STRING, 0, 0, 0, NULL},
	    {&sch_core_v1_ServicePort, "nodePort", 5, SCH_INT32, 0, 0, 0, NULL},
	    {&sch_core_v1_ServicePort, "appProtocol", 6, SCH_STRING, 0, 0, SCH_F_OMITEMPTY, NULL},
	    {&sch_core_v1_Secret, "data", 2, SCH_MAP, SCH_BYTES, 0, 0, NULL},
	    {&sch_core_v1_Secret, "stringData", 4, SCH_MAP, SCH_STRING, 0, 0, NULL},
	    {&sch_core_v1_ConfigMap, "binaryData", 3, SCH_MAP, SCH_BYTES, 0, 0, NULL},
	    {&sch_core_v1_ConfigMap, "data", 2, SCH_MAP, SCH_STRING, 0, 0, NULL},
	    {&sch_core_v1_ResourceQuotaSpec, "hard", 1, SCH_MAP, SCH_QUANTITY, 0, 0, NULL},
	    {&sch_core_v1_ResourceQuotaStatus, "used", 2, SCH_MAP, SCH_QUANTITY, 0, 0, NULL},
	    {&sch_core_v1_LimitRangeItem, "maxLimitRequestRatio", 6, SCH_MAP, SCH_QUANTITY, 0, 0,
	     NULL},
	    {&sch_core_v1_NodeStatus, "capacity", 1, SCH_MAP, SCH_QUANTITY, 0, 0, NULL},
	    {&sch_core_v1_NodeStatus, "conditions", 4, SCH_OBJECT, 0, SCH_F_LIST_MAP, 0, "type"},
	    {&sch_core_v1_NodeStatus, "addresses", 5, SCH_OBJECT, 0, SCH_F_LIST_MAP, 0, "type"},
	    {&sch_core_v1_NodeSpec, "taints", 5, SCH_OBJECT, 0, SCH_F_LIST | SCH_F_ATOMIC, 0, NULL},
	    {&sch_core_v1_DaemonEndpoint, "Port", 1, SCH_INT32, 0, 0, 0, NULL},
	    /* Without omitempty in Go (kept as [] / {} when empty) */
	    {&sch_core_v1_ContainerImage, "names", 1, SCH_STRING, 0, SCH_F_LIST | SCH_F_ATOMIC,
	     SCH_F_OMITEMPTY, NULL},
	    {&sch_core_v1_Event, "metadata", 1, SCH_OBJECT, 0, 0, SCH_F_OMITEMPTY, NULL},
	    {&sch_core_v1_LimitRangeSpec, "limits", 1, SCH_OBJECT, 0, SCH_F_LIST, SCH_F_OMITEMPTY,
	     NULL},
	    {&sch_core_v1_Event, "eventTime", 10, SCH_MICROTIME, 0, 0, 0, NULL},
	    {&sch_core_v1_Event, "lastTimestamp", 7, SCH_TIME, 0, 0, 0, NULL},
	    {&sch_core_v1_EventSeries, "lastObservedTime", 2, SCH_MICROTIME, 0, 0, 0, NULL},
	    {&sch_core_v1_ServiceAccount, "secrets", 2, SCH_OBJECT, 0, SCH_F_LIST_MAP, 0, "name"},
	    {&sch_core_v1_NamespaceCondition, "lastTransitionTime", 4, SCH_TIME, 0, 0, 0, NULL},
	    {&sch_core_v1_ReplicationControllerSpec, "minReadySeconds", 4, SCH_INT32, 0, 0, 0,
	     NULL},
	    {&sch_core_v1_Binding, "target", 2, SCH_OBJECT, 0, SCH_F_REQUIRED, 0, NULL},
	    {&sch_policy_v1_Eviction, "deleteOptions", 2, SCH_OBJECT, 0, 0, 0, NULL},
	    {&sch_autoscaling_v1_ScaleStatus, "selector", 2, SCH_STRING, 0, 0, 0, NULL},
	};

	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		const struct sch_field *f = field_of(facts[i].t, facts[i].field);

		bool ok = f && f->pb == facts[i].pb && f->kind == facts[i].kind &&
			  (f->kind != SCH_MAP || f->elem == facts[i].elem) &&
			  (f->flags & facts[i].set) == facts[i].set &&
			  !(f->flags & facts[i].clear) &&
			  (!facts[i].merge_key ||
			   (f->merge_key && strcmp(f->merge_key, facts[i].merge_key) == 0));

		if (!ok)
			print_message("%s.%s does not match\n", facts[i].t->name, facts[i].field);
		assert_true(ok);
	}
}

static void test_references_and_kinds(void **state)
{
	/* Embedded types, not just numbers. */
	assert_ptr_equal(field_of(&sch_core_v1_ReplicationControllerSpec, "template")->type,
			 &sch_core_v1_PodTemplateSpec);
	assert_ptr_equal(field_of(&sch_policy_v1_Eviction, "deleteOptions")->type,
			 &sch_meta_v1_DeleteOptions);
	assert_ptr_equal(field_of(&sch_core_v1_ServiceStatus, "conditions")->type,
			 &sch_meta_v1_Condition);
	assert_ptr_equal(field_of(&sch_core_v1_EndpointAddress, "targetRef")->type,
			 &sch_core_v1_ObjectReference);
	assert_ptr_equal(field_of(&sch_core_v1_Service, "metadata")->type, &sch_meta_v1_ObjectMeta);
	/* Group/version/kind of the kinds that are not core/v1. */
	assert_string_equal(sch_policy_v1_Eviction.group, "policy");
	assert_string_equal(sch_policy_v1_Eviction.kind, "Eviction");
	assert_string_equal(sch_autoscaling_v1_Scale.group, "autoscaling");
	assert_string_equal(sch_autoscaling_v1_Scale.version, "v1");
	assert_string_equal(sch_core_v1_Service.group, "");
	assert_string_equal(sch_core_v1_Service.name, "io.k8s.api.core.v1.Service");
	assert_string_equal(sch_meta_v1_Status.kind, "Status");
	/* Embedded types are no kinds. */
	assert_null(sch_core_v1_ServiceSpec.kind);
	assert_null(sch_meta_v1_ObjectMeta.kind);
	/* Selectors and references are replaced whole. */
	assert_true(sch_meta_v1_LabelSelector.flags & SCH_F_ATOMIC);
	assert_true(sch_core_v1_ObjectReference.flags & SCH_F_ATOMIC);
	/* Everything here is described in full. */
	for (size_t i = 0; i < NTYPES; i++)
		assert_false(all_types[i]->flags & SCH_F_PRESERVE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tables_consistent),
	    cmocka_unit_test(test_checker_catches_defects),
	    cmocka_unit_test(test_references_listed),
	    cmocka_unit_test(test_lists),
	    cmocka_unit_test(test_known_facts),
	    cmocka_unit_test(test_references_and_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
