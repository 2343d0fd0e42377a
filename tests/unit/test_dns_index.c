/* Unit tests for controlplane/dns_index.c + dns_answer.c: records built from
 * real Kubernetes JSON (ClusterIP with named ports, headless with
 * StatefulSet hostnames, ExternalName, dual-stack, kube-dns), checked as
 * decoded text per query (table-driven), plus the update path and the
 * negative answers of ../shared/dns.md §1.1. */
#include <arpa/inet.h>
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

/* --- fixtures: the objects as the API server stores them --- */

static const struct {
	const char *key, *json;
} objects[] = {
    {"/registry/namespaces/shop", "{\"kind\":\"Namespace\",\"metadata\":{\"name\":\"shop\"}}"},
    {"/registry/namespaces/empty", "{\"kind\":\"Namespace\",\"metadata\":{\"name\":\"empty\"}}"},
    {"/registry/services/shop/web",
     "{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"web\","
     "\"namespace\":\"shop\"},\"spec\":{\"type\":\"ClusterIP\",\"clusterIP\":\"10.96.12.34\","
     "\"clusterIPs\":[\"10.96.12.34\"],\"ports\":[{\"name\":\"http\",\"protocol\":\"TCP\","
     "\"port\":80,\"targetPort\":8080},{\"name\":\"dns\",\"protocol\":\"UDP\",\"port\":53}]}}"},
    {"/registry/services/shop/plain",
     "{\"kind\":\"Service\",\"metadata\":{\"name\":\"plain\",\"namespace\":\"shop\"},"
     "\"spec\":{\"clusterIP\":\"10.96.0.77\",\"ports\":[{\"port\":8080}]}}"},
    {"/registry/services/shop/db",
     "{\"kind\":\"Service\",\"metadata\":{\"name\":\"db\",\"namespace\":\"shop\"},"
     "\"spec\":{\"clusterIP\":\"None\",\"clusterIPs\":[\"None\"],"
     "\"ports\":[{\"name\":\"pg\",\"protocol\":\"TCP\",\"port\":5432}]}}"},
    {"/registry/endpointslices/shop/db-x7k2p",
     "{\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"db-x7k2p\",\"namespace\":\"shop\","
     "\"labels\":{\"kubernetes.io/service-name\":\"db\"}},\"addressType\":\"IPv4\","
     "\"endpoints\":[{\"addresses\":[\"10.244.1.5\"],\"hostname\":\"db-0\","
     "\"conditions\":{\"ready\":true}},{\"addresses\":[\"10.244.1.6\"],"
     "\"conditions\":{\"ready\":true},\"targetRef\":{\"kind\":\"Pod\",\"name\":\"db-1\"}},"
     "{\"addresses\":[\"10.244.1.7\"],\"hostname\":\"db-2\",\"conditions\":{\"ready\":false}}],"
     "\"ports\":[{\"name\":\"pg\",\"protocol\":\"TCP\",\"port\":5432}]}"},
    /* db-1's slice entry lacks the hostname; its Pod has hostname +
     * subdomain=db (StatefulSet), so it is still db-1.db... */
    {"/registry/pods/shop/db-1",
     "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"db-1\",\"namespace\":\"shop\"},"
     "\"spec\":{\"hostname\":\"db-1\",\"subdomain\":\"db\",\"containers\":[]}}"},
    {"/registry/services/shop/nohosts",
     "{\"kind\":\"Service\",\"metadata\":{\"name\":\"nohosts\",\"namespace\":\"shop\"},"
     "\"spec\":{\"clusterIP\":\"None\",\"ports\":[{\"name\":\"http\",\"port\":80}]}}"},
    {"/registry/endpointslices/shop/nohosts-1",
     "{\"metadata\":{\"name\":\"nohosts-1\",\"namespace\":\"shop\","
     "\"labels\":{\"kubernetes.io/service-name\":\"nohosts\"}},\"addressType\":\"IPv4\","
     "\"endpoints\":[{\"addresses\":[\"10.244.3.9\"]}],"
     "\"ports\":[{\"name\":\"http\",\"protocol\":\"TCP\",\"port\":8080}]}"},
    {"/registry/services/shop/unready",
     "{\"metadata\":{\"name\":\"unready\",\"namespace\":\"shop\"},"
     "\"spec\":{\"clusterIP\":\"None\"}}"},
    {"/registry/endpointslices/shop/unready-1",
     "{\"metadata\":{\"name\":\"unready-1\",\"namespace\":\"shop\","
     "\"labels\":{\"kubernetes.io/service-name\":\"unready\"}},\"addressType\":\"IPv4\","
     "\"endpoints\":[{\"addresses\":[\"10.244.4.1\"],\"conditions\":{\"ready\":false}}]}"},
    {"/registry/services/shop/ext",
     "{\"kind\":\"Service\",\"metadata\":{\"name\":\"ext\",\"namespace\":\"shop\"},"
     "\"spec\":{\"type\":\"ExternalName\",\"externalName\":\"api.example.com\"}}"},
    {"/registry/services/shop/alias",
     "{\"metadata\":{\"name\":\"alias\",\"namespace\":\"shop\"},\"spec\":{\"type\":"
     "\"ExternalName\",\"externalName\":\"web.shop.svc.cluster.local\"}}"},
    {"/registry/services/shop/dual",
     "{\"metadata\":{\"name\":\"dual\",\"namespace\":\"shop\"},\"spec\":{\"clusterIP\":"
     "\"10.96.5.5\",\"clusterIPs\":[\"10.96.5.5\",\"fd00:10:96::5\"],\"ipFamilies\":"
     "[\"IPv4\",\"IPv6\"],\"ports\":[{\"port\":80}]}}"},
    {"/registry/services/kube-system/kube-dns",
     "{\"metadata\":{\"name\":\"kube-dns\",\"namespace\":\"kube-system\"},\"spec\":{"
     "\"clusterIP\":\"10.96.0.10\",\"ports\":[{\"name\":\"dns\",\"protocol\":\"UDP\","
     "\"port\":53},{\"name\":\"dns-tcp\",\"protocol\":\"TCP\",\"port\":53}]}}"},
    /* resources the index does not follow are ignored */
    {"/registry/deployments/shop/web", "{\"kind\":\"Deployment\"}"},
};

static struct dns_index *load(void)
{
	struct dns_index_opts o = {.zone = "cluster.local", .ttl = 30};
	struct dns_index *ix;

	assert_int_equal(dns_index_new(&o, &ix), 0);
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		assert_true(dns_index_set(ix, objects[i].key, objects[i].json) >= 0);
	return ix;
}

/* --- a small decoder: the reply as text, one line per record --- */

static void name_text(const uint8_t *msg, size_t len, size_t *off, char *out)
{
	uint8_t w[DNS_NAME_MAX + 1];

	assert_true(dns_name_read(msg, len, off, w) > 0);
	dns_name_to_text(w, out, DNS_NAME_MAX + 2);
}

/* "NXDOMAIN aa tc" then records "|S owner ttl TYPE rdata" with S = A
 * (answer), N (authority), R (additional); the SOA serial (a timestamp)
 * is printed as "S". */
static void decode(const uint8_t *msg, size_t len, char *out, size_t outlen)
{
	static const char *rcodes[] = {"NOERROR",  "FORMERR", "SERVFAIL",
				       "NXDOMAIN", "NOTIMP",  "REFUSED"};
	size_t off = DNS_HDR_LEN, o;
	char name[DNS_NAME_MAX + 2];
	uint16_t cnt[4];

	for (int i = 0; i < 4; i++)
		cnt[i] = dns_get16(msg + 4 + 2 * i);
	o = (size_t)snprintf(out, outlen, "%s%s%s", rcodes[msg[3] & 0xf],
			     msg[2] & 0x04 ? " aa" : "", msg[2] & 0x02 ? " tc" : "");
	for (int i = 0; i < cnt[0]; i++) {
		name_text(msg, len, &off, name);
		off += 4;
	}
	for (int s = 1; s < 4; s++) {
		for (int i = 0; i < cnt[s]; i++) {
			char rd[600] = "";
			uint16_t type, rdlen;
			uint32_t ttl;
			size_t r;

			name_text(msg, len, &off, name);
			type = dns_get16(msg + off);
			ttl = ((uint32_t)dns_get16(msg + off + 4) << 16) | dns_get16(msg + off + 6);
			rdlen = dns_get16(msg + off + 8);
			off += 10;
			r = off;
			if (type == DNS_T_OPT) {
				off += rdlen;
				continue;
			}
			switch (type) {
			case DNS_T_A:
				inet_ntop(AF_INET, msg + r, rd, sizeof(rd));
				break;
			case DNS_T_AAAA:
				inet_ntop(AF_INET6, msg + r, rd, sizeof(rd));
				break;
			case DNS_T_CNAME:
			case DNS_T_PTR:
			case DNS_T_NS:
				name_text(msg, len, &r, rd);
				break;
			case DNS_T_SRV: {
				char t[DNS_NAME_MAX + 2];

				r += 6;
				name_text(msg, len, &r, t);
				snprintf(rd, sizeof(rd), "%u %u %u %s", dns_get16(msg + off),
					 dns_get16(msg + off + 2), dns_get16(msg + off + 4), t);
				break;
			}
			case DNS_T_SOA: {
				char m[DNS_NAME_MAX + 2], h[DNS_NAME_MAX + 2];

				name_text(msg, len, &r, m);
				name_text(msg, len, &r, h);
				snprintf(rd, sizeof(rd), "%s %s S %u %u %u %u", m, h,
					 (unsigned)dns_get16(msg + r + 4) << 16 |
					     dns_get16(msg + r + 6),
					 (unsigned)dns_get16(msg + r + 8) << 16 |
					     dns_get16(msg + r + 10),
					 (unsigned)dns_get16(msg + r + 12) << 16 |
					     dns_get16(msg + r + 14),
					 (unsigned)dns_get16(msg + r + 16) << 16 |
					     dns_get16(msg + r + 18));
				break;
			}
			case DNS_T_TXT:
				snprintf(rd, sizeof(rd), "\"%.*s\"", msg[r], msg + r + 1);
				break;
			}
			o += (size_t)snprintf(out + o, outlen - o, "|%c %s %u %s %s", "QANR"[s],
					      name, ttl,
					      type == DNS_T_A	    ? "A"
					      : type == DNS_T_AAAA  ? "AAAA"
					      : type == DNS_T_SRV   ? "SRV"
					      : type == DNS_T_PTR   ? "PTR"
					      : type == DNS_T_CNAME ? "CNAME"
					      : type == DNS_T_SOA   ? "SOA"
					      : type == DNS_T_NS    ? "NS"
					      : type == DNS_T_TXT   ? "TXT"
								    : "?",
					      rd);
			off += rdlen;
		}
	}
}

/* Ask `name` `type` and return the decoded reply. */
static const char *ask(struct dns_index *ix, const char *name, uint16_t type, bool edns, bool tcp)
{
	static uint8_t out[DNS_TCP_MAX + 1];
	static char text[65536];
	struct dns_answer_ctx c = {.ix = ix, .synced = true, .tcp = tcp};
	uint8_t pkt[512] = {0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
	size_t n = 12;
	struct dns_query q;
	struct dns_result r;
	int l;

	/* keep the given case: the server must echo it */
	for (const char *s = name; *s;) {
		const char *dot = strchr(s, '.');
		size_t ll = dot ? (size_t)(dot - s) : strlen(s);

		pkt[n++] = (uint8_t)ll;
		memcpy(pkt + n, s, ll);
		n += ll;
		s += ll + (dot ? 1 : 0);
	}
	pkt[n++] = 0;
	l = (int)n;
	dns_put16(pkt + l, type);
	dns_put16(pkt + l + 2, DNS_C_IN);
	n += 4;
	if (edns) {
		pkt[11] = 1;
		memcpy(pkt + n, "\0\0\x29\x10\0\0\0\0\0\0\0", 11); /* bufsize 4096 */
		n += 11;
	}
	dns_answer(&c, pkt, n, &q, out, sizeof(out), &r);
	assert_int_equal(r.verdict, DNS_V_REPLY);
	decode(out, r.len, text, sizeof(text));
	return text;
}

#define SOA                                                                                        \
	"|N cluster.local. 30 SOA ns.dns.cluster.local. hostmaster.cluster.local. S 7200 1800 "    \
	"86400 30"

static const struct {
	const char *name;
	uint16_t type;
	const char *want;
} table[] = {
    /* ClusterIP service: A, SRV per named port (+A in additional), PTR */
    {"web.shop.svc.cluster.local", DNS_T_A,
     "NOERROR aa|A web.shop.svc.cluster.local. 30 A 10.96.12.34"},
    {"WeB.ShOp.SVC.cluster.LOCAL", DNS_T_A,
     "NOERROR aa|A WeB.ShOp.SVC.cluster.LOCAL. 30 A 10.96.12.34"},
    {"_http._tcp.web.shop.svc.cluster.local", DNS_T_SRV,
     "NOERROR aa|A _http._tcp.web.shop.svc.cluster.local. 30 SRV 0 100 80 "
     "web.shop.svc.cluster.local.|R web.shop.svc.cluster.local. 30 A 10.96.12.34"},
    {"_dns._udp.web.shop.svc.cluster.local", DNS_T_SRV,
     "NOERROR aa|A _dns._udp.web.shop.svc.cluster.local. 30 SRV 0 100 53 "
     "web.shop.svc.cluster.local.|R web.shop.svc.cluster.local. 30 A 10.96.12.34"},
    {"_http._udp.web.shop.svc.cluster.local", DNS_T_SRV, "NXDOMAIN aa" SOA},
    /* the _tcp level is an empty non-terminal: NODATA (RFC 8020) */
    {"_tcp.web.shop.svc.cluster.local", DNS_T_SRV, "NOERROR aa" SOA},
    {"34.12.96.10.in-addr.arpa", DNS_T_PTR,
     "NOERROR aa|A 34.12.96.10.in-addr.arpa. 30 PTR web.shop.svc.cluster.local."},
    /* unnamed port: A but no SRV */
    {"plain.shop.svc.cluster.local", DNS_T_A,
     "NOERROR aa|A plain.shop.svc.cluster.local. 30 A 10.96.0.77"},
    {"plain.shop.svc.cluster.local", DNS_T_SRV, "NOERROR aa" SOA},
    /* family mismatch and other types on an existing name: NODATA */
    {"web.shop.svc.cluster.local", DNS_T_AAAA, "NOERROR aa" SOA},
    {"web.shop.svc.cluster.local", DNS_T_TXT, "NOERROR aa" SOA},
    {"web.shop.svc.cluster.local", DNS_T_MX, "NOERROR aa" SOA},
    /* dual stack */
    {"dual.shop.svc.cluster.local", DNS_T_AAAA,
     "NOERROR aa|A dual.shop.svc.cluster.local. 30 AAAA fd00:10:96::5"},
    {"5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa", DNS_T_PTR,
     "NOERROR aa|A 5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa. "
     "30 PTR dual.shop.svc.cluster.local."},
    /* headless: ready endpoints only; hostnames from the slice or the Pod */
    {"db.shop.svc.cluster.local", DNS_T_A,
     "NOERROR aa|A db.shop.svc.cluster.local. 30 A 10.244.1.5"
     "|A db.shop.svc.cluster.local. 30 A 10.244.1.6"},
    {"db-0.db.shop.svc.cluster.local", DNS_T_A,
     "NOERROR aa|A db-0.db.shop.svc.cluster.local. 30 A 10.244.1.5"},
    {"db-1.db.shop.svc.cluster.local", DNS_T_A,
     "NOERROR aa|A db-1.db.shop.svc.cluster.local. 30 A 10.244.1.6"},
    {"db-2.db.shop.svc.cluster.local", DNS_T_A, "NXDOMAIN aa" SOA},
    {"_pg._tcp.db.shop.svc.cluster.local", DNS_T_SRV,
     "NOERROR aa|A _pg._tcp.db.shop.svc.cluster.local. 30 SRV 0 50 5432 "
     "db-0.db.shop.svc.cluster.local.|A _pg._tcp.db.shop.svc.cluster.local. 30 SRV 0 50 5432 "
     "db-1.db.shop.svc.cluster.local.|R db-0.db.shop.svc.cluster.local. 30 A 10.244.1.5"
     "|R db-1.db.shop.svc.cluster.local. 30 A 10.244.1.6"},
    {"6.1.244.10.in-addr.arpa", DNS_T_PTR,
     "NOERROR aa|A 6.1.244.10.in-addr.arpa. 30 PTR db-1.db.shop.svc.cluster.local."},
    /* headless without hostnames: dashed-IP labels, SRV on the endpoint port */
    {"_http._tcp.nohosts.shop.svc.cluster.local", DNS_T_SRV,
     "NOERROR aa|A _http._tcp.nohosts.shop.svc.cluster.local. 30 SRV 0 100 8080 "
     "10-244-3-9.nohosts.shop.svc.cluster.local.|R 10-244-3-9.nohosts.shop.svc.cluster."
     "local. 30 A 10.244.3.9"},
    /* headless without ready endpoints: NXDOMAIN */
    {"unready.shop.svc.cluster.local", DNS_T_A, "NXDOMAIN aa" SOA},
    /* ExternalName: CNAME; into the zone it is followed */
    {"ext.shop.svc.cluster.local", DNS_T_A,
     "NOERROR aa|A ext.shop.svc.cluster.local. 30 CNAME api.example.com."},
    {"ext.shop.svc.cluster.local", DNS_T_CNAME,
     "NOERROR aa|A ext.shop.svc.cluster.local. 30 CNAME api.example.com."},
    {"alias.shop.svc.cluster.local", DNS_T_A,
     "NOERROR aa|A alias.shop.svc.cluster.local. 30 CNAME web.shop.svc.cluster.local."
     "|A web.shop.svc.cluster.local. 30 A 10.96.12.34"},
    /* apex, schema version, NS target */
    {"cluster.local", DNS_T_SOA,
     "NOERROR aa|A cluster.local. 30 SOA ns.dns.cluster.local. hostmaster.cluster.local. S "
     "7200 1800 86400 30"},
    {"cluster.local", DNS_T_NS,
     "NOERROR aa|A cluster.local. 30 NS ns.dns.cluster.local.|R ns.dns.cluster.local. 30 A "
     "10.96.0.10"},
    {"cluster.local", DNS_T_A, "NOERROR aa" SOA},
    {"dns-version.cluster.local", DNS_T_TXT,
     "NOERROR aa|A dns-version.cluster.local. 28800 TXT \"1.1.0\""},
    {"dns-version.cluster.local", DNS_T_A, "NOERROR aa" SOA},
    /* §1.1 negative table */
    {"svc.cluster.local", DNS_T_A, "NOERROR aa" SOA},
    {"pod.cluster.local", DNS_T_A, "NOERROR aa" SOA},
    {"svc.cluster.local", DNS_T_TXT, "NOERROR aa" SOA},
    {"foo.cluster.local", DNS_T_A, "NXDOMAIN aa" SOA},
    {"shop.svc.cluster.local", DNS_T_A, "NOERROR aa" SOA},
    {"empty.svc.cluster.local", DNS_T_A, "NOERROR aa" SOA},
    {"nons.svc.cluster.local", DNS_T_A, "NXDOMAIN aa" SOA},
    {"nope.shop.svc.cluster.local", DNS_T_A, "NXDOMAIN aa" SOA},
    {"x.nope.shop.svc.cluster.local", DNS_T_A, "NXDOMAIN aa" SOA},
    {"a.b.c.d.e.f.svc.cluster.local", DNS_T_A, "NXDOMAIN aa" SOA},
    {"1-2-3-4.shop.pod.cluster.local", DNS_T_A, "NXDOMAIN aa" SOA},
    /* the SOA names follow the query's case of the zone, as CoreDNS's
     * zone = qname[len(qname)-len(zone):] */
    {"NOPE.Cluster.Local", DNS_T_A,
     "NXDOMAIN aa|N Cluster.Local. 30 SOA ns.dns.Cluster.Local. hostmaster.Cluster.Local. "
     "S 7200 1800 86400 30"},
};

static void test_records(void **state)
{
	struct dns_index *ix = load();

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		char got[65536];

		strcpy(got, ask(ix, table[i].name, table[i].type, false, false));
		if (strcmp(got, table[i].want))
			fail_msg("%s type %u:\n got  %s\n want %s", table[i].name, table[i].type,
				 got, table[i].want);
	}
	dns_index_free(ix);
}

/* The update path: create, change, delete; answers follow at once. */
static void test_updates(void **state)
{
	struct dns_index *ix = load();
	const char *key = "/registry/services/shop/web";

	assert_string_equal(ask(ix, "web.shop.svc.cluster.local", DNS_T_A, false, false),
			    "NOERROR aa|A web.shop.svc.cluster.local. 30 A 10.96.12.34");
	/* change the ClusterIP and drop the named port */
	assert_int_equal(
	    dns_index_set(ix, key,
			  "{\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\"},"
			  "\"spec\":{\"clusterIP\":\"10.96.99.1\",\"ports\":[{\"port\":"
			  "80}]}}"),
	    1);
	assert_string_equal(ask(ix, "web.shop.svc.cluster.local", DNS_T_A, false, false),
			    "NOERROR aa|A web.shop.svc.cluster.local. 30 A 10.96.99.1");
	assert_non_null(strstr(ask(ix, "34.12.96.10.in-addr.arpa", DNS_T_PTR, false, false),
			       "REFUSED")); /* not ours any more, and no recursion */
	assert_non_null(strstr(
	    ask(ix, "_http._tcp.web.shop.svc.cluster.local", DNS_T_SRV, false, false), "NXDOMAIN"));
	/* delete: NXDOMAIN; the namespace stays (NODATA) */
	assert_int_equal(dns_index_set(ix, key, NULL), 1);
	assert_non_null(
	    strstr(ask(ix, "web.shop.svc.cluster.local", DNS_T_A, false, false), "NXDOMAIN"));
	assert_non_null(
	    strstr(ask(ix, "shop.svc.cluster.local", DNS_T_A, false, false), "NOERROR"));

	/* headless endpoints: a new ready endpoint appears, then the slice goes */
	assert_int_equal(
	    dns_index_set(ix, "/registry/endpointslices/shop/unready-1",
			  "{\"metadata\":{\"name\":\"unready-1\",\"namespace\":\"shop\","
			  "\"labels\":{\"kubernetes.io/service-name\":\"unready\"}},"
			  "\"endpoints\":[{\"addresses\":[\"10.244.4.1\"],\"conditions\":"
			  "{\"ready\":true}}]}"),
	    1);
	assert_string_equal(ask(ix, "unready.shop.svc.cluster.local", DNS_T_A, false, false),
			    "NOERROR aa|A unready.shop.svc.cluster.local. 30 A 10.244.4.1");
	assert_int_equal(dns_index_set(ix, "/registry/endpointslices/shop/unready-1", NULL), 1);
	assert_non_null(
	    strstr(ask(ix, "unready.shop.svc.cluster.local", DNS_T_A, false, false), "NXDOMAIN"));

	/* a slice that arrives before its Service */
	assert_int_equal(
	    dns_index_set(ix, "/registry/endpointslices/shop/late-1",
			  "{\"metadata\":{\"labels\":{\"kubernetes.io/service-name\":"
			  "\"late\"}},\"endpoints\":[{\"addresses\":[\"10.244.9.9\"]}]}"),
	    1);
	assert_non_null(
	    strstr(ask(ix, "late.shop.svc.cluster.local", DNS_T_A, false, false), "NXDOMAIN"));
	assert_int_equal(dns_index_set(ix, "/registry/services/shop/late",
				       "{\"spec\":{\"clusterIP\":\"None\"}}"),
			 1);
	assert_string_equal(ask(ix, "late.shop.svc.cluster.local", DNS_T_A, false, false),
			    "NOERROR aa|A late.shop.svc.cluster.local. 30 A 10.244.9.9");

	/* the Pod's hostname goes: db-1 falls back to its dashed address */
	assert_int_equal(dns_index_set(ix, "/registry/pods/shop/db-1", NULL), 1);
	assert_non_null(
	    strstr(ask(ix, "db-1.db.shop.svc.cluster.local", DNS_T_A, false, false), "NXDOMAIN"));
	assert_non_null(strstr(
	    ask(ix, "10-244-1-6.db.shop.svc.cluster.local", DNS_T_A, false, false), "10.244.1.6"));

	/* a namespace without services: NODATA while it exists */
	assert_int_equal(dns_index_set(ix, "/registry/namespaces/empty", NULL), 1);
	assert_non_null(
	    strstr(ask(ix, "empty.svc.cluster.local", DNS_T_A, false, false), "NXDOMAIN"));

	/* garbage JSON counts as a delete, never a crash */
	assert_true(dns_index_set(ix, "/registry/services/shop/db", "{not json") < 0);
	assert_non_null(
	    strstr(ask(ix, "db.shop.svc.cluster.local", DNS_T_A, false, false), "NXDOMAIN"));
	dns_index_free(ix);
}

/* A headless service with 100 endpoints: UDP without EDNS gets TC and as
 * many A records as fit in 512 bytes; EDNS 4096 is capped at 1232; TCP gets
 * all 100. */
static void test_truncation(void **state)
{
	struct dns_index *ix = load();
	char *slice = malloc(16384);
	size_t o;
	const char *t;
	int n;

	o = (size_t)sprintf(slice, "{\"metadata\":{\"labels\":{\"kubernetes.io/service-name\":"
				   "\"big\"}},\"endpoints\":[");
	for (int i = 0; i < 100; i++)
		o += (size_t)sprintf(slice + o, "%s{\"addresses\":[\"10.244.2.%d\"]}", i ? "," : "",
				     i + 1);
	strcpy(slice + o, "]}");
	assert_int_equal(
	    dns_index_set(ix, "/registry/services/shop/big", "{\"spec\":{\"clusterIP\":\"None\"}}"),
	    1);
	assert_int_equal(dns_index_set(ix, "/registry/endpointslices/shop/big-1", slice), 1);
	free(slice);

	static const struct {
		bool edns, tcp, tc;
		int count;
	} cases[] = {
	    /* 12 + 31 question = 43; each A 16 bytes: (512-43)/16 = 29 */
	    {false, false, true, 29},
	    /* (1232 - 11 OPT - 43) / 16 = 73 */
	    {true, false, true, 73},
	    {false, true, false, 100},
	    {true, true, false, 100},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = ask(ix, "big.shop.svc.cluster.local", DNS_T_A, cases[i].edns, cases[i].tcp);
		n = 0;
		for (const char *p = t; (p = strstr(p, "|A ")); p++)
			n++;
		assert_int_equal(n, cases[i].count);
		assert_int_equal(strstr(t, " tc") != NULL, cases[i].tc);
	}
	dns_index_free(ix);
}

/* Churn: add and remove many services; the table returns to its static
 * size (no leaked names or references). */
static void test_churn(void **state)
{
	struct dns_index_opts o = {.zone = "cluster.local", .ttl = 5};
	struct dns_index *ix;
	size_t base;
	char key[128], json[256];

	assert_int_equal(dns_index_new(&o, &ix), 0);
	base = dns_index_names(ix);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 500; i++) {
			snprintf(key, sizeof(key), "/registry/services/ns%d/svc%d", i % 7, i);
			snprintf(json, sizeof(json),
				 "{\"spec\":{\"clusterIP\":\"10.96.%d.%d\",\"ports\":[{\"name\":"
				 "\"p%d\",\"port\":80}]}}",
				 i / 250, i % 250 + 1, round);
			assert_int_equal(dns_index_set(ix, key, json), 1);
		}
		assert_int_equal(dns_index_services(ix), 500);
	}
	assert_string_equal(ask(ix, "svc3.ns3.svc.cluster.local", DNS_T_A, false, false),
			    "NOERROR aa|A svc3.ns3.svc.cluster.local. 5 A 10.96.0.4");
	for (int i = 0; i < 500; i++) {
		snprintf(key, sizeof(key), "/registry/services/ns%d/svc%d", i % 7, i);
		assert_int_equal(dns_index_set(ix, key, NULL), 1);
	}
	assert_int_equal(dns_index_names(ix), base);
	assert_int_equal(dns_index_services(ix), 0);
	dns_index_free(ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_records),
	    cmocka_unit_test(test_updates),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_churn),
	};

	return cmocka_run_group_tests_name("dns_index", tests, NULL, NULL);
}
