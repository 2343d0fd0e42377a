/* res_rbac: rbac.authorization.k8s.io/v1 — Role, ClusterRole, RoleBinding,
 * ClusterRoleBinding, with upstream's defaults, validation and Table.
 * (The authorizer that reads them is auth/rbac.c; the escalation check
 * on writes is auth/escalation.c.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "res_util.h"

#define RBAC_GROUP "rbac.authorization.k8s.io"

/* SetDefaults_Subject and the roleRef's apiGroup. A ServiceAccount's
 * apiGroup defaults to "", which upstream's omitempty never writes out. */
static void rbac_binding_defaults(cJSON *obj)
{
	cJSON *ref = res_obj_child(obj, "roleRef"), *s;

	if (ref)
		res_default_str(ref, "apiGroup", RBAC_GROUP);
	cJSON_ArrayForEach(s, RES_ARR(cJSON_GetObjectItemCaseSensitive(obj, "subjects")))
	{
		const char *kind = cJSON_IsObject(s) ? json_str(s, "kind") : NULL;

		if (!kind || res_get(s, "apiGroup"))
			continue;
		if (!strcmp(kind, "User") || !strcmp(kind, "Group"))
			cJSON_AddStringToObject(s, "apiGroup", RBAC_GROUP);
	}
}

static void rbac_strings(const cJSON *rule, const char *key, const char *path, struct verrs *e)
{
	const cJSON *arr = res_typed(rule, key, path, RES_ARR, e), *it;
	char f[RES_PATH];
	int i = 0;

	cJSON_ArrayForEach(it, arr)
	    res_check_type(it, res_pathf(f, "%s[%d]", path, i++), RES_STR, e);
}

/* ValidatePolicyRule */
static void rbac_validate_rule(const cJSON *rule, const char *path, bool namespaced,
			       struct verrs *e)
{
	static const char *const lists[] = {"verbs",	     "apiGroups",	"resources",
					    "resourceNames", "nonResourceURLs", NULL};
	char f[RES_PATH], v[RES_VAL];
	const cJSON *urls;

	if (!res_check_type(rule, path, RES_OBJ, e))
		return;
	for (const char *const *l = lists; *l; l++)
		rbac_strings(rule, *l, res_pathf(f, "%s.%s", path, *l), e);
	if (!cJSON_GetArraySize(res_get(rule, "verbs")))
		verrs_required(e, res_pathf(f, "%s.verbs", path),
			       "verbs must contain at least one value");
	urls = res_get(rule, "nonResourceURLs");
	if (cJSON_GetArraySize(urls) > 0) {
		res_gostrs(urls, v, sizeof(v));
		if (namespaced)
			verrs_invalid(e, res_pathf(f, "%s.nonResourceURLs", path), v,
				      "namespaced rules cannot apply to non-resource URLs");
		if (cJSON_GetArraySize(res_get(rule, "apiGroups")) ||
		    cJSON_GetArraySize(res_get(rule, "resources")) ||
		    cJSON_GetArraySize(res_get(rule, "resourceNames")))
			verrs_invalid(e, res_pathf(f, "%s.nonResourceURLs", path), v,
				      "rules cannot apply to both regular resources and "
				      "non-resource URLs");
		return;
	}
	if (!cJSON_GetArraySize(res_get(rule, "apiGroups")))
		verrs_required(e, res_pathf(f, "%s.apiGroups", path),
			       "resource rules must supply at least one api group");
	if (!cJSON_GetArraySize(res_get(rule, "resources")))
		verrs_required(e, res_pathf(f, "%s.resources", path),
			       "resource rules must supply at least one resource");
}

static void rbac_validate_rules(const cJSON *obj, bool namespaced, struct verrs *e)
{
	const cJSON *rules = res_typed(obj, "rules", "rules", RES_ARR, e), *r;
	char f[RES_PATH];
	int i = 0;

	cJSON_ArrayForEach(r, rules)
	    rbac_validate_rule(r, res_pathf(f, "rules[%d]", i++), namespaced, e);
}

static void role_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	res_validate_meta(obj, old, RES_PATH_SEGMENT, e);
	rbac_validate_rules(obj, true, e);
}

static void clusterrole_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	const cJSON *agg;

	res_validate_meta(obj, old, RES_PATH_SEGMENT, e);
	rbac_validate_rules(obj, false, e);
	agg = res_typed(obj, "aggregationRule", "aggregationRule", RES_OBJ, e);
	if (agg) {
		const cJSON *sels = res_typed(agg, "clusterRoleSelectors",
					      "aggregationRule.clusterRoleSelectors", RES_ARR, e),
			    *s;
		char f[RES_PATH];
		int i = 0;

		if (!cJSON_GetArraySize(sels))
			verrs_required(e, "aggregationRule.clusterRoleSelectors",
				       "at least one clusterRoleSelector required if "
				       "aggregationRule is non-nil");
		cJSON_ArrayForEach(s, sels) res_validate_label_selector(
		    s, res_pathf(f, "aggregationRule.clusterRoleSelectors[%d]", i++), e);
	}
}

static void rbac_validate_subject(const cJSON *s, const char *path, bool cluster, struct verrs *e)
{
	static const char *const kinds[] = {"ServiceAccount", "User", "Group", NULL};
	static const char *const rbac_group[] = {RBAC_GROUP, NULL};
	static const char *const core_group[] = {"", NULL};
	char f[RES_PATH], q[RES_VAL];
	const cJSON *kind, *name, *group, *ns;

	if (!res_check_type(s, path, RES_OBJ, e))
		return;
	kind = res_typed(s, "kind", res_pathf(f, "%s.kind", path), RES_STR, e);
	name = res_typed(s, "name", res_pathf(f, "%s.name", path), RES_STR, e);
	group = res_typed(s, "apiGroup", res_pathf(f, "%s.apiGroup", path), RES_STR, e);
	ns = res_typed(s, "namespace", res_pathf(f, "%s.namespace", path), RES_STR, e);
	if (!name || !name->valuestring[0])
		verrs_required(e, res_pathf(f, "%s.name", path), "");
	if (!kind || !kind->valuestring[0]) {
		verrs_not_supported(e, res_pathf(f, "%s.kind", path), "\"\"", kinds);
		return;
	}
	res_goquote(group ? group->valuestring : "", q, sizeof(q));
	if (!strcmp(kind->valuestring, "ServiceAccount")) {
		if (name && name->valuestring[0])
			res_check_name(e, res_pathf(f, "%s.name", path), name->valuestring,
				       RES_DNS1123_SUBDOMAIN);
		if (group && group->valuestring[0])
			verrs_not_supported(e, res_pathf(f, "%s.apiGroup", path), q, core_group);
		if (cluster && (!ns || !ns->valuestring[0]))
			verrs_required(e, res_pathf(f, "%s.namespace", path), "");
	} else if (!strcmp(kind->valuestring, "User") || !strcmp(kind->valuestring, "Group")) {
		if (!group || strcmp(group->valuestring, RBAC_GROUP))
			verrs_not_supported(e, res_pathf(f, "%s.apiGroup", path), q, rbac_group);
	} else {
		res_goquote(kind->valuestring, q, sizeof(q));
		verrs_not_supported(e, res_pathf(f, "%s.kind", path), q, kinds);
	}
}

/* ValidateRoleBinding / ValidateClusterRoleBinding and their updates:
 * roleRef cannot change once made. */
static void rbac_validate_binding(const cJSON *obj, const cJSON *old, bool cluster, struct verrs *e)
{
	static const char *const rbac_group[] = {RBAC_GROUP, NULL};
	static const char *const ns_kinds[] = {"Role", "ClusterRole", NULL};
	static const char *const cl_kinds[] = {"ClusterRole", NULL};
	const cJSON *ref, *subjects, *s, *oref;
	const char *group, *kind, *name;
	char f[RES_PATH], q[RES_VAL];
	int i = 0;

	res_validate_meta(obj, old, RES_PATH_SEGMENT, e);
	ref = res_typed(obj, "roleRef", "roleRef", RES_OBJ, e);
	res_typed(ref, "apiGroup", "roleRef.apiGroup", RES_STR, e);
	res_typed(ref, "kind", "roleRef.kind", RES_STR, e);
	res_typed(ref, "name", "roleRef.name", RES_STR, e);
	group = json_str(ref, "apiGroup");
	kind = json_str(ref, "kind");
	name = json_str(ref, "name");
	if (!group || strcmp(group, RBAC_GROUP)) {
		res_goquote(group ? group : "", q, sizeof(q));
		verrs_not_supported(e, "roleRef.apiGroup", q, rbac_group);
	}
	if (!kind || (strcmp(kind, "ClusterRole") && (cluster || strcmp(kind, "Role")))) {
		res_goquote(kind ? kind : "", q, sizeof(q));
		verrs_not_supported(e, "roleRef.kind", q, cluster ? cl_kinds : ns_kinds);
	}
	if (!name || !*name)
		verrs_required(e, "roleRef.name", "");
	else
		res_check_name(e, "roleRef.name", name, RES_PATH_SEGMENT);
	subjects = res_typed(obj, "subjects", "subjects", RES_ARR, e);
	cJSON_ArrayForEach(s, subjects)
	    rbac_validate_subject(s, res_pathf(f, "subjects[%d]", i++), cluster, e);
	if (!old)
		return;
	oref = res_get(old, "roleRef");
	if (!json_str(oref, "name") || !json_str(oref, "kind") ||
	    (name && strcmp(json_str(oref, "name"), name)) ||
	    (kind && strcmp(json_str(oref, "kind"), kind)) ||
	    (group && json_str(oref, "apiGroup") && strcmp(json_str(oref, "apiGroup"), group))) {
		snprintf(q, sizeof(q), "rbac.RoleRef{APIGroup:\"%s\", Kind:\"%s\", Name:\"%s\"}",
			 group ? group : "", kind ? kind : "", name ? name : "");
		verrs_invalid(e, "roleRef", q, "cannot change roleRef");
	}
}

static void rolebinding_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	rbac_validate_binding(obj, old, false, e);
}

static void clusterrolebinding_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	rbac_validate_binding(obj, old, true, e);
}

/* kubectl's printer: NAME, CREATED AT for roles */
static const struct res_col role_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"Created At", "date", "", 0, RES_DESC_AGE},
};

static cJSON *role_table_columns(void)
{
	return res_columns(role_cols, (int)(sizeof(role_cols) / sizeof(role_cols[0])));
}

static cJSON *role_table_cells(const cJSON *obj, time_t now)
{
	cJSON *cells = cJSON_CreateArray();

	res_cell_str(cells, json_str(obj, "metadata.name"));
	res_cell_str(cells, json_str(obj, "metadata.creationTimestamp"));
	return cells;
}

/* NAME, ROLE, AGE; -o wide adds USERS, GROUPS, SERVICEACCOUNTS */
static const struct res_col binding_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"Role", "string", "", 0, "RoleRef is the reference to the role this binding grants."},
    {"Age", "string", "", 0, RES_DESC_AGE},
    {"Users", "string", "", 1, "Users in the binding"},
    {"Groups", "string", "", 1, "Groups in the binding"},
    {"ServiceAccounts", "string", "", 1, "ServiceAccounts in the binding"},
};

static cJSON *binding_table_columns(void)
{
	return res_columns(binding_cols, (int)(sizeof(binding_cols) / sizeof(binding_cols[0])));
}

static void binding_cell_subjects(cJSON *cells, const cJSON *obj, const char *kind)
{
	struct res_join j;
	const cJSON *s;
	char *txt;

	res_join_init(&j);
	cJSON_ArrayForEach(s, RES_ARR(cJSON_GetObjectItemCaseSensitive(obj, "subjects")))
	{
		const char *k = json_str(s, "kind"), *n = json_str(s, "name");
		const char *ns = json_str(s, "namespace");

		if (!k || !n || strcmp(k, kind))
			continue;
		if (!strcmp(kind, "ServiceAccount"))
			res_join_add(&j, ", ", "%s/%s", ns ? ns : "", n);
		else
			res_join_add(&j, ", ", "%s", n);
	}
	txt = res_join_done(&j);
	res_cell_str(cells, txt ? txt : "");
	free(txt);
}

static cJSON *binding_table_cells(const cJSON *obj, time_t now)
{
	cJSON *cells = cJSON_CreateArray();
	char role[600];

	res_cell_str(cells, json_str(obj, "metadata.name"));
	snprintf(role, sizeof(role), "%s/%s", json_str(obj, "roleRef.kind") ?: "",
		 json_str(obj, "roleRef.name") ?: "");
	res_cell_str(cells, role);
	res_cell_age(cells, obj, now);
	binding_cell_subjects(cells, obj, "User");
	binding_cell_subjects(cells, obj, "Group");
	binding_cell_subjects(cells, obj, "ServiceAccount");
	return cells;
}

#define RBAC_TYPE(sym, pl, sing, k, ns, val, cols, cells, defs)                                    \
	const struct res_type sym = {                                                              \
	    .plural = pl,                                                                          \
	    .singular = sing,                                                                      \
	    .kind = k,                                                                             \
	    .list_kind = k "List",                                                                 \
	    .group = RBAC_GROUP,                                                                   \
	    .version = "v1",                                                                       \
	    .api_version = RBAC_GROUP "/v1",                                                       \
	    .namespaced = ns,                                                                      \
	    .unconditional_update = true,                                                          \
	    .defaults = defs,                                                                      \
	    .validate = val,                                                                       \
	    .table_columns = cols,                                                                 \
	    .table_cells = cells,                                                                  \
	}

RBAC_TYPE(res_roles, "roles", "role", "Role", true, role_validate, role_table_columns,
	  role_table_cells, NULL);
RBAC_TYPE(res_clusterroles, "clusterroles", "clusterrole", "ClusterRole", false,
	  clusterrole_validate, role_table_columns, role_table_cells, NULL);
RBAC_TYPE(res_rolebindings, "rolebindings", "rolebinding", "RoleBinding", true,
	  rolebinding_validate, binding_table_columns, binding_table_cells, rbac_binding_defaults);
RBAC_TYPE(res_clusterrolebindings, "clusterrolebindings", "clusterrolebinding",
	  "ClusterRoleBinding", false, clusterrolebinding_validate, binding_table_columns,
	  binding_table_cells, rbac_binding_defaults);
