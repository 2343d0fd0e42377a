/* schema_check: unknown and duplicate fields of JSON bodies (see
 * schema_check.h). Linear in the body apart from one sort per object wider
 * than a handful of keys, so a body of 200,000 keys costs milliseconds. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "schema_check.h"
#include "schema_int.h"

/* Up to this many members, repeated keys are found by comparing each with
 * the ones before it; wider objects are sorted. */
#define CHK_SMALL 16

enum { DUP_EARLIER = 1, DUP_LATER = 2 };

struct chk {
	struct sch_report *rep; /* NULL: prune instead of reporting */
	struct sch_path path;
	int found;
};

struct dup_ent {
	const char *key;
	size_t idx;
};

static int dup_cmp(const void *a, const void *b)
{
	const struct dup_ent *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* For each of the n members of obj: whether a member before it, or after
 * it, has the same key. *marks is NULL when there are none; the caller
 * frees it. Returns 0 or -ENOMEM. */
static int dup_marks(const cJSON *obj, size_t n, uint8_t **marks)
{
	struct dup_ent *e = NULL;
	uint8_t *m = NULL;
	const cJSON *c;
	size_t i, j;
	bool any = false;

	*marks = NULL;
	if (n < 2)
		return 0;
	m = calloc(n, 1);
	if (!m)
		return -ENOMEM;
	if (n <= CHK_SMALL) {
		const cJSON *a, *b;

		for (a = obj->child, i = 0; a; a = a->next, i++)
			for (b = a->next, j = i + 1; b; b = b->next, j++)
				if (a->string && b->string && !strcmp(a->string, b->string)) {
					m[i] |= DUP_LATER;
					m[j] |= DUP_EARLIER;
					any = true;
				}
		goto out;
	}
	e = malloc(n * sizeof(*e));
	if (!e) {
		free(m);
		return -ENOMEM;
	}
	for (c = obj->child, i = 0; c; c = c->next, i++)
		e[i] = (struct dup_ent){c->string ? c->string : "", i};
	qsort(e, n, sizeof(*e), dup_cmp);
	for (i = 1; i < n; i++)
		if (!strcmp(e[i - 1].key, e[i].key)) {
			m[e[i - 1].idx] |= DUP_LATER;
			m[e[i].idx] |= DUP_EARLIER;
			any = true;
		}
	free(e);
out:
	if (any)
		*marks = m;
	else
		free(m);
	return 0;
}

static int chk_obj(struct chk *c, const struct sch_type *t, cJSON *obj, int depth);

/* A finding at the current path. */
static void chk_found(struct chk *c, enum sch_msg_kind kind, const char *what)
{
	c->found++;
	if (c->rep)
		sch_report_add(c->rep, kind, "%s field \"%s\"", what, c->path.s);
}

/* The repeated keys of a map (its values are not fields). */
static int chk_map_dups(struct chk *c, const cJSON *map)
{
	uint8_t *marks;
	const cJSON *m;
	size_t i;
	int rc = dup_marks(map, (size_t)cJSON_GetArraySize(map), &marks);

	if (rc || !marks)
		return rc;
	for (m = map->child, i = 0; m; m = m->next, i++) {
		if (!(marks[i] & DUP_EARLIER))
			continue;
		size_t old = sch_path_field(&c->path, m->string);

		chk_found(c, SCH_MSG_DUPLICATE, "duplicate");
		sch_path_pop(&c->path, old);
	}
	free(marks);
	return 0;
}

/* One value (a list element or the whole value) of field f. */
static int chk_elem(struct chk *c, const struct sch_field *f, cJSON *v, int depth)
{
	cJSON *m;
	int rc;

	if (f->kind == SCH_OBJECT && f->type)
		return chk_obj(c, f->type, v, depth + 1);
	if (f->kind != SCH_MAP || !cJSON_IsObject(v))
		return 0;
	if (c->rep && (rc = chk_map_dups(c, v)))
		return rc;
	if (f->elem != SCH_OBJECT || !f->type)
		return 0;
	cJSON_ArrayForEach(m, v)
	{
		size_t old = sch_path_field(&c->path, m->string);

		rc = chk_obj(c, f->type, m, depth + 1);
		sch_path_pop(&c->path, old);
		if (rc)
			return rc;
	}
	return 0;
}

static int chk_value(struct chk *c, const struct sch_field *f, cJSON *v, int depth)
{
	cJSON *e;
	int i = 0, rc;

	if (f->kind == SCH_ANY || f->kind == SCH_RAW)
		return 0;
	if (!(f->flags & SCH_F_LIST))
		return chk_elem(c, f, v, depth);
	if (!cJSON_IsArray(v))
		return 0;
	cJSON_ArrayForEach(e, v)
	{
		size_t old = sch_path_push(&c->path, "[%d]", i++);

		rc = chk_elem(c, f, e, depth);
		sch_path_pop(&c->path, old);
		if (rc)
			return rc;
	}
	return 0;
}

static int chk_obj(struct chk *c, const struct sch_type *t, cJSON *obj, int depth)
{
	uint8_t *marks = NULL;
	cJSON *m, *next;
	size_t i;
	int rc = 0;

	if (!cJSON_IsObject(obj) || depth > SCH_MAX_DEPTH)
		return 0;
	/* pruning runs after duplicates were dropped */
	if (c->rep && (rc = dup_marks(obj, (size_t)cJSON_GetArraySize(obj), &marks)))
		return rc;
	for (m = obj->child, i = 0; m; m = next, i++) {
		const struct sch_field *f;
		size_t old;

		next = m->next;
		if (!m->string)
			continue;
		old = sch_path_field(&c->path, m->string);
		if (marks && (marks[i] & DUP_EARLIER)) {
			chk_found(c, SCH_MSG_DUPLICATE, "duplicate");
		} else if (!(f = sch_field(t, m->string))) {
			if (!(t->flags & SCH_F_PRESERVE)) {
				chk_found(c, SCH_MSG_UNKNOWN, "unknown");
				if (!c->rep)
					cJSON_Delete(cJSON_DetachItemViaPointer(obj, m));
			}
		} else {
			rc = chk_value(c, f, m, depth);
		}
		sch_path_pop(&c->path, old);
		if (rc)
			break;
	}
	free(marks);
	return rc;
}

int sch_check(const struct sch_type *t, const cJSON *obj, struct sch_report *rep)
{
	struct chk c = {.rep = rep};
	/* with a report the walk only reads */
	int rc = chk_obj(&c, t, (cJSON *)obj, 0);

	return rc ? rc : c.found;
}

int sch_prune(const struct sch_type *t, cJSON *obj)
{
	struct chk c = {.rep = NULL};
	int rc = t ? chk_obj(&c, t, obj, 0) : 0;

	return rc ? rc : c.found;
}

static int drop_dups(cJSON *v)
{
	uint8_t *marks = NULL;
	cJSON *m, *next;
	size_t i;
	int rc = 0, n = 0;

	if (cJSON_IsObject(v) && (rc = dup_marks(v, (size_t)cJSON_GetArraySize(v), &marks)))
		return rc;
	for (m = v->child, i = 0; m; m = next, i++) {
		next = m->next;
		if (marks && (marks[i] & DUP_LATER)) {
			cJSON_Delete(cJSON_DetachItemViaPointer(v, m));
			n++;
			continue;
		}
		if ((rc = drop_dups(m)) < 0)
			break;
		n += rc;
		rc = 0;
	}
	free(marks);
	return rc < 0 ? rc : n;
}

int sch_drop_duplicates(cJSON *obj)
{
	return drop_dups(obj);
}

int sch_validation_parse(const char *s, enum sch_validation *v)
{
	if (!s || !*s || !strcmp(s, "Warn"))
		*v = SCH_VALIDATE_WARN;
	else if (!strcmp(s, "Strict"))
		*v = SCH_VALIDATE_STRICT;
	else if (!strcmp(s, "Ignore"))
		*v = SCH_VALIDATE_IGNORE;
	else
		return -EINVAL;
	return 0;
}
