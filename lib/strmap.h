/* strmap: a string-keyed hash map of pointers (chained, power-of-two
 * buckets, grown at load 1). Keys are copied; values belong to the caller.
 * For in-memory indexes that must answer in a hash lookup however many
 * entries they hold (the RBAC index, token tables). */
#ifndef SKIFF_STRMAP_H
#define SKIFF_STRMAP_H

#include <stddef.h>

struct strmap_ent;

struct strmap {
	struct strmap_ent **bucket;
	size_t nbucket, n;
};

void strmap_init(struct strmap *m);
/* Frees the entries (not the values). */
void strmap_free(struct strmap *m);
void *strmap_get(const struct strmap *m, const char *key);
/* Set key to val; *old (may be NULL) gets the value replaced (NULL if
 * none). 0 or -ENOMEM. */
int strmap_put(struct strmap *m, const char *key, void *val, void **old);
/* Remove key; returns its value, NULL if absent. */
void *strmap_del(struct strmap *m, const char *key);
/* fn for each entry, in no order; fn must not change the map. */
void strmap_foreach(const struct strmap *m, void (*fn)(void *ud, const char *key, void *val),
		    void *ud);

#endif
