/* Unit tests for lib/jcmp.c: structural equality as a table, its
 * cost on deep and wide trees, and measurement against cJSON's printer. */
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
#include "jcmp.h"

static const struct {
	const char *a, *b;
	int want;
} jcmp_cases[] = {
    {"{}", "{}", 1},
    {"{\"a\":1,\"b\":[1,2]}", "{\"b\":[1,2],\"a\":1}", 1},
    {"{\"a\":1}", "{\"A\":1}", 0},
    {"{\"a\":1}", "{\"a\":1,\"b\":2}", 0},
    {"{\"a\":1,\"b\":2}", "{\"a\":1}", 0},
    {"[1,2]", "[2,1]", 0},
    {"[1,2]", "[1,2,3]", 0},
    {"80", "80.0", 1},
    {"80", "\"80\"", 0},
    {"\"x\"", "\"x\"", 1},
    {"\"x\"", "\"y\"", 0},
    {"null", "false", 0},
    {"true", "true", 1},
    {"{\"a\":{\"b\":{\"c\":[{\"d\":null}]}}}", "{\"a\":{\"b\":{\"c\":[{\"d\":null}]}}}", 1},
    {"{\"a\":{\"b\":{\"c\":[{\"d\":null}]}}}", "{\"a\":{\"b\":{\"c\":[{\"d\":0}]}}}", 0},
    /* repeated keys are matched occurrence by occurrence */
    {"{\"x\":1,\"x\":1}", "{\"x\":1,\"y\":1}", 0},
    {"{\"x\":1,\"y\":2,\"x\":3}", "{\"y\":2,\"x\":1,\"x\":3}", 1},
    {"{\"x\":1,\"x\":3}", "{\"x\":3,\"x\":1}", 0},
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(jcmp_cases) / sizeof(jcmp_cases[0]); i++) {
		cJSON *a = cJSON_Parse(jcmp_cases[i].a), *b = cJSON_Parse(jcmp_cases[i].b);

		assert_non_null(a);
		assert_non_null(b);
		if (jcmp_equal(a, b) != jcmp_cases[i].want ||
		    jcmp_equal(b, a) != jcmp_cases[i].want)
			fail_msg("%s vs %s: want %d", jcmp_cases[i].a, jcmp_cases[i].b,
				 jcmp_cases[i].want);
		cJSON_Delete(a);
		cJSON_Delete(b);
	}
	assert_int_equal(jcmp_equal(NULL, NULL), 1);
	{
		cJSON *v = cJSON_CreateObject();

		assert_int_equal(jcmp_equal(v, NULL), 0);
		cJSON_Delete(v);
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Two members per level, n levels, the last leaf set to leaf: cJSON_Compare
 * visits 2^n nodes for it. */
static cJSON *deep(int n, int leaf)
{
	cJSON *root = cJSON_CreateObject(), *cur = root;

	for (int i = 0; i < n; i++) {
		cJSON_AddNumberToObject(cur, "b", i);
		cur = cJSON_AddObjectToObject(cur, "a");
	}
	cJSON_AddNumberToObject(cur, "leaf", leaf);
	return root;
}

/* 1000 levels (cJSON's parse limit) and 100,000 levels (beyond anything
 * parsed: no recursion, so no stack to exhaust), equal and not. */
static void test_deep(void **state)
{
	int depths[] = {40, 1000, 100000};
	double t0 = now_s();

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		cJSON *a = deep(depths[i], 1), *b = deep(depths[i], 1), *c = deep(depths[i], 2);

		assert_int_equal(jcmp_equal(a, b), 1);
		assert_int_equal(jcmp_equal(a, c), 0);
		cJSON_Delete(a);
		cJSON_Delete(b);
		cJSON_Delete(c);
	}
	printf("# deep compares: %.3f s\n", now_s() - t0);
	assert_true(now_s() - t0 < 5.0);
}

/* 200,000 keys in opposite orders: sorted, not scanned. */
static void test_wide(void **state)
{
	cJSON *a = cJSON_CreateObject(), *b = cJSON_CreateObject();
	char k[16];
	double t0;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		cJSON_AddNumberToObject(a, k, i);
		snprintf(k, sizeof(k), "k%d", 200000 - 1 - i);
		cJSON_AddNumberToObject(b, k, 200000 - 1 - i);
	}
	t0 = now_s();
	assert_int_equal(jcmp_equal(a, b), 1);
	cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(b, "k7"), 8);
	assert_int_equal(jcmp_equal(a, b), 0);
	printf("# 200000-key compares: %.3f s\n", now_s() - t0);
	assert_true(now_s() - t0 < 5.0);
	cJSON_Delete(a);
	cJSON_Delete(b);
}

/* jcmp_measure's bytes are strlen(cJSON_PrintUnformatted). */
static void test_measure(void **state)
{
	static const char *const docs[] = {
	    "{}",
	    "[]",
	    "0",
	    "-12",
	    "-0",
	    "1e300",
	    "0.1",
	    "3.141592653589793",
	    "123456789012",
	    "\"a\\\"b\\\\c\\n\\t\\u0001\\u00e9\"",
	    "{\"k\\n\":[true,false,null,{\"x\":[[]]}],\"y\":-0.5}",
	};
	struct jcmp_size sz;

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		cJSON *v = cJSON_Parse(docs[i]);
		char *s = cJSON_PrintUnformatted(v);

		assert_int_equal(jcmp_measure(v, &sz), 0);
		if (sz.bytes != strlen(s))
			fail_msg("%s: measured %zu, printed %zu (%s)", docs[i], sz.bytes, strlen(s),
				 s);
		free(s);
		cJSON_Delete(v);
	}
	{
		cJSON *v = cJSON_Parse("{\"a\":[{\"b\":1}],\"c\":2}");

		assert_int_equal(jcmp_measure(v, &sz), 0);
		assert_int_equal(sz.depth, 3);
		assert_int_equal(sz.nodes, 5);
		cJSON_Delete(v);
		v = deep(100000, 1);
		assert_int_equal(jcmp_measure(v, &sz), 0);
		assert_int_equal(sz.depth, 100001);
		cJSON_Delete(v);
	}
	assert_int_equal(jcmp_measure(NULL, &sz), 0);
	assert_int_equal(sz.bytes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_deep),
	    cmocka_unit_test(test_wide),
	    cmocka_unit_test(test_measure),
	};

	return cmocka_run_group_tests_name("jcmp", tests, NULL, NULL);
}
