/* dns_render: one Service (with its EndpointSlices and Pods) -> records
 * in the name table, and the table's reference counting of names and their
 * ancestors (empty non-terminals). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dns_index_int.h"

/* --- names --- */

/* Join text labels in front of a wire suffix; lower-cases. Returns the wire
 * length or -EINVAL for an empty/oversized label or name. */
int dns_name_join(uint8_t *out, const char *const *labels, size_t n, const uint8_t *suffix,
		  size_t slen)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(labels[i]);

		if (l == 0 || l > DNS_LABEL_MAX || memchr(labels[i], '.', l) ||
		    o + 1 + l + slen > DNS_NAME_MAX)
			return -EINVAL;
		out[o] = (uint8_t)l;
		dns_name_lower((const uint8_t *)labels[i], out + o + 1, l);
		o += 1 + l;
	}
	if (o + slen > DNS_NAME_MAX)
		return -EINVAL;
	memcpy(out + o, suffix, slen);
	return (int)(o + slen);
}

int dns_reverse_name(int family, const uint8_t *addr, uint8_t *out)
{
	static const char hex[] = "0123456789abcdef";
	static const uint8_t v4[] = "\7in-addr\4arpa";
	static const uint8_t v6[] = "\3ip6\4arpa";
	size_t o = 0;

	if (family == AF_INET) {
		for (int i = 3; i >= 0; i--) {
			char d[4];
			int l = 0, v = addr[i];

			if (v >= 100)
				d[l++] = (char)('0' + v / 100);
			if (v >= 10)
				d[l++] = (char)('0' + v / 10 % 10);
			d[l++] = (char)('0' + v % 10);
			out[o++] = (uint8_t)l;
			memcpy(out + o, d, (size_t)l);
			o += (size_t)l;
		}
		memcpy(out + o, v4, sizeof(v4));
		return (int)(o + sizeof(v4));
	}
	for (int i = 15; i >= 0; i--) {
		out[o++] = 1;
		out[o++] = (uint8_t)hex[addr[i] & 0xf];
		out[o++] = 1;
		out[o++] = (uint8_t)hex[addr[i] >> 4];
	}
	memcpy(out + o, v6, sizeof(v6));
	return (int)(o + sizeof(v6));
}

/* CoreDNS's endpoint label when there is no hostname: the dashed address,
 * "10-244-1-5"; for IPv6 ':' becomes '-' and a leading/trailing '-' gets a
 * '0' so the label stays valid. */
static void dashed_ip(const struct dns_ip *ip, char *out, size_t len)
{
	char buf[INET6_ADDRSTRLEN], *p;
	size_t o = 0;

	inet_ntop(ip->family, ip->a, buf, sizeof(buf));
	if (buf[0] == ':')
		out[o++] = '0';
	for (p = buf; *p && o + 2 < len; p++)
		out[o++] = (*p == ':' || *p == '.') ? '-' : *p;
	if (o && out[o - 1] == '-')
		out[o++] = '0';
	out[o] = '\0';
}

/* --- nodes and records --- */

static struct dns_node *node_get(struct dns_index *ix, const uint8_t *name, size_t len)
{
	return dns_hash_get(&ix->names, name, len);
}

static struct dns_node *node_make(struct dns_index *ix, const uint8_t *name, size_t len)
{
	struct dns_node *n = node_get(ix, name, len);

	if (n)
		return n;
	n = calloc(1, sizeof(*n) + len);
	if (!n)
		return NULL;
	n->namelen = (uint8_t)len;
	memcpy(n->name, name, len);
	if (len == ix->zlen)
		n->flags |= DNS_NODE_APEX;
	if (dns_hash_put(&ix->names, n->name, len, n) < 0) {
		free(n);
		return NULL;
	}
	return n;
}

static void node_unref(struct dns_index *ix, struct dns_node *n)
{
	if (--n->refs)
		return;
	dns_hash_del(&ix->names, n->name, n->namelen);
	for (unsigned i = 0; i < n->nrr; i++)
		free(n->rr[i]);
	free(n->rr);
	free(n);
}

/* Apply fn to the node of `name` and, for names in the zone, each
 * ancestor down to the apex. */
static int for_name_and_ancestors(struct dns_index *ix, const uint8_t *name, size_t len,
				  bool reverse, int delta)
{
	size_t off = 0;

	for (;;) {
		struct dns_node *n;

		if (delta > 0) {
			n = node_make(ix, name + off, len - off);
			if (!n) {
				/* drop the references taken so far */
				for (size_t o = 0; o < off; o += 1 + (size_t)name[o])
					node_unref(ix, node_get(ix, name + o, len - o));
				return -ENOMEM;
			}
			n->refs++;
		} else {
			n = node_get(ix, name + off, len - off);
			if (n)
				node_unref(ix, n);
		}
		if (reverse || len - off <= ix->zlen || name[off] == 0)
			return 0;
		off += 1 + (size_t)name[off];
	}
}

/* Make r own `name` (once per rendering); returns its node. */
struct dns_node *dns_own_name(struct dns_index *ix, struct dns_rendering *r, const uint8_t *name,
			      size_t len, bool reverse)
{
	struct dns_node *n = node_get(ix, name, len);
	struct dns_owned *o;

	if (n && n->mark_owner == r && n->mark_gen == ix->gen)
		return n;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		struct dns_owned **v = realloc(r->names, cap * sizeof(*v));

		if (!v)
			return NULL;
		r->names = v;
		r->cap = cap;
	}
	o = malloc(sizeof(*o) + len);
	if (!o)
		return NULL;
	o->len = (uint8_t)len;
	o->reverse = reverse;
	memcpy(o->name, name, len);
	if (for_name_and_ancestors(ix, name, len, reverse, +1) < 0) {
		free(o);
		return NULL;
	}
	r->names[r->n++] = o;
	n = node_get(ix, name, len);
	n->mark_owner = r;
	n->mark_gen = ix->gen;
	return n;
}

int dns_add_rr(struct dns_index *ix, struct dns_rendering *r, const uint8_t *name, size_t len,
	       bool reverse, uint16_t type, uint32_t ttl, const void *fixed, size_t flen,
	       const uint8_t *rname, size_t rnlen)
{
	struct dns_node *n = dns_own_name(ix, r, name, len, reverse);
	struct dns_rr *rr;

	if (!n)
		return -ENOMEM;
	/* duplicates come from overlapping slices and dual listings */
	for (unsigned i = 0; i < n->nrr; i++) {
		struct dns_rr *o = n->rr[i];

		if (o->owner == r && o->type == type && o->fixed_len == flen &&
		    o->name_len == rnlen && (!flen || memcmp(o->data, fixed, flen) == 0) &&
		    (!rnlen || memcmp(o->data + flen, rname, rnlen) == 0))
			return 0;
	}
	if (n->nrr == n->cap) {
		unsigned cap = n->cap ? n->cap * 2u : 2u;
		struct dns_rr **v;

		if (cap > UINT16_MAX)
			return -ENOSPC;
		v = realloc(n->rr, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		n->rr = v;
		n->cap = (uint16_t)cap;
	}
	rr = malloc(sizeof(*rr) + flen + rnlen);
	if (!rr)
		return -ENOMEM;
	rr->type = type;
	rr->ttl = ttl;
	rr->fixed_len = (uint16_t)flen;
	rr->name_len = (uint16_t)rnlen;
	rr->owner = r;
	if (flen)
		memcpy(rr->data, fixed, flen);
	if (rnlen)
		memcpy(rr->data + flen, rname, rnlen);
	n->rr[n->nrr++] = rr;
	return 0;
}

void dns_unrender(struct dns_index *ix, struct dns_rendering *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct dns_owned *o = r->names[i];
		struct dns_node *n = node_get(ix, o->name, o->len);

		if (n) {
			unsigned k = 0;

			for (unsigned j = 0; j < n->nrr; j++) {
				if (n->rr[j]->owner == r)
					free(n->rr[j]);
				else
					n->rr[k++] = n->rr[j];
			}
			n->nrr = (uint16_t)k;
			if (n->mark_owner == r)
				n->mark_owner = NULL;
		}
		for_name_and_ancestors(ix, o->name, o->len, o->reverse, -1);
		free(o);
	}
	free(r->names);
	memset(r, 0, sizeof(*r));
}

/* --- rendering a Service --- */

static int add_addr(struct dns_index *ix, struct dns_rendering *r, const uint8_t *name, size_t len,
		    const struct dns_ip *ip)
{
	return dns_add_rr(ix, r, name, len, false, ip->family == AF_INET ? DNS_T_A : DNS_T_AAAA,
			  ix->ttl, ip->a, ip->family == AF_INET ? 4 : 16, NULL, 0);
}

static int add_ptr(struct dns_index *ix, struct dns_rendering *r, const struct dns_ip *ip,
		   const uint8_t *target, size_t tlen)
{
	uint8_t rev[DNS_NAME_MAX + 1];
	int l = dns_reverse_name(ip->family, ip->a, rev);

	return dns_add_rr(ix, r, rev, (size_t)l, true, DNS_T_PTR, ix->ttl, NULL, 0, target, tlen);
}

/* _<port>._<proto>.<base> */
static int srv_name(const struct dns_port *p, const uint8_t *base, size_t blen, uint8_t *out)
{
	char pl[DNS_LABEL_MAX + 2], tl[DNS_LABEL_MAX + 2];
	const char *labels[2] = {pl, tl};

	if (!p->name[0] || strlen(p->name) > DNS_LABEL_MAX - 1 ||
	    strlen(p->proto) > DNS_LABEL_MAX - 1)
		return -EINVAL;
	pl[0] = tl[0] = '_';
	strcpy(pl + 1, p->name);
	strcpy(tl + 1, p->proto);
	return dns_name_join(out, labels, 2, base, blen);
}

static int add_srv(struct dns_index *ix, struct dns_rendering *r, const struct dns_port *p,
		   uint16_t weight, const uint8_t *base, size_t blen, const uint8_t *target,
		   size_t tlen)
{
	uint8_t name[DNS_NAME_MAX + 1], fixed[6];
	int l = srv_name(p, base, blen, name);

	if (l < 0)
		return 0;    /* an unnamed or odd port gets no SRV */
	dns_put16(fixed, 0); /* priority */
	dns_put16(fixed + 2, weight);
	dns_put16(fixed + 4, p->port);
	return dns_add_rr(ix, r, name, (size_t)l, false, DNS_T_SRV, ix->ttl, fixed, sizeof(fixed),
			  target, tlen);
}

static int render_clusterip(struct dns_index *ix, struct dns_svcent *se, const uint8_t *base,
			    size_t blen)
{
	struct dns_svc *s = se->svc;
	int err = 0;

	for (size_t i = 0; i < s->nips && !err; i++) {
		err = add_addr(ix, &se->r, base, blen, &s->ips[i]);
		if (!err)
			err = add_ptr(ix, &se->r, &s->ips[i], base, blen);
	}
	/* one SRV per named port: weight 100 (the only RR of its set) */
	for (size_t i = 0; i < s->nports && !err; i++)
		err = add_srv(ix, &se->r, &s->ports[i], 100, base, blen, base, blen);
	/* the NS target ns.dns.<zone> is the kube-dns Service's address */
	if (!err && !strcmp(se->ns, "kube-system") && !strcmp(se->name, "kube-dns")) {
		static const char *const l[] = {"ns", "dns"};
		uint8_t nsn[DNS_NAME_MAX + 1];
		int nl = dns_name_join(nsn, l, 2, ix->zone, ix->zlen);

		for (size_t i = 0; i < s->nips && !err && nl > 0; i++)
			err = add_addr(ix, &se->r, nsn, (size_t)nl, &s->ips[i]);
	}
	return err;
}

/* One SRV candidate of a headless Service before weights are known. */
struct srv_item {
	const struct dns_port *port;
	uint8_t target[DNS_NAME_MAX + 1];
	size_t tlen;
};

static int srv_item_cmp(const void *a, const void *b)
{
	const struct srv_item *x = a, *y = b;
	int c = strcmp(x->port->name, y->port->name);

	return c ? c : strcmp(x->port->proto, y->port->proto);
}

/* The endpoint's DNS label: its hostname, else the hostname of its Pod when
 * that Pod's subdomain names this Service (what the EndpointSlice
 * controller would have copied), else the dashed address. */
static const char *endpoint_label(struct dns_index *ix, struct dns_svcent *se,
				  const struct dns_endpoint *ep, const struct dns_ip *ip, char *buf,
				  size_t len)
{
	if (ep->hostname && ep->hostname[0])
		return ep->hostname;
	if (ep->pod) {
		char key[512];
		const struct dns_pod *p;

		snprintf(key, sizeof(key), "%s/%s", se->ns, ep->pod);
		p = dns_hash_get(&ix->pods, key, strlen(key));
		if (p && p->hostname && p->subdomain && !strcmp(p->subdomain, se->name))
			return p->hostname;
	}
	dashed_ip(ip, buf, len);
	return buf;
}

static int render_headless(struct dns_index *ix, struct dns_svcent *se, const uint8_t *base,
			   size_t blen)
{
	struct srv_item *items = NULL;
	size_t nitems = 0, cap = 0;
	int err = 0;

	for (struct dns_slice *sl = se->slices; sl && !err; sl = sl->next) {
		for (size_t e = 0; e < sl->neps && !err; e++) {
			const struct dns_endpoint *ep = &sl->eps[e];

			if (!ep->ready && !se->svc->publish_not_ready)
				continue;
			for (size_t a = 0; a < ep->nips && !err; a++) {
				char buf[DNS_LABEL_MAX + 1];
				const char *label =
				    endpoint_label(ix, se, ep, &ep->ips[a], buf, sizeof(buf));
				uint8_t host[DNS_NAME_MAX + 1];
				int hl = dns_name_join(host, &label, 1, base, blen);

				err = add_addr(ix, &se->r, base, blen, &ep->ips[a]);
				if (err || hl < 0)
					continue;
				err = add_addr(ix, &se->r, host, (size_t)hl, &ep->ips[a]);
				if (!err)
					err = add_ptr(ix, &se->r, &ep->ips[a], host, (size_t)hl);
				for (size_t p = 0; p < sl->nports && !err; p++) {
					if (!sl->ports[p].name[0])
						continue;
					if (nitems == cap) {
						size_t nc = cap ? cap * 2 : 16;
						struct srv_item *v =
						    realloc(items, nc * sizeof(*v));

						if (!v) {
							err = -ENOMEM;
							break;
						}
						items = v;
						cap = nc;
					}
					items[nitems].port = &sl->ports[p];
					memcpy(items[nitems].target, host, (size_t)hl);
					items[nitems].tlen = (size_t)hl;
					nitems++;
				}
			}
		}
	}
	/* CoreDNS weights: priority 0, weight 100/N (at least 1) for the N
	 * records of one SRV set. */
	if (nitems)
		qsort(items, nitems, sizeof(*items), srv_item_cmp);
	for (size_t i = 0; i < nitems && !err;) {
		size_t j = i;
		uint16_t w;

		while (j < nitems && srv_item_cmp(&items[i], &items[j]) == 0)
			j++;
		w = (uint16_t)(100 / (j - i) ? 100 / (j - i) : 1);
		for (; i < j && !err; i++)
			err = add_srv(ix, &se->r, items[i].port, w, base, blen, items[i].target,
				      items[i].tlen);
	}
	free(items);
	return err;
}

int dns_render_svc(struct dns_index *ix, struct dns_svcent *se)
{
	const char *labels[3] = {se->name, se->ns, "svc"};
	uint8_t base[DNS_NAME_MAX + 1];
	int blen, err = 0;

	dns_unrender(ix, &se->r);
	if (!se->svc)
		return 0;
	ix->gen++;
	blen = dns_name_join(base, labels, 3, ix->zone, ix->zlen);
	if (blen < 0)
		return 0; /* names Kubernetes would not accept */
	switch (se->svc->kind) {
	case DNS_SVC_EXTERNAL: {
		uint8_t target[DNS_NAME_MAX + 1];
		int tl = dns_name_from_text(se->svc->external, target);

		if (tl > 1)
			err = dns_add_rr(ix, &se->r, base, (size_t)blen, false, DNS_T_CNAME,
					 ix->ttl, NULL, 0, target, (size_t)tl);
		break;
	}
	case DNS_SVC_HEADLESS:
		err = render_headless(ix, se, base, (size_t)blen);
		break;
	case DNS_SVC_CLUSTERIP:
		err = render_clusterip(ix, se, base, (size_t)blen);
		break;
	}
	return err;
}
