/* Unit tests for lib/yamljson.c: scalar typing, multi-document input,
 * JSON input, error positions, and emit -> parse round trips. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "yamljson.h"

/* One YAML document and the JSON it must parse to. */
struct parse_case {
	const char *yaml;
	const char *json;
};

static const struct parse_case parse_cases[] = {
    /* plain scalars are typed by spelling (YAML 1.1 as go-yaml v2) */
    {"a: 80", "{\"a\":80}"},
    {"a: -3", "{\"a\":-3}"},
    {"a: 0x1F", "{\"a\":31}"},
    {"a: 0644", "{\"a\":420}"}, /* octal: kubectl's defaultMode gotcha */
    {"a: 0o17", "{\"a\":15}"},
    {"a: 1_000", "{\"a\":1000}"},
    {"a: 1.5e3", "{\"a\":1500}"},
    {"a: .5", "{\"a\":0.5}"},
    {"a: true", "{\"a\":true}"},
    {"a: yes", "{\"a\":true}"},
    {"a: Off", "{\"a\":false}"},
    {"a: ~", "{\"a\":null}"},
    {"a:", "{\"a\":null}"},
    {"a: null", "{\"a\":null}"},
    {"a: y", "{\"a\":\"y\"}"},
    {"a: 1.2.3", "{\"a\":\"1.2.3\"}"},
    {"a: 10.96.0.1", "{\"a\":\"10.96.0.1\"}"},
    {"a: 2021-01-13T13:20:00Z", "{\"a\":\"2021-01-13T13:20:00Z\"}"},
    /* quoted and tagged scalars are strings */
    {"a: \"80\"", "{\"a\":\"80\"}"},
    {"a: 'true'", "{\"a\":\"true\"}"},
    {"a: !!str 443", "{\"a\":\"443\"}"},
    {"a: !!int \"7\"", "{\"a\":7}"},
    /* keys are always strings */
    {"80: http\ntrue: x", "{\"80\":\"http\",\"true\":\"x\"}"},
    /* block scalars */
    {"a: |\n  l1\n  l2\n", "{\"a\":\"l1\\nl2\\n\"}"},
    {"a: >-\n  w1\n  w2\n", "{\"a\":\"w1 w2\"}"},
    /* collections, flow and block */
    {"a: [1, b, {c: d}]", "{\"a\":[1,\"b\",{\"c\":\"d\"}]}"},
    {"a:\n- x\n- y: 1\n  z: 2", "{\"a\":[\"x\",{\"y\":1,\"z\":2}]}"},
    {"a: {}\nb: []", "{\"a\":{},\"b\":[]}"},
    /* anchors, aliases and merge keys */
    {"b: &x {p: 1, q: 2}\nc:\n  <<: *x\n  q: 3",
     "{\"b\":{\"p\":1,\"q\":2},\"c\":{\"q\":3,\"p\":1}}"},
    {"l: &v [1, 2]\nm: *v", "{\"l\":[1,2],\"m\":[1,2]}"},
    /* JSON is accepted as is */
    {"{\"kind\":\"List\",\"items\":[{\"a\":1e2}]}", "{\"kind\":\"List\",\"items\":[{\"a\":100}]}"},
    {"  [1, \"x\", null]\n", "[1,\"x\",null]"},
};

static void test_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		char err[256] = "";
		cJSON *got = yamljson_parse_one(c->yaml, strlen(c->yaml), err, sizeof(err));
		cJSON *want = cJSON_Parse(c->json);

		if (!got || !cJSON_Compare(got, want, true)) {
			char *s = got ? cJSON_PrintUnformatted(got) : NULL;

			print_error("case %zu: %s\n  got  %s (%s)\n  want %s\n", i, c->yaml,
				    s ? s : "NULL", err, c->json);
			free(s);
			fail();
		}
		cJSON_Delete(got);
		cJSON_Delete(want);
	}
}

struct collect {
	int count;
	int lines[8];
	cJSON *docs[8];
};

static int collect_cb(void *ud, cJSON *doc, int index, int line)
{
	struct collect *c = ud;

	assert_int_equal(index, c->count);
	assert_true(c->count < 8);
	c->lines[c->count] = line;
	c->docs[c->count++] = doc;
	return 0;
}

static void test_multi_doc(void **state)
{
	const char *y = "kind: A\n"
			"---\n"
			"# only a comment\n"
			"---\n"
			"kind: B\n"
			"n: 1\n"
			"---\n"
			"---\n"
			"kind: C\n"
			"...\n";
	struct collect c = {0};
	char err[256];

	(void)state;
	assert_int_equal(yamljson_parse_docs(y, strlen(y), collect_cb, &c, err, sizeof(err)), 0);
	/* Empty documents are skipped; the others keep their order. */
	assert_int_equal(c.count, 3);
	assert_string_equal(cJSON_GetObjectItem(c.docs[0], "kind")->valuestring, "A");
	assert_string_equal(cJSON_GetObjectItem(c.docs[1], "kind")->valuestring, "B");
	assert_string_equal(cJSON_GetObjectItem(c.docs[2], "kind")->valuestring, "C");
	assert_int_equal(c.lines[0], 1);
	assert_int_equal(c.lines[1], 4);
	for (int i = 0; i < c.count; i++)
		cJSON_Delete(c.docs[i]);
}

static int stop_cb(void *ud, cJSON *doc, int index, int line)
{
	(void)line;
	cJSON_Delete(doc);
	*(int *)ud = index + 1;
	return index == 1 ? 42 : 0;
}

static void test_callback_stops(void **state)
{
	const char *y = "a: 1\n---\nb: 2\n---\nc: 3\n";
	char err[64];
	int seen = 0;

	(void)state;
	assert_int_equal(yamljson_parse_docs(y, strlen(y), stop_cb, &seen, err, sizeof(err)), 42);
	assert_int_equal(seen, 2);
}

/* Bad input and the line the error must name. */
struct err_case {
	const char *yaml;
	const char *want; /* substring of the message */
};

static const struct err_case err_cases[] = {
    {"a: 1\nb: 2\n  c: 3\n", "line 3,"},
    {"a: 1\n---\nx:\n  - a\n  y: 1\n", "line 5,"},
    {"kind: A\nspec: [1, 2\n", "line 3,"},
    {"a: 1\na: 2\n", "line 2, column 1: duplicate key \"a\""},
    {"a: *nope\n", "line 1, column 4: unknown anchor \"nope\""},
    {"a: \"unterminated\n", "line 2,"},
    {"a: !!int abc\n", "line 1,"},
    {"a: !!bogus 1\n", "unsupported tag"},
    {"\t- x\n", "line 1,"},
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		char err[256] = "";
		cJSON *got = yamljson_parse_all(err_cases[i].yaml, strlen(err_cases[i].yaml), err,
						sizeof(err));

		if (got || !strstr(err, err_cases[i].want)) {
			print_error("case %zu: %s\n  err \"%s\", want \"%s\"\n", i,
				    err_cases[i].yaml, err, err_cases[i].want);
			fail();
		}
	}
}

static void test_alias_bomb(void **state)
{
	/* Each level doubles: 2^30 values if expanded naively. */
	char y[4096];
	size_t off = snprintf(y, sizeof(y), "a0: &a0 [x, x]\n");
	char err[256];

	(void)state;
	for (int i = 1; i <= 30; i++)
		off += snprintf(y + off, sizeof(y) - off, "a%d: &a%d [*a%d, *a%d]\n", i, i, i - 1,
				i - 1);
	assert_null(yamljson_parse_all(y, off, err, sizeof(err)));
	assert_non_null(strstr(err, "too large"));
}

/* Strings that must come back as the same string after emit + parse. */
static const char *const tricky_strings[] = {
    "80",
    "0644",
    "0x1F",
    "1e3",
    ".5",
    "-1",
    "true",
    "false",
    "yes",
    "no",
    "on",
    "Off",
    "y",
    "N",
    "null",
    "~",
    "",
    "1.0",
    ".inf",
    ".NaN",
    "2021-01-13T13:20:00Z",
    "2021-01-13",
    "<<",
    "- x",
    "a: b",
    "#c",
    "x #y",
    " lead",
    "trail ",
    "*ref",
    "&anc",
    "!tag",
    "{}",
    "[a]",
    "@at",
    "`bt",
    "%p",
    "line1\nline2\n",
    "no newline\nend",
    "\ttab",
    "quote\"s",
    "back\\slash",
    "unicodé ✓",
    "{\"json\":\"in a string\"}\n",
};

static void test_string_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(tricky_strings) / sizeof(tricky_strings[0]); i++) {
		cJSON *obj = cJSON_CreateObject(), *back;
		char *y, err[256];

		cJSON_AddStringToObject(obj, "v", tricky_strings[i]);
		cJSON_AddStringToObject(obj, tricky_strings[i], "key");
		y = yamljson_emit(obj);
		assert_non_null(y);
		back = yamljson_parse_one(y, strlen(y), err, sizeof(err));
		if (!back || !cJSON_Compare(obj, back, true)) {
			print_error("string \"%s\" did not survive:\n%s\n(%s)\n", tricky_strings[i],
				    y, back ? "differs" : err);
			fail();
		}
		free(y);
		cJSON_Delete(obj);
		cJSON_Delete(back);
	}
}

static void test_emit_layout(void **state)
{
	/* kubectl's layout: sorted keys, lists at their key's indentation,
	 * numbers-as-strings double-quoted, multi-line text as a block. */
	const char *json =
	    "{\"spec\":{\"ports\":[{\"port\":80,\"name\":\"http\"}],\"ip\":\"10.96.0.1\"},"
	    "\"metadata\":{\"resourceVersion\":\"102\",\"name\":\"web\","
	    "\"annotations\":{\"note\":\"a\\nb\\n\"},\"labels\":{}},"
	    "\"kind\":\"Service\",\"apiVersion\":\"v1\",\"nil\":null,\"f\":1.5,"
	    "\"t\":true,\"e\":[]}";
	const char *want = "apiVersion: v1\n"
			   "e: []\n"
			   "f: 1.5\n"
			   "kind: Service\n"
			   "metadata:\n"
			   "  annotations:\n"
			   "    note: |\n"
			   "      a\n"
			   "      b\n"
			   "  labels: {}\n"
			   "  name: web\n"
			   "  resourceVersion: \"102\"\n"
			   "nil: null\n"
			   "spec:\n"
			   "  ip: 10.96.0.1\n"
			   "  ports:\n"
			   "  - name: http\n"
			   "    port: 80\n"
			   "t: true\n";
	cJSON *v = cJSON_Parse(json);
	char *y = yamljson_emit(v);

	(void)state;
	assert_non_null(y);
	assert_string_equal(y, want);
	free(y);
	cJSON_Delete(v);
}

static void test_emit_round_trip_numbers(void **state)
{
	const char *json = "{\"a\":[0,-1,3.25,1e-7,123456789012,-0.5,1e300]}";
	cJSON *v = cJSON_Parse(json), *back;
	char *y = yamljson_emit(v), err[128];

	(void)state;
	back = yamljson_parse_one(y, strlen(y), err, sizeof(err));
	assert_non_null(back);
	assert_true(cJSON_Compare(v, back, true));
	free(y);
	cJSON_Delete(v);
	cJSON_Delete(back);
}

static void test_needs_quotes(void **state)
{
	(void)state;
	assert_true(yamljson_needs_quotes("443"));
	assert_true(yamljson_needs_quotes("True"));
	assert_true(yamljson_needs_quotes(""));
	assert_false(yamljson_needs_quotes("web"));
	assert_false(yamljson_needs_quotes("10.96.0.1"));
	assert_false(yamljson_needs_quotes("443/TCP"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_table),	   cmocka_unit_test(test_multi_doc),
	    cmocka_unit_test(test_callback_stops), cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_alias_bomb),	   cmocka_unit_test(test_string_round_trip),
	    cmocka_unit_test(test_emit_layout),	   cmocka_unit_test(test_emit_round_trip_numbers),
	    cmocka_unit_test(test_needs_quotes),
	};

	return cmocka_run_group_tests_name("yamljson", tests, NULL, NULL);
}
