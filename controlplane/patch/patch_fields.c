/* patch_fields: field sets, list item names, the shape of an object and
 * metadata.managedFields in FieldsV1 (see patch_fields.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "patch.h"
#include "patch_fields.h"
#include "patch_idx.h"
#include "patch_schema.h"

int ssa_fail(struct ssa *s, int rc, const char *fmt, const char *arg)
{
	if (s->err && s->errlen)
		snprintf(s->err, s->errlen, fmt, arg);
	return rc;
}

/* The work budget (PATCH_WORK_FACTOR per node) is spent. */
int ssa_expensive(struct ssa *s)
{
	char msg[200];

	patch_budget_err(&s->work, msg, sizeof(msg));
	return ssa_fail(s, -E2BIG, "%s", msg);
}

/* ---- field sets ---- */

int fset_add(struct ssa *s, struct fset *f, const char *path, size_t len)
{
	char *c;

	if (len + 1 > s->path_bytes)
		return ssa_fail(s, -E2BIG, "%s",
				"the object has too many fields to track their managers");
	s->path_bytes -= len + 1;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		char **p = realloc(f->p, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		f->p = p;
		f->cap = cap;
	}
	c = strndup(path, len);
	if (!c)
		return -ENOMEM;
	f->p[f->n++] = c;
	return 0;
}

void fset_free(struct fset *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->p[i]);
	free(f->p);
	*f = (struct fset){0};
}

static int fset_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort and drop repeats. */
void fset_norm(struct fset *f)
{
	size_t j = 0;

	if (f->n > 1)
		qsort(f->p, f->n, sizeof(*f->p), fset_cmp);
	for (size_t i = 0; i < f->n; i++) {
		if (j && !strcmp(f->p[j - 1], f->p[i]))
			free(f->p[i]);
		else
			f->p[j++] = f->p[i];
	}
	f->n = j;
}

/* Index of the first path >= p. */
static size_t fset_lower(const struct fset *f, const char *p)
{
	size_t lo = 0, hi = f->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(f->p[mid], p) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool fset_has(const struct fset *f, const char *p)
{
	size_t i = fset_lower(f, p);

	return i < f->n && !strcmp(f->p[i], p);
}

/* Does f hold p or a path below it? */
bool fset_covers(const struct fset *f, const char *p)
{
	size_t i = fset_lower(f, p), n = strlen(p);

	return i < f->n && !strncmp(f->p[i], p, n) && (!f->p[i][n] || f->p[i][n] == SSA_SEP);
}

/* f minus the paths in g (both normalized), in place. */
void fset_minus(struct fset *f, const struct fset *g)
{
	size_t j = 0;

	for (size_t i = 0; i < f->n; i++) {
		if (fset_has(g, f->p[i]))
			free(f->p[i]);
		else
			f->p[j++] = f->p[i];
	}
	f->n = j;
}

/* Add g's paths to f (normalized again). */
int fset_union(struct ssa *s, struct fset *f, const struct fset *g)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < g->n; i++)
		rc = fset_add(s, f, g->p[i], strlen(g->p[i]));
	fset_norm(f);
	return rc;
}

/* ---- the shape of an object (patch_schema) ---- */

enum ssa_list ssa_list_type(const struct ssa *s, const char *dotted, const char **key)
{
	if (!patch_schema_merge_list(s->o->kind, dotted, key))
		return SSA_ATOMIC;
	return *key ? SSA_MAP : SSA_SET;
}

/* Selectors are atomic upstream (LabelSelector is +structType=atomic, the
 * selector maps of Service, ReplicationController and nodeSelector are
 * +mapType=atomic): one manager owns the whole selector. */
bool ssa_atomic_object(const char *dotted)
{
	static const char *const names[] = {"selector", "labelSelector", "namespaceSelector",
					    "nodeSelector"};
	const char *last = strrchr(dotted, '.');

	last = last ? last + 1 : dotted;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(last, names[i]))
			return true;
	return false;
}

/* Upstream keys the port lists by two fields (x-kubernetes-list-map-keys
 * port+protocol, containerPort+protocol) where strategic merge uses the
 * first only; protocol defaults to TCP there, as in the item's defaults. */
static const char *ssa_second_key(const char *dotted, const char *key)
{
	size_t n = strlen(dotted);

	if ((!strcmp(key, "port") || !strcmp(key, "containerPort")) && n >= 5 &&
	    !strcmp(dotted + n - 5, "ports"))
		return "protocol";
	return NULL;
}

/* Is a top-level member outside what the write owns (status on the main
 * resource, everything but status through /status)? TypeMeta is inside. */
bool ssa_out_of_scope(const struct ssa *s, const char *key)
{
	if (s->o->scope == PATCH_SSA_STATUS)
		return strcmp(key, "status") && strcmp(key, "apiVersion") && strcmp(key, "kind");
	return s->o->scope == PATCH_SSA_NO_STATUS && !strcmp(key, "status");
}

/* Fields the server sets, which nobody manages (upstream's stripMeta), and
 * the part of the object the write does not own (status on the main
 * resource, everything but status on /status). depth is the parent's. */
bool ssa_skip(const struct ssa *s, int depth, const char *dotted, const char *key)
{
	static const char *const meta[] = {"name",
					   "namespace",
					   "uid",
					   "resourceVersion",
					   "generation",
					   "creationTimestamp",
					   "selfLink",
					   "managedFields",
					   "deletionTimestamp",
					   "deletionGracePeriodSeconds",
					   "clusterName"};

	if (depth == 0)
		return !strcmp(key, "apiVersion") || !strcmp(key, "kind") ||
		       ssa_out_of_scope(s, key);
	if (depth == 1 && !strcmp(dotted, "metadata"))
		for (size_t i = 0; i < sizeof(meta) / sizeof(meta[0]); i++)
			if (!strcmp(key, meta[i]))
				return true;
	return false;
}

/* ---- path building ---- */

int ssa_push_elem(struct buf *path, const char *elem)
{
	if (path->len && buf_puts(path, SSA_SEPS))
		return -ENOMEM;
	return buf_puts(path, elem);
}

/* Descend into member key: "f:key" on the path, ".key" on the dotted path. */
int ssa_push_field(struct buf *path, struct buf *dotted, const char *key)
{
	if ((path->len && buf_puts(path, SSA_SEPS)) || buf_puts(path, "f:") || buf_puts(path, key))
		return -ENOMEM;
	if ((dotted->len && buf_puts(dotted, ".")) || buf_puts(dotted, key))
		return -ENOMEM;
	return 0;
}

/* ---- list items ---- */

void ssa_items_free(struct ssa_item *it, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(it[i].elem);
	free(it);
}

int ssa_item_cmp(const void *a, const void *b)
{
	const struct ssa_item *x = a, *y = b;
	int c = strcmp(x->elem, y->elem);

	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/* The element naming item in a list of type lt keyed by key, malloc'd;
 * NULL with *rc set when the item cannot be named. */
static char *ssa_item_elem(struct ssa *s, const cJSON *item, enum ssa_list lt, const char *key,
			   const char *dotted, int *rc)
{
	const char *k2 = key ? ssa_second_key(dotted, key) : NULL;
	cJSON *ko;
	char *txt, *out;
	const cJSON *v;

	if (lt == SSA_SET) {
		txt = cJSON_PrintUnformatted(item);
		out = txt ? malloc(strlen(txt) + 3) : NULL;
		if (out)
			sprintf(out, "v:%s", txt);
		free(txt);
		*rc = out ? 0 : -ENOMEM;
		return out;
	}
	v = cJSON_GetObjectItemCaseSensitive(item, key);
	if (!cJSON_IsObject(item) || !v || cJSON_IsNull(v)) {
		*rc = ssa_fail(s, -EINVAL,
			       "associative list with keys has an element that omits key field "
			       "\"%s\" (and doesn't have default value)",
			       key);
		return NULL;
	}
	ko = cJSON_CreateObject();
	if (!ko || !cJSON_AddItemToObject(ko, key, cJSON_Duplicate(v, true))) {
		cJSON_Delete(ko);
		*rc = -ENOMEM;
		return NULL;
	}
	if (k2) {
		const cJSON *v2 = cJSON_GetObjectItemCaseSensitive(item, k2);

		if (!cJSON_AddItemToObject(
			ko, k2, v2 ? cJSON_Duplicate(v2, true) : cJSON_CreateString("TCP"))) {
			cJSON_Delete(ko);
			*rc = -ENOMEM;
			return NULL;
		}
	}
	txt = cJSON_PrintUnformatted(ko);
	cJSON_Delete(ko);
	out = txt ? malloc(strlen(txt) + 3) : NULL;
	if (out)
		sprintf(out, "k:%s", txt);
	free(txt);
	*rc = out ? 0 : -ENOMEM;
	return out;
}

/* Name every item of a merged list, in list order (*it NULL for an empty
 * list). -EINVAL when an item cannot be named or two items share a name
 * (upstream's "duplicate entries for key"): callers treat such a list as
 * atomic unless it is the applied configuration. */
int ssa_items(struct ssa *s, const cJSON *list, enum ssa_list lt, const char *key,
	      const char *dotted, struct ssa_item **itp, size_t *np)
{
	size_t n = (size_t)cJSON_GetArraySize(list), i = 0;
	struct ssa_item *it = NULL, *sorted = NULL;
	const cJSON *c;
	int rc = 0;

	*itp = NULL;
	*np = 0;
	if (!n)
		return 0;
	if (!patch_spend(&s->work, n))
		return ssa_expensive(s);
	it = calloc(n, sizeof(*it));
	sorted = calloc(n, sizeof(*sorted));
	if (!it || !sorted) {
		rc = -ENOMEM;
		goto out;
	}
	cJSON_ArrayForEach(c, list)
	{
		it[i].pos = i;
		it[i].elem = ssa_item_elem(s, c, lt, key, dotted, &rc);
		if (!it[i++].elem)
			goto out;
	}
	memcpy(sorted, it, n * sizeof(*it));
	qsort(sorted, n, sizeof(*sorted), ssa_item_cmp);
	for (i = 1; i < n; i++) {
		if (!strcmp(sorted[i - 1].elem, sorted[i].elem)) {
			rc = ssa_fail(s, -EINVAL, "%s: duplicate entries for key", dotted);
			goto out;
		}
	}
	*itp = it;
	*np = n;
	it = NULL;
out:
	if (it)
		ssa_items_free(it, n);
	free(sorted);
	return rc;
}

/* The item of items named elem, or -1 (items sorted by elem). */
long ssa_item_find(const struct ssa_item *sorted, size_t n, const char *elem)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(sorted[mid].elem, elem);

		if (!c)
			return (long)sorted[mid].pos;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* ---- managedFields ---- */

void ssa_mgrs_free(struct ssa_mgrs *ms)
{
	for (size_t i = 0; i < ms->n; i++) {
		free(ms->m[i].manager);
		free(ms->m[i].operation);
		free(ms->m[i].api_version);
		free(ms->m[i].time);
		free(ms->m[i].subresource);
		fset_free(&ms->m[i].set);
	}
	free(ms->m);
	*ms = (struct ssa_mgrs){0};
}

/* FieldsV1 node v at path into set. */
static int ssa_fv1_read(struct ssa *s, const cJSON *v, struct buf *path, struct fset *set)
{
	const cJSON *c;
	int rc = 0;

	if (!v->child)
		return path->len ? fset_add(s, set, bstr(path), path->len) : 0;
	cJSON_ArrayForEach(c, v)
	{
		size_t pl = path->len;

		if (!c->string || !cJSON_IsObject(c))
			continue;
		if (!strcmp(c->string, ".")) {
			rc = path->len ? fset_add(s, set, bstr(path), path->len) : 0;
		} else {
			rc = ssa_push_elem(path, c->string);
			if (!rc)
				rc = ssa_fv1_read(s, c, path, set);
			path->len = pl;
			path->p[pl] = 0;
		}
		if (rc)
			return rc;
	}
	return 0;
}

static char *ssa_dupstr(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return strdup(cJSON_IsString(v) ? v->valuestring : "");
}

/* The entries of obj's metadata.managedFields. Entries that are not
 * FieldsV1 are dropped (upstream resets managed fields it cannot decode). */
int ssa_mgrs_read(struct ssa *s, const cJSON *obj, struct ssa_mgrs *ms)
{
	const cJSON *mf = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "managedFields");
	size_t n = (size_t)cJSON_GetArraySize(mf);
	const cJSON *e;
	int rc = 0;

	*ms = (struct ssa_mgrs){0};
	if (!cJSON_IsArray(mf) || !n)
		return 0;
	ms->m = calloc(n, sizeof(*ms->m));
	if (!ms->m)
		return -ENOMEM;
	cJSON_ArrayForEach(e, mf)
	{
		const cJSON *ft = cJSON_GetObjectItemCaseSensitive(e, "fieldsType");
		const cJSON *fv = cJSON_GetObjectItemCaseSensitive(e, "fieldsV1");
		struct ssa_mgr *m = &ms->m[ms->n];
		struct buf path = {0};

		if (!cJSON_IsString(ft) || strcmp(ft->valuestring, "FieldsV1") ||
		    !cJSON_IsObject(fv))
			continue;
		ms->n++;
		m->manager = ssa_dupstr(e, "manager");
		m->operation = ssa_dupstr(e, "operation");
		m->api_version = ssa_dupstr(e, "apiVersion");
		m->time = ssa_dupstr(e, "time");
		m->subresource = ssa_dupstr(e, "subresource");
		if (!m->manager || !m->operation || !m->api_version || !m->time || !m->subresource)
			rc = -ENOMEM;
		if (!rc)
			rc = ssa_fv1_read(s, fv, &path, &m->set);
		buf_free(&path);
		if (rc)
			return rc;
		fset_norm(&m->set);
	}
	return 0;
}

struct ssa_mgr *ssa_mgr_find(struct ssa_mgrs *ms, const char *manager, const char *op,
			     const char *sub)
{
	for (size_t i = 0; i < ms->n; i++)
		if (!strcmp(ms->m[i].manager, manager) && !strcmp(ms->m[i].operation, op) &&
		    !strcmp(ms->m[i].subresource, sub))
			return &ms->m[i];
	return NULL;
}

/* The entry of this write's manager, added (empty, stamped now) if new. */
struct ssa_mgr *ssa_mgr_get(struct ssa *s, struct ssa_mgrs *ms, const char *op)
{
	const struct patch_ssa *o = s->o;
	struct ssa_mgr *m = ssa_mgr_find(ms, o->manager, op, o->subresource), *nm;

	if (m)
		return m;
	nm = realloc(ms->m, (ms->n + 1) * sizeof(*nm));
	if (!nm)
		return NULL;
	ms->m = nm;
	m = &ms->m[ms->n++];
	*m = (struct ssa_mgr){.manager = strdup(o->manager),
			      .operation = strdup(op),
			      .api_version = strdup(o->api_version),
			      .time = strdup(o->now),
			      .subresource = strdup(o->subresource)};
	if (!m->manager || !m->operation || !m->api_version || !m->time || !m->subresource)
		return NULL;
	return m;
}

static int ssa_set_str(char **dst, const char *v)
{
	char *c = strdup(v);

	if (!c)
		return -ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

int ssa_mgr_stamp(struct ssa_mgr *m, const struct patch_ssa *o)
{
	int rc = ssa_set_str(&m->time, o->now);

	return rc ? rc : ssa_set_str(&m->api_version, o->api_version);
}

/* FieldsV1 of a normalized set. */
static cJSON *ssa_fv1_write(const struct fset *f)
{
	cJSON *root = cJSON_CreateObject();

	for (size_t i = 0; root && i < f->n; i++) {
		char *p = strdup(f->p[i]), *tok, *save = NULL;
		cJSON *node = root;
		bool fresh = false; /* node was created for this path */

		if (!p)
			goto oom;
		for (tok = strtok_r(p, SSA_SEPS, &save); tok;
		     tok = strtok_r(NULL, SSA_SEPS, &save)) {
			cJSON *last = node->child ? node->child->prev : NULL;

			if (last && !strcmp(last->string, tok)) {
				node = last;
				continue;
			}
			/* a member that gets members below it is marked "." */
			if (node != root && !fresh && !node->child &&
			    !cJSON_AddItemToObject(node, ".", cJSON_CreateObject()))
				break;
			last = cJSON_CreateObject();
			if (!cJSON_AddItemToObject(node, tok, last))
				break;
			node = last;
			fresh = true;
		}
		free(p);
		if (tok)
			goto oom;
	}
	return root;
oom:
	cJSON_Delete(root);
	return NULL;
}

int ssa_mgr_cmp(const void *a, const void *b)
{
	const struct ssa_mgr *p = a, *q = b;
	int c = strcmp(p->operation, q->operation);

	if (!c)
		c = strcmp(p->time, q->time);
	if (!c)
		c = strcmp(p->manager, q->manager);
	if (!c)
		c = strcmp(p->api_version, q->api_version);
	return c ? c : strcmp(p->subresource, q->subresource);
}

/* Every new fieldManager adds an Update entry: beyond
 * PATCH_SSA_MAX_UPDATE_MANAGERS the oldest are merged into one entry named
 * "ancient-changes" (upstream's capManagersManager), so that writers with
 * ever new names cannot grow an object past its size limit. */
static int ssa_cap_updates(struct ssa *s, struct ssa_mgrs *ms)
{
	struct ssa_mgr *bucket = NULL;
	size_t n = 0;
	int rc = 0;

	if (ms->n > 1)
		qsort(ms->m, ms->n, sizeof(*ms->m), ssa_mgr_cmp);
	for (size_t i = 0; i < ms->n; i++) {
		if (strcmp(ms->m[i].operation, "Update") || !ms->m[i].set.n)
			continue;
		n++;
		if (!strcmp(ms->m[i].manager, PATCH_SSA_OLD_UPDATES) && !ms->m[i].subresource[0])
			bucket = &ms->m[i];
	}
	/* oldest first (the Update entries are sorted by time) */
	for (size_t i = 0; !rc && i < ms->n && n > PATCH_SSA_MAX_UPDATE_MANAGERS; i++) {
		struct ssa_mgr *m = &ms->m[i];

		if (strcmp(m->operation, "Update") || !m->set.n || m == bucket)
			continue;
		if (!bucket) {
			bucket = m;
			rc = ssa_set_str(&m->manager, PATCH_SSA_OLD_UPDATES);
			if (!rc)
				rc = ssa_set_str(&m->subresource, "");
			continue;
		}
		rc = fset_union(s, &bucket->set, &m->set);
		if (!rc && strcmp(m->time, bucket->time) > 0)
			rc = ssa_set_str(&bucket->time, m->time);
		fset_free(&m->set);
		n--;
	}
	return rc;
}

/* obj's metadata.managedFields := ms, in upstream's order (operation,
 * time, manager), entries owning nothing left out. */
int ssa_mgrs_write(struct ssa *s, struct ssa_mgrs *ms, cJSON *obj)
{
	cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	cJSON *arr;
	int rc;

	if (!cJSON_IsObject(md))
		return 0;
	rc = ssa_cap_updates(s, ms);
	if (rc)
		return rc;
	if (ms->n > 1)
		qsort(ms->m, ms->n, sizeof(*ms->m), ssa_mgr_cmp);
	arr = cJSON_CreateArray();
	for (size_t i = 0; arr && i < ms->n; i++) {
		const struct ssa_mgr *m = &ms->m[i];
		cJSON *e, *fv;

		if (!m->set.n)
			continue;
		e = cJSON_CreateObject();
		fv = ssa_fv1_write(&m->set);
		if (!e || !fv || !cJSON_AddItemToArray(arr, e)) {
			cJSON_Delete(e);
			cJSON_Delete(fv);
			goto oom;
		}
		cJSON_AddStringToObject(e, "manager", m->manager);
		cJSON_AddStringToObject(e, "operation", m->operation);
		cJSON_AddStringToObject(e, "apiVersion", m->api_version);
		cJSON_AddStringToObject(e, "time", m->time);
		cJSON_AddStringToObject(e, "fieldsType", "FieldsV1");
		cJSON_AddItemToObject(e, "fieldsV1", fv);
		if (m->subresource[0])
			cJSON_AddStringToObject(e, "subresource", m->subresource);
	}
	if (!arr)
		return -ENOMEM;
	cJSON_DeleteItemFromObjectCaseSensitive(md, "managedFields");
	if (arr->child)
		cJSON_AddItemToObject(md, "managedFields", arr);
	else
		cJSON_Delete(arr);
	return 0;
oom:
	cJSON_Delete(arr);
	return -ENOMEM;
}

/* ".spec.ports[port=80,protocol=\"TCP\"].targetPort", as upstream prints a
 * fieldpath.Path. */
void patch_ssa_path_string(const char *path, char *out, size_t len)
{
	struct buf b = {0};
	const char *p = path;

	while (*p) {
		const char *e = strchr(p, SSA_SEP);
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (!strncmp(p, "f:", 2)) {
			buf_printf(&b, ".%.*s", (int)n - 2, p + 2);
		} else if (!strncmp(p, "k:", 2)) {
			cJSON *k = cJSON_ParseWithLength(p + 2, n - 2);
			const cJSON *c;

			buf_puts(&b, "[");
			cJSON_ArrayForEach(c, k)
			{
				char *v = cJSON_PrintUnformatted(c);

				buf_printf(&b, "%s%s=%s", c == k->child ? "" : ",", c->string,
					   v ? v : "");
				free(v);
			}
			buf_puts(&b, "]");
			cJSON_Delete(k);
		} else if (!strncmp(p, "v:", 2)) {
			buf_printf(&b, "[=%.*s]", (int)n - 2, p + 2);
		} else {
			buf_printf(&b, "[%.*s]", (int)n - 2, p + 2);
		}
		p += n + (e != NULL);
	}
	snprintf(out, len, "%s", b.p && !b.oom ? b.p : "");
	buf_free(&b);
}
