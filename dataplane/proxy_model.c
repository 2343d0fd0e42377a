/* proxy_model: Services and EndpointSlices as load-balancer input. */
#include "proxy_model.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb_common.h"

static const cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static const char *get_str(const cJSON *o, const char *k)
{
	const cJSON *v = get(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Protocol name to number; missing means TCP (the API default). */
static int proto_of(const cJSON *port)
{
	const char *p = get_str(port, "protocol");

	if (!p || !strcmp(p, "TCP"))
		return IPPROTO_TCP;
	if (!strcmp(p, "UDP"))
		return IPPROTO_UDP;
	return -1; /* SCTP: not handled by the socket LB */
}

/* NodePort and LoadBalancer services open their nodePorts. */
static bool pm_has_node_ports(const cJSON *spec)
{
	const char *type = get_str(spec, "type");

	return type && (!strcmp(type, "NodePort") || !strcmp(type, "LoadBalancer"));
}

/* Add one IPv4 address (a string) to out->ext, once. */
/* Append one IPv4 address (a string) to out->ext, which has room. */
static void pm_ext_add(struct pm_service *out, const cJSON *ip)
{
	struct in_addr a;

	if (!cJSON_IsString(ip) || inet_pton(AF_INET, ip->valuestring, &a) != 1 ||
	    pm_endpoint_refused(a.s_addr, out->vip))
		return; /* IPv6, a hostname, or nothing a frontend can be */
	out->ext[out->next++] = a.s_addr;
}

struct pm_ext_ix {
	uint32_t addr, at;
};

static int pm_ext_ix_cmp(const void *a, const void *b)
{
	const struct pm_ext_ix *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* Keep the first of each address in out->ext (in order), nlb counting the
 * LoadBalancer ones kept (those from position lb_from on): sorted, so a
 * Service with many addresses costs n log n, not n². */
static int pm_ext_dedup(struct pm_service *out, uint32_t lb_from)
{
	struct pm_ext_ix *ix;
	uint32_t n = out->next, w = 0;

	if (n < 2) {
		out->nlb = n - (lb_from < n ? lb_from : n);
		return 0;
	}
	ix = malloc(n * sizeof(*ix));
	if (!ix)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		ix[i] = (struct pm_ext_ix){.addr = out->ext[i], .at = i};
	qsort(ix, n, sizeof(*ix), pm_ext_ix_cmp);
	/* a repeat is marked by an address no entry can have (0.0.0.0 is
	 * refused by pm_ext_add) */
	for (uint32_t i = 1; i < n; i++)
		if (ix[i].addr == ix[i - 1].addr)
			out->ext[ix[i].at] = 0;
	free(ix);
	out->nlb = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (!out->ext[i])
			continue;
		out->nlb += i >= lb_from;
		out->ext[w++] = out->ext[i];
	}
	out->next = w;
	return 0;
}

/* Add one "a.b.c.d/len" to out->ranges; anything else is skipped (the API
 * server validates the field; the annotation is free text). */
static int pm_range_add(struct pm_service *out, const char *s, size_t n)
{
	char buf[32], *slash, *end;
	struct in_addr a;
	struct pm_cidr *nv;
	long len;

	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (!n || n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n);
	buf[n] = 0;
	slash = strchr(buf, '/');
	if (!slash)
		return 0;
	*slash = 0;
	len = strtol(slash + 1, &end, 10);
	if (*end || end == slash + 1 || len < 0 || len > 32 || inet_pton(AF_INET, buf, &a) != 1)
		return 0;
	nv = realloc(out->ranges, (out->nranges + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	out->ranges = nv;
	nv[out->nranges].len = (uint8_t)len;
	nv[out->nranges].addr = len ? a.s_addr & htonl(~0u << (32 - len)) : 0;
	out->nranges++;
	return 0;
}

/* loadBalancerSourceRanges, else the annotation's comma-separated list. */
static int pm_ranges_parse(const cJSON *svc, const cJSON *spec, struct pm_service *out)
{
	const cJSON *v;
	const char *ann = get_str(get(get(svc, "metadata"), "annotations"),
				  "service.beta.kubernetes.io/load-balancer-source-ranges");
	int r;

	cJSON_ArrayForEach(v, get(spec, "loadBalancerSourceRanges"))
	{
		if (cJSON_IsString(v) &&
		    (r = pm_range_add(out, v->valuestring, strlen(v->valuestring))))
			return r;
	}
	if (out->nranges)
		return 0;
	while (ann && *ann) {
		size_t n = strcspn(ann, ",");

		if ((r = pm_range_add(out, ann, n)))
			return r;
		ann += n + (ann[n] == ',');
	}
	return 0;
}

/* The frontends for traffic from outside and the traffic policies. */
static int pm_external_parse(const cJSON *svc, const cJSON *spec, struct pm_service *out)
{
	const char *etp = get_str(spec, "externalTrafficPolicy");
	const char *itp = get_str(spec, "internalTrafficPolicy");
	const char *type = get_str(spec, "type");
	const cJSON *v, *hc = get(spec, "healthCheckNodePort");
	const cJSON *ing = get(get(get(svc, "status"), "loadBalancer"), "ingress");
	bool lb = type && !strcmp(type, "LoadBalancer");
	int r, room = cJSON_GetArraySize(get(spec, "externalIPs")) +
		      (lb ? cJSON_GetArraySize(ing) : 0);
	uint32_t lb_from;

	out->ext_local = etp && !strcmp(etp, "Local") && pm_has_node_ports(spec);
	out->int_local = itp && !strcmp(itp, "Local");
	if (out->ext_local && cJSON_IsNumber(hc) && hc->valueint > 0 && hc->valueint < 65536)
		out->health_port = (uint16_t)hc->valueint;
	if (room > 0 && !(out->ext = malloc((size_t)room * sizeof(*out->ext))))
		return -ENOMEM;
	cJSON_ArrayForEach(v, get(spec, "externalIPs")) pm_ext_add(out, v);
	lb_from = out->next;
	if (lb) {
		if ((r = pm_ranges_parse(svc, spec, out)))
			return r;
		cJSON_ArrayForEach(v, ing) pm_ext_add(out, get(v, "ip"));
	}
	return pm_ext_dedup(out, lb_from);
}

int pm_service_parse(const cJSON *svc, struct pm_service *out)
{
	const cJSON *spec = get(svc, "spec");
	const char *type, *ip, *aff;
	const cJSON *ports, *p;
	struct in_addr a;
	int n;

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(spec))
		return -EINVAL;
	type = get_str(spec, "type");
	if (type && !strcmp(type, "ExternalName"))
		return -ENOENT;
	ip = get_str(spec, "clusterIP");
	if (!ip || !ip[0] || !strcmp(ip, "None"))
		return -ENOENT;
	if (inet_pton(AF_INET, ip, &a) != 1)
		return -ENOENT; /* IPv6 service: not handled by the v4 programs */
	out->vip = a.s_addr;
	aff = get_str(spec, "sessionAffinity");
	if (aff && !strcmp(aff, "ClientIP")) {
		const cJSON *t =
		    get(get(get(spec, "sessionAffinityConfig"), "clientIP"), "timeoutSeconds");

		out->affinity = true;
		out->affinity_timeout = cJSON_IsNumber(t) && t->valuedouble >= 1
					    ? (uint32_t)t->valuedouble
					    : PM_DEFAULT_AFFINITY_TIMEOUT;
	}
	ports = get(spec, "ports");
	n = cJSON_IsArray(ports) ? cJSON_GetArraySize(ports) : 0;
	if (!n)
		return -ENOENT;
	if (pm_external_parse(svc, spec, out))
		return -ENOMEM;
	out->ports = calloc((size_t)n, sizeof(*out->ports));
	if (!out->ports)
		return -ENOMEM;
	cJSON_ArrayForEach(p, ports)
	{
		const cJSON *num = get(p, "port");
		const char *name = get_str(p, "name");
		int proto = proto_of(p);
		struct pm_port *pp;

		if (!cJSON_IsNumber(num) || num->valueint < 1 || num->valueint > 65535)
			continue;
		if (proto < 0) {
			out->nunsupported++;
			continue;
		}
		pp = &out->ports[out->nports++];
		pp->name = name ? name : "";
		pp->port = (uint16_t)num->valueint;
		pp->proto = (uint8_t)proto;
		num = get(p, "nodePort");
		if (cJSON_IsNumber(num) && num->valueint >= 1 && num->valueint <= 65535 &&
		    pm_has_node_ports(spec))
			pp->node_port = (uint16_t)num->valueint;
	}
	return out->nports ? 0 : -ENOENT;
}

void pm_service_free(struct pm_service *m)
{
	free(m->ports);
	free(m->ext);
	free(m->ranges);
	m->ports = NULL;
	m->ext = NULL;
	m->ranges = NULL;
	m->nranges = 0;
	m->nports = m->next = m->nlb = 0;
}

bool pm_slice_service_key(const cJSON *slice, char *buf, size_t len)
{
	const cJSON *md = get(slice, "metadata");
	const char *ns = get_str(md, "namespace");
	const char *svc = get_str(get(md, "labels"), PM_SERVICE_NAME_LABEL);
	int n;

	if (!svc || !svc[0])
		return false;
	n = snprintf(buf, len, "%s/%s", ns ? ns : "default", svc);
	return n > 0 && (size_t)n < len;
}

/* Condition with its documented default when missing or null. */
static bool cond(const cJSON *conds, const char *k, bool dflt)
{
	const cJSON *v = get(conds, k);

	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}

/* Ready: gets new connections. Fallback: serving and terminating. */
static int usable_class(uint8_t st)
{
	if (st & LB_BE_READY)
		return 0;
	if ((st & LB_BE_SERVING) && (st & LB_BE_TERMINATING))
		return 1;
	return 2;
}

const char *pm_endpoint_refused(uint32_t addr, uint32_t vip)
{
	uint32_t h = ntohl(addr);

	if (addr == vip)
		return "the service's own cluster IP";
	if ((h >> 24) == 0)
		return "unspecified (0.0.0.0/8)";
	if (h == 0xffffffffu)
		return "the broadcast address";
	if ((h >> 28) == 0xe)
		return "multicast (224.0.0.0/4)";
	if ((h >> 16) == 0xa9fe)
		return "link-local (169.254.0.0/16)";
	return NULL;
}

int pm_endpoints_add_slice(struct pm_endpoints *e, const cJSON *slice, const struct pm_port *p,
			   uint32_t vip, const char *node)
{
	const char *at = get_str(slice, "addressType");
	const cJSON *ports = get(slice, "ports"), *sp, *ep;
	int port = -1;

	if (at && strcmp(at, "IPv4"))
		return 0; /* IPv6 and FQDN slices are not for us */
	cJSON_ArrayForEach(sp, ports)
	{
		const char *name = get_str(sp, "name");
		const cJSON *num = get(sp, "port");

		if (strcmp(name ? name : "", p->name) || proto_of(sp) != p->proto)
			continue;
		if (cJSON_IsNumber(num) && num->valueint >= 1 && num->valueint <= 65535)
			port = num->valueint;
		break;
	}
	if (port < 0)
		return 0; /* slice without this port */
	cJSON_ArrayForEach(ep, get(slice, "endpoints"))
	{
		const cJSON *addrs = get(ep, "addresses");
		const cJSON *a0 = cJSON_IsArray(addrs) ? cJSON_GetArrayItem(addrs, 0) : NULL;
		const cJSON *conds = get(ep, "conditions");
		bool ready = cond(conds, "ready", true);
		bool serving = cond(conds, "serving", ready);
		bool terminating = cond(conds, "terminating", false);
		struct in_addr a;
		uint8_t state = 0;
		uint32_t i;

		if (!cJSON_IsString(a0) || inet_pton(AF_INET, a0->valuestring, &a) != 1)
			continue;
		if (node) {
			const char *nn = get_str(ep, "nodeName");

			if (!nn || strcmp(nn, node))
				continue;
		}
		if (pm_endpoint_refused(a.s_addr, vip)) {
			e->refused++;
			continue;
		}
		if (ready)
			state |= LB_BE_READY;
		if (serving)
			state |= LB_BE_SERVING;
		if (terminating)
			state |= LB_BE_TERMINATING;
		for (i = 0; i < e->n; i++) {
			if (e->be[i].addr == a.s_addr && e->be[i].port == htons((uint16_t)port))
				break;
		}
		if (i < e->n) {
			/* The same endpoint in two slices (a move between
			 * slices in progress): the more usable view wins. */
			if (usable_class(state) < usable_class(e->be[i].state))
				e->be[i].state = state;
			continue;
		}
		if (e->n == e->cap) {
			uint32_t cap = e->cap ? e->cap * 2 : 8;
			struct lbsync_be *nb = realloc(e->be, cap * sizeof(*nb));

			if (!nb)
				return -ENOMEM;
			e->be = nb;
			e->cap = cap;
		}
		e->be[e->n].addr = a.s_addr;
		e->be[e->n].port = htons((uint16_t)port);
		e->be[e->n].state = state;
		e->n++;
	}
	return 0;
}

int pm_endpoints_gather(struct pm_endpoints *e, const cJSON *const *slices, uint32_t n,
			const struct pm_port *p, uint32_t vip, const char *node)
{
	int r = 0;

	for (uint32_t j = 0; j < n && !r; j++)
		r = pm_endpoints_add_slice(e, slices[j], p, vip, node);
	pm_endpoints_finish(e);
	return r;
}

void pm_endpoints_finish(struct pm_endpoints *e)
{
	uint32_t i, w = 0;

	/* Stable partition in two passes: ready, then fallback. */
	struct lbsync_be *tmp = e->n ? malloc(e->n * sizeof(*tmp)) : NULL;

	if (e->n && !tmp) {
		e->nready = 0;
		e->n = 0; /* nothing usable rather than a wrong order */
		return;
	}
	for (i = 0; i < e->n; i++)
		if (usable_class(e->be[i].state) == 0)
			tmp[w++] = e->be[i];
	e->nready = w;
	for (i = 0; i < e->n; i++)
		if (usable_class(e->be[i].state) == 1)
			tmp[w++] = e->be[i];
	if (tmp)
		memcpy(e->be, tmp, w * sizeof(*tmp));
	free(tmp);
	e->n = w;
}

void pm_endpoints_free(struct pm_endpoints *e)
{
	free(e->be);
	memset(e, 0, sizeof(*e));
}
