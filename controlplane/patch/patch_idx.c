/* patch_idx: content-keyed lookup of JSON values (see patch_idx.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "patch_idx.h"
#include "strhash.h"

const cJSON *patch_idx_key(const cJSON *item, const char *mkey)
{
	if (!mkey)
		return item;
	return cJSON_IsObject(item) ? cJSON_GetObjectItemCaseSensitive(item, mkey) : NULL;
}

/* The text a value is keyed by: equal values, equal texts. Merge keys are
 * almost always integers (ports) or strings (names), and cJSON prints a
 * number through sprintf and sscanf, which dominated a 50,000-element
 * list; those two get a direct text. A string is '"' and its bytes (no
 * closing quote: the text only has to tell values apart, and nothing else
 * starts with '"'); an integral number within 2^53 is its decimal digits
 * (80 and 80.0 alike, as cJSON prints them); everything else is cJSON's
 * compact JSON. NULL on allocation failure. */
static char *patch_idx_text(const cJSON *v)
{
	if (cJSON_IsString(v) && v->valuestring) {
		size_t n = strlen(v->valuestring);
		char *t = malloc(n + 2);

		if (t) {
			t[0] = '"';
			memcpy(t + 1, v->valuestring, n + 1);
		}
		return t;
	}
	/* range first: converting an out-of-range double is undefined */
	if (cJSON_IsNumber(v) && v->valuedouble >= -9007199254740992.0 &&
	    v->valuedouble <= 9007199254740992.0 &&
	    v->valuedouble == (double)(int64_t)v->valuedouble) {
		char buf[24], *p = buf + sizeof(buf);
		int64_t x = (int64_t)v->valuedouble;
		uint64_t u = x < 0 ? (uint64_t)-x : (uint64_t)x;

		*--p = 0;
		do
			*--p = (char)('0' + u % 10);
		while (u /= 10);
		if (x < 0)
			*--p = '-';
		return strdup(p);
	}
	return cJSON_PrintUnformatted(v);
}

static int patch_idx_cmp(const void *a, const void *b)
{
	const struct patch_idx_ent *x = a, *y = b;
	int c = strcmp(x->text, y->text);

	if (c)
		return c;
	return x->pos < y->pos ? -1 : (x->pos > y->pos);
}

void patch_idx_free(struct patch_idx *ix)
{
	for (size_t i = 0; i < ix->n; i++)
		free(ix->e[i].text);
	free(ix->e);
	ix->e = NULL;
	ix->n = 0;
}

/* Texts and positions of vals, sorted by (text, position); duplicates kept. */
static int patch_idx_sorted(struct patch_idx *ix, const cJSON *const *vals, size_t n)
{
	ix->n = 0;
	ix->work = n;
	ix->e = calloc(n ? n : 1, sizeof(*ix->e));
	if (!ix->e)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!vals[i])
			continue;
		ix->e[ix->n].text = patch_idx_text(vals[i]);
		if (!ix->e[ix->n].text) {
			patch_idx_free(ix);
			return -ENOMEM;
		}
		ix->work += strlen(ix->e[ix->n].text) + 1;
		ix->e[ix->n++].pos = i;
	}
	qsort(ix->e, ix->n, sizeof(*ix->e), patch_idx_cmp);
	return 0;
}

int patch_idx_build(struct patch_idx *ix, const cJSON *const *vals, size_t n)
{
	size_t w = 0;
	int rc = patch_idx_sorted(ix, vals, n);

	if (rc)
		return rc;
	/* Keep the first (lowest position) entry of each text. */
	for (size_t i = 0; i < ix->n; i++) {
		if (w && !strcmp(ix->e[w - 1].text, ix->e[i].text)) {
			free(ix->e[i].text);
			continue;
		}
		ix->e[w++] = ix->e[i];
	}
	ix->n = w;
	return 0;
}

/* The keys of list's elements, one slot per element (NULL when skipped). */
static const cJSON **patch_idx_keys(const cJSON *list, const char *mkey, bool skip_directives,
				    size_t *n)
{
	const cJSON **keys, *it;
	size_t i = 0;

	*n = cJSON_IsArray(list) ? (size_t)cJSON_GetArraySize(list) : 0;
	keys = calloc(*n ? *n : 1, sizeof(*keys));
	if (!keys || !*n)
		return keys;
	cJSON_ArrayForEach(it, list)
	{
		if (i >= *n)
			break;
		if (!(skip_directives && cJSON_GetObjectItemCaseSensitive(it, "$patch")))
			keys[i] = patch_idx_key(it, mkey);
		i++;
	}
	return keys;
}

int patch_idx_list(struct patch_idx *ix, const cJSON *list, const char *mkey, bool skip_directives)
{
	size_t n;
	const cJSON **keys = patch_idx_keys(list, mkey, skip_directives, &n);
	int rc;

	ix->e = NULL;
	ix->n = 0;
	ix->work = 0;
	if (!keys)
		return -ENOMEM;
	rc = patch_idx_build(ix, keys, n);
	free(keys);
	return rc;
}

static int patch_idx_cmp_text(const void *a, const void *b)
{
	return strcmp(((const struct patch_idx_ent *)a)->text,
		      ((const struct patch_idx_ent *)b)->text);
}

long patch_idx_find(struct patch_idx *ix, const cJSON *v)
{
	struct patch_idx_ent key = {0}, *f;

	if (!ix->n || !v)
		return -1;
	key.text = patch_idx_text(v);
	if (!key.text)
		return -ENOMEM;
	ix->work += strlen(key.text) + 1;
	/* Entries are unique by text, so comparing the text alone suffices. */
	f = bsearch(&key, ix->e, ix->n, sizeof(*ix->e), patch_idx_cmp_text);
	free(key.text);
	return f ? (long)f->pos : -1;
}

int patch_idx_dedupe(cJSON *list)
{
	struct patch_idx all;
	const cJSON **keys;
	cJSON *it, *next;
	bool *dup;
	size_t n, i;
	int rc;

	keys = patch_idx_keys(list, NULL, false, &n);
	if (!keys)
		return -ENOMEM;
	rc = patch_idx_sorted(&all, keys, n);
	free(keys);
	if (rc)
		return rc;
	dup = calloc(n ? n : 1, sizeof(*dup));
	if (!dup) {
		patch_idx_free(&all);
		return -ENOMEM;
	}
	/* Sorted by (text, position): every entry equal to its predecessor is a
	 * later duplicate. */
	for (i = 1; i < all.n; i++)
		if (!strcmp(all.e[i - 1].text, all.e[i].text))
			dup[all.e[i].pos] = true;
	patch_idx_free(&all);
	i = 0;
	for (it = list->child; it; it = next, i++) {
		next = it->next;
		if (i < n && dup[i])
			cJSON_Delete(cJSON_DetachItemViaPointer(list, it));
	}
	free(dup);
	return 0;
}

/* ---- object members by name ---- */

/* Objects up to this many members are scanned: cheaper than hashing. */
#define PATCH_KEYS_SCAN 8
#define PATCH_KEYS_NONE SIZE_MAX

/* The slot of name: its own, or the empty one where it would go. */
static struct patch_keys_slot *patch_keys_slot(const struct patch_keys *k, const char *name,
					       uint64_t h)
{
	size_t mask = k->nslot - 1;

	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		struct patch_keys_slot *sl = &k->slot[i];

		if (sl->head == PATCH_KEYS_NONE)
			return sl;
		if (sl->hash == h && !strcmp(sl->name, name))
			return sl;
	}
}

int patch_keys_build(struct patch_keys *k, cJSON *obj, struct patch_budget *b)
{
	size_t n = 0;
	cJSON *m;

	*k = (struct patch_keys){.obj = obj};
	if (!cJSON_IsObject(obj))
		return 0;
	for (m = obj->child; m; m = m->next)
		n += m->string != NULL;
	if (!patch_spend(b, n))
		return -E2BIG;
	if (n <= PATCH_KEYS_SCAN) {
		k->scan_n = n;
		k->dups = true;
		return 0;
	}
	for (k->nslot = 16; k->nslot < 2 * n; k->nslot *= 2)
		;
	k->e = malloc(n * sizeof(*k->e));
	k->slot = malloc(k->nslot * sizeof(*k->slot));
	if (!k->e || !k->slot) {
		free(k->e);
		free(k->slot);
		*k = (struct patch_keys){.obj = obj};
		return -ENOMEM;
	}
	for (size_t i = 0; i < k->nslot; i++)
		k->slot[i].head = PATCH_KEYS_NONE;
	for (m = obj->child; m; m = m->next) {
		uint64_t h;
		struct patch_keys_slot *sl;

		if (!m->string)
			continue;
		h = strhash(m->string);
		sl = patch_keys_slot(k, m->string, h);
		k->e[k->n] = (struct patch_keys_ent){m, PATCH_KEYS_NONE, false};
		if (sl->head == PATCH_KEYS_NONE) {
			*sl = (struct patch_keys_slot){h, m->string, k->n, k->n};
		} else {
			k->e[sl->tail].next = k->n;
			sl->tail = k->n;
			k->dups = true;
		}
		k->n++;
	}
	return 0;
}

/* The entry of the first live member named name (indexed mode). */
static struct patch_keys_ent *patch_keys_live(const struct patch_keys *k, const char *name)
{
	const struct patch_keys_slot *sl = patch_keys_slot(k, name, strhash(name));

	for (size_t i = sl->head; i != PATCH_KEYS_NONE; i = k->e[i].next)
		if (!k->e[i].dead)
			return &k->e[i];
	return NULL;
}

cJSON *patch_keys_get(const struct patch_keys *k, const char *name)
{
	const struct patch_keys_ent *e;

	if (!k->e) {
		size_t i = 0;

		if (!cJSON_IsObject(k->obj))
			return NULL;
		for (cJSON *m = k->obj->child; m && i < k->scan_n; m = m->next, i++)
			if (m->string && !strcmp(m->string, name))
				return m;
		return NULL;
	}
	e = patch_keys_live(k, name);
	return e ? e->m : NULL;
}

cJSON *patch_keys_last(const struct patch_keys *k, const char *name)
{
	const struct patch_keys_slot *sl;
	cJSON *last = NULL;

	if (!k->e) {
		if (!cJSON_IsObject(k->obj))
			return NULL;
		for (cJSON *m = k->obj->child; m; m = m->next)
			if (m->string && !strcmp(m->string, name))
				last = m;
		return last;
	}
	sl = patch_keys_slot(k, name, strhash(name));
	for (size_t i = sl->head; i != PATCH_KEYS_NONE; i = k->e[i].next)
		if (!k->e[i].dead)
			last = k->e[i].m;
	return last;
}

int patch_member_replace(cJSON *obj, cJSON *old, cJSON *val)
{
	/* cJSON_ReplaceItemViaPointer keeps the replacement's own name. */
	char *copy = strdup(old->string);

	if (!copy) {
		cJSON_Delete(val);
		return -ENOMEM;
	}
	if (val->string && !(val->type & cJSON_StringIsConst))
		free(val->string);
	val->string = copy;
	val->type &= ~cJSON_StringIsConst;
	cJSON_ReplaceItemViaPointer(obj, old, val);
	return 0;
}

int patch_keys_put(struct patch_keys *k, const char *name, cJSON *val)
{
	cJSON *old = patch_keys_get(k, name);

	if (!old) {
		if (cJSON_AddItemToObject(k->obj, name, val))
			return 0;
		cJSON_Delete(val);
		return -ENOMEM;
	}
	if (k->e) {
		struct patch_keys_slot *sl = patch_keys_slot(k, name, strhash(name));
		struct patch_keys_ent *e = patch_keys_live(k, name);
		int rc = patch_member_replace(k->obj, old, val);

		if (rc)
			return rc;
		/* old (and the name the slot pointed at) is gone */
		e->m = val;
		sl->name = k->e[sl->head].m->string;
		return 0;
	}
	return patch_member_replace(k->obj, old, val);
}

void patch_keys_remove(struct patch_keys *k, const char *name)
{
	cJSON *old = patch_keys_get(k, name);

	if (!old)
		return;
	cJSON_DetachItemViaPointer(k->obj, old);
	if (!k->e) {
		k->scan_n--; /* old was one of the leading members */
		cJSON_Delete(old);
		return;
	}
	/* The slot still compares by this member's name: keep it alive. */
	patch_keys_live(k, name)->dead = true;
	old->next = k->dead;
	k->dead = old;
}

void patch_keys_free(struct patch_keys *k)
{
	while (k->dead) {
		cJSON *next = k->dead->next;

		k->dead->next = NULL;
		cJSON_Delete(k->dead);
		k->dead = next;
	}
	free(k->e);
	free(k->slot);
	*k = (struct patch_keys){0};
}
