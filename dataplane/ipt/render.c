/* render: one service port's rules, as upstream's syncProxyRules writes
 * them for it (pkg/proxy/iptables/proxier.go and CategorizeEndpoints in
 * pkg/proxy/topology.go), without topology hints.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipt_int.h"

/* One endpoint while rendering: its "ip:port" and KUBE-SEP chain. */
struct rep {
	const struct ipt_iep *e;
	char str[24];
	char ip[16];
	char sep[IPT_CHAIN_MAX];
	bool cluster, local; /* in the Cluster / Local policy set */
};

/* A service port's facts, derived once (upstream's variable names). */
struct facts {
	const char *c;	       /* the service port name: comments */
	const char *p;	       /* "tcp", ... */
	char vip[16];	       /* cluster IP */
	bool has_any;	       /* a usable endpoint anywhere */
	bool has_int, has_ext; /* usable for internal / external traffic */
	bool ext_acc;	       /* NodePort, externalIP or LoadBalancer */
	bool ext_local;	       /* externalTrafficPolicy Local, externally accessible */
	bool svc_chain;	       /* KUBE-SVC exists */
	bool svl_chain;	       /* KUBE-SVL exists */
	bool uses_fw;	       /* KUBE-FW: LoadBalancer addresses with source ranges */
	const char *int_chain; /* where cluster IP traffic goes */
	const char *ext_chain; /* where KUBE-EXT finally goes */
	char svc[IPT_CHAIN_MAX], svl[IPT_CHAIN_MAX], ext[IPT_CHAIN_MAX], fw[IPT_CHAIN_MAX];
	struct rep *r; /* sorted by str */
	uint32_t n, ncluster, nlocal;
};

static int rep_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rep *)a)->str, ((const struct rep *)b)->str);
}

static void ip_str(uint32_t be, char *out)
{
	struct in_addr a = {.s_addr = be};

	inet_ntop(AF_INET, &a, out, 16);
}

static bool usable(const struct ipt_ep *e, bool ready_pass)
{
	return ready_pass ? e->ready : (e->serving && e->terminating);
}

/* Mark the endpoints of one policy: the ready ones (local ones only for
 * local), else the serving+terminating ones (upstream's fallback). */
static uint32_t pick(struct facts *f, bool local)
{
	for (int pass = 1; pass >= 0; pass--) {
		uint32_t n = 0;

		for (uint32_t i = 0; i < f->n; i++) {
			const struct ipt_ep *e = &f->r[i].e->ep;

			if ((!local || e->local) && usable(e, pass)) {
				if (local)
					f->r[i].local = true;
				else
					f->r[i].cluster = true;
				n++;
			}
		}
		if (n)
			return n;
	}
	return 0;
}

static int facts_init(const struct ipt_svc *s, struct facts *f)
{
	const struct ipt_svc_port *sp = &s->sp;
	bool uses_cluster, uses_local;

	memset(f, 0, sizeof(*f));
	f->c = s->spn;
	f->p = ipt_proto_name(sp->proto);
	ip_str(sp->cluster_ip, f->vip);
	ipt_chain_name(f->svc, "KUBE-SVC-", s->spn, f->p, "");
	ipt_chain_name(f->svl, "KUBE-SVL-", s->spn, f->p, "");
	ipt_chain_name(f->ext, "KUBE-EXT-", s->spn, f->p, "");
	ipt_chain_name(f->fw, "KUBE-FW-", s->spn, f->p, "");
	f->n = sp->neps;
	f->r = calloc(f->n ? f->n : 1, sizeof(*f->r));
	if (!f->r)
		return -ENOMEM;
	for (uint32_t i = 0; i < f->n; i++) {
		struct rep *r = &f->r[i];

		r->e = &s->eps[i];
		ip_str(r->e->ep.addr, r->ip);
		snprintf(r->str, sizeof(r->str), "%s:%u", r->ip, ntohs(r->e->ep.port));
		ipt_chain_name(r->sep, "KUBE-SEP-", s->spn, f->p, r->str);
	}
	qsort(f->r, f->n, sizeof(*f->r), rep_cmp);

	f->ext_acc = sp->node_port || sp->next;
	f->ext_local = sp->ext_local && f->ext_acc;
	uses_cluster = !sp->int_local || (f->ext_acc && !f->ext_local);
	uses_local = sp->int_local || f->ext_local;
	/* The short-circuit rules of a Local KUBE-EXT jump to KUBE-SVC, so it
	 * exists then even if both policies are Local. */
	if (uses_cluster || f->ext_local)
		f->ncluster = pick(f, false);
	if (uses_local)
		f->nlocal = pick(f, true);
	for (uint32_t i = 0; i < f->n; i++)
		if (f->r[i].e->ep.ready || (f->r[i].e->ep.serving && f->r[i].e->ep.terminating))
			f->has_any = true;
	f->has_int = f->has_any && (!sp->int_local || f->nlocal);
	f->has_ext = f->has_any && (!f->ext_local || f->nlocal);
	/* upstream: hasEndpoints, LoadBalancer addresses, source ranges */
	f->uses_fw = f->has_any && sp->nlb && sp->nranges;
	f->svc_chain = f->ncluster > 0;
	f->svl_chain = f->nlocal > 0;
	f->int_chain = sp->int_local ? f->svl : f->svc;
	f->ext_chain = f->ext_local ? f->svl : f->svc;
	return 0;
}

/* " -m tcp -p tcp -d ADDR --dport PORT" */
static void match_dst(struct buf *b, const struct facts *f, const char *addr, uint16_t port)
{
	buf_printf(b, " -m %s -p %s -d %s --dport %u", f->p, f->p, addr, port);
}

/* The rules in the shared chains (upstream: those written before the
 * per-service chains, which a partial sync never skips). */
static void render_shared(const struct ipt_svc *s, const struct facts *f, struct buf *sh)
{
	const struct ipt_svc_port *sp = &s->sp;
	const char *itarget = NULL, *etarget = NULL;
	char icomment[IPT_SPN_MAX + 32], ecomment[IPT_SPN_MAX + 32], addr[16];

	if (!f->has_any) {
		itarget = etarget = "REJECT";
		snprintf(icomment, sizeof(icomment), "\"%s has no endpoints\"", f->c);
		snprintf(ecomment, sizeof(ecomment), "%s", icomment);
	} else {
		if (!f->has_int) {
			itarget = "DROP";
			snprintf(icomment, sizeof(icomment), "\"%s has no local endpoints\"", f->c);
		}
		if (!f->has_ext) {
			etarget = "DROP";
			snprintf(ecomment, sizeof(ecomment), "\"%s has no local endpoints\"", f->c);
		}
	}

	if (f->has_int) {
		buf_printf(&sh[SH_NAT_SERVICES],
			   "-A KUBE-SERVICES -m comment --comment \"%s cluster IP\"", f->c);
		match_dst(&sh[SH_NAT_SERVICES], f, f->vip, sp->port);
		buf_printf(&sh[SH_NAT_SERVICES], " -j %s\n", f->int_chain);
	} else {
		buf_printf(&sh[SH_FLT_SERVICES], "-A KUBE-SERVICES -m comment --comment %s",
			   icomment);
		match_dst(&sh[SH_FLT_SERVICES], f, f->vip, sp->port);
		buf_printf(&sh[SH_FLT_SERVICES], " -j %s\n", itarget);
	}

	for (uint32_t i = 0; i < sp->next; i++) {
		bool lb = i >= sp->next - sp->nlb;

		ip_str(sp->ext[i], addr);
		if (f->has_any) {
			buf_printf(&sh[SH_NAT_SERVICES],
				   "-A KUBE-SERVICES -m comment --comment \"%s %s\"", f->c,
				   lb ? "loadbalancer IP" : "external IP");
			match_dst(&sh[SH_NAT_SERVICES], f, addr, sp->port);
			buf_printf(&sh[SH_NAT_SERVICES], " -j %s\n",
				   lb && f->uses_fw ? f->fw : f->ext);
		}
		/* what KUBE-FW did not DNAT is dropped here (NEW, before
		 * the endpoint filters) */
		if (lb && f->uses_fw) {
			buf_printf(&sh[SH_FLT_FIREWALL],
				   "-A KUBE-PROXY-FIREWALL -m comment --comment \"%s traffic not "
				   "accepted by %s\"",
				   f->c, f->fw);
			match_dst(&sh[SH_FLT_FIREWALL], f, addr, sp->port);
			buf_puts(&sh[SH_FLT_FIREWALL], " -j DROP\n");
		}
		if (!f->has_ext) {
			buf_printf(&sh[SH_FLT_EXTERNAL],
				   "-A KUBE-EXTERNAL-SERVICES -m comment --comment %s", ecomment);
			match_dst(&sh[SH_FLT_EXTERNAL], f, addr, sp->port);
			buf_printf(&sh[SH_FLT_EXTERNAL], " -j %s\n", etarget);
		}
	}

	if (sp->node_port) {
		if (f->has_any)
			buf_printf(
			    &sh[SH_NAT_NODEPORTS],
			    "-A KUBE-NODEPORTS -m comment --comment %s -m %s -p %s --dport %u "
			    "-j %s\n",
			    f->c, f->p, f->p, sp->node_port, f->ext);
		if (!f->has_ext)
			buf_printf(&sh[SH_FLT_EXTERNAL],
				   "-A KUBE-EXTERNAL-SERVICES -m comment --comment %s -m addrtype "
				   "--dst-type LOCAL -m %s -p %s --dport %u -j %s\n",
				   ecomment, f->p, f->p, sp->node_port, etarget);
	}

	if (sp->health_node_port)
		buf_printf(
		    &sh[SH_FLT_NODEPORTS],
		    "-A KUBE-NODEPORTS -m comment --comment \"%s health check node port\" -m tcp "
		    "-p tcp --dport %u -j ACCEPT\n",
		    f->c, sp->health_node_port);
}

/* A policy chain: affinity checks, then one rule per endpoint with the
 * (weighted) statistic probability; the last one always matches. */
static int render_policy(const struct ipt_render_ctx *c, const struct ipt_svc *s,
			 const struct facts *f, bool local, struct buf *b)
{
	const char *ch = local ? f->svl : f->svc;
	uint32_t n = local ? f->nlocal : f->ncluster, k = 0;
	double *w = calloc(n, sizeof(*w));
	const struct rep **v = calloc(n, sizeof(*v));
	double *p = calloc(n, sizeof(*p));

	if (!w || !v || !p) {
		free(w);
		free(v);
		free(p);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < f->n; i++) {
		if (local ? f->r[i].local : f->r[i].cluster) {
			v[k] = &f->r[i];
			w[k++] = f->r[i].e->weight;
		}
	}
	ipt_probabilities(w, n, p);
	for (uint32_t i = 0; s->sp.affinity && i < n; i++) {
		buf_printf(b, "-A %s", ch);
		if (!c->large)
			buf_printf(b, " -m comment --comment \"%s -> %s\"", f->c, v[i]->str);
		buf_printf(b, " -m recent --name %s --rcheck --seconds %u --reap -j %s\n",
			   v[i]->sep, s->sp.affinity_timeout, v[i]->sep);
	}
	for (uint32_t i = 0; i < n; i++) {
		buf_printf(b, "-A %s", ch);
		if (!c->large)
			buf_printf(b, " -m comment --comment \"%s -> %s\"", f->c, v[i]->str);
		if (i + 1 < n)
			buf_printf(b, " -m statistic --mode random --probability %0.10f", p[i]);
		buf_printf(b, " -j %s\n", v[i]->sep);
	}
	free(w);
	free(v);
	free(p);
	return 0;
}

/* Hand b's text over to a new chain of cs. */
static void chain_take(struct ipt_chains *cs, const char *name, struct buf *b)
{
	struct ipt_chain *ch = &cs->v[cs->n++];

	snprintf(ch->name, sizeof(ch->name), "%s", name);
	if (b->oom) {
		buf_free(b); /* rules stay NULL: render_chains reports it */
		return;
	}
	ch->rules = b->p ? b->p : strdup("");
	ch->len = b->len;
	*b = (struct buf){0};
}

static void render_ext(const struct ipt_render_ctx *c, const struct facts *f, struct buf *b)
{
	if (!f->ext_local) {
		/* endpoints may be on other nodes: masquerade, replies come back */
		buf_printf(b,
			   "-A %s -m comment --comment \"masquerade traffic for %s external "
			   "destinations\" -j KUBE-MARK-MASQ\n",
			   f->ext, f->c);
	} else {
		/* Local: keep the client address; pods and the node itself
		 * get the Cluster policy, as through an outside balancer */
		if (c->cidr)
			buf_printf(b,
				   "-A %s -m comment --comment \"pod traffic for %s external "
				   "destinations\" -s %s -j %s\n",
				   f->ext, f->c, c->cidr, f->svc);
		buf_printf(b,
			   "-A %s -m comment --comment \"masquerade LOCAL traffic for %s external "
			   "destinations\" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ\n",
			   f->ext, f->c);
		buf_printf(b,
			   "-A %s -m comment --comment \"route LOCAL traffic for %s external "
			   "destinations\" -m addrtype --src-type LOCAL -j %s\n",
			   f->ext, f->c, f->svc);
	}
	if (f->has_ext)
		buf_printf(b, "-A %s -j %s\n", f->ext, f->ext_chain);
}

/* KUBE-FW: clients in a source range go on to KUBE-EXT; the rest falls
 * off the end undNATed and KUBE-PROXY-FIREWALL drops it. A node inside a
 * range reaching a LoadBalancer address it holds arrives with that
 * address as its source: accepted too (upstream's allowFromNode). */
static void render_fw(const struct ipt_render_ctx *c, const struct ipt_svc *s,
		      const struct facts *f, struct buf *b)
{
	const struct ipt_svc_port *sp = &s->sp;
	bool from_node = false;
	char addr[16];

	for (uint32_t i = 0; i < sp->nranges; i++) {
		const struct ipt_cidr *r = &sp->ranges[i];
		uint32_t mask = r->len ? 0xffffffffu << (32 - r->len) : 0;

		ip_str(r->addr, addr);
		buf_printf(b, "-A %s -m comment --comment \"%s loadbalancer IP\" -s %s/%u -j %s\n",
			   f->fw, f->c, addr, r->len, f->ext);
		from_node =
		    from_node || (c->node_ip && (ntohl(c->node_ip) & mask) == ntohl(r->addr));
	}
	for (uint32_t i = sp->next - sp->nlb; from_node && i < sp->next; i++) {
		ip_str(sp->ext[i], addr);
		buf_printf(b, "-A %s -m comment --comment \"%s loadbalancer IP\" -s %s/32 -j %s\n",
			   f->fw, f->c, addr, f->ext);
	}
	buf_printf(b,
		   "-A %s -m comment --comment \"other traffic to %s will be dropped by "
		   "KUBE-PROXY-FIREWALL\"\n",
		   f->fw, f->c);
}

static void render_sep(const struct ipt_render_ctx *c, const struct ipt_svc *s,
		       const struct facts *f, const struct rep *r, struct buf *b)
{
	const char *cm = c->large ? "" : " -m comment --comment ";

	/* hairpin: an endpoint reaching itself through the service */
	buf_printf(b, "-A %s%s%s -s %s -j KUBE-MARK-MASQ\n", r->sep, cm, c->large ? "" : f->c,
		   r->ip);
	buf_printf(b, "-A %s%s%s", r->sep, cm, c->large ? "" : f->c);
	if (s->sp.affinity)
		buf_printf(b, " -m recent --name %s --set", r->sep);
	buf_printf(b, " -m %s -p %s -j DNAT --to-destination %s\n", f->p, f->p, r->str);
}

/* The masquerade rule for off-cluster clients of the cluster IP. */
static void render_int_masq(const struct ipt_render_ctx *c, const struct ipt_svc *s,
			    const struct facts *f, struct buf *b)
{
	buf_printf(b, "-A %s -m comment --comment \"%s cluster IP\"", f->int_chain, f->c);
	match_dst(b, f, f->vip, s->sp.port);
	buf_printf(b, " ! -s %s -j KUBE-MARK-MASQ\n", c->cidr);
}

static int render_chains(const struct ipt_render_ctx *c, const struct ipt_svc *s,
			 const struct facts *f, struct ipt_chains *cs)
{
	struct buf b = {0};
	bool masq = f->has_int && c->cidr;
	int r = 0;

	if (f->has_any && f->ext_acc) {
		render_ext(c, f, &b);
		chain_take(cs, f->ext, &b);
	}
	if (f->uses_fw) {
		render_fw(c, s, f, &b);
		chain_take(cs, f->fw, &b);
	}
	for (int local = 0; local < 2 && !r; local++) {
		if (!(local ? f->svl_chain : f->svc_chain))
			continue;
		if (masq && !strcmp(f->int_chain, local ? f->svl : f->svc))
			render_int_masq(c, s, f, &b);
		r = render_policy(c, s, f, local, &b);
		chain_take(cs, local ? f->svl : f->svc, &b);
	}
	for (uint32_t i = 0; i < f->n && !r; i++) {
		if (!f->r[i].cluster && !f->r[i].local)
			continue;
		render_sep(c, s, f, &f->r[i], &b);
		chain_take(cs, f->r[i].sep, &b);
	}
	for (uint32_t i = 0; i < cs->n; i++)
		if (!cs->v[i].rules)
			r = -ENOMEM;
	return r;
}

int ipt_render_svc(const struct ipt_render_ctx *c, const struct ipt_svc *s, struct buf *shared,
		   struct ipt_chains **out)
{
	struct ipt_chains *cs = calloc(1, sizeof(*cs));
	struct facts f;
	int r;

	*out = NULL;
	for (int i = 0; i < SH_N; i++)
		buf_free(&shared[i]);
	if (!cs || facts_init(s, &f)) {
		free(cs);
		return -ENOMEM;
	}
	/* EXT, FW, SVC, SVL and one SEP per endpoint at most */
	cs->v = calloc(4 + f.n, sizeof(*cs->v));
	r = cs->v ? 0 : -ENOMEM;
	if (!r) {
		render_shared(s, &f, shared);
		r = render_chains(c, s, &f, cs);
	}
	for (int i = 0; i < SH_N && !r; i++)
		if (shared[i].oom)
			r = -ENOMEM;
	free(f.r);
	if (r) {
		ipt_chains_free(cs);
		return r;
	}
	*out = cs;
	return 0;
}

void ipt_chains_free(struct ipt_chains *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; i < c->n; i++)
		free(c->v[i].rules);
	free(c->v);
	free(c);
}

const struct ipt_chain *ipt_chains_find(const struct ipt_chains *c, const char *name)
{
	for (uint32_t i = 0; c && i < c->n; i++)
		if (!strcmp(c->v[i].name, name))
			return &c->v[i];
	return NULL;
}

bool ipt_chains_equal(const struct ipt_chains *a, const struct ipt_chains *b)
{
	if (a == b)
		return true;
	if (!a || !b || a->n != b->n)
		return false;
	for (uint32_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, b->v[i].name) || a->v[i].len != b->v[i].len ||
		    memcmp(a->v[i].rules, b->v[i].rules, a->v[i].len))
			return false;
	return true;
}
