/* Unit tests for controlplane/schema/schema_openapi*.c: the v3 index and
 * per group-version documents, the v2 document in JSON and protobuf, every
 * $ref resolving, the extensions kubectl reads, and kubectl 1.20's dry-run
 * check (a PATCH operation with the kind's GVK and a dryRun parameter)
 * replayed over the protobuf bytes with gnostic's field numbers. */
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
#include "schema/schema_openapi.h"
#include "schema_test_types.h"

static const struct sch_field t_DeploymentList_f[] = {
    T_TYPEMETA,
    {.name = "items",
     .pb = 2,
     .kind = SCH_OBJECT,
     .flags = SCH_F_LIST | SCH_F_REQUIRED,
     .type = &t_Deployment,
     .desc = "The deployments."},
};
T_TYPE(t_DeploymentList, "io.k8s.api.apps.v1.DeploymentList", 0, "apps", "v1", "DeploymentList");
static const struct sch_field t_ScaleSpec_f[] = {
    T_K("replicas", 1, SCH_INT32, OE),
};
T_TYPE(t_ScaleSpec, "io.k8s.api.autoscaling.v1.ScaleSpec", 0, NULL, NULL, NULL);
static const struct sch_field t_Scale_f[] = {
    T_TYPEMETA,
    T_O("metadata", 1, t_ObjectMeta, OE),
    T_O("spec", 2, t_ScaleSpec, OE),
};
T_TYPE(t_Scale, "io.k8s.api.autoscaling.v1.Scale", 0, "autoscaling", "v1", "Scale");

const struct sch_type *const sch_types[] = {&t_Deployment, &t_DeploymentList, &t_Service,
					    &t_Namespace,  &t_Scale,	      &t_DeleteOptions,
					    &t_Kinds};
const size_t sch_ntypes = sizeof(sch_types) / sizeof(sch_types[0]);

#define ALL 0x7f
static const struct sch_resource res[] = {
    {"apps", "v1", "deployments", true, ALL, &t_Deployment, &t_DeploymentList},
    {"apps", "v1", "deployments/scale", true, SCH_VERB_GET | SCH_VERB_UPDATE | SCH_VERB_PATCH,
     &t_Scale, NULL},
    {"", "v1", "services", true, ALL & ~SCH_VERB_DELETECOLLECTION, &t_Service, NULL},
    {"", "v1", "namespaces", false, ALL, &t_Namespace, NULL},
};
#define NRES (sizeof(res) / sizeof(res[0]))

/* Every "$ref" under v names prefix + a member of defs. */
static void check_refs(const cJSON *v, const char *prefix, const cJSON *defs, int *n)
{
	const cJSON *c;

	if (v->string && !strcmp(v->string, "$ref")) {
		assert_true(cJSON_IsString(v));
		assert_int_equal(strncmp(v->valuestring, prefix, strlen(prefix)), 0);
		if (!cJSON_GetObjectItemCaseSensitive(defs, v->valuestring + strlen(prefix)))
			fail_msg("dangling $ref %s", v->valuestring);
		(*n)++;
	}
	cJSON_ArrayForEach(c, v) check_refs(c, prefix, defs, n);
}

static cJSON *parse_buf(struct buf *b)
{
	cJSON *j;

	assert_false(b->oom);
	j = cJSON_Parse(b->p);
	assert_non_null(j);
	buf_free(b);
	*b = (struct buf){0};
	return j;
}

static const cJSON *get(const cJSON *o, const char *path)
{
	char key[128];

	while (o && *path) {
		size_t n = strcspn(path, "|");

		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		o = cJSON_IsArray(o) ? cJSON_GetArrayItem(o, atoi(key))
				     : cJSON_GetObjectItemCaseSensitive(o, key);
		path += n + (path[n] == '|');
	}
	return o;
}

static bool has_param(const cJSON *params, const char *name)
{
	const cJSON *p;

	cJSON_ArrayForEach(p, params) if (!strcmp(get(p, "name")->valuestring, name)) return true;
	return false;
}

static void test_v3(void **state)
{
	struct buf b = {0};
	char hash[17], url[128];
	const cJSON *s, *op;
	cJSON *idx, *doc;
	int nrefs = 0;

	assert_int_equal(sch_openapi_v3_index(res, NRES, &b), 0);
	idx = parse_buf(&b);
	assert_int_equal(cJSON_GetArraySize(get(idx, "paths")), 2);
	assert_int_equal(sch_openapi_v3_gv("apis/apps/v1", res, NRES, &b, hash), 0);
	doc = parse_buf(&b);
	snprintf(url, sizeof(url), "/openapi/v3/apis/apps/v1?hash=%s", hash);
	assert_string_equal(get(idx, "paths|apis/apps/v1|serverRelativeURL")->valuestring, url);
	assert_non_null(get(idx, "paths|api/v1|serverRelativeURL"));
	cJSON_Delete(idx);

	assert_string_equal(get(doc, "openapi")->valuestring, "3.0.0");
	check_refs(doc, "#/components/schemas/", get(doc, "components|schemas"), &nrefs);
	assert_true(nrefs > 20);
	s = get(doc, "components|schemas|io.k8s.api.apps.v1.Deployment");
	assert_non_null(s);
	assert_string_equal(get(s, "x-kubernetes-group-version-kind|0|group")->valuestring, "apps");
	assert_string_equal(get(s, "x-kubernetes-group-version-kind|0|kind")->valuestring,
			    "Deployment");
	assert_string_equal(get(s, "properties|spec|allOf|0|$ref")->valuestring,
			    "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec");
	assert_string_equal(get(s, "properties|spec|description")->valuestring, "The spec.");
	s = get(doc, "components|schemas|io.k8s.api.apps.v1.DeploymentSpec");
	assert_string_equal(get(s, "required|0")->valuestring, "selector");
	assert_string_equal(get(s, "properties|replicas|format")->valuestring, "int32");
	assert_non_null(get(doc, "components|schemas|io.k8s.api.apps.v1.DeploymentStrategy|"
				 "properties|rollingUpdate|allOf"));
	/* inline members are the parent's properties */
	s = get(doc, "components|schemas|io.k8s.api.core.v1.Volume|properties");
	assert_non_null(get(s, "configMap"));
	assert_non_null(get(s, "name"));
	assert_null(get(s, "volumeSource"));
	assert_non_null(get(doc, "components|schemas|io.k8s.api.core.v1.ConfigMapVolumeSource|"
				 "properties|name"));
	s = get(doc, "components|schemas|io.k8s.api.core.v1.Container|properties|ports");
	assert_string_equal(get(s, "type")->valuestring, "array");
	assert_string_equal(get(s, "x-kubernetes-list-type")->valuestring, "map");
	assert_string_equal(get(s, "x-kubernetes-list-map-keys|0")->valuestring, "containerPort");
	assert_string_equal(get(s, "x-kubernetes-patch-merge-key")->valuestring, "containerPort");
	assert_string_equal(get(s, "items|$ref")->valuestring,
			    "#/components/schemas/io.k8s.api.core.v1.ContainerPort");
	s = get(doc, "components|schemas|io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta|"
		     "properties|labels");
	assert_string_equal(get(s, "additionalProperties|type")->valuestring, "string");
	s = get(doc, "components|schemas|io.k8s.apimachinery.pkg.util.intstr.IntOrString");
	assert_string_equal(get(s, "format")->valuestring, "int-or-string");
	assert_string_equal(get(s, "anyOf|0|type")->valuestring, "integer");
	assert_null(get(s, "type"));
	/* other groups' kinds stay out; the option kinds are in */
	assert_null(get(doc, "components|schemas|io.k8s.api.core.v1.Service"));
	assert_non_null(get(doc, "components|schemas|io.k8s.apimachinery.pkg.apis.meta.v1."
				 "DeleteOptions"));
	/* paths: verbs and parameters */
	op = get(doc, "paths|/apis/apps/v1/namespaces/{namespace}/deployments/{name}|patch");
	assert_non_null(op);
	assert_string_equal(get(op, "operationId")->valuestring, "patchAppsV1NamespacedDeployment");
	assert_true(has_param(get(op, "parameters"), "dryRun"));
	assert_true(has_param(get(op, "parameters"), "fieldValidation"));
	assert_true(has_param(get(op, "parameters"), "force"));
	assert_non_null(get(op, "requestBody|content|application/strategic-merge-patch+json"));
	assert_string_equal(get(op, "x-kubernetes-group-version-kind|kind")->valuestring,
			    "Deployment");
	assert_true(has_param(get(doc, "paths|/apis/apps/v1/namespaces/{namespace}/deployments/"
				       "{name}|parameters"),
			      "namespace"));
	op = get(doc, "paths|/apis/apps/v1/deployments|get");
	assert_string_equal(get(op, "operationId")->valuestring,
			    "listAppsV1DeploymentForAllNamespaces");
	assert_true(has_param(get(op, "parameters"), "limit"));
	assert_string_equal(
	    get(op, "responses|200|content|application/json|schema|$ref")->valuestring,
	    "#/components/schemas/io.k8s.api.apps.v1.DeploymentList");
	op = get(doc, "paths|/apis/apps/v1/namespaces/{namespace}/deployments|delete");
	assert_string_equal(get(op, "x-kubernetes-action")->valuestring, "deletecollection");
	op = get(doc, "paths|/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale|put");
	assert_string_equal(get(op, "x-kubernetes-group-version-kind|group")->valuestring,
			    "autoscaling");
	assert_string_equal(get(op, "operationId")->valuestring,
			    "replaceAppsV1NamespacedDeploymentsScale");
	assert_null(get(doc, "paths|/apis/apps/v1/namespaces/{namespace}/deployments/{name}/"
			     "scale|delete"));
	cJSON_Delete(doc);

	/* the core group: cluster-scoped namespaces, no list path without a
	 * List kind */
	assert_int_equal(sch_openapi_v3_gv("api/v1", res, NRES, &b, NULL), 0);
	doc = parse_buf(&b);
	assert_non_null(get(doc, "paths|/api/v1/namespaces/{name}|delete"));
	assert_null(get(doc, "paths|/api/v1/namespaces|get"));
	assert_non_null(get(doc, "paths|/api/v1/namespaces|post"));
	assert_non_null(get(doc, "components|schemas|io.k8s.api.core.v1.ServicePort"));
	cJSON_Delete(doc);
	assert_int_equal(sch_openapi_v3_gv("apis/batch/v1", res, NRES, &b, NULL), -ENOENT);
	buf_free(&b);
}

/* A minimal protobuf reader for checking the v2 bytes. */
struct pr {
	const uint8_t *p, *end;
};

static uint64_t pr_varint(struct pr *r)
{
	uint64_t v = 0;

	for (int s = 0; r->p < r->end; s += 7) {
		uint8_t c = *r->p++;

		v |= (uint64_t)(c & 0x7f) << s;
		if (!(c & 0x80))
			return v;
	}
	fail_msg("truncated varint");
	return 0;
}

/* The next field: number, and its payload if length-delimited. Every
 * byte must belong to a well-formed field. */
static bool pr_next(struct pr *r, uint32_t *f, struct pr *sub, uint64_t *v)
{
	uint64_t tag, n;

	if (r->p >= r->end)
		return false;
	tag = pr_varint(r);
	*f = (uint32_t)(tag >> 3);
	assert_true(*f > 0);
	switch (tag & 7) {
	case 0:
		*v = pr_varint(r);
		sub->p = sub->end = NULL;
		return true;
	case 2:
		n = pr_varint(r);
		assert_true(n <= (uint64_t)(r->end - r->p));
		sub->p = r->p;
		sub->end = r->p + n;
		r->p += n;
		return true;
	default:
		fail_msg("unexpected wire type %u", (unsigned)(tag & 7));
		return false;
	}
}

/* The first length-delimited field f of m (empty if none). */
static struct pr pr_field(struct pr m, uint32_t want)
{
	struct pr sub;
	uint32_t f;
	uint64_t v;

	while (pr_next(&m, &f, &sub, &v))
		if (f == want && sub.p)
			return sub;
	return (struct pr){NULL, NULL};
}

static bool pr_is(struct pr s, const char *want)
{
	return s.p && (size_t)(s.end - s.p) == strlen(want) && !memcmp(s.p, want, strlen(want));
}

/* kubectl 1.20's SupportsDryRun: the first path whose PATCH operation
 * carries x-kubernetes-group-version-kind == gvk decides; it must list a
 * query parameter named dryRun. 1: yes, 0: no, -1: kind not found. */
static int supports_dry_run(struct pr doc, const char *gvk_json)
{
	struct pr paths = pr_field(doc, 8), named, sub;
	uint32_t f;
	uint64_t v;

	while (pr_next(&paths, &f, &named, &v)) {
		struct pr item = pr_field(named, 2), patch = pr_field(item, 8), ext;
		bool match = false;

		if (f != 2 || !patch.p)
			continue;
		while (pr_next(&patch, &f, &ext, &v)) {
			if (f != 13)
				continue;
			if (pr_is(pr_field(ext, 1), "x-kubernetes-group-version-kind") &&
			    pr_is(pr_field(pr_field(ext, 2), 2), gvk_json))
				match = true;
		}
		if (!match)
			continue;
		patch = pr_field(item, 8);
		while (pr_next(&patch, &f, &sub, &v)) {
			struct pr q;

			if (f != 8)
				continue;
			q = pr_field(pr_field(pr_field(sub, 1), 2), 3);
			if (pr_is(pr_field(q, 4), "dryRun"))
				return 1;
		}
		return 0;
	}
	return -1;
}

/* The number of fields of message m (each one well formed). */
static size_t pr_count(struct pr m)
{
	struct pr sub;
	uint32_t f;
	uint64_t v;
	size_t n = 0;

	while (pr_next(&m, &f, &sub, &v))
		n++;
	return n;
}

static void test_v2(void **state)
{
	struct buf b = {0};
	cJSON *doc;
	const cJSON *d, *op;
	struct pr pb, defs, named;
	uint32_t f;
	uint64_t v;
	int nrefs = 0;
	size_t ndefs = 0;

	assert_int_equal(sch_openapi_v2_json(res, NRES, &b), 0);
	doc = parse_buf(&b);
	check_refs(doc, "#/definitions/", get(doc, "definitions"), &nrefs);
	assert_true(nrefs > 20);
	/* every registry kind is defined (kubectl validates any kind it knows) */
	d = get(doc, "definitions|io.k8s.test.v1.Kinds");
	assert_non_null(d);
	/* free-form types have no type in v2: kubectl accepts anything there */
	d = get(doc, "definitions|io.k8s.test.Free");
	assert_null(get(d, "type"));
	assert_null(get(d, "properties"));
	d = get(doc, "definitions|io.k8s.api.core.v1.ServiceSpec|properties|ports");
	assert_string_equal(get(d, "x-kubernetes-patch-strategy")->valuestring, "merge");
	assert_string_equal(get(d, "x-kubernetes-patch-merge-key")->valuestring, "port");
	assert_string_equal(get(doc, "definitions|io.k8s.api.core.v1.ServiceSpec|properties|"
				     "selector|additionalProperties|type")
				->valuestring,
			    "string");
	/* v2 keeps description beside $ref */
	d = get(doc, "definitions|io.k8s.api.apps.v1.Deployment|properties|spec");
	assert_non_null(get(d, "$ref"));
	assert_non_null(get(d, "description"));
	op = get(doc, "paths|/api/v1/namespaces/{namespace}/services/{name}|patch");
	assert_string_equal(get(op, "parameters|0|in")->valuestring, "body");
	assert_true(has_param(get(op, "parameters"), "dryRun"));
	assert_string_equal(get(op, "consumes|2")->valuestring,
			    "application/strategic-merge-patch+json");
	assert_string_equal(get(op, "parameters|1|type")->valuestring, "string");
	cJSON_Delete(doc);

	assert_int_equal(sch_openapi_v2(res, NRES, &b), 0);
	assert_false(b.oom);
	pb = (struct pr){(const uint8_t *)b.p, (const uint8_t *)b.p + b.len};
	assert_true(pr_is(pr_field(pb, 1), "2.0"));
	assert_true(pr_is(pr_field(pr_field(pb, 2), 1), "Kubernetes"));
	assert_true(pr_is(pr_field(pr_field(pb, 2), 2), SCH_OPENAPI_VERSION));
	assert_int_equal(supports_dry_run(pb, "{\"group\":\"apps\",\"kind\":\"Deployment\","
					      "\"version\":\"v1\"}"),
			 1);
	assert_int_equal(supports_dry_run(pb, "{\"group\":\"\",\"kind\":\"Namespace\","
					      "\"version\":\"v1\"}"),
			 1);
	assert_int_equal(supports_dry_run(pb, "{\"group\":\"\",\"kind\":\"Service\","
					      "\"version\":\"v1\"}"),
			 1);
	assert_int_equal(supports_dry_run(pb, "{\"group\":\"batch\",\"kind\":\"Job\","
					      "\"version\":\"v1\"}"),
			 -1);
	/* definitions: NamedSchema{1 name, 2 Schema}; the Deployment's
	 * Schema has properties (25) and the GVK list as vendor extension */
	defs = pr_field(pb, 9);
	while (pr_next(&defs, &f, &named, &v)) {
		ndefs++;
		if (pr_is(pr_field(named, 1), "io.k8s.api.apps.v1.Deployment")) {
			struct pr s = pr_field(named, 2), ext = pr_field(s, 31);

			assert_true(pr_count(pr_field(s, 25)) == 5);
			assert_true(pr_is(pr_field(ext, 1), "x-kubernetes-group-version-kind"));
			assert_true(
			    pr_is(pr_field(pr_field(ext, 2), 2),
				  "[{\"group\":\"apps\",\"kind\":\"Deployment\",\"version\":"
				  "\"v1\"}]"));
			assert_true(pr_is(pr_field(pr_field(s, 22), 1), "object"));
		}
	}
	assert_true(ndefs > 20);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v3),
	    cmocka_unit_test(test_v2),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
