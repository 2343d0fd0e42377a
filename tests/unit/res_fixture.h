/* res_fixture: what the resource-layer unit tests share (test_validate.c,
 * test_validate_b.c, test_table.c): JSON fixtures written with ' for ", and
 * table-driven validation cases checked against the causes a type reports.
 * Header-only; include after cmocka.h. */
#ifndef SKIFF_RES_FIXTURE_H
#define SKIFF_RES_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "registry/resource.h"
#include "registry/verrs.h"

/* Parse a fixture, turning ' into ". */
static inline cJSON *parse_q(const char *s)
{
	char *d = strdup(s);
	cJSON *o;

	for (char *p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	o = cJSON_Parse(d);
	free(d);
	return o;
}

struct vcase {
	const char *desc;
	const char *res;
	const char *obj;
	const char *old;    /* NULL: create */
	const char *field;  /* NULL: the object must be valid */
	const char *reason; /* FieldValue... */
	const char *msg;    /* the cause message (or a part of it, see vcase_failed) */
};

/* Whether case c's causes e miss what it wants (printed as TAP comments);
 * exact: the whole message, else a part of it. */
static inline int vcase_failed(const struct vcase *c, const struct verrs *e, bool exact)
{
	if (!c->field) {
		if (!e->n)
			return 0;
		printf("# FAIL %s: expected valid, got %s: %s\n", c->desc, e->e[0].field,
		       e->e[0].message);
		return 1;
	}
	for (int k = 0; k < e->n; k++)
		if (!strcmp(e->e[k].field, c->field) && !strcmp(e->e[k].reason, c->reason) &&
		    (exact ? !strcmp(e->e[k].message, c->msg) : !!strstr(e->e[k].message, c->msg)))
			return 0;
	printf("# FAIL %s: want %s [%s] %s\n", c->desc, c->field, c->reason, c->msg);
	for (int k = 0; k < e->n; k++)
		printf("#   got %s [%s] %s\n", e->e[k].field, e->e[k].reason, e->e[k].message);
	return 1;
}

/* A fixture with the type's defaults applied. */
static inline cJSON *fixture_defaulted(const struct res_type *rt, const char *json)
{
	cJSON *o = parse_q(json);

	assert_non_null(o);
	rt->defaults(o);
	return o;
}

/* o's member at path (keys split at sep; a number indexes an array)
 * equals the fixture want_q. */
static inline void assert_json_sep(const cJSON *o, const char *path, char sep, const char *want_q)
{
	cJSON *want = parse_q(want_q);
	const char seps[2] = {sep, 0};
	const cJSON *v = o;
	char key[128];

	for (const char *p = path; v && *p;) {
		size_t n = strcspn(p, seps);

		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		v = cJSON_IsArray(v) ? cJSON_GetArrayItem(v, atoi(key))
				     : cJSON_GetObjectItemCaseSensitive(v, key);
		p += n + (p[n] == sep);
	}
	if (!cJSON_Compare(v, want, true)) {
		char *got = v ? cJSON_PrintUnformatted(v) : NULL;

		fail_msg("%s: got %s, want %s", path, got ? got : "(missing)", want_q);
	}
	cJSON_Delete(want);
}

#endif
