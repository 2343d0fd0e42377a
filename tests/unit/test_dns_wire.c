/* Unit tests for controlplane/dns_wire.c and the packet-level rules of
 * dns_answer.c: name decompression bounds, the hostile packets of
 * ../shared/dns.md §6.1 (table-driven), EDNS sizes, compression and
 * truncation, byte for byte where the bytes are the point. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "dns/dns_answer.h"
#include "dns/dns_index.h"
#include "dns/dns_wire.h"

/* --- packet construction helpers --- */

struct pkt {
	uint8_t b[4096];
	size_t n;
};

static void put(struct pkt *p, const void *d, size_t n)
{
	assert_true(p->n + n <= sizeof(p->b));
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

static void put16(struct pkt *p, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	put(p, b, 2);
}

static void hdr(struct pkt *p, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
	p->n = 0;
	put16(p, 0xbeef);
	put16(p, flags);
	put16(p, qd);
	put16(p, an);
	put16(p, ns);
	put16(p, ar);
}

static void qname(struct pkt *p, const char *text)
{
	uint8_t w[DNS_NAME_MAX + 1];
	int l = dns_name_from_text(text, w);

	assert_true(l > 0);
	put(p, w, (size_t)l);
}

static void question(struct pkt *p, const char *name, uint16_t type, uint16_t cls)
{
	qname(p, name);
	put16(p, type);
	put16(p, cls);
}

static void opt(struct pkt *p, uint16_t size, uint8_t version, const void *rdata, uint16_t rdlen)
{
	uint8_t o[11] = {0};

	o[2] = DNS_T_OPT;
	o[3] = (uint8_t)(size >> 8);
	o[4] = (uint8_t)size;
	o[6] = version;
	o[9] = (uint8_t)(rdlen >> 8);
	o[10] = (uint8_t)rdlen;
	put(p, o, sizeof(o));
	if (rdlen)
		put(p, rdata, rdlen);
}

/* --- names --- */

static void test_name_read(void **state)
{
	/* header + "a.b." at 12 + "c" + pointer to 12 at 17 */
	static const uint8_t pkt[] = {0, 0, 0,	 0, 0,	 1, 0, 0,   0,	  0, 0,
				      0, 1, 'a', 1, 'b', 0, 1, 'c', 0xc0, 12};
	uint8_t out[DNS_NAME_MAX + 1];
	size_t off = 17;
	int n = dns_name_read(pkt, sizeof(pkt), &off, out);

	assert_int_equal(n, 7);
	assert_memory_equal(out, "\1c\1a\1b\0", 7);
	assert_int_equal(off, sizeof(pkt)); /* past the pointer, not its target */

	/* a pointer to itself, forward, into the header, truncated: all fail */
	static const struct {
		const char *desc;
		uint8_t tail[4];
		size_t len;
	} bad[] = {
	    {"self pointer", {0xc0, 12}, 2},   {"forward pointer", {0xc0, 20}, 2},
	    {"into header", {0xc0, 2}, 2},     {"cut pointer", {0xc0}, 1},
	    {"0x40 label", {0x40, 'a', 0}, 3}, {"0x80 label", {0x80, 'a', 0}, 3},
	    {"cut label", {5, 'a'}, 2},	       {"no root", {1, 'a'}, 2},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t p[32] = {0};

		memcpy(p + 12, bad[i].tail, bad[i].len);
		off = 12;
		if (dns_name_read(p, 12 + bad[i].len, &off, out) != -EBADMSG)
			fail_msg("%s: accepted", bad[i].desc);
	}
}

static void test_name_limits(void **state)
{
	char text[400];
	uint8_t w[DNS_NAME_MAX + 1];

	/* 4 x 63-octet labels = 256 wire octets: too long; 3 + one of 61 = 255 */
	memset(text, 0, sizeof(text));
	for (int i = 0; i < 4; i++) {
		memset(text + i * 64, 'a', 63);
		text[i * 64 + 63] = i < 3 ? '.' : '\0';
	}
	assert_int_equal(dns_name_from_text(text, w), -EINVAL);
	text[3 * 64 + 61] = '\0';
	assert_int_equal(dns_name_from_text(text, w), 255);
	assert_int_equal(dns_name_from_text("a..b", w), -EINVAL);
	memset(text, 'x', 64);
	text[64] = '\0';
	assert_int_equal(dns_name_from_text(text, w), -EINVAL);
	assert_int_equal(dns_name_from_text("Web.Shop.", w), 10);
	assert_memory_equal(w, "\3web\4shop\0", 10);
	assert_int_equal(dns_name_suffix(w, 10, (const uint8_t *)"\4shop", 6), 4);
	assert_int_equal(dns_name_suffix(w, 10, (const uint8_t *)"\3hop", 5), -1);
}

/* --- §6.1 hostile and odd packets through dns_answer --- */

enum expect_kind { X_DROP, X_RCODE };

struct hostile_case {
	const char *desc;
	void (*build)(struct pkt *p);
	enum expect_kind kind;
	int rcode;     /* incl. extended */
	bool opt;      /* reply must carry an OPT */
	bool question; /* reply must echo the question */
};

static void b_short(struct pkt *p)
{
	hdr(p, 0x0100, 1, 0, 0, 0);
	p->n = 11;
}
static void b_qr(struct pkt *p)
{
	hdr(p, 0x8100, 1, 0, 0, 0);
	question(p, "web.shop.svc.cluster.local", DNS_T_A, DNS_C_IN);
}
static void b_qd0(struct pkt *p)
{
	hdr(p, 0x0100, 0, 0, 0, 0);
}
static void b_qd2(struct pkt *p)
{
	hdr(p, 0x0100, 2, 0, 0, 0);
	question(p, "a.cluster.local", DNS_T_A, DNS_C_IN);
	question(p, "b.cluster.local", DNS_T_A, DNS_C_IN);
}
static void b_cutq(struct pkt *p)
{
	hdr(p, 0x0100, 1, 0, 0, 0);
	put(p, "\3web\4sh", 8);
}
static void b_label40(struct pkt *p)
{
	hdr(p, 0x0100, 1, 0, 0, 0);
	put(p,
	    "\x40"
	    "abc\0\0\1\0\1",
	    9);
}
static void b_long(struct pkt *p)
{
	hdr(p, 0x0100, 1, 0, 0, 0);
	for (int i = 0; i < 5; i++) {
		uint8_t l[64];

		l[0] = 63;
		memset(l + 1, 'a', 63);
		put(p, l, 64);
	}
	put(p, "\0\0\1\0\1", 5);
}
static void b_loop(struct pkt *p)
{
	hdr(p, 0x0100, 1, 0, 0, 0);
	put(p, "\xc0\x0c\0\1\0\1", 6);
}
static void b_fwdptr(struct pkt *p)
{
	hdr(p, 0x0100, 1, 0, 0, 0);
	put(p, "\3abc\xc0\x1a\0\1\0\1\1x\0", 13);
}
static void b_opcode1(struct pkt *p)
{
	hdr(p, 0x0900, 1, 0, 0, 1);
	question(p, "web.shop.svc.cluster.local", DNS_T_A, DNS_C_IN);
	opt(p, 1232, 0, NULL, 0);
}
static void b_opcode15(struct pkt *p)
{
	hdr(p, 0x7900, 1, 0, 0, 0);
	question(p, "web.shop.svc.cluster.local", DNS_T_A, DNS_C_IN);
}
static void b_badvers(struct pkt *p)
{
	hdr(p, 0x0100, 1, 0, 0, 1);
	question(p, "cluster.local", DNS_T_SOA, DNS_C_IN);
	opt(p, 1232, 1, NULL, 0);
}
static void b_twoopt(struct pkt *p)
{
	hdr(p, 0x0100, 1, 0, 0, 2);
	question(p, "cluster.local", DNS_T_SOA, DNS_C_IN);
	opt(p, 1232, 0, NULL, 0);
	opt(p, 1232, 0, NULL, 0);
}
static void b_ar_nobytes(struct pkt *p)
{
	hdr(p, 0x0100, 1, 0, 0, 1);
	question(p, "cluster.local", DNS_T_SOA, DNS_C_IN);
}
static void b_badoptlen(struct pkt *p)
{
	hdr(p, 0x0100, 1, 0, 0, 1);
	question(p, "cluster.local", DNS_T_SOA, DNS_C_IN);
	opt(p, 1232, 0,
	    "\xfd\xe9\0\x10"
	    "ab",
	    6);
}
static void b_unknownopt(struct pkt *p)
{
	hdr(p, 0x0100, 1, 0, 0, 1);
	question(p, "cluster.local", DNS_T_SOA, DNS_C_IN);
	opt(p, 1232, 0,
	    "\xfd\xe9\0\2"
	    "ab",
	    6);
}
static void b_bufsize0(struct pkt *p)
{
	hdr(p, 0x0100, 1, 0, 0, 1);
	question(p, "cluster.local", DNS_T_SOA, DNS_C_IN);
	opt(p, 0, 0, NULL, 0);
}
static void b_trailing(struct pkt *p)
{
	hdr(p, 0x0100, 1, 0, 0, 0);
	question(p, "cluster.local", DNS_T_SOA, DNS_C_IN);
	put(p, "garbage", 7);
}
static void b_axfr(struct pkt *p)
{
	hdr(p, 0x0000, 1, 0, 0, 0);
	question(p, "cluster.local", DNS_T_AXFR, DNS_C_IN);
}
static void b_chaos(struct pkt *p)
{
	hdr(p, 0x0000, 1, 0, 0, 0);
	question(p, "version.bind", DNS_T_TXT, 3);
}
static void b_outside_norec(struct pkt *p)
{
	hdr(p, 0x0000, 1, 0, 0, 0);
	question(p, "example.com", DNS_T_A, DNS_C_IN);
}
static void b_outside_rec(struct pkt *p)
{
	hdr(p, 0x0100, 1, 0, 0, 0);
	question(p, "example.com", DNS_T_A, DNS_C_IN);
}
static void b_ancount(struct pkt *p)
{
	hdr(p, 0x0100, 1, 1, 0, 0);
	question(p, "cluster.local", DNS_T_SOA, DNS_C_IN);
	put(p, "\0\0\1\0\1\0\0\0\0\0\4\1\2\3\4", 15);
}

static const struct hostile_case hostile[] = {
    {"11-byte packet", b_short, X_DROP, 0, false, false},
    {"QR=1 (a response)", b_qr, X_DROP, 0, false, false},
    {"QDCOUNT=0", b_qd0, X_RCODE, DNS_R_FORMERR, false, false},
    {"QDCOUNT=2", b_qd2, X_RCODE, DNS_R_FORMERR, false, false},
    {"truncated question", b_cutq, X_RCODE, DNS_R_FORMERR, false, false},
    {"label type 0x40", b_label40, X_RCODE, DNS_R_FORMERR, false, false},
    {"name over 255 octets", b_long, X_RCODE, DNS_R_FORMERR, false, false},
    {"pointer loop C0 0C", b_loop, X_RCODE, DNS_R_FORMERR, false, false},
    {"forward pointer", b_fwdptr, X_RCODE, DNS_R_FORMERR, false, false},
    {"opcode 1 with OPT", b_opcode1, X_RCODE, DNS_R_NOTIMP, true, false},
    {"opcode 15", b_opcode15, X_RCODE, DNS_R_NOTIMP, false, false},
    {"EDNS version 1", b_badvers, X_RCODE, DNS_R_BADVERS, true, true},
    {"two OPT RRs", b_twoopt, X_RCODE, DNS_R_FORMERR, true, false},
    {"ARCOUNT=1 without bytes", b_ar_nobytes, X_RCODE, DNS_R_FORMERR, false, false},
    {"OPT option overruns RDATA", b_badoptlen, X_RCODE, DNS_R_FORMERR, true, false},
    {"unknown EDNS option 65001", b_unknownopt, X_RCODE, DNS_R_NOERROR, true, true},
    {"EDNS bufsize 0", b_bufsize0, X_RCODE, DNS_R_NOERROR, true, true},
    {"trailing garbage", b_trailing, X_RCODE, DNS_R_NOERROR, false, true},
    {"AXFR", b_axfr, X_RCODE, DNS_R_REFUSED, false, true},
    {"version.bind CH TXT", b_chaos, X_RCODE, DNS_R_REFUSED, false, true},
    {"outside zone, RD=0", b_outside_norec, X_RCODE, DNS_R_REFUSED, false, true},
    {"outside zone, not a cluster client", b_outside_rec, X_RCODE, DNS_R_REFUSED, false, true},
    {"ANCOUNT=1 in a query", b_ancount, X_RCODE, DNS_R_FORMERR, false, false},
};

static struct dns_index *small_index(void)
{
	struct dns_index_opts o = {.zone = "cluster.local", .ttl = 30};
	struct dns_index *ix;

	assert_int_equal(dns_index_new(&o, &ix), 0);
	assert_int_equal(
	    dns_index_set(ix, "/registry/services/shop/web",
			  "{\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\"},"
			  "\"spec\":{\"clusterIP\":\"10.96.12.34\",\"ports\":[{\"name\":\"http\","
			  "\"port\":80}]}}"),
	    1);
	return ix;
}

static void test_hostile(void **state)
{
	struct dns_index *ix = small_index();
	struct dns_answer_ctx c = {.ix = ix, .synced = true};
	static uint8_t out[DNS_TCP_MAX + 1];

	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		const struct hostile_case *hc = &hostile[i];
		struct pkt p;
		struct dns_query q;
		struct dns_result r;
		int rcode;

		hc->build(&p);
		dns_answer(&c, p.b, p.n, &q, out, sizeof(out), &r);
		if (hc->kind == X_DROP) {
			if (r.verdict != DNS_V_DROP)
				fail_msg("%s: answered, expected a drop", hc->desc);
			continue;
		}
		if (r.verdict != DNS_V_REPLY)
			fail_msg("%s: verdict %d", hc->desc, r.verdict);
		assert_true(r.len >= DNS_HDR_LEN);
		/* same ID, QR set, opcode echoed, rcode as expected */
		assert_memory_equal(out, "\xbe\xef", 2);
		assert_true(out[2] & 0x80);
		assert_int_equal(out[2] & 0x78, p.b[2] & 0x78);
		rcode = out[3] & 0xf;
		if (dns_get16(out + 10))
			rcode |= out[r.len - 6] << 4; /* OPT is last: ext rcode */
		if (rcode != hc->rcode)
			fail_msg("%s: rcode %d, expected %d", hc->desc, rcode, hc->rcode);
		if ((dns_get16(out + 10) == 1) != hc->opt)
			fail_msg("%s: OPT %s", hc->desc, hc->opt ? "missing" : "unexpected");
		if (hc->opt) /* OPT version 0 with our 1232 */
			assert_memory_equal(out + r.len - 11, "\0\0\x29\x04\xd0", 5);
		if ((dns_get16(out + 4) == 1) != hc->question)
			fail_msg("%s: question %s", hc->desc, hc->question ? "missing" : "echoed");
		/* header-only errors carry no records at all */
		if (!hc->question)
			assert_int_equal(dns_get16(out + 6) + dns_get16(out + 8), 0);
	}
	dns_index_free(ix);
}

/* A cluster client with RD=1 for an outside name is forwarded; without
 * upstreams it is REFUSED rather than silently dropped. */
static void test_forward_verdict(void **state)
{
	struct dns_index *ix = small_index();
	struct dns_answer_ctx c = {
	    .ix = ix, .synced = true, .may_recurse = true, .can_forward = true};
	static uint8_t out[DNS_TCP_MAX + 1];
	struct dns_query q;
	struct dns_result r;
	struct pkt p;

	b_outside_rec(&p);
	dns_answer(&c, p.b, p.n, &q, out, sizeof(out), &r);
	assert_int_equal(r.verdict, DNS_V_FORWARD);
	/* never forward the cluster zone, even a miss */
	hdr(&p, 0x0100, 1, 0, 0, 0);
	question(&p, "nope.svc.cluster.local", DNS_T_A, DNS_C_IN);
	dns_answer(&c, p.b, p.n, &q, out, sizeof(out), &r);
	assert_int_equal(r.verdict, DNS_V_REPLY);
	assert_int_equal(r.rcode, DNS_R_NXDOMAIN);
	/* before the initial sync the zone is SERVFAIL */
	c.synced = false;
	dns_answer(&c, p.b, p.n, &q, out, sizeof(out), &r);
	assert_int_equal(r.rcode, DNS_R_SERVFAIL);
	dns_index_free(ix);
}

/* The whole reply to "WEB.shop..." A, byte for byte: owner compressed to
 * the question (so the query's case comes back), TTL 30, no OPT. */
static void test_answer_bytes(void **state)
{
	static const uint8_t want[] = {
	    0xbe, 0xef, 0x85, 0x00, 0,	 1,   0,   1,	0,   0,	  0, 0,	  3,   'W', 'E',
	    'B',  4,	's',  'h',  'o', 'p', 3,   's', 'v', 'c', 7, 'c', 'l', 'u', 's',
	    't',  'e',	'r',  5,    'l', 'o', 'c', 'a', 'l', 0,	  0, 1,	  0,   1,   0xc0,
	    0x0c, 0,	1,    0,    1,	 0,   0,   0,	30,  0,	  4, 10,  96,  12,  34,
	};
	struct dns_index *ix = small_index();
	struct dns_answer_ctx c = {.ix = ix, .synced = true};
	static uint8_t out[DNS_TCP_MAX + 1];
	struct dns_query q;
	struct dns_result r;
	struct pkt p;

	hdr(&p, 0x0100, 1, 0, 0, 0);
	put(&p, "\3WEB\4shop\3svc\7cluster\5local\0\0\1\0\1", 32);
	dns_answer(&c, p.b, p.n, &q, out, sizeof(out), &r);
	assert_int_equal(r.len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	dns_index_free(ix);
}

/* Builder: an RR that does not fit leaves the message unchanged and marks
 * TC; a later smaller RR still fits (fill what fits). */
static void test_builder_truncation(void **state)
{
	struct dns_query q = {.id = 1, .flags = 0x0100, .qtype = DNS_T_A, .qclass = 1};
	uint8_t buf[64], owner[] = "\1a\0";
	uint8_t big[40] = {0};
	struct dns_rr_spec rr = {.owner = owner, .type = DNS_T_TXT, .ttl = 5, .fixed = big};
	struct dns_builder b;
	size_t len;

	q.qname_len = (size_t)dns_name_from_text("a", q.qname);
	memcpy(q.lname, q.qname, q.qname_len);
	q.have_question = true;
	assert_int_equal(dns_build_start(&b, buf, sizeof(buf), sizeof(buf), &q), 0);
	assert_int_equal(b.len, 12 + 3 + 4);
	rr.fixed_len = 40; /* 2 + 10 + 40 = 52 > 64 - 19 */
	assert_int_equal(dns_build_rr(&b, DNS_S_AN, &rr), -ENOSPC);
	assert_int_equal(b.len, 19);
	assert_true(b.truncated);
	rr.fixed_len = 4;
	assert_int_equal(dns_build_rr(&b, DNS_S_AN, &rr), 0);
	len = dns_build_finish(&b);
	assert_int_equal(len, 19 + 2 + 10 + 4);
	assert_true(buf[2] & 0x02); /* TC */
	assert_int_equal(dns_get16(buf + 6), 1);
	assert_memory_equal(buf + 19, "\xc0\x0c", 2);
}

/* UDP limits: 512 without OPT; the advertised size clamped to 512..1232. */
static void test_udp_limit(void **state)
{
	struct dns_query q = {0};

	assert_int_equal(dns_udp_limit(&q), 512);
	q.edns = true;
	q.edns_size = 4096;
	assert_int_equal(dns_udp_limit(&q), 1232);
	q.edns_size = 512;
	assert_int_equal(dns_udp_limit(&q), 512);
	q.edns_size = 1000;
	assert_int_equal(dns_udp_limit(&q), 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_name_read),	 cmocka_unit_test(test_name_limits),
	    cmocka_unit_test(test_hostile),	 cmocka_unit_test(test_forward_verdict),
	    cmocka_unit_test(test_answer_bytes), cmocka_unit_test(test_builder_truncation),
	    cmocka_unit_test(test_udp_limit),
	};

	return cmocka_run_group_tests_name("dns_wire", tests, NULL, NULL);
}
