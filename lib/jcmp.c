/* jcmp: structural equality and measurement of cJSON trees (see jcmp.h).
 *
 * Both walks keep their pending work on a heap stack instead of the C
 * stack: trees that patches build may nest deeper than cJSON's parse limit
 * before they are refused, and every node is visited exactly once.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jcmp.h"

/* A growable stack of (a, b, depth) entries; b is unused when measuring. */
struct jcmp_ent {
	const cJSON *a, *b;
	size_t depth;
};

struct jcmp_stack {
	struct jcmp_ent *e;
	size_t n, cap;
};

static int jcmp_push(struct jcmp_stack *s, const cJSON *a, const cJSON *b, size_t depth)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct jcmp_ent *e = realloc(s->e, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		s->e = e;
		s->cap = cap;
	}
	s->e[s->n++] = (struct jcmp_ent){a, b, depth};
	return 0;
}

/* ---- equality ---- */

static int jcmp_type(const cJSON *v)
{
	return v->type & 0xFF;
}

struct jcmp_member {
	const cJSON *m;
	size_t pos;
};

/* By name, then by position: repeated keys keep their order. */
static int jcmp_member_cmp(const void *x, const void *y)
{
	const struct jcmp_member *a = x, *b = y;
	int c = strcmp(a->m->string, b->m->string);

	if (c)
		return c;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static struct jcmp_member *jcmp_sorted(const cJSON *obj, size_t n)
{
	struct jcmp_member *v = malloc((n ? n : 1) * sizeof(*v));
	const cJSON *m = obj->child;

	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++, m = m->next)
		v[i] = (struct jcmp_member){m, i};
	qsort(v, n, sizeof(*v), jcmp_member_cmp);
	return v;
}

/* Pair the members of two objects of n members each, by name. 1 when every
 * name has its partner (pairs pushed), 0 when not, -ENOMEM. */
static int jcmp_pair_members(struct jcmp_stack *s, const cJSON *a, const cJSON *b, size_t n)
{
	const cJSON *x = a->child, *y = b->child;
	struct jcmp_member *sa, *sb;
	int rc = 1;

	/* Fast path: the same keys in the same order. */
	while (x && y && x->string && y->string && !strcmp(x->string, y->string)) {
		if (jcmp_push(s, x, y, 0))
			return -ENOMEM;
		x = x->next;
		y = y->next;
	}
	if (!x && !y)
		return 1;
	for (const cJSON *m = a->child; m; m = m->next)
		if (!m->string)
			return 0;
	for (const cJSON *m = b->child; m; m = m->next)
		if (!m->string)
			return 0;
	/* Pairs pushed by the fast path are pushed again below: harmless, the
	 * stack is bounded by the number of members either way. */
	sa = jcmp_sorted(a, n);
	sb = jcmp_sorted(b, n);
	if (!sa || !sb) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n && rc == 1; i++) {
		if (strcmp(sa[i].m->string, sb[i].m->string))
			rc = 0;
		else if (jcmp_push(s, sa[i].m, sb[i].m, 0))
			rc = -ENOMEM;
	}
out:
	free(sa);
	free(sb);
	return rc;
}

/* The member count of a and b if equal, else SIZE_MAX. Walks both in
 * lockstep, so a small object against a wide one costs the small one. */
static size_t jcmp_count(const cJSON *a, const cJSON *b)
{
	const cJSON *x = a->child, *y = b->child;
	size_t n = 0;

	for (; x && y; x = x->next, y = y->next)
		n++;
	return x || y ? SIZE_MAX : n;
}

/* Compare one pair; containers push their children. 1 same so far, 0
 * different, -ENOMEM. */
static int jcmp_step(struct jcmp_stack *s, const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;
	size_t n;

	if (!a || !b)
		return a == b;
	if (jcmp_type(a) != jcmp_type(b))
		return 0;
	switch (jcmp_type(a)) {
	case cJSON_False:
	case cJSON_True:
	case cJSON_NULL:
		return 1;
	case cJSON_Number:
		return a->valuedouble == b->valuedouble;
	case cJSON_String:
	case cJSON_Raw:
		if (!a->valuestring || !b->valuestring)
			return 0;
		return !strcmp(a->valuestring, b->valuestring);
	case cJSON_Array:
		for (x = a->child, y = b->child; x && y; x = x->next, y = y->next)
			if (jcmp_push(s, x, y, 0))
				return -ENOMEM;
		return !x && !y;
	case cJSON_Object:
		n = jcmp_count(a, b);
		if (n == SIZE_MAX)
			return 0;
		return jcmp_pair_members(s, a, b, n);
	default:
		return 0; /* cJSON_Invalid */
	}
}

int jcmp_equal(const cJSON *a, const cJSON *b)
{
	struct jcmp_stack s = {0};
	int rc;

	if (a == b)
		return 1;
	rc = jcmp_step(&s, a, b);
	while (rc == 1 && s.n) {
		struct jcmp_ent e = s.e[--s.n];

		rc = jcmp_step(&s, e.a, e.b);
	}
	free(s.e);
	return rc;
}

/* ---- measurement ---- */

/* Bytes cJSON's print_string_ptr writes for s, quotes included. */
static size_t jcmp_str_bytes(const char *s)
{
	size_t n = 2;

	if (!s)
		return n;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\' || *p == '\b' || *p == '\f' || *p == '\n' ||
		    *p == '\r' || *p == '\t')
			n += 2;
		else if (*p < 32)
			n += 6; /* \u00XX */
		else
			n++;
	}
	return n;
}

/* Bytes cJSON's print_number writes for v (same formats, same choice). */
static size_t jcmp_num_bytes(const cJSON *v)
{
	double d = v->valuedouble, back;
	char buf[32];
	int len;

	if (!isfinite(d))
		return 4; /* null: cJSON prints NaN and infinities so */
	if (d == 0 && signbit(d))
		return 2; /* "-0" */
	if (d == (double)v->valueint) {
		/* Integers print as their digits; counted without formatting,
		 * since number-heavy objects are the common big ones. */
		long long i = v->valueint;
		size_t n = i < 0 ? 2 : 1;

		for (i = i < 0 ? -i : i; i >= 10; i /= 10)
			n++;
		return n;
	}
	len = snprintf(buf, sizeof(buf), "%1.15g", d);
	/* cJSON keeps 15 digits when they read back within its epsilon. */
	if (sscanf(buf, "%lg", &back) != 1 ||
	    fabs(back - d) > fmax(fabs(back), fabs(d)) * DBL_EPSILON)
		len = snprintf(buf, sizeof(buf), "%1.17g", d);
	return len > 0 ? (size_t)len : 0;
}

static size_t jcmp_scalar_bytes(const cJSON *v)
{
	switch (jcmp_type(v)) {
	case cJSON_False:
		return 5;
	case cJSON_True:
	case cJSON_NULL:
		return 4;
	case cJSON_Number:
		return jcmp_num_bytes(v);
	case cJSON_String:
		return jcmp_str_bytes(v->valuestring);
	case cJSON_Raw:
		return v->valuestring ? strlen(v->valuestring) : 0;
	default:
		return 0;
	}
}

int jcmp_measure(const cJSON *v, struct jcmp_size *out)
{
	struct jcmp_stack s = {0};
	int rc = 0;

	*out = (struct jcmp_size){0};
	if (!v)
		return 0;
	if (jcmp_push(&s, v, NULL, 0))
		return -ENOMEM;
	while (s.n) {
		struct jcmp_ent e = s.e[--s.n];
		int t = jcmp_type(e.a);
		size_t k = 0;

		out->nodes++;
		if (t != cJSON_Array && t != cJSON_Object) {
			out->bytes += jcmp_scalar_bytes(e.a);
			continue;
		}
		if (e.depth + 1 > out->depth)
			out->depth = e.depth + 1;
		for (const cJSON *c = e.a->child; c; c = c->next, k++) {
			if (t == cJSON_Object)
				out->bytes += jcmp_str_bytes(c->string) + 1; /* "name": */
			if (jcmp_push(&s, c, NULL, e.depth + 1)) {
				rc = -ENOMEM;
				goto out;
			}
		}
		out->bytes += 2 + (k ? k - 1 : 0); /* brackets and commas */
	}
out:
	free(s.e);
	return rc;
}
