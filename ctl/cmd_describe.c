/* describe <resource> <name>: kubectl's describe layout. Services get
 * kubectl's full service description (ports with their endpoints, from the
 * Endpoints object or else the EndpointSlices); other resources print
 * their metadata and then spec/status as YAML. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "yamljson.h"

/* kubectl describe's tabwriter pads label columns with 2 spaces. */
#define CTL_DESC_PADDING 2
/* kubectl lists at most this many endpoints per port, then "+ N more...". */
#define CTL_DESC_MAX_EPS 3

/* Lines of "Label:  value"; a NULL label continues the previous one. */
struct ctl_desc {
	char **label, **value;
	int n, cap;
};

static void ctl_desc_add(struct ctl_desc *d, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void ctl_desc_add(struct ctl_desc *d, const char *label, const char *fmt, ...)
{
	va_list ap;
	char *v;

	if (d->n == d->cap) {
		int cap = d->cap ? d->cap * 2 : 32;
		char **l = realloc(d->label, cap * sizeof(char *));

		if (!l)
			return;
		d->label = l;
		l = realloc(d->value, cap * sizeof(char *));
		if (!l)
			return;
		d->value = l;
		d->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&v, fmt, ap) < 0)
		v = NULL;
	va_end(ap);
	d->label[d->n] = label ? strdup(label) : NULL;
	d->value[d->n] = v;
	d->n++;
}

static void ctl_desc_print(struct ctl_desc *d)
{
	int w = 0;

	for (int i = 0; i < d->n; i++)
		if (d->label[i] && (int)strlen(d->label[i]) > w)
			w = (int)strlen(d->label[i]);
	w += CTL_DESC_PADDING;
	for (int i = 0; i < d->n; i++) {
		printf("%-*s%s\n", w, d->label[i] ? d->label[i] : "",
		       d->value[i] ? d->value[i] : "");
		free(d->label[i]);
		free(d->value[i]);
	}
	free(d->label);
	free(d->value);
	memset(d, 0, sizeof(*d));
}

static const char *ctl_s(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *ctl_o(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static int ctl_keycmp(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

/* Sorted children of a map (skip may name one key to leave out). */
static int ctl_sorted(const cJSON *m, const cJSON ***out, const char *skip)
{
	int n = 0;
	const cJSON *c;

	*out = calloc(cJSON_GetArraySize(m) + 1, sizeof(**out));
	if (!*out)
		return 0;
	cJSON_ArrayForEach(c, m)
	{
		if (!skip || strcmp(c->string, skip))
			(*out)[n++] = c;
	}
	qsort(*out, n, sizeof(**out), ctl_keycmp);
	return n;
}

/* "Labels:  a=b" then one "k=v" per continuation line, or "<none>". */
static void ctl_desc_map(struct ctl_desc *d, const char *label, const cJSON *m, const char *skip)
{
	const cJSON **kv;
	int n = ctl_sorted(m, &kv, skip);

	if (!n)
		ctl_desc_add(d, label, "<none>");
	for (int i = 0; i < n; i++)
		ctl_desc_add(d, i ? NULL : label, "%s=%s", kv[i]->string,
			     cJSON_IsString(kv[i]) ? kv[i]->valuestring : "");
	free(kv);
}

/* labels.FormatLabels: "k=v,k2=v2" sorted, or "<none>". */
static char *ctl_format_selector(const cJSON *m)
{
	const cJSON **kv;
	int n = ctl_sorted(m, &kv, NULL);
	size_t len = 1;
	char *s;

	for (int i = 0; i < n; i++)
		len += strlen(kv[i]->string) +
		       (cJSON_IsString(kv[i]) ? strlen(kv[i]->valuestring) : 0) + 2;
	s = calloc(1, len + 8);
	if (s && !n)
		strcpy(s, "<none>");
	for (int i = 0; s && i < n; i++) {
		strcat(s, i ? "," : "");
		strcat(s, kv[i]->string);
		strcat(s, "=");
		strcat(s, cJSON_IsString(kv[i]) ? kv[i]->valuestring : "");
	}
	free(kv);
	return s;
}

/* Strings of an array joined with sep (into a malloc'd string). */
static char *ctl_join(const cJSON *arr, const char *sep, const char *field)
{
	size_t len = 1;
	const cJSON *e;
	char *s;

	cJSON_ArrayForEach(e, arr)
	{
		const cJSON *v = field ? ctl_o(e, field) : e;

		len += (cJSON_IsString(v) ? strlen(v->valuestring) : 0) + strlen(sep);
	}
	s = calloc(1, len);
	cJSON_ArrayForEach(e, arr)
	{
		const cJSON *v = field ? ctl_o(e, field) : e;

		if (!s || !cJSON_IsString(v))
			continue;
		if (s[0])
			strcat(s, sep);
		strcat(s, v->valuestring);
	}
	return s;
}

/* The Endpoints object named after the service, or the same shape built
 * from its EndpointSlices (ready endpoints only, addresses[0]). NULL if
 * neither exists. */
static cJSON *ctl_service_endpoints(struct ctl_opts *o, const char *ns, const char *name)
{
	const struct ctl_resource *ep = ctl_resource_find("endpoints");
	const struct ctl_resource *es = ctl_resource_find("endpointslices");
	char *path = ctl_resource_path(ep, ns, name, NULL), *sel, *full = NULL, lbl[300];
	cJSON *j = NULL, *subsets, *slices, *sl;
	struct kresp resp;

	if (path && !ctl_call(o, "GET", path, NULL, NULL, NULL, &resp)) {
		if (resp.status == 200)
			j = cJSON_Parse(resp.body);
		kresp_free(&resp);
	}
	free(path);
	if (j)
		return j;

	snprintf(lbl, sizeof(lbl), "kubernetes.io/service-name=%s", name);
	sel = kclient_escape(lbl);
	path = ctl_resource_path(es, ns, NULL, NULL);
	if (sel && path && asprintf(&full, "%s?labelSelector=%s", path, sel) < 0)
		full = NULL;
	free(sel);
	free(path);
	if (!full || ctl_call(o, "GET", full, NULL, NULL, NULL, &resp)) {
		free(full);
		return NULL;
	}
	free(full);
	slices = resp.status == 200 ? cJSON_Parse(resp.body) : NULL;
	kresp_free(&resp);
	if (!slices)
		return NULL;
	j = cJSON_CreateObject();
	subsets = cJSON_AddArrayToObject(j, "subsets");
	cJSON_ArrayForEach(sl, ctl_o(slices, "items"))
	{
		cJSON *ss = cJSON_CreateObject(), *addrs = cJSON_AddArrayToObject(ss, "addresses");
		const cJSON *e, *ports = ctl_o(sl, "ports");

		cJSON_ArrayForEach(e, ctl_o(sl, "endpoints"))
		{
			const cJSON *ready = ctl_o(ctl_o(e, "conditions"), "ready");
			const cJSON *a0 = cJSON_GetArrayItem(ctl_o(e, "addresses"), 0);
			cJSON *a;

			/* A missing ready condition means ready. */
			if (cJSON_IsFalse(ready) || !cJSON_IsString(a0))
				continue;
			a = cJSON_CreateObject();
			cJSON_AddStringToObject(a, "ip", a0->valuestring);
			cJSON_AddItemToArray(addrs, a);
		}
		if (cJSON_IsArray(ports))
			cJSON_AddItemToObject(ss, "ports", cJSON_Duplicate(ports, 1));
		cJSON_AddItemToArray(subsets, ss);
	}
	cJSON_Delete(slices);
	return j;
}

/* kubectl's formatEndpoints for one service port name. */
static char *ctl_format_endpoints(const cJSON *eps, const char *port_name)
{
	const cJSON *subsets = ctl_o(eps, "subsets"), *ss;
	char *out = calloc(1, 512);
	int count = 0, listed = 0;
	size_t off = 0;

	if (!out)
		return NULL;
	if (!cJSON_GetArraySize(subsets)) {
		strcpy(out, "<none>");
		return out;
	}
	cJSON_ArrayForEach(ss, subsets)
	{
		const cJSON *ports = ctl_o(ss, "ports"), *p, *a;

		if (!cJSON_GetArraySize(ports)) {
			/* Headless services without ports list bare addresses. */
			cJSON_ArrayForEach(a, ctl_o(ss, "addresses"))
			{
				if (listed < CTL_DESC_MAX_EPS && off < 400) {
					off += snprintf(out + off, 512 - off, "%s%s",
							listed ? "," : "",
							ctl_s(a, "ip") ? ctl_s(a, "ip") : "");
					listed++;
				}
				count++;
			}
			continue;
		}
		cJSON_ArrayForEach(p, ports)
		{
			const char *pn = ctl_s(p, "name") ? ctl_s(p, "name") : "";
			const cJSON *pp = ctl_o(p, "port");

			if (strcmp(pn, port_name))
				continue;
			cJSON_ArrayForEach(a, ctl_o(ss, "addresses"))
			{
				const char *ip = ctl_s(a, "ip") ? ctl_s(a, "ip") : "";

				if (listed < CTL_DESC_MAX_EPS && off < 400) {
					/* net.JoinHostPort brackets IPv6 addresses. */
					off += snprintf(out + off, 512 - off,
							strchr(ip, ':') ? "%s[%s]:%d" : "%s%s:%d",
							listed ? "," : "", ip,
							cJSON_IsNumber(pp) ? pp->valueint : 0);
					listed++;
				}
				count++;
			}
		}
	}
	if (count > listed && off < 480)
		snprintf(out + off, 512 - off, " + %d more...", count - listed);
	return out;
}

/* The object's events (an EventList with items), or NULL if there are
 * none or the server has no events for it. */
static cJSON *ctl_events(struct ctl_opts *o, const char *ns, const char *kind, const char *name,
			 const char *uid)
{
	char sel[600], *esc, *full = NULL;
	struct kresp resp;
	cJSON *j = NULL;

	snprintf(sel, sizeof(sel),
		 "involvedObject.name=%s,involvedObject.namespace=%s,involvedObject.kind=%s%s%s",
		 name, ns ? ns : "", kind, uid ? ",involvedObject.uid=" : "", uid ? uid : "");
	esc = kclient_escape(sel);
	if (esc && asprintf(&full, "/api/v1/namespaces/%s/events?fieldSelector=%s",
			    ns ? ns : "default", esc) < 0)
		full = NULL;
	free(esc);
	if (!full || ctl_call(o, "GET", full, NULL, NULL, NULL, &resp)) {
		free(full);
		return NULL;
	}
	free(full);
	if (resp.status == 200)
		j = cJSON_Parse(resp.body);
	kresp_free(&resp);
	if (j && !cJSON_GetArraySize(ctl_o(j, "items"))) {
		cJSON_Delete(j);
		j = NULL;
	}
	return j;
}

static void ctl_print_events(const cJSON *events)
{
	const cJSON *e;
	int n = cJSON_GetArraySize(ctl_o(events, "items")) + 2, r = 0;
	char ***cells = calloc(n, sizeof(*cells));
	int w[5] = {0};

	if (!cells)
		return;
	cells[r] = calloc(5, sizeof(char *));
	cells[r][0] = strdup("Type"), cells[r][1] = strdup("Reason"), cells[r][2] = strdup("Age");
	cells[r][3] = strdup("From"), cells[r][4] = strdup("Message");
	r++;
	cells[r] = calloc(5, sizeof(char *));
	cells[r][0] = strdup("----"), cells[r][1] = strdup("------"), cells[r][2] = strdup("----");
	cells[r][3] = strdup("----"), cells[r][4] = strdup("-------");
	r++;
	cJSON_ArrayForEach(e, ctl_o(events, "items"))
	{
		const char *ts =
		    ctl_s(e, "lastTimestamp") ? ctl_s(e, "lastTimestamp") : ctl_s(e, "eventTime");
		const char *from = ctl_s(ctl_o(e, "source"), "component");
		char age[32];

		ctl_age(ts, age, sizeof(age));
		cells[r] = calloc(5, sizeof(char *));
		cells[r][0] = strdup(ctl_s(e, "type") ? ctl_s(e, "type") : "");
		cells[r][1] = strdup(ctl_s(e, "reason") ? ctl_s(e, "reason") : "");
		cells[r][2] = strdup(age);
		cells[r][3] = strdup(from ? from : "");
		cells[r][4] = strdup(ctl_s(e, "message") ? ctl_s(e, "message") : "");
		r++;
	}
	for (int i = 0; i < r; i++)
		for (int c = 0; c < 5; c++)
			if ((int)strlen(cells[i][c]) > w[c])
				w[c] = (int)strlen(cells[i][c]);
	printf("Events:\n");
	for (int i = 0; i < r; i++) {
		printf("  ");
		for (int c = 0; c < 5; c++) {
			if (c < 4)
				printf("%-*s", w[c] + CTL_DESC_PADDING, cells[i][c]);
			else
				printf("%s\n", cells[i][c]);
			free(cells[i][c]);
		}
		free(cells[i]);
	}
	free(cells);
}

static void ctl_describe_service(struct ctl_opts *o, const cJSON *svc, struct ctl_desc *d)
{
	const cJSON *md = ctl_o(svc, "metadata"), *spec = ctl_o(svc, "spec"), *p;
	const char *name = ctl_s(md, "name"), *ns = ctl_s(md, "namespace"), *s;
	const char *type = ctl_s(spec, "type") ? ctl_s(spec, "type") : "ClusterIP";
	cJSON *eps = ctl_service_endpoints(o, ns, name);
	const cJSON *ing = ctl_o(ctl_o(ctl_o(svc, "status"), "loadBalancer"), "ingress");
	char *t;

	ctl_desc_add(d, "Name:", "%s", name ? name : "");
	ctl_desc_add(d, "Namespace:", "%s", ns ? ns : "");
	ctl_desc_map(d, "Labels:", ctl_o(md, "labels"), NULL);
	ctl_desc_map(d, "Annotations:", ctl_o(md, "annotations"), CTL_LAST_APPLIED);
	t = ctl_format_selector(ctl_o(spec, "selector"));
	ctl_desc_add(d, "Selector:", "%s", t ? t : "");
	free(t);
	ctl_desc_add(d, "Type:", "%s", type);
	if ((s = ctl_s(spec, "ipFamilyPolicy")))
		ctl_desc_add(d, "IP Family Policy:", "%s", s);
	t = ctl_join(ctl_o(spec, "ipFamilies"), ",", NULL);
	ctl_desc_add(d, "IP Families:", "%s", t && t[0] ? t : "<none>");
	free(t);
	ctl_desc_add(d, "IP:", "%s", ctl_s(spec, "clusterIP") ? ctl_s(spec, "clusterIP") : "");
	if (cJSON_GetArraySize(ctl_o(spec, "clusterIPs"))) {
		t = ctl_join(ctl_o(spec, "clusterIPs"), ",", NULL);
		ctl_desc_add(d, "IPs:", "%s", t ? t : "");
		free(t);
	}
	if (cJSON_GetArraySize(ctl_o(spec, "externalIPs"))) {
		t = ctl_join(ctl_o(spec, "externalIPs"), ",", NULL);
		ctl_desc_add(d, "External IPs:", "%s", t ? t : "");
		free(t);
	}
	if ((s = ctl_s(spec, "loadBalancerIP")) && s[0])
		ctl_desc_add(d, "IP:", "%s", s);
	if ((s = ctl_s(spec, "externalName")) && s[0])
		ctl_desc_add(d, "External Name:", "%s", s);
	if (cJSON_GetArraySize(ing)) {
		const cJSON *e;
		char buf[512] = "";

		cJSON_ArrayForEach(e, ing)
		{
			const char *v = ctl_s(e, "ip") ? ctl_s(e, "ip") : ctl_s(e, "hostname");

			if (v && strlen(buf) + strlen(v) + 3 < sizeof(buf)) {
				strcat(buf, buf[0] ? ", " : "");
				strcat(buf, v);
			}
		}
		ctl_desc_add(d, "LoadBalancer Ingress:", "%s", buf);
	}
	cJSON_ArrayForEach(p, ctl_o(spec, "ports"))
	{
		const char *pn = ctl_s(p, "name") && ctl_s(p, "name")[0] ? ctl_s(p, "name") : NULL;
		const char *proto = ctl_s(p, "protocol") ? ctl_s(p, "protocol") : "TCP";
		const cJSON *port = ctl_o(p, "port"), *tp = ctl_o(p, "targetPort");
		const cJSON *np = ctl_o(p, "nodePort");
		char *epl;

		/* The name and port sit in their own tabwriter column: two spaces. */
		ctl_desc_add(d, "Port:", "%s  %d/%s", pn ? pn : "<unset>",
			     cJSON_IsNumber(port) ? port->valueint : 0, proto);
		if (cJSON_IsString(tp))
			ctl_desc_add(d, "TargetPort:", "%s/%s", tp->valuestring, proto);
		else
			ctl_desc_add(d, "TargetPort:", "%d/%s",
				     cJSON_IsNumber(tp)	    ? tp->valueint
				     : cJSON_IsNumber(port) ? port->valueint
							    : 0,
				     proto);
		if (cJSON_IsNumber(np) && np->valueint)
			ctl_desc_add(d, "NodePort:", "%s  %d/%s", pn ? pn : "<unset>", np->valueint,
				     proto);
		epl = ctl_format_endpoints(eps, pn ? pn : "");
		ctl_desc_add(d, "Endpoints:", "%s", epl ? epl : "<none>");
		free(epl);
	}
	ctl_desc_add(d, "Session Affinity:", "%s",
		     ctl_s(spec, "sessionAffinity") ? ctl_s(spec, "sessionAffinity") : "None");
	if ((s = ctl_s(spec, "externalTrafficPolicy")) && s[0])
		ctl_desc_add(d, "External Traffic Policy:", "%s", s);
	if (cJSON_IsNumber(ctl_o(spec, "healthCheckNodePort")) &&
	    ctl_o(spec, "healthCheckNodePort")->valueint)
		ctl_desc_add(d, "HealthCheck NodePort:", "%d",
			     ctl_o(spec, "healthCheckNodePort")->valueint);
	if (cJSON_GetArraySize(ctl_o(spec, "loadBalancerSourceRanges"))) {
		t = ctl_join(ctl_o(spec, "loadBalancerSourceRanges"), ",", NULL);
		ctl_desc_add(d, "LoadBalancer Source Ranges:", "%s", t ? t : "");
		free(t);
	}
	cJSON_Delete(eps);
}

/* Other kinds: metadata, then every other top-level field as YAML. */
static void ctl_describe_generic(const cJSON *obj, struct ctl_desc *d)
{
	const cJSON *md = ctl_o(obj, "metadata"), *c;

	ctl_desc_add(d, "Name:", "%s", ctl_s(md, "name") ? ctl_s(md, "name") : "");
	if (ctl_s(md, "namespace"))
		ctl_desc_add(d, "Namespace:", "%s", ctl_s(md, "namespace"));
	ctl_desc_map(d, "Labels:", ctl_o(md, "labels"), NULL);
	ctl_desc_map(d, "Annotations:", ctl_o(md, "annotations"), CTL_LAST_APPLIED);
	ctl_desc_add(d, "Kind:", "%s", ctl_s(obj, "kind") ? ctl_s(obj, "kind") : "");
	ctl_desc_add(d, "Created:", "%s",
		     ctl_s(md, "creationTimestamp") ? ctl_s(md, "creationTimestamp") : "<unknown>");
	cJSON_ArrayForEach(c, obj)
	{
		char *y, *line, *save = NULL, label[128];

		if (!strcmp(c->string, "metadata") || !strcmp(c->string, "kind") ||
		    !strcmp(c->string, "apiVersion"))
			continue;
		snprintf(label, sizeof(label), "%c%s:",
			 c->string[0] >= 'a' && c->string[0] <= 'z' ? c->string[0] - 32
								    : c->string[0],
			 c->string + 1);
		if (!cJSON_IsObject(c) && !cJSON_IsArray(c)) {
			char *v =
			    cJSON_IsString(c) ? strdup(c->valuestring) : cJSON_PrintUnformatted(c);

			ctl_desc_add(d, label, "%s", v ? v : "");
			free(v);
			continue;
		}
		y = yamljson_emit(c);
		ctl_desc_add(d, label, "%s", "");
		for (line = y ? strtok_r(y, "\n", &save) : NULL; line;
		     line = strtok_r(NULL, "\n", &save)) {
			ctl_desc_add(d, NULL, "  %s", line);
		}
		free(y);
	}
}

int cmd_describe(int argc, char **argv, struct ctl_opts *o)
{
	const struct ctl_resource *r;
	char *path, *tbuf = NULL;
	const char *rname, *name, *uid;
	struct ctl_desc d = {0};
	struct kresp resp;
	cJSON *obj, *events;
	int rc;

	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-')
			return ctl_err(o, "unknown flag for describe: %s", argv[i]);
	if (argc < 2)
		return ctl_err(o, "you must specify the type of resource to describe "
				  "(describe service NAME)");
	rname = argv[1];
	name = argc > 2 ? argv[2] : NULL;
	if (strchr(rname, '/')) {
		tbuf = strdup(rname);
		*strchr(tbuf, '/') = '\0';
		name = tbuf + strlen(tbuf) + 1;
		rname = tbuf;
	}
	r = ctl_resource_find(rname);
	if (!r) {
		rc = ctl_err(o, "the server doesn't have a resource type \"%s\"", rname);
		goto out;
	}
	if (!name || !name[0] || argc > (tbuf ? 2 : 3)) {
		rc = ctl_err(o, "describe needs exactly one name: describe %s NAME", r->singular);
		goto out;
	}
	if (!ctl_client(o)) {
		rc = 1;
		goto out;
	}
	path = ctl_resource_path(r, r->namespaced ? ctl_namespace(o) : NULL, name, NULL);
	rc = path ? ctl_call(o, "GET", path, NULL, NULL, NULL, &resp) : ctl_err(o, "out of memory");
	free(path);
	if (rc)
		goto out;
	if (resp.status != 200) {
		rc = ctl_err_status(o, resp.status, resp.body, NULL);
		kresp_free(&resp);
		goto out;
	}
	obj = cJSON_Parse(resp.body);
	kresp_free(&resp);
	if (!obj) {
		rc = ctl_err(o, "the server sent an answer that is not JSON");
		goto out;
	}
	if (!strcmp(r->plural, "services"))
		ctl_describe_service(o, obj, &d);
	else
		ctl_describe_generic(obj, &d);
	uid = ctl_s(ctl_o(obj, "metadata"), "uid");
	events = ctl_events(o, r->namespaced ? ctl_namespace(o) : NULL, r->kind, name, uid);
	if (!events)
		ctl_desc_add(&d, "Events:", "<none>");
	ctl_desc_print(&d);
	if (events)
		ctl_print_events(events);
	cJSON_Delete(events);
	cJSON_Delete(obj);
out:
	free(tbuf);
	return rc;
}
