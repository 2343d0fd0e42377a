/* dns_answer: decide and build the reply for one query (../shared/dns.md
 * §1.1 for the cluster zone, §6.1 for odd packets). */
#include <string.h>
#include "dns_answer.h"

static const uint8_t rev4_zone[] = "\7in-addr\4arpa";
static const uint8_t rev6_zone[] = "\3ip6\4arpa";

size_t dns_udp_limit(const struct dns_query *q)
{
	if (!q->edns)
		return DNS_UDP_MIN;
	if (q->edns_size > DNS_UDP_MAX)
		return DNS_UDP_MAX;
	return q->edns_size < DNS_UDP_MIN ? DNS_UDP_MIN : q->edns_size;
}

/* The SOA of `zone` (a lower-case wire name that is a suffix of the
 * question, so its owner compresses to the question's case). */
static int put_soa(struct dns_builder *b, enum dns_section s, const struct dns_index *ix,
		   const uint8_t *zone, size_t zlen)
{
	uint8_t mname[DNS_NAME_MAX + 8], rname[DNS_NAME_MAX + 12], tail[20];
	uint32_t ttl = dns_index_ttl(ix);
	struct dns_rr_spec rr = {0};

	/* ns.dns.<zone> and hostmaster.<zone>; the zones are short enough
	 * (dns_index_new refuses zones near the length limit) */
	memcpy(mname, "\2ns\3dns", 7);
	memcpy(mname + 7, zone, zlen);
	memcpy(rname, "\12hostmaster", 11);
	memcpy(rname + 11, zone, zlen);
	dns_put32(tail, dns_index_serial(ix));
	dns_put32(tail + 4, 7200);   /* refresh */
	dns_put32(tail + 8, 1800);   /* retry */
	dns_put32(tail + 12, 86400); /* expire */
	dns_put32(tail + 16, ttl);   /* minimum = negative-caching TTL */
	rr.owner = zone;
	rr.type = DNS_T_SOA;
	rr.ttl = ttl < DNS_SOA_TTL_MAX ? ttl : DNS_SOA_TTL_MAX;
	rr.rname = mname;
	rr.rname2 = rname;
	rr.tail = tail;
	rr.tail_len = sizeof(tail);
	return dns_build_rr(b, s, &rr);
}

static int put_rr(struct dns_builder *b, enum dns_section s, const struct dns_node *n,
		  const struct dns_rr *r)
{
	struct dns_rr_spec rr = {
	    .owner = n->name,
	    .type = r->type,
	    .ttl = r->ttl,
	    .fixed = r->data,
	    .fixed_len = r->fixed_len,
	    .rname = r->name_len ? r->data + r->fixed_len : NULL,
	    .rname_nocomp = r->type == DNS_T_SRV,
	};

	return dns_build_rr(b, s, &rr);
}

/* Every RR of `type` at n; returns how many were written (stops when the
 * message is full: the builder then marks it truncated). */
static int put_rrset(struct dns_builder *b, enum dns_section s, const struct dns_node *n,
		     uint16_t type)
{
	int cnt = 0;

	for (unsigned i = 0; i < n->nrr; i++) {
		if (n->rr[i]->type != type)
			continue;
		if (put_rr(b, s, n, n->rr[i]) < 0)
			return -1;
		cnt++;
	}
	return cnt;
}

static bool has_type(const struct dns_node *n, uint16_t type)
{
	for (unsigned i = 0; i < n->nrr; i++)
		if (n->rr[i]->type == type)
			return true;
	return false;
}

/* Additional section: addresses of SRV/NS targets that are in the index.
 * Whatever does not fit is left out (no TC for the additional section). */
static void put_additional(struct dns_builder *b, const struct dns_index *ix,
			   const struct dns_node *n, uint16_t type)
{
	for (unsigned i = 0; i < n->nrr; i++) {
		const struct dns_rr *r = n->rr[i];
		const struct dns_node *t;

		if (r->type != type || !r->name_len)
			continue;
		t = dns_index_find(ix, r->data + r->fixed_len, r->name_len);
		if (!t)
			continue;
		/* several SRV records may share a target: add it once */
		bool seen = false;

		for (unsigned j = 0; j < i && !seen; j++)
			seen = n->rr[j]->type == type && n->rr[j]->name_len == r->name_len &&
			       !memcmp(n->rr[j]->data + n->rr[j]->fixed_len, r->data + r->fixed_len,
				       r->name_len);
		if (seen)
			continue;
		if (put_rrset(b, DNS_S_AR, t, DNS_T_A) < 0 ||
		    put_rrset(b, DNS_S_AR, t, DNS_T_AAAA) < 0)
			return;
	}
}

static int answer_ns(struct dns_builder *b, const struct dns_index *ix, const uint8_t *zone,
		     size_t zlen)
{
	uint8_t target[DNS_NAME_MAX + 8];
	struct dns_rr_spec rr = {0};
	const struct dns_node *t;

	memcpy(target, "\2ns\3dns", 7);
	memcpy(target + 7, zone, zlen);
	rr.owner = zone;
	rr.type = DNS_T_NS;
	rr.ttl = dns_index_ttl(ix);
	rr.rname = target;
	if (dns_build_rr(b, DNS_S_AN, &rr) < 0)
		return DNS_R_NOERROR;
	t = dns_index_find(ix, target, zlen + 7);
	if (t && put_rrset(b, DNS_S_AR, t, DNS_T_A) >= 0)
		put_rrset(b, DNS_S_AR, t, DNS_T_AAAA);
	return DNS_R_NOERROR;
}

/* The cluster zone: the name table decides between data, NODATA and
 * NXDOMAIN; negative answers carry the SOA (RFC 2308). Returns the rcode. */
static int answer_zone(struct dns_builder *b, const struct dns_index *ix, const struct dns_query *q,
		       const uint8_t *zone, size_t zlen)
{
	const struct dns_node *n = dns_index_find(ix, q->lname, q->qname_len);
	uint16_t qtype = q->qtype;
	int got;

	dns_build_set_flags(b, DNS_F_AA);
	if (n && (n->flags & DNS_NODE_APEX)) {
		if (qtype == DNS_T_SOA || qtype == DNS_T_ANY) {
			put_soa(b, DNS_S_AN, ix, zone, zlen);
			return DNS_R_NOERROR;
		}
		if (qtype == DNS_T_NS)
			return answer_ns(b, ix, zone, zlen);
	}
	/* follow in-zone CNAMEs (ExternalName pointing into the cluster) */
	for (int hop = 0; n && hop < DNS_CNAME_CHAIN_MAX; hop++) {
		const struct dns_rr *cname = NULL;

		if (qtype != DNS_T_CNAME && qtype != DNS_T_ANY)
			for (unsigned i = 0; i < n->nrr && !cname; i++)
				if (n->rr[i]->type == DNS_T_CNAME)
					cname = n->rr[i];
		if (!cname)
			break;
		if (put_rr(b, DNS_S_AN, n, cname) < 0)
			return DNS_R_NOERROR;
		if (dns_name_suffix(cname->data, cname->name_len, zone, zlen) < 0)
			return DNS_R_NOERROR; /* out of zone: the client resolves it */
		n = dns_index_find(ix, cname->data, cname->name_len);
	}
	if (!n) {
		/* the name (or the end of its CNAME chain) does not exist;
		 * the rcode describes the last name (RFC 6604) */
		put_soa(b, DNS_S_NS, ix, zone, zlen);
		return DNS_R_NXDOMAIN;
	}
	/* RFC 8482 minimal ANY: the first RRset only */
	if (qtype == DNS_T_ANY && n->nrr)
		qtype = n->rr[0]->type;
	got = has_type(n, qtype) ? put_rrset(b, DNS_S_AN, n, qtype) : 0;
	if (got == 0)
		put_soa(b, DNS_S_NS, ix, zone, zlen); /* NODATA */
	else if (got > 0 && qtype == DNS_T_SRV)
		put_additional(b, ix, n, DNS_T_SRV);
	return DNS_R_NOERROR;
}

/* Reverse names we hold (service and headless endpoint IPs). Returns the
 * rcode; the caller only gets here when the node exists. */
static int answer_reverse(struct dns_builder *b, const struct dns_index *ix,
			  const struct dns_query *q, const struct dns_node *n, const uint8_t *zone,
			  size_t zlen)
{
	uint16_t qtype = q->qtype == DNS_T_ANY ? DNS_T_PTR : q->qtype;

	dns_build_set_flags(b, DNS_F_AA);
	if (has_type(n, qtype)) {
		put_rrset(b, DNS_S_AN, n, qtype);
		return DNS_R_NOERROR;
	}
	put_soa(b, DNS_S_NS, ix, zone, zlen);
	return DNS_R_NOERROR;
}

static void reply_error(const struct dns_query *q, uint8_t *out, size_t outcap, int rcode,
			bool question, struct dns_result *res)
{
	res->verdict = DNS_V_REPLY;
	res->rcode = rcode;
	res->len = dns_build_error(out, outcap, q, rcode, question);
	if (!res->len)
		res->verdict = DNS_V_DROP;
}

void dns_answer(const struct dns_answer_ctx *c, const uint8_t *pkt, size_t len, struct dns_query *q,
		uint8_t *out, size_t outcap, struct dns_result *res)
{
	const uint8_t *zone, *rzone = NULL;
	size_t zlen, limit, rzlen = 0;
	struct dns_builder b;
	int rcode;

	memset(res, 0, sizeof(*res));
	zone = dns_index_zone(c->ix, &zlen);
	switch (dns_parse_query(pkt, len, q)) {
	case DNS_PARSE_OK:
		break;
	case DNS_PARSE_DROP:
		res->verdict = DNS_V_DROP;
		return;
	case DNS_PARSE_NOTIMP:
		reply_error(q, out, outcap, DNS_R_NOTIMP, false, res);
		return;
	case DNS_PARSE_FORMERR:
		reply_error(q, out, outcap, DNS_R_FORMERR, false, res);
		return;
	case DNS_PARSE_BADVERS:
		reply_error(q, out, outcap, DNS_R_BADVERS, true, res);
		return;
	}
	if (q->qclass != DNS_C_IN) { /* CHAOS version.bind and friends */
		reply_error(q, out, outcap, DNS_R_REFUSED, true, res);
		return;
	}
	switch (q->qtype) {
	case DNS_T_AXFR:
	case DNS_T_IXFR: /* zone transfers are not offered */
		reply_error(q, out, outcap, DNS_R_REFUSED, true, res);
		return;
	case DNS_T_OPT: /* a pseudo-type cannot be asked for */
		reply_error(q, out, outcap, DNS_R_FORMERR, true, res);
		return;
	case DNS_T_TKEY:
	case DNS_T_TSIG:
	case DNS_T_MAILA:
	case DNS_T_MAILB: /* meta-types (RFC 8906 §3.1.3) */
		reply_error(q, out, outcap, DNS_R_NOTIMP, true, res);
		return;
	}

	limit = c->tcp ? DNS_TCP_MAX : dns_udp_limit(q);
	if (limit > outcap)
		limit = outcap;
	/* keep room for the OPT so it always fits */
	if (dns_build_start(&b, out, outcap, limit - (q->edns ? DNS_OPT_LEN : 0), q) < 0) {
		res->verdict = DNS_V_DROP;
		return;
	}
	if (c->may_recurse)
		dns_build_set_flags(&b, DNS_F_RA);

	if (dns_name_suffix(q->lname, q->qname_len, zone, zlen) >= 0) {
		if (!c->synced) {
			reply_error(q, out, outcap, DNS_R_SERVFAIL, true, res);
			return;
		}
		rcode = answer_zone(&b, c->ix, q, zone, zlen);
	} else {
		const struct dns_node *n = NULL;

		if (dns_name_suffix(q->lname, q->qname_len, rev4_zone, sizeof(rev4_zone)) >= 0) {
			rzone = rev4_zone;
			rzlen = sizeof(rev4_zone);
		} else if (dns_name_suffix(q->lname, q->qname_len, rev6_zone, sizeof(rev6_zone)) >=
			   0) {
			rzone = rev6_zone;
			rzlen = sizeof(rev6_zone);
		}
		if (rzone)
			n = dns_index_find(c->ix, q->lname, q->qname_len);
		if (n) { /* reverse nodes exist only while they hold a PTR */
			rcode = answer_reverse(&b, c->ix, q, n, rzone, rzlen);
		} else if (rzone && !c->synced) {
			reply_error(q, out, outcap, DNS_R_SERVFAIL, true, res);
			return;
		} else if (c->may_recurse && (q->flags & DNS_F_RD) && c->can_forward) {
			/* other names (and reverse names we do not hold, like
			 * CoreDNS's fallthrough) go upstream */
			res->verdict = DNS_V_FORWARD;
			return;
		} else {
			/* not an open resolver (RFC 5358) */
			reply_error(q, out, outcap, DNS_R_REFUSED, true, res);
			return;
		}
	}
	dns_build_set_rcode(&b, rcode);
	if (q->edns)
		dns_build_opt(&b, rcode, DNS_UDP_MAX);
	res->verdict = DNS_V_REPLY;
	res->rcode = rcode;
	res->truncated = b.truncated;
	res->len = dns_build_finish(&b);
}
