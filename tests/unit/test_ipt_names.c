/* Unit tests for dataplane/ipt chain names: upstream kube-proxy's
 * "KUBE-SVC-" + base32(sha256(servicePortName + protocol))[:16] (and the
 * endpoint's "ip:port" appended for KUBE-SEP).
 *
 * Two independent checks: literal names from upstream's own
 * proxier_test.go (TestOverallIPTablesRules) and well-known cluster
 * chains, and names recomputed here from the algorithm with coreutils'
 * sha256sum and a bit-by-bit base32 of the test's own. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ipt/ipt.h"

struct name_case {
	const char *prefix, *spn, *proto, *ep;
	const char *want;
};

/* Literal values kube-proxy itself produces. */
static const struct name_case upstream[] = {
    {"KUBE-SVC-", "ns1/svc1:p80", "tcp", "", "KUBE-SVC-XPGD46QRK7WJZT7O"},
    {"KUBE-SVC-", "ns2/svc2:p80", "tcp", "", "KUBE-SVC-GNZBNJ2PO5MGZ6GT"},
    {"KUBE-EXT-", "ns2/svc2:p80", "tcp", "", "KUBE-EXT-GNZBNJ2PO5MGZ6GT"},
    {"KUBE-SVC-", "ns3/svc3:p80", "tcp", "", "KUBE-SVC-X27LE4BHSL4DOUIK"},
    {"KUBE-SVC-", "ns4/svc4:p80", "tcp", "", "KUBE-SVC-4SW47YFZTEDKD3PK"},
    {"KUBE-FW-", "ns5/svc5:p80", "tcp", "", "KUBE-FW-NUKIZ6OKUXPJNT4C"},
    {"KUBE-SEP-", "ns1/svc1:p80", "tcp", "10.180.0.1:80", "KUBE-SEP-SXIVWICOYRO3J4NJ"},
    {"KUBE-SEP-", "ns2/svc2:p80", "tcp", "10.180.0.2:80", "KUBE-SEP-RS4RBKLTHTF2IUXJ"},
    {"KUBE-SEP-", "ns3/svc3:p80", "tcp", "10.180.0.3:80", "KUBE-SEP-OYPFS5VJICHGATKP"},
    {"KUBE-SEP-", "ns4/svc4:p80", "tcp", "10.180.0.4:80", "KUBE-SEP-UKSFD7AGPMPPLUHC"},
    {"KUBE-SEP-", "ns4/svc4:p80", "tcp", "10.180.0.5:80", "KUBE-SEP-C6EBXVWJJZMIWKLZ"},
    {"KUBE-SEP-", "ns5/svc5:p80", "tcp", "10.180.0.3:80", "KUBE-SEP-I77PXRDZVX7PMWMN"},
    /* every cluster's kubernetes and kube-dns service chains */
    {"KUBE-SVC-", "default/kubernetes:https", "tcp", "", "KUBE-SVC-NPX46M4PTMTKRN6Y"},
    {"KUBE-SVC-", "kube-system/kube-dns:dns", "udp", "", "KUBE-SVC-TCOU7JCQXEZGVUNU"},
    {"KUBE-SVC-", "kube-system/kube-dns:dns-tcp", "tcp", "", "KUBE-SVC-ERIFXISQEP7F7OF4"},
    {"KUBE-SVC-", "kube-system/kube-dns:metrics", "tcp", "", "KUBE-SVC-JD5MR3NA4I4DYORP"},
};

static void test_upstream_literals(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(upstream) / sizeof(upstream[0]); i++) {
		const struct name_case *c = &upstream[i];
		char got[IPT_CHAIN_MAX];

		ipt_chain_name(got, c->prefix, c->spn, c->proto, c->ep);
		if (strcmp(got, c->want))
			fail_msg("%s%s%s: got %s, want %s", c->spn, c->proto, c->ep, got, c->want);
	}
}

/* sha256 of s by coreutils, as 32 bytes; false if sha256sum is missing. */
static bool sha256_cmd(const char *s, unsigned char out[32])
{
	char cmd[512], hex[65] = {0};
	FILE *p;
	bool ok;

	/* the inputs here hold no quote */
	snprintf(cmd, sizeof(cmd), "printf '%%s' '%s' | sha256sum 2>/dev/null", s);
	p = popen(cmd, "r");
	if (!p)
		return false;
	ok = fscanf(p, "%64s", hex) == 1 && strlen(hex) == 64;
	pclose(p);
	for (int i = 0; ok && i < 32; i++) {
		unsigned v;

		ok = sscanf(hex + 2 * i, "%2x", &v) == 1;
		out[i] = (unsigned char)v;
	}
	return ok;
}

/* RFC 4648 base32 the slow way: the digest as a string of bits, five at a
 * time (deliberately unlike the library's shift register). */
static void base32_bits(const unsigned char *d, size_t n, char *out, size_t chars)
{
	const char *alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	char bits[8 * 64 + 1];

	for (size_t i = 0; i < n * 8; i++)
		bits[i] = (d[i / 8] >> (7 - i % 8)) & 1 ? '1' : '0';
	for (size_t c = 0; c < chars; c++) {
		int v = 0;

		for (int b = 0; b < 5; b++)
			v = v * 2 + (bits[c * 5 + b] - '0');
		out[c] = alpha[v];
	}
	out[chars] = 0;
}

static void test_recomputed(void **state)
{
	static const struct name_case cases[] = {
	    {"KUBE-SVC-", "default/web:http", "tcp", "", NULL},
	    {"KUBE-SVL-", "default/web:http", "tcp", "", NULL},
	    {"KUBE-EXT-", "prod-1/api.v2:grpc-web", "tcp", "", NULL},
	    {"KUBE-SVC-", "default/unnamed", "udp", "", NULL},
	    {"KUBE-SVC-", "ns/sctp-svc:assoc", "sctp", "", NULL},
	    {"KUBE-SEP-", "default/web:http", "tcp", "10.244.1.17:8080", NULL},
	    {"KUBE-SEP-", "kube-system/kube-dns:dns", "udp", "10.244.0.2:53", NULL},
	};
	unsigned char d[32];

	(void)state;
	if (!sha256_cmd("probe", d))
		skip();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct name_case *c = &cases[i];
		char in[256], enc[17], want[IPT_CHAIN_MAX], got[IPT_CHAIN_MAX];

		snprintf(in, sizeof(in), "%s%s%s", c->spn, c->proto, c->ep);
		assert_true(sha256_cmd(in, d));
		base32_bits(d, sizeof(d), enc, 16);
		snprintf(want, sizeof(want), "%s%s", c->prefix, enc);
		ipt_chain_name(got, c->prefix, c->spn, c->proto, c->ep);
		assert_string_equal(got, want);
		assert_true(strlen(got) <= 28); /* iptables' chain name limit */
	}
}

/* The endpoint is part of a KUBE-SEP name; the service chains share one
 * hash across prefixes. */
static void test_name_inputs(void **state)
{
	char a[IPT_CHAIN_MAX], b[IPT_CHAIN_MAX];

	(void)state;
	ipt_chain_name(a, "KUBE-SEP-", "ns/s:p", "tcp", "10.0.0.1:80");
	ipt_chain_name(b, "KUBE-SEP-", "ns/s:p", "tcp", "10.0.0.1:81");
	assert_string_not_equal(a, b);
	ipt_chain_name(a, "KUBE-SVC-", "ns/s:p", "tcp", "");
	ipt_chain_name(b, "KUBE-SVC-", "ns/s:p", "udp", "");
	assert_string_not_equal(a, b);
	ipt_chain_name(b, "KUBE-SVL-", "ns/s:p", "tcp", "");
	assert_string_equal(a + 9, b + 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_upstream_literals),
	    cmocka_unit_test(test_recomputed),
	    cmocka_unit_test(test_name_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
