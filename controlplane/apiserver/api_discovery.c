/* api_discovery: /version, /api, /apis and the APIResourceLists, all
 * generated from the resource table (the OpenAPI documents: api_openapi.c). */
#include <stdio.h>
#include <string.h>
#include "api.h"

/* The served API groups and their versions, from the resource table: a
 * group in the order its first type is listed, its versions likewise, the
 * first one preferred (res_types lists autoscaling/v2 before v1). */
#define API_MAX_GROUPS	 16
#define API_MAX_VERSIONS 4
struct api_group_def {
	const char *name;
	const char *versions[API_MAX_VERSIONS];
	int nversions;
};

static int api_groups_of(struct api_group_def *g, int max)
{
	int n = 0, i, k;

	for (int t = 0; t < res_ntypes; t++) {
		const struct res_type *rt = res_types[t];

		if (!rt->group[0])
			continue;
		for (i = 0; i < n && strcmp(g[i].name, rt->group); i++)
			;
		if (i == n) {
			if (n == max)
				continue;
			g[n++] = (struct api_group_def){.name = rt->group};
		}
		for (k = 0; k < g[i].nversions && strcmp(g[i].versions[k], rt->version); k++)
			;
		if (k == g[i].nversions && k < API_MAX_VERSIONS)
			g[i].versions[g[i].nversions++] = rt->version;
	}
	return n;
}

static cJSON *api_strings(const char *const *v)
{
	cJSON *a = cJSON_CreateArray();

	for (; *v; v++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*v));
	return a;
}

static void api_add_res(cJSON *list, const char *name, bool namespaced, const char *kind,
			const char *const *verbs)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "name", name);
	cJSON_AddStringToObject(r, "singularName", "");
	cJSON_AddBoolToObject(r, "namespaced", namespaced);
	cJSON_AddStringToObject(r, "kind", kind);
	cJSON_AddItemToObject(r, "verbs", api_strings(verbs));
	cJSON_AddItemToArray(list, r);
}

/* A subresource's entry ("pods/status"); group and version name its kind's
 * when they are another group's (NULL: the resource's own). */
static void api_add_sub(cJSON *list, const struct res_type *rt, const char *sub, const char *kind,
			const char *const *verbs, const char *group, const char *version)
{
	char name[64];
	cJSON *r;

	snprintf(name, sizeof(name), "%s/%s", rt->plural, sub);
	api_add_res(list, name, rt->namespaced, kind, verbs);
	if (!group)
		return;
	r = cJSON_GetArrayItem(list, cJSON_GetArraySize(list) - 1);
	cJSON_AddStringToObject(r, "group", group);
	cJSON_AddStringToObject(r, "version", version);
}

static cJSON *api_resource_list(const char *group, const char *version)
{
	static const char *const verbs[] = {"create", "delete", "deletecollection",
					    "get",    "list",	"patch",
					    "update", "watch",	NULL};
	static const char *const verbs_nodc[] = {"create", "delete", "get",   "list",
						 "patch",  "update", "watch", NULL};
	static const char *const sub_verbs[] = {"get", "patch", "update", NULL};
	static const char *const bind_verbs[] = {"create", NULL};
	static const char *const get_verbs[] = {"get", NULL};
	cJSON *doc = cJSON_CreateObject(), *list;
	char gv[64];
	bool any = false;

	snprintf(gv, sizeof(gv), "%s%s%s", group, group[0] ? "/" : "", version);
	cJSON_AddStringToObject(doc, "kind", "APIResourceList");
	cJSON_AddStringToObject(doc, "apiVersion", "v1");
	cJSON_AddStringToObject(doc, "groupVersion", gv);
	list = cJSON_AddArrayToObject(doc, "resources");
	for (int i = 0; i < res_ntypes; i++) {
		const struct res_type *rt = res_types[i];
		cJSON *r;

		if (strcmp(rt->group, group) || strcmp(rt->version, version))
			continue;
		any = true;
		api_add_res(list, rt->plural, rt->namespaced, rt->kind,
			    rt->review		      ? bind_verbs
			    : rt->no_deletecollection ? verbs_nodc
						      : verbs);
		r = cJSON_GetArrayItem(list, cJSON_GetArraySize(list) - 1);
		cJSON_ReplaceItemInObject(r, "singularName", cJSON_CreateString(rt->singular));
		if (rt->short_names[0])
			cJSON_AddItemToObject(r, "shortNames", api_strings(rt->short_names));
		if (rt->all_category)
			cJSON_AddItemToObject(r, "categories",
					      api_strings((const char *const[]){"all", NULL}));
		if (rt->has_status)
			api_add_sub(list, rt, "status", rt->kind, sub_verbs, NULL, NULL);
		if (rt->has_scale)
			api_add_sub(list, rt, "scale", "Scale", sub_verbs, "autoscaling", "v1");
		if (rt->has_binding)
			api_add_sub(list, rt, "binding", "Binding", bind_verbs, NULL, NULL);
		if (rt->has_log)
			api_add_sub(list, rt, "log", rt->kind, get_verbs, NULL, NULL);
		if (rt->has_token)
			api_add_sub(list, rt, "token", "TokenRequest", bind_verbs,
				    "authentication.k8s.io", "v1");
		/* kubectl (1.22+) drain evicts when this names policy's version.
		 * (1.20 also wants the policy group listed; it serves nothing
		 * until PodDisruptionBudget comes, and an empty group is an error
		 * to client-go's discovery, so 1.20 deletes the pods instead.) */
		if (rt->has_eviction)
			api_add_sub(list, rt, "eviction", "Eviction", bind_verbs, "policy", "v1");
	}
	if (!any) {
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}

static cJSON *api_group(const struct api_group_def *gd)
{
	cJSON *g = cJSON_CreateObject(), *vs, *v, *pref = NULL;
	char gv[64];

	cJSON_AddStringToObject(g, "name", gd->name);
	vs = cJSON_AddArrayToObject(g, "versions");
	for (int i = 0; i < gd->nversions; i++) {
		snprintf(gv, sizeof(gv), "%s/%s", gd->name, gd->versions[i]);
		v = cJSON_CreateObject();
		cJSON_AddStringToObject(v, "groupVersion", gv);
		cJSON_AddStringToObject(v, "version", gd->versions[i]);
		cJSON_AddItemToArray(vs, v);
		if (!pref)
			pref = cJSON_Duplicate(v, true);
	}
	cJSON_AddItemToObject(g, "preferredVersion", pref ? pref : cJSON_CreateObject());
	return g;
}

bool api_discovery(struct api *a, struct http_req *req, const char *path)
{
	struct api_group_def groups_def[API_MAX_GROUPS];
	int ngroups = api_groups_of(groups_def, API_MAX_GROUPS);
	cJSON *doc = NULL;

	if (api_path_is(path, "/version")) {
		doc = cJSON_Parse(
		    "{\"major\":\"1\",\"minor\":\"20\",\"gitVersion\":\"v1.20.2-skiff\","
		    "\"gitCommit\":\"0000000000000000000000000000000000000000\","
		    "\"gitTreeState\":\"clean\",\"buildDate\":\"2026-11-25T00:00:00Z\","
		    "\"goVersion\":\"go1.15.5\",\"compiler\":\"gc\","
		    "\"platform\":\"linux/amd64\"}");
	} else if (api_path_is(path, "/api")) {
		cJSON *c, *cidrs;

		doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "kind", "APIVersions");
		cJSON_AddItemToObject(doc, "versions",
				      api_strings((const char *const[]){"v1", NULL}));
		cidrs = cJSON_AddArrayToObject(doc, "serverAddressByClientCIDRs");
		c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "clientCIDR", "0.0.0.0/0");
		cJSON_AddStringToObject(c, "serverAddress", a->cfg.advertise);
		cJSON_AddItemToArray(cidrs, c);
	} else if (api_path_is(path, "/apis")) {
		cJSON *groups;

		doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "kind", "APIGroupList");
		cJSON_AddStringToObject(doc, "apiVersion", "v1");
		groups = cJSON_AddArrayToObject(doc, "groups");
		for (int i = 0; i < ngroups; i++)
			cJSON_AddItemToArray(groups, api_group(&groups_def[i]));
	} else if (api_path_is(path, "/api/v1")) {
		doc = api_resource_list("", "v1");
	} else if (!strncmp(path, "/openapi/", 9) || !strcmp(path, "/swagger-2.0.0.pb-v1")) {
		return api_openapi(a, req, path);
	} else if (!strncmp(path, "/apis/", 6)) {
		for (int i = 0; i < ngroups && !doc; i++) {
			const struct api_group_def *gd = &groups_def[i];
			char p1[64], p2[80];

			snprintf(p1, sizeof(p1), "/apis/%s", gd->name);
			if (api_path_is(path, p1)) {
				doc = api_group(gd);
				cJSON_AddStringToObject(doc, "kind", "APIGroup");
				cJSON_AddStringToObject(doc, "apiVersion", "v1");
			}
			for (int k = 0; k < gd->nversions && !doc; k++) {
				snprintf(p2, sizeof(p2), "%s/%s", p1, gd->versions[k]);
				if (api_path_is(path, p2))
					doc = api_resource_list(gd->name, gd->versions[k]);
			}
		}
	}
	if (!doc)
		return false;
	api_reply_json(req, 200, doc);
	cJSON_Delete(doc);
	return true;
}
