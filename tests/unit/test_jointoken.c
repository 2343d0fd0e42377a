/* Unit tests for lib/jointoken.c and skiffctl's --ttl: the token and id
 * format checks, generated tokens (format, alphabet spread, no repeats) and
 * the TTL syntax with its error naming the flag. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ctl.h"
#include "jointoken.h"

static void test_format(void **state)
{
	static const char *const good[] = {"abcdef.0123456789abcdef", "000000.zzzzzzzzzzzzzzzz"};
	static const char *const bad[] = {
	    "",
	    "abcdef",
	    "abcdef.0123456789abcde",	/* secret 15 */
	    "abcdef.0123456789abcdef0", /* secret 17 */
	    "abcde.0123456789abcdefg",	/* id 5 */
	    "Abcdef.0123456789abcdef",	/* upper case */
	    "abcdef:0123456789abcdef",	/* separator */
	    "abcdef.0123456789abcde_",	/* alphabet */
	    "abc-ef.0123456789abcdef",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(jointoken_valid(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (jointoken_valid(bad[i]))
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_false(jointoken_valid(NULL));
	assert_true(jointoken_id_valid("abc123"));
	assert_false(jointoken_id_valid("abc12"));
	assert_false(jointoken_id_valid("abc1234"));
	assert_false(jointoken_id_valid("abC123"));
	assert_false(jointoken_id_valid("abcdef.0123456789abcdef"));
}

static void test_generate(void **state)
{
	char tok[JOINTOKEN_LEN + 1], prev[JOINTOKEN_LEN + 1] = "";
	bool seen[256] = {false};
	int distinct = 0;

	(void)state;
	for (int i = 0; i < 200; i++) {
		assert_int_equal(jointoken_generate(tok), 0);
		if (!jointoken_valid(tok))
			fail_msg("generated \"%s\"", tok);
		assert_string_not_equal(tok, prev);
		memcpy(prev, tok, sizeof(tok));
		for (int k = 0; tok[k]; k++)
			seen[(unsigned char)tok[k]] = true;
	}
	for (int c = 0; c < 256; c++)
		distinct += seen[c] && c != '.';
	/* 200 tokens x 22 characters: all 36 symbols show up. */
	assert_int_equal(distinct, 36);
}

static void test_ttl(void **state)
{
	static const struct {
		const char *in;
		long long secs;
	} good[] = {
	    {"0", 0},	     {"1s", 1},	  {"30m", 1800},    {"1h", 3600}, {"24h", 86400},
	    {"1h30m", 5400}, {"90s", 90}, {"2h0m0s", 7200}, {"0s", 0},	  {"100h", 360000},
	};
	static const char *const bad[] = {
	    "", "1", "1d", "-1h", "1.5h", "h", "1ms", "1h ", " 1h", "1hh", "99999999999999999999h"};
	long long secs;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		secs = -1;
		assert_int_equal(jointoken_parse_ttl(good[i].in, &secs), 0);
		assert_int_equal(secs, good[i].secs);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (jointoken_parse_ttl(bad[i], &secs) == 0)
			fail_msg("accepted --ttl \"%s\"", bad[i]);
	}
	assert_int_equal(jointoken_parse_ttl("99999999999999999999h", &secs), -ERANGE);
	assert_int_not_equal(ctl_token_ttl("5x", &secs, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "invalid argument \"5x\" for \"--ttl\" flag"));
	assert_int_equal(ctl_token_ttl("30m", &secs, err, sizeof(err)), 0);
	assert_int_equal(secs, 1800);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_generate),
	    cmocka_unit_test(test_ttl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
