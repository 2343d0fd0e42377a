/* api_discovery: /version, /api, /apis, the APIResourceLists and /openapi/v2,
 * all generated from the resource table. */
#include <stdio.h>
#include <string.h>
#include "api.h"

/* gnostic openapi_v2.Document{swagger:"2.0", info{title:"Kubernetes",
 * version:"v1.20.2"}}: with no definitions kubectl skips client-side
 * validation instead of failing (k8s-api.md §4.7). */
static const unsigned char api_openapi_v2_pb[28] = {
    0x0a, 0x03, '2', '.', '0', 0x12, 0x15, 0x0a, 0x0a, 'K', 'u', 'b', 'e', 'r',
    'n',  'e',	't', 'e', 's', 0x12, 0x07, 'v',	 '1',  '.', '2', '0', '.', '2'};

static const char *api_groups[][2] = {{"apps", "v1"}, {"discovery.k8s.io", "v1"}};

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

static cJSON *api_resource_list(const char *group, const char *version)
{
	static const char *const verbs[] = {"create", "delete", "deletecollection",
					    "get",    "list",	"patch",
					    "update", "watch",	NULL};
	static const char *const verbs_nodc[] = {"create", "delete", "get",   "list",
						 "patch",  "update", "watch", NULL};
	static const char *const sub_verbs[] = {"get", "patch", "update", NULL};
	static const char *const bind_verbs[] = {"create", NULL};
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
		char sub[64];
		cJSON *r;

		if (strcmp(rt->group, group) || strcmp(rt->version, version))
			continue;
		any = true;
		api_add_res(list, rt->plural, rt->namespaced, rt->kind,
			    rt->no_deletecollection ? verbs_nodc : verbs);
		r = cJSON_GetArrayItem(list, cJSON_GetArraySize(list) - 1);
		cJSON_ReplaceItemInObject(r, "singularName", cJSON_CreateString(rt->singular));
		if (rt->short_names[0])
			cJSON_AddItemToObject(r, "shortNames", api_strings(rt->short_names));
		if (rt->all_category)
			cJSON_AddItemToObject(r, "categories",
					      api_strings((const char *const[]){"all", NULL}));
		if (rt->has_status) {
			snprintf(sub, sizeof(sub), "%s/status", rt->plural);
			api_add_res(list, sub, rt->namespaced, rt->kind, sub_verbs);
		}
		if (rt->has_scale) {
			snprintf(sub, sizeof(sub), "%s/scale", rt->plural);
			api_add_res(list, sub, rt->namespaced, "Scale", sub_verbs);
			r = cJSON_GetArrayItem(list, cJSON_GetArraySize(list) - 1);
			cJSON_AddStringToObject(r, "group", "autoscaling");
			cJSON_AddStringToObject(r, "version", "v1");
		}
		if (rt->has_binding) {
			snprintf(sub, sizeof(sub), "%s/binding", rt->plural);
			api_add_res(list, sub, rt->namespaced, "Binding", bind_verbs);
		}
	}
	if (!any) {
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}

static cJSON *api_group(const char *name, const char *version)
{
	cJSON *g = cJSON_CreateObject(), *vs, *v;
	char gv[64];

	snprintf(gv, sizeof(gv), "%s/%s", name, version);
	cJSON_AddStringToObject(g, "name", name);
	vs = cJSON_AddArrayToObject(g, "versions");
	v = cJSON_CreateObject();
	cJSON_AddStringToObject(v, "groupVersion", gv);
	cJSON_AddStringToObject(v, "version", version);
	cJSON_AddItemToArray(vs, v);
	cJSON_AddItemToObject(g, "preferredVersion", cJSON_Duplicate(v, true));
	return g;
}

bool api_discovery(struct api *a, struct http_req *req, const char *path)
{
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
		for (size_t i = 0; i < sizeof(api_groups) / sizeof(api_groups[0]); i++)
			cJSON_AddItemToArray(groups, api_group(api_groups[i][0], api_groups[i][1]));
	} else if (api_path_is(path, "/api/v1")) {
		doc = api_resource_list("", "v1");
	} else if (!strcmp(path, "/openapi/v2") || !strcmp(path, "/swagger-2.0.0.pb-v1")) {
		http_reply(req, 200, "application/octet-stream", (const char *)api_openapi_v2_pb,
			   sizeof(api_openapi_v2_pb));
		return true;
	} else if (!strncmp(path, "/apis/", 6)) {
		for (size_t i = 0; i < sizeof(api_groups) / sizeof(api_groups[0]); i++) {
			char p1[64], p2[80];

			snprintf(p1, sizeof(p1), "/apis/%s", api_groups[i][0]);
			snprintf(p2, sizeof(p2), "%s/%s", p1, api_groups[i][1]);
			if (api_path_is(path, p1)) {
				doc = api_group(api_groups[i][0], api_groups[i][1]);
				cJSON_AddStringToObject(doc, "kind", "APIGroup");
				cJSON_AddStringToObject(doc, "apiVersion", "v1");
			} else if (api_path_is(path, p2)) {
				doc = api_resource_list(api_groups[i][0], api_groups[i][1]);
			}
		}
	}
	if (!doc)
		return false;
	api_reply_json(req, 200, doc);
	cJSON_Delete(doc);
	return true;
}
