/* describe <resource> <name>: kubectl's describe layout. Services get
 * kubectl's full service description (ports with their endpoints, from the
 * Endpoints object or else the EndpointSlices), pods kubectl's pod
 * description (node, status, containers with their state, conditions,
 * volumes, events); other resources print
 * their metadata and then spec/status as YAML. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "json_path.h"
#include "yamljson.h"

/* kubectl describe's tabwriter pads label columns with 2 spaces. */
#define CTL_DESC_PADDING 2
/* kubectl lists at most this many endpoints per port, then "+ N more...". */
#define CTL_DESC_MAX_EPS 3

/* Lines of "Label:  value"; a NULL label continues the previous one, a
 * NULL value (ctl_desc_raw) is a line of its own. */
struct ctl_desc {
	char **label, **value;
	int n, cap;
};

static void ctl_desc_add(struct ctl_desc *d, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Append a line; value (malloc'd, taken) NULL makes it a raw line. */
static void ctl_desc_push(struct ctl_desc *d, const char *label, char *value)
{
	if (d->n == d->cap) {
		int cap = d->cap ? d->cap * 2 : 32;
		char **l = realloc(d->label, cap * sizeof(char *));

		if (!l)
			goto fail;
		d->label = l;
		l = realloc(d->value, cap * sizeof(char *));
		if (!l)
			goto fail;
		d->value = l;
		d->cap = cap;
	}
	d->label[d->n] = label ? strdup(label) : NULL;
	d->value[d->n] = value;
	d->n++;
	return;
fail:
	free(value);
}

static void ctl_desc_add(struct ctl_desc *d, const char *label, const char *fmt, ...)
{
	va_list ap;
	char *v;

	va_start(ap, fmt);
	if (vasprintf(&v, fmt, ap) < 0)
		v = strdup("");
	va_end(ap);
	ctl_desc_push(d, label, v);
}

/* A line without a tab ("Containers:", a command's argument): it is not
 * aligned, and it ends the block of lines aligned together. */
static void ctl_desc_raw(struct ctl_desc *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void ctl_desc_raw(struct ctl_desc *d, const char *fmt, ...)
{
	va_list ap;
	char *v;

	va_start(ap, fmt);
	if (vasprintf(&v, fmt, ap) < 0)
		v = NULL;
	va_end(ap);
	ctl_desc_push(d, v ? v : "", NULL);
	free(v);
}

/* As Go's tabwriter in kubectl: the labels of consecutive tabbed lines
 * share one width (the widest plus the padding); a raw line ends a block. */
static void ctl_desc_print(struct ctl_desc *d)
{
	for (int b = 0; b < d->n;) {
		int e = b, w = 0;

		if (d->label[b] && !d->value[b]) {
			printf("%s\n", d->label[b]);
			b++;
			continue;
		}
		while (e < d->n && !(d->label[e] && !d->value[e])) {
			if (d->label[e] && (int)strlen(d->label[e]) > w)
				w = (int)strlen(d->label[e]);
			e++;
		}
		w += CTL_DESC_PADDING;
		for (; b < e; b++) {
			const char *v = d->value[b] ? d->value[b] : "", *tab = strchr(v, '\t');
			int w2 = 0, k;

			printf("%-*s", w, d->label[b] ? d->label[b] : "");
			if (!tab) {
				printf("%s\n", v);
				continue;
			}
			/* the second column's width: over the consecutive
			 * lines that have one (a tab in their value) */
			for (k = b; k > 0 && d->value[k - 1] && strchr(d->value[k - 1], '\t'); k--)
				;
			for (; k < e && d->value[k] && strchr(d->value[k], '\t'); k++)
				if ((int)(strchr(d->value[k], '\t') - d->value[k]) > w2)
					w2 = (int)(strchr(d->value[k], '\t') - d->value[k]);
			printf("%-*.*s%s\n", w2 + CTL_DESC_PADDING, (int)(tab - v), v, tab + 1);
		}
	}
	for (int i = 0; i < d->n; i++) {
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

static const char *ctl_event_ts(const cJSON *e)
{
	return ctl_s(e, "lastTimestamp") ? ctl_s(e, "lastTimestamp") : ctl_s(e, "eventTime");
}

/* kubectl's order: by lastTimestamp (RFC 3339 strings sort as times); its
 * sort of a few events is an insertion sort, so equal times keep the
 * list's order. */
static void ctl_events_sort(const cJSON **ev, int n)
{
	for (int i = 1; i < n; i++) {
		const cJSON *x = ev[i];
		int j = i;

		while (j > 0 && strcmp(ctl_event_ts(ev[j - 1]) ?: "", ctl_event_ts(x) ?: "") > 0) {
			ev[j] = ev[j - 1];
			j--;
		}
		ev[j] = x;
	}
}

static void ctl_print_events(const cJSON *events)
{
	const cJSON *e, **sorted;
	int n = cJSON_GetArraySize(ctl_o(events, "items")) + 2, r = 0, ne = 0;
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
	sorted = calloc((size_t)n, sizeof(*sorted));
	if (!sorted) {
		free(cells);
		return;
	}
	cJSON_ArrayForEach(e, ctl_o(events, "items")) sorted[ne++] = e;
	ctl_events_sort(sorted, ne);
	for (int k = 0; k < ne; k++) {
		const cJSON *count = cJSON_GetObjectItemCaseSensitive(sorted[k], "count");
		const char *from;
		char age[96], last[32], first[32];

		e = sorted[k];
		from = ctl_s(ctl_o(e, "source"), "component");
		ctl_age(ctl_event_ts(e), last, sizeof(last));
		/* kubectl: "16s (x3 over 27s)" for a repeated event */
		if (cJSON_IsNumber(count) && count->valueint > 1 && ctl_s(e, "firstTimestamp")) {
			ctl_age(ctl_s(e, "firstTimestamp"), first, sizeof(first));
			snprintf(age, sizeof(age), "%s (x%d over %s)", last, count->valueint,
				 first);
		} else {
			snprintf(age, sizeof(age), "%s", last);
		}
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
	free(sorted);
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

/* time.RFC1123Z of an RFC 3339 timestamp, in local time as kubectl. */
static const char *ctl_rfc1123z(const char *ts, char *buf, size_t len)
{
	struct tm tm = {0};
	time_t t;

	if (!ts || !strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(buf, len, "%s", ts ? ts : "<unknown>");
		return buf;
	}
	t = timegm(&tm);
	localtime_r(&t, &tm);
	strftime(buf, len, "%a, %d %b %Y %H:%M:%S %z", &tm);
	return buf;
}

/* kubectl's describeStatus: "State:  Running" and its details. */
static void ctl_desc_state(struct ctl_desc *d, const char *label, const cJSON *st)
{
	const cJSON *r = ctl_o(st, "running"), *w = ctl_o(st, "waiting");
	const cJSON *t = ctl_o(st, "terminated"), *v;
	char tb[64];

	if (r) {
		ctl_desc_add(d, label, "Running");
		ctl_desc_add(d, "      Started:", "%s",
			     ctl_rfc1123z(ctl_s(r, "startedAt"), tb, sizeof(tb)));
	} else if (t) {
		ctl_desc_add(d, label, "Terminated");
		if (ctl_s(t, "reason"))
			ctl_desc_add(d, "      Reason:", "%s", ctl_s(t, "reason"));
		if (ctl_s(t, "message"))
			ctl_desc_add(d, "      Message:", "%s", ctl_s(t, "message"));
		v = ctl_o(t, "exitCode");
		ctl_desc_add(d, "      Exit Code:", "%d", cJSON_IsNumber(v) ? v->valueint : 0);
		v = ctl_o(t, "signal");
		if (cJSON_IsNumber(v) && v->valueint > 0)
			ctl_desc_add(d, "      Signal:", "%d", v->valueint);
		ctl_desc_add(d, "      Started:", "%s",
			     ctl_rfc1123z(ctl_s(t, "startedAt"), tb, sizeof(tb)));
		ctl_desc_add(d, "      Finished:", "%s",
			     ctl_rfc1123z(ctl_s(t, "finishedAt"), tb, sizeof(tb)));
	} else {
		ctl_desc_add(d, label, "Waiting");
		if (w && ctl_s(w, "reason"))
			ctl_desc_add(d, "      Reason:", "%s", ctl_s(w, "reason"));
	}
}

/* "Limits:" / "Requests:" with one "name:  quantity" line each, sorted. */
static void ctl_desc_resources(struct ctl_desc *d, const char *label, const cJSON *m)
{
	const cJSON **kv;
	int n = ctl_sorted(m, &kv, NULL);
	char l[300];

	if (n)
		ctl_desc_raw(d, "    %s", label);
	for (int i = 0; i < n; i++) {
		snprintf(l, sizeof(l), "      %s:", kv[i]->string);
		ctl_desc_add(d, l, "%s", cJSON_IsString(kv[i]) ? kv[i]->valuestring : "");
	}
	free(kv);
}

/* kubectl's describeContainerEnvVars; fieldRef values read from the pod. */
static void ctl_desc_env(struct ctl_desc *d, const cJSON *pod, const cJSON *env)
{
	const cJSON *e;
	char l[300];

	if (!cJSON_GetArraySize(env)) {
		ctl_desc_add(d, "    Environment:", "<none>");
		return;
	}
	ctl_desc_raw(d, "    Environment:");
	cJSON_ArrayForEach(e, env)
	{
		const cJSON *vf = ctl_o(e, "valueFrom"), *f, *opt;
		const char *name = ctl_s(e, "name") ? ctl_s(e, "name") : "";

		snprintf(l, sizeof(l), "      %s:", name);
		if (!vf) {
			ctl_desc_add(d, l, "%s", ctl_s(e, "value") ? ctl_s(e, "value") : "");
		} else if ((f = ctl_o(vf, "fieldRef"))) {
			const char *fp = ctl_s(f, "fieldPath") ? ctl_s(f, "fieldPath") : "";
			/* kubectl resolves only metadata fields (fieldpath.
			 * ExtractFieldPathAsString), labels/annotations by key */
			const char *val = !strncmp(fp, "metadata.", 9) ? json_str(pod, fp) : NULL;

			ctl_desc_add(d, l, "%s (%s:%s)", val ? val : "",
				     ctl_s(f, "apiVersion") ? ctl_s(f, "apiVersion") : "", fp);
		} else if ((f = ctl_o(vf, "resourceFieldRef"))) {
			ctl_desc_add(d, l, "%s (%s)",
				     ctl_s(f, "containerName") ? ctl_s(f, "containerName") : "",
				     ctl_s(f, "resource") ? ctl_s(f, "resource") : "");
		} else if ((f = ctl_o(vf, "secretKeyRef")) || (f = ctl_o(vf, "configMapKeyRef"))) {
			bool sec = ctl_o(vf, "secretKeyRef") != NULL;

			opt = ctl_o(f, "optional");
			ctl_desc_add(d, l, "<set to the key '%s' %s '%s'>\tOptional: %s",
				     ctl_s(f, "key") ? ctl_s(f, "key") : "",
				     sec ? "in secret" : "of config map",
				     ctl_s(f, "name") ? ctl_s(f, "name") : "",
				     cJSON_IsTrue(opt) ? "true" : "false");
		} else {
			ctl_desc_add(d, l, "%s", "");
		}
	}
}

static int ctl_mount_cmp(const void *a, const void *b)
{
	const char *x = ctl_s(*(const cJSON *const *)a, "mountPath");
	const char *y = ctl_s(*(const cJSON *const *)b, "mountPath");

	return strcmp(x ? x : "", y ? y : "");
}

/* "Mounts:" sorted by path: "<path> from <volume> (ro|rw[,path=...])". */
static void ctl_desc_mounts(struct ctl_desc *d, const cJSON *vms)
{
	int n = cJSON_GetArraySize(vms), i = 0;
	const cJSON **m, *v;

	if (!n) {
		ctl_desc_add(d, "    Mounts:", "<none>");
		return;
	}
	m = calloc(n, sizeof(*m));
	if (!m)
		return;
	cJSON_ArrayForEach(v, vms)
	{
		m[i++] = v;
	}
	qsort(m, n, sizeof(*m), ctl_mount_cmp);
	ctl_desc_raw(d, "    Mounts:");
	for (i = 0; i < n; i++) {
		const char *sub = ctl_s(m[i], "subPath");
		char extra[300] = "";

		if (sub && sub[0])
			snprintf(extra, sizeof(extra), ",path=\"%s\"", sub);
		ctl_desc_raw(d, "      %s from %s (%s%s)",
			     ctl_s(m[i], "mountPath") ? ctl_s(m[i], "mountPath") : "",
			     ctl_s(m[i], "name") ? ctl_s(m[i], "name") : "",
			     cJSON_IsTrue(ctl_o(m[i], "readOnly")) ? "ro" : "rw", extra);
	}
	free(m);
}

/* "8080/TCP" for each port, joined with ", " (kubectl's describeContainerPorts). */
static void ctl_desc_ports(struct ctl_desc *d, const cJSON *ports, const char *field,
			   const char *one, const char *many)
{
	char buf[512] = "";
	const cJSON *p;
	int n = 0;
	size_t off = 0;

	cJSON_ArrayForEach(p, ports)
	{
		const cJSON *v = ctl_o(p, field);

		if (off < sizeof(buf) - 40)
			off += snprintf(buf + off, sizeof(buf) - off, "%s%d/%s", n ? ", " : "",
					cJSON_IsNumber(v) ? v->valueint : 0,
					ctl_s(p, "protocol") ? ctl_s(p, "protocol") : "TCP");
		n++;
	}
	ctl_desc_add(d, n > 1 ? many : one, "%s", n ? buf : "<none>");
}

static void ctl_desc_container(struct ctl_desc *d, const cJSON *pod, const cJSON *c,
			       const cJSON *statuses)
{
	const char *name = ctl_s(c, "name") ? ctl_s(c, "name") : "";
	const cJSON *st = NULL, *e, *v;

	cJSON_ArrayForEach(e, statuses)
	{
		if (ctl_s(e, "name") && !strcmp(ctl_s(e, "name"), name))
			st = e;
	}
	ctl_desc_raw(d, "  %s:", name);
	if (st)
		ctl_desc_add(d, "    Container ID:", "%s",
			     ctl_s(st, "containerID") ? ctl_s(st, "containerID") : "");
	ctl_desc_add(d, "    Image:", "%s", ctl_s(c, "image") ? ctl_s(c, "image") : "");
	if (st)
		ctl_desc_add(d, "    Image ID:", "%s",
			     ctl_s(st, "imageID") ? ctl_s(st, "imageID") : "");
	ctl_desc_ports(d, ctl_o(c, "ports"), "containerPort", "    Port:", "    Ports:");
	ctl_desc_ports(d, ctl_o(c, "ports"), "hostPort", "    Host Port:", "    Host Ports:");
	const char *lists[] = {"command", "Command:", "args", "Args:"};
	for (int k = 0; k < 4; k += 2) {
		if (!cJSON_GetArraySize(ctl_o(c, lists[k])))
			continue;
		ctl_desc_raw(d, "    %s", lists[k + 1]);
		cJSON_ArrayForEach(e, ctl_o(c, lists[k]))
		{
			char *dup = cJSON_IsString(e) ? strdup(e->valuestring) : NULL, *save, *ln;

			/* one line per line of a multi-line argument, as kubectl */
			for (ln = dup ? strtok_r(dup, "\n", &save) : NULL; ln;
			     ln = strtok_r(NULL, "\n", &save))
				ctl_desc_raw(d, "      %s", ln);
			free(dup);
		}
	}
	if (st) {
		ctl_desc_state(d, "    State:", ctl_o(st, "state"));
		if (ctl_o(ctl_o(st, "lastState"), "terminated"))
			ctl_desc_state(d, "    Last State:", ctl_o(st, "lastState"));
		ctl_desc_add(d, "    Ready:", "%s",
			     cJSON_IsTrue(ctl_o(st, "ready")) ? "True" : "False");
		v = ctl_o(st, "restartCount");
		ctl_desc_add(d, "    Restart Count:", "%d", cJSON_IsNumber(v) ? v->valueint : 0);
	}
	ctl_desc_resources(d, "Limits:", json_at(c, "resources.limits"));
	ctl_desc_resources(d, "Requests:", json_at(c, "resources.requests"));
	ctl_desc_env(d, pod, ctl_o(c, "env"));
	ctl_desc_mounts(d, ctl_o(c, "volumeMounts"));
}

/* kubectl's describeVolumes for the kinds this cluster runs. */
static void ctl_desc_volumes(struct ctl_desc *d, const cJSON *vols)
{
	const cJSON *v, *t;

	if (!cJSON_GetArraySize(vols)) {
		ctl_desc_add(d, "Volumes:", "<none>");
		return;
	}
	ctl_desc_raw(d, "Volumes:");
	cJSON_ArrayForEach(v, vols)
	{
		ctl_desc_raw(d, "  %s:", ctl_s(v, "name") ? ctl_s(v, "name") : "");
		if ((t = ctl_o(v, "hostPath"))) {
			ctl_desc_add(d, "    Type:", "HostPath (bare host directory volume)");
			ctl_desc_add(d, "    Path:", "%s",
				     ctl_s(t, "path") ? ctl_s(t, "path") : "");
			ctl_desc_add(d, "    HostPathType:", "%s",
				     ctl_s(t, "type") ? ctl_s(t, "type") : "<none>");
		} else if ((t = ctl_o(v, "emptyDir"))) {
			ctl_desc_add(
			    d, "    Type:",
			    "EmptyDir (a temporary directory that shares a pod's lifetime)");
			ctl_desc_add(d, "    Medium:", "%s",
				     ctl_s(t, "medium") ? ctl_s(t, "medium") : "");
			ctl_desc_add(d, "    SizeLimit:", "%s",
				     ctl_s(t, "sizeLimit") ? ctl_s(t, "sizeLimit") : "<unset>");
		} else if ((t = ctl_o(v, "secret"))) {
			ctl_desc_add(d, "    Type:", "Secret (a volume populated by a Secret)");
			ctl_desc_add(d, "    SecretName:", "%s",
				     ctl_s(t, "secretName") ? ctl_s(t, "secretName") : "");
			ctl_desc_add(d, "    Optional:", "%s",
				     cJSON_IsTrue(ctl_o(t, "optional")) ? "true" : "false");
		} else if ((t = ctl_o(v, "configMap"))) {
			ctl_desc_add(d,
				     "    Type:", "ConfigMap (a volume populated by a ConfigMap)");
			ctl_desc_add(d, "    Name:", "%s",
				     ctl_s(t, "name") ? ctl_s(t, "name") : "");
			ctl_desc_add(d, "    Optional:", "%s",
				     cJSON_IsTrue(ctl_o(t, "optional")) ? "true" : "false");
		} else if (ctl_o(v, "projected")) {
			ctl_desc_add(d, "    Type:",
				     "Projected (a volume that contains injected "
				     "data from multiple sources)");
		} else {
			ctl_desc_add(d, "    Type:", "<unknown>");
		}
	}
}

static int ctl_toleration_cmp(const void *a, const void *b)
{
	const char *x = ctl_s(*(const cJSON *const *)a, "key");
	const char *y = ctl_s(*(const cJSON *const *)b, "key");

	return strcmp(x ? x : "", y ? y : "");
}

/* kubectl's describePod. */
static void ctl_describe_pod(const cJSON *pod, struct ctl_desc *d)
{
	const cJSON *md = ctl_o(pod, "metadata"), *spec = ctl_o(pod, "spec");
	const cJSON *st = ctl_o(pod, "status"), *c, *e, *pr;
	const char *node = ctl_s(spec, "nodeName"), *sa = ctl_s(spec, "serviceAccountName");
	char tb[64];

	ctl_desc_add(d, "Name:", "%s", ctl_s(md, "name") ? ctl_s(md, "name") : "");
	ctl_desc_add(d, "Namespace:", "%s", ctl_s(md, "namespace") ? ctl_s(md, "namespace") : "");
	pr = ctl_o(spec, "priority");
	if (cJSON_IsNumber(pr))
		ctl_desc_add(d, "Priority:", "%d", pr->valueint);
	if (ctl_s(spec, "priorityClassName"))
		ctl_desc_add(d, "Priority Class Name:", "%s", ctl_s(spec, "priorityClassName"));
	if (sa && sa[0])
		ctl_desc_add(d, "Service Account:", "%s", sa);
	if (node && node[0])
		ctl_desc_add(d, "Node:", "%s/%s", node,
			     ctl_s(st, "hostIP") ? ctl_s(st, "hostIP") : "");
	else
		ctl_desc_add(d, "Node:", "<none>");
	if (ctl_s(st, "startTime"))
		ctl_desc_add(d, "Start Time:", "%s",
			     ctl_rfc1123z(ctl_s(st, "startTime"), tb, sizeof(tb)));
	ctl_desc_map(d, "Labels:", ctl_o(md, "labels"), NULL);
	ctl_desc_map(d, "Annotations:", ctl_o(md, "annotations"), CTL_LAST_APPLIED);
	if (ctl_s(md, "deletionTimestamp")) {
		const cJSON *g = ctl_o(md, "deletionGracePeriodSeconds");

		ctl_desc_add(d, "Status:", "Terminating (lasts %s)",
			     ctl_rfc1123z(ctl_s(md, "deletionTimestamp"), tb, sizeof(tb)));
		ctl_desc_add(d, "Termination Grace Period:", "%ds",
			     cJSON_IsNumber(g) ? g->valueint : 0);
	} else {
		ctl_desc_add(d, "Status:", "%s", ctl_s(st, "phase") ? ctl_s(st, "phase") : "");
	}
	if (ctl_s(st, "reason") && ctl_s(st, "reason")[0])
		ctl_desc_add(d, "Reason:", "%s", ctl_s(st, "reason"));
	if (ctl_s(st, "message") && ctl_s(st, "message")[0])
		ctl_desc_add(d, "Message:", "%s", ctl_s(st, "message"));
	ctl_desc_add(d, "IP:", "%s", ctl_s(st, "podIP") ? ctl_s(st, "podIP") : "");
	if (!cJSON_GetArraySize(ctl_o(st, "podIPs"))) {
		ctl_desc_add(d, "IPs:", "<none>");
	} else {
		ctl_desc_raw(d, "IPs:");
		cJSON_ArrayForEach(e, ctl_o(st, "podIPs"))
		{
			ctl_desc_add(d, "  IP:", "%s", ctl_s(e, "ip") ? ctl_s(e, "ip") : "");
		}
	}
	const char *groups[] = {"initContainers", "Init Containers:", "initContainerStatuses",
				"containers",	  "Containers:",      "containerStatuses"};
	for (int g = 0; g < 6; g += 3) {
		if (g == 0 && !cJSON_GetArraySize(ctl_o(spec, groups[g])))
			continue;
		ctl_desc_raw(d, "%s", groups[g + 1]);
		cJSON_ArrayForEach(c, ctl_o(spec, groups[g]))
		{
			ctl_desc_container(d, pod, c, ctl_o(st, groups[g + 2]));
		}
	}
	if (cJSON_GetArraySize(ctl_o(st, "conditions"))) {
		ctl_desc_raw(d, "Conditions:");
		ctl_desc_add(d, "  Type", "Status");
		cJSON_ArrayForEach(e, ctl_o(st, "conditions"))
		{
			char l[128];

			snprintf(l, sizeof(l), "  %s ", ctl_s(e, "type") ? ctl_s(e, "type") : "");
			ctl_desc_add(d, l, "%s ", ctl_s(e, "status") ? ctl_s(e, "status") : "");
		}
	}
	ctl_desc_volumes(d, ctl_o(spec, "volumes"));
	ctl_desc_add(d, "QoS Class:", "%s", ctl_s(st, "qosClass") ? ctl_s(st, "qosClass") : "");
	ctl_desc_map(d, "Node-Selectors:", ctl_o(spec, "nodeSelector"), NULL);
	if (!cJSON_GetArraySize(ctl_o(spec, "tolerations"))) {
		ctl_desc_add(d, "Tolerations:", "<none>");
	} else {
		int n = cJSON_GetArraySize(ctl_o(spec, "tolerations")), i = 0;
		const cJSON **tl = calloc(n, sizeof(*tl));

		cJSON_ArrayForEach(e, ctl_o(spec, "tolerations"))
		{
			if (tl)
				tl[i++] = e;
		}
		/* kubectl sorts them by key */
		if (tl)
			qsort(tl, n, sizeof(*tl), ctl_toleration_cmp);
		for (i = 0; tl && i < n; i++) {
			const cJSON *e = tl[i];
			const char *k = ctl_s(e, "key"), *op = ctl_s(e, "operator");
			const char *val = ctl_s(e, "value"), *eff = ctl_s(e, "effect");
			const cJSON *ts = ctl_o(e, "tolerationSeconds");
			char ex[64] = "";

			if (cJSON_IsNumber(ts))
				snprintf(ex, sizeof(ex), " for %ds", ts->valueint);
			/* kubectl: key[=value][:effect] op=Exists, "for Ns" */
			ctl_desc_add(d, i ? NULL : "Tolerations:", "%s%s%s%s%s%s%s", k ? k : "",
				     val && val[0] ? "=" : "", val ? val : "",
				     eff && eff[0] ? ":" : "", eff ? eff : "",
				     op && !strcmp(op, "Exists") ? " op=Exists" : "", ex);
		}
		free(tl);
	}
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
	else if (!strcmp(r->plural, "pods"))
		ctl_describe_pod(obj, &d);
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
