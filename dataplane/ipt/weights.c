/* weights: least-busy statistic probabilities for the KUBE-SVC/SVL chains.
 *
 * iptables tries a chain's rules in order, so rule i must match with the
 * probability of choosing endpoint i given that none before it was chosen:
 * p_i = w_i / sum_{j>=i} w_j. With w_i = 1/(1 + active_i), an endpoint with
 * no connection weighs 1, one with 9 weighs 0.1.
 */
#include <math.h>

#include "ipt.h"

static bool all_equal(const uint32_t *a, uint32_t n)
{
	for (uint32_t i = 1; a && i < n; i++)
		if (a[i] != a[0])
			return false;
	return true;
}

static double weight(const uint32_t *active, uint32_t i)
{
	return active ? 1.0 / (1.0 + (double)active[i]) : 1.0;
}

void ipt_probabilities(const uint32_t *active, uint32_t n, double *p)
{
	double tail = 0;

	if (!n)
		return;
	if (all_equal(active, n)) {
		/* upstream's 1/(n-i), bit for bit */
		for (uint32_t i = 0; i < n; i++)
			p[i] = 1.0 / (double)(n - i);
		return;
	}
	for (uint32_t i = n; i-- > 0;) {
		tail += weight(active, i);
		p[i] = weight(active, i) / tail;
	}
	p[n - 1] = 1.0;
}

bool ipt_weights_moved(const uint32_t *before, const uint32_t *now, uint32_t n, double threshold)
{
	double sb = 0, sn = 0;

	for (uint32_t i = 0; i < n; i++) {
		sb += weight(before, i);
		sn += weight(now, i);
	}
	for (uint32_t i = 0; i < n; i++)
		if (fabs(weight(now, i) / sn - weight(before, i) / sb) > threshold)
			return true;
	return false;
}
