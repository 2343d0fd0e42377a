/* libFuzzer harness for the cluster DNS: raw bytes -> dns_answer() against
 * a small fixed index (query parsing, name decompression, EDNS, answer
 * building, truncation), with the reply checked for well-formedness and
 * size limits; plus arbitrary JSON objects into the index. */
/* clang-format off */
/* FUZZ_SOURCES: controlplane/dns/dns_wire.c controlplane/dns/dns_hash.c controlplane/dns/dns_index.c controlplane/dns/dns_render.c controlplane/dns/dns_objects.c controlplane/dns/dns_answer.c lib/log.c */
/* clang-format on */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dns/dns_answer.h"
#include "dns/dns_index.h"
#include "dns/dns_wire.h"

static const struct {
	const char *key, *json;
} fixture[] = {
    {"/registry/namespaces/shop", "{\"metadata\":{\"name\":\"shop\"}}"},
    {"/registry/services/shop/web",
     "{\"spec\":{\"clusterIP\":\"10.96.12.34\",\"clusterIPs\":[\"10.96.12.34\","
     "\"fd00::1\"],\"ports\":[{\"name\":\"http\",\"port\":80},{\"name\":\"dns\","
     "\"protocol\":\"UDP\",\"port\":53}]}}"},
    {"/registry/services/shop/db", "{\"spec\":{\"clusterIP\":\"None\",\"ports\":[{\"name\":"
				   "\"pg\",\"port\":5432}]}}"},
    {"/registry/endpointslices/shop/db-1",
     "{\"metadata\":{\"labels\":{\"kubernetes.io/service-name\":\"db\"}},\"endpoints\":["
     "{\"addresses\":[\"10.244.1.5\"],\"hostname\":\"db-0\"},{\"addresses\":[\"10.244.1.6\"]},"
     "{\"addresses\":[\"fd00::10:244:1:7\"]},{\"addresses\":[\"10.244.1.8\"],\"conditions\":"
     "{\"ready\":false}}],\"ports\":[{\"name\":\"pg\",\"port\":5432}]}"},
    {"/registry/services/shop/ext",
     "{\"spec\":{\"type\":\"ExternalName\",\"externalName\":\"example.com\"}}"},
    {"/registry/services/shop/loop1",
     "{\"spec\":{\"type\":\"ExternalName\",\"externalName\":\"loop2.shop.svc.cluster.local\"}}"},
    {"/registry/services/shop/loop2",
     "{\"spec\":{\"type\":\"ExternalName\",\"externalName\":\"loop1.shop.svc.cluster.local\"}}"},
    {"/registry/services/kube-system/kube-dns", "{\"spec\":{\"clusterIP\":\"10.96.0.10\"}}"},
};

static struct dns_index *fixed;
static uint8_t out[DNS_TCP_MAX + 1];

static struct dns_index *make_index(void)
{
	struct dns_index_opts o = {.zone = "cluster.local", .ttl = 30};
	struct dns_index *ix;

	if (dns_index_new(&o, &ix))
		abort();
	for (size_t i = 0; i < sizeof(fixture) / sizeof(fixture[0]); i++)
		dns_index_set(ix, fixture[i].key, fixture[i].json);
	return ix;
}

/* Every record of the reply must parse within its length. */
static void check_reply(const uint8_t *m, size_t len)
{
	uint8_t name[DNS_NAME_MAX + 1];
	size_t off = DNS_HDR_LEN;
	unsigned qd, rr;

	if (len < DNS_HDR_LEN || !(m[2] & 0x80))
		abort();
	qd = dns_get16(m + 4);
	rr = (unsigned)dns_get16(m + 6) + dns_get16(m + 8) + dns_get16(m + 10);
	for (unsigned i = 0; i < qd; i++) {
		if (dns_name_read(m, len, &off, name) < 0 || len - off < 4)
			abort();
		off += 4;
	}
	for (unsigned i = 0; i < rr; i++) {
		size_t rd;

		if (dns_name_read(m, len, &off, name) < 0 || len - off < 10)
			abort();
		rd = dns_get16(m + off + 8);
		if (len - off - 10 < rd)
			abort();
		off += 10 + rd;
	}
	if (off != len)
		abort();
}

static void query(const uint8_t *data, size_t size, uint8_t mode)
{
	struct dns_answer_ctx c = {
	    .ix = fixed,
	    .synced = !(mode & 1),
	    .may_recurse = mode & 2,
	    .can_forward = mode & 4,
	    .tcp = mode & 8,
	};
	struct dns_query q;
	struct dns_result r;
	size_t limit;

	dns_answer(&c, data, size, &q, out, sizeof(out), &r);
	if (r.verdict != DNS_V_REPLY)
		return;
	limit = c.tcp ? DNS_TCP_MAX : dns_udp_limit(&q);
	/* error replies (header, question, OPT) are at most 282 bytes */
	if (r.len > limit)
		abort();
	/* never answer a response */
	if (size >= 3 && (data[2] & 0x80))
		abort();
	check_reply(out, r.len);
}

static void objects(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {
	    "/registry/services/shop/web",
	    "/registry/services/shop/x",
	    "/registry/endpointslices/shop/db-1",
	    "/registry/endpointslices/shop/n",
	    "/registry/pods/shop/db-0",
	    "/registry/namespaces/shop",
	    "/registry/nodes/n1",
	    "/registry/services/shop/db",
	};
	struct dns_index *ix = make_index();
	char *json = malloc(size);
	static const char *const names[] = {"web.shop.svc.cluster.local",
					    "db.shop.svc.cluster.local", "x.shop.svc.cluster.local",
					    "_pg._tcp.db.shop.svc.cluster.local"};

	if (!json)
		abort();
	memcpy(json, data + 1, size - 1);
	json[size - 1] = '\0';
	dns_index_set(ix, keys[data[0] & 7], json);
	/* query a few names against the changed index, then delete */
	for (size_t i = 0; i < 4; i++) {
		uint8_t pkt[300] = {1, 2, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
		int l = dns_name_from_text(names[i], pkt + 12);
		struct dns_answer_ctx c = {.ix = ix, .synced = true, .tcp = i & 1};
		struct dns_query q;
		struct dns_result r;

		dns_put16(pkt + 12 + l, i == 3 ? DNS_T_SRV : DNS_T_A);
		dns_put16(pkt + 14 + l, DNS_C_IN);
		dns_answer(&c, pkt, 16 + (size_t)l, &q, out, sizeof(out), &r);
		if (r.verdict == DNS_V_REPLY)
			check_reply(out, r.len);
	}
	dns_index_set(ix, keys[data[0] & 7], NULL);
	dns_index_free(ix);
	free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fixed)
		fixed = make_index();
	if (size < 1)
		return 0;
	/* first byte: 0x00-0xef a query with flags from the low nibble;
	 * 0xf0-0xff JSON into the index */
	if (data[0] >= 0xf0) {
		if (size >= 2)
			objects(data + 1, size - 1);
		return 0;
	}
	query(data + 1, size - 1, data[0] & 0xf);
	return 0;
}
