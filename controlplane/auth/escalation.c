/* escalation: RBAC's own admission (kube-apiserver's rbac registry
 * "escalation check"): a user may write a Role or ClusterRole only if it
 * already holds every permission the rules grant, or may `escalate` on
 * that role; and may write a binding only if it holds every permission of
 * the role it binds, or may `bind` that role. system:masters may do both. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "auth_int.h"
#include "jcmp.h"
#include "json_path.h"
#include "rbac_match.h"

#define RBAC_GROUP "rbac.authorization.k8s.io"

/* One string list as Go's %q of a []string prints: ["a" "b"]. */
static size_t esc_list(char *buf, size_t len, const char *label, const cJSON *arr)
{
	size_t n = 0;
	const cJSON *it;
	bool first = true;

	if (!cJSON_GetArraySize(arr))
		return 0;
	n += (size_t)snprintf(buf, len, "%s:[", label);
	cJSON_ArrayForEach(it, arr)
	{
		if (n < len && cJSON_IsString(it))
			n += (size_t)snprintf(buf + n, len - n, "%s\"%s\"", first ? "" : " ",
					      it->valuestring);
		first = false;
	}
	if (n < len)
		n += (size_t)snprintf(buf + n, len - n, "]");
	return n;
}

/* upstream's rbacv1helpers.CompactString */
static void esc_rule_string(const cJSON *rule, char *buf, size_t len)
{
	static const char *const f[][2] = {{"APIGroups", "apiGroups"},
					   {"Resources", "resources"},
					   {"ResourceNames", "resourceNames"},
					   {"NonResourceURLs", "nonResourceURLs"},
					   {"Verbs", "verbs"}};
	size_t n = (size_t)snprintf(buf, len, "{");

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]) && n < len; i++) {
		const cJSON *arr = cJSON_GetObjectItemCaseSensitive(rule, f[i][1]);

		if (!cJSON_GetArraySize(arr))
			continue;
		if (n > 1 && n < len)
			n += (size_t)snprintf(buf + n, len - n, ", ");
		if (n < len)
			n += esc_list(buf + n, len - n, f[i][0], arr);
	}
	if (n < len)
		snprintf(buf + n, len - n, "}");
}

static void esc_user(const struct auth_user *u, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "user \"%s\" (groups=[", u->name);

	for (int i = 0; i < u->ngroups && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s\"%s\"", i ? " " : "", u->groups[i]);
	if (n < len)
		snprintf(buf + n, len - n, "])");
}

/* Every rule of rules held by u in ns ("" cluster-wide)? If not, msg says
 * which are missing, as upstream. */
static int esc_confirm(const struct auth *au, const struct auth_user *u, const char *ns,
		       const cJSON *rules, char *msg, size_t len)
{
	cJSON *held = cJSON_CreateArray();
	const cJSON *rule;
	char who[1200], one[1024];
	size_t n = 0;
	bool missing = false;

	if (!held)
		return -ENOMEM;
	rbac_rules_for(au->rbac, u, ns, held);
	esc_user(u, who, sizeof(who));
	cJSON_ArrayForEach(rule, rules)
	{
		if (rbac_rules_cover(held, rule))
			continue;
		if (!missing)
			n = (size_t)snprintf(msg, len,
					     "%s is attempting to grant RBAC permissions not "
					     "currently held:",
					     who);
		missing = true;
		esc_rule_string(rule, one, sizeof(one));
		if (n < len)
			n += (size_t)snprintf(msg + n, len - n, "\n%s", one);
	}
	cJSON_Delete(held);
	return missing ? -EPERM : 0;
}

static bool esc_may(const struct auth *au, const struct auth_user *u, const char *verb,
		    const char *resource, const char *ns, const char *name)
{
	struct auth_attrs at = {.verb = verb,
				.resource_request = true,
				.group = RBAC_GROUP,
				.resource = resource,
				.subresource = "",
				.ns = ns,
				.name = name};

	return auth_authorize(au, u, &at, NULL, 0) == AUTH_ALLOW;
}

/* The rules of cluster-admin, parsed once. */
static const cJSON *esc_all(void)
{
	static cJSON *all;

	if (!all)
		all =
		    cJSON_Parse("[{\"verbs\":[\"*\"],\"apiGroups\":[\"*\"],\"resources\":[\"*\"]},"
				"{\"verbs\":[\"*\"],\"nonResourceURLs\":[\"*\"]}]");
	return all;
}

/* Does the write set or change an aggregationRule? */
static bool esc_aggregation_changed(const struct auth_write *w)
{
	const cJSON *now = cJSON_GetObjectItemCaseSensitive(w->obj, "aggregationRule");

	if (!now || cJSON_IsNull(now))
		return false;
	return !w->old ||
	       jcmp_equal(now, cJSON_GetObjectItemCaseSensitive(w->old, "aggregationRule")) <= 0;
}

int rbac_admit(const struct auth *au, const struct auth_user *u, const struct auth_write *w,
	       char *msg, size_t len)
{
	const char *res = w->resource, *ns = w->ns ? w->ns : "";
	bool roles, bindings;

	if (!w->obj || !w->group || strcmp(w->group, RBAC_GROUP))
		return 0;
	roles = !strcmp(res, "roles") || !strcmp(res, "clusterroles");
	bindings = !strcmp(res, "rolebindings") || !strcmp(res, "clusterrolebindings");
	if ((!roles && !bindings) || auth_user_in(u, AUTH_GROUP_MASTERS))
		return 0;
	if (roles) {
		const char *name = json_str(w->obj, "metadata.name");

		if (esc_may(au, u, "escalate", res, ns, name ? name : ""))
			return 0;
		/* an aggregationRule gathers any role's rules: upstream lets
		 * only a holder of everything set one */
		if (esc_aggregation_changed(w) && esc_confirm(au, u, "", esc_all(), NULL, 0)) {
			snprintf(msg, len,
				 "must have cluster-admin privileges to use the "
				 "aggregationRule");
			return -EPERM;
		}
		return esc_confirm(au, u, ns, cJSON_GetObjectItemCaseSensitive(w->obj, "rules"),
				   msg, len);
	} else {
		const char *kind = json_str(w->obj, "roleRef.kind");
		const char *name = json_str(w->obj, "roleRef.name");
		const cJSON *rules;

		if (!kind || !name)
			return 0; /* validation answers it */
		if (esc_may(au, u, "bind", !strcmp(kind, "ClusterRole") ? "clusterroles" : "roles",
			    ns, name))
			return 0;
		rules = rbac_role_rules(au->rbac, ns, kind, name);
		if (!rules) {
			snprintf(msg, len, "%s.%s \"%s\" not found",
				 !strcmp(kind, "ClusterRole") ? "clusterroles" : "roles",
				 RBAC_GROUP, name);
			return -EPERM;
		}
		return esc_confirm(au, u, ns, rules, msg, len);
	}
}
