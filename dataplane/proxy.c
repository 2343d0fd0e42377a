/* proxy: Services + EndpointSlices -> socket-LB maps, by difference. */
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "hcserver.h"
#include "informer.h"
#include "kclient.h"
#include "lbsync.h"
#include "log.h"
#include "proxy_ipt.h"
#include "proxy_model.h"
#include "tclb.h"

const double proxy_lat_bounds[PROXY_LAT_BUCKETS] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};

/* Draining backends are checked for their last connection this often. */
#define PROXY_GC_INTERVAL 1.0
/* ... and the tc path's flow table scanned every this many GC ticks. */
#define PROXY_FLOW_GC_EVERY 1

enum { INF_SVC = 0, INF_EPS = 1 };

/* One service port as last programmed; failed when lbsync refused it. */
struct pport {
	struct lb4_svc_key key;
	bool failed;
};

/* One Kubernetes Service: the service ports programmed for it (sorted by
 * key) and the slices that name it (the index that keeps a change
 * O(that service)), with what could not be programmed. */
struct psvc {
	char *key;
	struct pport *ports;
	uint32_t nports;
	char **slices;
	uint32_t nslices;
	uint32_t nfailed;	   /* ports with failed set */
	uint16_t health_port;	   /* healthCheckNodePort served for it, 0 if none */
	uint32_t *l2, nl2;	   /* LoadBalancer addresses this node announces for it */
	uint32_t *ranged, nranged; /* its LoadBalancer addresses with source ranges set */
	uint32_t nrefused;	   /* endpoint addresses refused */
	uint32_t nunsupported;	   /* SCTP ports */
};

struct proxy {
	struct ev_loop *loop;
	struct kclient *kc;
	struct informer *inf[2];
	struct lbsync *sync;
	struct proxy_opts o;
	struct proxy_status *st;
	void *root; /* tree of struct psvc by key */
	bool listed[2];
	bool ready;    /* first full sync done: map writes allowed */
	bool l2_dirty; /* some service's announced addresses changed */
	unsigned gc_ticks;
	/* sums over every psvc, and the failure /healthz reports */
	uint32_t failed, refused, unsupported;
	uint64_t failed_total;
	char reason[256];
	ev_timer gc_timer;
	ev_timer verify_timer;
};

static int psvc_cmp(const void *a, const void *b)
{
	return strcmp(((const struct psvc *)a)->key, ((const struct psvc *)b)->key);
}

static struct psvc *psvc_get(struct proxy *p, const char *key, bool create)
{
	struct psvc probe = {.key = (char *)key}, *ps;
	void *node = tfind(&probe, &p->root, psvc_cmp);

	if (node)
		return *(struct psvc **)node;
	if (!create)
		return NULL;
	ps = calloc(1, sizeof(*ps));
	if (!ps || !(ps->key = strdup(key)) || !tsearch(ps, &p->root, psvc_cmp)) {
		if (ps)
			free(ps->key);
		free(ps);
		return NULL;
	}
	return ps;
}

static void psvc_free(void *v)
{
	struct psvc *ps = v;
	uint32_t i;

	for (i = 0; i < ps->nslices; i++)
		free(ps->slices[i]);
	free(ps->slices);
	free(ps->ports);
	free(ps->l2);
	free(ps->ranged);
	free(ps->key);
	free(ps);
}

static void psvc_maybe_drop(struct proxy *p, struct psvc *ps)
{
	if (ps->nports || ps->nslices || ps->nunsupported || ps->health_port || ps->nl2 ||
	    ps->nranged)
		return;
	tdelete(ps, &p->root, psvc_cmp);
	psvc_free(ps);
}

static void status_refresh(struct proxy *p)
{
	static const struct lbsync_stats none;
	const struct lbsync_stats *ls = p->sync ? lbsync_stats(p->sync) : &none;
	int i;

	pthread_mutex_lock(&p->st->mu);
	p->st->map_writes = ls->map_writes;
	p->st->repairs = ls->repairs;
	p->st->services = ls->services;
	p->st->endpoints = ls->slots;
	p->st->backends = ls->backends;
	p->st->draining = ls->draining;
	p->st->unprogrammed = p->failed;
	p->st->unprogrammed_total = p->failed_total;
	p->st->endpoints_refused = p->refused;
	p->st->ports_unsupported = p->unsupported;
	snprintf(p->st->unprogrammed_reason, sizeof(p->st->unprogrammed_reason), "%s",
		 p->failed ? p->reason : "");
	for (i = 0; i < 2; i++) {
		const struct informer_stats *is = informer_stats(p->inf[i]);

		p->st->watch_restarts[i] = is->watch_restarts;
		p->st->lists[i] = is->lists;
		if (is->last_error[0] && !p->st->last_error[0])
			snprintf(p->st->last_error, sizeof(p->st->last_error), "%s",
				 is->last_error);
	}
	pthread_mutex_unlock(&p->st->mu);
}

static void observe(struct proxy *p, double t0, int err)
{
	double now = ev_time(), d = now - t0;
	int i;

	pthread_mutex_lock(&p->st->mu);
	p->st->lat_count++;
	p->st->lat_sum += d;
	for (i = 0; i < PROXY_LAT_BUCKETS; i++) {
		if (d <= proxy_lat_bounds[i]) {
			p->st->lat_bucket[i]++;
			break;
		}
	}
	p->st->last_sync = now;
	if (err) {
		p->st->sync_errors++;
		snprintf(p->st->last_error, sizeof(p->st->last_error), "map write failed: %s",
			 strerror(-err));
	} else {
		p->st->last_error[0] = 0;
	}
	pthread_mutex_unlock(&p->st->mu);
}

static int pport_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct pport *)a)->key, &((const struct pport *)b)->key,
		      sizeof(struct lb4_svc_key));
}

static const struct pport *pport_find(const struct pport *v, uint32_t n,
				      const struct lb4_svc_key *k)
{
	struct pport probe = {.key = *k};

	return n ? bsearch(&probe, v, n, sizeof(*v), pport_cmp) : NULL;
}

/* What a failed lbsync_set means, for the log and /healthz. */
static void fail_reason(const struct proxy *p, int err, char *buf, size_t len)
{
	if (err == -ENOSPC)
		snprintf(buf, len,
			 "no free service or backend id (--max-services %u, "
			 "--max-backends %u)",
			 p->o.max_services, p->o.max_backends);
	else if (err == -EOVERFLOW)
		snprintf(buf, len, "more than %u endpoints: only the first %u are used",
			 LB_MAX_SLOTS, LB_MAX_SLOTS);
	else if (err == -E2BIG)
		snprintf(buf, len, "the BPF service map is full");
	else
		snprintf(buf, len, "map write failed: %s", strerror(-err));
}

/* Program frontend k with endpoints eps (a service port's, or only this
 * node's for a Local policy). */
static int program_port(struct proxy *p, const struct pm_service *m, const struct lb4_svc_key *k,
			uint16_t flags, const struct pm_endpoints *eps)
{
	struct lbsync_svc want = {
	    .flags = flags | (m->affinity ? LB_SVC_F_AFFINITY : 0) |
		     (p->o.random_lb ? LB_SVC_F_RANDOM : 0),
	    .affinity_timeout = m->affinity_timeout,
	    .n = eps->n,
	    .nready = eps->nready,
	    .be = eps->be,
	};

	return lbsync_set(p->sync, k, &want);
}

/* The slices of a Service as the informer has them now: a malloc'd array
 * (NULL when none) of *n. */
static const cJSON **service_slices(const struct proxy *p, const struct psvc *ps, uint32_t *n)
{
	const cJSON **sl = ps->nslices ? malloc(ps->nslices * sizeof(*sl)) : NULL;

	*n = 0;
	for (uint32_t j = 0; sl && j < ps->nslices; j++)
		if ((sl[*n] = informer_get(p->inf[INF_EPS], ps->slices[j])))
			(*n)++;
	return sl;
}

/* Log a port whose state changed (failing, or serving again). A port
 * that keeps failing is logged once, not at every retry. */
static void report_port(struct proxy *p, const char *key, const struct pm_port *pp, int r,
			const struct pport *before)
{
	const char *proto = pp->proto == IPPROTO_UDP ? "UDP" : "TCP";
	char why[160];

	if (!r) {
		if (before && before->failed)
			pr_info("proxy: %s port %u/%s is programmed now", key, pp->port, proto);
		return;
	}
	p->failed_total++;
	fail_reason(p, r, why, sizeof(why));
	snprintf(p->reason, sizeof(p->reason), "%s port %u/%s: %s", key, pp->port, proto, why);
	if (!before || !before->failed)
		pr_err("proxy: %s port %u/%s not programmed: %s", key, pp->port, proto, why);
}

/* The frontends of service port i: the cluster IP, then (with the tc
 * path) its node port and each external address. Fills keys/flags (room
 * for 2 + m->next) and returns how many. */
static uint32_t port_frontends(const struct proxy *p, const struct pm_service *m, uint32_t i,
			       struct lb4_svc_key *keys, uint16_t *flags)
{
	const struct pm_port *pp = &m->ports[i];
	uint16_t ext = LB_SVC_F_EXTERNAL | (m->ext_local ? LB_SVC_F_LOCAL : 0);
	uint32_t n = 0;

	keys[n] = (struct lb4_svc_key){.vip = m->vip, .port = htons(pp->port), .proto = pp->proto};
	flags[n++] = 0;
	if (!p->o.tc)
		return n;
	if (pp->node_port) {
		keys[n] = (struct lb4_svc_key){
		    .vip = LB_NODEPORT_VIP, .port = htons(pp->node_port), .proto = pp->proto};
		flags[n++] = ext;
	}
	for (uint32_t e = 0; e < m->next; e++) {
		bool lb = e >= m->next - m->nlb;

		keys[n] = (struct lb4_svc_key){
		    .vip = m->ext[e], .port = htons(pp->port), .proto = pp->proto};
		flags[n++] = ext | (lb && m->nranges ? LB_SVC_F_SRC_RANGES : 0);
	}
	return n;
}

/* loadBalancerSourceRanges of the Service's LoadBalancer addresses: set
 * (before) before their entries are flagged to check them; the addresses
 * that no longer have ranges cleared after (!before), once their entries
 * no longer check them. */
static void service_ranges(struct proxy *p, struct psvc *ps, const struct pm_service *m,
			   bool before)
{
	const uint32_t *lb = m->ext + (m->next - m->nlb);
	uint32_t *now = NULL, n = 0;

	if (!p->o.tc)
		return;
	if (before) {
		for (uint32_t i = 0; m->nranges && i < m->nlb; i++)
			if (tclb_set_ranges(p->o.tc, lb[i], m->ranges, m->nranges))
				pr_warn("proxy: %s: loadBalancerSourceRanges not set", ps->key);
		return;
	}
	if (m->nranges && m->nlb && (now = malloc(m->nlb * sizeof(*now))))
		for (uint32_t i = 0; i < m->nlb; i++)
			now[n++] = lb[i];
	for (uint32_t i = 0; i < ps->nranged; i++) {
		bool kept = false;

		for (uint32_t j = 0; j < n && !kept; j++)
			kept = now[j] == ps->ranged[i];
		if (!kept)
			tclb_set_ranges(p->o.tc, ps->ranged[i], NULL, 0);
	}
	free(ps->ranged);
	ps->ranged = now;
	ps->nranged = n;
}

/* The healthCheckNodePort and the announced LoadBalancer addresses of a
 * Service after a resync; local is its largest count of this node's
 * ready endpoints over its ports. */
static void service_external(struct proxy *p, struct psvc *ps, const struct pm_service *m,
			     uint32_t local)
{
	uint16_t hp = p->o.hc ? m->health_port : 0;
	uint32_t *l2 = NULL, nl2 = 0;

	if (ps->health_port && ps->health_port != hp)
		hcsrv_del(p->o.hc, ps->health_port);
	if (hp && hcsrv_set(p->o.hc, hp, ps->key, (int)local) == 0)
		ps->health_port = hp;
	else
		ps->health_port = 0;
	/* ARP for the LoadBalancer addresses: every node for Cluster, a node
	 * with a local endpoint for Local (its traffic must not leave it) */
	if (p->o.tc && m->nlb && (!m->ext_local || local) && (l2 = malloc(m->nlb * sizeof(*l2)))) {
		memcpy(l2, m->ext + (m->next - m->nlb), m->nlb * sizeof(*l2));
		nl2 = m->nlb;
	}
	if (nl2 != ps->nl2 || (nl2 && memcmp(l2, ps->l2, nl2 * sizeof(*l2))))
		p->l2_dirty = true;
	free(ps->l2);
	ps->l2 = l2;
	ps->nl2 = nl2;
}

/* Recompute one Service's service ports and program the difference. */
static int resync_service(struct proxy *p, const char *key)
{
	const cJSON *svc = informer_get(p->inf[INF_SVC], key);
	struct psvc *ps = psvc_get(p, key, true);
	struct pport *now = NULL;
	struct pm_service m = {0};
	struct lb4_svc_key *keys = NULL;
	uint16_t *flags = NULL;
	const cJSON **sl = NULL;
	uint32_t n = 0, nfailed = 0, nrefused = 0, local = 0, nsl = 0, i;
	int err = 0, rc;

	if (!ps)
		return -ENOMEM;
	rc = svc ? pm_service_parse(svc, &m) : -ENOENT;
	if (rc == 0)
		sl = service_slices(p, ps, &nsl);
	/* per port: the cluster IP, the node port, each external address */
	if (rc == -ENOMEM ||
	    (rc == 0 && (!(now = calloc((size_t)m.nports * (2 + m.next), sizeof(*now))) ||
			 !(keys = calloc(2 + m.next, sizeof(*keys))) ||
			 !(flags = calloc(2 + m.next, sizeof(*flags))) || (nsl && !sl)))) {
		free(now);
		free(keys);
		free(flags);
		free(sl);
		pm_service_free(&m);
		return -ENOMEM;
	}
	if (p->o.ipt) {
		/* iptables mode: the rules of every port at once */
		err = pipt_service(p->o.ipt, key, rc == 0 ? &m : NULL, sl, nsl);
		rc = -ENOENT; /* nothing for the maps */
	}
	service_ranges(p, ps, &m, true);
	for (i = 0; rc == 0 && i < m.nports; i++) {
		/* every endpoint of the port, and this node's when a Local
		 * policy wants them (the frontends share the two sets) */
		struct pm_endpoints all = {0}, mine = {0};
		bool local_set = m.ext_local || m.int_local;
		int ge = pm_endpoints_gather(&all, sl, nsl, &m.ports[i], m.vip, NULL);
		uint32_t nf = port_frontends(p, &m, i, keys, flags);

		if (!ge && local_set)
			ge =
			    pm_endpoints_gather(&mine, sl, nsl, &m.ports[i], m.vip, p->o.node_name);
		nrefused += m.int_local ? mine.refused : all.refused;
		if (m.ext_local && mine.nready > local)
			local = mine.nready;
		for (uint32_t f = 0; f < nf; f++) {
			bool own = (flags[f] & LB_SVC_F_LOCAL) || (f == 0 && m.int_local);
			int r =
			    ge ? ge : program_port(p, &m, &keys[f], flags[f], own ? &mine : &all);

			report_port(p, key, &m.ports[i], r,
				    pport_find(ps->ports, ps->nports, &keys[f]));
			err = err ? err : r;
			now[n].key = keys[f];
			now[n].failed = r != 0;
			nfailed += r != 0;
			n++;
		}
		pm_endpoints_free(&all);
		pm_endpoints_free(&mine);
	}
	for (i = 0; p->o.ipt && m.ext_local && i < m.nports; i++) {
		/* iptables mode: the node's endpoints for the health check */
		struct pm_endpoints mine = {0};

		if (!pm_endpoints_gather(&mine, sl, nsl, &m.ports[i], m.vip, p->o.node_name) &&
		    mine.nready > local)
			local = mine.nready;
		pm_endpoints_free(&mine);
	}
	free(keys);
	free(flags);
	free(sl);
	service_ranges(p, ps, &m, false);
	service_external(p, ps, &m, local);
	if (n)
		qsort(now, n, sizeof(*now), pport_cmp);
	/* Service ports the Service no longer has. */
	for (i = 0; p->sync && i < ps->nports; i++)
		if (!pport_find(now, n, &ps->ports[i].key))
			lbsync_del(p->sync, &ps->ports[i].key);
	if (nrefused != ps->nrefused)
		pr_warn("proxy: %s: %u endpoint addresses refused (unspecified, broadcast, "
			"multicast, link-local or the service's own IP)",
			key, nrefused);
	if (m.nunsupported != ps->nunsupported)
		pr_warn("proxy: %s: %u SCTP ports are not balanced (the socket load balancer "
			"handles TCP and UDP)",
			key, m.nunsupported);
	p->failed = p->failed - ps->nfailed + nfailed;
	p->refused = p->refused - ps->nrefused + nrefused;
	p->unsupported = p->unsupported - ps->nunsupported + m.nunsupported;
	ps->nfailed = nfailed;
	ps->nrefused = nrefused;
	ps->nunsupported = m.nunsupported;
	free(ps->ports);
	ps->ports = now;
	ps->nports = n;
	pm_service_free(&m);
	psvc_maybe_drop(p, ps);
	return err;
}

struct l2_list {
	uint32_t *v;
	uint32_t n, cap;
	bool oom;
};

static void collect_l2(const void *node, VISIT which, void *ud)
{
	const struct psvc *ps = *(struct psvc *const *)node;
	struct l2_list *l = ud;

	if (which != postorder && which != leaf)
		return;
	for (uint32_t i = 0; i < ps->nl2; i++) {
		if (l->n == l->cap) {
			uint32_t cap = l->cap ? l->cap * 2 : 16,
				 *v = realloc(l->v, cap * sizeof(*v));

			if (!v) {
				l->oom = true;
				return;
			}
			l->v = v;
			l->cap = cap;
		}
		l->v[l->n++] = ps->l2[i];
	}
}

/* skiff_l2 = the union of the services' announced addresses. */
static void apply_l2(struct proxy *p)
{
	struct l2_list l = {0};
	int r;

	if (!p->l2_dirty || !p->o.tc)
		return;
	twalk_r(p->root, collect_l2, &l);
	r = l.oom ? -ENOMEM : tclb_set_l2(p->o.tc, l.v, l.n);
	if (r)
		pr_warn("proxy: LoadBalancer addresses to announce: %s", strerror(-r));
	else
		p->l2_dirty = false;
	free(l.v);
}

static void changed(struct proxy *p, const char *svc_key)
{
	double t0 = ev_time();
	int err;

	if (!p->ready)
		return; /* the first full sync will cover it */
	err = resync_service(p, svc_key);
	apply_l2(p);
	observe(p, t0, err);
	status_refresh(p);
}

/* --- slice index --- */

static void index_add(struct proxy *p, const char *svc_key, const char *slice_key)
{
	struct psvc *ps = psvc_get(p, svc_key, true);
	char **s;
	uint32_t i;

	if (!ps)
		return;
	for (i = 0; i < ps->nslices; i++)
		if (!strcmp(ps->slices[i], slice_key))
			return;
	s = realloc(ps->slices, (ps->nslices + 1) * sizeof(*s));
	if (!s)
		return;
	ps->slices = s;
	s[ps->nslices] = strdup(slice_key);
	if (s[ps->nslices])
		ps->nslices++;
}

static void index_del(struct proxy *p, const char *svc_key, const char *slice_key)
{
	struct psvc *ps = psvc_get(p, svc_key, false);
	uint32_t i;

	if (!ps)
		return;
	for (i = 0; i < ps->nslices; i++) {
		if (!strcmp(ps->slices[i], slice_key)) {
			free(ps->slices[i]);
			ps->slices[i] = ps->slices[--ps->nslices];
			break;
		}
	}
	psvc_maybe_drop(p, ps);
}

/* --- informer callbacks --- */

static void svc_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	(void)obj;
	(void)old;
	changed(ud, key);
}

static void svc_remove(void *ud, const char *key, const cJSON *old)
{
	(void)old;
	changed(ud, key);
}

static void eps_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	struct proxy *p = ud;
	char now[512], before[512];
	bool has_now = pm_slice_service_key(obj, now, sizeof(now));
	bool had = old && pm_slice_service_key(old, before, sizeof(before));

	if (had && (!has_now || strcmp(now, before))) {
		index_del(p, before, key);
		changed(p, before);
	}
	if (has_now) {
		index_add(p, now, key);
		changed(p, now);
	}
}

static void eps_remove(void *ud, const char *key, const cJSON *old)
{
	struct proxy *p = ud;
	char svc[512];

	if (!pm_slice_service_key(old, svc, sizeof(svc)))
		return;
	index_del(p, svc, key);
	changed(p, svc);
}

struct full_ctx {
	struct proxy *p;
	int err;
};

static void full_one(void *ud, const char *key, const cJSON *obj)
{
	struct full_ctx *fc = ud;
	int r;

	(void)obj;
	r = resync_service(fc->p, key);
	fc->err = fc->err ? fc->err : r;
}

/* Program every Service and remove whatever the API no longer has. */
static void full_sync(struct proxy *p)
{
	struct full_ctx fc = {.p = p};
	double t0 = ev_time();
	int swept;

	if (p->sync)
		lbsync_mark_begin(p->sync);
	informer_foreach(p->inf[INF_SVC], full_one, &fc);
	swept = p->sync ? lbsync_sweep(p->sync) : 0;
	p->ready = true;
	p->l2_dirty = true; /* also clears what a previous run announced */
	apply_l2(p);
	if (p->sync)
		pr_info("proxy: full sync: %u service ports, %u endpoint slots, %d removed, "
			"%.1f ms",
			lbsync_stats(p->sync)->services, lbsync_stats(p->sync)->slots, swept,
			(ev_time() - t0) * 1000);
	else
		pr_info("proxy: full sync (iptables mode): %.1f ms", (ev_time() - t0) * 1000);
	pthread_mutex_lock(&p->st->mu);
	p->st->synced = true;
	p->st->full_syncs++;
	pthread_mutex_unlock(&p->st->mu);
	observe(p, t0, fc.err);
	status_refresh(p);
}

static void on_synced(struct proxy *p, int which)
{
	p->listed[which] = true;
	if (p->listed[INF_SVC] && p->listed[INF_EPS])
		full_sync(p);
}

static void svc_synced(void *ud)
{
	on_synced(ud, INF_SVC);
}

static void eps_synced(void *ud)
{
	on_synced(ud, INF_EPS);
}

struct failed_list {
	char **keys;
	size_t n, cap;
};

static void collect_failed(const void *node, VISIT which, void *ud)
{
	const struct psvc *ps = *(struct psvc *const *)node;
	struct failed_list *l = ud;
	char *k;

	if ((which != postorder && which != leaf) || !ps->nfailed)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		char **v = realloc(l->keys, cap * sizeof(*v));

		if (!v)
			return;
		l->keys = v;
		l->cap = cap;
	}
	k = strdup(ps->key);
	if (k)
		l->keys[l->n++] = k;
}

/* Try the failed service ports again (ids or map space may be free now). */
static void retry_failed(struct proxy *p)
{
	struct failed_list l = {0};

	if (!p->ready || !p->failed)
		return;
	twalk_r(p->root, collect_failed, &l);
	for (size_t i = 0; i < l.n; i++) {
		resync_service(p, l.keys[i]);
		free(l.keys[i]);
	}
	free(l.keys);
}

static void on_gc(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct proxy *p = (struct proxy *)((char *)t - offsetof(struct proxy, gc_timer));

	(void)loop;
	(void)revents;
	/* flows first: a draining backend's last external flow expired now
	 * frees its id in the same pass */
	if (p->o.tc && ++p->gc_ticks % PROXY_FLOW_GC_EVERY == 0)
		tclb_gc(p->o.tc);
	if (p->sync)
		lbsync_gc(p->sync);
	retry_failed(p);
	status_refresh(p);
}

static void on_verify(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct proxy *p = (struct proxy *)((char *)t - offsetof(struct proxy, verify_timer));
	int r;

	(void)loop;
	(void)revents;
	if (!p->ready || !p->sync)
		return;
	r = lbsync_verify(p->sync);
	if (r < 0)
		pr_warn("proxy: full reconcile: %s", strerror(-r));
	status_refresh(p);
}

struct proxy *proxy_new(struct ev_loop *loop, struct kclient *kc, const struct lbmap_fds *fds,
			const struct proxy_opts *o, struct proxy_status *st)
{
	static const struct informer_ops svc_ops = {svc_upsert, svc_remove, svc_synced};
	static const struct informer_ops eps_ops = {eps_upsert, eps_remove, eps_synced};
	/* As upstream kube-proxy: skip headless Services and those another
	 * proxy implementation claims. */
	static const char *sel = "!service.kubernetes.io/headless,"
				 "!service.kubernetes.io/service-proxy-name";
	struct informer_opts so = {.path = "/api/v1/services",
				   .label_selector = sel,
				   .name = "services",
				   .strip_managed_fields = true};
	struct informer_opts eo = {.path = "/apis/discovery.k8s.io/v1/endpointslices",
				   .label_selector = sel,
				   .name = "endpointslices",
				   .strip_managed_fields = true};
	struct proxy *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->loop = loop;
	p->kc = kc;
	p->o = *o;
	p->st = st;
	p->sync = o->ipt ? NULL : lbsync_new(fds, o->max_services, o->max_backends);
	p->inf[INF_SVC] = informer_new(kc, loop, &so, &svc_ops, p);
	p->inf[INF_EPS] = informer_new(kc, loop, &eo, &eps_ops, p);
	if ((!o->ipt && !p->sync) || !p->inf[INF_SVC] || !p->inf[INF_EPS]) {
		proxy_free(p);
		return NULL;
	}
	ev_timer_init(&p->gc_timer, on_gc, PROXY_GC_INTERVAL, PROXY_GC_INTERVAL);
	ev_timer_init(&p->verify_timer, on_verify, o->sync_period, o->sync_period);
	return p;
}

int proxy_start(struct proxy *p)
{
	if (p->o.adopt && p->sync) {
		int r = lbsync_adopt(p->sync);

		if (r) {
			pr_err("proxy: reading the pinned maps: %s", strerror(-r));
			return r;
		}
	}
	status_refresh(p);
	informer_start(p->inf[INF_SVC]);
	informer_start(p->inf[INF_EPS]);
	ev_timer_start(p->loop, &p->gc_timer);
	if (p->o.sync_period > 0)
		ev_timer_start(p->loop, &p->verify_timer);
	return 0;
}

void proxy_free(struct proxy *p)
{
	if (!p)
		return;
	if (p->loop) {
		ev_timer_stop(p->loop, &p->gc_timer);
		ev_timer_stop(p->loop, &p->verify_timer);
	}
	informer_free(p->inf[INF_SVC]);
	informer_free(p->inf[INF_EPS]);
	if (p->sync)
		lbsync_free(p->sync);
	tdestroy(p->root, psvc_free);
	free(p);
}
