/* patch_idx: content-keyed lookup of JSON values (see patch_idx.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "patch_idx.h"

const cJSON *patch_idx_key(const cJSON *item, const char *mkey)
{
	if (!mkey)
		return item;
	return cJSON_IsObject(item) ? cJSON_GetObjectItemCaseSensitive(item, mkey) : NULL;
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
	ix->e = calloc(n ? n : 1, sizeof(*ix->e));
	if (!ix->e)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!vals[i])
			continue;
		ix->e[ix->n].text = cJSON_PrintUnformatted(vals[i]);
		if (!ix->e[ix->n].text) {
			patch_idx_free(ix);
			return -ENOMEM;
		}
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

long patch_idx_find(const struct patch_idx *ix, const cJSON *v)
{
	struct patch_idx_ent key = {0}, *f;

	if (!ix->n || !v)
		return -1;
	key.text = cJSON_PrintUnformatted(v);
	if (!key.text)
		return -ENOMEM;
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
