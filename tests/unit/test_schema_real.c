/* The schema engine over the real tables (controlplane/schema/types_*.c
 * and the registry): kubectl 1.32's golden protobuf bodies of the kinds
 * whose tables are in decode to exactly the JSON kubectl prints for them,
 * with no unknown field; every $ref of the OpenAPI documents built from
 * the whole registry resolves (kubectl 1.20 refuses a document with a
 * dangling one); and every registered kind is found by sch_lookup. */
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
#include "schema/schema_pb.h"
#include "schema_vectors.h"

static void test_golden_real(void **state)
{
	static const struct {
		const char *name;
		const unsigned char *pb;
		size_t len;
		const char *json;
	} vecs[] = {
	    {"deployment", vec_deployment_pb, sizeof(vec_deployment_pb), vec_deployment_json},
	    {"service", vec_service_pb, sizeof(vec_service_pb), vec_service_json},
	    {"nodeport", vec_nodeport_pb, sizeof(vec_nodeport_pb), vec_nodeport_json},
	    {"secret", vec_secret_pb, sizeof(vec_secret_pb), vec_secret_json},
	    {"namespace", vec_namespace_pb, sizeof(vec_namespace_pb), vec_namespace_json},
	    {"configmap", vec_configmap_pb, sizeof(vec_configmap_pb), vec_configmap_json},
	    {"job", vec_job_pb, sizeof(vec_job_pb), vec_job_json},
	    {"cronjob", vec_cronjob_pb, sizeof(vec_cronjob_pb), vec_cronjob_json},
	    {"serviceaccount", vec_serviceaccount_pb, sizeof(vec_serviceaccount_pb),
	     vec_serviceaccount_json},
	    {"deploy3", vec_deploy3_pb, sizeof(vec_deploy3_pb), vec_deploy3_json},
	};
	struct sch_report rep;

	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		cJSON *obj = NULL, *want = cJSON_Parse(vecs[i].json);
		int rc;
		char *got = NULL, *w = cJSON_PrintUnformatted(want);

		sch_report_init(&rep);
		rc = sch_pb_decode(vecs[i].pb, vecs[i].len, 1 << 20, &obj, NULL, &rep);
		if (!rc)
			got = cJSON_PrintUnformatted(obj);
		if (rc || strcmp(got, w) || rep.n)
			fail_msg("%s: rc %d, %u findings (%s)\n got  %s\n want %s", vecs[i].name,
				 rc, rep.n, rep.n ? rep.msg[0].text : "", got ? got : "-", w);
		free(got);
		free(w);
		cJSON_Delete(obj);
		cJSON_Delete(want);
	}
}

/* Every "$ref" under v names prefix + a member of defs; returns the count. */
static int refs_ok(const cJSON *v, const char *prefix, const cJSON *defs)
{
	const cJSON *c;
	int n = 0;

	if (v->string && !strcmp(v->string, "$ref")) {
		if (strncmp(v->valuestring, prefix, strlen(prefix)) ||
		    !cJSON_GetObjectItemCaseSensitive(defs, v->valuestring + strlen(prefix)))
			fail_msg("dangling $ref %s", v->valuestring);
		n++;
	}
	cJSON_ArrayForEach(c, v) n += refs_ok(c, prefix, defs);
	return n;
}

static void test_openapi_real(void **state)
{
	struct sch_resource res[64];
	size_t n = 0;
	struct buf b = {0};
	cJSON *doc;

	for (size_t i = 0; i < sch_ntypes && n < 64; i++) {
		const struct sch_type *t = sch_types[i];

		/* every kind once as a namespaced resource of its group-version */
		if (strstr(t->kind, "List") || strstr(t->kind, "Options"))
			continue;
		res[n++] =
		    (struct sch_resource){t->group, t->version, "things", true, 0x7f, t, NULL};
	}
	assert_int_equal(sch_openapi_v2_json(res, n, &b), 0);
	doc = cJSON_Parse(b.p);
	assert_non_null(doc);
	assert_true(refs_ok(doc, "#/definitions/",
			    cJSON_GetObjectItemCaseSensitive(doc, "definitions")) > 100);
	cJSON_Delete(doc);
	buf_free(&b);
	b = (struct buf){0};
	assert_int_equal(sch_openapi_v2(res, n, &b), 0);
	assert_true(b.len > 10000);
	buf_free(&b);
	b = (struct buf){0};
	assert_int_equal(sch_openapi_v3_gv("api/v1", res, n, &b, NULL), 0);
	doc = cJSON_Parse(b.p);
	assert_non_null(doc);
	refs_ok(doc, "#/components/schemas/",
		cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(doc, "components"), "schemas"));
	cJSON_Delete(doc);
	buf_free(&b);
}

static void test_lookup_real(void **state)
{
	for (size_t i = 0; i < sch_ntypes; i++) {
		const struct sch_type *t = sch_types[i];
		char av[96];

		assert_non_null(t->kind);
		snprintf(av, sizeof(av), "%s%s%s", t->group, *t->group ? "/" : "", t->version);
		assert_ptr_equal(sch_lookup(av, t->kind), t);
	}
	/* the option kinds under any group version, others not */
	assert_non_null(sch_lookup("apps/v1", "DeleteOptions"));
	assert_null(sch_lookup("apps/v1", "Service"));
	assert_non_null(sch_lookup("apps/v1", "Deployment"));
	assert_null(sch_lookup("v1", "Nope"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden_real),
	    cmocka_unit_test(test_openapi_real),
	    cmocka_unit_test(test_lookup_real),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
