/* patch_idx: lookup of JSON values by content for the patch module (merge
 * keys, scalar set members). Values are keyed by their compact JSON text,
 * so 80 and 80.0 are equal and "80" differs from 80, like Go's == on
 * decoded values; lookups are O(log n) so large lists stay cheap. */
#ifndef SKIFF_PATCH_IDX_H
#define SKIFF_PATCH_IDX_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

struct patch_idx_ent {
	char *text; /* cJSON_PrintUnformatted of the value */
	size_t pos; /* first position of that value in the source */
};

struct patch_idx {
	struct patch_idx_ent *e; /* sorted by text, one entry per distinct text */
	size_t n;
};

/* The key of a list element: its mkey member (NULL if absent or the item
 * is not an object), or the item itself when mkey is NULL. */
const cJSON *patch_idx_key(const cJSON *item, const char *mkey);

/* Index vals[0..n) (NULL entries skipped). 0 or -ENOMEM. */
int patch_idx_build(struct patch_idx *ix, const cJSON *const *vals, size_t n);
/* Index the keys of list's elements (list may be NULL = empty); with
 * skip_directives, elements holding "$patch" are left out. Positions count
 * every element. 0 or -ENOMEM. */
int patch_idx_list(struct patch_idx *ix, const cJSON *list, const char *mkey, bool skip_directives);
/* First position of v, -1 if absent, -ENOMEM. */
long patch_idx_find(const struct patch_idx *ix, const cJSON *v);
void patch_idx_free(struct patch_idx *ix);

/* Remove later duplicates from an array in place. 0 or -ENOMEM. */
int patch_idx_dedupe(cJSON *list);

#endif
