/* Unit tests for controlplane/schema/schema_check.c and the report texts
 * (schema.c): unknown and duplicate fields named as upstream's strict
 * decoder names them, the Strict message and Warning header values,
 * preserved and free-form subtrees left alone, wide objects in
 * linear-ish time, and "last key wins" for Warn/Ignore. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "schema/schema_check.h"
#include "schema_test_types.h"

const struct sch_type *const sch_types[] = {&t_Deployment, &t_Service, &t_Kinds};
const size_t sch_ntypes = sizeof(sch_types) / sizeof(sch_types[0]);

static int check(const struct sch_type *t, const char *json, struct sch_report *rep)
{
	cJSON *obj = cJSON_Parse(json);
	int n;

	assert_non_null(obj);
	sch_report_init(rep);
	n = sch_check(t, obj, rep);
	cJSON_Delete(obj);
	return n;
}

static void test_strict_message(void **state)
{
	struct sch_report rep;
	struct buf b = {0};
	int n = check(&t_Deployment,
		      "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":"
		      "\"a\",\"name\":\"b\",\"labels\":{\"x\":\"1\",\"x\":\"2\"}},\"spec\":{"
		      "\"selectr\":{},\"replicas\":1,\"template\":{\"spec\":{\"containers\":["
		      "{\"name\":\"c\"},{\"name\":\"d\",\"imagee\":\"x\",\"ports\":[{"
		      "\"containerPort\":1,\"hostPortt\":2}]}]}}}}",
		      &rep);

	assert_int_equal(n, 5);
	assert_int_equal(rep.nfield, 5);
	assert_string_equal(rep.msg[0].text, "duplicate field \"metadata.name\"");
	assert_string_equal(rep.msg[1].text, "duplicate field \"metadata.labels.x\"");
	assert_string_equal(rep.msg[2].text, "unknown field \"spec.selectr\"");
	assert_string_equal(rep.msg[3].text,
			    "unknown field \"spec.template.spec.containers[1].imagee\"");
	assert_string_equal(
	    rep.msg[4].text,
	    "unknown field \"spec.template.spec.containers[1].ports[0].hostPortt\"");
	assert_int_equal(sch_report_strict(&rep, &t_Deployment, &b), 0);
	assert_string_equal(
	    b.p, "Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding "
		 "error: duplicate field \"metadata.name\", duplicate field \"metadata.labels.x\", "
		 "unknown field \"spec.selectr\", unknown field "
		 "\"spec.template.spec.containers[1].imagee\", unknown field "
		 "\"spec.template.spec.containers[1].ports[0].hostPortt\"");
	buf_free(&b);
	b = (struct buf){0};
	assert_int_equal(sch_report_warning(&rep, 2, &b), 0);
	assert_string_equal(b.p, "299 - \"unknown field \\\"spec.selectr\\\"\"");
	buf_free(&b);
	b = (struct buf){0};
	assert_int_equal(sch_report_warning(&rep, 9, &b), -EINVAL);
	buf_free(&b);
}

static void test_clean_and_free_form(void **state)
{
	struct sch_report rep;
	struct buf b = {0};

	/* the members of inline structs are fields of their parent */
	assert_int_equal(check(&t_Deployment,
			       "{\"spec\":{\"template\":{\"spec\":{\"volumes\":[{\"name\":\"v\","
			       "\"configMap\":{\"name\":\"cm\",\"defaultMode\":1}},{\"name\":\"w\","
			       "\"configMapp\":{},\"volumeSource\":{}}]}}}}",
			       &rep),
			 2);
	assert_string_equal(rep.msg[0].text,
			    "unknown field \"spec.template.spec.volumes[1].configMapp\"");
	assert_string_equal(rep.msg[1].text,
			    "unknown field \"spec.template.spec.volumes[1].volumeSource\"");

	/* everything known: nothing to say */
	assert_int_equal(check(&t_Service,
			       "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":"
			       "\"s\",\"labels\":{\"a\":\"b\"}},\"spec\":{\"ports\":[{\"port\":80,"
			       "\"targetPort\":\"http\"}],\"selector\":{\"a\":\"b\"}},\"status\":{"
			       "\"loadBalancer\":{\"ingress\":[{\"ip\":\"1.2.3.4\",\"x\":1}]}}}",
			       &rep),
			 0);
	assert_int_equal(rep.n, 0);
	/* a preserve-unknown type, raw JSON and free-form fields are not
	 * looked into; wrong JSON types are validation's business */
	assert_int_equal(check(&t_Kinds,
			       "{\"free\":{\"x\":1,\"y\":{\"z\":2}},\"raw\":{\"a\":{\"b\":1}},"
			       "\"anything\":{\"q\":[{\"r\":1}]},\"self\":\"not an object\","
			       "\"ints\":{\"not\":\"a list\"},\"qmap\":{\"cpu\":{\"deep\":1}},"
			       "\"strs\":[\"a\",{\"b\":1}]}",
			       &rep),
			 0);
	/* unknown at the root is named bare; a duplicate inside a preserved
	 * type is still a duplicate */
	assert_int_equal(check(&t_Kinds, "{\"nope\":1,\"free\":{\"x\":1,\"x\":2}}", &rep), 2);
	assert_string_equal(rep.msg[0].text, "unknown field \"nope\"");
	assert_string_equal(rep.msg[1].text, "duplicate field \"free.x\"");
	assert_int_equal(sch_report_strict(&rep, NULL, &b), 0);
	assert_string_equal(b.p, "strict decoding error: unknown field \"nope\", duplicate field "
				 "\"free.x\"");
	buf_free(&b);
}

/* 200,000 keys, every other one repeated: found in well under a second,
 * 32 kept and all counted. */
static void test_wide(void **state)
{
	struct buf b = {0};
	struct sch_report rep;
	struct timespec t0, t1;
	cJSON *obj;
	int n;

	buf_puts(&b, "{\"metadata\":{\"labels\":{");
	for (int i = 0; i < 200000; i++)
		buf_printf(&b, "%s\"k%d\":\"v\"", i ? "," : "", i / 2);
	buf_puts(&b, "}},\"spec\":{");
	for (int i = 0; i < 100000; i++)
		buf_printf(&b, "%s\"u%d\":1", i ? "," : "", i);
	buf_puts(&b, "}}");
	assert_false(b.oom);
	obj = cJSON_Parse(b.p);
	buf_free(&b);
	assert_non_null(obj);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sch_report_init(&rep);
	n = sch_check(&t_Deployment, obj, &rep);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(n, 200000);
	assert_int_equal(rep.nfield, 200000);
	assert_int_equal(rep.n, SCH_REPORT_MAX);
	assert_int_equal(rep.dropped, 200000 - SCH_REPORT_MAX);
	assert_string_equal(rep.msg[0].text, "duplicate field \"metadata.labels.k0\"");
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 2000);
	b = (struct buf){0};
	sch_report_strict(&rep, NULL, &b);
	assert_non_null(strstr(b.p, ", and 199968 more"));
	buf_free(&b);
	cJSON_Delete(obj);
}

static void test_drop_duplicates(void **state)
{
	cJSON *obj = cJSON_Parse("{\"a\":1,\"b\":{\"x\":1,\"x\":2},\"l\":[{\"y\":1,\"y\":[3]}],"
				 "\"a\":3}");
	char *s;

	assert_non_null(obj);
	assert_int_equal(sch_drop_duplicates(obj), 3);
	s = cJSON_PrintUnformatted(obj);
	assert_string_equal(s, "{\"b\":{\"x\":2},\"l\":[{\"y\":[3]}],\"a\":3}");
	free(s);
	assert_int_equal(sch_drop_duplicates(obj), 0);
	cJSON_Delete(obj);
}

/* What Warn and Ignore store: the object without its unknown fields,
 * free-form subtrees untouched. */
static void test_prune(void **state)
{
	cJSON *obj = cJSON_Parse("{\"kind\":\"Deployment\",\"nope\":1,\"spec\":{\"selectr\":{},"
				 "\"replicas\":2,\"template\":{\"spec\":{\"containers\":[{"
				 "\"name\":\"a\",\"imagee\":\"x\",\"image\":\"y\"}]}}}}");
	cJSON *k = cJSON_Parse("{\"free\":{\"x\":1},\"raw\":{\"y\":2},\"zzz\":3}");
	char *s;

	assert_int_equal(sch_prune(&t_Deployment, obj), 3);
	s = cJSON_PrintUnformatted(obj);
	assert_string_equal(s, "{\"kind\":\"Deployment\",\"spec\":{\"replicas\":2,\"template\":{"
			       "\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"y\"}]}}}}");
	free(s);
	assert_int_equal(sch_prune(&t_Kinds, k), 1);
	s = cJSON_PrintUnformatted(k);
	assert_string_equal(s, "{\"free\":{\"x\":1},\"raw\":{\"y\":2}}");
	free(s);
	cJSON_Delete(obj);
	cJSON_Delete(k);
}

static void test_validation_parse(void **state)
{
	enum sch_validation v;

	assert_int_equal(sch_validation_parse(NULL, &v), 0);
	assert_int_equal(v, SCH_VALIDATE_WARN);
	assert_int_equal(sch_validation_parse("Strict", &v), 0);
	assert_int_equal(v, SCH_VALIDATE_STRICT);
	assert_int_equal(sch_validation_parse("Ignore", &v), 0);
	assert_int_equal(v, SCH_VALIDATE_IGNORE);
	assert_int_equal(sch_validation_parse("strict", &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_strict_message),
	    cmocka_unit_test(test_clean_and_free_form),
	    cmocka_unit_test(test_wide),
	    cmocka_unit_test(test_drop_duplicates),
	    cmocka_unit_test(test_validation_parse),
	    cmocka_unit_test(test_prune),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
