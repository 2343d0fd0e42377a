/* authz: the authorizer chain in kube-apiserver's order (--authorization-
 * mode=Node,RBAC, with the system:masters group allowed everything before
 * either is asked), upstream's Forbidden wording, and the rules a user
 * holds (SelfSubjectRulesReview). */
#include <stdio.h>
#include <string.h>
#include "auth_int.h"

enum auth_decision auth_authorize(const struct auth *au, const struct auth_user *u,
				  const struct auth_attrs *at, char *reason, size_t len)
{
	int d;

	if (reason && len)
		reason[0] = 0;
	if (auth_user_in(u, AUTH_GROUP_MASTERS)) {
		if (reason)
			snprintf(reason, len, "allowed: member of group \"%s\"",
				 AUTH_GROUP_MASTERS);
		return AUTH_ALLOW;
	}
	d = node_authorize(au, u, at, reason, len);
	if (d >= 0)
		return d;
	return rbac_authorize(au->rbac, u, at, reason, len);
}

void auth_forbidden_message(const struct auth_user *u, const struct auth_attrs *at,
			    const char *reason, char *buf, size_t len)
{
	char res[300], head[600], scope[300];
	const char *group = at->group ? at->group : "";

	if (!at->resource_request) {
		snprintf(buf, len, "forbidden: User \"%s\" cannot %s path \"%s\"%s%s", u->name,
			 at->verb, at->path ? at->path : "", reason && *reason ? ": " : "",
			 reason ? reason : "");
		return;
	}
	snprintf(res, sizeof(res), "%s%s%s", at->resource,
		 at->subresource && *at->subresource ? "/" : "",
		 at->subresource ? at->subresource : "");
	/* the Status names the GroupResource (no subresource) and the object */
	if (at->name && *at->name)
		snprintf(head, sizeof(head), "%s%s%s \"%s\" is forbidden", at->resource,
			 *group ? "." : "", group, at->name);
	else
		snprintf(head, sizeof(head), "%s%s%s is forbidden", at->resource, *group ? "." : "",
			 group);
	if (at->ns && *at->ns)
		snprintf(scope, sizeof(scope), "in the namespace \"%s\"", at->ns);
	else
		snprintf(scope, sizeof(scope), "at the cluster scope");
	snprintf(buf, len, "%s: User \"%s\" cannot %s resource \"%s\" in API group \"%s\" %s%s%s",
		 head, u->name, at->verb, res, group, scope, reason && *reason ? ": " : "",
		 reason ? reason : "");
}

/* Split the collected PolicyRules into a SubjectRulesReviewStatus. */
cJSON *auth_rules_status(const struct auth *au, const struct auth_user *u, const char *ns)
{
	cJSON *st = cJSON_CreateObject(), *all = cJSON_CreateArray(), *rr, *nr, *rule;

	if (!st || !all) {
		cJSON_Delete(st);
		cJSON_Delete(all);
		return NULL;
	}
	rr = cJSON_AddArrayToObject(st, "resourceRules");
	nr = cJSON_AddArrayToObject(st, "nonResourceRules");
	if (auth_user_in(u, AUTH_GROUP_MASTERS)) {
		cJSON_AddItemToArray(all, cJSON_Parse("{\"verbs\":[\"*\"],\"apiGroups\":[\"*\"],"
						      "\"resources\":[\"*\"]}"));
		cJSON_AddItemToArray(all, cJSON_Parse("{\"verbs\":[\"*\"],"
						      "\"nonResourceURLs\":[\"*\"]}"));
	}
	rbac_rules_for(au->rbac, u, ns, all);
	while ((rule = cJSON_DetachItemFromArray(all, 0))) {
		bool urls = cJSON_GetArraySize(
				cJSON_GetObjectItemCaseSensitive(rule, "nonResourceURLs")) > 0;

		cJSON_AddItemToArray(urls ? nr : rr, rule);
	}
	cJSON_Delete(all);
	/* the Node authorizer's grants are not rules it can list */
	cJSON_AddBoolToObject(st, "incomplete", u->node[0] != 0);
	return st;
}
