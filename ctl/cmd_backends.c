/* cmd_backends: `skiffctl backends [namespace/service]` — this node's
 * socket load balancer as programmed, read from the pinned maps (like
 * `cilium bpf lb list` or `ipvsadm -Ln`): each service port with its
 * endpoints, their state, active connections and total selections.
 * Service names and DNS names come from the API when it is reachable. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "lbmap.h"

#define BACKENDS_DEFAULT_PIN_DIR "/sys/fs/bpf/skiff"
#define BACKENDS_DEFAULT_DOMAIN	 "cluster.local"

/* Service name of a (vip, port, proto), from the API. */
struct svc_name {
	uint32_t vip;  /* be */
	uint16_t port; /* be */
	uint8_t proto;
	char ns[128];
	char name[128];
};

struct names {
	struct svc_name *v;
	size_t n;
	bool known; /* the API answered */
};

static void names_add(struct names *nm, uint32_t vip, const cJSON *num, const cJSON *pr,
		      const cJSON *ns, const cJSON *name)
{
	struct svc_name *v;

	if (!cJSON_IsNumber(num) || num->valueint < 1 || num->valueint > 65535)
		return;
	v = realloc(nm->v, (nm->n + 1) * sizeof(*v));
	if (!v)
		return;
	nm->v = v;
	v = &nm->v[nm->n++];
	v->vip = vip;
	v->port = htons((uint16_t)num->valueint);
	v->proto =
	    cJSON_IsString(pr) && !strcmp(pr->valuestring, "UDP") ? IPPROTO_UDP : IPPROTO_TCP;
	snprintf(v->ns, sizeof(v->ns), "%s", cJSON_IsString(ns) ? ns->valuestring : "default");
	snprintf(v->name, sizeof(v->name), "%s", name->valuestring);
}

/* The frontends of a Service besides its cluster IP: its externalIPs and
 * LoadBalancer addresses (port) and node ports (vip 0). */
static void names_external(struct names *nm, const cJSON *svc, const cJSON *p, const cJSON *ns,
			   const cJSON *name)
{
	const cJSON *spec = cJSON_GetObjectItem(svc, "spec"), *e;
	const cJSON *pr = cJSON_GetObjectItem(p, "protocol");
	const cJSON *ing = cJSON_GetObjectItem(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(svc, "status"), "loadBalancer"), "ingress");
	struct in_addr a;

	names_add(nm, LB_NODEPORT_VIP, cJSON_GetObjectItem(p, "nodePort"), pr, ns, name);
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(spec, "externalIPs"))
	{
		if (cJSON_IsString(e) && inet_pton(AF_INET, e->valuestring, &a) == 1)
			names_add(nm, a.s_addr, cJSON_GetObjectItem(p, "port"), pr, ns, name);
	}
	cJSON_ArrayForEach(e, ing)
	{
		const cJSON *ip = cJSON_GetObjectItem(e, "ip");

		if (cJSON_IsString(ip) && inet_pton(AF_INET, ip->valuestring, &a) == 1)
			names_add(nm, a.s_addr, cJSON_GetObjectItem(p, "port"), pr, ns, name);
	}
}

/* Best effort: with no reachable API the names stay unknown. */
static void names_load(struct ctl_opts *o, struct names *nm)
{
	struct kconfig kc = {0};
	struct kclient *c;
	struct kresp r = {0};
	cJSON *doc, *it;
	char err[256];

	if (kconfig_load(o->kubeconfig, &kc, err, sizeof(err)))
		return;
	c = kclient_new(&kc);
	if (c) {
		kclient_set_timeout(c, 5000);
		if (!kclient_request(c, "GET", "/api/v1/services", NULL, NULL, 0,
				     "application/json", &r) &&
		    r.status == 200 && (doc = cJSON_ParseWithLength(r.body, r.len))) {
			nm->known = true;
			cJSON_ArrayForEach(it, cJSON_GetObjectItem(doc, "items"))
			{
				const cJSON *md = cJSON_GetObjectItem(it, "metadata");
				const cJSON *spec = cJSON_GetObjectItem(it, "spec");
				const cJSON *ip = cJSON_GetObjectItem(spec, "clusterIP");
				const cJSON *ns = cJSON_GetObjectItem(md, "namespace");
				const cJSON *name = cJSON_GetObjectItem(md, "name");
				const cJSON *p;
				struct in_addr a;

				if (!cJSON_IsString(ip) || !cJSON_IsString(name) ||
				    inet_pton(AF_INET, ip->valuestring, &a) != 1)
					continue;
				cJSON_ArrayForEach(p, cJSON_GetObjectItem(spec, "ports"))
				{
					names_add(nm, a.s_addr, cJSON_GetObjectItem(p, "port"),
						  cJSON_GetObjectItem(p, "protocol"), ns, name);
					names_external(nm, it, p, ns, name);
				}
			}
			cJSON_Delete(doc);
		}
		kresp_free(&r);
		kclient_free(c);
	}
	kconfig_free(&kc);
}

static const struct svc_name *names_find(const struct names *nm, const struct lb4_svc_key *k)
{
	size_t i;

	for (i = 0; i < nm->n; i++)
		if (nm->v[i].vip == k->vip && nm->v[i].port == k->port &&
		    nm->v[i].proto == k->proto)
			return &nm->v[i];
	return NULL;
}

struct svc_row {
	struct lb4_svc_key key;
	struct lb4_svc_val val;
};

struct collect {
	struct svc_row *rows;
	size_t n;
};

static int collect_svc(void *ud, const struct lb4_svc_key *key, const struct lb4_svc_val *val)
{
	struct collect *c = ud;
	struct svc_row *r = realloc(c->rows, (c->n + 1) * sizeof(*r));

	if (!r)
		return -ENOMEM;
	c->rows = r;
	c->rows[c->n].key = *key;
	c->rows[c->n].val = *val;
	c->n++;
	return 0;
}

static int row_cmp(const void *a, const void *b)
{
	const struct lb4_svc_key *x = &((const struct svc_row *)a)->key;
	const struct lb4_svc_key *y = &((const struct svc_row *)b)->key;

	if (x->vip != y->vip)
		return ntohl(x->vip) < ntohl(y->vip) ? -1 : 1;
	if (x->port != y->port)
		return ntohs(x->port) < ntohs(y->port) ? -1 : 1;
	return (int)x->proto - (int)y->proto;
}

/* Table cells: rows of 8 columns, grown as needed. */
struct table {
	char ***cells;
	int rows;
};

static void table_add(struct table *t, const char *c0, const char *c1, const char *c2,
		      const char *c3, const char *c4, const char *c5, const char *c6)
{
	const char *src[7] = {c0, c1, c2, c3, c4, c5, c6};
	char ***cells = realloc(t->cells, (size_t)(t->rows + 1) * sizeof(*cells));
	int i;

	if (!cells)
		return;
	t->cells = cells;
	cells[t->rows] = calloc(7, sizeof(char *));
	if (!cells[t->rows])
		return;
	for (i = 0; i < 7; i++)
		cells[t->rows][i] = strdup(src[i] ? src[i] : "");
	t->rows++;
}

static void table_free(struct table *t)
{
	int r, c;

	for (r = 0; r < t->rows; r++) {
		for (c = 0; c < 7; c++)
			free(t->cells[r][c]);
		free(t->cells[r]);
	}
	free(t->cells);
}

static cJSON *backend_json(uint32_t id, const struct lbmap_backend_info *bi)
{
	cJSON *e = cJSON_CreateObject();
	char ip[INET_ADDRSTRLEN];
	struct in_addr a = {.s_addr = bi->be.addr};

	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	cJSON_AddStringToObject(e, "address", ip);
	cJSON_AddNumberToObject(e, "port", ntohs(bi->be.port));
	cJSON_AddNumberToObject(e, "id", id);
	cJSON_AddStringToObject(e, "state", lbmap_state_name(bi->be.state));
	cJSON_AddBoolToObject(e, "ready", bi->be.state & LB_BE_READY);
	cJSON_AddBoolToObject(e, "serving", bi->be.state & LB_BE_SERVING);
	cJSON_AddBoolToObject(e, "terminating", bi->be.state & LB_BE_TERMINATING);
	cJSON_AddNumberToObject(e, "active", (double)bi->active);
	cJSON_AddNumberToObject(e, "selected", (double)bi->selected);
	return e;
}

/* Does row match the [namespace/]service filter? */
static bool row_wanted(const struct svc_name *sn, const char *f_ns, const char *f_name)
{
	if (!f_name)
		return true;
	return sn && !strcmp(sn->name, f_name) && !strcmp(sn->ns, f_ns);
}

int cmd_backends(int argc, char **argv, struct ctl_opts *o)
{
	const char *pin_dir = BACKENDS_DEFAULT_PIN_DIR, *domain = BACKENDS_DEFAULT_DOMAIN;
	const char *filter = NULL, *f_name = NULL;
	bool ipt = false;
	char f_ns[128] = "";
	struct lbmap_fds fds;
	struct names nm = {0};
	struct collect col = {0};
	struct table t = {0};
	cJSON *out = NULL, *jsvcs = NULL;
	char err[512];
	size_t i;
	int ret = 1, r, shown = 0;

	for (i = 1; i < (size_t)argc; i++) {
		int k = (int)i;
		const char *v;

		if ((v = ctl_flag_value(argc, argv, &k, "--bpf-pin-dir"))) {
			pin_dir = v;
		} else if ((v = ctl_flag_value(argc, argv, &k, "--proxy-mode"))) {
			if (strcmp(v, "bpf") && strcmp(v, "iptables"))
				return ctl_err(o,
					       "invalid argument \"%s\" for \"--proxy-mode\" "
					       "flag: want bpf or iptables",
					       v);
			ipt = !strcmp(v, "iptables");
		} else if ((v = ctl_flag_value(argc, argv, &k, "--cluster-domain"))) {
			domain = v;
		} else if (argv[i][0] == '-') {
			return ctl_err(o, "unknown flag for backends: %s", argv[i]);
		} else if (!filter) {
			filter = argv[i];
		} else {
			return ctl_err(o, "backends takes at most one [namespace/]service");
		}
		i = (size_t)k;
	}
	if (o->help) {
		printf(
		    "Show this node's socket load balancer: every service port with its\n"
		    "endpoints, state, active connections and total selections.\n\n"
		    "usage: skiffctl backends [namespace/service] [--bpf-pin-dir DIR]\n"
		    "       [--cluster-domain DOMAIN] [--proxy-mode bpf|iptables] [-o json|wide]\n"
		    "--proxy-mode iptables: a node in iptables mode, run in its network\n"
		    "namespace (ACTIVE from conntrack, SELECTED from the DNAT rules' counters).\n");
		return 0;
	}
	if (filter) {
		const char *slash = strchr(filter, '/');

		if (slash) {
			snprintf(f_ns, sizeof(f_ns), "%.*s", (int)(slash - filter), filter);
			f_name = slash + 1;
		} else {
			snprintf(f_ns, sizeof(f_ns), "%s", o->ns ? o->ns : "default");
			f_name = filter;
		}
	}

	if (ipt)
		return ctl_backends_ipt(o, f_ns, f_name, domain);
	r = lbmap_open_pinned(pin_dir, &fds, err, sizeof(err));
	if (r)
		return ctl_err(o, "cannot read the load balancer maps: %s", err);
	names_load(o, &nm);
	if (f_name && !nm.known) {
		ret = ctl_err(o, "service names need the API server (kubeconfig), which is not "
				 "reachable");
		goto out;
	}
	r = lbmap_svc_walk(&fds, collect_svc, &col);
	if (r) {
		ret = ctl_err(o, "reading %s/%s: %s", pin_dir, LB_PIN_SVC, strerror(-r));
		goto out;
	}
	qsort(col.rows, col.n, sizeof(*col.rows), row_cmp);

	if (o->out == CTL_OUT_JSON) {
		out = cJSON_CreateObject();
		jsvcs = cJSON_AddArrayToObject(out, "services");
	} else {
		table_add(&t, "SERVICE", "ADDRESS", "DNS NAME", "BACKEND", "STATE", "ACTIVE",
			  "SELECTED");
	}
	for (i = 0; i < col.n; i++) {
		const struct svc_row *row = &col.rows[i];
		const struct svc_name *sn = names_find(&nm, &row->key);
		char addr[80], vaddr[64], name[300] = "-", dns[400] = "-";
		cJSON *js = NULL, *jeps = NULL;
		uint32_t s;

		if (!row_wanted(sn, f_ns, f_name))
			continue;
		shown++;
		if (sn) {
			snprintf(name, sizeof(name), "%s/%s", sn->ns, sn->name);
			snprintf(dns, sizeof(dns), "%s.%s.svc.%s", sn->name, sn->ns, domain);
		}
		if (row->key.vip == LB_NODEPORT_VIP)
			snprintf(vaddr, sizeof(vaddr), "<node>:%u", ntohs(row->key.port));
		else
			lbmap_fmt_addr(row->key.vip, row->key.port, vaddr, sizeof(vaddr));
		snprintf(addr, sizeof(addr), "%s/%s", vaddr, lbmap_proto_name(row->key.proto));
		if (out) {
			js = cJSON_CreateObject();
			cJSON_AddItemToArray(jsvcs, js);
			if (sn) {
				cJSON_AddStringToObject(js, "namespace", sn->ns);
				cJSON_AddStringToObject(js, "name", sn->name);
				cJSON_AddStringToObject(js, "dnsName", dns);
			}
			{
				char ip[INET_ADDRSTRLEN];
				struct in_addr a = {.s_addr = row->key.vip};

				inet_ntop(AF_INET, &a, ip, sizeof(ip));
				cJSON_AddStringToObject(js, "vip", ip);
			}
			cJSON_AddNumberToObject(js, "port", ntohs(row->key.port));
			/* ClusterIP, NodePort (every node address) or External
			 * (an externalIP or LoadBalancer address, the tc path) */
			cJSON_AddStringToObject(js, "frontend",
						!(row->val.flags & LB_SVC_F_EXTERNAL) ? "ClusterIP"
						: row->key.vip == LB_NODEPORT_VIP     ? "NodePort"
										      : "External");
			if (row->val.flags & LB_SVC_F_EXTERNAL)
				cJSON_AddStringToObject(
				    js, "externalTrafficPolicy",
				    row->val.flags & LB_SVC_F_LOCAL ? "Local" : "Cluster");
			cJSON_AddStringToObject(js, "protocol", lbmap_proto_name(row->key.proto));
			cJSON_AddNumberToObject(js, "serviceId", row->val.backend_id);
			cJSON_AddStringToObject(js, "sessionAffinity",
						row->val.flags & LB_SVC_F_AFFINITY ? "ClientIP"
										   : "None");
			cJSON_AddNumberToObject(js, "affinityTimeoutSeconds",
						row->val.affinity_timeout);
			cJSON_AddStringToObject(
			    js, "algorithm",
			    row->val.flags & LB_SVC_F_RANDOM ? "random" : "least-connections");
			cJSON_AddNumberToObject(js, "readyCount", row->val.ready_count);
			jeps = cJSON_AddArrayToObject(js, "endpoints");
		}
		if (!row->val.count && !out)
			table_add(&t, name, addr, dns, "(none)", "-", "-", "-");
		for (s = 1; s <= row->val.count; s++) {
			struct lb4_svc_key k = row->key;
			struct lb4_svc_val v;
			struct lbmap_backend_info bi;
			char act[32], sel[32], baddr[64];

			k.slot = (uint16_t)s;
			if (lbmap_svc_get(&fds, &k, &v) ||
			    lbmap_backend_read(&fds, v.backend_id, &bi))
				continue;
			if (out) {
				cJSON_AddItemToArray(jeps, backend_json(v.backend_id, &bi));
				continue;
			}
			lbmap_fmt_addr(bi.be.addr, bi.be.port, baddr, sizeof(baddr));
			snprintf(act, sizeof(act), "%llu", (unsigned long long)bi.active);
			snprintf(sel, sizeof(sel), "%llu", (unsigned long long)bi.selected);
			table_add(&t, s == 1 ? name : "", s == 1 ? addr : "", s == 1 ? dns : "",
				  baddr, lbmap_state_name(bi.be.state), act, sel);
		}
	}
	if (f_name && !shown) {
		ret = ctl_err(o, "service %s/%s is not programmed on this node", f_ns, f_name);
		goto out;
	}
	if (out) {
		char *s;
		uint64_t ev[LB_STAT_MAX];

		if (lbmap_stats_read(&fds, ev) == 0) {
			cJSON *je = cJSON_AddObjectToObject(out, "events");

			for (i = 0; i < LB_STAT_MAX; i++)
				cJSON_AddNumberToObject(je, lb_stat_names[i], (double)ev[i]);
		}
		s = ctl_json_pretty(out);
		if (s)
			printf("%s\n", s);
		free(s);
	} else {
		ctl_print_table(t.cells, t.rows, 7);
	}
	ret = 0;
out:
	cJSON_Delete(out);
	table_free(&t);
	free(col.rows);
	free(nm.v);
	lbmap_close(&fds);
	return ret;
}
