/* Unit tests for dataplane/ipt's least-busy weighting: the chained
 * statistic probabilities, equality with upstream's 1/(n-i), the
 * multiplicative step, the "moved enough" check and how ipt_set_weights
 * rewrites only what moved, in a restore without the shared chains. */
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
	static const double same[8] = {0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7};
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

/* Any weights: the overall shares are w_i / sum w, exactly. */
static void test_shares(void **state)
{
	static const double w[4] = {1.0, 0.1, 0.5, 0.25};
	double p[4], o[4], sum = 0;

	(void)state;
	ipt_probabilities(w, 4, p);
	overall(p, 4, o);
	for (int i = 0; i < 4; i++)
		sum += w[i];
	for (int i = 0; i < 4; i++)
		assert_true(fabs(o[i] - w[i] / sum) < 1e-12);
	assert_true(p[3] == 1.0);
	for (int i = 0; i < 3; i++)
		assert_true(p[i] > 0 && p[i] < 1);
}

/* The step: the busy endpoint loses weight, idle endpoints change
 * nothing, an endpoint with as many connections as the others but a
 * smaller share is the slower one and loses too, repeated steps keep
 * lowering an endpoint that stays busier, the floor holds and the mean
 * stays 1. */
static void test_step(void **state)
{
	static const double one[4] = {1, 1, 1, 1};
	static const uint32_t busy[4] = {0, 9, 1, 3}, idle[4] = {0, 0, 0, 0};
	static const uint32_t level[4] = {5, 5, 5, 5}, stuck[3] = {100, 0, 0};
	double w[4], x[4], sum = 0;

	(void)state;
	ipt_weights_step(one, one, busy, 4, w);
	for (int i = 0; i < 4; i++)
		sum += w[i];
	assert_true(fabs(sum - 4) < 1e-12);
	assert_true(w[1] < w[3] && w[3] < w[2] && w[2] < w[0]);
	/* ((A + 1) / (a / p + 1))^0.4, A = 13, p = 1/4: endpoint 1 against 0 */
	assert_true(fabs(w[1] / w[0] - pow(14.0 / 37, 0.4) / pow(14.0, 0.4)) < 1e-12);

	/* nothing open: exactly the weights given, whatever they are */
	ipt_weights_step(w, w, idle, 4, x);
	for (int i = 0; i < 4; i++)
		assert_true(x[i] == w[i]);
	/* equal shares and equal counts: exactly too */
	ipt_weights_step(one, one, level, 4, x);
	for (int i = 0; i < 4; i++)
		assert_true(x[i] == 1.0);
	/* equal counts, unequal shares: the small share is the slow one */
	ipt_weights_step(w, w, level, 4, x);
	assert_true(x[1] / x[0] < w[1] / w[0]);

	/* memory: one endpoint that stays busy keeps losing, down to the floor */
	{
		double v[3] = {1, 1, 1}, prev = 1;

		for (int k = 0; k < 60; k++) {
			ipt_weights_step(v, v, stuck, 3, v);
			assert_true(v[0] <= prev + 1e-15);
			prev = v[0];
		}
		assert_true(v[0] >= 0.0099 && v[0] < 0.011);
		assert_true(fabs(v[1] - v[2]) < 1e-12);
		assert_true(fabs(v[0] + v[1] + v[2] - 3) < 1e-9);
	}
	ipt_weights_step(NULL, NULL, NULL, 0, NULL); /* no endpoint: nothing */
}

static void test_moved(void **state)
{
	static const double a[3] = {1, 1, 1}, b[3] = {1, 1.02, 1}, c[3] = {2, 0.1, 0.1};
	static const double d[3] = {3, 3, 3};

	(void)state;
	assert_false(ipt_weights_moved(a, a, 3, 0.01));
	assert_false(ipt_weights_moved(a, b, 3, 0.01)); /* shares move < 1 point */
	assert_true(ipt_weights_moved(a, c, 3, 0.01));	/* 0.33 -> 0.91 */
	assert_false(ipt_weights_moved(a, d, 3, 0.01)); /* heavier, but the same balance */
	assert_false(ipt_weights_moved(NULL, a, 3, 0.01));
	assert_true(ipt_weights_moved(NULL, c, 3, 0.01));
	assert_true(ipt_weights_moved(a, b, 3, 0.001)); /* the threshold is the knob */
	{
		/* .333 -> .394: under 0.6 and under half of itself */
		static const double e[3] = {1.3, 1, 1};

		assert_false(ipt_weights_moved(a, e, 3, 0.6));
	}
	assert_true(ipt_weights_moved(a, c, 3, 0.6)); /* .333 -> .045: less than half */
	{
		/* 100 endpoints: one share halving is under a point, still moved */
		double h[100], g[100];

		for (int i = 0; i < 100; i++)
			h[i] = g[i] = 1;
		g[0] = 0.45;
		assert_true(ipt_weights_moved(h, g, 100, 0.01));
		g[0] = 0.8;
		assert_false(ipt_weights_moved(h, g, 100, 0.01));
	}
	assert_false(ipt_weights_moved(NULL, NULL, 0, 0.01));
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

/* A sync's restore input as text (partial unless full). */
static char *render_as(struct ipt *t, bool full)
{
	char *text;
	size_t len;

	assert_int_equal(ipt_render(t, full, &text, &len), 0);
	return text;
}

/* Through the rules: adopted only past the threshold, then the chain's
 * probabilities follow the weights; weights stay with their endpoints; a
 * weights-only change is a restore of the moved chain alone. */
static void test_set_weights(void **state)
{
	struct fx_bins bins;
	struct ipt_opts o;
	struct ipt *t;
	uint32_t small[3] = {1, 1, 2}, busy[3] = {0, 40, 0}, four[4] = {0, 0, 0, 0};
	uint32_t close_[3] = {35, 36, 29}; /* about as the shares: L_i alike */
	char svc[IPT_CHAIN_MAX];
	double w[3], p0;
	struct fx f;
	char *a, *b;

	(void)state;
	fx_bins_make(&bins); /* syncs run stand-ins, never the host's iptables */
	ipt_opts_default(&o);
	o.restore_bin = bins.restore;
	o.save_bin = bins.save;
	o.weight_threshold = 0.01;
	o.no_conntrack = true;
	t = ipt_new(&o);
	assert_non_null(t);
	ipt_chain_name(svc, "KUBE-SVC-", "default/web:http", "tcp", "");
	fx_init(&f, "default", "web", "http", IPPROTO_TCP, "10.96.0.60", 80);
	fx_ep(&f, "10.1.0.1", 80, "R");
	fx_ep(&f, "10.1.0.2", 80, "R");
	fx_ep(&f, "10.1.0.3", 80, "R");
	assert_int_equal(ipt_set(t, f.key, &f.sp), 0);
	a = render(t);
	assert_string_equal(prob_of(a, svc, 0), "0.3333333333");
	assert_int_equal(ipt_sync(t), 0);

	assert_int_equal(ipt_set_weights(t, "nope", small, 3), -ENOENT);
	assert_int_equal(ipt_set_weights(t, f.key, four, 4), -EINVAL);
	/* {1,1,2}: one step from equal weights */
	{
		static const double one[3] = {1, 1, 1};

		ipt_weights_step(one, one, small, 3, w);
	}
	assert_int_equal(ipt_set_weights(t, f.key, small, 3), 1);
	b = render(t);
	assert_true(fabs(atof(prob_of(b, svc, 0)) - w[0] / (w[0] + w[1] + w[2])) < 1e-9);
	assert_true(fabs(atof(prob_of(b, svc, 1)) - w[1] / (w[1] + w[2])) < 1e-9);
	assert_string_equal(prob_of(b, svc, 2), "");
	free(b);
	/* the partial restore: the KUBE-SVC chain alone, no shared chain */
	b = render_as(t, false);
	assert_true(*fx_chain(b, svc));
	assert_null(strstr(b, ":KUBE-SERVICES"));
	assert_null(strstr(b, "*filter"));
	assert_null(strstr(b, ":KUBE-SEP-"));
	free(b);
	assert_int_equal(ipt_sync(t), 0);
	assert_int_equal(ipt_stats(t)->weight_syncs, 1);
	assert_int_equal(ipt_stats(t)->chains_written, 1);
	b = (char *)fx_read(bins.dir, "in");
	assert_true(*fx_chain(b, svc));
	assert_null(strstr(b, "KUBE-SERVICES"));

	/* a step under one point of share is not adopted: nothing to write */
	assert_int_equal(ipt_set_weights(t, f.key, close_, 3), 0);
	b = render_as(t, false);
	assert_false(*fx_chain(b, svc));
	free(b);
	/* but the same small imbalance, again and again, adds up and lands */
	{
		int k = 0;

		while (ipt_set_weights(t, f.key, close_, 3) == 0 && k < 50)
			k++;
		assert_true(k > 0 && k < 50);
	}

	/* the endpoint that stays busy keeps losing share, step after step,
	 * until the floor leaves less than a point to move */
	p0 = 1.0 / 3;
	{
		int steps = 0, r;

		while ((r = ipt_set_weights(t, f.key, busy, 3)) == 1 && steps < 20) {
			double share1;

			b = render(t);
			share1 = (1 - atof(prob_of(b, svc, 0))) * atof(prob_of(b, svc, 1));
			assert_true(share1 < p0);
			p0 = share1;
			free(b);
			steps++;
		}
		assert_int_equal(r, 0);
		assert_true(steps >= 2);
	}
	/* one step less would move its share by under a point */
	assert_true(p0 < 0.03);

	/* a new endpoint starts at weight 1 (the mean); the others keep theirs */
	fx_ep(&f, "10.1.0.4", 80, "R");
	assert_int_equal(ipt_set(t, f.key, &f.sp), 0);
	b = render(t);
	{
		double q0 = atof(prob_of(b, svc, 0)), q1 = atof(prob_of(b, svc, 1));

		/* 10.1.0.1 and .3 were level and share the old weight mass */
		assert_true(q0 > 0.3 && q0 < 0.45);
		assert_true((1 - q0) * q1 < 0.01);
	}
	free(b);
	/* an endpoint change is not weights-only: the shared chains go too */
	b = render_as(t, false);
	assert_non_null(strstr(b, ":KUBE-SERVICES"));
	free(b);
	free(a);
	ipt_free(t);
	fx_bins_remove(&bins);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_equal_is_upstream),
	    cmocka_unit_test(test_shares),
	    cmocka_unit_test(test_step),
	    cmocka_unit_test(test_moved),
	    cmocka_unit_test(test_set_weights),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
