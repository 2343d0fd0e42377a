/* proxy_ipt: the proxy's iptables mode (see proxy_ipt.h). */
#include "proxy_ipt.h"

#include <errno.h>
#include <netinet/in.h>
#include <search.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "ipt/ipt.h"
#include "lb_common.h"
#include "log.h"

/* One service port as last given to ipt_set: its key and its endpoints,
 * whose conntrack counts weight it. */
struct pipt_port {
	char key[600];
	struct ipt_ct_ep *eps;
	uint32_t neps;
};

struct pipt_svc {
	char *key;
	struct pipt_port *ports;
	uint32_t nports;
};

struct pipt {
	struct ev_loop *loop;
	struct ipt *ipt;
	char *node;
	void *root; /* struct pipt_svc by key */
	ev_timer sync_t, weight_t;
	double weight_period;	 /* s: the configured one; the timer may wait longer */
	double weight_restore_s; /* the last weights-only restore's duration */
	bool weights_slowed;	 /* the cost bound stretched the period: logged once */
	bool failing;		 /* the last restore failed: logged once */
};

static int svc_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pipt_svc *)a)->key, ((const struct pipt_svc *)b)->key);
}

static void svc_free(void *v)
{
	struct pipt_svc *s = v;

	for (uint32_t i = 0; i < s->nports; i++)
		free(s->ports[i].eps);
	free(s->ports);
	free(s->key);
	free(s);
}

/* Restore now, or when ipt allows it again. */
static void sync_soon(struct pipt *pi, double after)
{
	ev_timer_stop(pi->loop, &pi->sync_t);
	ev_timer_set(&pi->sync_t, after, 0);
	ev_timer_start(pi->loop, &pi->sync_t);
}

static void on_sync(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct pipt *pi = w->data;
	const struct ipt_stats *st = ipt_stats(pi->ipt);
	uint64_t syncs = st->syncs, full = st->full_syncs, wsyncs = st->weight_syncs;
	int r = ipt_sync(pi->ipt);

	(void)loop;
	(void)revents;
	if (r == -EAGAIN) {
		sync_soon(pi, ipt_sync_delay(pi->ipt) + 0.001);
		return;
	}
	if (r) {
		if (!pi->failing)
			pr_err("proxy: iptables-restore failed: %s (retrying every second)",
			       ipt_stats(pi->ipt)->last_error);
		pi->failing = true;
		sync_soon(pi, 1.0);
		return;
	}
	if (pi->failing)
		pr_info("proxy: iptables rules written again");
	pi->failing = false;
	if (st->weight_syncs != wsyncs)
		pi->weight_restore_s = st->last_sync_seconds;
	/* as kube-proxy's "SyncProxyRules complete" */
	if (st->syncs != syncs)
		pr_info("proxy: iptables-restore (%s): %zu bytes, %u chains written, %u deleted, "
			"%.1f ms",
			st->full_syncs != full ? "full" : "changes", st->bytes_written,
			st->chains_written, st->chains_deleted, st->last_sync_seconds * 1000);
}

struct weight_walk {
	struct ipt_ct_ep *all;
	uint32_t n, cap;
	bool oom;
};

static void collect_eps(const void *node, VISIT which, void *ud)
{
	const struct pipt_svc *s = *(struct pipt_svc *const *)node;
	struct weight_walk *w = ud;

	if (which != postorder && which != leaf)
		return;
	for (uint32_t i = 0; i < s->nports; i++) {
		const struct pipt_port *pp = &s->ports[i];

		if (pp->neps < 2)
			continue; /* nothing to weight */
		if (w->n + pp->neps > w->cap) {
			uint32_t cap = (w->cap + pp->neps) * 2;
			struct ipt_ct_ep *v = realloc(w->all, cap * sizeof(*v));

			if (!v) {
				w->oom = true;
				return;
			}
			w->all = v;
			w->cap = cap;
		}
		memcpy(w->all + w->n, pp->eps, pp->neps * sizeof(*pp->eps));
		w->n += pp->neps;
	}
}

struct weight_apply {
	struct pipt *pi;
	const struct ipt_ct_ep *all;
	uint32_t off;
	bool moved;
};

static void apply_weights(const void *node, VISIT which, void *ud)
{
	const struct pipt_svc *s = *(struct pipt_svc *const *)node;
	struct weight_apply *a = ud;

	if (which != postorder && which != leaf)
		return;
	for (uint32_t i = 0; i < s->nports; i++) {
		const struct pipt_port *pp = &s->ports[i];
		uint32_t *active;

		if (pp->neps < 2)
			continue;
		active = malloc(pp->neps * sizeof(*active));
		for (uint32_t e = 0; active && e < pp->neps; e++)
			active[e] = a->all[a->off + e].active;
		a->off += pp->neps;
		if (active && ipt_set_weights(a->pi->ipt, pp->key, active, pp->neps) == 1)
			a->moved = true;
		free(active);
	}
}

/* The next count no sooner than the last one's cost allows: the
 * weights-only restores take at most IPT_WEIGHT_RESTORE_DUTY of the time
 * (at 10,000 services a restore costs iptables-nft about a second), the
 * dumps IPT_WEIGHT_DUMP_DUTY (a conntrack table of 100,000 flows costs
 * tens of ms). */
static void weights_pace(struct pipt *pi, ev_timer *t, double dump_s)
{
	double next = pi->weight_restore_s / IPT_WEIGHT_RESTORE_DUTY;
	bool slowed;

	if (dump_s / IPT_WEIGHT_DUMP_DUTY > next)
		next = dump_s / IPT_WEIGHT_DUMP_DUTY;
	slowed = next > pi->weight_period;

	if (!slowed)
		next = pi->weight_period;
	if (slowed != pi->weights_slowed)
		pr_info("proxy: least-busy weights every %.1f s (conntrack dump %.0f ms, restore "
			"%.0f ms: at most %.0f%% and %.0f%% of the time)",
			next, dump_s * 1000, pi->weight_restore_s * 1000,
			IPT_WEIGHT_DUMP_DUTY * 100, IPT_WEIGHT_RESTORE_DUTY * 100);
	pi->weights_slowed = slowed;
	t->repeat = next;
	ev_timer_again(pi->loop, t);
}

/* Every endpoint's live connections from one conntrack dump; the services
 * whose balance moved are rewritten by the next sync. */
static void on_weights(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct pipt *pi = t->data;
	struct weight_walk w = {0};
	struct weight_apply a = {.pi = pi};
	double t0 = ev_time();
	int r;

	(void)loop;
	(void)revents;
	twalk_r(pi->root, collect_eps, &w);
	if (w.oom || !w.n) {
		free(w.all);
		return;
	}
	r = ipt_ct_count(w.all, w.n);
	if (r) {
		pr_debug("proxy: conntrack counts: %s", strerror(-r));
		free(w.all);
		return;
	}
	a.all = w.all;
	twalk_r(pi->root, apply_weights, &a);
	free(w.all);
	if (a.moved)
		sync_soon(pi, 0);
	weights_pace(pi, t, ev_time() - t0);
}

struct pipt *pipt_new(struct ev_loop *loop, const struct ipt_opts *o, const char *node,
		      double weight_period)
{
	struct pipt *pi = calloc(1, sizeof(*pi));

	if (!pi)
		return NULL;
	pi->loop = loop;
	pi->ipt = ipt_new(o);
	pi->node = strdup(node);
	if (!pi->ipt || !pi->node) {
		pipt_free(pi);
		return NULL;
	}
	ev_timer_init(&pi->sync_t, on_sync, 0, 0);
	pi->sync_t.data = pi;
	ev_timer_init(&pi->weight_t, on_weights, weight_period, weight_period);
	pi->weight_t.data = pi;
	pi->weight_period = weight_period;
	if (weight_period > 0)
		ev_timer_start(loop, &pi->weight_t);
	return pi;
}

void pipt_free(struct pipt *pi)
{
	if (!pi)
		return;
	ev_timer_stop(pi->loop, &pi->sync_t);
	ev_timer_stop(pi->loop, &pi->weight_t);
	tdestroy(pi->root, svc_free);
	ipt_free(pi->ipt);
	free(pi->node);
	free(pi);
}

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_UDP ? "udp" : "tcp";
}

/* Service port i of m with its endpoints from the slices, into sp/eps;
 * local marks the node's own. 0 or -ENOMEM. */
static int port_endpoints(const struct pipt *pi, const struct pm_service *m, uint32_t i,
			  const cJSON *const *slices, uint32_t nslices, struct ipt_ep **out,
			  uint32_t *n)
{
	struct pm_endpoints all = {0}, mine = {0};
	int r = pm_endpoints_gather(&all, slices, nslices, &m->ports[i], m->vip, NULL);

	if (!r)
		r = pm_endpoints_gather(&mine, slices, nslices, &m->ports[i], m->vip, pi->node);
	*out = r || !all.n ? NULL : calloc(all.n, sizeof(**out));
	*n = 0;
	if (!r && all.n && !*out)
		r = -ENOMEM;
	for (uint32_t e = 0; *out && e < all.n; e++) {
		struct ipt_ep *ep = &(*out)[(*n)++];

		ep->addr = all.be[e].addr;
		ep->port = all.be[e].port;
		ep->ready = all.be[e].state & LB_BE_READY;
		ep->serving = all.be[e].state & LB_BE_SERVING;
		ep->terminating = all.be[e].state & LB_BE_TERMINATING;
		for (uint32_t k = 0; k < mine.n && !ep->local; k++)
			ep->local = mine.be[k].addr == ep->addr && mine.be[k].port == ep->port;
	}
	pm_endpoints_free(&all);
	pm_endpoints_free(&mine);
	return r;
}

int pipt_service(struct pipt *pi, const char *svc_key, const struct pm_service *m,
		 const cJSON *const *slices, uint32_t nslices)
{
	struct pipt_svc probe = {.key = (char *)svc_key}, *s;
	void *node = tfind(&probe, &pi->root, svc_cmp);
	struct pipt_port *now = NULL;
	struct ipt_cidr *ranges = NULL;
	uint32_t n = 0;
	char ns[256], name[256];
	const char *slash = strchr(svc_key, '/');
	int err = 0;

	snprintf(ns, sizeof(ns), "%.*s", slash ? (int)(slash - svc_key) : 0, svc_key);
	snprintf(name, sizeof(name), "%s", slash ? slash + 1 : svc_key);
	s = node ? *(struct pipt_svc **)node : NULL;
	if (m && m->nports && !(now = calloc(m->nports, sizeof(*now))))
		return -ENOMEM;
	if (m && m->nranges && !(ranges = calloc(m->nranges, sizeof(*ranges)))) {
		free(now);
		return -ENOMEM;
	}
	for (uint32_t i = 0; ranges && i < m->nranges; i++)
		ranges[i] = (struct ipt_cidr){.addr = m->ranges[i].addr, .len = m->ranges[i].len};
	for (uint32_t i = 0; m && i < m->nports; i++) {
		const struct pm_port *pp = &m->ports[i];
		struct ipt_ep *eps = NULL;
		uint32_t neps = 0;
		struct ipt_svc_port sp = {
		    .ns = ns,
		    .name = name,
		    .port_name = pp->name,
		    .proto = pp->proto,
		    .cluster_ip = m->vip,
		    .port = pp->port,
		    .node_port = pp->node_port,
		    .health_node_port = m->health_port,
		    .ext = m->ext,
		    .next = m->next,
		    .nlb = m->nlb,
		    .ext_local = m->ext_local,
		    .int_local = m->int_local,
		    .affinity = m->affinity,
		    .affinity_timeout = m->affinity_timeout,
		    .ranges = ranges,
		    .nranges = ranges ? m->nranges : 0,
		};
		struct pipt_port *np = &now[n];
		int r = port_endpoints(pi, m, i, slices, nslices, &eps, &neps);

		snprintf(np->key, sizeof(np->key), "%s:%s:%u/%s", svc_key, pp->name, pp->port,
			 proto_name(pp->proto));
		sp.eps = eps;
		sp.neps = neps;
		if (!r)
			r = ipt_set(pi->ipt, np->key, &sp);
		if (r) {
			pr_err("proxy: %s: iptables rules not set: %s", np->key, strerror(-r));
			err = err ? err : r;
			free(eps);
			/* a port that had rules keeps them (and its place, so the
			 * sweep below does not delete it) until a resync sets it */
			for (uint32_t j = 0; s && j < s->nports; j++)
				if (!strcmp(s->ports[j].key, np->key)) {
					np->eps = s->ports[j].eps;
					np->neps = s->ports[j].neps;
					s->ports[j].eps = NULL;
					n++;
					break;
				}
			continue;
		}
		np->eps = neps ? calloc(neps, sizeof(*np->eps)) : NULL;
		for (uint32_t e = 0; np->eps && e < neps; e++)
			np->eps[e] = (struct ipt_ct_ep){
			    .addr = eps[e].addr, .port = eps[e].port, .proto = pp->proto};
		np->neps = np->eps ? neps : 0;
		free(eps);
		n++;
	}
	/* ports the Service no longer has */
	for (uint32_t i = 0; s && i < s->nports; i++) {
		bool kept = false;

		for (uint32_t j = 0; j < n && !kept; j++)
			kept = !strcmp(now[j].key, s->ports[i].key);
		if (!kept)
			ipt_del(pi->ipt, s->ports[i].key);
	}
	if (!s && n) {
		s = calloc(1, sizeof(*s));
		if (!s || !(s->key = strdup(svc_key)) || !tsearch(s, &pi->root, svc_cmp)) {
			if (s)
				free(s->key);
			free(s);
			s = NULL;
			err = -ENOMEM;
		}
	}
	if (s) {
		for (uint32_t i = 0; i < s->nports; i++)
			free(s->ports[i].eps);
		free(s->ports);
		s->ports = now;
		s->nports = n;
		now = NULL;
		if (!n) {
			tdelete(s, &pi->root, svc_cmp);
			svc_free(s);
		}
	}
	for (uint32_t i = 0; now && i < n; i++)
		free(now[i].eps);
	free(now);
	free(ranges);
	sync_soon(pi, 0);
	return err;
}

void pipt_counts(const struct pipt *pi, uint64_t *syncs, uint64_t *failures, uint32_t *ports,
		 char *last_error, size_t len)
{
	const struct ipt_stats *st = ipt_stats(pi->ipt);

	*syncs = st->syncs;
	*failures = st->failures;
	*ports = st->services;
	snprintf(last_error, len, "%s", st->last_error);
}
