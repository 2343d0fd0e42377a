/* api_auth: the gatekeeper between a request and its handler — who is
 * asking (the bearer token, then Impersonate-* headers), what the request
 * asks (upstream's RequestInfo: verb, group, resource, subresource,
 * namespace, name, or a non-resource path), may they (auth_authorize:
 * 403 in upstream's words), and the identity-bound admission of writes
 * (NodeRestriction, the RBAC escalation check). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "api.h"
#include "auth/auth.h"
#include "log.h"

/* The user of the insecure plain-HTTP mode tests use (no token at all):
 * kube-apiserver's old insecure port called it so, in system:masters. */
#define API_UNSECURED_USER "system:unsecured"

const char *api_method_verb(struct http_req *req, char *buf, size_t len)
{
	const char *m = http_req_method(req);
	size_t i = 0;

	for (; m[i] && i + 1 < len; i++)
		buf[i] = (char)(m[i] >= 'A' && m[i] <= 'Z' ? m[i] + 32 : m[i]);
	buf[i] = 0;
	return !strcmp(buf, "head") ? "get" : buf;
}

const char *api_request_verb(struct http_req *req, const struct api_target *t)
{
	const char *m = http_req_method(req), *watch = http_req_query(req, "watch");

	if (!strcmp(m, "GET") || !strcmp(m, "HEAD")) {
		if (t->has_name)
			return "get";
		return watch && api_parse_bool(watch) ? "watch" : "list";
	}
	if (!strcmp(m, "POST"))
		return "create";
	if (!strcmp(m, "PUT"))
		return "update";
	if (!strcmp(m, "PATCH"))
		return "patch";
	if (!strcmp(m, "DELETE"))
		return t->has_name ? "delete" : "deletecollection";
	return "unknown";
}

void api_attrs_resource(struct api_auth_req *ar, struct http_req *req, const struct api_target *t)
{
	const struct res_type *rt = t->rt;

	ar->at = (struct auth_attrs){
	    .verb = api_request_verb(req, t),
	    .resource_request = true,
	    .group = rt->group,
	    .resource = rt->plural,
	    .subresource = t->sub,
	    .ns = t->has_ns ? t->ns : "",
	    .name = t->has_name ? t->name : "",
	    .field_selector = http_req_query(req, "fieldSelector"),
	};
}

void api_attrs_path(struct api_auth_req *ar, struct http_req *req, const char *path)
{
	ar->at = (struct auth_attrs){
	    .verb = api_method_verb(req, ar->verb, sizeof(ar->verb)),
	    .path = path,
	};
}

static void api_unauthorized(struct http_req *req, const char *msg)
{
	api_status(req, 401, "Unauthorized", msg, NULL);
}

/* ---- impersonation (k8s.io/apiserver/pkg/endpoints/filters/impersonation.go) ---- */

struct api_groups_ctx {
	struct auth_user *u;
	int err;
	int n;
};

static void api_imp_group(void *ud, const char *value)
{
	struct api_groups_ctx *c = ud;

	c->n++;
	if (!c->err)
		c->err = auth_user_add_group(c->u, value);
}

/* May `by` impersonate name of resource (group "" or authentication.k8s.io)? */
static bool api_imp_may(struct api *a, struct http_req *req, const struct auth_user *by,
			const char *group, const char *resource, const char *ns, const char *name)
{
	struct auth_attrs at = {.verb = "impersonate",
				.resource_request = true,
				.group = group,
				.resource = resource,
				.subresource = "",
				.ns = ns,
				.name = name};
	char reason[256], msg[1024];

	if (auth_authorize(a->auth, by, &at, reason, sizeof(reason)) == AUTH_ALLOW)
		return true;
	auth_forbidden_message(by, &at, reason, msg, sizeof(msg));
	api_status_forbidden(req, group, resource, name, msg);
	return false;
}

static int api_impersonate(struct api *a, struct http_req *req, struct api_auth_req *ar)
{
	const char *user = http_req_header(req, "Impersonate-User");
	const char *uid = http_req_header(req, "Impersonate-Uid");
	struct auth_user *to = &ar->imp;
	struct api_groups_ctx gc = {to, 0, 0};
	char sa_ns[254] = "", sa_name[254] = "";
	int err;

	if (!user) {
		struct auth_user probe = {0};
		struct api_groups_ctx pc = {&probe, 0, 0};

		http_req_header_each(req, "Impersonate-Group", api_imp_group, &pc);
		if (!pc.n && !uid)
			return 0;
		api_status(req, 400, "BadRequest",
			   "requested impersonation of groups or a uid without impersonating a "
			   "user",
			   NULL);
		return -EINVAL;
	}
	if (!strncmp(user, AUTH_SA_PREFIX, strlen(AUTH_SA_PREFIX))) {
		const char *rest = user + strlen(AUTH_SA_PREFIX), *colon = strchr(rest, ':');

		if (colon && (size_t)(colon - rest) < sizeof(sa_ns)) {
			snprintf(sa_ns, sizeof(sa_ns), "%.*s", (int)(colon - rest), rest);
			snprintf(sa_name, sizeof(sa_name), "%s", colon + 1);
		}
	}
	if (sa_name[0] ? !api_imp_may(a, req, &ar->user, "", "serviceaccounts", sa_ns, sa_name)
		       : !api_imp_may(a, req, &ar->user, "", "users", "", user))
		return -EPERM;
	memset(to, 0, sizeof(*to));
	if (strlen(user) >= sizeof(to->name) || (uid && strlen(uid) >= sizeof(to->uid))) {
		api_status(req, 400, "BadRequest", "impersonated user name or uid is too long",
			   NULL);
		return -EINVAL;
	}
	snprintf(to->name, sizeof(to->name), "%s", user);
	http_req_header_each(req, "Impersonate-Group", api_imp_group, &gc);
	if (gc.err) {
		api_status(req, 400, "BadRequest", "too many impersonated groups", NULL);
		return -EINVAL;
	}
	for (int i = 0; i < to->ngroups; i++)
		if (!api_imp_may(a, req, &ar->user, "", "groups", "", to->groups[i]))
			return -EPERM;
	if (uid && !api_imp_may(a, req, &ar->user, "authentication.k8s.io", "uids", "", uid))
		return -EPERM;
	if (sa_name[0]) {
		char g[300];

		snprintf(g, sizeof(g), AUTH_GROUP_SERVICEACCOUNTS ":%s", sa_ns);
		auth_user_add_group(to, AUTH_GROUP_SERVICEACCOUNTS);
		auth_user_add_group(to, g);
	}
	{
		/* re-derive the node and bootstrap fields, add system:authenticated */
		char groups[AUTH_MAX_GROUPS][AUTH_GROUP_MAX];
		const char *gv[AUTH_MAX_GROUPS];
		int n = to->ngroups;

		memcpy(groups, to->groups, sizeof(groups));
		for (int i = 0; i < n; i++)
			gv[i] = groups[i];
		err = auth_user_set(to, user, uid, gv, n);
		if (err) {
			api_status(req, 400, "BadRequest", "too many impersonated groups", NULL);
			return -EINVAL;
		}
	}
	ar->impersonated = true;
	return 0;
}

int api_authenticate(struct api *a, struct http_req *req, struct api_auth_req *ar)
{
	const char *h = http_req_header(req, "Authorization");
	char why[256];
	int err;

	memset(ar, 0, sizeof(*ar));
	err = auth_authenticate(a->auth, h, (long long)time(NULL), &ar->user, why, sizeof(why));
	if (err == -ENOENT && a->cfg.anonymous_plain) {
		const char *g[] = {AUTH_GROUP_MASTERS};

		auth_user_set(&ar->user, API_UNSECURED_USER, "", g, 1);
		err = 0;
	}
	if (err) {
		/* only the bootstrap token's expiry is told: whoever sent it
		 * knew the whole token */
		pr_debug("auth: %s: 401: %s", http_req_peer(req), why[0] ? why : "no credentials");
		api_unauthorized(req, err == -EKEYEXPIRED && strstr(why, "bootstrap token")
					  ? why
					  : "Unauthorized");
		return -EACCES;
	}
	http_req_authenticated(req);
	ar->authenticated = true;
	err = api_impersonate(a, req, ar);
	if (err)
		return err;
	return 0;
}

const struct auth_user *api_auth_user(const struct api_auth_req *ar)
{
	return ar->impersonated ? &ar->imp : &ar->user;
}

void api_status_forbidden(struct http_req *req, const char *group, const char *resource,
			  const char *name, const char *msg)
{
	cJSON *d = cJSON_CreateObject();

	if (name && *name)
		cJSON_AddStringToObject(d, "name", name);
	if (group && *group)
		cJSON_AddStringToObject(d, "group", group);
	if (resource && *resource)
		cJSON_AddStringToObject(d, "kind", resource);
	api_status(req, 403, "Forbidden", msg, d);
}

bool api_authorize(struct api *a, struct http_req *req, struct api_auth_req *ar)
{
	const struct auth_user *u = api_auth_user(ar);
	char msg[1536];

	if (auth_authorize(a->auth, u, &ar->at, ar->reason, sizeof(ar->reason)) == AUTH_ALLOW) {
		ar->allowed = true;
		return true;
	}
	auth_forbidden_message(u, &ar->at, ar->reason, msg, sizeof(msg));
	if (ar->at.resource_request)
		api_status_forbidden(req, ar->at.group, ar->at.resource, ar->at.name, msg);
	else
		api_status(req, 403, "Forbidden", msg, cJSON_CreateObject());
	return false;
}

int api_admit(struct api *a, struct http_req *req, const struct api_target *t, const char *verb,
	      const cJSON *obj, const cJSON *old)
{
	const struct res_type *rt = res_stored(t->rt);
	const char *name = t->has_name ? t->name : json_str(obj, "metadata.name");
	struct auth_write w = {.verb = verb,
			       .group = rt->group,
			       .resource = rt->plural,
			       .subresource = t->sub,
			       .ns = t->has_ns ? t->ns : json_str(obj, "metadata.namespace"),
			       .name = name,
			       .obj = obj,
			       .old = old};
	char msg[1024], full[1536];

	if (!t->who || !a->auth)
		return 0;
	if (!auth_admit(a->auth, t->who, &w, msg, sizeof(msg)))
		return 0;
	if (name && *name)
		snprintf(full, sizeof(full), "%s \"%s\" is forbidden: %s", res_qualified(t->rt),
			 name, msg);
	else
		snprintf(full, sizeof(full), "%s is forbidden: %s", res_qualified(t->rt), msg);
	api_status_forbidden(req, t->rt->group, t->rt->plural, name, full);
	return -EPERM;
}
