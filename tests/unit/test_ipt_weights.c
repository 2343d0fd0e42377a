/* Unit tests for dataplane/ipt's least-busy weighting: the chained
 * statistic probabilities, equality with upstream's 1/(n-i), the "moved
 * enough" check and how ipt_set_weights rewrites only what moved. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_ipt_fixture.h"

/* Overall chance of each endpoint from the chained rule probabilities:
 * rule i is reached when none before matched. */
static void overall(const double *p, uint32_t n, double *out)
{
	double reach = 1;

	for (uint32_t i = 0; i < n; i++) {
		out[i] = reach * p[i];
		reach *= 1 - p[i];
	}
}

/* Equal counts (or none): exactly upstream's computeProbability(n - i),
 * also as the "%0.10f" text it writes. */
static void test_equal_is_upstream(void **state)
{
	static const uint32_t same[8] = {7, 7, 7, 7, 7, 7, 7, 7};
	double p[8];

	(void)state;
	for (uint32_t n = 1; n <= 8; n++) {
		for (int pass = 0; pass < 2; pass++) {
			ipt_probabilities(pass ? same : NULL, n, p);
			for (uint32_t i = 0; i < n; i++) {
				char got[32], want[32];

				assert_true(p[i] == 1.0 / (double)(n - i));
				snprintf(got, sizeof(got), "%0.10f", p[i]);
				snprintf(want, sizeof(want), "%0.10f", 1.0 / (double)(n - i));
				assert_string_equal(got, want);
			}
		}
	}
	{
		char s[32];

		ipt_probabilities(NULL, 3, p);
		snprintf(s, sizeof(s), "%0.10f", p[0]);
		assert_string_equal(s, "0.3333333333");
	}
}

/* Weights 1/(1+active): a busy endpoint gets less, shares are exact. */
static void test_busy_gets_less(void **state)
{
	static const uint32_t active[4] = {0, 9, 1, 3};
	double p[4], o[4], w[4], sum = 0;

	(void)state;
	ipt_probabilities(active, 4, p);
	overall(p, 4, o);
	for (int i = 0; i < 4; i++) {
		w[i] = 1.0 / (1.0 + active[i]);
		sum += w[i];
	}
	for (int i = 0; i < 4; i++)
		assert_true(fabs(o[i] - w[i] / sum) < 1e-12);
	assert_true(o[1] < o[3] && o[3] < o[2] && o[2] < o[0]);
	assert_true(p[3] == 1.0);
	for (int i = 0; i < 3; i++)
		assert_true(p[i] > 0 && p[i] < 1);
	/* the busy one alone among idle ones */
	{
		static const uint32_t a2[3] = {100, 0, 0};

		ipt_probabilities(a2, 3, p);
		overall(p, 3, o);
		assert_true(o[0] < 0.01);
		assert_true(fabs(o[1] - o[2]) < 1e-12);
	}
}

static void test_moved(void **state)
{
	static const uint32_t a[3] = {10, 10, 10}, b[3] = {10, 11, 10}, c[3] = {0, 10, 10};
	static const uint32_t d[3] = {20, 20, 20};

	(void)state;
	assert_false(ipt_weights_moved(a, a, 3, 0.05));
	assert_false(ipt_weights_moved(a, b, 3, 0.05)); /* shares move < 1 point */
	assert_true(ipt_weights_moved(a, c, 3, 0.05));	/* 0.33 -> 0.85 */
	assert_false(ipt_weights_moved(a, d, 3, 0.05)); /* busier, but the same balance */
	assert_false(ipt_weights_moved(NULL, a, 3, 0.05));
	assert_true(ipt_weights_moved(NULL, c, 3, 0.05));
	assert_true(ipt_weights_moved(a, b, 3, 0.001)); /* the threshold is the knob */
	assert_false(ipt_weights_moved(a, c, 3, 0.6));
	assert_false(ipt_weights_moved(NULL, NULL, 0, 0.05));
}

/* The probability rule i of chain svc has ("" for the last). */
static const char *prob_of(const char *text, const char *svc, int i)
{
	static char out[32];
	const char *c = fx_chain(text, svc), *p;

	for (; i > 0 && c; i--)
		c = strchr(c, '\n') ? strchr(c, '\n') + 1 : NULL;
	out[0] = 0;
	if (!c || !*c)
		return NULL;
	p = strstr(c, "--probability ");
	if (p && p < strchr(c, '\n'))
		sscanf(p + 14, "%31s", out);
	return out;
}

static char *render(struct ipt *t)
{
	char *text;
	size_t len;

	assert_int_equal(ipt_render(t, true, &text, &len), 0);
	return text;
}

/* Through the rules: adopted only past the threshold, then the chain's
 * probabilities follow the counts; counts stay with their endpoints. */
static void test_set_weights(void **state)
{
	struct ipt *t = fx_ipt(NULL, 0.05);
	uint32_t small[3] = {1, 1, 2}, busy[3] = {0, 40, 0}, four[4] = {0, 0, 0, 0};
	char svc[IPT_CHAIN_MAX];
	struct fx f;
	char *a, *b;

	(void)state;
	assert_non_null(t);
	ipt_chain_name(svc, "KUBE-SVC-", "default/web:http", "tcp", "");
	fx_init(&f, "default", "web", "http", IPPROTO_TCP, "10.96.0.60", 80);
	fx_ep(&f, "10.1.0.1", 80, "R");
	fx_ep(&f, "10.1.0.2", 80, "R");
	fx_ep(&f, "10.1.0.3", 80, "R");
	assert_int_equal(ipt_set(t, f.key, &f.sp), 0);
	a = render(t);
	assert_string_equal(prob_of(a, svc, 0), "0.3333333333");

	assert_int_equal(ipt_set_weights(t, "nope", small, 3), -ENOENT);
	assert_int_equal(ipt_set_weights(t, f.key, four, 4), -EINVAL);
	/* {1,1,2} against equal: shares .375/.375/.25, moved */
	assert_int_equal(ipt_set_weights(t, f.key, small, 3), 1);
	b = render(t);
	assert_string_equal(prob_of(b, svc, 0), "0.3750000000");
	assert_string_equal(prob_of(b, svc, 1), "0.6000000000");
	assert_string_equal(prob_of(b, svc, 2), "");
	free(b);
	/* a small change is not adopted: nothing to rewrite ({10,10,20}:
	 * shares .396/.396/.208, within 5 points of .375/.375/.25) */
	small[0] = small[1] = 10;
	small[2] = 20;
	assert_int_equal(ipt_set_weights(t, f.key, small, 3), 0);
	b = render(t);
	assert_string_equal(prob_of(b, svc, 0), "0.3750000000");
	free(b);

	/* the endpoint with many connections gets a low probability */
	assert_int_equal(ipt_set_weights(t, f.key, busy, 3), 1);
	b = render(t);
	{
		double p0 = atof(prob_of(b, svc, 0)), p1 = atof(prob_of(b, svc, 1));

		/* shares 1/(2+1/41) each for the idle ones */
		assert_true(fabs(p0 - 1.0 / (2 + 1.0 / 41)) < 1e-9);
		assert_true(fabs((1 - p0) * p1 - (1.0 / 41) / (2 + 1.0 / 41)) < 1e-9);
	}
	free(b);

	/* a new endpoint: the old ones keep their counts, it starts at 0 */
	fx_ep(&f, "10.1.0.4", 80, "R");
	assert_int_equal(ipt_set(t, f.key, &f.sp), 0);
	b = render(t);
	{
		double p0 = atof(prob_of(b, svc, 0));
		double s = 3 + 1.0 / 41;

		assert_true(fabs(p0 - 1.0 / s) < 1e-9);
	}
	free(b);
	/* back to equal: upstream's text again */
	assert_int_equal(ipt_set_weights(t, f.key, four, 4), 1);
	b = render(t);
	assert_string_equal(prob_of(b, svc, 0), "0.2500000000");
	free(b);
	free(a);
	ipt_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_equal_is_upstream),
	    cmocka_unit_test(test_busy_gets_less),
	    cmocka_unit_test(test_moved),
	    cmocka_unit_test(test_set_weights),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
