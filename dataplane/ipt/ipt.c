/* ipt: service ports -> rendered chains -> iptables-restore, by difference.
 *
 * Each service port keeps two chain sets: cur, rendered by ipt_set, and
 * applied, what the last good restore wrote. A partial sync writes the
 * shared chains whole (they hold every service's jump) and, of the touched
 * service ports, only the chains whose text differs from applied, and
 * deletes the applied chains cur no longer has. A full sync writes every
 * chain and deletes the stale ones iptables-save shows.
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
#include "strmap.h"

/* upstream's masquerade bit 14 */
#define MASQ_MARK "0x4000"

/* The per-service chain prefixes a full sync owns (upstream's
 * isServiceChainName). */
static const char *const svc_prefixes[] = {"KUBE-SVC-", "KUBE-SVL-", "KUBE-EXT-", "KUBE-SEP-",
					   "KUBE-FW-"};

/* The jumps from the built-in chains to ours (upstream iptablesJumpChains,
 * without KUBE-PROXY-FIREWALL: no loadBalancerSourceRanges). A full sync
 * inserts the ones iptables-save does not show. */
static const struct jump {
	bool nat;
	const char *chain, *target, *comment, *extra;
} jumps[] = {
    {false, "INPUT", "KUBE-EXTERNAL-SERVICES", "kubernetes externally-visible service portals",
     "-m conntrack --ctstate NEW "},
    {false, "FORWARD", "KUBE-EXTERNAL-SERVICES", "kubernetes externally-visible service portals",
     "-m conntrack --ctstate NEW "},
    {false, "INPUT", "KUBE-NODEPORTS", "kubernetes health check service ports", ""},
    {false, "FORWARD", "KUBE-SERVICES", "kubernetes service portals",
     "-m conntrack --ctstate NEW "},
    {false, "OUTPUT", "KUBE-SERVICES", "kubernetes service portals", "-m conntrack --ctstate NEW "},
    {false, "FORWARD", "KUBE-FORWARD", "kubernetes forwarding rules", ""},
    {true, "OUTPUT", "KUBE-SERVICES", "kubernetes service portals", ""},
    {true, "PREROUTING", "KUBE-SERVICES", "kubernetes service portals", ""},
    {true, "POSTROUTING", "KUBE-POSTROUTING", "kubernetes postrouting rules", ""},
};
#define NJUMPS (sizeof(jumps) / sizeof(jumps[0]))

/* A growable list of chain names. */
struct names {
	char **v;
	uint32_t n, cap;
};

/* What a full sync read from iptables-save. */
struct saved {
	struct names stale; /* our per-service chains in nat */
	bool have[NJUMPS];
};

struct ipt {
	struct ipt_opts o; /* strings below */
	char *restore_bin, *save_bin, *cidr;
	void *root;	   /* tree of struct ipt_svc by key, dead ones included */
	uint32_t ntouched; /* service ports with touched set */
	uint64_t neps;	   /* endpoints of the live service ports */
	bool large;	   /* neps > IPT_LARGE_CLUSTER_EPS */
	bool need_full;	   /* first sync, or one after a failure */
	bool be_liberal;   /* nf_conntrack_tcp_be_liberal: no INVALID drop */
	bool synced;	   /* a restore ran */
	double last_sync, last_full;
	struct ipt_ct_job *jobs; /* conntrack cleaning for the next good sync */
	uint32_t njobs, capjobs;
	struct ipt_stats st;
};

/* Room in *pv (an array of size-byte items, n used, *cap allocated) for
 * one more. */
static int grow(void *pv, uint32_t n, uint32_t *cap, size_t size)
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

static int names_add(struct names *l, const char *name, size_t len)
{
	if (grow(&l->v, l->n, &l->cap, sizeof(*l->v)) || !(l->v[l->n] = strndup(name, len)))
		return -ENOMEM;
	l->n++;
	return 0;
}

static void names_free(struct names *l)
{
	for (uint32_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int svc_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ipt_svc *)a)->key, ((const struct ipt_svc *)b)->key);
}

static struct ipt_svc *svc_find(const struct ipt *t, const char *key)
{
	struct ipt_svc probe = {.key = (char *)key};
	void *n = tfind(&probe, &t->root, svc_cmp);

	return n ? *(struct ipt_svc **)n : NULL;
}

/* The spec's owned copies. */
static void spec_free(struct ipt_svc *s)
{
	free((char *)s->sp.ns);
	free((char *)s->sp.name);
	free((char *)s->sp.port_name);
	free((uint32_t *)s->sp.ext);
	free(s->eps);
	memset(&s->sp, 0, sizeof(s->sp));
	s->eps = NULL;
}

static void svc_free(void *v)
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

static void touch(struct ipt *t, struct ipt_svc *s)
{
	if (!s->touched)
		t->ntouched++;
	s->touched = true;
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

static bool valid(const struct ipt_svc_port *sp)
{
	return name_ok(sp->ns, false) && name_ok(sp->name, false) && name_ok(sp->port_name, true) &&
	       ipt_proto_name(sp->proto) && sp->cluster_ip && sp->port && sp->nlb <= sp->next &&
	       (sp->ext || !sp->next) && (sp->eps || !sp->neps);
}

/* Copy sp into s (whose spec is empty), carrying the active counts of
 * endpoints old had at the same address and port. */
static int spec_copy(struct ipt_svc *s, const struct ipt_svc_port *sp, const struct ipt_iep *old,
		     uint32_t nold)
{
	s->sp = *sp;
	s->sp.ns = strdup(sp->ns);
	s->sp.name = strdup(sp->name);
	s->sp.port_name = strdup(sp->port_name ? sp->port_name : "");
	s->sp.ext = sp->next ? malloc(sp->next * sizeof(*sp->ext)) : NULL;
	s->sp.eps = NULL;
	s->eps = calloc(sp->neps ? sp->neps : 1, sizeof(*s->eps));
	if (!s->sp.ns || !s->sp.name || !s->sp.port_name || (sp->next && !s->sp.ext) || !s->eps)
		return -ENOMEM;
	if (sp->next)
		memcpy((uint32_t *)s->sp.ext, sp->ext, sp->next * sizeof(*sp->ext));
	for (uint32_t i = 0; i < sp->neps; i++) {
		s->eps[i].ep = sp->eps[i];
		for (uint32_t j = 0; j < nold; j++)
			if (old[j].ep.addr == sp->eps[i].addr && old[j].ep.port == sp->eps[i].port)
				s->eps[i].active = old[j].active;
	}
	if (*s->sp.port_name)
		snprintf(s->spn, sizeof(s->spn), "%s/%s:%s", sp->ns, sp->name, sp->port_name);
	else
		snprintf(s->spn, sizeof(s->spn), "%s/%s", sp->ns, sp->name);
	return 0;
}

/* Render s into its cur and shared; touch it if anything differs. */
static int rerender(struct ipt *t, struct ipt_svc *s)
{
	struct ipt_render_ctx c = {.cidr = t->cidr, .large = t->large};
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
	touch(t, s);
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
	r = rerender(w->t, s);
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
	if (grow(&t->jobs, t->njobs, &t->capjobs, sizeof(*t->jobs)))
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

static void jobs_free(struct ipt *t)
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
	struct ipt *t;

	if (o->cluster_cidr && !cidr_ok(o->cluster_cidr))
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->o = *o;
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
	tdestroy(t->root, svc_free);
	jobs_free(t);
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
		if (!s || !(s->key = strdup(key)) || !tsearch(s, &t->root, svc_cmp)) {
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
			tdelete(s, &t->root, svc_cmp);
			svc_free(s);
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
	r = rerender(t, s);
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
	touch(t, s);
	return update_large(t);
}

/* The endpoints the cluster chain balances over: ready, else serving and
 * terminating. Their counts go into v; returns how many. */
static uint32_t usable_counts(const struct ipt_svc *s, const uint32_t *active, uint32_t *v)
{
	uint32_t n = 0;

	for (int ready = 1; ready >= 0 && !n; ready--)
		for (uint32_t i = 0; i < s->sp.neps; i++) {
			const struct ipt_ep *e = &s->eps[i].ep;

			if (ready ? e->ready : (e->serving && e->terminating))
				v[n++] = active ? active[i] : s->eps[i].active;
		}
	return n;
}

int ipt_set_weights(struct ipt *t, const char *key, const uint32_t *active, uint32_t n)
{
	struct ipt_svc *s = svc_find(t, key);
	uint32_t *before, *now, k;
	bool moved;
	int r;

	if (!s || s->dead)
		return -ENOENT;
	if (n != s->sp.neps)
		return -EINVAL;
	if (!n)
		return 0;
	before = calloc(n, sizeof(*before));
	now = calloc(n, sizeof(*now));
	if (!before || !now) {
		free(before);
		free(now);
		return -ENOMEM;
	}
	k = usable_counts(s, NULL, before);
	usable_counts(s, active, now);
	moved = ipt_weights_moved(before, now, k, t->o.weight_threshold);
	free(before);
	free(now);
	if (!moved)
		return 0;
	for (uint32_t i = 0; i < n; i++)
		s->eps[i].active = active[i];
	r = rerender(t, s);
	return r ? r : 1;
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
	d = t->last_sync + t->o.min_sync_period - mono();
	return d > 0 ? d : 0;
}

/* --- rendering the restore input --- */

struct rctx {
	bool full;
	struct buf sh[SH_N];
	struct buf decl, rules;
	struct strmap declared; /* chain names with a ":" line */
	struct names del;	/* chains to delete, maybe declared later */
	uint32_t nwritten;
	bool oom;
};

static void declare(struct rctx *c, const char *name)
{
	if (strmap_get(&c->declared, name))
		return;
	if (strmap_put(&c->declared, name, (void *)1, NULL))
		c->oom = true;
	buf_printf(&c->decl, ":%s - [0:0]\n", name);
}

static void want_delete(struct rctx *c, const char *name)
{
	if (names_add(&c->del, name, strlen(name)))
		c->oom = true;
}

static void render_one(const void *node, VISIT which, void *ud)
{
	const struct ipt_svc *s = *(struct ipt_svc *const *)node;
	struct rctx *c = ud;

	if (which != postorder && which != leaf)
		return;
	for (int i = 0; i < SH_N && !s->dead; i++)
		buf_put(&c->sh[i], s->shared[i].p ? s->shared[i].p : "", s->shared[i].len);
	if (!c->full && !s->touched)
		return;
	for (uint32_t i = 0; s->cur && i < s->cur->n; i++) {
		const struct ipt_chain *ch = &s->cur->v[i], *was;

		was = c->full ? NULL : ipt_chains_find(s->applied, ch->name);
		if (was && was->len == ch->len && !memcmp(was->rules, ch->rules, ch->len))
			continue;
		declare(c, ch->name);
		buf_put(&c->rules, ch->rules, ch->len);
		c->nwritten++;
	}
	for (uint32_t i = 0; s->applied && i < s->applied->n; i++)
		if (!ipt_chains_find(s->cur, s->applied->v[i].name))
			want_delete(c, s->applied->v[i].name);
}

static const char *jump_line(const struct jump *j, char *buf, size_t len)
{
	snprintf(buf, len, "-I %s %s-m comment --comment \"%s\" -j %s\n", j->chain, j->extra,
		 j->comment, j->target);
	return buf;
}

static void put_jumps(struct buf *b, bool nat, const struct saved *sv)
{
	char line[256];

	for (size_t i = 0; sv && i < NJUMPS; i++)
		if (jumps[i].nat == nat && !sv->have[i])
			buf_puts(b, jump_line(&jumps[i], line, sizeof(line)));
}

static void put_filter(const struct ipt *t, struct rctx *c, const struct saved *sv, struct buf *o)
{
	buf_puts(o, "*filter\n"
		    ":KUBE-SERVICES - [0:0]\n"
		    ":KUBE-EXTERNAL-SERVICES - [0:0]\n"
		    ":KUBE-FORWARD - [0:0]\n"
		    ":KUBE-NODEPORTS - [0:0]\n");
	put_jumps(o, false, sv);
	buf_put(o, c->sh[SH_FLT_NODEPORTS].p, c->sh[SH_FLT_NODEPORTS].len);
	buf_put(o, c->sh[SH_FLT_SERVICES].p, c->sh[SH_FLT_SERVICES].len);
	buf_put(o, c->sh[SH_FLT_EXTERNAL].p, c->sh[SH_FLT_EXTERNAL].len);
	/* without be_liberal, out-of-window packets are INVALID and would
	 * reach pods unNATed, which reset the connection */
	if (!t->be_liberal)
		buf_puts(o, "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n");
	buf_puts(o, "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark "
		    "--mark " MASQ_MARK "/" MASQ_MARK " -j ACCEPT\n"
		    "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" "
		    "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
		    "COMMIT\n");
}

static void put_nat(struct rctx *c, const struct saved *sv, struct buf *o)
{
	buf_puts(o, "*nat\n"
		    ":KUBE-SERVICES - [0:0]\n"
		    ":KUBE-NODEPORTS - [0:0]\n"
		    ":KUBE-POSTROUTING - [0:0]\n"
		    ":KUBE-MARK-MASQ - [0:0]\n");
	buf_put(o, c->decl.p, c->decl.len);
	put_jumps(o, true, sv);
	buf_puts(o,
		 "-A KUBE-POSTROUTING -m mark ! --mark " MASQ_MARK "/" MASQ_MARK " -j RETURN\n"
		 "-A KUBE-POSTROUTING -j MARK --xor-mark " MASQ_MARK "\n"
		 "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring "
		 "SNAT\" -j MASQUERADE --random-fully\n"
		 "-A KUBE-MARK-MASQ -j MARK --or-mark " MASQ_MARK "\n");
	buf_put(o, c->sh[SH_NAT_SERVICES].p, c->sh[SH_NAT_SERVICES].len);
	/* node ports last: any local address, after every service address;
	 * 127/8 excluded as upstream without route_localnet */
	buf_puts(o, "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: "
		    "this must be the last rule in this chain\" -m addrtype --dst-type LOCAL ! -d "
		    "127.0.0.0/8 -j KUBE-NODEPORTS\n");
	buf_put(o, c->sh[SH_NAT_NODEPORTS].p, c->sh[SH_NAT_NODEPORTS].len);
	buf_put(o, c->rules.p, c->rules.len);
}

/* The restore input into o; *nwritten and *ndeleted count the per-service
 * chains written and deleted. */
static int render(struct ipt *t, bool full, const struct saved *sv, struct buf *o,
		  uint32_t *nwritten, uint32_t *ndeleted)
{
	struct rctx c = {.full = full};
	struct buf dels = {0};
	uint32_t nd = 0;
	int r;

	strmap_init(&c.declared);
	twalk_r(t->root, render_one, &c);
	for (uint32_t i = 0; sv && i < sv->stale.n; i++)
		want_delete(&c, sv->stale.v[i]);
	/* a chain is deleted only if no live service port writes it */
	for (uint32_t i = 0; i < c.del.n; i++) {
		if (strmap_get(&c.declared, c.del.v[i]))
			continue;
		declare(&c, c.del.v[i]);
		buf_printf(&dels, "-X %s\n", c.del.v[i]);
		nd++;
	}
	put_filter(t, &c, sv, o);
	put_nat(&c, sv, o);
	buf_put(o, dels.p, dels.len);
	buf_puts(o, "COMMIT\n");
	r = c.oom || c.decl.oom || c.rules.oom || dels.oom || o->oom ? -ENOMEM : 0;
	for (int i = 0; i < SH_N; i++) {
		r = r ? r : (c.sh[i].oom ? -ENOMEM : 0);
		buf_free(&c.sh[i]);
	}
	names_free(&c.del);
	strmap_free(&c.declared);
	buf_free(&c.decl);
	buf_free(&c.rules);
	buf_free(&dels);
	*nwritten = c.nwritten;
	*ndeleted = nd;
	return r;
}

int ipt_render(struct ipt *t, bool full, char **text, size_t *len)
{
	struct buf o = {0};
	uint32_t nw, nd;
	int r = render(t, full, NULL, &o, &nw, &nd);

	if (r) {
		buf_free(&o);
		return r;
	}
	*text = o.p;
	*len = o.len;
	return 0;
}

/* --- sync --- */

static bool has_svc_prefix(const char *name)
{
	for (size_t i = 0; i < sizeof(svc_prefixes) / sizeof(svc_prefixes[0]); i++)
		if (!strncmp(name, svc_prefixes[i], strlen(svc_prefixes[i])))
			return true;
	return false;
}

/* "-A CHAIN ... --comment "C" ... -j TARGET" as iptables-save prints a jump. */
static bool is_jump(const char *line, size_t n, const struct jump *j)
{
	char head[64], cm[128], tail[64];
	size_t hl, tl;

	hl = (size_t)snprintf(head, sizeof(head), "-A %s ", j->chain);
	snprintf(cm, sizeof(cm), "--comment \"%s\"", j->comment);
	tl = (size_t)snprintf(tail, sizeof(tail), " -j %s", j->target);
	return n > hl + tl && !strncmp(line, head, hl) && !strncmp(line + n - tl, tail, tl) &&
	       memmem(line, n, cm, strlen(cm));
}

/* One table's iptables-save output: our chains, the jumps present. */
static int saved_parse(struct saved *sv, const char *text, bool nat)
{
	for (const char *l = text; *l;) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);

		while (n && (l[n - 1] == '\r' || l[n - 1] == ' '))
			n--;
		if (nat && l[0] == ':' && has_svc_prefix(l + 1)) {
			size_t k = strcspn(l + 1, " \n");

			if (names_add(&sv->stale, l + 1, k))
				return -ENOMEM;
		}
		for (size_t i = 0; i < NJUMPS && l[0] == '-'; i++)
			if (jumps[i].nat == nat && is_jump(l, n, &jumps[i]))
				sv->have[i] = true;
		l = e ? e + 1 : l + n;
	}
	return 0;
}

static int read_saved(struct ipt *t, struct saved *sv)
{
	static const char *const tables[] = {"nat", "filter"};

	for (int i = 0; i < 2; i++) {
		char *argv[] = {t->save_bin, "-t", (char *)tables[i], NULL}, *out;
		int r = ipt_run(t->save_bin, argv, NULL, 0, &out, t->st.last_error,
				sizeof(t->st.last_error));

		if (!r)
			r = saved_parse(sv, out, i == 0);
		free(out);
		if (r)
			return r;
	}
	return 0;
}

/* Log the input line an iptables-restore error names ("line N failed"). */
static void log_failed_line(const char *err, const char *text)
{
	const char *p = strstr(err, "line ");
	long ln = p ? strtol(p + 5, NULL, 10) : 0;

	for (const char *l = text; ln > 0 && *l; ln--) {
		const char *e = strchr(l, '\n');

		if (ln == 1) {
			pr_err("ipt: the failed input line: %.*s",
			       (int)(e ? e - l : (long)strlen(l)), l);
			return;
		}
		if (!e)
			return;
		l = e + 1;
	}
}

struct commit_ctx {
	bool full;
	struct ipt_svc **dead;
	uint32_t ndead;
};

static void commit_one(const void *node, VISIT which, void *ud)
{
	struct ipt_svc *s = *(struct ipt_svc *const *)node;
	struct commit_ctx *c = ud;

	if (which != postorder && which != leaf)
		return;
	if (c->full || s->touched) {
		if (s->applied != s->cur)
			ipt_chains_free(s->applied);
		s->applied = s->cur;
		s->touched = false;
	}
	if (s->dead && c->dead)
		c->dead[c->ndead++] = s;
}

static void count_dead(const void *node, VISIT which, void *ud)
{
	if ((which == postorder || which == leaf) && (*(struct ipt_svc *const *)node)->dead)
		(*(uint32_t *)ud)++;
}

/* The restore went in: applied = cur, dead service ports freed. */
static void commit(struct ipt *t, bool full)
{
	struct commit_ctx c = {.full = full};
	uint32_t ndead = 0;

	twalk_r(t->root, count_dead, &ndead);
	c.dead = ndead ? calloc(ndead, sizeof(*c.dead)) : NULL;
	twalk_r(t->root, commit_one, &c);
	for (uint32_t i = 0; i < c.ndead; i++) {
		tdelete(c.dead[i], &t->root, svc_cmp);
		svc_free(c.dead[i]);
	}
	free(c.dead);
	t->ntouched = 0;
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

/* After a good restore: remove the UDP flows to endpoints that stopped
 * serving. A full sync also reconciles every UDP service port (what went
 * away while nothing ran is unknown): DNATed flows to its frontends whose
 * endpoint is not one of its serving ones are removed, as upstream's
 * CleanStaleEntries. */
static void clean_conntrack(struct ipt *t, bool full)
{
	struct walk_err w = {.t = t};
	int r;

	if (t->o.no_conntrack)
		return;
	if (full)
		twalk_r(t->root, reconcile_one, &w);
	r = ipt_ct_clean(t->jobs, t->njobs);
	if (r < 0) {
		t->st.ct_errors++;
		pr_warn("ipt: stale UDP conntrack entries left: %s", strerror(-r));
	} else {
		t->st.ct_deleted += (uint64_t)r;
	}
	jobs_free(t);
}

int ipt_sync(struct ipt *t)
{
	char *argv[] = {t->restore_bin, "-w", "5", "-W", "100000", "--noflush", "--counters", NULL};
	double now = mono(), t0;
	bool full = t->need_full ||
		    (t->o.full_sync_period > 0 && now - t->last_full >= t->o.full_sync_period);
	struct saved sv = {0};
	struct buf o = {0};
	uint32_t nw = 0, nd = 0;
	int r;

	if (!full && !t->ntouched)
		return 0;
	if (t->synced && now - t->last_sync < t->o.min_sync_period)
		return -EAGAIN;
	t->synced = true;
	t->last_sync = now;
	t->st.syncs++;
	t->st.full_syncs += full;
	r = full ? read_saved(t, &sv) : 0;
	if (!r)
		r = render(t, full, full ? &sv : NULL, &o, &nw, &nd);
	names_free(&sv.stale);
	t0 = mono();
	if (!r)
		r = ipt_run(t->restore_bin, argv, o.p, o.len, NULL, t->st.last_error,
			    sizeof(t->st.last_error));
	t->st.last_sync_seconds = mono() - t0;
	t->st.bytes_written = o.len;
	t->st.chains_written = nw;
	t->st.chains_deleted = nd;
	if (r) {
		t->st.failures++;
		t->need_full = true;
		if (!t->st.last_error[0])
			snprintf(t->st.last_error, sizeof(t->st.last_error), "%s", strerror(-r));
		pr_err("ipt: sync failed: %s", t->st.last_error);
		if (o.p)
			log_failed_line(t->st.last_error, o.p);
		buf_free(&o);
		return r;
	}
	buf_free(&o);
	t->st.last_error[0] = 0;
	commit(t, full);
	if (full) {
		t->need_full = false;
		t->last_full = now;
	}
	clean_conntrack(t, full);
	return 0;
}
