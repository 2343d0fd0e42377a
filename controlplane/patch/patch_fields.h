/* patch_fields: the field sets of server-side apply (private to
 * patch_apply.c and patch_fields.c), in upstream's FieldsV1 spelling.
 *
 * A field set is a sorted array of paths. A path is its elements joined by
 * SSA_SEP, each element as FieldsV1 writes it: "f:name" (a member of an
 * object), "k:{\"port\":80,\"protocol\":\"TCP\"}" (an item of a list merged
 * by key, its key fields as compact JSON sorted by name), "v:json" (an item
 * of a list of scalars merged as a set) and "i:N" (by index; only read from
 * stored entries). A set holds the leaves of an object (scalars, nulls,
 * empty objects, lists replaced whole) and every item of a merged list;
 * FieldsV1 nests the same elements, "." marking a node that is a member and
 * has members below it. SSA_SEP sorts below every printable character, so
 * a path's descendants follow it contiguously.
 *
 * Which lists merge and by which key is what strategic merge patch knows
 * (patch_schema); the other lists and the selectors upstream marks atomic
 * are replaced whole.
 */
#ifndef SKIFF_PATCH_FIELDS_H
#define SKIFF_PATCH_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "buf.h"
#include "patch.h"
#include "patch_idx.h"

#define SSA_SEP	 '\x1f'
#define SSA_SEPS "\x1f"

/* A set of paths (malloc'd strings). */
struct fset {
	char **p;
	size_t n, cap;
};

/* One operation's state: its options, budgets and error message. */
struct ssa {
	const struct patch_ssa *o;
	struct patch_budget work; /* elements walked, keys hashed */
	size_t path_bytes;	  /* path text still allowed (all sets together) */
	bool strict;		  /* the applied configuration: bad list items are errors */
	/* A subtree a write added or removed whole: its objects and lists are
	 * fields too (upstream's comparison owns "f:labels" with its members,
	 * FieldsV1 ".": {}), except the top-level ones (spec, metadata: Go's
	 * empty object of the type has them already). An applied configuration
	 * owns only its leaves and list items. */
	bool whole;
	char *err;
	size_t errlen;
};

/* An error with its message (fmt takes one string), and the work budget's. */
int ssa_fail(struct ssa *s, int rc, const char *fmt, const char *arg);
int ssa_expensive(struct ssa *s);

/* ---- field sets: add, then fset_norm (sort, drop repeats) before the
 * lookups and set operations, which take normalized sets ---- */
int fset_add(struct ssa *s, struct fset *f, const char *path, size_t len);
void fset_free(struct fset *f);
void fset_norm(struct fset *f);
bool fset_has(const struct fset *f, const char *p);
bool fset_covers(const struct fset *f, const char *p);
void fset_minus(struct fset *f, const struct fset *g);
int fset_union(struct ssa *s, struct fset *f, const struct fset *g);

/* ---- the shape of an object ---- */
enum ssa_list { SSA_ATOMIC, SSA_SET, SSA_MAP };

enum ssa_list ssa_list_type(const struct ssa *s, const char *dotted, const char **key);
bool ssa_atomic_object(const char *dotted);
bool ssa_out_of_scope(const struct ssa *s, const char *key);
bool ssa_skip(const struct ssa *s, int depth, const char *dotted, const char *key);

/* ---- building paths: a mark, elements pushed, back to the mark ---- */
struct ssa_pos {
	size_t path, dotted;
};

static inline struct ssa_pos ssa_mark(const struct buf *path, const struct buf *dotted)
{
	return (struct ssa_pos){path->len, dotted->len};
}

static inline void ssa_back(struct buf *path, struct buf *dotted, struct ssa_pos m)
{
	path->len = m.path;
	if (path->p)
		path->p[m.path] = 0;
	dotted->len = m.dotted;
	if (dotted->p)
		dotted->p[m.dotted] = 0;
}

static inline const char *bstr(const struct buf *b)
{
	return b->p ? b->p : "";
}

int ssa_push_elem(struct buf *path, const char *elem);
int ssa_push_field(struct buf *path, struct buf *dotted, const char *key);

/* ---- the items of a merged list, named by their path element ---- */
struct ssa_item {
	char *elem; /* "k:{...}" or "v:..." */
	size_t pos;
};

/* ssa_items names every item in list order, -EINVAL (with the message
 * when strict) for an item without its key or two of one name;
 * ssa_item_find looks a name up in items sorted with ssa_item_cmp. */
void ssa_items_free(struct ssa_item *it, size_t n);
int ssa_item_cmp(const void *a, const void *b);
int ssa_items(struct ssa *s, const cJSON *list, enum ssa_list lt, const char *key,
	      const char *dotted, struct ssa_item **itp, size_t *np);
long ssa_item_find(const struct ssa_item *sorted, size_t n, const char *elem);

/* ---- metadata.managedFields: one entry per manager, operation and
 * subresource ---- */
struct ssa_mgr {
	char *manager, *operation, *api_version, *time, *subresource;
	struct fset set;
};

struct ssa_mgrs {
	struct ssa_mgr *m;
	size_t n;
};

/* Read obj's entries; find one; get this write's (added if new); stamp it
 * with the write's time and apiVersion; write them back in upstream's
 * order, capped (ancient-changes), empty ones left out. */
void ssa_mgrs_free(struct ssa_mgrs *ms);
int ssa_mgrs_read(struct ssa *s, const cJSON *obj, struct ssa_mgrs *ms);
struct ssa_mgr *ssa_mgr_find(struct ssa_mgrs *ms, const char *manager, const char *op,
			     const char *sub);
struct ssa_mgr *ssa_mgr_get(struct ssa *s, struct ssa_mgrs *ms, const char *op);
int ssa_mgr_stamp(struct ssa_mgr *m, const struct patch_ssa *o);
int ssa_mgr_cmp(const void *a, const void *b);
int ssa_mgrs_write(struct ssa *s, struct ssa_mgrs *ms, cJSON *obj);

#endif
