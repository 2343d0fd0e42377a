/* Unit tests for dataplane/proxy_model.c: Services and EndpointSlices as
 * load-balancer input (k8s-api.md §8.1, §8.3, §12), table-driven.
 *
 * Fixtures are JSON written with ' for " (see J()). Endpoint lists are
 * compared as text: "addr:port/FLAGS" in slot order, FLAGS from R(eady),
 * S(erving), T(erminating). */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "lb_common.h"
#include "node_http.h"
#include "proxy_model.h"

/* Parse JSON written with single quotes (no fixture needs a real '). */
static cJSON *J(const char *text)
{
	char *s = strdup(text);
	cJSON *doc;

	assert_non_null(s);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	doc = cJSON_Parse(s);
	if (!doc)
		fail_msg("fixture is not JSON: %s", text);
	free(s);
	return doc;
}

/* --- Services --- */

struct svc_case {
	const char *name;
	const char *json;
	int rc;
	const char *vip;   /* when rc == 0 */
	const char *ports; /* "name/port/proto ..." when rc == 0 */
	uint32_t affinity; /* 0 = none, else the timeout */
};

#define SVC(spec) "{'metadata':{'name':'web','namespace':'default'},'spec':" spec "}"

static const struct svc_case svc_cases[] = {
    {"ClusterIP with two named ports",
     SVC("{'type':'ClusterIP','clusterIP':'10.96.0.10','ports':["
	 "{'name':'http','port':80,'protocol':'TCP','targetPort':8080},"
	 "{'name':'dns','port':53,'protocol':'UDP'}]}"),
     0, "10.96.0.10", "http/80/TCP dns/53/UDP", 0},
    {"type and protocol default to ClusterIP and TCP",
     SVC("{'clusterIP':'10.96.0.11','ports':[{'port':443}]}"), 0, "10.96.0.11", "/443/TCP", 0},
    {"NodePort is proxied on its ClusterIP",
     SVC("{'type':'NodePort','clusterIP':'10.96.0.12','ports':[{'port':80,'nodePort':30080}]}"), 0,
     "10.96.0.12", "/80/TCP", 0},
    {"LoadBalancer is proxied on its ClusterIP",
     SVC("{'type':'LoadBalancer','clusterIP':'10.96.0.13','ports':[{'port':80}]}"), 0, "10.96.0.13",
     "/80/TCP", 0},
    {"ClientIP affinity, default timeout",
     SVC("{'clusterIP':'10.96.0.14','sessionAffinity':'ClientIP','ports':[{'port':80}]}"), 0,
     "10.96.0.14", "/80/TCP", PM_DEFAULT_AFFINITY_TIMEOUT},
    {"ClientIP affinity, explicit timeout",
     SVC("{'clusterIP':'10.96.0.15','sessionAffinity':'ClientIP','sessionAffinityConfig':"
	 "{'clientIP':{'timeoutSeconds':60}},'ports':[{'port':80}]}"),
     0, "10.96.0.15", "/80/TCP", 60},
    {"ClientIP affinity, timeout 0 falls back to the default",
     SVC("{'clusterIP':'10.96.0.16','sessionAffinity':'ClientIP','sessionAffinityConfig':"
	 "{'clientIP':{'timeoutSeconds':0}},'ports':[{'port':80}]}"),
     0, "10.96.0.16", "/80/TCP", PM_DEFAULT_AFFINITY_TIMEOUT},
    {"sessionAffinity None",
     SVC("{'clusterIP':'10.96.0.17','sessionAffinity':'None','ports':[{'port':80}]}"), 0,
     "10.96.0.17", "/80/TCP", 0},
    {"SCTP and out-of-range ports are skipped, the rest kept",
     SVC("{'clusterIP':'10.96.0.18','ports':[{'name':'a','port':80,'protocol':'SCTP'},"
	 "{'name':'b','port':0},{'name':'c','port':65536},{'name':'d','port':'80'},"
	 "{'name':'e','port':8443}]}"),
     0, "10.96.0.18", "e/8443/TCP", 0},
    {"headless (clusterIP None) is not proxied", SVC("{'clusterIP':'None','ports':[{'port':80}]}"),
     -ENOENT, NULL, NULL, 0},
    {"ExternalName is not proxied",
     SVC("{'type':'ExternalName','externalName':'example.com','ports':[{'port':80}]}"), -ENOENT,
     NULL, NULL, 0},
    {"ExternalName with a stray clusterIP is still not proxied",
     SVC("{'type':'ExternalName','clusterIP':'10.96.0.19','ports':[{'port':80}]}"), -ENOENT, NULL,
     NULL, 0},
    {"no clusterIP yet", SVC("{'ports':[{'port':80}]}"), -ENOENT, NULL, NULL, 0},
    {"empty clusterIP", SVC("{'clusterIP':'','ports':[{'port':80}]}"), -ENOENT, NULL, NULL, 0},
    {"IPv6 clusterIP (v4 programs only)", SVC("{'clusterIP':'fd00::10','ports':[{'port':80}]}"),
     -ENOENT, NULL, NULL, 0},
    {"ports: null", SVC("{'clusterIP':'10.96.0.20','ports':null}"), -ENOENT, NULL, NULL, 0},
    {"ports: []", SVC("{'clusterIP':'10.96.0.21','ports':[]}"), -ENOENT, NULL, NULL, 0},
    {"only unusable ports",
     SVC("{'clusterIP':'10.96.0.22','ports':[{'port':80,'protocol':'SCTP'}]}"), -ENOENT, NULL, NULL,
     0},
    {"no spec", "{'metadata':{'name':'web'}}", -EINVAL, NULL, NULL, 0},
    {"spec is a string", SVC("'x'"), -EINVAL, NULL, NULL, 0},
    {"spec is null", SVC("null"), -EINVAL, NULL, NULL, 0},
    {"clusterIP is a number", SVC("{'clusterIP':10,'ports':[{'port':80}]}"), -ENOENT, NULL, NULL,
     0},
    {"ports is an object", SVC("{'clusterIP':'10.96.0.23','ports':{'port':80}}"), -ENOENT, NULL,
     NULL, 0},
    {"ports entries are not objects", SVC("{'clusterIP':'10.96.0.24','ports':[80,'x',null,[]]}"),
     -ENOENT, NULL, NULL, 0},
};

static void fmt_ports(const struct pm_service *m, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (uint32_t i = 0; i < m->nports && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s/%u/%s", i ? " " : "", m->ports[i].name,
				m->ports[i].port,
				m->ports[i].proto == IPPROTO_TCP   ? "TCP"
				: m->ports[i].proto == IPPROTO_UDP ? "UDP"
								   : "?");
}

static void test_service_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(svc_cases) / sizeof(svc_cases[0]); i++) {
		const struct svc_case *c = &svc_cases[i];
		cJSON *doc = J(c->json);
		struct pm_service m;
		char ports[512], vip[INET_ADDRSTRLEN];
		int rc = pm_service_parse(doc, &m);

		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d", c->name, rc, c->rc);
		if (rc == 0) {
			inet_ntop(AF_INET, &m.vip, vip, sizeof(vip));
			fmt_ports(&m, ports, sizeof(ports));
			if (strcmp(vip, c->vip) || strcmp(ports, c->ports))
				fail_msg("%s: got %s [%s], want %s [%s]", c->name, vip, ports,
					 c->vip, c->ports);
			if (m.affinity != (c->affinity != 0) || m.affinity_timeout != c->affinity)
				fail_msg("%s: affinity %d/%u, want %u", c->name, m.affinity,
					 m.affinity_timeout, c->affinity);
		}
		pm_service_free(&m);
		cJSON_Delete(doc);
	}
}

/* Every port of a Service is kept (there was a silent cap of 32); SCTP
 * ports are counted as unsupported, not dropped silently. */
/* --- frontends for traffic from outside --- */

struct ext_case {
	const char *name;
	const char *json;
	const char *node_ports; /* each port's nodePort, "80:30080 ..." */
	const char *ext;	/* external addresses in order */
	uint32_t nlb;		/* of which LoadBalancer's (the last) */
	bool ext_local, int_local;
	uint16_t health;
	const char *ranges; /* loadBalancerSourceRanges parsed, "a/len ..." */
};

static const struct ext_case ext_cases[] = {
    {"NodePort: each port's nodePort",
     SVC("{'type':'NodePort','clusterIP':'10.96.0.10','ports':["
	 "{'name':'a','port':80,'nodePort':30080},"
	 "{'name':'b','port':53,'protocol':'UDP','nodePort':30053}]}"),
     "80:30080 53:30053", "", 0, false, false, 0, NULL},
    {"ClusterIP: a stale nodePort is not opened",
     SVC("{'type':'ClusterIP','clusterIP':'10.96.0.10','ports':[{'port':80,'nodePort':30080}]}"),
     "80:0", "", 0, false, false, 0, NULL},
    {"externalIPs on a ClusterIP service; a bad and a repeated one skipped",
     SVC("{'clusterIP':'10.96.0.10','externalIPs':['192.0.2.7','nope','192.0.2.7','fd00::1'],"
	 "'ports':[{'port':80}]}"),
     "80:0", "192.0.2.7", 0, false, false, 0, NULL},
    {"LoadBalancer: externalIPs then the ingress addresses; Local with its health port",
     "{'metadata':{'name':'web','namespace':'default'},'spec':{'type':'LoadBalancer',"
     "'clusterIP':'10.96.0.10','externalIPs':['192.0.2.7'],'externalTrafficPolicy':'Local',"
     "'healthCheckNodePort':32000,'ports':[{'port':80,'nodePort':30080}]},"
     "'status':{'loadBalancer':{'ingress':[{'ip':'172.30.1.211'},{'hostname':'lb.example'},"
     "{'ip':'192.0.2.7'}]}}}",
     "80:30080", "192.0.2.7 172.30.1.211", 1, true, false, 32000, NULL},
    {"ingress of a service that is no LoadBalancer (any more) is ignored",
     "{'metadata':{'name':'web','namespace':'default'},'spec':{'type':'NodePort',"
     "'clusterIP':'10.96.0.10','externalTrafficPolicy':'Local','healthCheckNodePort':32000,"
     "'ports':[{'port':80,'nodePort':30080}]},"
     "'status':{'loadBalancer':{'ingress':[{'ip':'172.30.1.211'}]}}}",
     "80:30080", "", 0, true, false, 32000, NULL},
    {"internalTrafficPolicy Local; externalTrafficPolicy Local without node ports means nothing",
     SVC("{'clusterIP':'10.96.0.10','internalTrafficPolicy':'Local',"
	 "'externalTrafficPolicy':'Local','ports':[{'port':80}]}"),
     "80:0", "", 0, false, true, 0, NULL},
    {"loadBalancerSourceRanges: host bits cleared, bad ones skipped",
     "{'metadata':{'name':'web','namespace':'default'},'spec':{'type':'LoadBalancer',"
     "'clusterIP':'10.96.0.10','loadBalancerSourceRanges':['10.1.2.3/16','bad','1.2.3.4/33',"
     "'0.0.0.0/0'],'ports':[{'port':80,'nodePort':30080}]}}",
     "80:30080", "", 0, false, false, 0, "10.1.0.0/16 0.0.0.0/0"},
    {"the annotation when the field is empty",
     "{'metadata':{'name':'web','namespace':'default','annotations':{"
     "'service.beta.kubernetes.io/load-balancer-source-ranges':' 192.0.2.0/24, 198.51.100.7/32'}},"
     "'spec':{'type':'LoadBalancer','clusterIP':'10.96.0.10','ports':[{'port':80}]}}",
     "80:0", "", 0, false, false, 0, "192.0.2.0/24 198.51.100.7/32"},
};

static void test_service_external(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof(ext_cases) / sizeof(ext_cases[0]); c++) {
		const struct ext_case *tc = &ext_cases[c];
		cJSON *doc = J(tc->json);
		struct pm_service m;
		char np[256] = "", ext[256] = "", a[INET_ADDRSTRLEN];
		size_t n = 0;

		print_message("case: %s\n", tc->name);
		assert_int_equal(pm_service_parse(doc, &m), 0);
		for (uint32_t i = 0; i < m.nports; i++)
			n += (size_t)snprintf(np + n, sizeof(np) - n, "%s%u:%u", i ? " " : "",
					      m.ports[i].port, m.ports[i].node_port);
		n = 0;
		for (uint32_t i = 0; i < m.next; i++) {
			inet_ntop(AF_INET, &m.ext[i], a, sizeof(a));
			n += (size_t)snprintf(ext + n, sizeof(ext) - n, "%s%s", i ? " " : "", a);
		}
		assert_string_equal(np, tc->node_ports);
		assert_string_equal(ext, tc->ext);
		assert_int_equal(m.nlb, tc->nlb);
		assert_int_equal(m.ext_local, tc->ext_local);
		assert_int_equal(m.int_local, tc->int_local);
		assert_int_equal(m.health_port, tc->health);
		n = 0;
		ext[0] = 0;
		for (uint32_t i = 0; i < m.nranges; i++) {
			inet_ntop(AF_INET, &m.ranges[i].addr, a, sizeof(a));
			n += (size_t)snprintf(ext + n, sizeof(ext) - n, "%s%s/%u", i ? " " : "", a,
					      m.ranges[i].len);
		}
		assert_string_equal(ext, tc->ranges ? tc->ranges : "");
		pm_service_free(&m);
		cJSON_Delete(doc);
	}
}

/* Local policies keep the endpoints of the node named. */
static void test_endpoints_node(void **state)
{
	cJSON *sl = J("{'metadata':{'name':'s','namespace':'default','labels':"
		      "{'kubernetes.io/service-name':'web'}},'addressType':'IPv4',"
		      "'ports':[{'name':'','port':8080}],'endpoints':["
		      "{'addresses':['10.244.0.2'],'nodeName':'n1'},"
		      "{'addresses':['10.244.1.2'],'nodeName':'n2'},"
		      "{'addresses':['10.244.1.3']}]}");
	struct pm_port port = {.name = "", .port = 80, .proto = IPPROTO_TCP};
	struct pm_endpoints e = {0};
	uint32_t vip = htonl(0x0a60000a);

	(void)state;
	assert_int_equal(pm_endpoints_add_slice(&e, sl, &port, vip, "n2"), 0);
	pm_endpoints_finish(&e);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.be[0].addr, htonl(0x0af40102));
	pm_endpoints_free(&e);
	assert_int_equal(pm_endpoints_add_slice(&e, sl, &port, vip, NULL), 0);
	pm_endpoints_finish(&e);
	assert_int_equal(e.n, 3);
	pm_endpoints_free(&e);
	cJSON_Delete(sl);
}

static void test_service_many_ports(void **state)
{
	char json[8192];
	size_t off;
	struct pm_service m;
	cJSON *doc;

	(void)state;
	off = snprintf(json, sizeof(json), "{'spec':{'clusterIP':'10.96.1.1','ports':[");
	for (int i = 0; i < 40; i++)
		off += snprintf(json + off, sizeof(json) - off, "%s{'name':'p%d','port':%d}",
				i ? "," : "", i, 1000 + i);
	snprintf(json + off, sizeof(json) - off, ",{'name':'s','port':9,'protocol':'SCTP'}]}}");
	doc = J(json);
	assert_int_equal(pm_service_parse(doc, &m), 0);
	assert_int_equal(m.nports, 40);
	for (int i = 0; i < 40; i++) {
		char name[8];

		snprintf(name, sizeof(name), "p%d", i);
		assert_string_equal(m.ports[i].name, name);
		assert_int_equal(m.ports[i].port, 1000 + i);
	}
	assert_int_equal(m.nunsupported, 1);
	pm_service_free(&m);
	cJSON_Delete(doc);
}

/* --- slice -> service key --- */

static void test_slice_service_key(void **state)
{
	static const struct {
		const char *json;
		const char *want; /* NULL: not linked to a service */
	} cases[] = {
	    {"{'metadata':{'name':'web-x','namespace':'prod','labels':"
	     "{'kubernetes.io/service-name':'web'}}}",
	     "prod/web"},
	    {"{'metadata':{'name':'web-x','labels':{'kubernetes.io/service-name':'web'}}}",
	     "default/web"},
	    {"{'metadata':{'name':'web-x','namespace':'prod','labels':{'app':'web'}}}", NULL},
	    {"{'metadata':{'name':'web-x','namespace':'prod'}}", NULL},
	    {"{'metadata':{'namespace':'prod','labels':{'kubernetes.io/service-name':''}}}", NULL},
	    {"{'metadata':{'namespace':'prod','labels':{'kubernetes.io/service-name':5}}}", NULL},
	    {"{'metadata':{'namespace':'prod','labels':'kubernetes.io/service-name'}}", NULL},
	    {"{'metadata':null}", NULL},
	    {"[]", NULL},
	};
	char buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *doc = J(cases[i].json);
		bool ok = pm_slice_service_key(doc, buf, sizeof(buf));

		if (ok != (cases[i].want != NULL) || (ok && strcmp(buf, cases[i].want)))
			fail_msg("case %zu: got %s, want %s", i, ok ? buf : "(none)",
				 cases[i].want ? cases[i].want : "(none)");
		cJSON_Delete(doc);
	}
	/* A buffer too small is a refusal, not a truncated key. */
	{
		cJSON *doc = J(cases[0].json);

		assert_false(pm_slice_service_key(doc, buf, 5));
		cJSON_Delete(doc);
	}
}

/* --- endpoints --- */

#define MAX_SLICES 4

struct eps_case {
	const char *name;
	const char *port; /* "name/TCP" or "name/UDP" of the service port */
	const char *slices[MAX_SLICES];
	const char *want; /* slot order after pm_endpoints_finish */
	uint32_t nready;
};

/* An IPv4 slice of web with the given ports and endpoints. */
#define SLICE(ports, eps)                                                                          \
	"{'metadata':{'name':'web-a','namespace':'default','labels':"                              \
	"{'kubernetes.io/service-name':'web'}},'addressType':'IPv4','ports':" ports                \
	",'endpoints':" eps "}"
#define HTTP	      "[{'name':'http','protocol':'TCP','port':8080}]"
#define EP(ip, conds) "{'addresses':['" ip "'],'conditions':" conds "}"
#define READY	      "{'ready':true,'serving':true,'terminating':false}"
#define TERM	      "{'ready':false,'serving':true,'terminating':true}"

/* The cluster IP of the service the endpoint cases belong to. */
#define T_VIP htonl((10u << 24) | (96u << 16) | 99)

static const struct eps_case eps_cases[] = {
    {"one slice, two ready endpoints",
     "http/TCP",
     {SLICE(HTTP, "[" EP("10.0.0.1", READY) "," EP("10.0.0.2", READY) "]")},
     "10.0.0.1:8080/RS 10.0.0.2:8080/RS",
     2},
    {"a service's slices are merged",
     "http/TCP",
     {SLICE(HTTP, "[" EP("10.0.0.1", READY) "]"), SLICE(HTTP, "[" EP("10.0.0.2", READY) "]"),
      SLICE(HTTP, "[" EP("10.0.0.3", TERM) "]")},
     "10.0.0.1:8080/RS 10.0.0.2:8080/RS 10.0.0.3:8080/ST",
     2},
    {"an address in two slices counts once, ready winning",
     "http/TCP",
     {SLICE(HTTP, "[" EP("10.0.0.1", TERM) "]"), SLICE(HTTP, "[" EP("10.0.0.1", READY) "]"),
      SLICE(HTTP, "[" EP("10.0.0.1", TERM) "]")},
     "10.0.0.1:8080/RS",
     1},
    {"an address twice in one slice counts once",
     "http/TCP",
     {SLICE(HTTP,
	    "[" EP("10.0.0.1", READY) "," EP("10.0.0.1", READY) "," EP("10.0.0.2", READY) "]")},
     "10.0.0.1:8080/RS 10.0.0.2:8080/RS",
     2},
    {"the same address on two target ports is two endpoints",
     "http/TCP",
     {SLICE(HTTP, "[" EP("10.0.0.1", READY) "]"),
      SLICE("[{'name':'http','port':9090}]", "[" EP("10.0.0.1", READY) "]")},
     "10.0.0.1:8080/RS 10.0.0.1:9090/RS",
     2},
    {"only addresses[0] is used",
     "http/TCP",
     {SLICE(HTTP, "[{'addresses':['10.0.0.1','10.0.0.9'],'conditions':" READY "}]")},
     "10.0.0.1:8080/RS",
     1},
    {"FQDN slices are ignored, even with IP-like addresses",
     "http/TCP",
     {"{'addressType':'FQDN','ports':" HTTP
      ",'endpoints':[" EP("10.0.0.5", READY) "," EP("example.com", READY) "]}",
      SLICE(HTTP, "[" EP("10.0.0.1", READY) "]")},
     "10.0.0.1:8080/RS",
     1},
    {"IPv6 slices are ignored",
     "http/TCP",
     {"{'addressType':'IPv6','ports':" HTTP ",'endpoints':[" EP("fd00::1", READY) "]}"},
     "",
     0},
    {"a slice without ports is ignored ([])",
     "http/TCP",
     {SLICE("[]", "[" EP("10.0.0.1", READY) "]"), SLICE(HTTP, "[" EP("10.0.0.2", READY) "]")},
     "10.0.0.2:8080/RS",
     1},
    {"a slice without ports is ignored (null)",
     "http/TCP",
     {SLICE("null", "[" EP("10.0.0.1", READY) "]")},
     "",
     0},
    {"a slice without ports is ignored (missing)",
     "http/TCP",
     {"{'addressType':'IPv4','endpoints':[" EP("10.0.0.1", READY) "]}"},
     "",
     0},
    {"endpoints: null",
     "http/TCP",
     {SLICE(HTTP, "null"), SLICE(HTTP, "[" EP("10.0.0.2", READY) "]")},
     "10.0.0.2:8080/RS",
     1},
    {"endpoints missing", "http/TCP", {"{'addressType':'IPv4','ports':" HTTP "}"}, "", 0},
    {"port matched by name among several",
     "http/TCP",
     {SLICE("[{'name':'metrics','port':9090},{'name':'http','port':8080}]",
	    "[" EP("10.0.0.1", READY) "]")},
     "10.0.0.1:8080/RS",
     1},
    {"unnamed service port matches an unnamed slice port",
     "/TCP",
     {SLICE("[{'port':8080}]", "[" EP("10.0.0.1", READY) "]"),
      SLICE("[{'name':'','port':8081}]", "[" EP("10.0.0.2", READY) "]")},
     "10.0.0.1:8080/RS 10.0.0.2:8081/RS",
     2},
    {"named service port does not match an unnamed slice port",
     "http/TCP",
     {SLICE("[{'port':8080}]", "[" EP("10.0.0.1", READY) "]")},
     "",
     0},
    {"unnamed service port does not match a named slice port",
     "/TCP",
     {SLICE(HTTP, "[" EP("10.0.0.1", READY) "]")},
     "",
     0},
    {"port matched by protocol too",
     "dns/UDP",
     {SLICE("[{'name':'dns','protocol':'TCP','port':5353},{'name':'dns','protocol':'UDP',"
	    "'port':53}]",
	    "[" EP("10.0.0.1", READY) "]")},
     "10.0.0.1:53/RS",
     1},
    {"a missing slice port protocol means TCP",
     "dns/UDP",
     {SLICE("[{'name':'dns','port':53}]", "[" EP("10.0.0.1", READY) "]")},
     "",
     0},
    {"a matching slice port with an invalid number ignores the slice",
     "http/TCP",
     {SLICE("[{'name':'http','port':0}]", "[" EP("10.0.0.1", READY) "]"),
      SLICE("[{'name':'http','port':70000}]", "[" EP("10.0.0.2", READY) "]"),
      SLICE("[{'name':'http','port':'8080'}]", "[" EP("10.0.0.3", READY) "]"),
      SLICE("[{'name':'http'}]", "[" EP("10.0.0.4", READY) "]")},
     "",
     0},
    {"conditions missing: ready and serving",
     "http/TCP",
     {SLICE(HTTP, "[{'addresses':['10.0.0.1']}]")},
     "10.0.0.1:8080/RS",
     1},
    {"conditions {}: ready and serving",
     "http/TCP",
     {SLICE(HTTP, "[" EP("10.0.0.1", "{}") "]")},
     "10.0.0.1:8080/RS",
     1},
    {"conditions null: ready and serving",
     "http/TCP",
     {SLICE(HTTP, "[" EP("10.0.0.1", "null") "]")},
     "10.0.0.1:8080/RS",
     1},
    {"ready null counts as missing",
     "http/TCP",
     {SLICE(HTTP, "[" EP("10.0.0.1", "{'ready':null}") "]")},
     "10.0.0.1:8080/RS",
     1},
    {"ready false, serving missing: serving follows ready, unusable",
     "http/TCP",
     {SLICE(HTTP, "[" EP("10.0.0.1", "{'ready':false}") "," EP("10.0.0.2", READY) "]")},
     "10.0.0.2:8080/RS",
     1},
    {"serving and terminating with ready missing: ready",
     "http/TCP",
     {SLICE(HTTP, "[" EP("10.0.0.1", "{'serving':true,'terminating':true}") "]")},
     "10.0.0.1:8080/RST",
     1},
    {"ready false, serving, terminating: fallback only",
     "http/TCP",
     {SLICE(HTTP, "[" EP("10.0.0.1", TERM) "]")},
     "10.0.0.1:8080/ST",
     0},
    {"terminating missing means false: serving but not ready is unusable",
     "http/TCP",
     {SLICE(HTTP, "[" EP("10.0.0.1", "{'ready':false,'serving':true}") "]")},
     "",
     0},
    {"the same address in two slices: the more usable view wins, whatever the order",
     "http/TCP",
     {SLICE(HTTP, "[" EP("10.0.0.1", TERM) "]"),
      SLICE(HTTP, "[" EP("10.0.0.1", "{'ready':false,'serving':false}") "]")},
     "10.0.0.1:8080/ST",
     0},
    {"terminating but not serving is unusable",
     "http/TCP",
     {SLICE(HTTP, "[" EP("10.0.0.1", "{'ready':false,'serving':false,'terminating':true}") "," EP(
		      "10.0.0.2", "{'ready':false,'terminating':true}") "]")},
     "",
     0},
    {"ready first, each part in input order",
     "http/TCP",
     {SLICE(HTTP, "[" EP("10.0.0.1", TERM) "," EP("10.0.0.2", READY) "," EP(
		      "10.0.0.3", "{'ready':false}") "," EP("10.0.0.4", TERM) "," EP("10.0.0.5",
										     READY) "]")},
     "10.0.0.2:8080/RS 10.0.0.5:8080/RS 10.0.0.1:8080/ST 10.0.0.4:8080/ST",
     2},
    {"bad addresses are skipped",
     "http/TCP",
     {SLICE(HTTP, "[{'addresses':[]},{'addresses':null},{'addresses':'10.0.0.1'},"
		  "{'addresses':[5]},{'addresses':['not-an-ip']},{'addresses':['10.0.0.256']},"
		  "{'addresses':['fd00::1']},{},5,null," EP("10.0.0.7", READY) "]")},
     "10.0.0.7:8080/RS",
     1},
    {"addressType missing is read as IPv4",
     "http/TCP",
     {"{'ports':" HTTP ",'endpoints':[" EP("10.0.0.1", READY) "]}"},
     "10.0.0.1:8080/RS",
     1},
};

static void fmt_eps(const struct pm_endpoints *e, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (uint32_t i = 0; i < e->n && off < len; i++) {
		char ip[INET_ADDRSTRLEN];
		struct in_addr a = {.s_addr = e->be[i].addr};
		uint8_t st = e->be[i].state;

		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		off += snprintf(buf + off, len - off, "%s%s:%u/%s%s%s", i ? " " : "", ip,
				ntohs(e->be[i].port), st & LB_BE_READY ? "R" : "",
				st & LB_BE_SERVING ? "S" : "", st & LB_BE_TERMINATING ? "T" : "");
	}
}

static void parse_port(const char *spec, struct pm_port *p)
{
	const char *slash = strchr(spec, '/');

	static char names[4][64];
	static int next;
	char *name = names[next++ % 4];

	memset(p, 0, sizeof(*p));
	snprintf(name, sizeof(names[0]), "%.*s", (int)(slash - spec), spec);
	p->name = name;
	p->proto = !strcmp(slash + 1, "UDP") ? IPPROTO_UDP : IPPROTO_TCP;
	p->port = 80; /* the service port itself plays no part in matching */
}

static void test_endpoints(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(eps_cases) / sizeof(eps_cases[0]); i++) {
		const struct eps_case *c = &eps_cases[i];
		struct pm_endpoints e = {0};
		struct pm_port port;
		char got[1024];

		parse_port(c->port, &port);
		for (int s = 0; s < MAX_SLICES && c->slices[s]; s++) {
			cJSON *doc = J(c->slices[s]);

			if (pm_endpoints_add_slice(&e, doc, &port, T_VIP, NULL))
				fail_msg("%s: slice %d refused", c->name, s);
			cJSON_Delete(doc);
		}
		pm_endpoints_finish(&e);
		fmt_eps(&e, got, sizeof(got));
		if (strcmp(got, c->want) || e.nready != c->nready)
			fail_msg("%s:\n  got  [%s] nready %u\n  want [%s] nready %u", c->name, got,
				 e.nready, c->want, c->nready);
		pm_endpoints_free(&e);
		assert_null(e.be);
		assert_int_equal(e.n, 0);
	}
}

/* Many endpoints across slices: storage grows, nothing is lost or doubled. */
static void test_endpoints_many(void **state)
{
	struct pm_endpoints e = {0};
	struct pm_port port;
	char *json = malloc(1 << 16);

	(void)state;
	assert_non_null(json);
	parse_port("http/TCP", &port);
	for (int s = 0; s < 10; s++) {
		size_t off =
		    snprintf(json, 1 << 16, "{'addressType':'IPv4','ports':" HTTP ",'endpoints':[");
		cJSON *doc;

		/* 100 endpoints per slice; consecutive slices overlap by 50. */
		for (int k = 0; k < 100; k++) {
			int n = s * 50 + k;

			off += snprintf(json + off, (1 << 16) - off,
					"%s{'addresses':['10.1.%d.%d'],'conditions':{'ready':%s}}",
					k ? "," : "", n / 250, n % 250, n % 3 ? "true" : "false");
		}
		snprintf(json + off, (1 << 16) - off, "]}");
		doc = J(json);
		assert_int_equal(pm_endpoints_add_slice(&e, doc, &port, T_VIP, NULL), 0);
		cJSON_Delete(doc);
	}
	/* 50 * 9 + 100 distinct addresses; every third is not ready, and a
	 * not-ready view never replaces a ready one. */
	assert_int_equal(e.n, 550);
	pm_endpoints_finish(&e);
	assert_int_equal(e.n, 366); /* n % 3 != 0 for n in 0..549 */
	assert_int_equal(e.nready, 366);
	pm_endpoints_free(&e);
	free(json);
}

/* --- malformed objects never crash --- */

/* Values swapped in for every node of a valid object, one at a time. */
static const char *const mutants[] = {
    "null",  "true", "0",  "-1",     "1e300", "70000",	    "''",	    "'x'", "'None'",
    "'::1'", "[]",   "{}", "[null]", "[{}]",  "{'a':null}", "['10.0.0.1']", "[5]",
};

static const char *const valid_service =
    SVC("{'type':'ClusterIP','clusterIP':'10.96.0.10','sessionAffinity':'ClientIP',"
	"'sessionAffinityConfig':{'clientIP':{'timeoutSeconds':30}},'ports':["
	"{'name':'http','port':80,'protocol':'TCP','targetPort':8080},"
	"{'name':'dns','port':53,'protocol':'UDP'}]}");

static const char *const valid_slice =
    "{'metadata':{'name':'web-a','namespace':'default','labels':"
    "{'kubernetes.io/service-name':'web'}},'addressType':'IPv4',"
    "'ports':[{'name':'http','protocol':'TCP','port':8080},{'name':'dns','protocol':'UDP',"
    "'port':53}],'endpoints':[{'addresses':['10.0.0.1','10.0.0.2'],'conditions':"
    "{'ready':true,'serving':true,'terminating':false},'nodeName':'n1'},"
    "{'addresses':['10.0.0.3'],'conditions':{'ready':false,'serving':true,'terminating':true}}]}";

/* The k-th node in depth-first order (the root is 0) and its parent. */
static cJSON *nth_node(cJSON *n, int *k, cJSON **parent)
{
	cJSON *c, *found;

	if ((*k)-- == 0)
		return n;
	cJSON_ArrayForEach(c, n)
	{
		*parent = n;
		found = nth_node(c, k, parent);
		if (found)
			return found;
	}
	return NULL;
}

static int count_nodes(const cJSON *n)
{
	const cJSON *c;
	int k = 1;

	cJSON_ArrayForEach(c, n) k += count_nodes(c);
	return k;
}

/* Run every parser on doc; only the absence of crashes (ASan/UBSan under
 * SAN=1) and sane results are checked. */
static void exercise(const cJSON *svc, const cJSON *slice)
{
	struct pm_service m;
	char key[128];
	int rc = pm_service_parse(svc, &m);

	assert_true(rc == 0 || rc == -ENOENT || rc == -EINVAL);
	if (rc)
		assert_int_equal(m.nports, 0);
	pm_slice_service_key(slice, key, sizeof(key));
	for (uint32_t i = 0; i < m.nports; i++) {
		struct pm_endpoints e = {0};

		assert_int_equal(pm_endpoints_add_slice(&e, slice, &m.ports[i], m.vip, NULL), 0);
		/* The slice has two endpoints; twice if added twice. */
		assert_int_equal(pm_endpoints_add_slice(&e, slice, &m.ports[i], m.vip, NULL), 0);
		assert_true(e.n <= 2);
		pm_endpoints_finish(&e);
		assert_true(e.nready <= e.n);
		pm_endpoints_free(&e);
	}
	pm_service_free(&m);
}

static void mutate_all(const char *base, bool is_service)
{
	cJSON *orig = J(base), *other = J(is_service ? valid_slice : valid_service);
	int nodes = count_nodes(orig);

	for (int k = 0; k < nodes; k++) {
		for (size_t m = 0; m <= sizeof(mutants) / sizeof(mutants[0]); m++) {
			cJSON *doc = cJSON_Duplicate(orig, true), *parent = NULL, *node;
			int idx = k;

			node = nth_node(doc, &idx, &parent);
			assert_non_null(node);
			if (!parent) {
				/* The root itself replaced (or removed: NULL). */
				cJSON_Delete(doc);
				doc =
				    m < sizeof(mutants) / sizeof(mutants[0]) ? J(mutants[m]) : NULL;
			} else if (m == sizeof(mutants) / sizeof(mutants[0])) {
				/* Last round: remove the node. */
				cJSON_Delete(cJSON_DetachItemViaPointer(parent, node));
			} else {
				cJSON *rep = J(mutants[m]);

				/* Keep the key so objects stay objects. */
				if (node->string) {
					rep->string = strdup(node->string);
					assert_non_null(rep->string);
				}
				assert_true(cJSON_ReplaceItemViaPointer(parent, node, rep));
			}
			if (is_service)
				exercise(doc, other);
			else
				exercise(other, doc);
			cJSON_Delete(doc);
		}
	}
	cJSON_Delete(orig);
	cJSON_Delete(other);
}

static void test_malformed_service(void **state)
{
	(void)state;
	mutate_all(valid_service, true);
}

static void test_malformed_slice(void **state)
{
	(void)state;
	mutate_all(valid_slice, false);
}

/* The unmutated fixtures of the sweep are valid: the sweep starts from a
 * state where every code path runs. */
static void test_sweep_baseline(void **state)
{
	cJSON *svc = J(valid_service), *slice = J(valid_slice);
	struct pm_service m;
	struct pm_endpoints e = {0};
	char got[256];

	(void)state;
	assert_int_equal(pm_service_parse(svc, &m), 0);
	assert_int_equal(m.nports, 2);
	assert_true(m.affinity);
	assert_int_equal(m.affinity_timeout, 30);
	assert_int_equal(pm_endpoints_add_slice(&e, slice, &m.ports[1], m.vip, NULL), 0);
	pm_endpoints_finish(&e);
	fmt_eps(&e, got, sizeof(got));
	assert_string_equal(got, "10.0.0.1:53/RS 10.0.0.3:53/ST");
	pm_endpoints_free(&e);
	pm_service_free(&m);
	cJSON_Delete(svc);
	cJSON_Delete(slice);
}

/* Addresses no connection may be sent to are refused and counted; loopback
 * (skiff-server's own slices) is kept. */
static void test_endpoints_refused(void **state)
{
	static const char *const bad[] = {"0.0.0.0",   "0.1.2.3",   "255.255.255.255",
					  "224.0.0.5", "239.1.1.1", "169.254.169.254",
					  "10.96.0.99"};
	char json[2048];
	size_t off;
	struct pm_endpoints e = {0};
	struct pm_port port;
	cJSON *doc;
	char got[256];

	(void)state;
	parse_port("http/TCP", &port);
	off = snprintf(json, sizeof(json), "{'addressType':'IPv4','ports':" HTTP ",'endpoints':[");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		off += snprintf(json + off, sizeof(json) - off, "{'addresses':['%s']},", bad[i]);
	snprintf(json + off, sizeof(json) - off,
		 "{'addresses':['127.0.0.1']},{'addresses':['10.0.0.7']}]}");
	doc = J(json);
	assert_int_equal(pm_endpoints_add_slice(&e, doc, &port, T_VIP, NULL), 0);
	pm_endpoints_finish(&e);
	fmt_eps(&e, got, sizeof(got));
	assert_string_equal(got, "127.0.0.1:8080/RS 10.0.0.7:8080/RS");
	assert_int_equal(e.refused, sizeof(bad) / sizeof(bad[0]));
	pm_endpoints_free(&e);
	cJSON_Delete(doc);
	assert_null(pm_endpoint_refused(htonl(0x7f000001), T_VIP));
	assert_string_equal(pm_endpoint_refused(T_VIP, T_VIP), "the service's own cluster IP");
}

/* A service port that could not be programmed makes /healthz 503 with the
 * reason, and /metrics shows it. */
static void test_unprogrammed_reported(void **state)
{
	struct proxy_status st = {.mu = PTHREAD_MUTEX_INITIALIZER, .synced = true};
	cJSON *h;
	char *s;
	int code = 0;

	(void)state;
	s = node_http_healthz(&st, "n1", &code);
	assert_int_equal(code, 200);
	free(s);
	st.unprogrammed = 1;
	st.unprogrammed_total = 3;
	st.endpoints_refused = 2;
	snprintf(st.unprogrammed_reason, sizeof(st.unprogrammed_reason),
		 "default/web port 1033/TCP: no free service or backend id");
	s = node_http_healthz(&st, "n1", &code);
	assert_int_equal(code, 503);
	h = cJSON_Parse(s);
	assert_non_null(h);
	assert_int_equal(cJSON_GetObjectItem(h, "unprogrammedServicePorts")->valueint, 1);
	assert_string_equal(cJSON_GetObjectItem(h, "unprogrammedReason")->valuestring,
			    "default/web port 1033/TCP: no free service or backend id");
	cJSON_Delete(h);
	free(s);
	s = node_http_metrics(&st, NULL);
	assert_non_null(strstr(s, "\nskiff_proxy_unprogrammed_service_ports 1\n"));
	assert_non_null(strstr(s, "\nskiff_proxy_unprogrammed_total 3\n"));
	assert_non_null(strstr(s, "\nskiff_proxy_endpoints_refused 2\n"));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_service_parse),     cmocka_unit_test(test_service_external),
	    cmocka_unit_test(test_endpoints_node),    cmocka_unit_test(test_service_many_ports),
	    cmocka_unit_test(test_slice_service_key), cmocka_unit_test(test_endpoints),
	    cmocka_unit_test(test_endpoints_many),    cmocka_unit_test(test_sweep_baseline),
	    cmocka_unit_test(test_malformed_service), cmocka_unit_test(test_malformed_slice),
	    cmocka_unit_test(test_endpoints_refused), cmocka_unit_test(test_unprogrammed_reported),
	};

	return cmocka_run_group_tests_name("proxy_model", tests, NULL, NULL);
}
