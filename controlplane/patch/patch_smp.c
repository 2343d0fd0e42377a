/* patch_smp: strategic merge patch (k8s.io/apimachinery strategicpatch), the
 * subset kubectl 1.20 apply and patch send (docs: shared/k8s-api.md §6.4).
 *
 * Maps merge recursively and null deletes a key. Lists are replaced unless
 * the schema table below gives them a merge key: those merge element by
 * element, honouring {"$patch":"delete"|"replace"} elements. Directives:
 * $patch (replace/delete a map), $retainKeys, $setElementOrder/<list> and
 * $deleteFromPrimitiveList/<list>. The ordering of merged lists follows
 * upstream's normalizeElementOrder: patch items in patch (or
 * $setElementOrder) order, interleaved with server-only items by their
 * place in the live list.
 *
 * Work is done in place on a deep copy of the original; the patch is never
 * modified. Any malformed input yields an error, never a crash.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include "patch.h"
#include "patch_idx.h"
#include "patch_schema.h"

#define SMP_DIRECTIVE	  "$patch"
#define SMP_RETAIN_KEYS	  "$retainKeys"
#define SMP_ORDER_PREFIX  "$setElementOrder/"
#define SMP_DELETE_PREFIX "$deleteFromPrimitiveList/"

/* Paths longer than this cannot match any rule; they collapse to one
 * sentinel so that deep adversarial nesting costs no memory per level. */
#define SMP_PATH_MAX 256
static const char smp_deep_path[] = "\x01";

struct smp_ctx {
	const char *kind;
	char *err;
	size_t errlen;
	int rc;			/* the first failure: -EINVAL, -E2BIG or -ENOMEM */
	struct patch_budget *b; /* see PATCH_WORK_FACTOR */
	/* Room for values shown in messages, here rather than in the frames
	 * of functions that recurse once per level of the patch. */
	char show[2][256];
};

/* ---- helpers ---- */

__attribute__((format(printf, 2, 3))) static cJSON *smp_fail(struct smp_ctx *c, const char *fmt,
							     ...)
{
	va_list ap;

	/* Keep the first (innermost) message. */
	if (!c->rc)
		c->rc = -EINVAL;
	if (c->err && c->errlen && !c->err[0]) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	return NULL;
}

/* Compact JSON of v for messages, in c->show[i] (truncated). */
static const char *smp_show(struct smp_ctx *c, int i, const cJSON *v)
{
	char *s = cJSON_PrintUnformatted(v);

	snprintf(c->show[i], sizeof(c->show[i]), "%s", s ? s : "?");
	free(s);
	return c->show[i];
}

static cJSON *smp_nomem(struct smp_ctx *c)
{
	if (!c->rc)
		c->rc = -ENOMEM;
	return smp_fail(c, "out of memory");
}

/* Spend n steps of the budget; false (and the error set) once it is gone. */
static bool smp_spend(struct smp_ctx *c, size_t n)
{
	if (patch_spend(c->b, n))
		return true;
	if (!c->rc) {
		c->rc = -E2BIG;
		if (c->err && c->errlen && !c->err[0])
			patch_budget_err(c->b, c->err, c->errlen);
	}
	return false;
}

/* Map an internal error code onto the context (message kept if set). */
static int smp_code(struct smp_ctx *c, int rc)
{
	if (rc == -ENOMEM) {
		smp_nomem(c);
	} else if (rc == -E2BIG && !c->rc) {
		c->rc = rc;
		if (c->err && c->errlen && !c->err[0])
			patch_budget_err(c->b, c->err, c->errlen);
	}
	return rc;
}

/* path + "." + key, or the deep sentinel; NULL on ENOMEM. */
static char *smp_join(const char *path, const char *key)
{
	char *s;

	if (path == smp_deep_path || strlen(path) + strlen(key) + 2 > SMP_PATH_MAX)
		return (char *)smp_deep_path;
	if (asprintf(&s, "%s%s%s", path, *path ? "." : "", key) < 0)
		return NULL;
	return s;
}

static void smp_path_free(char *p)
{
	if (p != smp_deep_path)
		free(p);
}

static bool smp_has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static cJSON *smp_map(struct smp_ctx *c, cJSON *orig, const cJSON *patch, const char *path);
static cJSON *smp_list(struct smp_ctx *c, cJSON *orig, const cJSON *patch, const char *path);

/* A patch value for a key the original does not have: directives and nulls
 * inside it are applied against nothing rather than stored. */
static cJSON *smp_new(struct smp_ctx *c, const cJSON *pv, const char *path)
{
	cJSON *v;

	if (cJSON_IsObject(pv))
		return smp_map(c, NULL, pv, path);
	if (cJSON_IsArray(pv))
		return smp_list(c, NULL, pv, path);
	v = cJSON_Duplicate(pv, 1);
	return v ? v : smp_nomem(c);
}

/* ---- lists ---- */

/* Reorder list in place (upstream normalizeElementOrder + mergeSortedSlice):
 * items whose key is in `order` come in that order, the others keep their
 * order in `server` and are slotted in before the first patch item that
 * the live list had after them. */
struct smp_slot {
	cJSON *item;
	long oi, si; /* index in order / server, -1 if absent */
	size_t pos;
};

static int smp_cmp_order(const void *a, const void *b)
{
	const struct smp_slot *x = a, *y = b;

	if (x->oi != y->oi)
		return x->oi < y->oi ? -1 : 1;
	return x->pos < y->pos ? -1 : (x->pos > y->pos);
}

static int smp_cmp_server(const void *a, const void *b)
{
	const struct smp_slot *x = a, *y = b;
	long xs = x->si < 0 ? LONG_MAX : x->si, ys = y->si < 0 ? LONG_MAX : y->si;

	if (xs != ys)
		return xs < ys ? -1 : 1;
	return x->pos < y->pos ? -1 : (x->pos > y->pos);
}

static int smp_reorder(cJSON *list, struct patch_idx *order, struct patch_idx *server,
		       const char *mkey)
{
	size_t n = (size_t)cJSON_GetArraySize(list), np = 0, ns = 0, i, j, k;
	struct smp_slot *p, *s;
	cJSON *it;
	int rc = 0;

	if (n < 2)
		return 0;
	p = calloc(n, sizeof(*p));
	s = calloc(n, sizeof(*s));
	if (!p || !s) {
		rc = -ENOMEM;
		goto out;
	}
	i = 0;
	for (it = list->child; it && i < n; it = it->next, i++) {
		const cJSON *key = patch_idx_key(it, mkey);
		struct smp_slot sl = {it, -1, -1, i};

		if (key) {
			sl.oi = patch_idx_find(order, key);
			sl.si = patch_idx_find(server, key);
			if (sl.oi == -ENOMEM || sl.si == -ENOMEM) {
				rc = -ENOMEM;
				goto out;
			}
		}
		if (sl.oi >= 0)
			p[np++] = sl;
		else
			s[ns++] = sl;
	}
	qsort(p, np, sizeof(*p), smp_cmp_order);
	qsort(s, ns, sizeof(*s), smp_cmp_server);
	/* Relink in the merged order; the items themselves are reused. */
	list->child = NULL;
	for (i = 0, j = 0, k = 0; k < n; k++) {
		bool take_s;

		if (i >= ns)
			take_s = false;
		else if (j >= np)
			take_s = true;
		else
			take_s = s[i].si >= 0 && p[j].si >= 0 && s[i].si < p[j].si;
		it = take_s ? s[i++].item : p[j++].item;
		it->next = it->prev = NULL;
		cJSON_AddItemToArray(list, it);
	}
out:
	free(p);
	free(s);
	return rc;
}

/* Remove from list every item whose key (mkey, or the item) is in idx. */
static int smp_remove_in(cJSON *list, struct patch_idx *idx, const char *mkey)
{
	cJSON *it = list->child, *next;

	for (; it; it = next) {
		const cJSON *key = patch_idx_key(it, mkey);
		long f;

		next = it->next;
		if (!key)
			continue;
		f = patch_idx_find(idx, key);
		if (f == -ENOMEM)
			return -ENOMEM;
		if (f >= 0)
			cJSON_Delete(cJSON_DetachItemViaPointer(list, it));
	}
	return 0;
}

/* Classify the elements of two lists: 1 all objects, 0 all scalars (or
 * none), -1 mixed or nested lists (an error upstream too). */
static int smp_elem_kind(const cJSON *a, const cJSON *b)
{
	const cJSON *lists[2] = {a, b}, *it;
	int objs = 0, scalars = 0;

	for (int l = 0; l < 2; l++) {
		if (!lists[l])
			continue;
		cJSON_ArrayForEach(it, lists[l])
		{
			if (cJSON_IsArray(it))
				return -1;
			if (cJSON_IsObject(it))
				objs++;
			else
				scalars++;
		}
	}
	if (objs && scalars)
		return -1;
	return objs ? 1 : 0;
}

/* Merge a list of scalars as a set (upstream: append, deduplicate). */
static int smp_list_scalars(struct smp_ctx *c, cJSON *work, const cJSON *patch)
{
	struct patch_idx server, order;
	const cJSON *it;
	int rc;

	rc = patch_idx_list(&server, work, NULL, false);
	if (rc)
		return rc;
	rc = patch_idx_list(&order, patch, NULL, false);
	if (rc)
		goto out_server;
	cJSON_ArrayForEach(it, patch)
	{
		cJSON *d = cJSON_Duplicate(it, 1);

		if (!d || !cJSON_AddItemToArray(work, d)) {
			cJSON_Delete(d);
			rc = -ENOMEM;
			goto out;
		}
	}
	rc = patch_idx_dedupe(work);
	if (!rc)
		rc = smp_reorder(work, &order, &server, NULL);
	if (!rc && !patch_spend(c->b, 2 * server.work + order.work))
		rc = -E2BIG;
out:
	patch_idx_free(&order);
out_server:
	patch_idx_free(&server);
	return rc;
}

/* Handle the {"$patch": ...} elements of a keyed list: delete the matches
 * from work. Returns 1 if a "replace" element was seen, else 0; -EINVAL
 * (message set) or -ENOMEM on error. */
static int smp_list_directives(struct smp_ctx *c, cJSON *work, const cJSON *patch, const char *mkey)
{
	const cJSON **dels, *it;
	size_t nd = 0, n = (size_t)cJSON_GetArraySize(patch);
	struct patch_idx idx;
	int replace = 0, rc;

	dels = calloc(n ? n : 1, sizeof(*dels));
	if (!dels)
		return -ENOMEM;
	cJSON_ArrayForEach(it, patch)
	{
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(it, SMP_DIRECTIVE);

		if (!d)
			continue;
		if (cJSON_IsString(d) && !strcmp(d->valuestring, "delete")) {
			dels[nd] = cJSON_GetObjectItemCaseSensitive(it, mkey);
			if (!dels[nd]) {
				smp_fail(c, "map: %s does not contain declared merge key: %s",
					 smp_show(c, 0, it), mkey);
				free(dels);
				return -EINVAL;
			}
			nd++;
		} else if (cJSON_IsString(d) && !strcmp(d->valuestring, "replace")) {
			replace = 1;
		} else if (cJSON_IsString(d) && !strcmp(d->valuestring, "merge")) {
			smp_fail(c, "merging lists cannot yet be specified in the patch");
			free(dels);
			return -EINVAL;
		} else {
			smp_fail(c, "unknown patch type: %s in map: %s",
				 cJSON_IsString(d) ? d->valuestring : smp_show(c, 1, d),
				 smp_show(c, 0, it));
			free(dels);
			return -EINVAL;
		}
	}
	rc = patch_idx_build(&idx, dels, nd);
	free(dels);
	if (rc)
		return rc;
	rc = smp_remove_in(work, &idx, mkey);
	if (!rc && !patch_spend(c->b, n + idx.work))
		rc = -E2BIG;
	patch_idx_free(&idx);
	return rc ? rc : replace;
}

/* Merge a list of objects by mkey into work (in place). */
static int smp_list_keyed(struct smp_ctx *c, cJSON *work, const cJSON *patch, const char *mkey,
			  const char *path)
{
	struct patch_idx server = {0}, order = {0};
	cJSON **items = NULL, **added = NULL, *it;
	size_t n, np, pi = 0, i;
	const cJSON *p;
	int rc;

	/* After the deletions, the live list is the server order. */
	n = (size_t)cJSON_GetArraySize(work);
	np = (size_t)cJSON_GetArraySize(patch);
	items = calloc(n ? n : 1, sizeof(*items));
	/* added[i]: the element that patch element i created, for later
	 * patch elements repeating its key. */
	added = calloc(np ? np : 1, sizeof(*added));
	if (!items || !added) {
		rc = -ENOMEM;
		goto out;
	}
	i = 0;
	for (it = work->child; it && i < n; it = it->next)
		items[i++] = it;
	rc = patch_idx_list(&server, work, mkey, false);
	if (!rc)
		rc = patch_idx_list(&order, patch, mkey, true);
	if (rc)
		goto out;
	for (p = patch->child; p; p = p->next, pi++) {
		const cJSON *mv;
		cJSON *target = NULL, *r;
		long pos, first;

		if (cJSON_GetObjectItemCaseSensitive(p, SMP_DIRECTIVE))
			continue;
		mv = cJSON_GetObjectItemCaseSensitive(p, mkey);
		if (!mv) {
			smp_fail(c, "map: %s does not contain declared merge key: %s",
				 smp_show(c, 0, p), mkey);
			rc = -EINVAL;
			goto out;
		}
		pos = patch_idx_find(&server, mv);
		first = patch_idx_find(&order, mv);
		if (pos == -ENOMEM || first == -ENOMEM) {
			rc = -ENOMEM;
			goto out;
		}
		if (pos >= 0)
			target = items[pos];
		else if (first >= 0 && (size_t)first < pi)
			/* A key the patch repeats matches the element it added. */
			target = added[first];
		r = smp_map(c, target, p, path);
		if (!r) {
			rc = c->rc ? c->rc : -EINVAL;
			goto out;
		}
		if (!target) {
			if (!cJSON_AddItemToArray(work, r)) {
				cJSON_Delete(r);
				rc = -ENOMEM;
				goto out;
			}
			added[pi] = r;
		} else if (r != target) {
			/* Only a $patch element makes smp_map return a new object,
			 * and those were skipped; kept for safety. */
			cJSON_ReplaceItemViaPointer(work, target, r);
			if (pos >= 0)
				items[pos] = r;
			else
				added[first] = r;
		}
	}
	rc = smp_reorder(work, &order, &server, mkey);
	if (!rc && !patch_spend(c->b, n + np + 2 * server.work + 2 * order.work))
		rc = -E2BIG;
out:
	patch_idx_free(&server);
	patch_idx_free(&order);
	free(items);
	free(added);
	return rc;
}

/* Merge patch (an array) into orig (an array, or NULL when absent). Returns
 * orig merged in place, or a new array to put in its place; NULL on error. */
static cJSON *smp_list(struct smp_ctx *c, cJSON *orig, const cJSON *patch, const char *path)
{
	const char *mkey;
	cJSON *work = orig, *res;
	int kind, rc;

	if (!patch_schema_merge_list(c->kind, path, &mkey)) {
		res = cJSON_Duplicate(patch, 1);
		return res ? res : smp_nomem(c);
	}
	if (!work) {
		work = cJSON_CreateArray();
		if (!work)
			return smp_nomem(c);
	}
	kind = smp_elem_kind(work, patch);
	if (kind < 0) {
		smp_fail(c, "list element types are not identical: [%s %s]", smp_show(c, 0, work),
			 smp_show(c, 1, patch));
		goto fail;
	}
	if (kind == 0) {
		rc = smp_list_scalars(c, work, patch);
	} else if (!mkey) {
		smp_fail(c, "cannot merge lists without merge key for type map");
		goto fail;
	} else {
		rc = smp_list_directives(c, work, patch, mkey);
		if (rc == 1) {
			/* {"$patch":"replace"}: the list becomes the other elements. */
			const cJSON *p;

			res = cJSON_CreateArray();
			if (!res) {
				smp_nomem(c);
				goto fail;
			}
			cJSON_ArrayForEach(p, patch)
			{
				cJSON *e;

				if (cJSON_GetObjectItemCaseSensitive(p, SMP_DIRECTIVE))
					continue;
				e = smp_map(c, NULL, p, path);
				if (!e || !cJSON_AddItemToArray(res, e)) {
					if (e)
						smp_nomem(c);
					cJSON_Delete(e);
					cJSON_Delete(res);
					goto fail;
				}
			}
			if (work != orig)
				cJSON_Delete(work);
			return res;
		}
		if (rc == 0)
			rc = smp_list_keyed(c, work, patch, mkey, path);
	}
	if (rc) {
		smp_code(c, rc);
		goto fail;
	}
	return work;
fail:
	if (work != orig)
		cJSON_Delete(work);
	return NULL;
}

/* ---- maps ---- */

/* A sorted set of names, for $retainKeys and the lists $setElementOrder
 * has handled: membership in O(log n) however many there are. */
struct smp_names {
	const char **v;
	size_t n;
};

static int smp_names_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void smp_names_sort(struct smp_names *s)
{
	qsort(s->v, s->n, sizeof(*s->v), smp_names_cmp);
}

static bool smp_names_has(const struct smp_names *s, const char *name)
{
	return s->n && bsearch(&name, s->v, s->n, sizeof(*s->v), smp_names_cmp);
}

/* $retainKeys: every non-null data key of the patch must be listed; keys of
 * the original that are not listed are dropped (before merging). */
static int smp_retain(struct smp_ctx *c, cJSON *obj, const cJSON *patch, const cJSON *keys)
{
	struct smp_names set = {0};
	const cJSON *it, *k;
	cJSON *o, *next;
	int rc = 0;

	if (!cJSON_IsArray(keys))
		goto bad;
	set.v = calloc((size_t)cJSON_GetArraySize(keys) + 1, sizeof(*set.v));
	if (!set.v)
		return -ENOMEM;
	cJSON_ArrayForEach(k, keys)
	{
		if (cJSON_IsString(k))
			set.v[set.n++] = k->valuestring;
	}
	smp_names_sort(&set);
	cJSON_ArrayForEach(it, patch)
	{
		if (!it->string || cJSON_IsNull(it) || it->string[0] == '$')
			continue;
		if (!smp_names_has(&set, it->string))
			goto bad;
	}
	for (o = obj->child; o; o = next) {
		next = o->next;
		if (!o->string || !smp_names_has(&set, o->string))
			cJSON_Delete(cJSON_DetachItemViaPointer(obj, o));
	}
	if (!smp_spend(c,
		       set.n + (size_t)cJSON_GetArraySize(patch) + (size_t)cJSON_GetArraySize(obj)))
		rc = -E2BIG;
	free(set.v);
	return rc;
bad:
	free(set.v);
	smp_fail(c, "invalid patch format of retainKeys");
	return -EINVAL;
}

/* The object being merged and the patch, both indexed by name. */
struct smp_obj {
	struct patch_keys ok; /* obj */
	struct patch_keys pk; /* patch (looked up with patch_keys_last) */
	struct smp_names handled;
};

/* $setElementOrder/<list>: merge that list now and put it in the given
 * order. Adds the list's name to handled so the main loop skips it. */
static int smp_order(struct smp_ctx *c, struct smp_obj *o, const cJSON *dir, const char *path)
{
	const char *name = dir->string + strlen(SMP_ORDER_PREFIX), *mkey;
	struct patch_idx snap = {0}, order = {0};
	cJSON *cur, *r;
	const cJSON *pv;
	char *sub;
	int rc = 0;

	if (!*name || !cJSON_IsArray(dir)) {
		smp_fail(c, "invalid patch format of setElementOrder list");
		return -EINVAL;
	}
	sub = smp_join(path, name);
	if (!sub)
		return -ENOMEM;
	cur = patch_keys_get(&o->ok, name);
	pv = patch_keys_last(&o->pk, name);
	/* Only merging lists have an order to keep; a patch value that is not
	 * a list (or absent lists) is left to the main loop. */
	if (!patch_schema_merge_list(c->kind, sub, &mkey) || (pv && !cJSON_IsArray(pv)) ||
	    (!pv && !cJSON_IsArray(cur)))
		goto out;
	if (cur && !cJSON_IsArray(cur))
		cur = NULL;
	/* The live order, taken before the merge changes it. */
	rc = patch_idx_list(&snap, cur, smp_elem_kind(cur, NULL) == 1 ? mkey : NULL, false);
	if (rc)
		goto out;
	r = pv ? smp_list(c, cur, pv, sub) : cur;
	if (!r) {
		rc = c->rc ? c->rc : -EINVAL;
		goto out;
	}
	if (r != cur) {
		rc = patch_keys_put(&o->ok, name, r);
		if (rc)
			goto out;
	}
	mkey = smp_elem_kind(r, NULL) == 1 ? mkey : NULL;
	rc = patch_idx_list(&order, dir, mkey, true);
	if (!rc)
		rc = smp_reorder(r, &order, &snap, mkey);
	if (!rc && !smp_spend(c, 2 * snap.work + 2 * order.work))
		rc = -E2BIG;
	o->handled.v[o->handled.n++] = name;
out:
	patch_idx_free(&snap);
	patch_idx_free(&order);
	smp_path_free(sub);
	return rc;
}

/* $deleteFromPrimitiveList/<list>: drop those scalars from the list. */
static int smp_delete_from(struct smp_ctx *c, struct patch_keys *ok, const cJSON *dir)
{
	const char *name = dir->string + strlen(SMP_DELETE_PREFIX);
	struct patch_idx idx;
	cJSON *cur;
	int rc;

	if (!*name || !cJSON_IsArray(dir)) {
		smp_fail(c, "invalid patch format of primitive list");
		return -EINVAL;
	}
	cur = patch_keys_get(ok, name);
	if (!cJSON_IsArray(cur))
		return 0;
	rc = patch_idx_list(&idx, dir, NULL, false);
	if (rc)
		return rc;
	rc = smp_remove_in(cur, &idx, NULL);
	if (!rc && !smp_spend(c, (size_t)cJSON_GetArraySize(cur) + 2 * idx.work))
		rc = -E2BIG;
	patch_idx_free(&idx);
	return rc;
}

/* One data key of the patch merged into obj. */
static int smp_member(struct smp_ctx *c, struct patch_keys *ok, const cJSON *pv, const char *path)
{
	const char *k = pv->string;
	cJSON *cur, *r;
	char *sub;

	if (cJSON_IsNull(pv)) {
		patch_keys_remove(ok, k);
		return 0;
	}
	sub = smp_join(path, k);
	if (!sub)
		return -ENOMEM;
	cur = patch_keys_get(ok, k);
	if (cJSON_IsObject(cur) && cJSON_IsObject(pv))
		r = smp_map(c, cur, pv, sub);
	else if (cJSON_IsArray(cur) && cJSON_IsArray(pv))
		r = smp_list(c, cur, pv, sub);
	else
		r = smp_new(c, pv, sub);
	smp_path_free(sub);
	if (!r)
		return c->rc ? c->rc : -EINVAL;
	return r != cur ? patch_keys_put(ok, k, r) : 0;
}

static bool smp_is_directive(const char *k)
{
	return !strcmp(k, SMP_DIRECTIVE) || !strcmp(k, SMP_RETAIN_KEYS) ||
	       smp_has_prefix(k, SMP_ORDER_PREFIX) || smp_has_prefix(k, SMP_DELETE_PREFIX);
}

/* Apply the members of patch to obj in place (no $patch handling here).
 * Of keys the patch repeats only the last counts (Go's decoding), which
 * also keeps each member of obj merged once. */
static int smp_members(struct smp_ctx *c, cJSON *obj, const cJSON *patch, const char *path)
{
	struct smp_obj o = {0};
	const cJSON *it, *keys;
	int rc;

	rc = patch_keys_build(&o.pk, (cJSON *)patch, c->b);
	if (rc)
		return rc;
	keys = patch_keys_last(&o.pk, SMP_RETAIN_KEYS);
	if (keys) {
		rc = smp_retain(c, obj, patch, keys);
		if (rc)
			goto out;
	}
	rc = patch_keys_build(&o.ok, obj, c->b);
	if (rc)
		goto out;
	o.handled.v = calloc((size_t)cJSON_GetArraySize(patch) + 1, sizeof(*o.handled.v));
	if (!o.handled.v) {
		rc = -ENOMEM;
		goto out;
	}
	cJSON_ArrayForEach(it, patch)
	{
		if (it->string && smp_has_prefix(it->string, SMP_ORDER_PREFIX) &&
		    patch_keys_last(&o.pk, it->string) == it) {
			rc = smp_order(c, &o, it, path);
			if (rc)
				goto out;
		}
	}
	smp_names_sort(&o.handled);
	cJSON_ArrayForEach(it, patch)
	{
		const char *k = it->string;

		if (!k || smp_is_directive(k) || patch_keys_last(&o.pk, k) != it ||
		    smp_names_has(&o.handled, k))
			continue;
		rc = smp_member(c, &o.ok, it, path);
		if (rc)
			goto out;
	}
	/* Deletions last, after the list may have been merged above; the
	 * index is rebuilt since the merge may have added the list. */
	patch_keys_free(&o.ok);
	cJSON_ArrayForEach(it, patch)
	{
		if (!it->string || !smp_has_prefix(it->string, SMP_DELETE_PREFIX) ||
		    patch_keys_last(&o.pk, it->string) != it)
			continue;
		if (!o.ok.obj) {
			rc = patch_keys_build(&o.ok, obj, c->b);
			if (rc)
				goto out;
		}
		rc = smp_delete_from(c, &o.ok, it);
		if (rc)
			goto out;
	}
out:
	free(o.handled.v);
	patch_keys_free(&o.ok);
	patch_keys_free(&o.pk);
	return rc;
}

/* Merge patch (an object) into orig (an object, or NULL when absent).
 * Returns orig merged in place, or a new object to put in its place;
 * NULL on error. */
static cJSON *smp_map(struct smp_ctx *c, cJSON *orig, const cJSON *patch, const char *path)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(patch, SMP_DIRECTIVE);
	cJSON *obj = orig;
	int rc;

	if (d) {
		bool del = cJSON_IsString(d) && !strcmp(d->valuestring, "delete");
		bool rep = cJSON_IsString(d) && !strcmp(d->valuestring, "replace");

		if (!del && !rep)
			return smp_fail(c, "unknown patch type: %s in map: %s",
					cJSON_IsString(d) ? d->valuestring : smp_show(c, 1, d),
					smp_show(c, 0, patch));
		/* Upstream: delete leaves an empty map, replace uses the patch
		 * (here applied to an empty map, so nulls and directives go). */
		obj = NULL;
		if (del) {
			obj = cJSON_CreateObject();
			return obj ? obj : smp_nomem(c);
		}
	}
	if (!obj) {
		obj = cJSON_CreateObject();
		if (!obj)
			return smp_nomem(c);
	}
	rc = smp_members(c, obj, patch, path);
	if (rc) {
		smp_code(c, rc);
		if (obj != orig)
			cJSON_Delete(obj);
		return NULL;
	}
	return obj;
}

int patch_smp_apply(const cJSON *orig, const cJSON *patch, const char *kind, struct patch_budget *b,
		    cJSON **out, char *err, size_t errlen)
{
	struct smp_ctx *c;
	cJSON *work, *r = NULL;
	int rc;

	*out = NULL;
	/* The context holds the message buffers; kept off the stack. */
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*c = (struct smp_ctx){.kind = kind, .err = err, .errlen = errlen, .b = b};
	if (!cJSON_IsObject(patch)) {
		smp_fail(c, "strategic merge patch: the patch must be a JSON object");
		goto out;
	}
	work = cJSON_IsObject(orig) ? cJSON_Duplicate(orig, 1) : cJSON_CreateObject();
	if (!work) {
		smp_nomem(c);
		goto out;
	}
	r = smp_map(c, work, patch, "");
	if (r != work)
		cJSON_Delete(work);
	if (!r && err && errlen && !err[0])
		snprintf(err, errlen, "strategic merge patch failed");
out:
	rc = r ? 0 : c->rc ? c->rc : -EINVAL;
	free(c);
	*out = r;
	return rc;
}
