/* user: an authenticated identity (upstream's user.Info). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "auth_int.h"

bool auth_user_in(const struct auth_user *u, const char *group)
{
	for (int i = 0; i < u->ngroups; i++)
		if (!strcmp(u->groups[i], group))
			return true;
	return false;
}

int auth_user_add_group(struct auth_user *u, const char *group)
{
	if (auth_user_in(u, group))
		return 0;
	if (u->ngroups == AUTH_MAX_GROUPS || strlen(group) >= AUTH_GROUP_MAX)
		return -E2BIG;
	snprintf(u->groups[u->ngroups++], AUTH_GROUP_MAX, "%s", group);
	return 0;
}

int auth_user_set(struct auth_user *u, const char *name, const char *uid, const char *const *groups,
		  int ngroups)
{
	const char *p;
	int err = 0;

	memset(u, 0, sizeof(*u));
	if (strlen(name) >= sizeof(u->name) || (uid && strlen(uid) >= sizeof(u->uid)))
		return -E2BIG;
	snprintf(u->name, sizeof(u->name), "%s", name);
	snprintf(u->uid, sizeof(u->uid), "%s", uid ? uid : "");
	for (int i = 0; i < ngroups && !err; i++)
		err = auth_user_add_group(u, groups[i]);
	if (!err)
		err = auth_user_add_group(u, AUTH_GROUP_AUTHENTICATED);
	if (err)
		return err;
	if (!strncmp(name, AUTH_NODE_PREFIX, strlen(AUTH_NODE_PREFIX)) &&
	    auth_user_in(u, AUTH_GROUP_NODES))
		snprintf(u->node, sizeof(u->node), "%s", name + strlen(AUTH_NODE_PREFIX));
	p = name + strlen(AUTH_BOOTSTRAP_PREFIX);
	if (!strncmp(name, AUTH_BOOTSTRAP_PREFIX, strlen(AUTH_BOOTSTRAP_PREFIX)) &&
	    strlen(p) < sizeof(u->bootstrap_id) && auth_user_in(u, AUTH_GROUP_BOOTSTRAPPERS))
		snprintf(u->bootstrap_id, sizeof(u->bootstrap_id), "%s", p);
	return 0;
}

cJSON *auth_user_info(const struct auth_user *u)
{
	cJSON *o = cJSON_CreateObject(), *g;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "username", u->name);
	if (u->uid[0])
		cJSON_AddStringToObject(o, "uid", u->uid);
	g = cJSON_AddArrayToObject(o, "groups");
	for (int i = 0; i < u->ngroups; i++)
		cJSON_AddItemToArray(g, cJSON_CreateString(u->groups[i]));
	if (u->credential_id[0]) {
		cJSON *extra = cJSON_AddObjectToObject(o, "extra");
		cJSON *v =
		    cJSON_AddArrayToObject(extra, "authentication.kubernetes.io/credential-id");

		cJSON_AddItemToArray(v, cJSON_CreateString(u->credential_id));
	}
	return o;
}
