/* proxy: Services + EndpointSlices -> socket-LB maps, by difference. */
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "informer.h"
#include "kclient.h"
#include "lbsync.h"
#include "log.h"
#include "proxy_model.h"

const double proxy_lat_bounds[PROXY_LAT_BUCKETS] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};

/* Draining backends are checked for their last connection this often. */
#define PROXY_GC_INTERVAL 1.0

enum { INF_SVC = 0, INF_EPS = 1 };

/* One Kubernetes Service: the service ports programmed for it and the
 * slices that name it (the index that keeps a change O(that service)). */
struct psvc {
	char *key;
	struct lb4_svc_key *ports;
	uint32_t nports;
	char **slices;
	uint32_t nslices;
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
	bool ready; /* first full sync done: map writes allowed */
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
	free(ps->key);
	free(ps);
}

static void psvc_maybe_drop(struct proxy *p, struct psvc *ps)
{
	if (ps->nports || ps->nslices)
		return;
	tdelete(ps, &p->root, psvc_cmp);
	psvc_free(ps);
}

static void status_refresh(struct proxy *p)
{
	const struct lbsync_stats *ls = lbsync_stats(p->sync);
	int i;

	pthread_mutex_lock(&p->st->mu);
	p->st->map_writes = ls->map_writes;
	p->st->repairs = ls->repairs;
	p->st->services = ls->services;
	p->st->endpoints = ls->slots;
	p->st->backends = ls->backends;
	p->st->draining = ls->draining;
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

/* Recompute one Service's service ports and program the difference. */
static int resync_service(struct proxy *p, const char *key)
{
	const cJSON *svc = informer_get(p->inf[INF_SVC], key);
	struct psvc *ps = psvc_get(p, key, true);
	struct lb4_svc_key *keys = NULL;
	struct pm_service m;
	uint32_t nkeys = 0, i, j;
	int err = 0;

	if (!ps)
		return -ENOMEM;
	if (svc && pm_service_parse(svc, &m) == 0) {
		keys = calloc(m.nports, sizeof(*keys));
		if (!keys)
			return -ENOMEM;
		for (i = 0; i < m.nports; i++) {
			struct pm_endpoints eps = {0};
			struct lbsync_svc want;
			struct lb4_svc_key k = {.vip = m.vip,
						.port = htons(m.ports[i].port),
						.proto = m.ports[i].proto};
			int r = 0;

			for (j = 0; j < ps->nslices && !r; j++) {
				const cJSON *sl = informer_get(p->inf[INF_EPS], ps->slices[j]);

				if (sl)
					r = pm_endpoints_add_slice(&eps, sl, &m.ports[i]);
			}
			pm_endpoints_finish(&eps);
			want.flags = m.affinity ? LB_SVC_F_AFFINITY : 0;
			want.affinity_timeout = m.affinity_timeout;
			want.n = eps.n;
			want.nready = eps.nready;
			want.be = eps.be;
			if (!r)
				r = lbsync_set(p->sync, &k, &want);
			pm_endpoints_free(&eps);
			if (r) {
				pr_warn("proxy: %s port %u: %s", key, m.ports[i].port,
					strerror(-r));
				err = err ? err : r;
			}
			keys[nkeys++] = k;
		}
	}
	/* Service ports the Service no longer has. */
	for (i = 0; i < ps->nports; i++) {
		for (j = 0; j < nkeys; j++)
			if (!memcmp(&ps->ports[i], &keys[j], sizeof(keys[j])))
				break;
		if (j == nkeys)
			lbsync_del(p->sync, &ps->ports[i]);
	}
	free(ps->ports);
	ps->ports = keys;
	ps->nports = nkeys;
	psvc_maybe_drop(p, ps);
	return err;
}

static void changed(struct proxy *p, const char *svc_key)
{
	double t0 = ev_time();
	int err;

	if (!p->ready)
		return; /* the first full sync will cover it */
	err = resync_service(p, svc_key);
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

	lbsync_mark_begin(p->sync);
	informer_foreach(p->inf[INF_SVC], full_one, &fc);
	swept = lbsync_sweep(p->sync);
	p->ready = true;
	pr_info("proxy: full sync: %u service ports, %u endpoint slots, %d removed, %.1f ms",
		lbsync_stats(p->sync)->services, lbsync_stats(p->sync)->slots, swept,
		(ev_time() - t0) * 1000);
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

static void on_gc(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct proxy *p = (struct proxy *)((char *)t - offsetof(struct proxy, gc_timer));

	(void)loop;
	(void)revents;
	if (lbsync_gc(p->sync) > 0)
		status_refresh(p);
	status_refresh(p);
}

static void on_verify(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct proxy *p = (struct proxy *)((char *)t - offsetof(struct proxy, verify_timer));
	int r;

	(void)loop;
	(void)revents;
	if (!p->ready)
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
	struct informer_opts so = {"/api/v1/services", sel, "services"};
	struct informer_opts eo = {"/apis/discovery.k8s.io/v1/endpointslices", sel,
				   "endpointslices"};
	struct proxy *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->loop = loop;
	p->kc = kc;
	p->o = *o;
	p->st = st;
	p->sync = lbsync_new(fds, o->max_services, o->max_backends);
	p->inf[INF_SVC] = informer_new(kc, loop, &so, &svc_ops, p);
	p->inf[INF_EPS] = informer_new(kc, loop, &eo, &eps_ops, p);
	if (!p->sync || !p->inf[INF_SVC] || !p->inf[INF_EPS]) {
		proxy_free(p);
		return NULL;
	}
	ev_timer_init(&p->gc_timer, on_gc, PROXY_GC_INTERVAL, PROXY_GC_INTERVAL);
	ev_timer_init(&p->verify_timer, on_verify, o->sync_period, o->sync_period);
	return p;
}

int proxy_start(struct proxy *p)
{
	if (p->o.adopt) {
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
	lbsync_free(p->sync);
	tdestroy(p->root, psvc_free);
	free(p);
}
