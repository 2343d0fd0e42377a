/* res_service: Service (v1) defaulting, validation and Table rows, after
 * upstream 1.20 pkg/apis/core/v1/defaults.go, pkg/apis/core/validation
 * (ValidateService, validateServicePort, validateServiceClusterIPsRelatedFields,
 * validateUpgradeDowngradeClusterIPs) and printers.go printService. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jcmp.h"
#include "res_service.h"
#include "res_util.h"

/* v1.DefaultClientIPServiceAffinitySeconds (3 hours) and the maximum
 * core.MaxClientIPServiceAffinitySeconds (1 day). */
#define SVC_AFFINITY_DEFAULT 10800
#define SVC_AFFINITY_MAX     86400
/* ports.KubeletPort: LoadBalancers may not expose it (cloud firewalls). */
#define SVC_KUBELET_PORT 10250
/* Upstream has no hard cap on Service ports (etcd's 1.5 MB object limit
 * bounds them); we cap at what one EndpointSlice may carry (discovery
 * maxPorts), since the slice of a Service lists every one of its ports. */
#define SVC_MAX_PORTS 20000

static const char *const svc_types[] = {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort",
					NULL};
static const char *const svc_affinities[] = {"ClientIP", "None", NULL};
static const char *const svc_families[] = {"IPv4", "IPv6", NULL};
static const char *const svc_policies[] = {"PreferDualStack", "RequireDualStack", "SingleStack",
					   NULL};

static bool svc_in(const char *const *list, const char *s)
{
	for (int i = 0; s && list[i]; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

/* --------------------------------------------------------------- defaults */

static void svc_default_ports(cJSON *spec)
{
	cJSON *ports = cJSON_GetObjectItemCaseSensitive(spec, "ports");
	cJSON *p;

	if (!cJSON_IsArray(ports))
		return;
	cJSON_ArrayForEach(p, ports)
	{
		const cJSON *port = res_get(p, "port"), *tp;

		if (!cJSON_IsObject(p))
			continue;
		res_default_str(p, "protocol", "TCP");
		/* targetPort 0 or "" means "same as port" (SetDefaults_Service) */
		tp = res_get(p, "targetPort");
		if (res_is_int(port) && (!tp || (cJSON_IsNumber(tp) && tp->valuedouble == 0) ||
					 (cJSON_IsString(tp) && !tp->valuestring[0])))
			res_set(p, "targetPort", cJSON_CreateNumber(port->valuedouble));
	}
}

static void svc_default_families(cJSON *spec)
{
	const cJSON *ips = res_get(spec, "clusterIPs"), *fam = res_get(spec, "ipFamilies");
	const char *ip0 = NULL;
	cJSON *arr;
	int n = 0;

	if (cJSON_IsArray(ips)) {
		const cJSON *c = cJSON_GetArrayItem(ips, 0);

		ip0 = cJSON_IsString(c) ? c->valuestring : NULL;
		n = cJSON_GetArraySize(ips);
	}
	if (!fam || (cJSON_IsArray(fam) && !cJSON_GetArraySize(fam))) {
		/* the family of the (first) cluster IP, else the cluster's IPv4 */
		arr = cJSON_CreateArray();
		if (n == 2) {
			for (int i = 0; i < 2; i++) {
				const cJSON *c = cJSON_GetArrayItem(ips, i);
				int f = res_ip_family(cJSON_IsString(c) ? c->valuestring : NULL);

				cJSON_AddItemToArray(arr,
						     cJSON_CreateString(f == 6 ? "IPv6" : "IPv4"));
			}
		} else {
			cJSON_AddItemToArray(
			    arr, cJSON_CreateString(res_ip_family(ip0) == 6 ? "IPv6" : "IPv4"));
		}
		res_set(spec, "ipFamilies", arr);
	}
	res_default_str(spec, "ipFamilyPolicy", n == 2 ? "PreferDualStack" : "SingleStack");
}

static void svc_defaults(cJSON *obj)
{
	cJSON *spec = res_obj_child(obj, "spec"), *status;
	const cJSON *ips;
	const char *type, *aff, *ip;

	if (spec) {
		res_default_str(spec, "type", "ClusterIP");
		res_default_str(spec, "sessionAffinity", "None");
		type = json_str(spec, "type");
		aff = json_str(spec, "sessionAffinity");
		if (aff && !strcmp(aff, "ClientIP")) {
			cJSON *cfg = res_obj_child(spec, "sessionAffinityConfig");

			res_default_num(res_obj_child(cfg, "clientIP"), "timeoutSeconds",
					SVC_AFFINITY_DEFAULT);
		}
		svc_default_ports(spec);
		if (type && (!strcmp(type, "NodePort") || !strcmp(type, "LoadBalancer")))
			res_default_str(spec, "externalTrafficPolicy", "Cluster");
		if (type && !strcmp(type, "LoadBalancer") &&
		    !res_get(spec, "allocateLoadBalancerNodePorts"))
			res_set(spec, "allocateLoadBalancerNodePorts", cJSON_CreateTrue());
		/* normalizeClusterIPs: a given clusterIP seeds clusterIPs */
		ip = json_str(spec, "clusterIP");
		ips = res_get(spec, "clusterIPs");
		if (ip && *ip && (!ips || (cJSON_IsArray(ips) && !cJSON_GetArraySize(ips)))) {
			cJSON *arr = cJSON_CreateArray();

			cJSON_AddItemToArray(arr, cJSON_CreateString(ip));
			res_set(spec, "clusterIPs", arr);
		}
		if (type && strcmp(type, "ExternalName"))
			svc_default_families(spec);
	}
	status = res_obj_child(obj, "status");
	res_obj_child(status, "loadBalancer");
}

/* ------------------------------------------------------------- validation */

struct svc_port {
	const char *proto; /* NULL when not a string */
	long long port, node_port;
	bool port_ok;
};

/* validateServicePort */
static void svc_validate_port(const cJSON *p, int i, bool require_name, bool dup_name,
			      struct svc_port *out, struct verrs *e)
{
	char path[RES_PATH], f[RES_PATH], q[RES_VAL];
	const cJSON *name, *port, *tp, *np, *ap;

	res_pathf(path, "spec.ports[%d]", i);
	if (!res_check_type(p, path, RES_OBJ, e))
		return;
	name = res_typed(p, "name", res_pathf(f, "%s.name", path), RES_STR, e);
	if (require_name && (!name || !name->valuestring[0])) {
		if (!res_get(p, "name") || name)
			verrs_required(e, f, "");
	} else if (name && name->valuestring[0]) {
		res_check_name(e, f, name->valuestring, RES_DNS1123_LABEL);
		if (dup_name) {
			res_goquote(name->valuestring, q, sizeof(q));
			verrs_duplicate(e, f, q);
		}
	}
	port = res_typed(p, "port", res_pathf(f, "%s.port", path), RES_INT, e);
	if (port || !res_get(p, "port")) {
		out->port = port ? (long long)port->valuedouble : 0;
		out->port_ok = true;
		res_check_port_num(e, f, out->port);
	}
	res_check_protocol(e, res_pathf(f, "%s.protocol", path), res_get(p, "protocol"));
	out->proto = json_str(p, "protocol");
	tp = res_typed(p, "targetPort", res_pathf(f, "%s.targetPort", path), RES_INTSTR, e);
	if (tp && cJSON_IsString(tp))
		res_check_port_name(e, f, tp->valuestring);
	else if (tp || !res_get(p, "targetPort"))
		res_check_port_num(e, f, tp ? (long long)tp->valuedouble : 0);
	ap = res_typed(p, "appProtocol", res_pathf(f, "%s.appProtocol", path), RES_STR, e);
	if (ap)
		res_check_qualified_name(e, f, ap->valuestring);
	np = res_typed(p, "nodePort", res_pathf(f, "%s.nodePort", path), RES_INT, e);
	if (np) {
		out->node_port = (long long)np->valuedouble;
		if (out->node_port < 0 || out->node_port > 65535) {
			char v[32];

			snprintf(v, sizeof(v), "%lld", out->node_port);
			verrs_invalid(e, f, v, "must be between 0 and 65535, inclusive");
		}
	}
}

static bool svc_headless(const cJSON *ips)
{
	const cJSON *c = cJSON_IsArray(ips) ? cJSON_GetArrayItem(ips, 0) : NULL;

	return cJSON_IsArray(ips) && cJSON_GetArraySize(ips) == 1 && cJSON_IsString(c) &&
	       !strcmp(c->valuestring, "None");
}

/* validateServiceClusterIPsRelatedFields (not called for ExternalName) */
static void svc_validate_ips(const cJSON *spec, const cJSON *ips, const cJSON *fams,
			     struct verrs *e)
{
	const cJSON *ip = res_get(spec, "clusterIP"), *pol, *c;
	char v[RES_VAL * 2], f[RES_PATH], q[RES_VAL];
	const char *ipstr = cJSON_IsString(ip) ? ip->valuestring : "";
	int nips = cJSON_GetArraySize(ips), i = 0, seen4 = 0, seen6 = 0;
	bool bad = false;

	res_gostrs(ips, v, sizeof(v));
	if (*ipstr) {
		const cJSON *c0 = cJSON_GetArrayItem(ips, 0);

		if (!nips)
			verrs_required(e, "spec.clusterIPs", "");
		else if (!cJSON_IsString(c0) || strcmp(c0->valuestring, ipstr))
			verrs_invalid(e, "spec.clusterIPs", v,
				      "first value must match `clusterIP`");
	} else if (nips) {
		verrs_invalid(e, "spec.clusterIPs", v,
			      "must be empty when `clusterIP` is not specified");
	}
	cJSON_ArrayForEach(c, fams)
	{
		res_pathf(f, "spec.ipFamilies[%d]", i++);
		if (!res_check_type(c, f, RES_STR, e))
			continue;
		res_goquote(c->valuestring, q, sizeof(q));
		if (!svc_in(svc_families, c->valuestring))
			verrs_not_supported(e, f, q, svc_families);
		if ((!strcmp(c->valuestring, "IPv4") && seen4++) ||
		    (!strcmp(c->valuestring, "IPv6") && seen6++))
			verrs_duplicate(e, f, q);
	}
	pol = res_typed(spec, "ipFamilyPolicy", "spec.ipFamilyPolicy", RES_STR, e);
	if (pol && !svc_in(svc_policies, pol->valuestring)) {
		res_goquote(pol->valuestring, q, sizeof(q));
		verrs_not_supported(e, "spec.ipFamilyPolicy", q, svc_policies);
	}
	i = 0;
	cJSON_ArrayForEach(c, ips)
	{
		res_pathf(f, "spec.clusterIPs[%d]", i);
		if (!res_check_type(c, f, RES_STR, e)) {
			bad = true;
			i++;
			continue;
		}
		if (i == 0 && !strcmp(c->valuestring, "None")) {
			if (nips > 1) {
				bad = true;
				verrs_invalid(e, "spec.clusterIPs", v,
					      "'None' must be the first and only value");
			}
			i++;
			continue;
		}
		if (!res_ip_family(c->valuestring)) {
			bad = true;
			res_goquote(c->valuestring, q, sizeof(q));
			verrs_invalid(e, f, q, RES_IP_MSG);
		}
		i++;
	}
	if (nips > 2)
		verrs_invalid(e, "spec.clusterIPs", v, "may only hold up to 2 values");
	if (bad)
		return;
	if (nips == 2 && res_ip_family(json_str(cJSON_GetArrayItem(ips, 0), "")) ==
			     res_ip_family(json_str(cJSON_GetArrayItem(ips, 1), "")))
		verrs_invalid(e, "spec.clusterIPs", v,
			      "may specify no more than one IP for each IP family");
	if (svc_headless(ips))
		return;
	for (i = 0; i < nips && i < cJSON_GetArraySize(fams); i++) {
		const cJSON *ipi = cJSON_GetArrayItem(ips, i), *fi = cJSON_GetArrayItem(fams, i);
		int fam;

		if (!cJSON_IsString(ipi) || !cJSON_IsString(fi))
			continue;
		fam = res_ip_family(ipi->valuestring);
		res_pathf(f, "spec.clusterIPs[%d]", i);
		res_goquote(ipi->valuestring, q, sizeof(q));
		if (!strcmp(fi->valuestring, "IPv4") && fam == 6)
			verrs_add(e, "FieldValueInvalid", f,
				  "Invalid value: %s: expected an IPv4 value as indicated by "
				  "`ipFamilies[%d]`",
				  q, i);
		if (!strcmp(fi->valuestring, "IPv6") && fam != 6)
			verrs_add(e, "FieldValueInvalid", f,
				  "Invalid value: %s: expected an IPv6 value as indicated by "
				  "`ipFamilies[%d]`",
				  q, i);
	}
}

/* validateClientIPAffinityConfig */
static void svc_validate_affinity(const cJSON *spec, const char *aff, struct verrs *e)
{
	const cJSON *cfg, *cip, *to;
	char v[32];

	cfg = res_typed(spec, "sessionAffinityConfig", "spec.sessionAffinityConfig", RES_OBJ, e);
	if (!strcmp(aff, "None")) {
		if (res_get(spec, "sessionAffinityConfig"))
			verrs_forbidden(e, "spec.sessionAffinityConfig",
					"must not be set when session affinity is None");
		return;
	}
	if (strcmp(aff, "ClientIP"))
		return;
	if (!cfg) {
		if (!res_get(spec, "sessionAffinityConfig"))
			verrs_required(e, "spec.sessionAffinityConfig",
				       "when session affinity type is ClientIP");
		return;
	}
	cip = res_typed(cfg, "clientIP", "spec.sessionAffinityConfig.clientIP", RES_OBJ, e);
	if (!cip) {
		if (!res_get(cfg, "clientIP"))
			verrs_required(e, "spec.sessionAffinityConfig.clientIP",
				       "when session affinity type is ClientIP");
		return;
	}
	to = res_typed(cip, "timeoutSeconds", "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
		       RES_INT, e);
	if (!to) {
		if (!res_get(cip, "timeoutSeconds"))
			verrs_required(e, "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
				       "when session affinity type is ClientIP");
		return;
	}
	if (to->valuedouble <= 0 || to->valuedouble > SVC_AFFINITY_MAX) {
		snprintf(v, sizeof(v), "%lld", (long long)to->valuedouble);
		verrs_add(e, "FieldValueInvalid",
			  "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
			  "Invalid value: %s: must be greater than 0 and less than %d", v,
			  SVC_AFFINITY_MAX);
	}
}

/* validateUpgradeDowngradeClusterIPs: an allocated primary IP is fixed. */
static void svc_validate_ip_update(const cJSON *spec, const cJSON *old, struct verrs *e)
{
	const cJSON *ospec = res_get(old, "spec"), *oips = res_get(ospec, "clusterIPs");
	const cJSON *ips = res_get(spec, "clusterIPs");
	const char *type = json_str(spec, "type"), *otype = json_str(ospec, "type");
	const char *oip = json_str(ospec, "clusterIP");
	cJSON *tmp = NULL;
	char v[RES_VAL * 2];
	int n, on;

	if ((type && !strcmp(type, "ExternalName")) || (otype && !strcmp(otype, "ExternalName")))
		return;
	if (!cJSON_IsArray(oips) && oip && *oip) {
		/* objects written before clusterIPs existed */
		tmp = cJSON_CreateArray();
		cJSON_AddItemToArray(tmp, cJSON_CreateString(oip));
		oips = tmp;
	}
	if (!cJSON_IsArray(ips))
		ips = NULL;
	if (svc_headless(oips) && svc_headless(ips))
		goto out;
	n = cJSON_GetArraySize(ips);
	on = cJSON_GetArraySize(oips);
	res_gostrs(ips, v, sizeof(v));
	if (on == n) {
		for (int i = 0; i < on; i++) {
			const char *a = json_str(cJSON_GetArrayItem(oips, i), "");
			const char *b = json_str(cJSON_GetArrayItem(ips, i), "");
			char f[RES_PATH];

			if (a && (!b || strcmp(a, b)))
				verrs_invalid(e, res_pathf(f, "spec.clusterIPs[%d]", i), v,
					      "may not change once set");
		}
	} else if (on > n) {
		if (!n)
			verrs_invalid(e, "spec.clusterIPs[0]", v,
				      "primary clusterIP can not be unset");
		else if (strcmp(json_str(cJSON_GetArrayItem(oips, 0), "") ?: "",
				json_str(cJSON_GetArrayItem(ips, 0), "") ?: ""))
			verrs_invalid(e, "spec.clusterIPs[0]", v, "may not change once set");
		if (n == 1) {
			const char *pol = json_str(spec, "ipFamilyPolicy");

			if (!pol || strcmp(pol, "SingleStack")) {
				char q[RES_VAL];

				res_goquote(pol ? pol : "", q, sizeof(q));
				verrs_invalid(e, "spec.ipFamilyPolicy", pol ? q : "null",
					      "must be set to 'SingleStack' when releasing the "
					      "secondary clusterIP");
			}
		}
	} else if (on > 0 && strcmp(json_str(cJSON_GetArrayItem(oips, 0), "") ?: "",
				    json_str(cJSON_GetArrayItem(ips, 0), "") ?: "")) {
		verrs_invalid(e, "spec.clusterIPs[0]", v, "may not change once set");
	}
out:
	cJSON_Delete(tmp);
}

/* %#v of the core.ServicePort{Protocol, Port} key used for duplicates. */
static void svc_port_key(const struct svc_port *p, char *buf, size_t len)
{
	char q[RES_VAL];

	res_goquote(p->proto ? p->proto : "", q, sizeof(q));
	snprintf(buf, len,
		 "core.ServicePort{Name:\"\", Protocol:%s, AppProtocol:(*string)(nil), Port:%lld, "
		 "TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}",
		 q, p->port);
}

/* Mark the ports whose (protocol, port) — or (protocol, nodePort) when
 * !by_port — an earlier port already has; keys and dup hold n items. */
static void svc_mark_port_dups(const struct svc_port *sp, int n, bool by_port, struct res_key *keys,
			       bool *dup)
{
	int nk = 0;

	for (int i = 0; i < n; i++) {
		dup[i] = false;
		if (by_port ? sp[i].port_ok : sp[i].node_port != 0)
			keys[nk++] = (struct res_key){sp[i].proto ? sp[i].proto : "",
						      by_port ? sp[i].port : sp[i].node_port, i};
	}
	res_mark_dups(keys, nk, dup);
}

/* validateServiceExternalTrafficFieldsUpdate: a health check node port
 * stays what it was while the Service needs one. */
static void svc_validate_hc_update(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	long long hc = 0, ohc = 0;

	res_int(obj, "spec.healthCheckNodePort", &hc);
	res_int(old, "spec.healthCheckNodePort", &ohc);
	if (res_svc_needs_hc(old) && res_svc_needs_hc(obj) && hc != ohc)
		verrs_forbidden(e, "spec.healthCheckNodePort", "field is immutable");
}

/* validateLoadBalancerClassField: a LoadBalancer's class is a qualified
 * name, fixed once the Service is one; other types have none. */
static void svc_validate_lb_class(const cJSON *spec, const cJSON *old, bool lb, struct verrs *e)
{
	const cJSON *cls =
	    res_typed(spec, "loadBalancerClass", "spec.loadBalancerClass", RES_STR, e);
	const char *ocls = json_str(old, "spec.loadBalancerClass");
	const char *otype = json_str(old, "spec.type");
	char q[RES_VAL];

	if (lb && old && otype && !strcmp(otype, "LoadBalancer") &&
	    (!cls != !ocls || (cls && strcmp(cls->valuestring, ocls)))) {
		if (cls)
			res_goquote(cls->valuestring, q, sizeof(q));
		verrs_invalid(e, "spec.loadBalancerClass", cls ? q : "null",
			      "may not change once set");
	}
	if (!cls)
		return;
	if (lb)
		res_check_qualified_name(e, "spec.loadBalancerClass", cls->valuestring);
	else
		verrs_forbidden(e, "spec.loadBalancerClass",
				"may only be used when service type is 'LoadBalancer'");
}

/* The LoadBalancer fields of ValidateService: allocateLoadBalancerNodePorts
 * and loadBalancerClass only on a LoadBalancer; healthCheckNodePort only
 * when it needs one (validateServiceExternalTrafficPolicy), then a port
 * number (whether it is in the node port range and free is the
 * allocator's to say). */
static void svc_validate_lb(const cJSON *obj, const cJSON *old, const char *type, struct verrs *e)
{
	const cJSON *spec = res_get(obj, "spec"), *hc;
	bool lb = !strcmp(type, "LoadBalancer");
	char v[32];

	if (res_typed(spec, "allocateLoadBalancerNodePorts", "spec.allocateLoadBalancerNodePorts",
		      RES_BOOL, e) &&
	    !lb)
		verrs_forbidden(e, "spec.allocateLoadBalancerNodePorts",
				"may only be used when `type` is 'LoadBalancer'");
	svc_validate_lb_class(spec, old, lb, e);
	hc = res_typed(spec, "healthCheckNodePort", "spec.healthCheckNodePort", RES_INT, e);
	if (!hc || hc->valuedouble == 0)
		return;
	snprintf(v, sizeof(v), "%lld", (long long)hc->valuedouble);
	if (!res_svc_needs_hc(obj))
		verrs_invalid(e, "spec.healthCheckNodePort", v,
			      "may only be set when `type` is 'LoadBalancer' and "
			      "`externalTrafficPolicy` is 'Local'");
	else
		res_check_port_num(e, "spec.healthCheckNodePort", (long long)hc->valuedouble);
}

static void svc_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	const cJSON *spec, *ports, *ips, *fams, *type, *aff, *ext, *c, *etp;
	struct svc_port *sp = NULL;
	struct res_key *keys = NULL;
	bool *dup = NULL, headless;
	char f[RES_PATH], q[RES_VAL];
	const char *t;
	int nports, i, nk;

	res_validate_meta(obj, old, RES_DNS1035_LABEL, e);
	spec = res_get(obj, "spec");
	if (spec && !res_check_type(spec, "spec", RES_OBJ, e))
		return;
	if (old) {
		svc_validate_ip_update(spec, old, e);
		svc_validate_hc_update(obj, old, e);
	}
	ports = res_typed(spec, "ports", "spec.ports", RES_ARR, e);
	ips = res_typed(spec, "clusterIPs", "spec.clusterIPs", RES_ARR, e);
	fams = res_typed(spec, "ipFamilies", "spec.ipFamilies", RES_ARR, e);
	type = res_typed(spec, "type", "spec.type", RES_STR, e);
	res_typed(spec, "clusterIP", "spec.clusterIP", RES_STR, e);
	t = type ? type->valuestring : "";
	headless = svc_headless(ips);
	nports = cJSON_GetArraySize(ports);
	/* upstream's ValidateLoadBalancerStatus (AllowServiceLBStatusOnNonLB off) */
	if (strcmp(t, "LoadBalancer") &&
	    cJSON_GetArraySize(json_at(obj, "status.loadBalancer.ingress")) > 0)
		verrs_forbidden(e, "status.loadBalancer.ingress",
				"may only be used when `spec.type` is 'LoadBalancer'");
	if (nports > SVC_MAX_PORTS) {
		/* every port is validated or none: never a silent prefix */
		verrs_too_many(e, "spec.ports", nports, SVC_MAX_PORTS);
		ports = NULL;
		nports = 0;
	} else if (nports) {
		sp = calloc((size_t)nports, sizeof(*sp));
		keys = calloc((size_t)nports, sizeof(*keys));
		dup = calloc((size_t)nports, sizeof(*dup));
		if (!sp || !keys || !dup) {
			verrs_add(e, "InternalError", "spec.ports",
				  "Internal error: out of memory");
			goto out;
		}
	}

	/* (a wrong-typed ports value has been reported already) */
	if (!nports && !headless && strcmp(t, "ExternalName") && (ports || !res_get(spec, "ports")))
		verrs_required(e, "spec.ports", "");
	if (!strcmp(t, "LoadBalancer")) {
		i = 0;
		cJSON_ArrayForEach(c, ports)
		{
			const cJSON *pn = res_get(c, "port");

			if (res_is_int(pn) && pn->valuedouble == SVC_KUBELET_PORT)
				verrs_add(
				    e, "FieldValueInvalid", res_pathf(f, "spec.ports[%d]", i),
				    "Invalid value: %d: may not expose port %d externally since "
				    "it is used by kubelet",
				    SVC_KUBELET_PORT, SVC_KUBELET_PORT);
			i++;
		}
	}
	if (headless && (!strcmp(t, "LoadBalancer") || !strcmp(t, "NodePort")))
		verrs_add(e, "FieldValueInvalid", "spec.clusterIPs[0]",
			  "Invalid value: \"None\": may not be set to 'None' for %s services", t);
	if (!strcmp(t, "ExternalName")) {
		const char *ip = json_str(spec, "clusterIP");

		if (cJSON_GetArraySize(ips) || (ip && *ip))
			verrs_forbidden(e, "spec.clusterIPs",
					"may not be set for ExternalName services");
		if (cJSON_GetArraySize(fams))
			verrs_forbidden(e, "spec.ipFamilies",
					"may not be set for ExternalName services");
		if (res_get(spec, "ipFamilyPolicy"))
			verrs_forbidden(e, "spec.ipFamilyPolicy",
					"may not be set for ExternalName services");
		ext = res_typed(spec, "externalName", "spec.externalName", RES_STR, e);
		if (ext && ext->valuestring[0] && strcmp(ext->valuestring, ".")) {
			char cname[300];
			size_t n = strlen(ext->valuestring);

			/* a trailing dot marks the CNAME fully qualified */
			snprintf(cname, sizeof(cname), "%.*s",
				 (int)(ext->valuestring[n - 1] == '.' ? n - 1 : n),
				 ext->valuestring);
			res_check_name(e, "spec.externalName", cname, RES_DNS1123_SUBDOMAIN);
		} else if (!res_get(spec, "externalName") || ext) {
			verrs_required(e, "spec.externalName", "");
		}
	}

	/* duplicate names first: they are reported with each port's errors */
	nk = i = 0;
	cJSON_ArrayForEach(c, ports)
	{
		const char *nm = json_str(c, "name");

		if (nm && *nm)
			keys[nk++] = (struct res_key){nm, 0, i};
		i++;
	}
	res_mark_dups(keys, nk, dup);
	i = 0;
	cJSON_ArrayForEach(c, ports)
	{
		svc_validate_port(c, i, nports > 1, dup[i], &sp[i], e);
		i++;
	}
	res_validate_labels(res_get(spec, "selector"), "spec.selector", e);

	aff = res_typed(spec, "sessionAffinity", "spec.sessionAffinity", RES_STR, e);
	if (!aff || !aff->valuestring[0]) {
		if (!res_get(spec, "sessionAffinity") || aff)
			verrs_required(e, "spec.sessionAffinity", "");
	} else if (!svc_in(svc_affinities, aff->valuestring)) {
		res_goquote(aff->valuestring, q, sizeof(q));
		verrs_not_supported(e, "spec.sessionAffinity", q, svc_affinities);
	} else {
		svc_validate_affinity(spec, aff->valuestring, e);
	}

	if (strcmp(t, "ExternalName"))
		svc_validate_ips(spec, ips, fams, e);

	i = 0;
	cJSON_ArrayForEach(c, res_typed(spec, "externalIPs", "spec.externalIPs", RES_ARR, e))
	{
		res_pathf(f, "spec.externalIPs[%d]", i++);
		if (!res_check_type(c, f, RES_STR, e))
			continue;
		if (!res_ip_family(c->valuestring)) {
			res_goquote(c->valuestring, q, sizeof(q));
			verrs_invalid(e, f, q, RES_IP_MSG);
		} else {
			/* upstream checks external IPs as endpoint addresses */
			res_check_endpoint_ip(e, f, c->valuestring, false);
		}
	}

	if (!type || !*t) {
		if (!res_get(spec, "type") || type)
			verrs_required(e, "spec.type", "");
	} else if (!svc_in(svc_types, t)) {
		res_goquote(t, q, sizeof(q));
		verrs_not_supported(e, "spec.type", q, svc_types);
	}
	for (i = 0; i < nports; i++) {
		if (!strcmp(t, "ClusterIP") && sp[i].node_port)
			verrs_forbidden(e, res_pathf(f, "spec.ports[%d].nodePort", i),
					"may not be used when `type` is 'ClusterIP'");
	}
	svc_mark_port_dups(sp, nports, false, keys, dup);
	for (i = 0; i < nports; i++)
		if (dup[i]) {
			char v[32];

			snprintf(v, sizeof(v), "%lld", sp[i].node_port);
			verrs_duplicate(e, res_pathf(f, "spec.ports[%d].nodePort", i), v);
		}
	svc_mark_port_dups(sp, nports, true, keys, dup);
	for (i = 0; i < nports; i++)
		if (dup[i]) {
			char key[512];

			svc_port_key(&sp[i], key, sizeof(key));
			verrs_duplicate(e, res_pathf(f, "spec.ports[%d]", i), key);
		}

	etp = res_typed(spec, "externalTrafficPolicy", "spec.externalTrafficPolicy", RES_STR, e);
	if (etp && etp->valuestring[0]) {
		res_goquote(etp->valuestring, q, sizeof(q));
		if (strcmp(etp->valuestring, "Cluster") && strcmp(etp->valuestring, "Local"))
			verrs_invalid(e, "spec.externalTrafficPolicy", q,
				      "ExternalTrafficPolicy must be empty, Cluster or Local");
		else if (strcmp(t, "NodePort") && strcmp(t, "LoadBalancer"))
			verrs_invalid(
			    e, "spec.externalTrafficPolicy", q,
			    "may only be set when `type` is 'NodePort' or 'LoadBalancer'");
	}
	svc_validate_lb(obj, old, t, e);
out:
	free(sp);
	free(keys);
	free(dup);
}

/* ------------------------------------------------------------------ Table */

static const struct res_col svc_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"Type", "string", "", 0,
     "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are "
     "ExternalName, ClusterIP, NodePort, and LoadBalancer."},
    {"Cluster-IP", "string", "", 0,
     "clusterIP is the IP address of the service and is usually assigned randomly."},
    {"External-IP", "string", "", 0,
     "externalIPs is a list of IP addresses for which nodes in the cluster will also accept "
     "traffic for this service."},
    {"Port(s)", "string", "", 0, "The list of ports that are exposed by this service."},
    {"Age", "string", "", 0, RES_DESC_AGE},
    {"Selector", "string", "", 1,
     "Route service traffic to pods with label keys and values matching this selector."},
};

static cJSON *svc_table_columns(void)
{
	return res_columns(svc_cols, (int)(sizeof(svc_cols) / sizeof(svc_cols[0])));
}

/* getServiceExternalIP (wide: the server renders every column) */
static char *svc_external_ip(const cJSON *spec, const cJSON *status)
{
	const char *type = json_str(spec, "type");
	struct res_join j;
	const cJSON *c;
	char *s;

	res_join_init(&j);
	cJSON_ArrayForEach(c, res_get(spec, "externalIPs")) if (cJSON_IsString(c))
	    res_join_add(&j, ",", "%s", c->valuestring);
	if (!type)
		type = "ClusterIP";
	if (!strcmp(type, "ExternalName")) {
		free(res_join_done(&j));
		return strdup(json_str(spec, "externalName") ?: "");
	}
	if (!strcmp(type, "LoadBalancer")) {
		cJSON_ArrayForEach(c, json_at(status, "loadBalancer.ingress"))
		{
			const char *ip = json_str(c, "ip"), *host = json_str(c, "hostname");

			if (ip && *ip)
				res_join_add(&j, ",", "%s", ip);
			else if (host && *host)
				res_join_add(&j, ",", "%s", host);
		}
		s = res_join_done(&j);
		if (!*s) {
			free(s);
			return strdup("<pending>");
		}
		return s;
	}
	s = res_join_done(&j);
	if (!strcmp(type, "ClusterIP") || !strcmp(type, "NodePort")) {
		if (!*s) {
			free(s);
			return strdup("<none>");
		}
		return s;
	}
	free(s);
	return strdup("<unknown>");
}

static cJSON *svc_table_cells(const cJSON *obj, time_t now)
{
	const cJSON *spec = res_get(obj, "spec"), *ips = res_get(spec, "clusterIPs"), *c;
	const char *ip = NULL;
	cJSON *cells = cJSON_CreateArray(), *sel;
	struct res_join j;
	char *s;

	res_cell_str(cells, json_str(obj, "metadata.name"));
	res_cell_str(cells, json_str(spec, "type"));
	if (cJSON_GetArraySize(ips))
		ip = json_str(cJSON_GetArrayItem(ips, 0), "");
	if (!ip || !*ip)
		ip = json_str(spec, "clusterIP");
	res_cell_str(cells, ip && *ip ? ip : "<none>");
	s = svc_external_ip(spec, res_get(obj, "status"));
	res_cell_str(cells, s);
	free(s);
	res_join_init(&j);
	cJSON_ArrayForEach(c, res_get(spec, "ports"))
	{
		long long port = 0, np = 0;
		const char *proto = json_str(c, "protocol");

		res_int(c, "port", &port);
		res_int(c, "nodePort", &np);
		if (np > 0)
			res_join_add(&j, ",", "%lld:%lld/%s", port, np, proto ? proto : "");
		else
			res_join_add(&j, ",", "%lld/%s", port, proto ? proto : "");
	}
	s = res_join_done(&j);
	res_cell_str(cells, *s ? s : "<none>");
	free(s);
	res_cell_age(cells, obj, now);
	/* labels.FormatLabels: sorted k=v, "<none>" when empty */
	sel = cJSON_CreateObject();
	if (cJSON_IsObject(res_get(spec, "selector")))
		cJSON_AddItemToObject(sel, "matchLabels",
				      cJSON_Duplicate(res_get(spec, "selector"), true));
	s = res_selector_string(sel);
	res_cell_str(cells, *s ? s : "<none>");
	free(s);
	cJSON_Delete(sel);
	return cells;
}

/* Is every node port of spec one that ospec has (upstream's sameNodePorts:
 * ports may be added, removed or changed, but no node port is new)? */
static bool svc_same_node_ports(const cJSON *spec, const cJSON *ospec)
{
	const cJSON *p, *op;

	cJSON_ArrayForEach(p, RES_ARR(res_get(spec, "ports")))
	{
		const cJSON *np = res_get(p, "nodePort");
		bool found = false;

		if (!np || (cJSON_IsNumber(np) && np->valuedouble == 0))
			continue;
		cJSON_ArrayForEach(op, RES_ARR(res_get(ospec, "ports")))
		{
			if (jcmp_equal(np, res_get(op, "nodePort")) > 0)
				found = true;
		}
		if (!found)
			return false;
	}
	return true;
}

/* Do spec and ospec have the same key (both without it counts)? */
static bool svc_same_member(const cJSON *spec, const cJSON *ospec, const char *key)
{
	const cJSON *a = res_get(spec, key), *b = res_get(ospec, key);

	return (!a && !b) || (a && b && jcmp_equal(a, b) > 0);
}

/* dropTypeDependentFields: a field the new type has no use for, left as it
 * was, goes (and what it held is released) instead of failing validation,
 * so `kubectl patch -p '{"spec":{"type":"ClusterIP"}}'` works on a
 * LoadBalancer; a Service that is no longer a LoadBalancer loses its
 * status.loadBalancer. */
static void svc_drop_type_fields(cJSON *obj, const cJSON *old)
{
	cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec"), *p;
	const cJSON *ospec = res_get(old, "spec");
	const char *type = json_str(spec, "type"), *otype = json_str(ospec, "type");
	bool lb = type && !strcmp(type, "LoadBalancer");

	if (res_svc_has_node_ports(old) && !res_svc_has_node_ports(obj) &&
	    svc_same_node_ports(spec, ospec))
		cJSON_ArrayForEach(p, RES_ARR(cJSON_GetObjectItemCaseSensitive(spec, "ports")))
		{
			if (cJSON_IsObject(p))
				cJSON_DeleteItemFromObjectCaseSensitive(p, "nodePort");
		}
	if (res_svc_needs_hc(old) && !res_svc_needs_hc(obj) &&
	    svc_same_member(spec, ospec, "healthCheckNodePort"))
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "healthCheckNodePort");
	if (otype && !strcmp(otype, "LoadBalancer") && !lb) {
		if (res_get(spec, "allocateLoadBalancerNodePorts") &&
		    svc_same_member(spec, ospec, "allocateLoadBalancerNodePorts"))
			cJSON_DeleteItemFromObjectCaseSensitive(spec,
								"allocateLoadBalancerNodePorts");
		if (svc_same_member(spec, ospec, "loadBalancerClass"))
			cJSON_DeleteItemFromObjectCaseSensitive(spec, "loadBalancerClass");
	}
	if (res_svc_has_node_ports(old) && !res_svc_has_node_ports(obj) &&
	    svc_same_member(spec, ospec, "externalTrafficPolicy"))
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "externalTrafficPolicy");
	if (otype && !strcmp(otype, "LoadBalancer") && !lb)
		res_set(res_obj_child(obj, "status"), "loadBalancer", cJSON_CreateObject());
}

/* Keep the allocations a client left out of an update (k8s-api.md §6.3,
 * upstream's patchAllocatedValues), then drop what the new type does not
 * use. */
static void svc_prepare_update(cJSON *obj, const cJSON *old)
{
	cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
	const cJSON *ospec = cJSON_GetObjectItemCaseSensitive(old, "spec");
	const cJSON *hc;
	const char *ip;

	if (!cJSON_IsObject(spec) || !cJSON_IsObject(ospec))
		return;
	ip = json_str(spec, "clusterIP");
	if (!ip || !*ip) {
		json_copy_member(spec, ospec, "clusterIP");
		if (!cJSON_GetObjectItemCaseSensitive(spec, "clusterIPs"))
			json_copy_member(spec, ospec, "clusterIPs");
	}
	hc = res_get(spec, "healthCheckNodePort");
	if (res_svc_needs_hc(old) && res_svc_needs_hc(obj) &&
	    (!hc || (cJSON_IsNumber(hc) && hc->valuedouble == 0)))
		json_copy_member(spec, ospec, "healthCheckNodePort");
	svc_drop_type_fields(obj, old);
}

const struct res_type res_services = {
    .plural = "services",
    .singular = "service",
    .kind = "Service",
    .list_kind = "ServiceList",
    .group = "",
    .version = "v1",
    .api_version = "v1",
    .namespaced = true,
    .short_names = {"svc", NULL},
    .all_category = true,
    .has_status = true,
    .unconditional_update = true,
    .delete_returns_object = true,
    .defaults = svc_defaults,
    .validate = svc_validate,
    .table_columns = svc_table_columns,
    .table_cells = svc_table_cells,
    .prepare_update = svc_prepare_update,
    .allocate = res_svc_allocate,
    .release = res_svc_release,
    .reserve = res_svc_reserve,
};
