/* dns_wire: DNS message parsing and building (RFC 1035, 6891).
 *
 * The parser accepts exactly what a stub resolver sends: a header, one
 * question and at most one OPT record, with strict bounds on every read.
 * Names are decompressed with pointers that must point strictly backwards
 * (RFC 9267), so a packet can never make the parser loop. The builder writes
 * answers with name compression against the question and earlier names, and
 * stops at a size limit, recording that the answer was truncated. */
#ifndef SKIFF_DNS_WIRE_H
#define SKIFF_DNS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HDR_LEN   12
#define DNS_NAME_MAX  255 /* wire octets of a name, RFC 1035 §2.3.4 */
#define DNS_LABEL_MAX 63
#define DNS_UDP_MIN   512  /* payload limit without EDNS (RFC 1035 §4.2.1) */
#define DNS_UDP_MAX   1232 /* EDNS answers are capped here (DNS Flag Day 2020) */
#define DNS_TCP_MAX   65535
#define DNS_OPT_LEN   11 /* root name + type + class + ttl + rdlen, no options */

/* Types and classes we use. */
enum {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_CNAME = 5,
	DNS_T_SOA = 6,
	DNS_T_PTR = 12,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
	DNS_T_SRV = 33,
	DNS_T_OPT = 41,
	DNS_T_TKEY = 249,
	DNS_T_TSIG = 250,
	DNS_T_IXFR = 251,
	DNS_T_AXFR = 252,
	DNS_T_MAILB = 253,
	DNS_T_MAILA = 254,
	DNS_T_ANY = 255,
};
#define DNS_C_IN  1
#define DNS_C_ANY 255

/* Response codes; BADVERS is an extended rcode carried half in the OPT TTL. */
enum {
	DNS_R_NOERROR = 0,
	DNS_R_FORMERR = 1,
	DNS_R_SERVFAIL = 2,
	DNS_R_NXDOMAIN = 3,
	DNS_R_NOTIMP = 4,
	DNS_R_REFUSED = 5,
	DNS_R_BADVERS = 16,
};

/* Header flag bits (second 16-bit word). */
#define DNS_F_QR	0x8000
#define DNS_F_AA	0x0400
#define DNS_F_TC	0x0200
#define DNS_F_RD	0x0100
#define DNS_F_RA	0x0080
#define DNS_F_CD	0x0010
#define DNS_F_OPCODE(f) (((f) >> 11) & 0xf)

/* A parsed query. Names are in wire format (length-prefixed labels ending
 * with the root label); qname keeps the case of the packet, lname is the
 * same name lower-cased for lookups. */
struct dns_query {
	uint16_t id;
	uint16_t flags;
	uint16_t qtype;
	uint16_t qclass;
	uint8_t qname[DNS_NAME_MAX + 1];
	uint8_t lname[DNS_NAME_MAX + 1];
	size_t qname_len;   /* including the root label */
	unsigned nlabels;   /* labels before the root */
	bool have_question; /* question parsed (may be echoed in the reply) */
	bool edns;	    /* an OPT record was present and well-formed */
	uint8_t edns_version;
	bool edns_do;
	uint16_t edns_size; /* advertised UDP payload size, raised to >= 512 */
};

/* Parse outcome: what the caller must do before any lookup. */
enum dns_parse_res {
	DNS_PARSE_OK = 0,
	DNS_PARSE_DROP,	   /* not a query we answer at all (short, QR=1) */
	DNS_PARSE_FORMERR, /* answer FORMERR (header, plus OPT if q->edns) */
	DNS_PARSE_NOTIMP,  /* unknown opcode */
	DNS_PARSE_BADVERS, /* EDNS version != 0 */
};

enum dns_parse_res dns_parse_query(const uint8_t *pkt, size_t len, struct dns_query *q);

/* Read a possibly compressed name at *off into out (uncompressed wire form,
 * case kept); on success *off is advanced past the name as stored in pkt.
 * Returns the wire length of out, or -EBADMSG. Pointers must point strictly
 * before the start of the label sequence that holds them. */
int dns_name_read(const uint8_t *pkt, size_t len, size_t *off, uint8_t *out);

/* Text <-> wire. dns_name_from_text accepts "a.b.c" or "a.b.c." (no escapes;
 * Kubernetes names never need them) and lower-cases; -EINVAL if a label is
 * empty or too long or the name is too long. dns_name_to_text writes the
 * dotted form with a trailing dot. */
int dns_name_from_text(const char *s, uint8_t *out);
int dns_name_to_text(const uint8_t *name, char *buf, size_t len);
void dns_name_lower(const uint8_t *in, uint8_t *out, size_t len);
/* Does name (wire, lower-case) end with the suffix (wire, lower-case) at a
 * label boundary? Returns the offset of the suffix in name, or -1. */
int dns_name_suffix(const uint8_t *name, size_t nlen, const uint8_t *suffix, size_t slen);

/* --- Builder --- */

#define DNS_COMP_MAX 64 /* remembered name offsets for compression */

struct dns_builder {
	uint8_t *buf;
	size_t cap;   /* bytes of buf */
	size_t limit; /* message may not grow beyond this (<= cap) */
	size_t len;
	uint16_t count[4]; /* QD, AN, NS, AR */
	bool truncated;	   /* an RR did not fit in the answer or authority */
	unsigned ncomp;
	uint16_t comp[DNS_COMP_MAX]; /* offsets of names already written */
};

enum dns_section { DNS_S_QD = 0, DNS_S_AN = 1, DNS_S_NS = 2, DNS_S_AR = 3 };

/* Start a reply to q: header (id, opcode, RD and CD copied, QR set) plus
 * the question when q->have_question. Returns -ENOSPC if even that does not
 * fit. */
int dns_build_start(struct dns_builder *b, uint8_t *buf, size_t cap, size_t limit,
		    const struct dns_query *q);
void dns_build_set_rcode(struct dns_builder *b, int rcode);
void dns_build_set_flags(struct dns_builder *b, uint16_t set);

/* One resource record: `owner` is a lower-case wire name (compressed
 * against the question, so the question's case is kept), `fixed` is the part
 * of the RDATA before an optional embedded name `rname` (SRV target, PTR,
 * CNAME, NS), and `tail` a part after it (the SOA numbers). Returns 0 or
 * -ENOSPC (the message is left as before the call). */
struct dns_rr_spec {
	const uint8_t *owner;
	uint16_t type;
	uint32_t ttl;
	const uint8_t *fixed;
	uint16_t fixed_len;
	const uint8_t *rname;  /* NULL: none */
	bool rname_nocomp;     /* SRV target: never compressed (RFC 2782, 3597 §4) */
	const uint8_t *rname2; /* second name (SOA RNAME) or NULL */
	const uint8_t *tail;
	uint16_t tail_len;
};
int dns_build_rr(struct dns_builder *b, enum dns_section s, const struct dns_rr_spec *rr);

/* Append the OPT record (always fits: callers keep DNS_OPT_LEN in reserve)
 * with the extended rcode bits of `rcode`. */
int dns_build_opt(struct dns_builder *b, int rcode, uint16_t udp_size);
/* Write counts, TC and the final length. Returns the message length. */
size_t dns_build_finish(struct dns_builder *b);

/* Header-only reply (FORMERR, NOTIMP, ...) echoing id/opcode/RD; with OPT
 * when q->edns. Returns the length or 0 when buf is too small. */
size_t dns_build_error(uint8_t *buf, size_t cap, const struct dns_query *q, int rcode,
		       bool with_question);

static inline uint16_t dns_get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline void dns_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void dns_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
