/* ct: conntrack for the iptables mode through libnetfilter_conntrack —
 * per-endpoint counts for the least-busy weights, and stale UDP entries
 * removed after a sync.
 *
 * A UDP "connection" to a service keeps its DNAT in conntrack for as long
 * as datagrams flow, rules or not: without cleaning, a client that keeps
 * sending goes on reaching an endpoint that is gone. TCP needs none (the
 * endpoint's absence resets it).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>

#include "ipt_int.h"

/* An entry's addresses, as read once per entry. */
struct ent {
	uint8_t proto;
	uint32_t odst, rsrc;	 /* be */
	uint16_t odport, rsport; /* be */
	bool dnat;
};

static void ent_read(const struct nf_conntrack *ct, struct ent *e)
{
	e->proto = nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO);
	e->odst = nfct_get_attr_u32(ct, ATTR_ORIG_IPV4_DST);
	e->odport = nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST);
	e->rsrc = nfct_get_attr_u32(ct, ATTR_REPL_IPV4_SRC);
	e->rsport = nfct_get_attr_u16(ct, ATTR_REPL_PORT_SRC);
	e->dnat = nfct_attr_is_set(ct, ATTR_STATUS) > 0 &&
		  (nfct_get_attr_u32(ct, ATTR_STATUS) & IPS_DST_NAT);
}

/* Dump the IPv4 table through cb. */
static int dump(int (*cb)(enum nf_conntrack_msg_type, struct nf_conntrack *, void *), void *ud)
{
	struct nfct_handle *h = nfct_open(CONNTRACK, 0);
	uint32_t family = AF_INET;
	int r;

	if (!h)
		return errno ? -errno : -EPERM;
	nfct_callback_register(h, NFCT_T_ALL, cb, ud);
	r = nfct_query(h, NFCT_Q_DUMP, &family) < 0 ? (errno ? -errno : -EIO) : 0;
	nfct_close(h);
	return r;
}

/* --- counting --- */

struct count_ctx {
	struct ipt_ct_ep *eps;
	uint32_t *order; /* indices of eps sorted by (proto, addr, port) */
	uint32_t n;
};

static int ep_cmp3(uint8_t pa, uint32_t aa, uint16_t qa, const struct ipt_ct_ep *b)
{
	if (pa != b->proto)
		return pa < b->proto ? -1 : 1;
	if (aa != b->addr)
		return aa < b->addr ? -1 : 1;
	if (qa != b->port)
		return qa < b->port ? -1 : 1;
	return 0;
}

static int order_cmp(const void *a, const void *b, void *base)
{
	const struct ipt_ct_ep *eps = base, *x = &eps[*(const uint32_t *)a];

	return ep_cmp3(x->proto, x->addr, x->port, &eps[*(const uint32_t *)b]);
}

static int count_cb(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *ud)
{
	struct count_ctx *c = ud;
	uint32_t lo = 0, hi = c->n;
	struct ent e;

	(void)type;
	ent_read(ct, &e);
	if (e.proto == IPPROTO_TCP &&
	    nfct_get_attr_u8(ct, ATTR_TCP_STATE) != TCP_CONNTRACK_ESTABLISHED)
		return NFCT_CB_CONTINUE;
	if (e.proto != IPPROTO_TCP && e.proto != IPPROTO_UDP)
		return NFCT_CB_CONTINUE;
	/* the first endpoint not below the reply source; one listed twice
	 * gets the count twice */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (ep_cmp3(e.proto, e.rsrc, e.rsport, &c->eps[c->order[mid]]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < c->n && !ep_cmp3(e.proto, e.rsrc, e.rsport, &c->eps[c->order[lo]]); lo++)
		c->eps[c->order[lo]].active++;
	return NFCT_CB_CONTINUE;
}

int ipt_ct_count(struct ipt_ct_ep *eps, uint32_t n)
{
	struct count_ctx c = {.eps = eps, .n = n};
	int r;

	for (uint32_t i = 0; i < n; i++)
		eps[i].active = 0;
	if (!n)
		return 0;
	c.order = malloc(n * sizeof(*c.order));
	if (!c.order)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		c.order[i] = i;
	qsort_r(c.order, n, sizeof(*c.order), order_cmp, eps);
	r = dump(count_cb, &c);
	free(c.order);
	return r;
}

/* --- stale UDP entries --- */

struct clean_ctx {
	const struct ipt_ct_job *jobs;
	uint32_t n;
	struct nfct_handle *del; /* a second handle: the dump's is busy */
	int deleted, err;
};

static bool addr_in(const struct ipt_ct_addr *v, uint32_t n, uint32_t addr, uint16_t port)
{
	for (uint32_t i = 0; i < n; i++)
		if (v[i].addr == addr && v[i].port == port)
			return true;
	return false;
}

static bool job_matches(const struct ipt_ct_job *j, const struct ent *e)
{
	bool fe = false;

	for (uint32_t i = 0; i < j->nfe && !fe; i++)
		fe = j->fe[i].port == e->odport && (!j->fe[i].addr || j->fe[i].addr == e->odst);
	if (!fe)
		return false;
	return addr_in(j->ep, j->nep, e->rsrc, e->rsport) == j->listed;
}

static int clean_cb(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *ud)
{
	struct clean_ctx *c = ud;
	struct ent e;

	(void)type;
	ent_read(ct, &e);
	if (e.proto != IPPROTO_UDP || !e.dnat)
		return NFCT_CB_CONTINUE;
	for (uint32_t i = 0; i < c->n; i++) {
		if (!job_matches(&c->jobs[i], &e))
			continue;
		if (nfct_query(c->del, NFCT_Q_DESTROY, ct) == 0)
			c->deleted++;
		else if (errno != ENOENT)
			c->err = -errno;
		break;
	}
	return NFCT_CB_CONTINUE;
}

int ipt_ct_clean(const struct ipt_ct_job *jobs, uint32_t n)
{
	struct clean_ctx c = {.jobs = jobs, .n = n};
	int r;

	if (!n)
		return 0;
	c.del = nfct_open(CONNTRACK, 0);
	if (!c.del)
		return errno ? -errno : -EPERM;
	r = dump(clean_cb, &c);
	nfct_close(c.del);
	if (r)
		return r;
	return c.err ? c.err : c.deleted;
}
