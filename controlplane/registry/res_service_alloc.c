/* res_service_alloc: the Service's allocation hooks (struct res_type
 * allocate/release/reserve): ClusterIPs, NodePorts and the health check
 * node port of a LoadBalancer with externalTrafficPolicy Local.
 *
 * Allocation happens in memory while the request is handled and is made
 * durable by the same commit as the Service that holds it; the bitmaps are
 * rebuilt from the stored Services at start. Messages follow kube-apiserver
 * 1.20 (k8s-api.md §8.1), typo included.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jcmp.h"
#include "log.h"
#include "res_service.h"
#include "res_util.h"

static bool svc_needs_ip(const cJSON *svc, uint32_t *ip)
{
	const char *type = json_str(svc, "spec.type");
	const char *cip = json_str(svc, "spec.clusterIP");

	if (type && !strcmp(type, "ExternalName"))
		return false;
	if (!cip || !*cip || !strcmp(cip, "None"))
		return false;
	return alloc_parse_ip(cip, ip) == 0;
}

bool res_svc_has_node_ports(const cJSON *svc)
{
	const char *type = json_str(svc, "spec.type");

	return type && (!strcmp(type, "NodePort") || !strcmp(type, "LoadBalancer"));
}

bool res_svc_needs_hc(const cJSON *svc)
{
	const char *type = json_str(svc, "spec.type");
	const char *etp = json_str(svc, "spec.externalTrafficPolicy");

	return type && !strcmp(type, "LoadBalancer") && etp && !strcmp(etp, "Local");
}

/* Are node ports chosen for the ports that name none? Not for a
 * LoadBalancer with allocateLoadBalancerNodePorts: false (its requested
 * ones are still reserved, as upstream's shouldAllocateNodePorts). */
static bool svc_auto_node_ports(const cJSON *svc)
{
	const cJSON *alloc = json_at(svc, "spec.allocateLoadBalancerNodePorts");
	const char *type = json_str(svc, "spec.type");

	return res_svc_has_node_ports(svc) &&
	       !(type && !strcmp(type, "LoadBalancer") && cJSON_IsFalse(alloc));
}

/* The health check node port svc holds, 0 when none. */
static int svc_hc_port(const cJSON *svc)
{
	const cJSON *v = json_at(svc, "spec.healthCheckNodePort");

	return svc && res_svc_needs_hc(svc) && cJSON_IsNumber(v) ? v->valueint : 0;
}

static const cJSON *svc_ports(const cJSON *svc)
{
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(svc, "spec");

	return cJSON_GetObjectItemCaseSensitive(spec, "ports");
}

static int svc_node_port(const cJSON *port)
{
	const cJSON *np = cJSON_GetObjectItemCaseSensitive(port, "nodePort");

	return cJSON_IsNumber(np) ? np->valueint : 0;
}

/* Does `svc` hold node port np? */
static bool svc_holds_port(const cJSON *svc, int np)
{
	const cJSON *p;

	if (!svc || !res_svc_has_node_ports(svc))
		return false;
	cJSON_ArrayForEach(p, svc_ports(svc)) if (svc_node_port(p) == np) return true;
	return false;
}

/* The node port the old object gave the same port/protocol, or 0. */
static int svc_old_node_port(const cJSON *old, const cJSON *port)
{
	const cJSON *p;
	const cJSON *pn = cJSON_GetObjectItemCaseSensitive(port, "port");
	const char *proto = json_str(port, "protocol");

	if (!old || !res_svc_has_node_ports(old))
		return 0;
	cJSON_ArrayForEach(p, svc_ports(old))
	{
		const cJSON *opn = cJSON_GetObjectItemCaseSensitive(p, "port");
		const char *oproto = json_str(p, "protocol");

		if (jcmp_equal(pn, opn) > 0 && proto && oproto && !strcmp(proto, oproto))
			return svc_node_port(p);
	}
	return 0;
}

static void svc_set_ip(cJSON *svc, const char *ipstr)
{
	cJSON *spec = cJSON_GetObjectItemCaseSensitive(svc, "spec");
	cJSON *ips = cJSON_CreateArray();
	char ip[64];

	/* ipstr may point into the item replaced below */
	snprintf(ip, sizeof(ip), "%s", ipstr);

	cJSON_DeleteItemFromObjectCaseSensitive(spec, "clusterIP");
	cJSON_AddStringToObject(spec, "clusterIP", ip);
	cJSON_AddItemToArray(ips, cJSON_CreateString(ip));
	cJSON_DeleteItemFromObjectCaseSensitive(spec, "clusterIPs");
	cJSON_AddItemToObject(spec, "clusterIPs", ips);
}

/* What one allocate call reserved, undone whole when a later step fails
 * (a rejected request keeps nothing). */
struct svc_got {
	uint32_t ip; /* 0: none */
	int *ports;  /* node ports, nports of them */
	int nports;
	int hc; /* health check node port, 0: none */
};

static void svc_got_undo(struct res_alloc *a, struct svc_got *g)
{
	for (int k = 0; k < g->nports; k++)
		alloc_release(&a->node_ports, (uint32_t)g->ports[k]);
	if (g->hc)
		alloc_release(&a->node_ports, (uint32_t)g->hc);
	if (g->ip)
		alloc_release(&a->svc_ips, g->ip);
}

/* The ClusterIP: a given one reserved unless the old object holds it, or
 * the next free one. 0, or -errno with e filled. */
static int svc_alloc_ip(struct res_alloc *a, cJSON *svc, const cJSON *old, struct svc_got *g,
			struct verrs *e)
{
	cJSON *spec = cJSON_GetObjectItemCaseSensitive(svc, "spec");
	const char *type = json_str(svc, "spec.type");
	const char *cip = json_str(svc, "spec.clusterIP");
	char buf[32], detail[256];
	uint32_t ip, oip;
	int err;

	if (type && !strcmp(type, "ExternalName"))
		return 0;
	if (cip && !strcmp(cip, "None")) {
		cJSON *ips = cJSON_CreateArray();

		cJSON_AddItemToArray(ips, cJSON_CreateString("None"));
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "clusterIPs");
		cJSON_AddItemToObject(spec, "clusterIPs", ips);
		return 0;
	}
	if (cip && *cip) {
		if (old && svc_needs_ip(old, &oip) && alloc_parse_ip(cip, &ip) == 0 && ip == oip)
			return 0; /* unchanged */
		if (alloc_parse_ip(cip, &ip))
			return 0; /* validation reported the format */
		err = alloc_reserve(&a->svc_ips, ip);
		if (err) {
			snprintf(detail, sizeof(detail),
				 "Invalid value: []string{\"%s\"}: failed to allocated ip:%s with "
				 "error:%s%s",
				 cip, cip,
				 err == -EEXIST
				     ? "provided IP is already allocated"
				     : "provided IP is not in the valid range. The range "
				       "of valid IPs is ",
				 err == -EEXIST ? "" : a->svc_ips.desc);
			verrs_add(e, "FieldValueInvalid", "spec.clusterIPs", "%s", detail);
			return -EINVAL;
		}
		g->ip = ip;
		svc_set_ip(svc, cip);
		return 0;
	}
	if (alloc_next(&a->svc_ips, &ip)) {
		verrs_add(e, "FieldValueInvalid", "spec.clusterIPs",
			  "Invalid value: []string{}: failed to allocate a serviceIP: range "
			  "is full");
		return -ENOSPC;
	}
	g->ip = ip;
	alloc_format_ip(ip, buf, sizeof(buf));
	svc_set_ip(svc, buf);
	return 0;
}

/* The port allocator's error text (portallocator's ErrAllocated and
 * ErrNotInRange). */
static const char *svc_port_err(int err, const struct alloc_range *r, char *buf, size_t len)
{
	if (err == -EEXIST)
		return "provided port is already allocated";
	snprintf(buf, len,
		 "provided port is not in the valid range. The range of valid ports is %s",
		 r->desc);
	return buf;
}

/* The ports' node ports: the old one of the same port/protocol kept when
 * none is given, a given one reserved unless the old object holds it, the
 * next free one otherwise (none for a LoadBalancer that allocates none). */
static int svc_alloc_node_ports(struct res_alloc *a, cJSON *svc, const cJSON *old,
				struct svc_got *g, struct verrs *e)
{
	cJSON *ports = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(svc, "spec"), "ports");
	char field[64], why[160];
	cJSON *p;
	int i = 0, err;

	if (!res_svc_has_node_ports(svc))
		return 0;
	g->ports = calloc((size_t)cJSON_GetArraySize(ports) + 1, sizeof(*g->ports));
	if (!g->ports) {
		verrs_add(e, "InternalError", "spec.ports", "out of memory");
		return -ENOMEM;
	}
	cJSON_ArrayForEach(p, ports)
	{
		int np = svc_node_port(p);
		int onp = svc_old_node_port(old, p);

		snprintf(field, sizeof(field), "spec.ports[%d].nodePort", i++);
		if (!cJSON_IsObject(p))
			continue;
		if (!np && onp) {
			/* keep the port this Service already had */
			cJSON_AddNumberToObject(p, "nodePort", onp);
			continue;
		}
		if (!np && !svc_auto_node_ports(svc))
			continue;
		if (np && svc_holds_port(old, np))
			continue;
		if (np) {
			err = alloc_reserve(&a->node_ports, (uint32_t)np);
			if (err) {
				verrs_add(e, "FieldValueInvalid", field, "Invalid value: %d: %s",
					  np, svc_port_err(err, &a->node_ports, why, sizeof(why)));
				return -EINVAL;
			}
		} else {
			uint32_t v;

			if (alloc_next(&a->node_ports, &v)) {
				verrs_add(e, "FieldValueInvalid", field,
					  "Invalid value: 0: range is full");
				return -ENOSPC;
			}
			np = (int)v;
			cJSON_DeleteItemFromObjectCaseSensitive(p, "nodePort");
			cJSON_AddNumberToObject(p, "nodePort", np);
		}
		g->ports[g->nports++] = np;
	}
	return 0;
}

/* spec.healthCheckNodePort, from the node port range, for a LoadBalancer
 * with externalTrafficPolicy Local: the old one kept (prepare_update put it
 * back when the client left it out), a given one reserved, else the next
 * free one. Upstream answers a failure here as a 500 InternalError with
 * these words; it is the field's fault, so it is a 422 naming it here. */
static int svc_alloc_hc(struct res_alloc *a, cJSON *svc, const cJSON *old, struct svc_got *g,
			struct verrs *e)
{
	int hc = svc_hc_port(svc), err;
	char why[160];
	uint32_t v;

	if (!res_svc_needs_hc(svc) || (hc && hc == svc_hc_port(old)))
		return 0;
	if (hc) {
		err = alloc_reserve(&a->node_ports, (uint32_t)hc);
		if (err) {
			verrs_add(e, "FieldValueInvalid", "spec.healthCheckNodePort",
				  "Invalid value: %d: failed to allocate requested HealthCheck "
				  "NodePort %d: %s",
				  hc, hc, svc_port_err(err, &a->node_ports, why, sizeof(why)));
			return -EINVAL;
		}
	} else {
		if (alloc_next(&a->node_ports, &v)) {
			verrs_add(e, "FieldValueInvalid", "spec.healthCheckNodePort",
				  "Invalid value: 0: failed to allocate a HealthCheck NodePort 0: "
				  "range is full");
			return -ENOSPC;
		}
		hc = (int)v;
		res_set(cJSON_GetObjectItemCaseSensitive(svc, "spec"), "healthCheckNodePort",
			cJSON_CreateNumber(hc));
	}
	g->hc = hc;
	return 0;
}

int res_svc_allocate(struct res_alloc *a, cJSON *svc, const cJSON *old, struct verrs *e)
{
	struct svc_got g = {0};
	int err;

	if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(svc, "spec")))
		return 0;
	err = svc_alloc_ip(a, svc, old, &g, e);
	if (!err)
		err = svc_alloc_node_ports(a, svc, old, &g, e);
	if (!err)
		err = svc_alloc_hc(a, svc, old, &g, e);
	if (err)
		svc_got_undo(a, &g);
	free(g.ports);
	return err;
}

/* Release what `svc` holds that `keep` does not (keep may be NULL). */
void res_svc_release(struct res_alloc *a, const cJSON *svc, const cJSON *keep)
{
	uint32_t ip, kip;
	const cJSON *p;
	int hc = svc_hc_port(svc);

	if (!svc)
		return;
	if (svc_needs_ip(svc, &ip) && !(keep && svc_needs_ip(keep, &kip) && kip == ip))
		alloc_release(&a->svc_ips, ip);
	if (hc && hc != svc_hc_port(keep))
		alloc_release(&a->node_ports, (uint32_t)hc);
	if (!res_svc_has_node_ports(svc))
		return;
	cJSON_ArrayForEach(p, svc_ports(svc))
	{
		int np = svc_node_port(p);

		if (np && !svc_holds_port(keep, np))
			alloc_release(&a->node_ports, (uint32_t)np);
	}
}

void res_svc_reserve(struct res_alloc *a, const cJSON *svc, const char *key)
{
	const cJSON *p;
	uint32_t ip;
	int hc = svc_hc_port(svc);

	if (svc_needs_ip(svc, &ip) && alloc_reserve(&a->svc_ips, ip))
		pr_warn("alloc: %s: clusterIP outside the range or duplicated", key);
	if (hc && alloc_reserve(&a->node_ports, (uint32_t)hc))
		pr_warn("alloc: %s: healthCheckNodePort %d outside the range or duplicated", key,
			hc);
	if (!res_svc_has_node_ports(svc))
		return;
	cJSON_ArrayForEach(p, svc_ports(svc))
	{
		int np = svc_node_port(p);

		if (np && alloc_reserve(&a->node_ports, (uint32_t)np))
			pr_warn("alloc: %s: nodePort %d outside the range or duplicated", key, np);
	}
}
