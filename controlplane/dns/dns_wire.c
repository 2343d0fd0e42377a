/* dns_wire: strict DNS query parser and compressing answer builder. */
#include <errno.h>
#include <string.h>
#include "dns_wire.h"

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c | 0x20) : c;
}

void dns_name_lower(const uint8_t *in, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++)
		out[i] = lower(in[i]);
}

int dns_name_read(const uint8_t *pkt, size_t len, size_t *off, uint8_t *out)
{
	size_t pos = *off, next = 0, outlen = 0;
	size_t seq_start = pos;
	bool jumped = false;

	for (;;) {
		uint8_t c;

		if (pos >= len)
			return -EBADMSG;
		c = pkt[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t ptr;

			if (pos + 1 >= len)
				return -EBADMSG;
			ptr = ((size_t)(c & 0x3f) << 8) | pkt[pos + 1];
			if (!jumped) {
				next = pos + 2;
				jumped = true;
			}
			/* Strictly backwards from where this label sequence
			 * began, and not into the header: every jump lowers
			 * seq_start, so the walk always ends. */
			if (ptr >= seq_start || ptr < DNS_HDR_LEN)
				return -EBADMSG;
			pos = seq_start = ptr;
			continue;
		}
		if (c & 0xc0) /* 0x40 extended / 0x80 reserved label types */
			return -EBADMSG;
		if (c == 0) {
			out[outlen++] = 0;
			if (!jumped)
				next = pos + 1;
			break;
		}
		/* the label, its length octet and the final root octet */
		if (outlen + 1 + c + 1 > DNS_NAME_MAX)
			return -EBADMSG;
		if (pos + 1 + c > len)
			return -EBADMSG;
		memcpy(out + outlen, pkt + pos, 1 + (size_t)c);
		outlen += 1 + (size_t)c;
		pos += 1 + (size_t)c;
	}
	*off = next;
	return (int)outlen;
}

int dns_name_from_text(const char *s, uint8_t *out)
{
	size_t o = 0;

	if (!s)
		return -EINVAL;
	if (s[0] == '.' && s[1] == '\0') {
		out[0] = 0;
		return 1;
	}
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);

		if (l == 0 || l > DNS_LABEL_MAX || o + 1 + l + 1 > DNS_NAME_MAX)
			return -EINVAL;
		out[o] = (uint8_t)l;
		for (size_t i = 0; i < l; i++)
			out[o + 1 + i] = lower((uint8_t)s[i]);
		o += 1 + l;
		if (!dot)
			break;
		s = dot + 1;
	}
	out[o++] = 0;
	return (int)o;
}

int dns_name_to_text(const uint8_t *name, char *buf, size_t len)
{
	size_t o = 0;

	if (len < 2)
		return -ENOSPC;
	if (name[0] == 0) {
		buf[0] = '.';
		buf[1] = '\0';
		return 1;
	}
	while (*name) {
		uint8_t l = *name;

		if (o + l + 2 > len)
			return -ENOSPC;
		memcpy(buf + o, name + 1, l);
		o += l;
		buf[o++] = '.';
		name += 1 + l;
	}
	buf[o] = '\0';
	return (int)o;
}

int dns_name_suffix(const uint8_t *name, size_t nlen, const uint8_t *suffix, size_t slen)
{
	size_t pos = 0;

	if (slen > nlen)
		return -1;
	/* Walk label boundaries; the suffix can only start at one of them. */
	while (pos < nlen) {
		if (nlen - pos == slen)
			return memcmp(name + pos, suffix, slen) == 0 ? (int)pos : -1;
		if (name[pos] == 0 || nlen - pos < slen)
			return -1;
		pos += 1 + (size_t)name[pos];
	}
	return -1;
}

/* Validate one OPT RDATA: a sequence of {code, length, data}. */
static bool opt_rdata_ok(const uint8_t *p, size_t rdlen)
{
	size_t o = 0;

	while (o < rdlen) {
		size_t olen;

		if (rdlen - o < 4)
			return false;
		olen = dns_get16(p + o + 2);
		if (olen > rdlen - o - 4)
			return false;
		/* Unknown options are ignored (RFC 6891 §6.1.2). */
		o += 4 + olen;
	}
	return true;
}

/* Skip one resource record (answer/authority sections of odd queries). */
static int skip_rr(const uint8_t *pkt, size_t len, size_t *off)
{
	uint8_t name[DNS_NAME_MAX + 1];

	if (dns_name_read(pkt, len, off, name) < 0 || len - *off < 10 ||
	    len - *off - 10 < dns_get16(pkt + *off + 8))
		return -EBADMSG;
	*off += 10 + (size_t)dns_get16(pkt + *off + 8);
	return 0;
}

/* Everything after the header: the question(s), then the additional
 * section for the OPT. Returns FORMERR or OK; q->edns is set as soon as an
 * OPT is seen so that even the FORMERR for it carries one (RFC 6891 §7). */
static enum dns_parse_res parse_body(const uint8_t *pkt, size_t len, struct dns_query *q,
				     bool strict)
{
	uint16_t qd = dns_get16(pkt + 4), an = dns_get16(pkt + 6), ns = dns_get16(pkt + 8);
	uint16_t ar = dns_get16(pkt + 10);
	size_t off = DNS_HDR_LEN;
	bool seen_opt = false;
	int n;

	/* a query is one question and at most an OPT (RFC 9267 advice) */
	if (qd > 1 || (strict && (qd != 1 || an || ns)))
		return DNS_PARSE_FORMERR;
	if (qd == 1) {
		n = dns_name_read(pkt, len, &off, q->qname);
		if (n < 0 || len - off < 4)
			return DNS_PARSE_FORMERR;
		q->qname_len = (size_t)n;
		q->qtype = dns_get16(pkt + off);
		q->qclass = dns_get16(pkt + off + 2);
		off += 4;
		dns_name_lower(q->qname, q->lname, q->qname_len);
		for (size_t p = 0; q->qname[p]; p += 1 + (size_t)q->qname[p])
			q->nlabels++;
	}
	for (unsigned i = 0; i < (unsigned)an + ns; i++)
		if (skip_rr(pkt, len, &off) < 0)
			return DNS_PARSE_FORMERR;
	for (unsigned i = 0; i < ar; i++) {
		uint8_t name[DNS_NAME_MAX + 1];
		uint16_t type, rdlen;
		uint32_t ttl;

		n = dns_name_read(pkt, len, &off, name);
		if (n < 0 || len - off < 10)
			return DNS_PARSE_FORMERR;
		type = dns_get16(pkt + off);
		rdlen = dns_get16(pkt + off + 8);
		ttl = ((uint32_t)dns_get16(pkt + off + 4) << 16) | dns_get16(pkt + off + 6);
		if (len - off - 10 < rdlen)
			return DNS_PARSE_FORMERR;
		if (type == DNS_T_OPT) {
			q->edns = true;
			if (seen_opt || n != 1 || !opt_rdata_ok(pkt + off + 10, rdlen))
				return DNS_PARSE_FORMERR;
			seen_opt = true;
			q->edns_size = dns_get16(pkt + off + 2);
			if (q->edns_size < DNS_UDP_MIN)
				q->edns_size = DNS_UDP_MIN;
			q->edns_version = (uint8_t)(ttl >> 16);
			q->edns_do = (ttl & 0x8000) != 0;
		}
		/* Other additional records (TSIG, ...) are not supported and
		 * are ignored, like trailing bytes. */
		off += 10 + (size_t)rdlen;
	}
	q->have_question = qd == 1;
	return DNS_PARSE_OK;
}

enum dns_parse_res dns_parse_query(const uint8_t *pkt, size_t len, struct dns_query *q)
{
	enum dns_parse_res res;

	q->have_question = false;
	q->edns = false;
	q->edns_version = 0;
	q->edns_do = false;
	q->edns_size = DNS_UDP_MIN;
	q->qname_len = 0;
	q->nlabels = 0;
	q->qtype = q->qclass = 0;
	if (len < DNS_HDR_LEN)
		return DNS_PARSE_DROP;
	q->id = dns_get16(pkt);
	q->flags = dns_get16(pkt + 2);
	/* Never answer a response: two servers could bounce it forever. */
	if (q->flags & DNS_F_QR)
		return DNS_PARSE_DROP;
	if (DNS_F_OPCODE(q->flags) != 0) {
		/* NOTIMP, with an OPT if the query had one (RFC 8906) */
		parse_body(pkt, len, q, false);
		q->have_question = false;
		return DNS_PARSE_NOTIMP;
	}
	res = parse_body(pkt, len, q, true);
	if (res != DNS_PARSE_OK)
		return res;
	if (q->edns && q->edns_version != 0)
		return DNS_PARSE_BADVERS;
	return DNS_PARSE_OK;
}

/* --- builder --- */

/* Does the (possibly compressed, already written by us) name at buf[off]
 * equal the flat lower-case wire name? */
static bool comp_match(const uint8_t *buf, size_t off, const uint8_t *name)
{
	unsigned hops = 0;

	for (;;) {
		uint8_t c = buf[off];

		if ((c & 0xc0) == 0xc0) {
			/* our own pointers always go backwards; the bound is
			 * belt and braces */
			if (++hops > 128)
				return false;
			off = ((size_t)(c & 0x3f) << 8) | buf[off + 1];
			continue;
		}
		if (c != *name)
			return false;
		if (c == 0)
			return true;
		for (unsigned i = 1; i <= c; i++)
			if (lower(buf[off + i]) != name[i])
				return false;
		off += 1 + (size_t)c;
		name += 1 + (size_t)c;
	}
}

static size_t name_len(const uint8_t *n)
{
	size_t p = 0;

	while (n[p])
		p += 1 + (size_t)n[p];
	return p + 1;
}

/* Write `name` at b->len, compressed unless nocomp; register new label
 * offsets. Returns 0 or -ENOSPC (nothing written). */
static int put_name(struct dns_builder *b, const uint8_t *name, bool nocomp)
{
	size_t pos = 0, full = name_len(name), need;
	long ptr = -1;

	if (!nocomp) {
		while (name[pos] && ptr < 0) {
			for (unsigned j = 0; j < b->ncomp; j++) {
				if (comp_match(b->buf, b->comp[j], name + pos)) {
					ptr = b->comp[j];
					break;
				}
			}
			if (ptr < 0)
				pos += 1 + (size_t)name[pos];
		}
	}
	need = ptr >= 0 ? pos + 2 : full;
	if (b->len + need > b->limit)
		return -ENOSPC;
	/* register the labels written literally (pointers reach 14 bits) */
	for (size_t p = 0; name[p] && (ptr < 0 || p < pos); p += 1 + (size_t)name[p])
		if (b->ncomp < DNS_COMP_MAX && b->len + p < 0x3fff)
			b->comp[b->ncomp++] = (uint16_t)(b->len + p);
	if (ptr >= 0) {
		memcpy(b->buf + b->len, name, pos);
		dns_put16(b->buf + b->len + pos, (uint16_t)(0xc000 | ptr));
	} else {
		memcpy(b->buf + b->len, name, full);
	}
	b->len += need;
	return 0;
}

static int put_bytes(struct dns_builder *b, const void *p, size_t n)
{
	if (b->len + n > b->limit)
		return -ENOSPC;
	if (n)
		memcpy(b->buf + b->len, p, n);
	b->len += n;
	return 0;
}

int dns_build_start(struct dns_builder *b, uint8_t *buf, size_t cap, size_t limit,
		    const struct dns_query *q)
{
	uint16_t flags = DNS_F_QR | (q->flags & (0xf << 11)) | (q->flags & (DNS_F_RD | DNS_F_CD));

	b->buf = buf;
	b->cap = cap;
	b->limit = limit < cap ? limit : cap;
	b->len = 0;
	b->ncomp = 0;
	b->truncated = false;
	memset(b->count, 0, sizeof(b->count));
	if (b->limit < DNS_HDR_LEN)
		return -ENOSPC;
	memset(buf, 0, DNS_HDR_LEN);
	dns_put16(buf, q->id);
	dns_put16(buf + 2, flags);
	b->len = DNS_HDR_LEN;
	if (q->have_question) {
		uint8_t tc[4];

		if (b->len + q->qname_len + 4 > b->limit)
			return -ENOSPC;
		/* The question is echoed in the client's case; later owner
		 * names point here, which keeps that case in the answer. */
		for (size_t p = 0; q->qname[p]; p += 1 + (size_t)q->qname[p])
			if (b->ncomp < DNS_COMP_MAX)
				b->comp[b->ncomp++] = (uint16_t)(b->len + p);
		memcpy(buf + b->len, q->qname, q->qname_len);
		b->len += q->qname_len;
		dns_put16(tc, q->qtype);
		dns_put16(tc + 2, q->qclass);
		memcpy(buf + b->len, tc, 4);
		b->len += 4;
		b->count[DNS_S_QD] = 1;
	}
	return 0;
}

void dns_build_set_rcode(struct dns_builder *b, int rcode)
{
	b->buf[3] = (uint8_t)((b->buf[3] & 0xf0) | (rcode & 0xf));
}

void dns_build_set_flags(struct dns_builder *b, uint16_t set)
{
	dns_put16(b->buf + 2, dns_get16(b->buf + 2) | set);
}

int dns_build_rr(struct dns_builder *b, enum dns_section s, const struct dns_rr_spec *rr)
{
	size_t save_len = b->len, rdstart;
	unsigned save_comp = b->ncomp;
	uint8_t hdr[10];

	if (put_name(b, rr->owner, false) < 0)
		goto nospace;
	dns_put16(hdr, rr->type);
	dns_put16(hdr + 2, DNS_C_IN);
	dns_put32(hdr + 4, rr->ttl);
	dns_put16(hdr + 8, 0);
	if (put_bytes(b, hdr, sizeof(hdr)) < 0)
		goto nospace;
	rdstart = b->len;
	if (put_bytes(b, rr->fixed, rr->fixed_len) < 0)
		goto nospace;
	if (rr->rname && put_name(b, rr->rname, rr->rname_nocomp) < 0)
		goto nospace;
	if (rr->rname2 && put_name(b, rr->rname2, false) < 0)
		goto nospace;
	if (put_bytes(b, rr->tail, rr->tail_len) < 0)
		goto nospace;
	dns_put16(b->buf + rdstart - 2, (uint16_t)(b->len - rdstart));
	b->count[s]++;
	return 0;
nospace:
	b->len = save_len;
	b->ncomp = save_comp;
	if (s == DNS_S_AN || s == DNS_S_NS)
		b->truncated = true;
	return -ENOSPC;
}

int dns_build_opt(struct dns_builder *b, int rcode, uint16_t udp_size)
{
	uint8_t opt[DNS_OPT_LEN] = {0};

	if (b->len + DNS_OPT_LEN > b->cap)
		return -ENOSPC;
	dns_put16(opt + 1, DNS_T_OPT);
	dns_put16(opt + 3, udp_size);
	opt[5] = (uint8_t)(rcode >> 4); /* extended rcode; version 0, DO 0 */
	memcpy(b->buf + b->len, opt, DNS_OPT_LEN);
	b->len += DNS_OPT_LEN;
	b->count[DNS_S_AR]++;
	return 0;
}

size_t dns_build_finish(struct dns_builder *b)
{
	for (int i = 0; i < 4; i++)
		dns_put16(b->buf + 4 + 2 * i, b->count[i]);
	if (b->truncated)
		dns_build_set_flags(b, DNS_F_TC);
	return b->len;
}

size_t dns_build_error(uint8_t *buf, size_t cap, const struct dns_query *q, int rcode,
		       bool with_question)
{
	struct dns_query hq = *q;
	struct dns_builder b;

	hq.have_question = with_question && q->have_question;
	if (dns_build_start(&b, buf, cap, cap, &hq) < 0)
		return 0;
	dns_build_set_rcode(&b, rcode);
	if (q->edns && dns_build_opt(&b, rcode, DNS_UDP_MAX) < 0)
		return 0;
	return dns_build_finish(&b);
}
