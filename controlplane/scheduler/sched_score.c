/* sched_score: the default profile's score plugins over the nodes that
 * passed the filters, each normalized to 0..100 as upstream and summed
 * with upstream's weights (TaintToleration 3, NodeAffinity 2,
 * NodeResourcesFit LeastAllocated 1, NodeResourcesBalancedAllocation 1,
 * PodTopologySpread 2, InterPodAffinity 2). */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "json_path.h"
#include "sched_int.h"
#include "strhash.h"

#define HOSTNAME_KEY "kubernetes.io/hostname"
#define MAX_SCORE    100

/* PreferNoSchedule taints the pod does not tolerate. */
static int64_t ss_taints(const struct sched_want *w, const struct sched_node *n)
{
	const cJSON *t;
	int64_t c = 0;

	cJSON_ArrayForEach(t, json_at(n->obj, "spec.taints"))
	{
		const char *k = json_str(t, "key"), *e = json_str(t, "effect");

		if (k && e && !strcmp(e, "PreferNoSchedule") &&
		    !sched_tolerates(w->tolerations, k, json_str(t, "value"), e))
			c++;
	}
	return c;
}

static int64_t ss_node_affinity(const struct sched_want *w, const struct sched_node *n)
{
	const cJSON *t;
	int64_t sum = 0;

	cJSON_ArrayForEach(t, w->node_pref)
	{
		const cJSON *wt = cJSON_GetObjectItemCaseSensitive(t, "weight");

		if (cJSON_IsNumber(wt) && sched_node_term_match(json_at(t, "preference"), n))
			sum += wt->valueint;
	}
	return sum;
}

/* LeastAllocated over cpu and memory (weights 1, 1), with the nonzero
 * requests. */
static int64_t ss_least(const struct sched_want *w, const struct sched_node *n)
{
	int64_t alloc[2] = {n->alloc.cpu, n->alloc.mem};
	int64_t req[2] = {n->nonzero.cpu + w->nonzero.cpu, n->nonzero.mem + w->nonzero.mem};
	int64_t sum = 0;

	for (int i = 0; i < 2; i++)
		if (alloc[i] > 0 && req[i] <= alloc[i])
			sum += (alloc[i] - req[i]) * MAX_SCORE / alloc[i];
	return sum / 2;
}

/* BalancedAllocation: 1 - the standard deviation of the requested
 * fractions (actual requests). */
static int64_t ss_balanced(const struct sched_want *w, const struct sched_node *n)
{
	double f[2];
	int nf = 0;

	if (n->alloc.cpu > 0)
		f[nf++] = fmin(1.0, (double)(n->req.cpu + w->req.cpu) / (double)n->alloc.cpu);
	if (n->alloc.mem > 0)
		f[nf++] = fmin(1.0, (double)(n->req.mem + w->req.mem) / (double)n->alloc.mem);
	if (nf < 2)
		return MAX_SCORE;
	return (int64_t)((1.0 - fabs(f[0] - f[1]) / 2.0) * MAX_SCORE);
}

static int64_t ss_spread(const struct sched_want *w, const struct sched_node *n, bool *any)
{
	int64_t raw = 0;

	for (int i = 0; i < w->nspread; i++) {
		const struct sched_spread *c = &w->spread[i];

		if (c->hard)
			continue;
		*any = true;
		raw += sched_spread_count(w, c, n) + c->max_skew - 1;
	}
	return raw;
}

static int64_t ss_anti(const struct sched_want *w, const struct sched_node *n)
{
	const cJSON *t;
	int64_t raw = 0;

	cJSON_ArrayForEach(t, w->anti_pref)
	{
		const cJSON *term = json_at(t, "podAffinityTerm");
		const cJSON *wt = cJSON_GetObjectItemCaseSensitive(t, "weight");
		const char *tk = json_str(term, "topologyKey");

		if (!cJSON_IsNumber(wt) || !tk || strcmp(tk, HOSTNAME_KEY))
			continue;
		for (const struct sched_pod *p = n->pods; p; p = p->next)
			if (sched_term_selects(term, w->ns, p->obj))
				raw -= wt->valueint;
	}
	return raw;
}

/* DefaultNormalizeScore */
static void ss_norm_default(struct sched_cand *c, int n, size_t off, bool reverse)
{
	int64_t max = 0;

	for (int i = 0; i < n; i++) {
		int64_t v = *(int64_t *)((char *)&c[i] + off);

		if (v > max)
			max = v;
	}
	for (int i = 0; i < n; i++) {
		int64_t *v = (int64_t *)((char *)&c[i] + off);

		if (!max)
			*v = reverse ? MAX_SCORE : 0;
		else
			*v = reverse ? MAX_SCORE - MAX_SCORE * *v / max : MAX_SCORE * *v / max;
	}
}

struct sched_node *sched_select(struct sched *s, const struct sched_want *w, struct sched_cand *c,
				int n)
{
	int64_t smax = 0, smin = -1, amax = INT64_MIN, amin = INT64_MAX;
	uint64_t uh = strhash(w->uid ? w->uid : ""), best_h = 0;
	struct sched_node *best = NULL;
	int64_t best_total = -1;
	bool spread = false;

	if (n == 1)
		return c[0].node;
	for (int i = 0; i < n; i++) {
		c[i].taint = ss_taints(w, c[i].node);
		c[i].naff = w->node_pref ? ss_node_affinity(w, c[i].node) : 0;
		c[i].least = ss_least(w, c[i].node);
		c[i].balanced = ss_balanced(w, c[i].node);
		c[i].spread = ss_spread(w, c[i].node, &spread);
		c[i].anti = w->anti_pref ? ss_anti(w, c[i].node) : 0;
		if (c[i].spread > smax)
			smax = c[i].spread;
		if (smin < 0 || c[i].spread < smin)
			smin = c[i].spread;
		if (c[i].anti > amax)
			amax = c[i].anti;
		if (c[i].anti < amin)
			amin = c[i].anti;
	}
	ss_norm_default(c, n, offsetof(struct sched_cand, taint), true);
	ss_norm_default(c, n, offsetof(struct sched_cand, naff), false);
	for (int i = 0; i < n; i++) {
		uint64_t h;

		/* PodTopologySpread: fewer matching pods, higher score */
		if (!spread)
			c[i].spread = 0;
		else if (!smax)
			c[i].spread = MAX_SCORE;
		else
			c[i].spread = MAX_SCORE * (smax + smin - c[i].spread) / smax;
		/* InterPodAffinity: scaled between the extremes */
		c[i].anti = amax > amin ? MAX_SCORE * (c[i].anti - amin) / (amax - amin) : 0;
		c[i].total = 3 * c[i].taint + 2 * c[i].naff + c[i].least + c[i].balanced +
			     2 * c[i].spread + 2 * c[i].anti;
		/* ties: upstream picks one at random; a hash of the pod's uid
		 * and the node's name is as fair and gives the same answer
		 * for the same pod and nodes */
		h = strhash_mix(uh ^ c[i].node->hash);
		if (c[i].total > best_total || (c[i].total == best_total && h < best_h)) {
			best = c[i].node;
			best_total = c[i].total;
			best_h = h;
		}
	}
	return best;
}
