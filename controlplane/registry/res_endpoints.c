/* res_endpoints: Endpoints (v1) and EndpointSlice (discovery.k8s.io/v1):
 * defaults, validation (upstream validateEndpointSubsets and
 * discovery/validation ValidateEndpointSlice wording) and Table rows.
 *
 * Addresses get upstream's ValidateEndpointIP (no unspecified, loopback,
 * link-local or link-local multicast address) plus a refusal of the IPv4
 * broadcast address. The one exception: the objects skiff-server owns
 * (ep_server_owned) may hold a loopback address, because a server bound to
 * 127.0.0.1 (every single-host setup, every test) publishes itself and its
 * cluster DNS there; upstream refuses a loopback --advertise-address. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "res_util.h"

/* discovery validation limits: addresses per endpoint, endpoints and ports
 * per slice. */
#define EPS_MAX_ADDRESSES 100
#define EPS_MAX_ENDPOINTS 1000
#define EPS_MAX_PORTS	  20000
/* printers.go shows at most 3 endpoints, then " + N more..." */
#define EP_SHOW_MAX 3

static const char *const eps_address_types[] = {"FQDN", "IPv4", "IPv6", NULL};

/* The objects skiff-server writes itself at every start (bootstrap.c):
 * the `kubernetes` Endpoints and EndpointSlice (the API server's address)
 * and the kube-dns EndpointSlice (the cluster DNS listener). */
static bool ep_server_owned(const cJSON *obj, bool slice)
{
	const char *ns = json_str(obj, "metadata.namespace");
	const char *name = json_str(obj, "metadata.name");

	if (!ns || !name)
		return false;
	return (!strcmp(ns, "default") && !strcmp(name, "kubernetes")) ||
	       (slice && !strcmp(ns, "kube-system") && !strcmp(name, "kube-dns"));
}

/* ============================================================ Endpoints */

static void ep_defaults(cJSON *obj)
{
	cJSON *subsets = cJSON_GetObjectItemCaseSensitive(obj, "subsets"), *ss, *p;

	cJSON_ArrayForEach(ss, RES_ARR(subsets))
	{
		cJSON *ports = cJSON_GetObjectItemCaseSensitive(ss, "ports");

		cJSON_ArrayForEach(p, RES_ARR(ports)) res_default_str(p, "protocol", "TCP");
	}
}

/* validateEndpointAddress */
static void ep_validate_address(const cJSON *a, const char *path, bool owned, struct verrs *e)
{
	const cJSON *ip, *host, *node;
	char f[RES_PATH], q[RES_VAL];

	if (!res_check_type(a, path, RES_OBJ, e))
		return;
	ip = res_typed(a, "ip", res_pathf(f, "%s.ip", path), RES_STR, e);
	if (ip || !res_get(a, "ip")) {
		const char *s = ip ? ip->valuestring : "";

		if (!res_ip_family(s)) {
			res_goquote(s, q, sizeof(q));
			verrs_invalid(e, f, q, RES_IP_MSG);
		} else {
			res_check_endpoint_ip(e, f, s, owned);
		}
	}
	host = res_typed(a, "hostname", res_pathf(f, "%s.hostname", path), RES_STR, e);
	if (host && host->valuestring[0])
		res_check_name(e, f, host->valuestring, RES_DNS1123_LABEL);
	node = res_typed(a, "nodeName", res_pathf(f, "%s.nodeName", path), RES_STR, e);
	if (node)
		res_check_name(e, f, node->valuestring, RES_DNS1123_SUBDOMAIN);
}

/* validateEndpointPort */
static void ep_validate_port(const cJSON *p, const char *path, bool require_name, struct verrs *e)
{
	const cJSON *name, *port;
	char f[RES_PATH];

	if (!res_check_type(p, path, RES_OBJ, e))
		return;
	name = res_typed(p, "name", res_pathf(f, "%s.name", path), RES_STR, e);
	if (require_name && (!name || !name->valuestring[0])) {
		if (name || !res_get(p, "name"))
			verrs_required(e, f, "");
	} else if (name && name->valuestring[0]) {
		res_check_name(e, f, name->valuestring, RES_DNS1123_LABEL);
	}
	port = res_typed(p, "port", res_pathf(f, "%s.port", path), RES_INT, e);
	if (port || !res_get(p, "port"))
		res_check_port_num(e, f, port ? (long long)port->valuedouble : 0);
	res_check_protocol(e, res_pathf(f, "%s.protocol", path), res_get(p, "protocol"));
}

static void ep_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	const cJSON *subsets, *ss, *c;
	char path[RES_PATH], f[RES_PATH];
	bool owned = ep_server_owned(obj, false);
	int i = 0;

	res_validate_meta(obj, old, RES_DNS1123_SUBDOMAIN, e);
	subsets = res_typed(obj, "subsets", "subsets", RES_ARR, e);
	cJSON_ArrayForEach(ss, subsets)
	{
		const cJSON *addrs, *nra, *ports;
		int k, nports;

		res_pathf(path, "subsets[%d]", i++);
		if (!res_check_type(ss, path, RES_OBJ, e))
			continue;
		addrs = res_typed(ss, "addresses", res_pathf(f, "%s.addresses", path), RES_ARR, e);
		nra = res_typed(ss, "notReadyAddresses", res_pathf(f, "%s.notReadyAddresses", path),
				RES_ARR, e);
		if (!cJSON_GetArraySize(addrs) && !cJSON_GetArraySize(nra))
			verrs_required(e, path, "must specify `addresses` or `notReadyAddresses`");
		k = 0;
		cJSON_ArrayForEach(c, addrs)
		    ep_validate_address(c, res_pathf(f, "%s.addresses[%d]", path, k++), owned, e);
		k = 0;
		cJSON_ArrayForEach(c, nra) ep_validate_address(
		    c, res_pathf(f, "%s.notReadyAddresses[%d]", path, k++), owned, e);
		ports = res_typed(ss, "ports", res_pathf(f, "%s.ports", path), RES_ARR, e);
		nports = cJSON_GetArraySize(ports);
		k = 0;
		cJSON_ArrayForEach(c, ports)
		    ep_validate_port(c, res_pathf(f, "%s.ports[%d]", path, k++), nports > 1, e);
	}
}

static const struct res_col ep_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"Endpoints", "string", "", 0,
     "The set of all endpoints is the union of all subsets. Addresses are placed into "
     "subsets according to the IPs they share."},
    {"Age", "string", "", 0, RES_DESC_AGE},
};

static cJSON *ep_table_columns(void)
{
	return res_columns(ep_cols, (int)(sizeof(ep_cols) / sizeof(ep_cols[0])));
}

/* printers.go formatEndpoints(ep, nil): ip:port per port and address (the
 * bare ip for port-less headless subsets), 3 shown, then " + N more...". */
static cJSON *ep_table_cells(const cJSON *obj, time_t now)
{
	const cJSON *subsets = res_get(obj, "subsets"), *ss, *a, *p;
	cJSON *cells = cJSON_CreateArray();
	struct res_join j;
	int shown = 0, count = 0;
	char *s;

	res_cell_str(cells, json_str(obj, "metadata.name"));
	res_join_init(&j);
	cJSON_ArrayForEach(ss, RES_ARR(subsets))
	{
		const cJSON *ports = res_get(ss, "ports"), *addrs = res_get(ss, "addresses");

		if (!cJSON_GetArraySize(ports)) {
			cJSON_ArrayForEach(a, RES_ARR(addrs))
			{
				if (shown < EP_SHOW_MAX) {
					res_join_add(&j, ",", "%s", json_str(a, "ip") ?: "");
					shown++;
				}
				count++;
			}
			continue;
		}
		cJSON_ArrayForEach(p, RES_ARR(ports))
		{
			long long port = 0;

			res_int(p, "port", &port);
			cJSON_ArrayForEach(a, RES_ARR(addrs))
			{
				const char *ip = json_str(a, "ip") ?: "";

				if (shown < EP_SHOW_MAX) {
					/* net.JoinHostPort brackets IPv6 */
					if (strchr(ip, ':'))
						res_join_add(&j, ",", "[%s]:%lld", ip, port);
					else
						res_join_add(&j, ",", "%s:%lld", ip, port);
					shown++;
				}
				count++;
			}
		}
	}
	s = res_join_done(&j);
	if (!cJSON_GetArraySize(subsets))
		res_cell_str(cells, "<none>");
	else if (count > EP_SHOW_MAX) {
		char *more = NULL;

		if (asprintf(&more, "%s + %d more...", s, count - EP_SHOW_MAX) < 0)
			more = NULL;
		res_cell_str(cells, more ? more : s);
		free(more);
	} else {
		res_cell_str(cells, s);
	}
	free(s);
	res_cell_age(cells, obj, now);
	return cells;
}

const struct res_type res_endpoints = {
    .plural = "endpoints",
    .singular = "endpoints",
    .kind = "Endpoints",
    .list_kind = "EndpointsList",
    .group = "",
    .version = "v1",
    .api_version = "v1",
    .namespaced = true,
    .short_names = {"ep", NULL},
    .unconditional_update = true,
    .defaults = ep_defaults,
    .validate = ep_validate,
    .table_columns = ep_table_columns,
    .table_cells = ep_table_cells,
};

/* ======================================================== EndpointSlice */

static void eps_defaults(cJSON *obj)
{
	const cJSON *eps = res_get(obj, "endpoints"), *ports = res_get(obj, "ports");
	cJSON *list, *p;

	/* python-kubernetes rejects "endpoints": null; emit [] (k8s-api.md §0.8) */
	if (cJSON_IsObject(obj) && !eps)
		res_set(obj, "endpoints", cJSON_CreateArray());
	if (cJSON_IsObject(obj) && !ports)
		res_set(obj, "ports", cJSON_CreateArray());
	/* SetDefaults_EndpointPort: name "" and protocol TCP */
	list = cJSON_GetObjectItemCaseSensitive(obj, "ports");
	cJSON_ArrayForEach(p, RES_ARR(list))
	{
		if (!cJSON_IsObject(p))
			continue;
		if (!res_get(p, "name"))
			res_set(p, "name", cJSON_CreateString(""));
		res_default_str(p, "protocol", "TCP");
	}
}

/* validation.IsFullyQualifiedDomainName */
static void eps_check_fqdn(struct verrs *e, const char *field, const char *name)
{
	char buf[300], q[RES_VAL];
	const char *msg;
	size_t n = strlen(name);

	if (!n) {
		verrs_required(e, field, "");
		return;
	}
	snprintf(buf, sizeof(buf), "%.*s", (int)(name[n - 1] == '.' ? n - 1 : n), name);
	res_goquote(buf, q, sizeof(q));
	msg = res_dns1123_subdomain(buf);
	if (msg) {
		verrs_invalid(e, field, q, msg);
		return;
	}
	if (!strchr(buf, '.')) {
		verrs_invalid(e, field, q,
			      "should be a domain with at least two segments separated by dots");
		return;
	}
	for (char *save = NULL, *l = strtok_r(buf, ".", &save); l; l = strtok_r(NULL, ".", &save))
		if ((msg = res_dns1123_label(l))) {
			res_goquote(l, q, sizeof(q));
			verrs_invalid(e, field, q, msg);
			return;
		}
}

static void eps_validate_endpoint(const cJSON *ep, const char *path, const char *atype, bool owned,
				  struct verrs *e)
{
	const cJSON *addrs, *a, *node, *host, *cond;
	char f[RES_PATH], af[RES_PATH], q[RES_VAL];
	int n, i = 0;

	if (!res_check_type(ep, path, RES_OBJ, e))
		return;
	addrs = res_typed(ep, "addresses", res_pathf(f, "%s.addresses", path), RES_ARR, e);
	n = cJSON_GetArraySize(addrs);
	if (!n && (addrs || !res_get(ep, "addresses")))
		verrs_required(e, f, "must contain at least 1 address");
	else if (n > EPS_MAX_ADDRESSES)
		verrs_too_many(e, f, n, EPS_MAX_ADDRESSES);
	cJSON_ArrayForEach(a, addrs)
	{
		int fam;

		res_pathf(af, "%s[%d]", f, i++);
		if (!res_check_type(a, af, RES_STR, e))
			continue;
		fam = res_ip_family(a->valuestring);
		res_goquote(a->valuestring, q, sizeof(q));
		if (!strcmp(atype, "IPv4") && fam != 4)
			verrs_invalid(e, af, q, "must be a valid IPv4 address");
		else if (!strcmp(atype, "IPv6") && fam != 6)
			verrs_invalid(e, af, q, "must be a valid IPv6 address");
		else if (!strcmp(atype, "IPv4") || !strcmp(atype, "IPv6"))
			res_check_endpoint_ip(e, af, a->valuestring, owned);
		else if (!strcmp(atype, "FQDN"))
			eps_check_fqdn(e, af, a->valuestring);
	}
	node = res_typed(ep, "nodeName", res_pathf(f, "%s.nodeName", path), RES_STR, e);
	if (node)
		res_check_name(e, f, node->valuestring, RES_DNS1123_SUBDOMAIN);
	host = res_typed(ep, "hostname", res_pathf(f, "%s.hostname", path), RES_STR, e);
	if (host)
		res_check_name(e, f, host->valuestring, RES_DNS1123_LABEL);
	cond = res_typed(ep, "conditions", res_pathf(f, "%s.conditions", path), RES_OBJ, e);
	res_typed(cond, "ready", res_pathf(f, "%s.conditions.ready", path), RES_BOOL, e);
	res_typed(cond, "serving", res_pathf(f, "%s.conditions.serving", path), RES_BOOL, e);
	res_typed(cond, "terminating", res_pathf(f, "%s.conditions.terminating", path), RES_BOOL,
		  e);
	res_typed(ep, "zone", res_pathf(f, "%s.zone", path), RES_STR, e);
	res_typed(ep, "targetRef", res_pathf(f, "%s.targetRef", path), RES_OBJ, e);
}

static void eps_validate_ports(const cJSON *ports, struct verrs *e)
{
	const cJSON *p, *name, *port, *ap;
	char path[RES_PATH], f[RES_PATH], q[RES_VAL];
	int i = 0, nk = 0, n = cJSON_GetArraySize(ports);
	struct res_key *keys;
	bool *dup;

	if (n > EPS_MAX_PORTS) {
		verrs_too_many(e, "ports", n, EPS_MAX_PORTS);
		return;
	}
	keys = calloc((size_t)n + 1, sizeof(*keys));
	dup = calloc((size_t)n + 1, sizeof(*dup));
	if (!keys || !dup) {
		verrs_add(e, "InternalError", "ports", "Internal error: out of memory");
		goto out;
	}
	/* names are a set ("" included): every later holder is a duplicate */
	cJSON_ArrayForEach(p, ports)
	{
		if (cJSON_IsObject(p))
			keys[nk++] = (struct res_key){json_str(p, "name") ?: "", 0, i};
		i++;
	}
	res_mark_dups(keys, nk, dup);
	i = 0;
	cJSON_ArrayForEach(p, ports)
	{
		const char *nm;

		res_pathf(path, "ports[%d]", i);
		if (!res_check_type(p, path, RES_OBJ, e)) {
			i++;
			continue;
		}
		name = res_typed(p, "name", res_pathf(f, "%s.name", path), RES_STR, e);
		nm = name ? name->valuestring : "";
		if (*nm)
			res_check_name(e, f, nm, RES_DNS1123_LABEL);
		if (dup[i++]) {
			res_goquote(nm, q, sizeof(q));
			verrs_duplicate(e, f, q);
		}
		res_check_protocol(e, res_pathf(f, "%s.protocol", path), res_get(p, "protocol"));
		port = res_typed(p, "port", res_pathf(f, "%s.port", path), RES_INT, e);
		if (port && (port->valuedouble < 0 || port->valuedouble > 65535))
			verrs_add(e, "FieldValueInvalid", f,
				  "Invalid value: %lld: must be between 0 and 65535, inclusive",
				  (long long)port->valuedouble);
		ap = res_typed(p, "appProtocol", res_pathf(f, "%s.appProtocol", path), RES_STR, e);
		if (ap)
			res_check_qualified_name(e, f, ap->valuestring);
	}
out:
	free(keys);
	free(dup);
}

static void eps_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	const cJSON *at, *eps, *ep;
	const char *atype = "", *oat;
	char path[RES_PATH], q[RES_VAL];
	int i = 0;

	res_validate_meta(obj, old, RES_DNS1123_SUBDOMAIN, e);
	at = res_typed(obj, "addressType", "addressType", RES_STR, e);
	if (at)
		atype = at->valuestring;
	res_goquote(atype, q, sizeof(q));
	if (!*atype) {
		if (at || !res_get(obj, "addressType"))
			verrs_required(e, "addressType", "");
	} else {
		bool ok = false;

		for (int k = 0; eps_address_types[k]; k++)
			ok |= !strcmp(atype, eps_address_types[k]);
		if (!ok)
			verrs_not_supported(e, "addressType", q, eps_address_types);
	}
	eps = res_typed(obj, "endpoints", "endpoints", RES_ARR, e);
	if (cJSON_GetArraySize(eps) > EPS_MAX_ENDPOINTS) {
		verrs_too_many(e, "endpoints", cJSON_GetArraySize(eps), EPS_MAX_ENDPOINTS);
		eps = NULL;
	}
	cJSON_ArrayForEach(ep, eps) eps_validate_endpoint(ep, res_pathf(path, "endpoints[%d]", i++),
							  atype, ep_server_owned(obj, true), e);
	eps_validate_ports(res_typed(obj, "ports", "ports", RES_ARR, e), e);
	if (!old)
		return;
	oat = json_str(old, "addressType");
	if (oat && at && strcmp(oat, atype))
		verrs_invalid(e, "addressType", q, "field is immutable");
}

static const struct res_col eps_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"AddressType", "string", "", 0,
     "addressType specifies the type of address carried by this EndpointSlice. All "
     "addresses in this slice must be the same type."},
    {"Ports", "string", "", 0,
     "ports specifies the list of network ports exposed by each "
     "endpoint in this slice."},
    {"Endpoints", "string", "", 0, "endpoints is a list of unique endpoints in this slice."},
    {"Age", "string", "", 0, RES_DESC_AGE},
};

static cJSON *eps_table_columns(void)
{
	return res_columns(eps_cols, (int)(sizeof(eps_cols) / sizeof(eps_cols[0])));
}

/* printers.go listWithMoreString: "a,b,c + N more...", "<unset>" if empty */
static void eps_cell_list(cJSON *cells, struct res_join *j, int count)
{
	char *s = res_join_done(j), *more = NULL;

	if (count > EP_SHOW_MAX && asprintf(&more, "%s + %d more...", s, count - EP_SHOW_MAX) >= 0)
		res_cell_str(cells, more);
	else
		res_cell_str(cells, *s ? s : "<unset>");
	free(more);
	free(s);
}

static cJSON *eps_table_cells(const cJSON *obj, time_t now)
{
	const cJSON *ports = res_get(obj, "ports"), *eps = res_get(obj, "endpoints"), *c, *a;
	cJSON *cells = cJSON_CreateArray();
	struct res_join j;
	int count = 0;

	res_cell_str(cells, json_str(obj, "metadata.name"));
	res_cell_str(cells, json_str(obj, "addressType"));
	/* formatDiscoveryPorts: the number, else the name, else "*" */
	res_join_init(&j);
	cJSON_ArrayForEach(c, RES_ARR(ports))
	{
		long long port;
		const char *name = json_str(c, "name");

		if (count++ >= EP_SHOW_MAX)
			continue;
		if (res_int(c, "port", &port))
			res_join_add(&j, ",", "%lld", port);
		else if (name)
			res_join_add(&j, ",", "%s", name);
		else
			res_join_add(&j, ",", "*");
	}
	eps_cell_list(cells, &j, count);
	count = 0;
	res_join_init(&j);
	cJSON_ArrayForEach(c, RES_ARR(eps)) cJSON_ArrayForEach(a, RES_ARR(res_get(c, "addresses")))
	{
		if (count++ < EP_SHOW_MAX)
			res_join_add(&j, ",", "%s", cJSON_IsString(a) ? a->valuestring : "");
	}
	eps_cell_list(cells, &j, count);
	res_cell_age(cells, obj, now);
	return cells;
}

const struct res_type res_endpointslices = {
    .plural = "endpointslices",
    .singular = "endpointslice",
    .kind = "EndpointSlice",
    .list_kind = "EndpointSliceList",
    .group = "discovery.k8s.io",
    .version = "v1",
    .api_version = "discovery.k8s.io/v1",
    .namespaced = true,
    .short_names = {NULL},
    .unconditional_update = true,
    /* upstream endpointslice strategy sets generation 1 and bumps it */
    .has_generation = true,
    .defaults = eps_defaults,
    .validate = eps_validate,
    .table_columns = eps_table_columns,
    .table_cells = eps_table_cells,
};
