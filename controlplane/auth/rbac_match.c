/* rbac_match: see rbac_match.h. */
#include <stdio.h>
#include <string.h>
#include "rbac_match.h"

static bool rm_has(const cJSON *arr, const char *want)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr)
	{
		if (cJSON_IsString(it) && !strcmp(it->valuestring, want))
			return true;
	}
	return false;
}

/* "*" or equal. */
static bool rm_wild(const cJSON *arr, const char *want)
{
	return cJSON_IsArray(arr) && (rm_has(arr, "*") || rm_has(arr, want));
}

static bool rm_resource(const cJSON *arr, const char *res, const char *sub)
{
	const cJSON *it;
	size_t rn = strlen(res);

	if (!cJSON_IsArray(arr))
		return false;
	cJSON_ArrayForEach(it, arr)
	{
		const char *r = cJSON_IsString(it) ? it->valuestring : NULL;

		if (!r)
			continue;
		if (!strcmp(r, "*"))
			return true;
		if (!*sub) {
			if (!strcmp(r, res))
				return true;
			continue;
		}
		/* "resource/subresource" or "*\/subresource" */
		if (!strncmp(r, res, rn) && r[rn] == '/' && !strcmp(r + rn + 1, sub))
			return true;
		if (r[0] == '*' && r[1] == '/' && !strcmp(r + 2, sub))
			return true;
	}
	return false;
}

static bool rm_name(const cJSON *arr, const char *name)
{
	if (!arr || cJSON_IsNull(arr) || !cJSON_GetArraySize(arr))
		return true;
	return *name && rm_has(arr, name);
}

static bool rm_url(const cJSON *arr, const char *path)
{
	const cJSON *it;

	if (!cJSON_IsArray(arr))
		return false;
	cJSON_ArrayForEach(it, arr)
	{
		const char *u = cJSON_IsString(it) ? it->valuestring : NULL;
		size_t n;

		if (!u)
			continue;
		if (!strcmp(u, "*") || !strcmp(u, path))
			return true;
		/* upstream trims every trailing '*' (strings.TrimRight): "/api**"
		 * is the prefix "/api", so it allows whatever "/api*" does and
		 * a held "/api**" that covers "/api*" really grants it */
		n = strlen(u);
		if (!n || u[n - 1] != '*')
			continue;
		while (n && u[n - 1] == '*')
			n--;
		if (!strncmp(u, path, n))
			return true;
	}
	return false;
}

static const char *rm_s(const char *s)
{
	return s ? s : "";
}

bool rbac_rule_allows(const cJSON *rule, const struct auth_attrs *at)
{
	if (!cJSON_IsObject(rule) || !at->verb)
		return false;
	if (!rm_wild(cJSON_GetObjectItemCaseSensitive(rule, "verbs"), at->verb))
		return false;
	if (!at->resource_request)
		return rm_url(cJSON_GetObjectItemCaseSensitive(rule, "nonResourceURLs"),
			      rm_s(at->path));
	return rm_wild(cJSON_GetObjectItemCaseSensitive(rule, "apiGroups"), rm_s(at->group)) &&
	       rm_resource(cJSON_GetObjectItemCaseSensitive(rule, "resources"), rm_s(at->resource),
			   rm_s(at->subresource)) &&
	       rm_name(cJSON_GetObjectItemCaseSensitive(rule, "resourceNames"), rm_s(at->name));
}

static bool rm_held(const cJSON *held, const struct auth_attrs *at)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, held)
	{
		if (rbac_rule_allows(r, at))
			return true;
	}
	return false;
}

/* A held rule that names the atom (verb, group, resource string, name)
 * itself, or "*" in its place, grants all the atom grants, whatever the
 * resource string means: upstream's ruleCovers compares these strings.
 * Without it a rule such as resources ["pods/"] or a resource longer than
 * the split buffer would not cover itself. name NULL: the atom names
 * nothing, so only a held rule without resourceNames covers it. */
static bool rm_literal(const cJSON *held, const char *verb, const char *group, const char *res,
		       const char *name)
{
	const cJSON *h, *names;

	cJSON_ArrayForEach(h, held)
	{
		if (!cJSON_IsObject(h) ||
		    !rm_wild(cJSON_GetObjectItemCaseSensitive(h, "verbs"), verb) ||
		    !rm_wild(cJSON_GetObjectItemCaseSensitive(h, "apiGroups"), group) ||
		    !rm_wild(cJSON_GetObjectItemCaseSensitive(h, "resources"), res))
			continue;
		names = cJSON_GetObjectItemCaseSensitive(h, "resourceNames");
		if (!names || cJSON_IsNull(names) || !cJSON_GetArraySize(names) ||
		    (name && cJSON_IsArray(names) && rm_has(names, name)))
			return true;
	}
	return false;
}

/* Each (verb, group, resource, name) of a resource rule, or (verb, url) of
 * a non-resource one, must be held. A resource "a/b" is the atom
 * resource a, subresource b; "*\/b" stays literal so only a held "*" or
 * "*\/b" covers it. */
bool rbac_rules_cover(const cJSON *held, const cJSON *rule)
{
	const cJSON *verbs, *groups, *res, *names, *urls, *v, *g, *r, *n;
	bool resource_rule;

	if (!cJSON_IsObject(rule))
		return false;
	verbs = cJSON_GetObjectItemCaseSensitive(rule, "verbs");
	groups = cJSON_GetObjectItemCaseSensitive(rule, "apiGroups");
	res = cJSON_GetObjectItemCaseSensitive(rule, "resources");
	names = cJSON_GetObjectItemCaseSensitive(rule, "resourceNames");
	urls = cJSON_GetObjectItemCaseSensitive(rule, "nonResourceURLs");
	resource_rule = cJSON_GetArraySize(res) > 0;
	cJSON_ArrayForEach(v, verbs)
	{
		if (!cJSON_IsString(v))
			continue;
		cJSON_ArrayForEach(n, urls)
		{
			struct auth_attrs at = {.verb = v->valuestring, .path = n->valuestring};

			if (cJSON_IsString(n) && !rm_held(held, &at))
				return false;
		}
		if (!resource_rule)
			continue;
		cJSON_ArrayForEach(g, groups)
		{
			cJSON_ArrayForEach(r, res)
			{
				char rbuf[256], *slash;
				struct auth_attrs at = {.verb = v->valuestring,
							.resource_request = true,
							.group =
							    cJSON_IsString(g) ? g->valuestring : "",
							.resource = rbuf,
							.subresource = "",
							.name = ""};
				bool any_name = false;

				bool split_ok;

				if (!cJSON_IsString(g) || !cJSON_IsString(r))
					continue;
				/* too long to split: only a literal match covers it */
				split_ok = snprintf(rbuf, sizeof(rbuf), "%s", r->valuestring) <
					   (int)sizeof(rbuf);
				slash = strchr(rbuf, '/');
				if (slash && rbuf[0] != '*') {
					*slash = 0;
					at.subresource = slash + 1;
				}
				cJSON_ArrayForEach(n, names)
				{
					if (!cJSON_IsString(n))
						continue;
					any_name = true;
					at.name = n->valuestring;
					if (!rm_literal(held, at.verb, at.group, r->valuestring,
							at.name) &&
					    (!split_ok || !rm_held(held, &at)))
						return false;
				}
				if (!any_name &&
				    !rm_literal(held, at.verb, at.group, r->valuestring, NULL) &&
				    (!split_ok || !rm_held(held, &at)))
					return false;
			}
		}
	}
	return true;
}
