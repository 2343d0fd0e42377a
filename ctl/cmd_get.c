/* get: list or fetch objects; human output from the server's Table
 * (k8s-api.md §5), or the objects as json/yaml/name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* kubectl's Accept for human output: a Table if the server can, else the
 * plain object (then we fall back to NAME/AGE). */
#define CTL_ACCEPT_TABLE                                                                           \
	"application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;"        \
	"g=meta.k8s.io,application/json"

/* Rows collected over one or more responses; row 0 is the header. */
struct ctl_rows {
	char ***cells;
	int n, cap, cols;
};

static void ctl_rows_add(struct ctl_rows *t, char **row)
{
	if (t->n == t->cap) {
		int cap = t->cap ? t->cap * 2 : 16;
		char ***c = realloc(t->cells, cap * sizeof(*c));

		if (!c)
			return;
		t->cells = c;
		t->cap = cap;
	}
	t->cells[t->n++] = row;
}

static void ctl_rows_free(struct ctl_rows *t)
{
	for (int r = 0; r < t->n; r++) {
		for (int c = 0; c < t->cols; c++)
			free(t->cells[r][c]);
		free(t->cells[r]);
	}
	free(t->cells);
}

static char *ctl_cell_text(const cJSON *v)
{
	char buf[64];

	if (cJSON_IsString(v))
		return strdup(v->valuestring);
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		if (d == (double)(long long)d)
			snprintf(buf, sizeof(buf), "%lld", (long long)d);
		else
			snprintf(buf, sizeof(buf), "%g", d);
		return strdup(buf);
	}
	if (cJSON_IsBool(v))
		return strdup(cJSON_IsTrue(v) ? "true" : "false");
	if (!v || cJSON_IsNull(v))
		return strdup("<none>");
	return cJSON_PrintUnformatted(v);
}

static char *ctl_upper(const char *s)
{
	char *u = strdup(s);

	for (char *p = u; p && *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p -= 32;
	return u;
}

static const char *ctl_md_str(const cJSON *obj, const char *key)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(md, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* The cluster DNS zone for the DNS column: $SKIFF_CLUSTER_DOMAIN or the
 * Kubernetes default. */
static const char *ctl_cluster_domain(void)
{
	const char *d = getenv("SKIFF_CLUSTER_DOMAIN");

	return d && *d ? d : "cluster.local";
}

/* Header row (first response only) and rows of a Table response. With -o
 * wide, Services get a DNS column (<name>.<namespace>.svc.<zone>). */
static void ctl_table_rows(const struct ctl_opts *o, const struct ctl_resource *res,
			   const cJSON *table, struct ctl_rows *t)
{
	const cJSON *defs = cJSON_GetObjectItemCaseSensitive(table, "columnDefinitions");
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(table, "rows"), *row, *d;
	bool wide = o->out == CTL_OUT_WIDE;
	bool dns = wide && !strcmp(res->plural, "services");
	int ndefs = cJSON_GetArraySize(defs), ncols = (o->all_ns ? 1 : 0) + (dns ? 1 : 0), i;
	bool *show = calloc(ndefs ? ndefs : 1, sizeof(bool));

	if (!show)
		return;
	i = 0;
	cJSON_ArrayForEach(d, defs)
	{
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(d, "priority");

		/* priority 0 always; higher priorities only with -o wide. */
		show[i] = wide || !cJSON_IsNumber(p) || p->valuedouble == 0;
		ncols += show[i++];
	}
	if (!t->n) {
		char **hdr = calloc(ncols ? ncols : 1, sizeof(char *));
		int c = 0;

		t->cols = ncols;
		if (o->all_ns)
			hdr[c++] = strdup("NAMESPACE");
		i = 0;
		cJSON_ArrayForEach(d, defs)
		{
			const cJSON *nm = cJSON_GetObjectItemCaseSensitive(d, "name");

			if (show[i++])
				hdr[c++] = ctl_upper(cJSON_IsString(nm) ? nm->valuestring : "");
		}
		if (dns)
			hdr[c++] = strdup("DNS");
		ctl_rows_add(t, hdr);
	}
	cJSON_ArrayForEach(row, rows)
	{
		const cJSON *cells = cJSON_GetObjectItemCaseSensitive(row, "cells");
		const cJSON *obj = cJSON_GetObjectItemCaseSensitive(row, "object");
		char **r = calloc(t->cols ? t->cols : 1, sizeof(char *));
		int c = 0;

		if (o->all_ns)
			r[c++] = strdup(ctl_md_str(obj, "namespace"));
		for (i = 0; i < ndefs && c < t->cols - (dns ? 1 : 0); i++)
			if (show[i])
				r[c++] = ctl_cell_text(cJSON_GetArrayItem(cells, i));
		if (dns && c < t->cols) {
			char *name;

			if (asprintf(&name, "%s.%s.svc.%s", ctl_md_str(obj, "name"),
				     ctl_md_str(obj, "namespace"), ctl_cluster_domain()) < 0)
				name = NULL;
			r[c++] = name ? name : strdup("");
		}
		while (c < t->cols)
			r[c++] = strdup("");
		ctl_rows_add(t, r);
	}
	free(show);
}

static void ctl_plain_row(const struct ctl_opts *o, const cJSON *it, struct ctl_rows *t)
{
	char **r = calloc(3, sizeof(char *)), age[32];
	int c = 0;

	if (!r)
		return;
	if (o->all_ns)
		r[c++] = strdup(ctl_md_str(it, "namespace"));
	r[c++] = strdup(ctl_md_str(it, "name"));
	ctl_age(ctl_md_str(it, "creationTimestamp"), age, sizeof(age));
	r[c++] = strdup(age);
	ctl_rows_add(t, r);
}

/* A server that ignores the Table Accept: kubectl prints NAME and AGE. */
static void ctl_plain_rows(const struct ctl_opts *o, const cJSON *resp, struct ctl_rows *t)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(resp, "items"), *it;

	if (!t->n) {
		char **hdr = calloc(3, sizeof(char *));
		int c = 0;

		if (o->all_ns)
			hdr[c++] = strdup("NAMESPACE");
		hdr[c++] = strdup("NAME");
		hdr[c++] = strdup("AGE");
		t->cols = c;
		ctl_rows_add(t, hdr);
	}
	if (!cJSON_IsArray(items)) {
		ctl_plain_row(o, resp, t);
		return;
	}
	cJSON_ArrayForEach(it, items)
	{
		ctl_plain_row(o, it, t);
	}
}

/* For -o json|yaml|name: append the objects of a response to items. */
static void ctl_collect_items(const struct ctl_resource *r, cJSON *resp, cJSON *items)
{
	cJSON *list = cJSON_GetObjectItemCaseSensitive(resp, "items"), *it;

	if (!cJSON_IsArray(list)) {
		cJSON_AddItemToArray(items, cJSON_Duplicate(resp, 1));
		return;
	}
	while ((it = cJSON_DetachItemFromArray(list, 0))) {
		/* List items may lack kind/apiVersion; kubectl fills them in. */
		if (!cJSON_GetObjectItemCaseSensitive(it, "kind"))
			cJSON_AddStringToObject(it, "kind", r->kind);
		if (!cJSON_GetObjectItemCaseSensitive(it, "apiVersion"))
			cJSON_AddStringToObject(it, "apiVersion", r->api_version);
		cJSON_AddItemToArray(items, it);
	}
}

static int ctl_get_usage(struct ctl_opts *o)
{
	return ctl_err(o,
		       "you must specify the type of resource to get, e.g. "
		       "'skiffctl get services [NAME]' (services, endpoints, endpointslices, "
		       "pods, nodes, namespaces, deployments, replicasets, statefulsets, events)");
}

int cmd_get(int argc, char **argv, struct ctl_opts *o)
{
	const struct ctl_resource *r;
	bool human = o->out == CTL_OUT_DEFAULT || o->out == CTL_OUT_WIDE;
	struct ctl_rows t = {0};
	cJSON *items = cJSON_CreateArray();
	char *names_buf = NULL, *sel = NULL;
	const char *ns = NULL, **names = NULL;
	int nnames = 0, rc = 0, i;
	bool single_name = false;

	if (argc < 2) {
		cJSON_Delete(items);
		return ctl_get_usage(o);
	}
	for (i = 2; i < argc; i++) {
		if (argv[i][0] == '-') {
			cJSON_Delete(items);
			return ctl_err(o, "unknown flag for get: %s", argv[i]);
		}
	}
	/* "svc/web" names the type and one object in one word. */
	if (strchr(argv[1], '/')) {
		names_buf = strdup(argv[1]);
		*strchr(names_buf, '/') = '\0';
		r = ctl_resource_find(names_buf);
		if (argc > 2) {
			free(names_buf);
			cJSON_Delete(items);
			return ctl_err(o,
				       "there is no need to specify a resource type as a separate "
				       "argument when passing arguments in resource/name form");
		}
	} else {
		r = ctl_resource_find(argv[1]);
	}
	if (!r) {
		free(names_buf);
		cJSON_Delete(items);
		return ctl_err(o, "the server doesn't have a resource type \"%s\"", argv[1]);
	}
	if (names_buf) {
		names = calloc(1, sizeof(*names));
		names[nnames++] = names_buf + strlen(names_buf) + 1;
	} else if (argc > 2) {
		names = calloc(argc - 2, sizeof(*names));
		for (i = 2; i < argc; i++)
			names[nnames++] = argv[i];
	}
	single_name = nnames > 0;
	if (single_name && o->all_ns) {
		rc = ctl_err(o, "a resource cannot be retrieved by name across all namespaces");
		goto out;
	}
	if (!ctl_client(o)) {
		rc = 1;
		goto out;
	}
	if (r->namespaced && !o->all_ns)
		ns = ctl_namespace(o);
	if (o->selector)
		sel = kclient_escape(o->selector);

	for (i = 0; i < (single_name ? nnames : 1); i++) {
		char *path = ctl_resource_path(r, ns, single_name ? names[i] : NULL, NULL), *full;
		struct kresp resp;
		cJSON *j;

		if (asprintf(&full, "%s%s%s%s", path, single_name ? "" : "?limit=500",
			     sel ? (single_name ? "?" : "&") : "", sel ? "labelSelector=" : "") < 0)
			full = NULL;
		free(path);
		if (full && sel) {
			char *f2;

			if (asprintf(&f2, "%s%s", full, sel) < 0)
				f2 = NULL;
			free(full);
			full = f2;
		}
		if (!full) {
			rc = ctl_err(o, "out of memory");
			goto out;
		}
		rc = ctl_call(o, "GET", full, NULL, NULL,
			      human ? CTL_ACCEPT_TABLE : "application/json", &resp);
		free(full);
		if (rc)
			goto out;
		if (resp.status != 200) {
			rc = ctl_err_status(o, resp.status, resp.body, NULL);
			kresp_free(&resp);
			/* kubectl goes on with the other names, then fails. */
			continue;
		}
		j = cJSON_Parse(resp.body);
		kresp_free(&resp);
		if (!j) {
			rc = ctl_err(o, "the server sent an answer that is not JSON");
			goto out;
		}
		if (!human) {
			ctl_collect_items(r, j, items);
		} else {
			const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "kind");

			if (cJSON_IsString(k) && !strcmp(k->valuestring, "Table"))
				ctl_table_rows(o, r, j, &t);
			else
				ctl_plain_rows(o, j, &t);
		}
		cJSON_Delete(j);
	}

	if (human) {
		if (t.n > 1)
			ctl_print_table(t.cells, t.n, t.cols);
		else if (!rc && !single_name) {
			if (r->namespaced && !o->all_ns)
				fprintf(stderr, "No resources found in %s namespace.\n", ns);
			else
				fprintf(stderr, "No resources found\n");
		}
	} else if (o->out == CTL_OUT_NAME) {
		const cJSON *it;

		cJSON_ArrayForEach(it, items)
		{
			ctl_print_name(it);
		}
	} else if (single_name && nnames == 1) {
		if (cJSON_GetArraySize(items) == 1)
			rc = ctl_print_object(o, cJSON_GetArrayItem(items, 0));
	} else if (!rc) {
		/* Several objects print as one List, as kubectl does. */
		cJSON *list = cJSON_CreateObject();

		cJSON_AddStringToObject(list, "apiVersion", "v1");
		cJSON_AddItemToObject(list, "items", items);
		items = NULL;
		cJSON_AddStringToObject(list, "kind", "List");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(list, "metadata"),
					"resourceVersion", "");
		rc = ctl_print_object(o, list);
		cJSON_Delete(list);
	}
out:
	ctl_rows_free(&t);
	cJSON_Delete(items);
	free(names);
	free(names_buf);
	free(sel);
	return rc;
}
