/* cmd_backends_ipt: `skiffctl backends --proxy-mode iptables`, run in the
 * node's network namespace (`ip netns exec <node> skiffctl backends ...`):
 * the columns of the BPF mode for a node whose proxy writes kube-proxy's
 * rules. Service ports and endpoints come from the API (Services and
 * EndpointSlices, as the proxy reads them), ACTIVE from conntrack (the live
 * connections per endpoint that weight the iptables mode's odds) and
 * SELECTED from `iptables-save -c`: the packets of the endpoint's KUBE-SEP
 * DNAT rule, which NAT sees once per new connection. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ipt/ipt.h"
#include "lbmap.h"
#include "proxy_model.h"

/* KUBE-SEP chain -> packets of its DNAT rule, from iptables-save -c. */
struct sep_count {
	char chain[IPT_CHAIN_MAX];
	unsigned long long pkts;
};

struct seps {
	struct sep_count *v;
	size_t n;
};

static void seps_load(struct seps *s)
{
	FILE *f = popen("iptables-save -c -t nat 2>/dev/null", "r");
	char line[4096];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long pkts, bytes;
		char chain[64];
		struct sep_count *nv;

		if (sscanf(line, "[%llu:%llu] -A %63s", &pkts, &bytes, chain) != 3 ||
		    strncmp(chain, "KUBE-SEP-", 9) || !strstr(line, "-j DNAT"))
			continue;
		nv = realloc(s->v, (s->n + 1) * sizeof(*nv));
		if (!nv)
			break;
		s->v = nv;
		snprintf(nv[s->n].chain, sizeof(nv[s->n].chain), "%.28s", chain);
		nv[s->n++].pkts = pkts;
	}
	pclose(f);
}

static unsigned long long seps_find(const struct seps *s, const char *chain)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].chain, chain))
			return s->v[i].pkts;
	return 0;
}

/* GET path as JSON, or NULL after reporting why. */
static cJSON *api_get(struct ctl_opts *o, const char *path)
{
	struct kresp r;
	cJSON *doc = NULL;

	if (ctl_call(o, "GET", path, NULL, NULL, "application/json", &r))
		return NULL;
	if (r.status == 200)
		doc = cJSON_ParseWithLength(r.body, r.len);
	else
		ctl_err_status(o, r.status, r.body, NULL);
	kresp_free(&r);
	return doc;
}

/* The slices of Service ns/name: a malloc'd array (NULL when none) of *n. */
static const cJSON **service_slices(const cJSON *slices, const char *ns, const char *name,
				    uint32_t *n)
{
	const cJSON *sl, **out = NULL;
	char want[300], key[300];

	*n = 0;
	snprintf(want, sizeof(want), "%s/%s", ns, name);
	cJSON_ArrayForEach(sl, cJSON_GetObjectItemCaseSensitive(slices, "items"))
	{
		const cJSON **nv;

		if (!pm_slice_service_key(sl, key, sizeof(key)) || strcmp(key, want))
			continue;
		nv = realloc(out, (*n + 1) * sizeof(*nv));
		if (!nv)
			break;
		out = nv;
		out[(*n)++] = sl;
	}
	return out;
}

static void add_row(char ****rows, int *nrows, const char *const c[7])
{
	char ***nv = realloc(*rows, (size_t)(*nrows + 1) * sizeof(*nv));

	if (!nv)
		return;
	*rows = nv;
	nv[*nrows] = calloc(7, sizeof(char *));
	if (!nv[*nrows])
		return;
	for (int i = 0; i < 7; i++)
		nv[*nrows][i] = strdup(c[i] ? c[i] : "");
	(*nrows)++;
}

/* One service port: its row(s) and JSON. */
static void show_port(const char *ns, const char *name, const char *domain,
		      const struct pm_service *m, uint32_t i, const cJSON *const *sl, uint32_t nsl,
		      const struct seps *seps, char ****rows, int *nrows, cJSON *jsvcs)
{
	const struct pm_port *pp = &m->ports[i];
	const char *proto = pp->proto == IPPROTO_UDP ? "udp" : "tcp";
	struct pm_endpoints eps = {0};
	struct ipt_ct_ep *ct = NULL;
	char svc[300], addr[80], dns[400], spn[400], vip[INET_ADDRSTRLEN];
	struct in_addr va = {.s_addr = m->vip};
	cJSON *js = cJSON_CreateObject(), *je = cJSON_AddArrayToObject(js, "endpoints");

	pm_endpoints_gather(&eps, sl, nsl, pp, m->vip, NULL);
	if (eps.n && (ct = calloc(eps.n, sizeof(*ct)))) {
		for (uint32_t e = 0; e < eps.n; e++)
			ct[e] = (struct ipt_ct_ep){
			    .addr = eps.be[e].addr, .port = eps.be[e].port, .proto = pp->proto};
		if (ipt_ct_count(ct, eps.n))
			for (uint32_t e = 0; e < eps.n; e++)
				ct[e].active = 0; /* conntrack unreadable: shown as 0 */
	}
	inet_ntop(AF_INET, &va, vip, sizeof(vip));
	snprintf(svc, sizeof(svc), "%s/%s", ns, name);
	snprintf(addr, sizeof(addr), "%s:%u/%s", vip, pp->port,
		 pp->proto == IPPROTO_UDP ? "UDP" : "TCP");
	snprintf(dns, sizeof(dns), "%s.%s.svc.%s", name, ns, domain);
	/* upstream's servicePortName: "ns/name:port-name", "ns/name" unnamed */
	snprintf(spn, sizeof(spn), "%s%s%s", svc, *pp->name ? ":" : "", pp->name);
	cJSON_AddStringToObject(js, "namespace", ns);
	cJSON_AddStringToObject(js, "name", name);
	cJSON_AddStringToObject(js, "dnsName", dns);
	cJSON_AddStringToObject(js, "vip", vip);
	cJSON_AddNumberToObject(js, "port", pp->port);
	cJSON_AddStringToObject(js, "protocol", pp->proto == IPPROTO_UDP ? "UDP" : "TCP");
	cJSON_AddStringToObject(js, "mode", "iptables");
	if (pp->node_port)
		cJSON_AddNumberToObject(js, "nodePort", pp->node_port);
	if (!eps.n) {
		const char *c[7] = {svc, addr, dns, "(none)", "-", "-", "-"};

		add_row(rows, nrows, c);
	}
	for (uint32_t e = 0; e < eps.n; e++) {
		char ip[INET_ADDRSTRLEN], ep[64], baddr[80], act[32], sel[32], chain[IPT_CHAIN_MAX];
		struct in_addr a = {.s_addr = eps.be[e].addr};
		cJSON *jx = cJSON_CreateObject();
		unsigned long long pk;

		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		snprintf(ep, sizeof(ep), "%s:%u", ip, ntohs(eps.be[e].port));
		ipt_chain_name(chain, "KUBE-SEP-", spn, proto, ep);
		pk = seps_find(seps, chain);
		snprintf(baddr, sizeof(baddr), "%s", ep);
		snprintf(act, sizeof(act), "%u", ct ? ct[e].active : 0);
		snprintf(sel, sizeof(sel), "%llu", pk);
		{
			const char *c[7] = {e ? "" : svc,
					    e ? "" : addr,
					    e ? "" : dns,
					    baddr,
					    lbmap_state_name(eps.be[e].state),
					    act,
					    sel};

			add_row(rows, nrows, c);
		}
		cJSON_AddStringToObject(jx, "address", ip);
		cJSON_AddNumberToObject(jx, "port", ntohs(eps.be[e].port));
		cJSON_AddStringToObject(jx, "state", lbmap_state_name(eps.be[e].state));
		cJSON_AddNumberToObject(jx, "active", ct ? ct[e].active : 0);
		cJSON_AddNumberToObject(jx, "selected", (double)pk);
		cJSON_AddStringToObject(jx, "chain", chain);
		cJSON_AddItemToArray(je, jx);
	}
	cJSON_AddItemToArray(jsvcs, js);
	free(ct);
	pm_endpoints_free(&eps);
}

int ctl_backends_ipt(struct ctl_opts *o, const char *f_ns, const char *f_name, const char *domain)
{
	cJSON *svcs = api_get(o, "/api/v1/services"), *slices = NULL, *out, *jsvcs, *it;
	char ***rows = NULL;
	struct seps seps = {0};
	int nrows = 0, r = 0;

	if (!svcs)
		return 1;
	slices = api_get(o, "/apis/discovery.k8s.io/v1/endpointslices");
	if (!slices) {
		cJSON_Delete(svcs);
		return 1;
	}
	seps_load(&seps);
	out = cJSON_CreateObject();
	jsvcs = cJSON_AddArrayToObject(out, "services");
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(svcs, "items"))
	{
		const cJSON *md = cJSON_GetObjectItemCaseSensitive(it, "metadata");
		const cJSON *nsj = cJSON_GetObjectItemCaseSensitive(md, "namespace");
		const cJSON *nmj = cJSON_GetObjectItemCaseSensitive(md, "name");
		const char *ns = cJSON_IsString(nsj) ? nsj->valuestring : "default";
		const cJSON **sl;
		struct pm_service m;
		uint32_t nsl;

		if (!cJSON_IsString(nmj) ||
		    (f_name && (strcmp(f_name, nmj->valuestring) || strcmp(f_ns, ns))))
			continue;
		if (pm_service_parse(it, &m)) {
			pm_service_free(&m);
			continue;
		}
		sl = service_slices(slices, ns, nmj->valuestring, &nsl);
		for (uint32_t i = 0; i < m.nports; i++)
			show_port(ns, nmj->valuestring, domain, &m, i, sl, nsl, &seps, &rows,
				  &nrows, jsvcs);
		free(sl);
		pm_service_free(&m);
	}
	if (o->out == CTL_OUT_JSON || o->out == CTL_OUT_YAML) {
		r = ctl_print_object(o, out);
	} else if (!nrows) {
		fprintf(stderr, "No service ports%s.\n", f_name ? " for that service" : "");
	} else {
		char *hdr[] = {"SERVICE", "ADDRESS", "DNS NAME", "BACKEND",
			       "STATE",	  "ACTIVE",  "SELECTED"};
		char ***all = calloc((size_t)nrows + 1, sizeof(*all));

		if (all) {
			all[0] = hdr;
			memcpy(all + 1, rows, (size_t)nrows * sizeof(*rows));
			ctl_print_table(all, nrows + 1, 7);
			free(all);
		}
	}
	for (int k = 0; k < nrows; k++) {
		for (int c = 0; c < 7; c++)
			free(rows[k][c]);
		free(rows[k]);
	}
	free(rows);
	free(seps.v);
	cJSON_Delete(out);
	cJSON_Delete(svcs);
	cJSON_Delete(slices);
	return r;
}
