/* store_tree: the store's ordered index of current objects, a treap (a
 * binary search tree by key, heap-ordered by a random priority, so its
 * expected depth is O(log n)) with subtree sizes, which makes it an
 * order-statistic tree: a page of a list seeks to its first key and counts
 * the keys after it in O(log n). Internal to store/. */
#ifndef SKIFF_STORE_TREE_H
#define SKIFF_STORE_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store.h"

/* One current object. kv.key/kv.value point at the owned strings. */
struct sobj {
	struct store_kv kv;
	char *key;
	char *value;
	struct sobj *l, *r;
	uint32_t prio; /* a parent's prio is >= its children's */
	size_t size;   /* nodes in this subtree, itself included */
};

struct stree {
	struct sobj *root;
	uint32_t seed; /* xorshift state for the priorities */
};

struct sobj *stree_find(const struct stree *t, const char *key);
/* Link o (o->key set, not in the tree yet). */
void stree_insert(struct stree *t, struct sobj *o);
/* Unlink the node with o's key (it must be in the tree). */
void stree_remove(struct stree *t, struct sobj *o);
size_t stree_size(const struct stree *t);
/* How many keys sort before key (or before or equal to it, with incl). */
size_t stree_rank(const struct stree *t, const char *key, bool incl);
/* The node of rank i (0-based), NULL past the end. */
struct sobj *stree_at(const struct stree *t, size_t i);
/* In-order iteration from rank `first`: O(log n) to seek, O(1) amortized
 * per node after (stree_at per item would pay O(log n) and a cache miss
 * chain each). The stack holds the path; treap depth stays far below its
 * size with overwhelming probability, and a deeper tree falls back to
 * stree_at. */
#define STREE_ITER_DEPTH 128
struct stree_iter {
	const struct stree *t;
	struct sobj *stack[STREE_ITER_DEPTH];
	int depth;
	size_t rank;   /* of the next node */
	bool fallback; /* the path did not fit: use stree_at */
};
void stree_iter_init(struct stree_iter *it, const struct stree *t, size_t first);
/* The next node, NULL past the end. */
struct sobj *stree_iter_next(struct stree_iter *it);

/* The rank just past the last key that starts with prefix. */
size_t stree_prefix_end(const struct stree *t, const char *prefix);
/* Free every node with free_fn. */
void stree_destroy(struct stree *t, void (*free_fn)(struct sobj *));

#endif
