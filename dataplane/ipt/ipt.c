/* ipt: the service ports — set, deleted, weighted — each rendered at once
 * into the chains it owns (render.c); sync.c writes what changed.
 *
 * Each service port keeps two chain sets: cur, rendered by ipt_set, and
 * applied, what the last good restore wrote (the same pointer until the
 * next change).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipt_int.h"
#include "log.h"

int ipt_grow(void *pv, uint32_t n, uint32_t *cap, size_t size)
{
	void **v = pv, *nv;
	uint32_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 16;
	nv = realloc(*v, nc * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = nc;
	return 0;
}

double ipt_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int ipt_svc_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ipt_svc *)a)->key, ((const struct ipt_svc *)b)->key);
}

static struct ipt_svc *svc_find(const struct ipt *t, const char *key)
{
	struct ipt_svc probe = {.key = (char *)key};
	void *n = tfind(&probe, &t->root, ipt_svc_cmp);

	return n ? *(struct ipt_svc **)n : NULL;
}

/* The spec's owned copies. */
static void spec_free(struct ipt_svc *s)
{
	free((char *)s->sp.ns);
	free((char *)s->sp.name);
	free((char *)s->sp.port_name);
	free((uint32_t *)s->sp.ext);
	free((struct ipt_cidr *)s->sp.ranges);
	free(s->eps);
	memset(&s->sp, 0, sizeof(s->sp));
	s->eps = NULL;
}

void ipt_svc_free(void *v)
{
	struct ipt_svc *s = v;

	spec_free(s);
	for (int i = 0; i < SH_N; i++)
		buf_free(&s->shared[i]);
	if (s->applied != s->cur)
		ipt_chains_free(s->applied);
	ipt_chains_free(s->cur);
	free(s->key);
	free(s);
}

/* Mark s for the next sync; reshaped: more than its weights changed. */
static void touch(struct ipt *t, struct ipt_svc *s, bool reshaped)
{
	if (!s->touched)
		t->ntouched++;
	if (reshaped && !s->reshaped)
		t->nreshaped++;
	s->touched = true;
	s->reshaped = s->reshaped || reshaped;
}

static bool name_ok(const char *s, bool may_be_empty)
{
	size_t n = s ? strlen(s) : 0;

	if ((!n && !may_be_empty) || n > IPT_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(('a' <= s[i] && s[i] <= 'z') || ('A' <= s[i] && s[i] <= 'Z') ||
		      ('0' <= s[i] && s[i] <= '9') || s[i] == '-' || s[i] == '.' || s[i] == '_'))
			return false;
	return true;
}

/* A prefix of at most 32 bits with no host bit set. */
static bool range_ok(const struct ipt_cidr *c)
{
	uint32_t host = c->len >= 32 ? 0 : (c->len ? 0xffffffffu >> c->len : 0xffffffffu);

	return c->len <= 32 && !(ntohl(c->addr) & host);
}

static bool valid(const struct ipt_svc_port *sp)
{
	for (uint32_t i = 0; sp->ranges && i < sp->nranges; i++)
		if (!range_ok(&sp->ranges[i]))
			return false;
	return name_ok(sp->ns, false) && name_ok(sp->name, false) && name_ok(sp->port_name, true) &&
	       ipt_proto_name(sp->proto) && sp->cluster_ip && sp->port && sp->nlb <= sp->next &&
	       (sp->ext || !sp->next) && (sp->eps || !sp->neps) && (sp->ranges || !sp->nranges);
}

/* Copy sp into s (whose spec is empty), carrying the weights of
 * endpoints old had at the same address and port. */
static int spec_copy(struct ipt_svc *s, const struct ipt_svc_port *sp, const struct ipt_iep *old,
		     uint32_t nold)
{
	s->sp = *sp;
	s->sp.ns = strdup(sp->ns);
	s->sp.name = strdup(sp->name);
	s->sp.port_name = strdup(sp->port_name ? sp->port_name : "");
	s->sp.ext = sp->next ? malloc(sp->next * sizeof(*sp->ext)) : NULL;
	s->sp.ranges = sp->nranges ? malloc(sp->nranges * sizeof(*sp->ranges)) : NULL;
	s->sp.eps = NULL;
	s->eps = calloc(sp->neps ? sp->neps : 1, sizeof(*s->eps));
	if (!s->sp.ns || !s->sp.name || !s->sp.port_name || (sp->next && !s->sp.ext) ||
	    (sp->nranges && !s->sp.ranges) || !s->eps)
		return -ENOMEM;
	if (sp->next)
		memcpy((uint32_t *)s->sp.ext, sp->ext, sp->next * sizeof(*sp->ext));
	if (sp->nranges)
		memcpy((struct ipt_cidr *)s->sp.ranges, sp->ranges,
		       sp->nranges * sizeof(*sp->ranges));
	for (uint32_t i = 0; i < sp->neps; i++) {
		s->eps[i].ep = sp->eps[i];
		s->eps[i].weight = s->eps[i].want = 1.0;
		for (uint32_t j = 0; j < nold; j++)
			if (old[j].ep.addr == sp->eps[i].addr &&
			    old[j].ep.port == sp->eps[i].port) {
				s->eps[i].weight = old[j].weight;
				s->eps[i].want = old[j].want;
			}
	}
	if (*s->sp.port_name)
		snprintf(s->spn, sizeof(s->spn), "%s/%s:%s", sp->ns, sp->name, sp->port_name);
	else
		snprintf(s->spn, sizeof(s->spn), "%s/%s", sp->ns, sp->name);
	return 0;
}

/* Render s into its cur and shared; touch it if anything differs
 * (reshaped unless only weights changed). */
static int rerender(struct ipt *t, struct ipt_svc *s, bool weights_only)
{
	struct ipt_render_ctx c = {.cidr = t->cidr, .node_ip = t->node_ip, .large = t->large};
	struct buf sh[SH_N] = {0};
	struct ipt_chains *cs;
	bool same;
	int r = ipt_render_svc(&c, s, sh, &cs);

	if (r) {
		for (int i = 0; i < SH_N; i++)
			buf_free(&sh[i]);
		return r;
	}
	same = ipt_chains_equal(cs, s->cur);
	for (int i = 0; i < SH_N && same; i++)
		same = sh[i].len == s->shared[i].len &&
		       (!sh[i].len || !memcmp(sh[i].p, s->shared[i].p, sh[i].len));
	for (int i = 0; i < SH_N; i++) {
		buf_free(&s->shared[i]);
		s->shared[i] = sh[i];
	}
	if (same) {
		ipt_chains_free(cs);
		return 0;
	}
	if (s->cur != s->applied)
		ipt_chains_free(s->cur);
	s->cur = cs;
	touch(t, s, !weights_only);
	return 0;
}

struct walk_err {
	struct ipt *t;
	int err;
};

static void rerender_one(const void *node, VISIT which, void *ud)
{
	struct ipt_svc *s = *(struct ipt_svc *const *)node;
	struct walk_err *w = ud;
	int r;

	if ((which != postorder && which != leaf) || s->dead)
		return;
	r = rerender(w->t, s, false);
	w->err = w->err ? w->err : r;
}

/* After the endpoint total changed: large-cluster mode drops the
 * per-endpoint comments, which changes every service port's chains. */
static int update_large(struct ipt *t)
{
	bool large = t->neps > IPT_LARGE_CLUSTER_EPS;
	struct walk_err w = {.t = t};

	if (large == t->large)
		return 0;
	t->large = large;
	twalk_r(t->root, rerender_one, &w);
	if (w.err)
		t->need_full = true;
	return w.err;
}

/* --- conntrack jobs --- */

/* The UDP frontends of sp: cluster IP, external addresses and, for a job
 * that names its endpoints, the node port. A reconciling job leaves the
 * node port out: "any address, that port" also matches flows to other
 * services' ports of the same number, whose endpoints it does not list. */
static uint32_t frontends(const struct ipt_svc_port *sp, bool node_port, struct ipt_ct_addr *fe)
{
	uint32_t n = 0;

	fe[n++] = (struct ipt_ct_addr){sp->cluster_ip, htons(sp->port)};
	for (uint32_t i = 0; i < sp->next; i++)
		fe[n++] = (struct ipt_ct_addr){sp->ext[i], htons(sp->port)};
	if (sp->node_port && node_port)
		fe[n++] = (struct ipt_ct_addr){0, htons(sp->node_port)};
	return n;
}

/* Queue a job for s's frontends and the endpoints of v (n of them) that
 * keep() accepts. */
static int job_add(struct ipt *t, const struct ipt_svc *s, const struct ipt_iep *v, uint32_t n,
		   bool (*keep)(const struct ipt_iep *e, const void *ud), const void *ud,
		   bool listed)
{
	struct ipt_ct_job j = {.listed = listed};

	if (t->o.no_conntrack || s->sp.proto != IPPROTO_UDP)
		return 0;
	if (ipt_grow(&t->jobs, t->njobs, &t->capjobs, sizeof(*t->jobs)))
		return -ENOMEM;
	j.fe = calloc(s->sp.next + 2, sizeof(*j.fe));
	j.ep = calloc(n ? n : 1, sizeof(*j.ep));
	if (!j.fe || !j.ep) {
		free(j.fe);
		free(j.ep);
		return -ENOMEM;
	}
	j.nfe = frontends(&s->sp, listed, j.fe);
	for (uint32_t i = 0; i < n; i++)
		if (keep(&v[i], ud))
			j.ep[j.nep++] = (struct ipt_ct_addr){v[i].ep.addr, v[i].ep.port};
	if (listed && !j.nep) {
		free(j.fe);
		free(j.ep);
		return 0;
	}
	t->jobs[t->njobs++] = j;
	return 0;
}

void ipt_ct_jobs_free(struct ipt *t)
{
	for (uint32_t i = 0; i < t->njobs; i++) {
		free(t->jobs[i].fe);
		free(t->jobs[i].ep);
	}
	t->njobs = 0;
}

static bool serving(const struct ipt_iep *e, const void *ud)
{
	(void)ud;
	return e->ep.serving || e->ep.ready;
}

/* Serving before, not serving (or gone) in the new copy ud. */
static bool stopped_serving(const struct ipt_iep *e, const void *ud)
{
	const struct ipt_svc *now = ud;

	if (!serving(e, NULL))
		return false;
	for (uint32_t i = 0; i < now->sp.neps; i++)
		if (now->eps[i].ep.addr == e->ep.addr && now->eps[i].ep.port == e->ep.port)
			return !serving(&now->eps[i], NULL);
	return true;
}

static void reconcile_one(const void *node, VISIT which, void *ud)
{
	const struct ipt_svc *s = *(struct ipt_svc *const *)node;
	struct walk_err *w = ud;
	int r;

	if ((which != postorder && which != leaf) || s->dead)
		return;
	for (uint32_t i = 0; i < s->sp.neps; i++) {
		if (serving(&s->eps[i], NULL)) {
			r = job_add(w->t, s, s->eps, s->sp.neps, serving, NULL, false);
			w->err = w->err ? w->err : r;
			return;
		}
	}
}

int ipt_ct_queue_reconcile(struct ipt *t)
{
	struct walk_err w = {.t = t};

	twalk_r(t->root, reconcile_one, &w);
	return w.err;
}

/* --- the API --- */

void ipt_opts_default(struct ipt_opts *o)
{
	*o = (struct ipt_opts){.min_sync_period = IPT_MIN_SYNC_PERIOD,
			       .full_sync_period = IPT_FULL_SYNC_PERIOD,
			       .weight_threshold = IPT_WEIGHT_THRESHOLD};
}

static bool cidr_ok(const char *s)
{
	char a[32];
	const char *slash = strchr(s, '/');
	struct in_addr ia;
	char *end;
	long bits;

	if (!slash || (size_t)(slash - s) >= sizeof(a))
		return false;
	memcpy(a, s, (size_t)(slash - s));
	a[slash - s] = 0;
	bits = strtol(slash + 1, &end, 10);
	return inet_pton(AF_INET, a, &ia) == 1 && end != slash + 1 && !*end && bits >= 0 &&
	       bits <= 32;
}

/* nf_conntrack_tcp_be_liberal set: upstream then installs no INVALID drop. */
static bool read_be_liberal(void)
{
	FILE *f = fopen("/proc/sys/net/netfilter/nf_conntrack_tcp_be_liberal", "r");
	int v = 0;

	if (!f)
		return false;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return v != 0;
}

struct ipt *ipt_new(const struct ipt_opts *o)
{
	struct in_addr node = {0};
	struct ipt *t;

	if (o->cluster_cidr && !cidr_ok(o->cluster_cidr))
		return NULL;
	if (o->node_ip && inet_pton(AF_INET, o->node_ip, &node) != 1)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->o = *o;
	t->o.node_ip = NULL; /* kept as t->node_ip */
	t->node_ip = node.s_addr;
	t->restore_bin = strdup(o->restore_bin ? o->restore_bin : "iptables-restore");
	t->save_bin = strdup(o->save_bin ? o->save_bin : "iptables-save");
	t->cidr = o->cluster_cidr ? strdup(o->cluster_cidr) : NULL;
	if (!t->restore_bin || !t->save_bin || (o->cluster_cidr && !t->cidr)) {
		ipt_free(t);
		return NULL;
	}
	t->o.restore_bin = t->restore_bin;
	t->o.save_bin = t->save_bin;
	t->o.cluster_cidr = t->cidr;
	t->need_full = true;
	t->be_liberal = read_be_liberal();
	return t;
}

void ipt_free(struct ipt *t)
{
	if (!t)
		return;
	tdestroy(t->root, ipt_svc_free);
	ipt_ct_jobs_free(t);
	free(t->jobs);
	free(t->restore_bin);
	free(t->save_bin);
	free(t->cidr);
	free(t);
}

int ipt_set(struct ipt *t, const char *key, const struct ipt_svc_port *sp)
{
	struct ipt_svc *s, tmp = {0};
	bool created = false;
	int r;

	if (!valid(sp) || !key || !*key)
		return -EINVAL;
	s = svc_find(t, key);
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s || !(s->key = strdup(key)) || !tsearch(s, &t->root, ipt_svc_cmp)) {
			if (s)
				free(s->key);
			free(s);
			return -ENOMEM;
		}
		s->dead = true; /* not counted yet */
		created = true;
	}
	r = spec_copy(&tmp, sp, s->eps, s->dead ? 0 : s->sp.neps);
	if (!r && !s->dead)
		r = job_add(t, s, s->eps, s->sp.neps, stopped_serving, &tmp, true);
	if (r) {
		spec_free(&tmp);
		if (created) {
			tdelete(s, &t->root, ipt_svc_cmp);
			ipt_svc_free(s);
		}
		return r;
	}
	if (!s->dead) {
		t->neps -= s->sp.neps;
		t->st.services--;
	}
	spec_free(s);
	s->sp = tmp.sp;
	s->eps = tmp.eps;
	memcpy(s->spn, tmp.spn, sizeof(s->spn));
	s->dead = false;
	t->neps += sp->neps;
	t->st.services++;
	t->st.endpoints = (uint32_t)t->neps;
	r = rerender(t, s, false);
	if (r)
		t->need_full = true;
	return r ? r : update_large(t);
}

int ipt_del(struct ipt *t, const char *key)
{
	struct ipt_svc *s = svc_find(t, key);

	if (!s || s->dead)
		return -ENOENT;
	if (job_add(t, s, s->eps, s->sp.neps, serving, NULL, true))
		pr_warn("ipt: %s: no memory to queue its conntrack cleaning", key);
	t->neps -= s->sp.neps;
	t->st.services--;
	t->st.endpoints = (uint32_t)t->neps;
	s->dead = true;
	for (int i = 0; i < SH_N; i++)
		buf_free(&s->shared[i]);
	if (s->cur != s->applied)
		ipt_chains_free(s->cur);
	s->cur = NULL;
	touch(t, s, true);
	return update_large(t);
}

/* The endpoints the cluster chain balances over: ready, else serving and
 * terminating. Their indices into idx; returns how many. */
static uint32_t usable(const struct ipt_svc *s, uint32_t *idx)
{
	uint32_t n = 0;

	for (int ready = 1; ready >= 0 && !n; ready--)
		for (uint32_t i = 0; i < s->sp.neps; i++) {
			const struct ipt_ep *e = &s->eps[i].ep;

			if (ready ? e->ready : (e->serving && e->terminating))
				idx[n++] = i;
		}
	return n;
}

int ipt_set_weights(struct ipt *t, const char *key, const uint32_t *active, uint32_t n)
{
	struct ipt_svc *s = svc_find(t, key);
	uint32_t *idx, *act, k;
	double *before, *want, *now;
	bool moved;
	int r;

	if (!s || s->dead)
		return -ENOENT;
	if (n != s->sp.neps)
		return -EINVAL;
	if (!n)
		return 0;
	idx = calloc(n, sizeof(*idx));
	act = calloc(n, sizeof(*act));
	before = calloc(n, sizeof(*before));
	want = calloc(n, sizeof(*want));
	now = calloc(n, sizeof(*now));
	if (!idx || !act || !before || !want || !now) {
		r = -ENOMEM;
		goto out;
	}
	k = usable(s, idx);
	for (uint32_t i = 0; i < k; i++) {
		before[i] = s->eps[idx[i]].weight;
		want[i] = s->eps[idx[i]].want;
		act[i] = active[idx[i]];
	}
	ipt_weights_step(before, want, act, k, now);
	for (uint32_t i = 0; i < k; i++)
		s->eps[idx[i]].want = now[i];
	moved = ipt_weights_moved(before, now, k, t->o.weight_threshold);
	r = 0;
	if (!moved)
		goto out;
	for (uint32_t i = 0; i < k; i++)
		s->eps[idx[i]].weight = now[i];
	r = rerender(t, s, true);
	r = r ? r : 1;
out:
	free(idx);
	free(act);
	free(before);
	free(want);
	free(now);
	return r;
}
const struct ipt_stats *ipt_stats(const struct ipt *t)
{
	return &t->st;
}

double ipt_sync_delay(const struct ipt *t)
{
	double d;

	if (!t->synced)
		return 0;
	d = t->last_sync + t->o.min_sync_period - ipt_mono();
	return d > 0 ? d : 0;
}
