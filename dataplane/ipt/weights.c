/* weights: least-busy statistic probabilities for the KUBE-SVC/SVL chains.
 *
 * Each endpoint of a service port has a weight; it is chosen with
 * probability w_i / sum_j w_j. iptables tries a chain's rules in order, so
 * rule i must match with the probability of choosing endpoint i given that
 * none before it was chosen: p_i = w_i / sum_{j>=i} w_j.
 *
 * The weights follow the live connection counts multiplicatively: every
 * step multiplies w_i by sqrt((mean + 1) / (active_i + 1)). An endpoint
 * holding more connections than the others gets fewer new ones until the
 * counts are level, which is what least-connections reaches; at level
 * counts the weights stop moving, at whatever share each endpoint's speed
 * needs. Weighting by 1/(1 + active) alone has no memory: a slow endpoint
 * drained by a low weight looks idle at the next count, gets a quarter of
 * the traffic again and fills up (the oscillation the balance bench
 * showed). The square root damps the step: a full step overshoots with
 * counts read every half second.
 */
#include <math.h>

#include "ipt.h"

/* No endpoint's weight falls below this fraction of the mean, so one that
 * recovers still gets connections to show it. */
#define WEIGHT_FLOOR 0.01

static bool all_equal(const double *w, uint32_t n)
{
	for (uint32_t i = 1; w && i < n; i++)
		if (w[i] != w[0])
			return false;
	return true;
}

void ipt_probabilities(const double *w, uint32_t n, double *p)
{
	double tail = 0;

	if (!n)
		return;
	if (all_equal(w, n)) {
		/* upstream's 1/(n-i), bit for bit */
		for (uint32_t i = 0; i < n; i++)
			p[i] = 1.0 / (double)(n - i);
		return;
	}
	for (uint32_t i = n; i-- > 0;) {
		tail += w[i];
		p[i] = w[i] / tail;
	}
	p[n - 1] = 1.0;
}

/* Scale v so its mean is 1. */
static void normalize(double *v, uint32_t n)
{
	double sum = 0;

	for (uint32_t i = 0; i < n; i++)
		sum += v[i];
	for (uint32_t i = 0; sum > 0 && i < n; i++)
		v[i] = v[i] * (double)n / sum;
}

void ipt_weights_step(const double *w, const uint32_t *active, uint32_t n, double *out)
{
	double mean = 0;
	bool level = true;

	for (uint32_t i = 0; i < n; i++) {
		mean += active[i];
		level = level && active[i] == active[0];
		out[i] = w[i];
	}
	if (level || !n)
		return; /* nothing to learn: the weights stay exactly */
	mean /= n;
	for (uint32_t i = 0; i < n; i++)
		out[i] = w[i] * sqrt((mean + 1.0) / ((double)active[i] + 1.0));
	normalize(out, n);
	for (uint32_t i = 0; i < n; i++)
		if (out[i] < WEIGHT_FLOOR)
			out[i] = WEIGHT_FLOOR;
	normalize(out, n);
}

static double share(const double *w, uint32_t i, double sum, uint32_t n)
{
	return w ? w[i] / sum : 1.0 / n;
}

bool ipt_weights_moved(const double *before, const double *now, uint32_t n, double threshold)
{
	double sb = 0, sn = 0;

	for (uint32_t i = 0; i < n; i++) {
		sb += before ? before[i] : 1;
		sn += now ? now[i] : 1;
	}
	for (uint32_t i = 0; i < n; i++)
		if (fabs(share(now, i, sn, n) - share(before, i, sb, n)) > threshold)
			return true;
	return false;
}
