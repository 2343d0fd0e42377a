/* store_tree: treap with subtree sizes over the current objects (see
 * store_tree.h). Split and merge recurse to the tree's depth, O(log n)
 * expected. */
#include <stdlib.h>
#include <string.h>
#include "store_tree.h"

static size_t sz(const struct sobj *n)
{
	return n ? n->size : 0;
}

static void fix(struct sobj *n)
{
	n->size = 1 + sz(n->l) + sz(n->r);
}

/* l: the keys below key, r: key and above. */
static void split(struct sobj *n, const char *key, struct sobj **l, struct sobj **r)
{
	if (!n) {
		*l = *r = NULL;
		return;
	}
	if (strcmp(n->key, key) < 0) {
		split(n->r, key, &n->r, r);
		*l = n;
	} else {
		split(n->l, key, l, &n->l);
		*r = n;
	}
	fix(n);
}

/* Every key of l sorts before every key of r. */
static struct sobj *merge(struct sobj *l, struct sobj *r)
{
	if (!l || !r)
		return l ? l : r;
	if (l->prio >= r->prio) {
		l->r = merge(l->r, r);
		fix(l);
		return l;
	}
	r->l = merge(l, r->l);
	fix(r);
	return r;
}

struct sobj *stree_find(const struct stree *t, const char *key)
{
	struct sobj *n = t->root;

	while (n) {
		int c = strcmp(key, n->key);

		if (!c)
			return n;
		n = c < 0 ? n->l : n->r;
	}
	return NULL;
}

void stree_insert(struct stree *t, struct sobj *o)
{
	struct sobj *l, *r;

	/* xorshift32: priorities need only be independent of the keys */
	t->seed = t->seed ? t->seed : 0x9e3779b9u;
	t->seed ^= t->seed << 13;
	t->seed ^= t->seed >> 17;
	t->seed ^= t->seed << 5;
	o->prio = t->seed;
	o->l = o->r = NULL;
	o->size = 1;
	split(t->root, o->key, &l, &r);
	t->root = merge(merge(l, o), r);
}

void stree_remove(struct stree *t, struct sobj *o)
{
	struct sobj **p = &t->root;

	/* o is in the tree: every node on the way loses one descendant */
	while (*p != o) {
		(*p)->size--;
		p = strcmp(o->key, (*p)->key) < 0 ? &(*p)->l : &(*p)->r;
	}
	*p = merge(o->l, o->r);
	o->l = o->r = NULL;
}

size_t stree_size(const struct stree *t)
{
	return sz(t->root);
}

size_t stree_rank(const struct stree *t, const char *key, bool incl)
{
	const struct sobj *n = t->root;
	size_t rank = 0;

	while (n) {
		int c = strcmp(n->key, key);

		if (c < 0 || (incl && !c)) {
			rank += sz(n->l) + 1;
			n = n->r;
		} else {
			n = n->l;
		}
	}
	return rank;
}

struct sobj *stree_at(const struct stree *t, size_t i)
{
	struct sobj *n = t->root;

	while (n) {
		size_t left = sz(n->l);

		if (i == left)
			return n;
		if (i < left) {
			n = n->l;
		} else {
			i -= left + 1;
			n = n->r;
		}
	}
	return NULL;
}

void stree_iter_init(struct stree_iter *it, const struct stree *t, size_t first)
{
	struct sobj *n = t->root;
	size_t i = first;

	it->t = t;
	it->depth = 0;
	it->rank = first;
	it->fallback = false;
	/* the path to the node of rank first: every node whose left part we
	 * enter is still to come, and so is the target itself */
	while (n) {
		size_t left = sz(n->l);

		if (i < left || i == left) {
			if (it->depth == STREE_ITER_DEPTH) {
				it->fallback = true;
				return;
			}
			it->stack[it->depth++] = n;
			if (i == left)
				return;
			n = n->l;
		} else {
			i -= left + 1;
			n = n->r;
		}
	}
}

struct sobj *stree_iter_next(struct stree_iter *it)
{
	struct sobj *n, *c;

	if (it->fallback)
		return stree_at(it->t, it->rank++);
	if (!it->depth)
		return NULL;
	n = it->stack[--it->depth];
	it->rank++;
	/* the successors below n: its right subtree's leftmost path */
	for (c = n->r; c; c = c->l) {
		if (it->depth == STREE_ITER_DEPTH) {
			it->fallback = true;
			break;
		}
		it->stack[it->depth++] = c;
	}
	return n;
}

size_t stree_prefix_end(const struct stree *t, const char *prefix)
{
	const struct sobj *n = t->root;
	size_t len = strlen(prefix), rank = 0;

	/* "the first len bytes sort at or before the prefix" holds for a
	 * leading run of the keys in order, which ends with the last key that
	 * starts with the prefix */
	while (n) {
		if (strncmp(n->key, prefix, len) <= 0) {
			rank += sz(n->l) + 1;
			n = n->r;
		} else {
			n = n->l;
		}
	}
	return rank;
}

static void destroy(struct sobj *n, void (*free_fn)(struct sobj *))
{
	if (!n)
		return;
	destroy(n->l, free_fn);
	destroy(n->r, free_fn);
	free_fn(n);
}

void stree_destroy(struct stree *t, void (*free_fn)(struct sobj *))
{
	destroy(t->root, free_fn);
	t->root = NULL;
}
