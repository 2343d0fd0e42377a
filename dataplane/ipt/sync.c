/* sync: the restore input and iptables-restore itself.
 *
 * A partial sync writes the shared chains whole (they hold every service
 * port's jump) and, of the touched service ports, only the chains whose
 * text differs from what was applied, then deletes the applied chains
 * that are gone. When only weights moved, the shared chains are what was
 * applied: the restore has just the moved KUBE-SVC/SVL chains (a few
 * hundred bytes, not the 1 MB of KUBE-SERVICES at 10,000 services). A
 * full sync writes every chain, inserts the jump rules iptables-save does
 * not show and deletes the stale chains it does.
 */
#include <errno.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
 * in its order: each is inserted first, so the last listed is the first
 * rule). A full sync inserts the ones iptables-save does not show. */
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
    {false, "INPUT", "KUBE-PROXY-FIREWALL", "kubernetes load balancer firewall",
     "-m conntrack --ctstate NEW "},
    {false, "OUTPUT", "KUBE-PROXY-FIREWALL", "kubernetes load balancer firewall",
     "-m conntrack --ctstate NEW "},
    {false, "FORWARD", "KUBE-PROXY-FIREWALL", "kubernetes load balancer firewall",
     "-m conntrack --ctstate NEW "},
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

static int names_add(struct names *l, const char *name, size_t len)
{
	if (ipt_grow(&l->v, l->n, &l->cap, sizeof(*l->v)) || !(l->v[l->n] = strndup(name, len)))
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

/* --- rendering the restore input --- */

struct rctx {
	bool full;
	bool shared; /* write the shared chains (not a weights-only sync) */
	struct buf sh[SH_N];
	struct buf decl, rules;
	struct strmap declared; /* chain names with a ":" line */
	struct names del;	/* chains to delete, maybe declared later */
	uint32_t nwritten;
	bool oom;
};

/* Append b to o (b may be empty, its p NULL). */
static void buf_cat(struct buf *o, const struct buf *b)
{
	if (b->len)
		buf_put(o, b->p, b->len);
}

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
		buf_cat(&c->sh[i], &s->shared[i]);
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
		    ":KUBE-NODEPORTS - [0:0]\n"
		    ":KUBE-PROXY-FIREWALL - [0:0]\n");
	put_jumps(o, false, sv);
	buf_cat(o, &c->sh[SH_FLT_NODEPORTS]);
	buf_cat(o, &c->sh[SH_FLT_FIREWALL]);
	buf_cat(o, &c->sh[SH_FLT_SERVICES]);
	buf_cat(o, &c->sh[SH_FLT_EXTERNAL]);
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
	buf_cat(o, &c->decl);
	put_jumps(o, true, sv);
	buf_puts(o,
		 "-A KUBE-POSTROUTING -m mark ! --mark " MASQ_MARK "/" MASQ_MARK " -j RETURN\n"
		 "-A KUBE-POSTROUTING -j MARK --xor-mark " MASQ_MARK "\n"
		 "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring "
		 "SNAT\" -j MASQUERADE --random-fully\n"
		 "-A KUBE-MARK-MASQ -j MARK --or-mark " MASQ_MARK "\n");
	buf_cat(o, &c->sh[SH_NAT_SERVICES]);
	/* node ports last: any local address, after every service address;
	 * 127/8 excluded as upstream without route_localnet */
	buf_puts(o, "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: "
		    "this must be the last rule in this chain\" -m addrtype --dst-type LOCAL ! -d "
		    "127.0.0.0/8 -j KUBE-NODEPORTS\n");
	buf_cat(o, &c->sh[SH_NAT_NODEPORTS]);
	buf_cat(o, &c->rules);
}

/* The restore input into o; *nwritten and *ndeleted count the per-service
 * chains written and deleted. */
static int render(struct ipt *t, bool full, const struct saved *sv, struct buf *o,
		  uint32_t *nwritten, uint32_t *ndeleted)
{
	/* weights-only: touched service ports, none of them reshaped (with
	 * nothing touched, the shared chains are what a sync would write) */
	struct rctx c = {.full = full, .shared = full || t->nreshaped || !t->ntouched};
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
	if (c.shared) {
		put_filter(t, &c, sv, o);
		put_nat(&c, sv, o);
	} else {
		buf_puts(o, "*nat\n");
		buf_cat(o, &c.decl);
		buf_cat(o, &c.rules);
	}
	buf_cat(o, &dels);
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
		s->reshaped = false;
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
		tdelete(c.dead[i], &t->root, ipt_svc_cmp);
		ipt_svc_free(c.dead[i]);
	}
	free(c.dead);
	t->ntouched = 0;
	t->nreshaped = 0;
}

/* After a good restore: remove the UDP flows to endpoints that stopped
 * serving. A full sync also reconciles every UDP service port (what went
 * away while nothing ran is unknown): DNATed flows to its frontends whose
 * endpoint is not one of its serving ones are removed, as upstream's
 * CleanStaleEntries. */
static void clean_conntrack(struct ipt *t, bool full)
{
	int r;

	if (t->o.no_conntrack)
		return;
	if (full && ipt_ct_queue_reconcile(t))
		pr_warn("ipt: no memory to reconcile conntrack");
	r = ipt_ct_clean(t->jobs, t->njobs);
	if (r < 0) {
		t->st.ct_errors++;
		pr_warn("ipt: stale UDP conntrack entries left: %s", strerror(-r));
	} else {
		t->st.ct_deleted += (uint64_t)r;
	}
	ipt_ct_jobs_free(t);
}

int ipt_sync(struct ipt *t)
{
	char *argv[] = {t->restore_bin, "-w", "5", "-W", "100000", "--noflush", "--counters", NULL};
	double now = ipt_mono(), t0;
	bool full = t->need_full ||
		    (t->o.full_sync_period > 0 && now - t->last_full >= t->o.full_sync_period);
	struct saved sv = {0};
	struct buf o = {0};
	uint32_t nw = 0, nd = 0;
	int r;

	bool weights_only = !full && !t->nreshaped;

	if (!full && !t->ntouched)
		return 0;
	if (!weights_only && t->synced && now - t->last_sync < t->o.min_sync_period)
		return -EAGAIN;
	if (!weights_only) {
		t->synced = true;
		t->last_sync = now;
	}
	t->st.syncs++;
	t->st.full_syncs += full;
	t->st.weight_syncs += weights_only;
	r = full ? read_saved(t, &sv) : 0;
	if (!r)
		r = render(t, full, full ? &sv : NULL, &o, &nw, &nd);
	names_free(&sv.stale);
	t0 = ipt_mono();
	if (!r)
		r = ipt_run(t->restore_bin, argv, o.p, o.len, NULL, t->st.last_error,
			    sizeof(t->st.last_error));
	t->st.last_sync_seconds = ipt_mono() - t0;
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
