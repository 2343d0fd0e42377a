/* api_review: the virtual resources of authorization.k8s.io/v1
 * (SelfSubjectAccessReview, SelfSubjectRulesReview, SubjectAccessReview,
 * LocalSubjectAccessReview) and authentication.k8s.io (SelfSubjectReview,
 * TokenReview) — `kubectl auth can-i`, `can-i --list`, `auth whoami` —
 * plus serviceaccounts/<name>/token (TokenRequest, `kubectl create token`).
 * Nothing here is stored: each POST is answered with its object and a
 * status. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "api.h"
#include "registry/res_util.h"

void api_review(struct api *a, struct http_req *req, const struct api_target *t, cJSON *obj)
{
	struct verrs e = {0};
	bool dry;

	if (api_dry_run(req, "CreateOptions", &dry))
		goto out;
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "status");
	if (t->rt->review(a, t, obj, &e) || e.n) {
		api_status_invalid(req, t->rt, json_str(obj, "metadata.name") ?: "", &e);
		goto out;
	}
	obj = api_typemeta_first(obj, t->rt);
	api_reply_json(req, 201, obj);
out:
	cJSON_Delete(obj);
}

/* ResourceAttributes / NonResourceAttributes of a review's spec into at
 * (pointing into spec). */
static int rv_attrs(const cJSON *spec, struct auth_attrs *at, const char *ns_override,
		    struct verrs *e)
{
	const cJSON *ra = json_at(spec, "resourceAttributes");
	const cJSON *na = json_at(spec, "nonResourceAttributes");

	if ((ra != NULL) == (na != NULL)) {
		verrs_invalid(e, "spec.resourceAttributes", "\"\"",
			      "exactly one of nonResourceAttributes or resourceAttributes must be "
			      "specified");
		return -EINVAL;
	}
	if (na) {
		*at = (struct auth_attrs){.verb = json_str(na, "verb") ?: "",
					  .path = json_str(na, "path") ?: ""};
		return 0;
	}
	*at = (struct auth_attrs){.verb = json_str(ra, "verb") ?: "",
				  .resource_request = true,
				  .group = json_str(ra, "group") ?: "",
				  .resource = json_str(ra, "resource") ?: "",
				  .subresource = json_str(ra, "subresource") ?: "",
				  .ns = ns_override ? ns_override : json_str(ra, "namespace") ?: "",
				  .name = json_str(ra, "name") ?: ""};
	return 0;
}

static cJSON *rv_spec(cJSON *obj)
{
	cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");

	if (!cJSON_IsObject(spec)) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "spec");
		spec = cJSON_AddObjectToObject(obj, "spec");
	}
	return spec;
}

static void rv_decide(struct api *a, const struct auth_user *u, const struct auth_attrs *at,
		      cJSON *obj)
{
	char reason[256];
	enum auth_decision d = auth_authorize(a->auth, u, at, reason, sizeof(reason));
	cJSON *st = cJSON_AddObjectToObject(obj, "status");

	cJSON_AddBoolToObject(st, "allowed", d == AUTH_ALLOW);
	if (reason[0])
		cJSON_AddStringToObject(st, "reason", reason);
}

static int rv_self_access(struct api *a, const struct api_target *t, cJSON *obj, struct verrs *e)
{
	struct auth_attrs at;

	if (rv_attrs(rv_spec(obj), &at, NULL, e))
		return -EINVAL;
	rv_decide(a, t->who, &at, obj);
	return 0;
}

/* A SubjectAccessReview's subject: spec.user, spec.groups, spec.uid. */
static int rv_subject(const cJSON *spec, struct auth_user *u, struct verrs *e)
{
	const char *user = json_str(spec, "user") ?: "", *uid = json_str(spec, "uid");
	const cJSON *groups = json_at(spec, "groups"), *g;
	const char *gv[AUTH_MAX_GROUPS];
	int n = 0;

	if (cJSON_GetArraySize(RES_ARR(groups)) > AUTH_MAX_GROUPS) {
		verrs_too_many(e, "spec.groups", cJSON_GetArraySize(groups), AUTH_MAX_GROUPS);
		return -EINVAL;
	}
	cJSON_ArrayForEach(g, RES_ARR(groups))
	{
		if (cJSON_IsString(g))
			gv[n++] = g->valuestring;
	}
	if (!*user && !n) {
		verrs_invalid(e, "spec.user", "\"\"",
			      "at least one of user or group must be specified");
		return -EINVAL;
	}
	/* upstream does not add system:authenticated to the asked subject */
	memset(u, 0, sizeof(*u));
	if (auth_user_set(u, user, uid, gv, n)) {
		verrs_too_many(e, "spec.groups", n, AUTH_MAX_GROUPS);
		return -EINVAL;
	}
	u->ngroups = 0;
	for (int i = 0; i < n; i++)
		auth_user_add_group(u, gv[i]);
	return 0;
}

static int rv_access(struct api *a, const struct api_target *t, cJSON *obj, struct verrs *e)
{
	struct auth_user *u = malloc(sizeof(*u));
	const cJSON *spec = rv_spec(obj);
	struct auth_attrs at;
	const char *ns = t->has_ns ? t->ns : NULL;
	int err = -ENOMEM;

	if (!u)
		return err;
	err = rv_subject(spec, u, e);
	if (!err && ns) {
		const char *rns = json_str(spec, "resourceAttributes.namespace");

		if (rns && *rns && strcmp(rns, ns)) {
			char q[300];

			res_goquote(rns, q, sizeof(q));
			verrs_invalid(e, "spec.resourceAttributes.namespace", q,
				      "must match metadata.namespace");
			err = -EINVAL;
		}
	}
	if (!err)
		err = rv_attrs(spec, &at, ns, e);
	if (!err)
		rv_decide(a, u, &at, obj);
	free(u);
	return err;
}

static int rv_rules(struct api *a, const struct api_target *t, cJSON *obj, struct verrs *e)
{
	const char *ns = json_str(rv_spec(obj), "namespace");
	cJSON *st;

	if (!ns || !*ns) {
		verrs_required(e, "spec.namespace", "");
		return -EINVAL;
	}
	st = auth_rules_status(a->auth, t->who, ns);
	if (!st)
		return -ENOMEM;
	cJSON_AddItemToObject(obj, "status", st);
	return 0;
}

static int rv_whoami(struct api *a, const struct api_target *t, cJSON *obj, struct verrs *e)
{
	cJSON *st = cJSON_AddObjectToObject(obj, "status");

	cJSON_AddItemToObject(st, "userInfo", auth_user_info(t->who));
	return 0;
}

static int rv_token(struct api *a, const struct api_target *t, cJSON *obj, struct verrs *e)
{
	const char *token = json_str(rv_spec(obj), "token");
	struct auth_user *u = malloc(sizeof(*u));
	char header[16384], why[256];
	cJSON *st;

	if (!u)
		return -ENOMEM;
	st = cJSON_AddObjectToObject(obj, "status");
	snprintf(header, sizeof(header), "Bearer %s", token ? token : "");
	if (token && *token &&
	    !auth_authenticate(a->auth, header, (long long)time(NULL), u, why, sizeof(why))) {
		cJSON *aud = cJSON_AddArrayToObject(st, "audiences");

		cJSON_AddBoolToObject(st, "authenticated", true);
		cJSON_AddItemToObject(st, "user", auth_user_info(u));
		cJSON_AddItemToArray(aud, cJSON_CreateString(a->cfg.issuer ? a->cfg.issuer : ""));
	} else {
		cJSON_AddObjectToObject(st, "user");
		if (token && *token)
			cJSON_AddStringToObject(st, "error", "invalid bearer token");
	}
	free(u);
	return 0;
}

#define RV_TYPE(sym, pl, sing, k, grp, ver, ns, fn)                                                \
	const struct res_type sym = {                                                              \
	    .plural = pl,                                                                          \
	    .singular = sing,                                                                      \
	    .kind = k,                                                                             \
	    .list_kind = k "List",                                                                 \
	    .group = grp,                                                                          \
	    .version = ver,                                                                        \
	    .api_version = grp "/" ver,                                                            \
	    .namespaced = ns,                                                                      \
	    .review = fn,                                                                          \
	}

RV_TYPE(res_selfsubjectaccessreviews, "selfsubjectaccessreviews", "selfsubjectaccessreview",
	"SelfSubjectAccessReview", "authorization.k8s.io", "v1", false, rv_self_access);
RV_TYPE(res_selfsubjectrulesreviews, "selfsubjectrulesreviews", "selfsubjectrulesreview",
	"SelfSubjectRulesReview", "authorization.k8s.io", "v1", false, rv_rules);
RV_TYPE(res_subjectaccessreviews, "subjectaccessreviews", "subjectaccessreview",
	"SubjectAccessReview", "authorization.k8s.io", "v1", false, rv_access);
RV_TYPE(res_localsubjectaccessreviews, "localsubjectaccessreviews", "localsubjectaccessreview",
	"LocalSubjectAccessReview", "authorization.k8s.io", "v1", true, rv_access);
RV_TYPE(res_selfsubjectreviews, "selfsubjectreviews", "selfsubjectreview", "SelfSubjectReview",
	"authentication.k8s.io", "v1", false, rv_whoami);
RV_TYPE(res_selfsubjectreviews_v1beta1, "selfsubjectreviews", "selfsubjectreview",
	"SelfSubjectReview", "authentication.k8s.io", "v1beta1", false, rv_whoami);
RV_TYPE(res_tokenreviews, "tokenreviews", "tokenreview", "TokenReview", "authentication.k8s.io",
	"v1", false, rv_token);

/* ---- serviceaccounts/<name>/token ---- */

void api_token_request(struct api *a, struct http_req *req, const struct api_target *t)
{
	const struct store_kv *kv;
	cJSON *sa = NULL, *body = NULL;
	const cJSON *secs;
	struct verrs e = {0};
	bool dry;

	if (api_dry_run(req, "CreateOptions", &dry))
		return;
	body = api_body_decode(a, req, "error decoding TokenRequest", "authentication.k8s.io/v1",
			       "TokenRequest", "CreateOptions");
	if (!body)
		return;
	sa = api_load_or_reply(a, req, t, &kv);
	if (!sa)
		goto out;
	secs = json_at(body, "spec.expirationSeconds");
	if (secs && (!cJSON_IsNumber(secs) || secs->valuedouble < AUTH_TOKEN_MIN_SECS ||
		     secs->valuedouble > 4294967296.0)) {
		char v[32];

		snprintf(v, sizeof(v), "%.0f", cJSON_IsNumber(secs) ? secs->valuedouble : 0);
		verrs_invalid(&e, "spec.expirationSeconds", v,
			      cJSON_IsNumber(secs) && secs->valuedouble > 4294967296.0
				  ? "may not specify a duration larger than 2^32 seconds"
				  : "may not specify a duration less than 10 minutes");
		api_status_invalid_kind(req, "TokenRequest", "authentication.k8s.io", t->name, &e);
		goto out;
	}
	if (auth_token_request(a->auth, sa, body, (long long)time(NULL))) {
		api_status(req, 500, "InternalError", "Internal error occurred: cannot sign token",
			   NULL);
		goto out;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(body, "kind");
	cJSON_DeleteItemFromObjectCaseSensitive(body, "apiVersion");
	{
		cJSON *out = cJSON_CreateObject(), *md;

		cJSON_AddStringToObject(out, "kind", "TokenRequest");
		cJSON_AddStringToObject(out, "apiVersion", "authentication.k8s.io/v1");
		md = cJSON_AddObjectToObject(out, "metadata");
		cJSON_AddStringToObject(md, "name", t->name);
		cJSON_AddStringToObject(md, "namespace", t->ns);
		cJSON_AddNullToObject(md, "creationTimestamp");
		json_copy_member(out, body, "spec");
		json_copy_member(out, body, "status");
		api_reply_json(req, 201, out);
		cJSON_Delete(out);
	}
out:
	cJSON_Delete(sa);
	cJSON_Delete(body);
}
