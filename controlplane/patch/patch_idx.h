/* patch_idx: lookup of JSON values by content for the patch module (merge
 * keys, scalar set members). Values are keyed by their compact JSON text,
 * so 80 and 80.0 are equal and "80" differs from 80, like Go's == on
 * decoded values; lookups are O(log n) so large lists stay cheap. */
#ifndef SKIFF_PATCH_IDX_H
#define SKIFF_PATCH_IDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

struct patch_idx_ent {
	char *text; /* cJSON_PrintUnformatted of the value */
	size_t pos; /* first position of that value in the source */
};

struct patch_idx {
	struct patch_idx_ent *e; /* sorted by text, one entry per distinct text */
	size_t n;
	size_t work; /* bytes printed building it, for the caller's work budget */
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
/* First position of v, -1 if absent, -ENOMEM. Adds the bytes printed to
 * ix->work. */
long patch_idx_find(struct patch_idx *ix, const cJSON *v);
void patch_idx_free(struct patch_idx *ix);

/* Remove later duplicates from an array in place. 0 or -ENOMEM. */
int patch_idx_dedupe(cJSON *list);

/* The members of one object hashed by name, so that looking up every key
 * of a wide patch in a wide object costs O(n), not O(n^2) (and not the
 * O(n log n) string comparisons of a sorted index, which dominated a
 * 200,000-key patch). Small objects are scanned instead (no allocation).
 * Change the object only through patch_keys_put/remove while the index
 * lives. */
struct patch_keys_ent {
	cJSON *m;
	size_t next; /* next member of the same name, SIZE_MAX: none */
	bool dead;   /* removed */
};

struct patch_keys_slot {
	uint64_t hash;
	const char *name;  /* the name itself: one memory access less per probe */
	size_t head, tail; /* entries of this name in object order; SIZE_MAX: empty slot */
};

struct patch_keys {
	cJSON *obj;
	struct patch_keys_ent *e; /* NULL: small object, scanned */
	size_t n;
	struct patch_keys_slot *slot; /* open addressing, power-of-two size */
	size_t nslot;
	/* Scanned mode: how many leading members existed at build time. Only
	 * they are looked up, as in indexed mode (whose index never learns
	 * appended names): a small object merged into by a wide patch grows
	 * at its end, and scanning the appended members too would make the
	 * merge quadratic. */
	size_t scan_n;
	/* Some name occurs more than once (true in scanned mode: not known).
	 * Without repeats every member is the last of its name, and callers
	 * may skip patch_keys_last. */
	bool dups;
	cJSON *dead; /* removed members, freed with the index (names stay valid) */
};

struct patch_budget;

/* Index obj's members (obj NULL or not an object: empty), paying b for the
 * members counted before hashing them. 0, -E2BIG (budget spent) or
 * -ENOMEM. */
int patch_keys_build(struct patch_keys *k, cJSON *obj, struct patch_budget *b);
/* The first member named name, or NULL. */
cJSON *patch_keys_get(const struct patch_keys *k, const char *name);
/* The last member named name, or NULL. A JSON object decoded by Go keeps
 * the last of repeated keys, and upstream patches see only that one; look
 * patch members up with this. */
cJSON *patch_keys_last(const struct patch_keys *k, const char *name);
/* Put val (owned) under name: in place of the first member of that name,
 * else appended. Members appended are not found by later gets. 0 or
 * -ENOMEM (val freed). */
int patch_keys_put(struct patch_keys *k, const char *name, cJSON *val);
/* Remove the first member named name, if any. */
void patch_keys_remove(struct patch_keys *k, const char *name);
void patch_keys_free(struct patch_keys *k);

/* Put val (owned) in place of obj's member old (freed), under old's name.
 * O(1). 0 or -ENOMEM (val freed, old kept). */
int patch_member_replace(cJSON *obj, cJSON *old, cJSON *val);

/* ---- shared by patch.c and patch_smp.c ---- */

/* Steps of work a patch may still do (see PATCH_WORK_FACTOR). */
struct patch_budget {
	size_t used, max;
};

/* Spend n steps; false once the budget is exceeded. */
static inline bool patch_spend(struct patch_budget *b, size_t n)
{
	b->used += n;
	return b->used <= b->max;
}

/* The message for an exceeded budget. */
void patch_budget_err(const struct patch_budget *b, char *err, size_t errlen);

/* Strategic merge patch (patch_smp.c): 0 with *out set, or -EINVAL,
 * -E2BIG (budget), -ENOMEM with the message in err. */
int patch_smp_apply(const cJSON *orig, const cJSON *patch, const char *kind, struct patch_budget *b,
		    cJSON **out, char *err, size_t errlen);

#endif
