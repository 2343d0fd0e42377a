/* selector_int: the selector representation shared by selector.c (core,
 * matching, maps), selector_labels.c and selector_fields.c (parsers). */
#ifndef SKIFF_SELECTOR_INT_H
#define SKIFF_SELECTOR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "selector.h"

enum sel_op {
	SEL_EXISTS,	/* k */
	SEL_NOT_EXISTS, /* !k */
	SEL_EQ,		/* k=v, k==v */
	SEL_NE,		/* k!=v: also true without the key */
	SEL_IN,		/* k in (a,b) */
	SEL_NOT_IN,	/* k notin (a,b): also true without the key */
	SEL_GT,		/* k>5 (integers; upstream extension kept for parity) */
	SEL_LT,		/* k<5 */
};

struct sel_req {
	char *key; /* label key, or a dotted field path */
	enum sel_op op;
	char **vals;
	size_t nvals;
};

struct selector {
	struct sel_req *reqs;
	size_t n, cap;
};

/* Append a requirement with no values yet; NULL on ENOMEM. */
struct sel_req *sel_add(struct selector *sel, const char *key, size_t keylen, enum sel_op op);
/* Append a value (copied). 0 or -ENOMEM. */
int sel_req_add_val(struct sel_req *r, const char *v, size_t len);
/* Requirement.Matches; v is NULL when the object lacks the key. */
bool sel_req_match(const struct sel_req *r, const char *v);
/* A JSON scalar as text: strings as-is, true/false, integral numbers without
 * a fraction; anything else is "". buf holds number text. */
const char *sel_scalar(const cJSON *v, char *buf, size_t len);

#endif
