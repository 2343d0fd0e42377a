/* Unit tests for lib/selector.c: table-driven parse, error and match cases. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "selector.h"
#include "selector_valid.h"

/* A label selector, a labels object (JSON, "null" for none) and whether
 * the selector must match it. */
struct label_case {
	const char *sel;
	const char *labels;
	bool match;
};

static const struct label_case label_cases[] = {
    /* empty and blank selectors match everything */
    {"", "{}", true},
    {"   ", "null", true},
    /* existence */
    {"app", "{\"app\":\"web\"}", true},
    {"app", "{\"tier\":\"web\"}", false},
    {"app", "null", false},
    {"!app", "{\"tier\":\"web\"}", true},
    {"!app", "{\"app\":\"\"}", false},
    {"!app", "null", true},
    {" ! app ", "{}", true},
    /* equality; = and == are the same */
    {"app=web", "{\"app\":\"web\"}", true},
    {"app==web", "{\"app\":\"web\"}", true},
    {"app = web", "{\"app\":\"web\"}", true},
    {"app=web", "{\"app\":\"Web\"}", false},
    {"app=web", "{\"App\":\"web\"}", false},
    {"app=web", "{}", false},
    {"app=", "{\"app\":\"\"}", true},
    {"app=", "{}", false},
    /* != also matches objects without the key */
    {"app!=web", "{\"app\":\"db\"}", true},
    {"app!=web", "{\"app\":\"web\"}", false},
    {"app!=web", "{}", true},
    {"app!=web", "null", true},
    /* set membership; commas inside () do not split terms */
    {"app in (web,x)", "{\"app\":\"x\"}", true},
    {"app in (web, x)", "{\"app\":\"web\"}", true},
    {"app in(web)", "{\"app\":\"web\"}", true},
    {"app in (web,x)", "{\"app\":\"y\"}", false},
    {"app in (web,x)", "{}", false},
    {"app notin (web,x)", "{\"app\":\"y\"}", true},
    {"app notin (web,x)", "{\"app\":\"x\"}", false},
    {"app notin (web,x)", "{}", true},
    {"app notin (web,x)", "null", true},
    {"app in ()", "{\"app\":\"\"}", true},
    {"app in (,a)", "{\"app\":\"\"}", true},
    {"app in (a,)", "{\"app\":\"\"}", true},
    {"app in (a,,b)", "{\"app\":\"b\"}", true},
    /* keywords are plain identifiers where a value is expected */
    {"app=in", "{\"app\":\"in\"}", true},
    {"in in (notin)", "{\"in\":\"notin\"}", true},
    /* prefixed keys */
    {"kubernetes.io/service-name=web", "{\"kubernetes.io/service-name\":\"web\"}", true},
    {"!service.kubernetes.io/headless,!service.kubernetes.io/service-proxy-name",
     "{\"app\":\"web\"}", true},
    {"!service.kubernetes.io/headless,!service.kubernetes.io/service-proxy-name",
     "{\"service.kubernetes.io/headless\":\"\"}", false},
    {"kubernetes.io/cluster-service=true", "{\"kubernetes.io/cluster-service\":\"true\"}", true},
    /* integer comparisons */
    {"v>5", "{\"v\":\"6\"}", true},
    {"v>5", "{\"v\":\"5\"}", false},
    {"v<5", "{\"v\":\"4\"}", true},
    {"v<5", "{\"v\":\"x\"}", false},
    {"v<5", "{}", false},
    /* AND of terms; the §1 URL example after decoding */
    {"!foo,app in (web,x),tier!=db", "{\"app\":\"web\"}", true},
    {"!foo,app in (web,x),tier!=db", "{\"app\":\"x\",\"tier\":\"fe\"}", true},
    {"!foo,app in (web,x),tier!=db", "{\"app\":\"web\",\"foo\":\"1\"}", false},
    {"!foo,app in (web,x),tier!=db", "{\"app\":\"y\"}", false},
    {"!foo,app in (web,x),tier!=db", "{\"app\":\"web\",\"tier\":\"db\"}", false},
    {"!foo,app in (web,x),tier!=db", "{}", false},
    {"a=1,b=2", "{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}", true},
    {"a=1,b=2", "{\"a\":\"1\"}", false},
    {"\tapp\n=\rweb ,\ttier", "{\"app\":\"web\",\"tier\":\"\"}", true},
};

static void test_label_match_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(label_cases) / sizeof(label_cases[0]); i++) {
		const struct label_case *c = &label_cases[i];
		struct selector *sel = (struct selector *)1;
		char err[512] = "x";
		cJSON *labels = cJSON_Parse(c->labels);
		int rc = sel_parse_labels(c->sel, &sel, err, sizeof(err));

		if (rc || sel_match_labels(sel, labels) != c->match)
			fail_msg("case %zu '%s' on %s: rc %d err '%s' want match=%d", i, c->sel,
				 c->labels, rc, err, c->match);
		cJSON_Delete(labels);
		sel_free(sel);
	}
}

static void test_label_empty_is_null(void **state)
{
	struct selector *sel = (struct selector *)1;

	(void)state;
	assert_int_equal(sel_parse_labels(" \t ", &sel, NULL, 0), 0);
	assert_null(sel);
	assert_int_equal(sel_parse_labels(NULL, &sel, NULL, 0), 0);
	assert_null(sel);
	assert_true(sel_match_labels(NULL, NULL));
	assert_int_equal(sel_parse_labels("a", &sel, NULL, 0), 0);
	assert_non_null(sel);
	sel_free(sel);
}

/* Upstream's exact messages (apimachinery v0.20 labels.Parse). */
struct err_case {
	const char *sel;
	const char *msg;
};

#define QNAME_RX                                                                                   \
	"must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "   \
	"an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "      \
	"for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define VALUE_RX                                                                                   \
	"a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "   \
	"or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "      \
	"'my_value',  or '12345', regex used for validation is "                                   \
	"'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
#define DNS_RX                                                                                     \
	"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "      \
	"'-' or '.', "                                                                             \
	"and must start and end with an alphanumeric character (e.g. 'example.com', regex used "   \
	"for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"

static const struct err_case label_errs[] = {
    {",a", "found ',', expected: !, identifier, or 'end of string'"},
    {"=a", "found '=', expected: !, identifier, or 'end of string'"},
    {"a,", "found '', expected: identifier after ','"},
    {"a,,b", "found ',', expected: identifier after ','"},
    {"a=b c", "found 'c', expected: ',' or 'end of string'"},
    {"!a=b", "found '=', expected: ',' or 'end of string'"},
    {"a b", "unable to parse requirement: found 'b', expected: '=', '!=', '==', 'in', notin'"},
    {"a (b)", "unable to parse requirement: found '(', expected: '=', '!=', '==', 'in', "
	      "notin'"},
    {"!", "unable to parse requirement: found '', expected: identifier"},
    {"!!a", "unable to parse requirement: found '!', expected: identifier"},
    {"a=(b)", "unable to parse requirement: found '(', expected: identifier"},
    {"a=!b", "unable to parse requirement: found '!', expected: identifier"},
    {"a in b", "unable to parse requirement: found 'b' expected: '('"},
    {"a in", "unable to parse requirement: found '' expected: '('"},
    {"a in (b", "unable to parse requirement: found '', expected: ',' or ')'"},
    {"a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'"},
    {"a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"},
    {"a in (b,=)", "unable to parse requirement: found '=', expected: ',', or identifier"},
    {"a>b", "unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an "
	    "integer"},
    {"a<", "unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an "
	   "integer"},
    {"-a", "unable to parse requirement: invalid label key \"-a\": name part " QNAME_RX},
    {"a/b/c", "unable to parse requirement: invalid label key \"a/b/c\": a qualified name " QNAME_RX
	      " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"},
    {"/a", "unable to parse requirement: invalid label key \"/a\": prefix part must be "
	   "non-empty"},
    {"a/", "unable to parse requirement: invalid label key \"a/\": name part must be "
	   "non-empty; name part " QNAME_RX},
    {"Example.com/a", "unable to parse requirement: invalid label key \"Example.com/a\": "
		      "prefix part " DNS_RX},
    {"a234567890123456789012345678901234567890123456789012345678901234",
     "unable to parse requirement: invalid label key "
     "\"a234567890123456789012345678901234567890123456789012345678901234\": name part must "
     "be no more than 63 characters"},
    {"a=-b", "unable to parse requirement: invalid label value: \"-b\": at key: \"a\": " VALUE_RX},
    {"a in (ok,b_)",
     "unable to parse requirement: invalid label value: \"b_\": at key: \"a\": " VALUE_RX},
    {"a=b234567890123456789012345678901234567890123456789012345678901234",
     "unable to parse requirement: invalid label value: "
     "\"b234567890123456789012345678901234567890123456789012345678901234\": at key: \"a\": "
     "must be no more than 63 characters"},
    {"a=\"b\"", "unable to parse requirement: invalid label value: \"\\\"b\\\"\": at key: "
		"\"a\": " VALUE_RX},
};

static void test_label_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(label_errs) / sizeof(label_errs[0]); i++) {
		struct selector *sel = (struct selector *)1;
		char err[2048] = "";
		int rc = sel_parse_labels(label_errs[i].sel, &sel, err, sizeof(err));

		if (rc != -EINVAL || sel != NULL || strcmp(err, label_errs[i].msg))
			fail_msg("case %zu '%s': rc %d\n got: %s\nwant: %s", i, label_errs[i].sel,
				 rc, err, label_errs[i].msg);
	}
}

/* A small error buffer is truncated, never overrun. */
static void test_label_error_truncated(void **state)
{
	struct selector *sel;
	char err[8];

	(void)state;
	memset(err, 'Z', sizeof(err));
	assert_int_equal(sel_parse_labels("a in (", &sel, err, 6), -EINVAL);
	assert_int_equal(strlen(err), 5);
	assert_int_equal(err[7], 'Z');
	assert_int_equal(sel_parse_labels("a in (", &sel, NULL, 0), -EINVAL);
}

static const char *const pod_fields[] = {"spec.nodeName",
					 "status.phase",
					 "status.podIP",
					 "spec.restartPolicy",
					 "spec.schedulerName",
					 "spec.serviceAccountName",
					 NULL};
static const char *const event_fields[] = {"involvedObject.name", "involvedObject.namespace",
					   "involvedObject.kind", "involvedObject.uid", NULL};

struct field_case {
	const char *sel;
	const char *obj;
	bool match;
};

static const struct field_case field_cases[] = {
    {"", "{}", true},
    {"metadata.name=web", "{\"metadata\":{\"name\":\"web\"}}", true},
    {"metadata.name==web", "{\"metadata\":{\"name\":\"web\"}}", true},
    {"metadata.name=web", "{\"metadata\":{\"name\":\"db\"}}", false},
    {"metadata.name!=web", "{\"metadata\":{\"name\":\"db\"}}", true},
    {"metadata.name!=web", "{\"metadata\":{\"name\":\"web\"}}", false},
    /* a missing field compares as "" */
    {"metadata.namespace=", "{\"metadata\":{\"name\":\"n1\"}}", true},
    {"metadata.namespace!=", "{\"metadata\":{\"name\":\"n1\"}}", false},
    {"metadata.namespace=default", "{}", false},
    {"metadata.namespace=default", "{\"metadata\":\"notanobject\"}", false},
    /* the §1 URL example after decoding */
    {"spec.nodeName=node1,status.phase!=Failed",
     "{\"spec\":{\"nodeName\":\"node1\"},\"status\":{\"phase\":\"Running\"}}", true},
    {"spec.nodeName=node1,status.phase!=Failed",
     "{\"spec\":{\"nodeName\":\"node1\"},\"status\":{\"phase\":\"Failed\"}}", false},
    {"spec.nodeName=node1,status.phase!=Failed",
     "{\"spec\":{\"nodeName\":\"node2\"},\"status\":{\"phase\":\"Running\"}}", false},
    {"spec.nodeName=node1,status.phase!=Failed", "{\"spec\":{\"nodeName\":\"node1\"}}", true},
    {"spec.nodeName=node1,status.phase!=Failed", "{\"status\":{}}", false},
    /* escapes in values */
    {"metadata.name=a\\,b", "{\"metadata\":{\"name\":\"a,b\"}}", true},
    {"metadata.name=a\\=b\\\\", "{\"metadata\":{\"name\":\"a=b\\\\\"}}", true},
    /* an empty term is skipped */
    {"metadata.name=a,", "{\"metadata\":{\"name\":\"a\"}}", true},
};

static void test_field_match_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(field_cases) / sizeof(field_cases[0]); i++) {
		const struct field_case *c = &field_cases[i];
		struct selector *sel = (struct selector *)1;
		char err[512] = "";
		cJSON *obj = cJSON_Parse(c->obj);
		int rc = sel_parse_fields(c->sel, pod_fields, "pods", &sel, err, sizeof(err));

		assert_non_null(obj);
		if (rc || sel_match_fields(sel, obj) != c->match)
			fail_msg("case %zu '%s' on %s: rc %d err '%s' want %d", i, c->sel, c->obj,
				 rc, err, c->match);
		cJSON_Delete(obj);
		sel_free(sel);
	}
}

struct field_err_case {
	const char *sel;
	const char *const *allowed;
	const char *resource;
	const char *msg;
};

static const struct field_err_case field_errs[] = {
    {"spec.foo=1", NULL, "services",
     "\"spec.foo\" is not a known field selector: only \"metadata.name\", "
     "\"metadata.namespace\""},
    {"spec.foo=1", pod_fields, "pods", "field label not supported: spec.foo"},
    {"spec.nodeName=x", NULL, "services",
     "\"spec.nodeName\" is not a known field selector: only \"metadata.name\", "
     "\"metadata.namespace\""},
    {"involvedObject.foo=x", event_fields, "events",
     "field label not supported: involvedObject.foo"},
    /* terms are sorted before checking, as upstream does */
    {"spec.zzz=1,metadata.bad=2", NULL, "services",
     "\"metadata.bad\" is not a known field selector: only \"metadata.name\", "
     "\"metadata.namespace\""},
    {"metadata.name", NULL, "services",
     "invalid selector: 'metadata.name'; can't understand 'metadata.name'"},
    {"metadata.name=a,b", NULL, "services",
     "invalid selector: 'metadata.name=a,b'; can't understand 'b'"},
    {" ", NULL, "services", "invalid selector: ' '; can't understand ' '"},
    {"metadata.name=a=b", NULL, "services",
     "invalid field selector: unescaped character in value: 61"},
    {"metadata.name=a\\x", NULL, "services",
     "invalid field selector: invalid escape sequence: \\x"},
    {"metadata.name=a\\", NULL, "services", "invalid field selector: invalid escape sequence: \\"},
    /* field names are not trimmed, like upstream */
    {"metadata.name =a", NULL, "services",
     "\"metadata.name \" is not a known field selector: only \"metadata.name\", "
     "\"metadata.namespace\""},
};

static void test_field_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(field_errs) / sizeof(field_errs[0]); i++) {
		const struct field_err_case *c = &field_errs[i];
		struct selector *sel = (struct selector *)1;
		char err[512] = "";
		int rc = sel_parse_fields(c->sel, c->allowed, c->resource, &sel, err, sizeof(err));

		if (rc != -EINVAL || sel || strcmp(err, c->msg))
			fail_msg("case %zu '%s': rc %d\n got: %s\nwant: %s", i, c->sel, rc, err,
				 c->msg);
	}
}

static void test_field_allowed_lists(void **state)
{
	struct selector *sel;
	char err[256];
	cJSON *ev = cJSON_Parse("{\"involvedObject\":{\"name\":\"web\",\"kind\":\"Service\"}}");

	(void)state;
	assert_int_equal(sel_parse_fields("involvedObject.name=web,involvedObject.kind=Service",
					  event_fields, "events", &sel, err, sizeof(err)),
			 0);
	assert_true(sel_match_fields(sel, ev));
	sel_free(sel);
	assert_int_equal(sel_parse_fields("involvedObject.uid=u1", event_fields, "events", &sel,
					  err, sizeof(err)),
			 0);
	assert_false(sel_match_fields(sel, ev));
	sel_free(sel);
	cJSON_Delete(ev);
	/* non-string field values compare as their text */
	ev = cJSON_Parse("{\"spec\":{\"unschedulable\":true,\"n\":3}}");
	{
		static const char *const node_fields[] = {"spec.unschedulable", "spec.n", NULL};

		assert_int_equal(sel_parse_fields("spec.unschedulable=true,spec.n=3", node_fields,
						  "nodes", &sel, err, sizeof(err)),
				 0);
		assert_true(sel_match_fields(sel, ev));
		sel_free(sel);
	}
	cJSON_Delete(ev);
}

struct eq_case {
	const char *sel;
	const char *field;
	const char *want; /* NULL: no exact requirement */
};

static const struct eq_case eq_cases[] = {
    {"metadata.name=web", "metadata.name", "web"},
    {"metadata.name==web", "metadata.name", "web"},
    {"metadata.name!=web", "metadata.name", NULL},
    {"metadata.namespace=ns,metadata.name=x", "metadata.name", "x"},
    {"metadata.namespace=ns", "metadata.name", NULL},
    {"metadata.name=", "metadata.name", ""},
    {"", "metadata.name", NULL},
};

static void test_field_equals(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(eq_cases) / sizeof(eq_cases[0]); i++) {
		struct selector *sel;
		char err[256];
		const char *got;

		assert_int_equal(
		    sel_parse_fields(eq_cases[i].sel, NULL, "services", &sel, err, sizeof(err)), 0);
		got = sel_field_equals(sel, eq_cases[i].field);
		if (eq_cases[i].want)
			assert_non_null(got);
		if (!eq_cases[i].want)
			assert_null(got);
		else
			assert_string_equal(got, eq_cases[i].want);
		sel_free(sel);
	}
}

static void test_from_map(void **state)
{
	cJSON *m = cJSON_Parse("{\"tier\":\"fe\",\"app\":\"web\"}");
	cJSON *yes = cJSON_Parse("{\"app\":\"web\",\"tier\":\"fe\",\"x\":\"y\"}");
	cJSON *no = cJSON_Parse("{\"app\":\"web\"}");
	cJSON *empty = cJSON_Parse("{}");
	struct selector *sel = sel_from_map(m);
	char *s;

	(void)state;
	assert_non_null(sel);
	assert_true(sel_match_labels(sel, yes));
	assert_false(sel_match_labels(sel, no));
	assert_false(sel_match_labels(sel, NULL));
	sel_free(sel);
	assert_null(sel_from_map(empty));
	assert_null(sel_from_map(NULL));

	s = sel_map_string(m);
	assert_string_equal(s, "app=web,tier=fe");
	free(s);
	s = sel_map_string(empty);
	assert_string_equal(s, "");
	free(s);
	s = sel_map_string(NULL);
	assert_string_equal(s, "");
	free(s);
	cJSON_Delete(m);
	cJSON_Delete(yes);
	cJSON_Delete(no);
	cJSON_Delete(empty);
}

/* Keys with prefixes and the validators used directly. */
static void test_validators(void **state)
{
	char msg[1024];

	(void)state;
	assert_int_equal(sel_valid_label_key("service.kubernetes.io/headless", msg, sizeof(msg)),
			 0);
	assert_int_equal(sel_valid_label_key("a.b-c_d", msg, sizeof(msg)), 0);
	assert_int_equal(sel_valid_label_key("a..b/c", msg, sizeof(msg)), -EINVAL);
	assert_int_equal(sel_valid_label_key("-a.com/c", msg, sizeof(msg)), -EINVAL);
	assert_int_equal(sel_valid_label_value("", msg, sizeof(msg)), 0);
	assert_int_equal(sel_valid_label_value("A.b_c-9", msg, sizeof(msg)), 0);
	assert_int_equal(sel_valid_label_value("a b", msg, sizeof(msg)), -EINVAL);
	assert_int_equal(sel_valid_dns_subdomain("example.com", msg, sizeof(msg)), 0);
	assert_int_equal(sel_valid_dns_subdomain("example.com.", msg, sizeof(msg)), -EINVAL);
	assert_int_equal(sel_valid_dns_subdomain("ex_ample", msg, sizeof(msg)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_label_match_table),
	    cmocka_unit_test(test_label_empty_is_null),
	    cmocka_unit_test(test_label_errors),
	    cmocka_unit_test(test_label_error_truncated),
	    cmocka_unit_test(test_field_match_table),
	    cmocka_unit_test(test_field_errors),
	    cmocka_unit_test(test_field_allowed_lists),
	    cmocka_unit_test(test_field_equals),
	    cmocka_unit_test(test_from_map),
	    cmocka_unit_test(test_validators),
	};

	return cmocka_run_group_tests_name("selector", tests, NULL, NULL);
}
