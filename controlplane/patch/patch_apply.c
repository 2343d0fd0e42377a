/* patch_apply: server-side apply and field ownership, the model of
 * structured-merge-diff (upstream's sigs.k8s.io/structured-merge-diff) on
 * cJSON trees: the fields of a configuration, the comparison of two
 * objects, the merge, the prune, and the two operations of patch.h. The
 * field sets and managedFields are patch_fields.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "jcmp.h"
#include "patch.h"
#include "patch_fields.h"
#include "patch_idx.h"

/* ---- the fields of an object ---- */

static int ssa_fields(struct ssa *s, const cJSON *v, struct buf *path, struct buf *dotted,
		      int depth, struct fset *set);

/* A member repeated under its name is the first one, as every lookup of
 * the server reads it (a stored object may repeat names). */
static bool ssa_shadowed(const struct patch_keys *k, const cJSON *c)
{
	return k->dups && patch_keys_get(k, c->string) != c;
}

static int ssa_fields_members(struct ssa *s, const cJSON *obj, struct buf *path, struct buf *dotted,
			      int depth, struct fset *set)
{
	struct patch_keys k;
	const cJSON *c;
	int rc = patch_keys_build(&k, (cJSON *)obj, &s->work);

	cJSON_ArrayForEach(c, obj)
	{
		struct ssa_pos m = ssa_mark(path, dotted);

		if (rc)
			break;
		if (!c->string || ssa_skip(s, depth, bstr(dotted), c->string) ||
		    ssa_shadowed(&k, c))
			continue;
		rc = ssa_push_field(path, dotted, c->string);
		if (!rc)
			rc = ssa_fields(s, c, path, dotted, depth + 1, set);
		ssa_back(path, dotted, m);
	}
	patch_keys_free(&k);
	return rc == -E2BIG ? ssa_expensive(s) : rc;
}

/* Is v walked into (an object or a merged list), or a leaf? */
static bool ssa_granular(const struct ssa *s, const cJSON *v, const char *dotted, enum ssa_list *lt,
			 const char **key)
{
	*lt = SSA_ATOMIC;
	*key = NULL;
	if (cJSON_IsObject(v))
		return v->child && !ssa_atomic_object(dotted);
	if (cJSON_IsArray(v))
		return (*lt = ssa_list_type(s, dotted, key)) != SSA_ATOMIC;
	return false;
}

static int ssa_fields(struct ssa *s, const cJSON *v, struct buf *path, struct buf *dotted,
		      int depth, struct fset *set)
{
	enum ssa_list lt;
	const char *key;
	struct ssa_item *it;
	size_t n;
	int rc;

	if (!patch_spend(&s->work, 1))
		return ssa_expensive(s);
	if (!ssa_granular(s, v, bstr(dotted), &lt, &key))
		return depth ? fset_add(s, set, bstr(path), path->len) : 0;
	if (s->whole && depth >= 2 && (rc = fset_add(s, set, bstr(path), path->len)))
		return rc;
	if (cJSON_IsObject(v))
		return ssa_fields_members(s, v, path, dotted, depth, set);
	rc = ssa_items(s, v, lt, key, bstr(dotted), &it, &n);
	if (rc == -EINVAL && !s->strict)
		return fset_add(s, set, bstr(path), path->len);
	if (rc)
		return rc;
	for (size_t i = 0; !rc && i < n; i++) {
		struct ssa_pos m = ssa_mark(path, dotted);

		rc = ssa_push_elem(path, it[i].elem);
		if (!rc)
			rc = fset_add(s, set, bstr(path), path->len);
		if (!rc && lt == SSA_MAP)
			rc = ssa_fields_members(s, cJSON_GetArrayItem(v, (int)it[i].pos), path,
						dotted, depth + 1, set);
		ssa_back(path, dotted, m);
	}
	ssa_items_free(it, n);
	return rc;
}

/* ---- comparison: how b differs from a ---- */

struct ssa_diff {
	struct fset mod, add, rem;
};

static int ssa_diff(struct ssa *s, const cJSON *a, const cJSON *b, struct buf *path,
		    struct buf *dotted, int depth, struct ssa_diff *d);

/* The fields of v, added or removed whole, into set. */
static int ssa_fields_whole(struct ssa *s, const cJSON *v, struct buf *path, struct buf *dotted,
			    int depth, struct fset *set)
{
	bool whole = s->whole;
	int rc;

	s->whole = true;
	rc = ssa_fields(s, v, path, dotted, depth, set);
	s->whole = whole;
	return rc;
}

static int ssa_diff_members(struct ssa *s, const cJSON *a, const cJSON *b, struct buf *path,
			    struct buf *dotted, int depth, struct ssa_diff *d)
{
	struct patch_keys ka, kb;
	const cJSON *c;
	int rc;

	rc = patch_keys_build(&ka, (cJSON *)a, &s->work);
	if (rc)
		return rc == -E2BIG ? ssa_expensive(s) : rc;
	rc = patch_keys_build(&kb, (cJSON *)b, &s->work);
	if (rc) {
		patch_keys_free(&ka);
		return rc == -E2BIG ? ssa_expensive(s) : rc;
	}
	cJSON_ArrayForEach(c, b)
	{
		struct ssa_pos m = ssa_mark(path, dotted);

		if (!c->string || ssa_skip(s, depth, bstr(dotted), c->string) ||
		    ssa_shadowed(&kb, c))
			continue;
		rc = ssa_push_field(path, dotted, c->string);
		if (!rc)
			rc = ssa_diff(s, patch_keys_get(&ka, c->string), c, path, dotted, depth + 1,
				      d);
		ssa_back(path, dotted, m);
		if (rc)
			goto out;
	}
	cJSON_ArrayForEach(c, a)
	{
		struct ssa_pos m = ssa_mark(path, dotted);

		if (!c->string || ssa_skip(s, depth, bstr(dotted), c->string) ||
		    ssa_shadowed(&ka, c) || patch_keys_get(&kb, c->string))
			continue;
		rc = ssa_push_field(path, dotted, c->string);
		if (!rc)
			rc = ssa_fields_whole(s, c, path, dotted, depth + 1, &d->rem);
		ssa_back(path, dotted, m);
		if (rc)
			goto out;
	}
out:
	patch_keys_free(&ka);
	patch_keys_free(&kb);
	return rc;
}

/* Both lists merged, of type lt: items matched by name. 1 when an item
 * cannot be named (the lists are compared whole instead). */
static int ssa_diff_items(struct ssa *s, const cJSON *a, const cJSON *b, enum ssa_list lt,
			  const char *key, struct buf *path, struct buf *dotted, int depth,
			  struct ssa_diff *d)
{
	struct ssa_item *ia = NULL, *ib = NULL, *sa = NULL;
	size_t na = 0, nb = 0;
	bool strict = s->strict;
	int rc;

	s->strict = false;
	rc = ssa_items(s, a, lt, key, bstr(dotted), &ia, &na);
	if (!rc)
		rc = ssa_items(s, b, lt, key, bstr(dotted), &ib, &nb);
	s->strict = strict;
	if (rc == -EINVAL) {
		rc = 1;
		goto out;
	}
	if (rc)
		goto out;
	sa = na ? malloc(na * sizeof(*sa)) : NULL;
	if (na && !sa) {
		rc = -ENOMEM;
		goto out;
	}
	if (na) {
		memcpy(sa, ia, na * sizeof(*sa));
		qsort(sa, na, sizeof(*sa), ssa_item_cmp);
	}
	for (size_t i = 0; !rc && i < nb; i++) {
		struct ssa_pos m = ssa_mark(path, dotted);
		long j = ssa_item_find(sa, na, ib[i].elem);
		const cJSON *bi = cJSON_GetArrayItem(b, (int)ib[i].pos);

		rc = ssa_push_elem(path, ib[i].elem);
		if (!rc && j < 0) {
			rc = ssa_fields_whole(s, bi, path, dotted, depth + 1, &d->add);
		} else if (!rc && lt == SSA_MAP) {
			rc = ssa_diff_members(s, cJSON_GetArrayItem(a, (int)j), bi, path, dotted,
					      depth + 1, d);
		}
		ssa_back(path, dotted, m);
	}
	if (nb) {
		free(sa);
		sa = malloc(nb * sizeof(*sa));
		if (!sa) {
			rc = -ENOMEM;
			goto out;
		}
		memcpy(sa, ib, nb * sizeof(*sa));
		qsort(sa, nb, sizeof(*sa), ssa_item_cmp);
	}
	for (size_t i = 0; !rc && i < na; i++) {
		struct ssa_pos m = ssa_mark(path, dotted);

		if (nb && ssa_item_find(sa, nb, ia[i].elem) >= 0)
			continue;
		rc = ssa_push_elem(path, ia[i].elem);
		if (!rc)
			rc = ssa_fields_whole(s, cJSON_GetArrayItem(a, (int)ia[i].pos), path,
					      dotted, depth + 1, &d->rem);
		ssa_back(path, dotted, m);
	}
out:
	free(sa);
	ssa_items_free(ia, na);
	ssa_items_free(ib, nb);
	return rc;
}

static int ssa_diff(struct ssa *s, const cJSON *a, const cJSON *b, struct buf *path,
		    struct buf *dotted, int depth, struct ssa_diff *d)
{
	enum ssa_list la, lb;
	const char *ka, *kb;
	bool ga, gb;
	int rc;

	if (!a)
		return ssa_fields_whole(s, b, path, dotted, depth, &d->add);
	if (!b)
		return ssa_fields_whole(s, a, path, dotted, depth, &d->rem);
	ga = ssa_granular(s, a, bstr(dotted), &la, &ka);
	gb = ssa_granular(s, b, bstr(dotted), &lb, &kb);
	if (ga && gb && cJSON_IsObject(a) && cJSON_IsObject(b))
		return ssa_diff_members(s, a, b, path, dotted, depth, d);
	if (ga && gb && cJSON_IsArray(a) && cJSON_IsArray(b)) {
		rc = ssa_diff_items(s, a, b, la, ka, path, dotted, depth, d);
		if (rc <= 0)
			return rc;
		ga = gb = false; /* items without names: compared whole */
	}
	if (ga || gb) {
		/* a leaf became a tree or the other way round */
		rc = ssa_fields_whole(s, a, path, dotted, depth, &d->rem);
		return rc ? rc : ssa_fields_whole(s, b, path, dotted, depth, &d->add);
	}
	rc = jcmp_equal(a, b);
	if (rc < 0)
		return rc;
	return rc ? 0 : fset_add(s, &d->mod, bstr(path), path->len);
}

/* ---- merging the configuration into the live object ---- */

/* Drop the earlier of repeated member names, everywhere in v: a name given
 * twice counts once, the last, as Go decodes JSON. */
static int ssa_dedupe(struct ssa *s, cJSON *v)
{
	struct patch_keys k;
	cJSON *c, **drop = NULL;
	size_t n = 0;
	int rc = 0;

	if (cJSON_IsObject(v)) {
		rc = patch_keys_build(&k, v, &s->work);
		drop = !rc && k.dups ? malloc((size_t)cJSON_GetArraySize(v) * sizeof(*drop)) : NULL;
		if (!rc && k.dups && !drop)
			rc = -ENOMEM;
		/* found while the index lives, removed after */
		for (c = v->child; drop && c; c = c->next)
			if (c->string && patch_keys_last(&k, c->string) != c)
				drop[n++] = c;
		patch_keys_free(&k);
		while (n)
			cJSON_Delete(cJSON_DetachItemViaPointer(v, drop[--n]));
		free(drop);
	}
	for (c = cJSON_IsObject(v) || cJSON_IsArray(v) ? v->child : NULL; !rc && c; c = c->next)
		rc = ssa_dedupe(s, c);
	return rc;
}

/* The merge works in place on a copy of the live object (copying each
 * level again would cost the depth times the size, at once in memory). */
static int ssa_merge_in(struct ssa *s, cJSON *dst, const cJSON *cfg, struct buf *dotted);

/* cfg's value for a member, merged into dst's member of that name (or
 * replacing it). */
static int ssa_merge_member(struct ssa *s, struct patch_keys *k, const cJSON *c, struct buf *dotted)
{
	cJSON *cur = patch_keys_get(k, c->string), *v;
	enum ssa_list lt;
	const char *key;

	/* objects and merged lists merge; the rest is replaced */
	if (cur &&
	    ((cJSON_IsObject(cur) && cJSON_IsObject(c) && !ssa_atomic_object(bstr(dotted))) ||
	     (cJSON_IsArray(cur) && cJSON_IsArray(c) &&
	      ssa_granular(s, c, bstr(dotted), &lt, &key))))
		return ssa_merge_in(s, cur, c, dotted);
	v = cJSON_Duplicate(c, true);
	return v ? patch_keys_put(k, c->string, v) : -ENOMEM;
}

static int ssa_merge_members(struct ssa *s, cJSON *dst, const cJSON *cfg, struct buf *dotted)
{
	struct patch_keys k;
	const cJSON *c;
	int rc;

	rc = patch_keys_build(&k, dst, &s->work);
	cJSON_ArrayForEach(c, cfg)
	{
		size_t dl = dotted->len;

		if (rc || !c->string)
			break;
		/* the configuration's status is not applied to the main resource
		 * (nor the rest through /status) */
		if (!dl && ssa_out_of_scope(s, c->string))
			continue;
		if ((dl && buf_puts(dotted, ".")) || buf_puts(dotted, c->string)) {
			rc = -ENOMEM;
			break;
		}
		rc = ssa_merge_member(s, &k, c, dotted);
		dotted->len = dl;
		dotted->p[dl] = 0;
	}
	patch_keys_free(&k);
	return rc;
}

/* Live items stay in their order, each merged with the configuration's
 * item of the same name; the configuration's new items follow in its
 * order. A live list whose items cannot be named is replaced. */
static int ssa_merge_items(struct ssa *s, cJSON *dst, const cJSON *cfg, enum ssa_list lt,
			   const char *key, struct buf *dotted)
{
	struct ssa_item *il = NULL, *ic = NULL, *sl = NULL;
	cJSON **items = NULL, *c;
	size_t nl = 0, nc = 0, i = 0;
	bool strict = s->strict;
	int rc;

	s->strict = false;
	rc = ssa_items(s, dst, lt, key, bstr(dotted), &il, &nl);
	s->strict = strict;
	if (rc == -EINVAL) {
		while (dst->child)
			cJSON_Delete(cJSON_DetachItemViaPointer(dst, dst->child));
		nl = 0;
		rc = 0;
	}
	if (!rc)
		rc = ssa_items(s, cfg, lt, key, bstr(dotted), &ic, &nc);
	sl = nl ? malloc(nl * sizeof(*sl)) : NULL;
	items = nl ? malloc(nl * sizeof(*items)) : NULL;
	if (!rc && nl && (!sl || !items))
		rc = -ENOMEM;
	if (rc)
		goto out;
	for (c = dst->child; c && i < nl; c = c->next)
		items[i++] = c;
	if (nl)
		qsort(memcpy(sl, il, nl * sizeof(*sl)), nl, sizeof(*sl), ssa_item_cmp);
	i = 0;
	cJSON_ArrayForEach(c, cfg)
	{
		long j;
		cJSON *v;

		if (rc || i >= nc)
			break;
		j = nl ? ssa_item_find(sl, nl, ic[i++].elem) : (i++, -1);
		if (j >= 0) {
			if (lt == SSA_MAP)
				rc = ssa_merge_in(s, items[j], c, dotted);
			continue;
		}
		v = cJSON_Duplicate(c, true);
		if (!v || !cJSON_AddItemToArray(dst, v)) {
			cJSON_Delete(v);
			rc = -ENOMEM;
		}
	}
out:
	free(sl);
	free(items);
	ssa_items_free(il, nl);
	ssa_items_free(ic, nc);
	return rc;
}

static int ssa_merge_in(struct ssa *s, cJSON *dst, const cJSON *cfg, struct buf *dotted)
{
	enum ssa_list lt;
	const char *key;

	if (!patch_spend(&s->work, 1))
		return -E2BIG;
	if (cJSON_IsObject(dst))
		return ssa_merge_members(s, dst, cfg, dotted);
	ssa_granular(s, cfg, bstr(dotted), &lt, &key);
	return ssa_merge_items(s, dst, cfg, lt, key, dotted);
}

/* live (an object) merged with cfg (an object), as a new object; NULL with
 * *rc on error. */
static cJSON *ssa_merge(struct ssa *s, const cJSON *live, const cJSON *cfg, struct buf *dotted,
			int *rc)
{
	cJSON *out = cJSON_Duplicate(live, true);

	*rc = out ? ssa_merge_in(s, out, cfg, dotted) : -ENOMEM;
	if (*rc == -E2BIG)
		ssa_expensive(s);
	if (*rc) {
		cJSON_Delete(out);
		return NULL;
	}
	return out;
}

/* ---- removing fields from an object ---- */

static int ssa_prune_walk(struct ssa *s, cJSON *v, struct buf *path, struct buf *dotted, int depth,
			  const struct fset *rm, const struct fset *keep);

/* Child c of parent (at path): removed if rm holds it; walked if rm holds
 * something below it, and then removed too if that left it empty, unless
 * it is a top-level field or keep holds it or something below it. */
static int ssa_prune_child(struct ssa *s, cJSON *parent, cJSON *c, struct buf *path,
			   struct buf *dotted, int depth, const struct fset *rm,
			   const struct fset *keep)
{
	bool had;
	int rc;

	if (fset_has(rm, bstr(path))) {
		cJSON_Delete(cJSON_DetachItemViaPointer(parent, c));
		return 0;
	}
	if (!fset_covers(rm, bstr(path)) || !(cJSON_IsObject(c) || cJSON_IsArray(c)))
		return 0;
	had = c->child != NULL;
	rc = ssa_prune_walk(s, c, path, dotted, depth, rm, keep);
	if (!rc && had && !c->child && depth >= 2 && !fset_covers(keep, bstr(path)))
		cJSON_Delete(cJSON_DetachItemViaPointer(parent, c));
	return rc;
}

/* Remove what rm holds from the container v at path, in one walk that
 * enters only the subtrees rm reaches. */
static int ssa_prune_walk(struct ssa *s, cJSON *v, struct buf *path, struct buf *dotted, int depth,
			  const struct fset *rm, const struct fset *keep)
{
	enum ssa_list lt;
	const char *key;
	struct ssa_item *it = NULL;
	size_t n = 0, i = 0;
	cJSON *c, *next;
	bool strict = s->strict;
	int rc = 0;

	if (!patch_spend(&s->work, 1))
		return ssa_expensive(s);
	if (cJSON_IsObject(v)) {
		for (c = v->child; !rc && c; c = next) {
			struct ssa_pos m = ssa_mark(path, dotted);

			next = c->next;
			if (!c->string)
				continue;
			rc = ssa_push_field(path, dotted, c->string);
			if (!rc)
				rc = ssa_prune_child(s, v, c, path, dotted, depth + 1, rm, keep);
			ssa_back(path, dotted, m);
		}
		return rc;
	}
	if (!ssa_granular(s, v, bstr(dotted), &lt, &key))
		return 0;
	s->strict = false;
	rc = ssa_items(s, v, lt, key, bstr(dotted), &it, &n);
	s->strict = strict;
	if (rc)
		return rc == -EINVAL ? 0 : rc; /* items without names: nothing is theirs */
	for (c = v->child; !rc && c && i < n; c = next, i++) {
		struct ssa_pos m = ssa_mark(path, dotted);

		next = c->next;
		rc = ssa_push_elem(path, it[i].elem);
		if (!rc)
			rc = ssa_prune_child(s, v, c, path, dotted, depth + 1, rm, keep);
		ssa_back(path, dotted, m);
	}
	ssa_items_free(it, n);
	return rc;
}

/* ---- the two operations ---- */

static void ssa_init(struct ssa *s, const struct patch_ssa *o, const cJSON *a, const cJSON *b,
		     char *err, size_t errlen)
{
	struct jcmp_size za = {0}, zb = {0};

	jcmp_measure(a, &za);
	jcmp_measure(b, &zb);
	*s = (struct ssa){.o = o, .err = err, .errlen = errlen};
	s->work.max = PATCH_WORK_FACTOR * (za.nodes + zb.nodes) + PATCH_WORK_MIN;
	/* paths repeat their prefixes, so a deep object has long ones (a
	 * 1000-deep chain: 1000 paths of up to 4 KB): a multiple of the input,
	 * and at least PATCH_SSA_PATH_MIN */
	s->path_bytes =
	    PATCH_SSA_PATH_FACTOR * (o->max_bytes + za.bytes + zb.bytes) + PATCH_SSA_PATH_MIN;
	if (err && errlen)
		err[0] = 0;
}

static void ssa_diff_free(struct ssa_diff *d)
{
	fset_free(&d->mod);
	fset_free(&d->add);
	fset_free(&d->rem);
}

/* The changes from a to b; d->add gets mod too (what the writer takes). */
static int ssa_compare(struct ssa *s, const cJSON *a, const cJSON *b, struct ssa_diff *d)
{
	struct buf path = {0}, dotted = {0};
	int rc;

	*d = (struct ssa_diff){0};
	s->strict = false;
	rc = a ? ssa_diff(s, a, b, &path, &dotted, 0, d)
	       : ssa_fields_whole(s, b, &path, &dotted, 0, &d->add);
	buf_free(&path);
	buf_free(&dotted);
	if (rc)
		return rc;
	fset_norm(&d->mod);
	fset_norm(&d->rem);
	return fset_union(s, &d->add, &d->mod);
}

int patch_ssa_update(const struct patch_ssa *o, const cJSON *old, cJSON *obj, char *err,
		     size_t errlen)
{
	struct ssa s;
	struct ssa_mgrs ms;
	struct ssa_diff d;
	struct ssa_mgr *me;
	int rc;

	ssa_init(&s, o, old, obj, err, errlen);
	rc = ssa_mgrs_read(&s, old, &ms);
	if (!rc)
		rc = ssa_compare(&s, old, obj, &d);
	if (rc)
		goto out_mgrs;
	me = ssa_mgr_find(&ms, o->manager, "Update", o->subresource);
	/* what this write changed or removed is nobody else's any more */
	for (size_t i = 0; i < ms.n; i++) {
		if (&ms.m[i] != me)
			fset_minus(&ms.m[i].set, &d.add);
		fset_minus(&ms.m[i].set, &d.rem);
	}
	if (d.add.n) {
		me = ssa_mgr_get(&s, &ms, "Update");
		rc = me ? ssa_mgr_stamp(me, o) : -ENOMEM;
		if (!rc)
			rc = fset_union(&s, &me->set, &d.add);
	}
	if (!rc)
		rc = ssa_mgrs_write(&s, &ms, obj);
	ssa_diff_free(&d);
out_mgrs:
	ssa_mgrs_free(&ms);
	return rc;
}

/* The conflicts of an apply, sorted by manager: [{manager, field}]. */
static int ssa_conflicts(struct ssa_mgrs *ms, const struct patch_ssa *o, const struct fset *changes,
			 cJSON **out)
{
	cJSON *arr = cJSON_CreateArray();

	if (!arr)
		return -ENOMEM;
	if (ms->n > 1)
		qsort(ms->m, ms->n, sizeof(*ms->m), ssa_mgr_cmp);
	for (size_t i = 0; i < ms->n; i++) {
		const struct ssa_mgr *m = &ms->m[i];

		if (m == ssa_mgr_find(ms, o->manager, "Apply", o->subresource))
			continue;
		for (size_t j = 0; j < m->set.n; j++) {
			char who[600], field[2048];
			cJSON *c;

			if (!fset_has(changes, m->set.p[j]))
				continue;
			if (!strcmp(m->operation, "Update"))
				snprintf(who, sizeof(who), "\"%s\"%s%s%s using %s", m->manager,
					 m->subresource[0] ? " with subresource \"" : "",
					 m->subresource, m->subresource[0] ? "\"" : "",
					 m->api_version);
			else
				snprintf(who, sizeof(who), "\"%s\"", m->manager);
			patch_ssa_path_string(m->set.p[j], field, sizeof(field));
			c = cJSON_CreateObject();
			if (!c || !cJSON_AddItemToArray(arr, c)) {
				cJSON_Delete(c);
				cJSON_Delete(arr);
				return -ENOMEM;
			}
			cJSON_AddStringToObject(c, "manager", who);
			cJSON_AddStringToObject(c, "field", field);
		}
	}
	*out = arr;
	return 0;
}

/* Prune: what the manager applied before and applies no more goes, unless
 * another manager (or the new configuration) holds it or something below. */
static int ssa_prune(struct ssa *s, cJSON *merged, const struct ssa_mgrs *ms,
		     const struct ssa_mgr *me, const struct fset *applied)
{
	struct fset owned = {0}, rm = {0}; /* rm: sorted, as me->set */
	struct buf path = {0}, dotted = {0};
	int rc = fset_union(s, &owned, applied);

	for (size_t i = 0; !rc && i < ms->n; i++)
		if (&ms->m[i] != me)
			rc = fset_union(s, &owned, &ms->m[i].set);
	for (size_t i = 0; me && !rc && i < me->set.n; i++)
		if (!fset_covers(&owned, me->set.p[i]))
			rc = fset_add(s, &rm, me->set.p[i], strlen(me->set.p[i]));
	if (!rc && rm.n)
		rc = ssa_prune_walk(s, merged, &path, &dotted, 0, &rm, &owned);
	fset_free(&owned);
	fset_free(&rm);
	buf_free(&path);
	buf_free(&dotted);
	return rc;
}

int patch_ssa_apply(const struct patch_ssa *o, const cJSON *live, const cJSON *config, cJSON **out,
		    cJSON **conflicts, char *err, size_t errlen)
{
	struct ssa s;
	struct ssa_mgrs ms = {0};
	struct ssa_diff d = {0};
	struct fset applied = {0};
	struct buf path = {0}, dotted = {0};
	struct ssa_mgr *me;
	cJSON *merged = NULL, *empty, *cfg = NULL;
	bool had;
	int rc;

	*out = NULL;
	*conflicts = NULL;
	ssa_init(&s, o, live, config, err, errlen);
	rc = ssa_mgrs_read(&s, live, &ms);
	if (rc)
		goto out;
	cfg = cJSON_Duplicate(config, true);
	rc = cfg ? ssa_dedupe(&s, cfg) : -ENOMEM;
	if (rc == -E2BIG)
		ssa_expensive(&s);
	if (rc)
		goto out;
	config = cfg;
	s.strict = true;
	rc = ssa_fields(&s, config, &path, &dotted, 0, &applied);
	if (rc)
		goto out;
	fset_norm(&applied);
	/* a new object is the configuration merged into nothing: in scope */
	empty = live ? NULL : cJSON_CreateObject();
	merged = live || empty ? ssa_merge(&s, live ? live : empty, config, &dotted, &rc) : NULL;
	cJSON_Delete(empty);
	if (!merged) {
		rc = rc ? rc : -ENOMEM;
		goto out;
	}
	me = ssa_mgr_find(&ms, o->manager, "Apply", o->subresource);
	rc = ssa_prune(&s, merged, &ms, me, &applied);
	if (!rc)
		rc = ssa_compare(&s, live, merged, &d);
	if (rc)
		goto out;
	if (!o->force) {
		rc = ssa_conflicts(&ms, o, &d.add, conflicts);
		if (!rc && cJSON_GetArraySize(*conflicts))
			rc = -EBUSY;
		if (rc)
			goto out;
		cJSON_Delete(*conflicts);
		*conflicts = NULL;
		me = ssa_mgr_find(&ms, o->manager, "Apply", o->subresource);
	}
	for (size_t i = 0; i < ms.n; i++) {
		if (&ms.m[i] == me)
			continue;
		fset_minus(&ms.m[i].set, &d.add); /* forced: the fields change hands */
		fset_minus(&ms.m[i].set, &d.rem);
	}
	had = me != NULL;
	me = ssa_mgr_get(&s, &ms, "Apply");
	if (!me) {
		rc = -ENOMEM;
		goto out;
	}
	fset_free(&me->set);
	me->set = applied;
	applied = (struct fset){0};
	/* the entry's time is the last apply that changed the object */
	if (had && (d.add.n || d.rem.n))
		rc = ssa_mgr_stamp(me, o);
	if (!rc)
		rc = ssa_mgrs_write(&s, &ms, merged);
out:
	if (rc) {
		cJSON_Delete(merged);
		merged = NULL;
	}
	if (rc != -EBUSY) {
		cJSON_Delete(*conflicts);
		*conflicts = NULL;
	}
	if (!rc && o->max_bytes) {
		struct jcmp_size z;

		if (jcmp_measure(merged, &z) || z.bytes > o->max_bytes) {
			cJSON_Delete(merged);
			merged = NULL;
			rc = ssa_fail(&s, -E2BIG, "%s", "the result of the apply is too large");
		}
	}
	*out = merged;
	cJSON_Delete(cfg);
	ssa_diff_free(&d);
	fset_free(&applied);
	buf_free(&path);
	buf_free(&dotted);
	ssa_mgrs_free(&ms);
	return rc;
}
