/* libFuzzer harness for the RBAC rule matcher (auth/rbac_match.c).
 *
 * Input: "<held rules JSON array>\n<rule JSON array>\n<attrs>" where attrs
 * is lines "verb", "group", "resource", "subresource", "name", "path" and a
 * last line whose first byte picks a resource request (even) or a
 * non-resource one (odd). Missing lines are "".
 *
 * Invariants:
 *  - a rule set covers each of its own well-formed rules (an object whose
 *    members are arrays of strings, as validation admits): the escalation
 *    check lets anyone re-grant what they hold;
 *  - soundness of the escalation check: if held covers rule r and r allows
 *    a request, some rule of held allows it too;
 *  - rbac_rule_allows is a pure function (same answer twice) and never
 *    allows a request without a verb.
 * The attributes are those a real request can carry: the resource and
 * subresource come from one path segment each, so they hold no '/'. */
// clang-format off
/* FUZZ_SOURCES: controlplane/auth/rbac_match.c */
// clang-format on
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "auth/rbac_match.h"

#define FUZZ_NATTR 7

static bool fuzz_held_allows(const cJSON *held, const struct auth_attrs *at)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, held)
	{
		if (rbac_rule_allows(r, at))
			return true;
	}
	return false;
}

/* What the API's validation lets into a stored PolicyRule: an object whose
 * rule members are absent or arrays of strings. */
static bool fuzz_rule_valid(const cJSON *rule)
{
	static const char *const keys[] = {"verbs", "apiGroups", "resources", "resourceNames",
					   "nonResourceURLs"};
	const cJSON *m, *s;

	if (!cJSON_IsObject(rule))
		return false;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		m = cJSON_GetObjectItemCaseSensitive(rule, keys[i]);
		if (!m)
			continue;
		if (!cJSON_IsArray(m))
			return false;
		cJSON_ArrayForEach(s, m)
		{
			if (!cJSON_IsString(s))
				return false;
		}
	}
	return true;
}

static void fuzz_die(const char *what, const cJSON *held, const cJSON *rule,
		     const struct auth_attrs *at)
{
	char *h = cJSON_PrintUnformatted(held), *r = cJSON_PrintUnformatted(rule);

	fprintf(stderr,
		"fuzz_rbac: %s\n  held %s\n  rule %s\n  attrs verb=%s group=%s resource=%s "
		"subresource=%s name=%s path=%s resource_request=%d\n",
		what, h ? h : "?", r ? r : "?", at->verb, at->group, at->resource, at->subresource,
		at->name, at->path, at->resource_request);
	abort();
}

/* Split s at newlines into at most n fields (the last keeps the rest). */
static int fuzz_split(char *s, char **f, int n)
{
	int k = 0;

	while (k < n - 1) {
		char *nl = strchr(s, '\n');

		f[k++] = s;
		if (!nl)
			return k;
		*nl = 0;
		s = nl + 1;
	}
	f[k++] = s;
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *f[2 + FUZZ_NATTR], *a[FUZZ_NATTR];
	cJSON *held = NULL, *rules = NULL;
	const cJSON *r;
	struct auth_attrs at;
	int nf, i;

	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	nf = fuzz_split(buf, f, 2 + FUZZ_NATTR);
	if (nf < 2)
		goto out;
	held = cJSON_Parse(f[0]);
	rules = cJSON_Parse(f[1]);
	if (!cJSON_IsArray(held) || !cJSON_IsArray(rules))
		goto out;
	for (i = 0; i < FUZZ_NATTR; i++)
		a[i] = 2 + i < nf ? f[2 + i] : (char *)"";
	/* a path segment never holds '/' */
	if (strchr(a[2], '/') || strchr(a[3], '/'))
		goto out;
	at = (struct auth_attrs){.verb = a[0],
				 .group = a[1],
				 .resource = a[2],
				 .subresource = a[3],
				 .name = a[4],
				 .path = a[5],
				 .resource_request = !(a[6][0] & 1)};

	cJSON_ArrayForEach(r, held)
	{
		if (fuzz_rule_valid(r) && !rbac_rules_cover(held, r))
			fuzz_die("a rule set does not cover its own rule", held, r, &at);
	}
	cJSON_ArrayForEach(r, rules)
	{
		bool allows = rbac_rule_allows(r, &at);

		if (allows != rbac_rule_allows(r, &at))
			fuzz_die("rbac_rule_allows answered twice differently", held, r, &at);
		if (allows && rbac_rules_cover(held, r) && !fuzz_held_allows(held, &at))
			fuzz_die("held covers the rule, the rule allows the request, held does not",
				 held, r, &at);
		if (allows && !*at.verb) {
			struct auth_attrs nv = at;

			nv.verb = NULL;
			if (rbac_rule_allows(r, &nv))
				fuzz_die("a rule allows a request without a verb", held, r, &at);
		}
	}
out:
	cJSON_Delete(held);
	cJSON_Delete(rules);
	free(buf);
	return 0;
}
