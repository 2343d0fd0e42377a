/* selector: Kubernetes label and field selectors (see selector.h). This
 * file holds the requirement list, matching and the map helpers; the
 * parsers are in selector_labels.c and selector_fields.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "selector_int.h"

/* ---- requirement list ---- */

static void sel_req_clear(struct sel_req *r)
{
	free(r->key);
	for (size_t i = 0; i < r->nvals; i++)
		free(r->vals[i]);
	free(r->vals);
}

void sel_free(struct selector *sel)
{
	if (!sel)
		return;
	for (size_t i = 0; i < sel->n; i++)
		sel_req_clear(&sel->reqs[i]);
	free(sel->reqs);
	free(sel);
}

/* Append a requirement with no values yet; returns it or NULL on ENOMEM. */
struct sel_req *sel_add(struct selector *sel, const char *key, size_t keylen, enum sel_op op)
{
	struct sel_req *r;

	if (sel->n == sel->cap) {
		size_t cap = sel->cap ? sel->cap * 2 : 4;
		struct sel_req *n = realloc(sel->reqs, cap * sizeof(*n));

		if (!n)
			return NULL;
		sel->reqs = n;
		sel->cap = cap;
	}
	r = &sel->reqs[sel->n];
	memset(r, 0, sizeof(*r));
	r->key = strndup(key, keylen);
	if (!r->key)
		return NULL;
	r->op = op;
	sel->n++;
	return r;
}

int sel_req_add_val(struct sel_req *r, const char *v, size_t len)
{
	char **n = realloc(r->vals, (r->nvals + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	r->vals = n;
	r->vals[r->nvals] = strndup(v, len);
	if (!r->vals[r->nvals])
		return -ENOMEM;
	r->nvals++;
	return 0;
}

/* ---- matching ---- */

static int sel_in(const struct sel_req *r, const char *v)
{
	for (size_t i = 0; i < r->nvals; i++)
		if (!strcmp(r->vals[i], v))
			return 1;
	return 0;
}

/* Requirement.Matches; v is NULL when the object lacks the key. */
bool sel_req_match(const struct sel_req *r, const char *v)
{
	long long a, b;
	char *end;

	switch (r->op) {
	case SEL_EXISTS:
		return v != NULL;
	case SEL_NOT_EXISTS:
		return v == NULL;
	case SEL_EQ:
	case SEL_IN:
		return v && sel_in(r, v);
	case SEL_NE:
	case SEL_NOT_IN:
		return !v || !sel_in(r, v);
	case SEL_GT:
	case SEL_LT:
		if (!v || !*v)
			return false;
		errno = 0;
		a = strtoll(v, &end, 10);
		if (*end || errno)
			return false;
		b = strtoll(r->vals[0], NULL, 10);
		return r->op == SEL_GT ? a > b : a < b;
	}
	return false;
}

/* A label or field value as text: strings as-is, true/false, numbers the
 * way Go prints integral float64s; anything else is the empty string. */
const char *sel_scalar(const cJSON *v, char *buf, size_t len)
{
	if (cJSON_IsString(v) && v->valuestring)
		return v->valuestring;
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v) ? "true" : "false";
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		/* Only cast doubles that fit, exactly, in a long long. */
		if (d >= -9e15 && d <= 9e15 && d == (double)(long long)d)
			snprintf(buf, len, "%lld", (long long)d);
		else
			snprintf(buf, len, "%.17g", d);
		return buf;
	}
	return "";
}

bool sel_match_labels(const struct selector *sel, const cJSON *labels)
{
	char buf[64];

	if (!sel)
		return true;
	for (size_t i = 0; i < sel->n; i++) {
		const struct sel_req *r = &sel->reqs[i];
		const cJSON *l = cJSON_IsObject(labels)
				     ? cJSON_GetObjectItemCaseSensitive(labels, r->key)
				     : NULL;

		if (!sel_req_match(r, l ? sel_scalar(l, buf, sizeof(buf)) : NULL))
			return false;
	}
	return true;
}

/* ---- selectors from maps ---- */

struct sel_kv {
	const char *k;
	const cJSON *v;
};

static int sel_cmp_kv(const void *a, const void *b)
{
	return strcmp(((const struct sel_kv *)a)->k, ((const struct sel_kv *)b)->k);
}

/* The map's string members sorted by key; returns the count or -ENOMEM. */
static int sel_map_sorted(const cJSON *map, struct sel_kv **out)
{
	const cJSON *it;
	size_t n = 0;

	*out = NULL;
	if (!cJSON_IsObject(map))
		return 0;
	cJSON_ArrayForEach(it, map) n++;
	if (!n)
		return 0;
	*out = calloc(n, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	n = 0;
	cJSON_ArrayForEach(it, map)
	{
		if (!it->string)
			continue;
		(*out)[n].k = it->string;
		(*out)[n].v = it;
		n++;
	}
	qsort(*out, n, sizeof(**out), sel_cmp_kv);
	return (int)n;
}

struct selector *sel_from_map(const cJSON *map)
{
	struct selector *sel;
	struct sel_kv *kv;
	char buf[64];
	int n = sel_map_sorted(map, &kv);

	if (n <= 0)
		return NULL;
	sel = calloc(1, sizeof(*sel));
	if (!sel)
		goto fail;
	for (int i = 0; i < n; i++) {
		const char *v = sel_scalar(kv[i].v, buf, sizeof(buf));
		struct sel_req *r = sel_add(sel, kv[i].k, strlen(kv[i].k), SEL_EQ);

		if (!r || sel_req_add_val(r, v, strlen(v)))
			goto fail;
	}
	free(kv);
	return sel;
fail:
	free(kv);
	sel_free(sel);
	return NULL;
}

char *sel_map_string(const cJSON *map)
{
	struct sel_kv *kv;
	char *s = NULL, buf[64];
	size_t len = 0;
	FILE *f;
	int n = sel_map_sorted(map, &kv);

	if (n < 0)
		return NULL;
	f = open_memstream(&s, &len);
	if (!f) {
		free(kv);
		return NULL;
	}
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%s=%s", i ? "," : "", kv[i].k, sel_scalar(kv[i].v, buf, sizeof(buf)));
	free(kv);
	if (fclose(f)) {
		free(s);
		return NULL;
	}
	return s;
}
