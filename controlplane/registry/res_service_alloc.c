/* res_service_alloc: the Service's allocation hooks (struct res_type
 * allocate/release/reserve): ClusterIPs and NodePorts.
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

static bool svc_has_node_ports(const cJSON *svc)
{
	const char *type = json_str(svc, "spec.type");

	return type && (!strcmp(type, "NodePort") || !strcmp(type, "LoadBalancer"));
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

	if (!svc || !svc_has_node_ports(svc))
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

	if (!old || !svc_has_node_ports(old))
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

int res_svc_allocate(struct res_alloc *a, cJSON *svc, const cJSON *old, struct verrs *e)
{
	cJSON *spec = cJSON_GetObjectItemCaseSensitive(svc, "spec");
	const char *type = json_str(svc, "spec.type");
	const char *cip = json_str(svc, "spec.clusterIP");
	uint32_t ip, oip, got_ip = 0;
	int *got_ports = NULL, ngot = 0;
	char buf[32], detail[256], field[64];
	cJSON *p;
	int i = 0, err;

	if (!cJSON_IsObject(spec))
		return 0;
	if (type && !strcmp(type, "ExternalName"))
		goto ports;
	if (cip && !strcmp(cip, "None")) {
		cJSON *ips = cJSON_CreateArray();

		cJSON_AddItemToArray(ips, cJSON_CreateString("None"));
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "clusterIPs");
		cJSON_AddItemToObject(spec, "clusterIPs", ips);
		goto ports;
	}
	if (cip && *cip) {
		if (old && svc_needs_ip(old, &oip) && alloc_parse_ip(cip, &ip) == 0 && ip == oip)
			goto ports; /* unchanged */
		if (alloc_parse_ip(cip, &ip))
			goto ports; /* validation reported the format */
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
		got_ip = ip;
		svc_set_ip(svc, cip);
	} else {
		if (alloc_next(&a->svc_ips, &ip)) {
			verrs_add(
			    e, "FieldValueInvalid", "spec.clusterIPs",
			    "Invalid value: []string{}: failed to allocate a serviceIP: range "
			    "is full");
			return -ENOSPC;
		}
		got_ip = ip;
		alloc_format_ip(ip, buf, sizeof(buf));
		svc_set_ip(svc, buf);
	}

ports:
	if (!svc_has_node_ports(svc))
		return 0;
	/* what this call reserved, to undo it all if a later port fails */
	got_ports = calloc((size_t)cJSON_GetArraySize(svc_ports(svc)) + 1, sizeof(*got_ports));
	if (!got_ports) {
		verrs_add(e, "InternalError", "spec.ports", "out of memory");
		goto err_release;
	}
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(spec, "ports"))
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
		if (np && svc_holds_port(old, np))
			continue;
		if (np) {
			err = alloc_reserve(&a->node_ports, (uint32_t)np);
			if (err) {
				snprintf(detail, sizeof(detail), "Invalid value: %d: %s%s", np,
					 err == -EEXIST
					     ? "provided port is already allocated"
					     : "provided port is not in the valid range. The "
					       "range of valid ports is ",
					 err == -EEXIST ? "" : a->node_ports.desc);
				verrs_add(e, "FieldValueInvalid", field, "%s", detail);
				goto err_release;
			}
		} else {
			uint32_t v;

			if (alloc_next(&a->node_ports, &v)) {
				verrs_add(e, "FieldValueInvalid", field,
					  "Invalid value: 0: range is full");
				goto err_release;
			}
			np = (int)v;
			cJSON_DeleteItemFromObjectCaseSensitive(p, "nodePort");
			cJSON_AddNumberToObject(p, "nodePort", np);
		}
		got_ports[ngot++] = np;
	}
	free(got_ports);
	return 0;

err_release:
	for (int k = 0; k < ngot; k++)
		alloc_release(&a->node_ports, (uint32_t)got_ports[k]);
	free(got_ports);
	if (got_ip)
		alloc_release(&a->svc_ips, got_ip);
	return -EINVAL;
}

/* Release what `svc` holds that `keep` does not (keep may be NULL). */
void res_svc_release(struct res_alloc *a, const cJSON *svc, const cJSON *keep)
{
	uint32_t ip, kip;
	const cJSON *p;

	if (!svc)
		return;
	if (svc_needs_ip(svc, &ip) && !(keep && svc_needs_ip(keep, &kip) && kip == ip))
		alloc_release(&a->svc_ips, ip);
	if (!svc_has_node_ports(svc))
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

	if (svc_needs_ip(svc, &ip) && alloc_reserve(&a->svc_ips, ip))
		pr_warn("alloc: %s: clusterIP outside the range or duplicated", key);
	if (!svc_has_node_ports(svc))
		return;
	cJSON_ArrayForEach(p, svc_ports(svc))
	{
		int np = svc_node_port(p);

		if (np && alloc_reserve(&a->node_ports, (uint32_t)np))
			pr_warn("alloc: %s: nodePort %d outside the range or duplicated", key, np);
	}
}
