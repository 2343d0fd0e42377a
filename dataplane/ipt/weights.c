/* weights: least-busy statistic probabilities for the KUBE-SVC/SVL chains.
 *
 * Each endpoint of a service port has a weight; it is chosen with
 * probability p_i = w_i / sum_j w_j. iptables tries a chain's rules in
 * order, so rule i must match with the probability of choosing endpoint i
 * given that none before it was chosen: w_i / sum_{j>=i} w_j.
 *
 * The weights follow the live connection counts a_i. By Little's law an
 * endpoint's connections last L_i = a_i / lambda_i, and its arrival rate
 * lambda_i is p_i times the service's, so a_i / p_i measures how long its
 * connections stay open — its latency — in the same unit for every
 * endpoint, without timing anything. Every step multiplies each weight by
 * ((A + 1) / (a_i / p_i + 1))^0.4, A = sum_j a_j (the p-weighted mean of
 * a_i / p_i): an endpoint whose connections last longer than the average
 * gets fewer new ones, until all last alike. That is least-connections
 * corrected for speed: a 10x slower endpoint holding as many connections
 * as the others is slower, and settles where its connections are as short
 * as theirs (about 2 % of the traffic instead of least-connections' 3 %
 * with a queue). Idle endpoints (every a_i 0) leave the weights exactly
 * as they are.
 *
 * Why not w = 1/(1 + a), the first version: it has no memory. A slow
 * endpoint drained by a low weight looks idle at the next count, gets a
 * quarter of the traffic again and fills up; the balance bench's p99 was
 * kube-proxy's. And why not level counts (w *= sqrt((mean + 1)/(a + 1))),
 * the second: it reaches least-connections' equilibrium, where the slow
 * endpoint holds a queue as long as the others', so its latency is the
 * p99, and counts read every half second make it swing around that. The
 * exponent 0.4 damps the step (a simulated closed loop of the bench's
 * balance case settles with p99 within 2x of its best for periods from
 * 0.5 to 1.5 s; 0.5 and above overshoot).
 */
#include <math.h>

#include "ipt.h"

/* No endpoint's weight falls below this fraction of the mean, so one that
 * recovers still gets connections to show it. */
#define WEIGHT_FLOOR 0.01

/* A share that changes by this fraction of itself has moved too. */
#define WEIGHT_RELATIVE 0.5

/* The damping of one step (see above). */
#define WEIGHT_STEP_EXP 0.4

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

void ipt_weights_step(const double *applied, const double *w, const uint32_t *active, uint32_t n,
		      double *out)
{
	double sum = 0, total = 0;

	for (uint32_t i = 0; i < n; i++) {
		sum += applied[i];
		total += active[i];
		out[i] = w[i];
	}
	if (!total || !n || sum <= 0)
		return; /* nothing to learn: the weights stay exactly */
	for (uint32_t i = 0; i < n; i++) {
		/* a_i / p_i + 1 with the share the rules route by; a weight of
		 * 0 (not one of ours) is floored */
		double life = applied[i] > 0 ? (double)active[i] * sum / applied[i] + 1.0 : 0;

		out[i] = life > 0 ? w[i] * pow((total + 1.0) / life, WEIGHT_STEP_EXP) : 0;
	}
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
	for (uint32_t i = 0; i < n; i++) {
		double a = share(before, i, sb, n), b = share(now, i, sn, n);
		double d = fabs(b - a), big = a > b ? a : b;

		/* a point of share, or a share halved or doubled (a small one:
		 * with 100 endpoints no single share moves a point) */
		if (d > threshold || (big > 0 && d > WEIGHT_RELATIVE * big))
			return true;
	}
	return false;
}
