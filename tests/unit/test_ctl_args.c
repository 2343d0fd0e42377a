/* Unit tests for skiffctl's argument handling and client-side logic:
 * global flags anywhere on the line, unique-prefix verb selection, bad
 * arguments, resource names and paths, kubectl-style error messages (text
 * and JSON), table layout, and the three-way apply patch. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "ctl.h"

/* --- capture stdout/stderr of a call --- */

static char captured[8192];
static int saved_out, saved_err;
static FILE *cap_file;

static void capture_begin(void)
{
	fflush(stdout);
	fflush(stderr);
	cap_file = tmpfile();
	assert_non_null(cap_file);
	saved_out = dup(1);
	saved_err = dup(2);
	dup2(fileno(cap_file), 1);
	dup2(fileno(cap_file), 2);
}

static const char *capture_end(void)
{
	size_t n;

	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	rewind(cap_file);
	n = fread(captured, 1, sizeof(captured) - 1, cap_file);
	captured[n] = '\0';
	fclose(cap_file);
	return captured;
}

/* --- verb table and dispatch --- */

static int calls_get, calls_gone;

static int fake_get(int argc, char **argv, struct ctl_opts *o)
{
	(void)argv;
	(void)o;
	calls_get++;
	return argc;
}

static int fake_gone(int argc, char **argv, struct ctl_opts *o)
{
	(void)argc;
	(void)argv;
	(void)o;
	calls_gone++;
	return 0;
}

static const struct ctl_cmd table[] = {
    {"get", fake_get, "get things"}, {"getall", fake_gone, "exact name must win over prefix"},
    {"delete", fake_gone, "delete"}, {"describe", fake_gone, "describe"},
    {"scale", fake_gone, "scale"},   {NULL, NULL, NULL},
};

/* Verb typed, the entry it must select (NULL: none) and ambiguity. */
static const struct {
	const char *verb;
	const char *want;
	bool ambiguous;
} select_cases[] = {
    {"get", "get", false}, {"getall", "getall", false}, {"geta", "getall", false},
    {"ge", NULL, true},	   {"del", "delete", false},	{"des", "describe", false},
    {"de", NULL, true},	   {"s", "scale", false},	{"x", NULL, false},
    {"", NULL, false},	   {"scalex", NULL, false},
};

static void test_cmd_select(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(select_cases) / sizeof(select_cases[0]); i++) {
		bool amb;
		const struct ctl_cmd *c = ctl_cmd_select(table, select_cases[i].verb, &amb);

		if (select_cases[i].want)
			assert_non_null(c);
		if (c)
			assert_string_equal(c->name,
					    select_cases[i].want ? select_cases[i].want : "(none)");
		assert_int_equal(amb, select_cases[i].ambiguous);
	}
}

static void test_dispatch_errors(void **state)
{
	struct ctl_opts o = {0};
	char *unknown[] = {"frob", NULL}, *amb[] = {"de", NULL}, *ok[] = {"get", "svc", NULL};
	char *pfx[] = {"sca", "deploy", "x", NULL};
	const char *out;

	(void)state;
	capture_begin();
	assert_int_equal(ctl_dispatch(table, 1, unknown, &o), 1);
	out = capture_end();
	assert_non_null(strstr(out, "unknown command \"frob\""));

	capture_begin();
	assert_int_equal(ctl_dispatch(table, 1, amb, &o), 1);
	out = capture_end();
	assert_non_null(strstr(out, "\"de\" is ambiguous"));

	/* With -o json the error is a JSON object on stdout. */
	o.out = CTL_OUT_JSON;
	capture_begin();
	assert_int_equal(ctl_dispatch(table, 1, unknown, &o), 1);
	out = capture_end();
	{
		cJSON *j = cJSON_Parse(out);

		assert_non_null(j);
		assert_non_null(strstr(cJSON_GetObjectItem(j, "error")->valuestring, "frob"));
		cJSON_Delete(j);
	}
	o.out = CTL_OUT_DEFAULT;

	calls_get = 0;
	assert_int_equal(ctl_dispatch(table, 2, ok, &o), 2); /* fake_get returns argc */
	assert_int_equal(calls_get, 1);
	calls_gone = 0;
	assert_int_equal(ctl_dispatch(table, 3, pfx, &o), 0);
	assert_int_equal(calls_gone, 1);
}

/* --- global flags --- */

static void test_global_flags_anywhere(void **state)
{
	char *argv[] = {"get", "-n",   "kube-system", "svc",	   "--kubeconfig=/k",
			"-o",  "wide", "web",	      "-lapp=web", "--replicas=3",
			"-A",  "-f",   "m.yaml",      NULL};
	int argc = 13;
	struct ctl_opts o = {0};

	(void)state;
	assert_int_equal(ctl_parse_global(&argc, argv, &o), 0);
	assert_int_equal(argc, 4);
	assert_string_equal(argv[0], "get");
	assert_string_equal(argv[1], "svc");
	assert_string_equal(argv[2], "web");
	assert_string_equal(argv[3], "--replicas=3"); /* a verb flag stays */
	assert_null(argv[4]);
	assert_string_equal(o.ns, "kube-system");
	assert_string_equal(o.kubeconfig, "/k");
	assert_int_equal(o.out, CTL_OUT_WIDE);
	assert_string_equal(o.selector, "app=web");
	assert_string_equal(o.file, "m.yaml");
	assert_true(o.all_ns);
}

static void test_global_flag_forms(void **state)
{
	char *argv[] = {"--namespace=a", "-ojson", "--output", "yaml", "--", "-n", NULL};
	int argc = 6;
	struct ctl_opts o = {0};

	(void)state;
	assert_int_equal(ctl_parse_global(&argc, argv, &o), 0);
	assert_string_equal(o.ns, "a");
	assert_int_equal(o.out, CTL_OUT_YAML); /* the last -o wins */
	assert_int_equal(argc, 1);	       /* "--" ends flags */
	assert_string_equal(argv[0], "-n");
}

static void test_global_flag_errors(void **state)
{
	struct ctl_opts o = {0};
	char *bad_out[] = {"get", "-o", "xml", NULL}, *no_val[] = {"get", "-n", NULL};
	char *no_val2[] = {"--kubeconfig", NULL};
	int argc;
	const char *out;

	(void)state;
	argc = 3;
	capture_begin();
	assert_true(ctl_parse_global(&argc, bad_out, &o) < 0);
	out = capture_end();
	assert_non_null(strstr(out, "\"xml\""));

	argc = 2;
	capture_begin();
	assert_true(ctl_parse_global(&argc, no_val, &o) < 0);
	out = capture_end();
	assert_non_null(strstr(out, "-n"));

	argc = 1;
	capture_begin();
	assert_true(ctl_parse_global(&argc, no_val2, &o) < 0);
	out = capture_end();
	assert_non_null(strstr(out, "--kubeconfig"));
}

static void test_flag_value(void **state)
{
	char *argv[] = {"--replicas=3", "--replicas", "4", "--replicas", NULL};
	int i = 0;

	(void)state;
	assert_string_equal(ctl_flag_value(4, argv, &i, "--replicas"), "3");
	i = 1;
	assert_string_equal(ctl_flag_value(4, argv, &i, "--replicas"), "4");
	assert_int_equal(i, 2);
	i = 3;
	assert_null(ctl_flag_value(4, argv, &i, "--replicas")); /* no value left */
}

/* --- resources --- */

static const struct {
	const char *name;
	const char *plural;
} res_cases[] = {
    {"svc", "services"},
    {"service", "services"},
    {"Services", "services"},
    {"ep", "endpoints"},
    {"endpoints", "endpoints"},
    {"endpointslices", "endpointslices"},
    {"po", "pods"},
    {"pod", "pods"},
    {"no", "nodes"},
    {"ns", "namespaces"},
    {"deploy", "deployments"},
    {"deployments.apps", "deployments"},
    {"rs", "replicasets"},
    {"sts", "statefulsets"},
    {"ev", "events"},
    {"Service", "services"},
    {"endpointslice", "endpointslices"},
};

static void test_resource_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(res_cases) / sizeof(res_cases[0]); i++) {
		const struct ctl_resource *r = ctl_resource_find(res_cases[i].name);

		assert_non_null(r);
		assert_string_equal(r->plural, res_cases[i].plural);
	}
	assert_null(ctl_resource_find("svcs"));
	assert_null(ctl_resource_find("deployments.core"));
	assert_null(ctl_resource_find("widgets"));
}

static void test_resource_paths(void **state)
{
	char *p;
	char buf[64];

	(void)state;
	p = ctl_resource_path(ctl_resource_find("svc"), "default", "web", NULL);
	assert_string_equal(p, "/api/v1/namespaces/default/services/web");
	free(p);
	p = ctl_resource_path(ctl_resource_find("svc"), NULL, NULL, NULL);
	assert_string_equal(p, "/api/v1/services");
	free(p);
	/* Cluster-scoped resources ignore the namespace. */
	p = ctl_resource_path(ctl_resource_find("no"), "default", "n1", NULL);
	assert_string_equal(p, "/api/v1/nodes/n1");
	free(p);
	p = ctl_resource_path(ctl_resource_find("deploy"), "a", "web", "scale");
	assert_string_equal(p, "/apis/apps/v1/namespaces/a/deployments/web/scale");
	free(p);
	p = ctl_resource_path(ctl_resource_find("endpointslices"), "a", NULL, NULL);
	assert_string_equal(p, "/apis/discovery.k8s.io/v1/namespaces/a/endpointslices");
	free(p);
	ctl_resource_typename(ctl_resource_find("deploy"), buf, sizeof(buf));
	assert_string_equal(buf, "deployment.apps");
	ctl_resource_typename(ctl_resource_find("svc"), buf, sizeof(buf));
	assert_string_equal(buf, "service");
	assert_ptr_equal(ctl_resource_by_kind("apps/v1", "Deployment"),
			 ctl_resource_find("deploy"));
	assert_null(ctl_resource_by_kind("v1", "Deployment"));
}

/* --- server errors --- */

static const struct {
	long status;
	const char *body;
	const char *ctx;
	const char *want;
} status_cases[] = {
    {404,
     "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"services \\\"x\\\" not found\","
     "\"reason\":\"NotFound\",\"code\":404}",
     NULL, "Error from server (NotFound): services \"x\" not found\n"},
    {409,
     "{\"kind\":\"Status\",\"message\":\"services \\\"my\\\" already exists\","
     "\"reason\":\"AlreadyExists\",\"code\":409}",
     "error when creating \"svc.yaml\": ",
     "Error from server (AlreadyExists): error when creating \"svc.yaml\": services \"my\" "
     "already exists\n"},
    {422,
     "{\"kind\":\"Status\",\"message\":\"Service \\\"ipsvc\\\" is invalid: ...\",\"reason\":"
     "\"Invalid\",\"code\":422,\"details\":{\"name\":\"ipsvc\",\"kind\":\"Service\",\"causes\":"
     "[{\"reason\":\"FieldValueInvalid\",\"message\":\"Invalid value: 70000: must be between 1 "
     "and 65535\",\"field\":\"spec.ports[0].port\"}]}}",
     NULL,
     "The Service \"ipsvc\" is invalid: spec.ports[0].port: Invalid value: 70000: must be "
     "between 1 and 65535\n"},
    {422,
     "{\"kind\":\"Status\",\"reason\":\"Invalid\",\"code\":422,\"details\":{\"name\":\"s\","
     "\"kind\":\"Service\",\"causes\":[{\"message\":\"Required value\",\"field\":\"a\"},"
     "{\"message\":\"Invalid value\",\"field\":\"b\"}]}}",
     NULL, "The Service \"s\" is invalid: [a: Required value, b: Invalid value]\n"},
    {500, "oops\nmore", NULL, "Error from server: the server responded with status 500: oops\n"},
};

static void test_status_errors(void **state)
{
	struct ctl_opts o = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(status_cases) / sizeof(status_cases[0]); i++) {
		const char *out;

		capture_begin();
		assert_int_equal(ctl_err_status(&o, status_cases[i].status, status_cases[i].body,
						status_cases[i].ctx),
				 1);
		out = capture_end();
		assert_string_equal(out, status_cases[i].want);
	}
	o.out = CTL_OUT_JSON;
	capture_begin();
	ctl_err_status(&o, 404, status_cases[0].body, NULL);
	{
		cJSON *j = cJSON_Parse(capture_end());

		assert_non_null(j);
		assert_string_equal(cJSON_GetObjectItem(j, "error")->valuestring,
				    "Error from server (NotFound): services \"x\" not found");
		cJSON_Delete(j);
	}
}

/* --- output --- */

static void test_table_layout(void **state)
{
	char *r0[] = {"NAME", "TYPE", "AGE"}, *r1[] = {"kubernetes", "ClusterIP", "2s"};
	char *r2[] = {"a", "NodePort", "10m"};
	char **rows[] = {r0, r1, r2};

	(void)state;
	capture_begin();
	ctl_print_table(rows, 3, 3);
	/* Widest cell + 3 spaces; the last column is not padded. */
	assert_string_equal(capture_end(), "NAME         TYPE        AGE\n"
					   "kubernetes   ClusterIP   2s\n"
					   "a            NodePort    10m\n");
}

static void test_json_pretty(void **state)
{
	cJSON *j = cJSON_Parse("{\"b\":[1,\"x\"],\"a\":{},\"c\":{\"z\":null,\"y\":true}}");
	char *s = ctl_json_pretty(j);

	(void)state;
	assert_string_equal(s, "{\n"
			       "    \"a\": {},\n"
			       "    \"b\": [\n"
			       "        1,\n"
			       "        \"x\"\n"
			       "    ],\n"
			       "    \"c\": {\n"
			       "        \"y\": true,\n"
			       "        \"z\": null\n"
			       "    }\n"
			       "}");
	free(s);
	cJSON_Delete(j);
}

static void test_age(void **state)
{
	char buf[32], ts[32];
	time_t now = time(NULL);
	struct tm tm;
	/* Offsets in seconds and kubectl's HumanDuration text. */
	static const struct {
		long off;
		const char *want;
	} cases[] = {
	    {5, "5s"},
	    {119, "119s"},
	    {150, "2m30s"},
	    {600, "10m"},
	    {3 * 3600 + 60, "3h1m"},
	    {10 * 3600, "10h"},
	    {3 * 86400 + 3600, "3d1h"},
	    {30 * 86400, "30d"},
	    {3 * 365 * 86400L, "3y"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		time_t t = now - cases[i].off;

		gmtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		ctl_age(ts, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].want);
	}
	ctl_age("garbage", buf, sizeof(buf));
	assert_string_equal(buf, "<unknown>");
}

/* --- three-way apply patch --- */

static const struct {
	const char *desc, *original, *modified, *current, *patch;
} twp_cases[] = {
    {"nothing changed", "{\"spec\":{\"a\":1}}", "{\"spec\":{\"a\":1}}",
     "{\"spec\":{\"a\":1,\"clusterIP\":\"10.96.0.5\"},\"status\":{}}", "{}"},
    {"value changed", "{\"spec\":{\"a\":1}}", "{\"spec\":{\"a\":2}}",
     "{\"spec\":{\"a\":1,\"clusterIP\":\"x\"}}", "{\"spec\":{\"a\":2}}"},
    {"key dropped from config is deleted", "{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\"}}}",
     "{\"metadata\":{\"labels\":{\"a\":\"1\"}}}",
     "{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"server\"}}}",
     "{\"metadata\":{\"labels\":{\"b\":null}}}"},
    {"lists are replaced whole", "{\"spec\":{\"ports\":[{\"port\":80}]}}",
     "{\"spec\":{\"ports\":[{\"port\":443}]}}",
     "{\"spec\":{\"ports\":[{\"port\":80,\"protocol\":\"TCP\"}]}}",
     "{\"spec\":{\"ports\":[{\"port\":443}]}}"},
    {"live drift is restored", "{\"spec\":{\"a\":1}}", "{\"spec\":{\"a\":1}}",
     "{\"spec\":{\"a\":5}}", "{\"spec\":{\"a\":1}}"},
    {"no last-applied: only additions", NULL, "{\"spec\":{\"a\":1,\"b\":2}}",
     "{\"spec\":{\"a\":1,\"z\":9}}", "{\"spec\":{\"b\":2}}"},
    {"new map", "{}", "{\"spec\":{\"selector\":{\"app\":\"x\"}}}", "{\"spec\":{}}",
     "{\"spec\":{\"selector\":{\"app\":\"x\"}}}"},
    {"whole map dropped", "{\"spec\":{\"selector\":{\"app\":\"x\"}}}", "{\"spec\":{}}",
     "{\"spec\":{\"selector\":{\"app\":\"x\"}}}", "{\"spec\":{\"selector\":null}}"},
};

static void test_three_way_patch(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(twp_cases) / sizeof(twp_cases[0]); i++) {
		cJSON *o = twp_cases[i].original ? cJSON_Parse(twp_cases[i].original) : NULL;
		cJSON *m = cJSON_Parse(twp_cases[i].modified),
		      *c = cJSON_Parse(twp_cases[i].current);
		cJSON *want = cJSON_Parse(twp_cases[i].patch);
		cJSON *got = ctl_three_way_patch(o, m, c);

		if (!cJSON_Compare(got, want, true)) {
			char *s = cJSON_PrintUnformatted(got);

			print_error("%s: got %s want %s\n", twp_cases[i].desc, s,
				    twp_cases[i].patch);
			free(s);
			fail();
		}
		cJSON_Delete(o);
		cJSON_Delete(m);
		cJSON_Delete(c);
		cJSON_Delete(want);
		cJSON_Delete(got);
	}
}

static void test_last_applied_text(void **state)
{
	cJSON *j = cJSON_Parse("{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":"
			       "\"w\",\"annotations\":{}}}");
	char *s = ctl_last_applied_text(j);

	(void)state;
	/* Sorted keys and a final newline, as kubectl writes it. */
	assert_string_equal(
	    s, "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"annotations\":{},"
	       "\"name\":\"w\"}}\n");
	free(s);
	cJSON_Delete(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cmd_select),
	    cmocka_unit_test(test_dispatch_errors),
	    cmocka_unit_test(test_global_flags_anywhere),
	    cmocka_unit_test(test_global_flag_forms),
	    cmocka_unit_test(test_global_flag_errors),
	    cmocka_unit_test(test_flag_value),
	    cmocka_unit_test(test_resource_names),
	    cmocka_unit_test(test_resource_paths),
	    cmocka_unit_test(test_status_errors),
	    cmocka_unit_test(test_table_layout),
	    cmocka_unit_test(test_json_pretty),
	    cmocka_unit_test(test_age),
	    cmocka_unit_test(test_three_way_patch),
	    cmocka_unit_test(test_last_applied_text),
	};

	return cmocka_run_group_tests_name("ctl_args", tests, NULL, NULL);
}
