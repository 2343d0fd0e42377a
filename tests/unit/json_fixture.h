/* json_fixture: JSON fixtures for the cmocka tests, written with ' for " to
 * stay readable (a \' inside a C string stays a quote: it becomes \").
 * Include after cmocka.h. */
#ifndef SKIFF_TEST_JSON_FIXTURE_H
#define SKIFF_TEST_JSON_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

static inline cJSON *J(const char *s)
{
	char *t = strdup(s);
	cJSON *v;

	assert_non_null(t);
	for (char *p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	v = cJSON_Parse(t);
	if (!v)
		fail_msg("bad fixture JSON: %s", t);
	free(t);
	return v;
}

#endif
