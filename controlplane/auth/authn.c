/* authn: bearer token -> user, in kube-apiserver's order of
 * authenticators: the static token table (the generated admin token and
 * --token-auth-file's lines), bootstrap tokens (kube-system Secrets of type
 * bootstrap.kubernetes.io/token), then JWTs signed with the data dir's key
 * (ServiceAccount tokens and join-issued node credentials). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gnutls/gnutls.h>
#include "auth_int.h"
#include "controllers/controllers.h"
#include "json_path.h"
#include "jointoken.h"
#include "jwt.h"
#include "log.h"
#include "registry/resource.h"
#include "store/store.h"

/* One CSV field of a token file line (kube-apiserver reads it with Go's
 * encoding/csv: a field may be "quoted", with "" for a quote). Returns
 * the rest of the line after the field's comma, or NULL at the end. */
static const char *authn_csv_field(const char *p, char *out, size_t len)
{
	size_t n = 0;

	if (*p == '"') {
		for (p++; *p; p++) {
			if (*p == '"' && p[1] == '"')
				p++;
			else if (*p == '"') {
				p++;
				break;
			}
			if (n + 1 < len)
				out[n++] = *p;
		}
	} else {
		for (; *p && *p != ','; p++)
			if (n + 1 < len)
				out[n++] = *p;
	}
	out[n] = 0;
	while (*p && *p != ',')
		p++;
	return *p == ',' ? p + 1 : NULL;
}

/* "token,user,uid[,"g1,g2"]" -> the table. -EINVAL for a line without a
 * user (kube-apiserver refuses the file). */
static int authn_add_line(struct auth *au, const char *line)
{
	char token[512], name[AUTH_NAME_MAX], uid[128], groups[2048];
	const char *gv[AUTH_MAX_GROUPS], *p = line;
	char *save = NULL;
	struct auth_user *u;
	void *old;
	int ng = 0, err;

	groups[0] = uid[0] = name[0] = 0;
	p = authn_csv_field(p, token, sizeof(token));
	if (p)
		p = authn_csv_field(p, name, sizeof(name));
	if (p)
		p = authn_csv_field(p, uid, sizeof(uid));
	if (p)
		authn_csv_field(p, groups, sizeof(groups));
	if (!token[0] || !name[0])
		return -EINVAL;
	for (char *g = strtok_r(groups, ",", &save); g && ng < AUTH_MAX_GROUPS;
	     g = strtok_r(NULL, ",", &save))
		gv[ng++] = g;
	u = malloc(sizeof(*u));
	if (!u)
		return -ENOMEM;
	err = auth_user_set(u, name, uid, gv, ng);
	if (!err)
		err = strmap_put(&au->tokens, token, u, &old);
	if (err) {
		free(u);
		return err;
	}
	free(old); /* a later line for the same token wins, as upstream's map */
	return 0;
}

static void authn_free_user(void *ud, const char *key, void *val)
{
	free(val);
}

/* A verified JWT: who it names, until when, and the ServiceAccount
 * (informer key and uid) that must still exist for it to count. */
struct authn_cached {
	struct auth_user u;
	long long exp;
	char sa_key[520];
};

/* Verified tokens kept at most; past it the cache starts over. */
#define AUTHN_CACHE_MAX 1024

static void authn_cache_clear(struct auth *au)
{
	strmap_foreach(&au->jwt_cache, authn_free_user, NULL);
	strmap_free(&au->jwt_cache);
	strmap_init(&au->jwt_cache);
}

static const struct informer_ops authn_sa_ops = {0};

int auth_new(struct store *st, const struct auth_config *cfg, struct auth **out)
{
	struct auth *au = calloc(1, sizeof(*au));
	char path[4096];
	int err;

	if (!au)
		return -ENOMEM;
	au->st = st;
	au->cfg = *cfg;
	strmap_init(&au->tokens);
	strmap_init(&au->jwt_cache);
	snprintf(au->issuer, sizeof(au->issuer), "%s", cfg->issuer);
	for (const char *const *t = cfg->tokens; t && *t; t++) {
		err = authn_add_line(au, *t);
		if (err) {
			pr_err(
			    "auth: a token line has no user name (want token,user,uid[,groups])");
			goto err_free;
		}
	}
	snprintf(path, sizeof(path), "%s/sa.key", cfg->data_dir);
	err = jwt_key_load_or_create(path, &au->key);
	if (err) {
		pr_err("auth: cannot load or create the signing key %s: %s", path, strerror(-err));
		goto err_free;
	}
	au->sa_inf = ctrl_informer_new(st, "/registry/serviceaccounts/", &authn_sa_ops, au);
	if (!au->sa_inf) {
		err = -ENOMEM;
		goto err_free;
	}
	if ((err = ctrl_informer_start(au->sa_inf)) || (err = rbac_new(st, &au->rbac)))
		goto err_free;
	*out = au;
	return 0;

err_free:
	auth_free(au);
	return err;
}

void auth_free(struct auth *au)
{
	if (!au)
		return;
	rbac_free(au->rbac);
	ctrl_informer_free(au->sa_inf);
	jwt_key_free(au->key);
	strmap_foreach(&au->tokens, authn_free_user, NULL);
	strmap_free(&au->tokens);
	authn_cache_clear(au);
	free(au);
}

/* ---- bootstrap tokens ---- */

/* A Secret's data value, base64-decoded into buf; NULL if absent. */
static const char *authn_secret_value(const cJSON *secret, const char *key, char *buf, size_t len)
{
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(secret, "data");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(data, key);
	gnutls_datum_t in, out = {0};

	if (!cJSON_IsString(v))
		return NULL;
	in.data = (unsigned char *)v->valuestring;
	in.size = (unsigned)strlen(v->valuestring);
	if (gnutls_base64_decode2(&in, &out) < 0)
		return NULL;
	if (out.size >= len) {
		gnutls_free(out.data);
		return NULL;
	}
	memcpy(buf, out.data, out.size);
	buf[out.size] = 0;
	gnutls_free(out.data);
	return buf;
}

static bool authn_const_eq(const char *a, const char *b)
{
	size_t n = strlen(a);
	unsigned char diff = n != strlen(b);

	for (size_t i = 0; i < n && b[i]; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

/* kubeadm's bootstrap token authenticator (plugin/pkg/auth/authenticator/
 * token/bootstrap): the Secret must exist, be of the bootstrap type, allow
 * authentication, hold the same secret, and not have expired. */
static int authn_bootstrap(struct auth *au, const char *token, long long now, struct auth_user *u,
			   char *why, size_t len)
{
	char key[128], id[8], val[256], extra[1024], *save = NULL;
	const char *gv[AUTH_MAX_GROUPS];
	const struct store_kv *kv;
	cJSON *s;
	int ng = 0, err = -EACCES;
	time_t exp;

	memcpy(id, token, 6);
	id[6] = 0;
	snprintf(key, sizeof(key), "/registry/secrets/kube-system/bootstrap-token-%s", id);
	kv = store_get(au->st, key);
	s = kv ? cJSON_Parse(kv->value) : NULL;
	if (!s) {
		snprintf(why, len, "bootstrap token \"%s\" not found (revoked or never made)", id);
		return -EACCES;
	}
	if (!json_str(s, "type") || strcmp(json_str(s, "type"), "bootstrap.kubernetes.io/token")) {
		snprintf(why, len, "secret bootstrap-token-%s is not a bootstrap token", id);
		goto out;
	}
	if (!authn_secret_value(s, "token-secret", val, sizeof(val)) ||
	    !authn_const_eq(val, token + 7)) {
		snprintf(why, len, "bootstrap token \"%s\": wrong secret", id);
		goto out;
	}
	if (!authn_secret_value(s, "usage-bootstrap-authentication", val, sizeof(val)) ||
	    strcmp(val, "true")) {
		snprintf(why, len, "bootstrap token \"%s\" is not for authentication", id);
		goto out;
	}
	if (authn_secret_value(s, "expiration", val, sizeof(val))) {
		exp = res_parse_time(val);
		if (!exp || exp <= now) {
			/* the whole token was right: saying so reveals nothing */
			snprintf(why, len, "the bootstrap token \"%s\" has expired", id);
			err = -EKEYEXPIRED;
			goto out;
		}
	}
	extra[0] = 0;
	authn_secret_value(s, "auth-extra-groups", extra, sizeof(extra));
	gv[ng++] = AUTH_GROUP_BOOTSTRAPPERS;
	for (char *g = strtok_r(extra, ",", &save); g && ng < AUTH_MAX_GROUPS;
	     g = strtok_r(NULL, ",", &save))
		/* kubeadm allows only system:bootstrappers:* extra groups */
		if (!strncmp(g, AUTH_GROUP_BOOTSTRAPPERS ":", strlen(AUTH_GROUP_BOOTSTRAPPERS) + 1))
			gv[ng++] = g;
	snprintf(val, sizeof(val), AUTH_BOOTSTRAP_PREFIX "%s", id);
	err = auth_user_set(u, val, "", gv, ng) ? -EACCES : 0;
out:
	cJSON_Delete(s);
	return err;
}

/* ---- JWTs ---- */

static bool authn_aud_ok(const struct auth *au, const cJSON *claims)
{
	const cJSON *aud = cJSON_GetObjectItemCaseSensitive(claims, "aud"), *it;

	if (cJSON_IsString(aud))
		return !strcmp(aud->valuestring, au->issuer);
	cJSON_ArrayForEach(it, aud)
	{
		if (cJSON_IsString(it) && !strcmp(it->valuestring, au->issuer))
			return true;
	}
	return false;
}

static void authn_cache_put(struct auth *au, const char *token, const struct auth_user *u,
			    const cJSON *claims, const char *sa_ns, const char *sa_name)
{
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(claims, "exp");
	struct authn_cached *e;
	void *old;

	if (!cJSON_IsNumber(exp))
		return;
	if (au->jwt_cache.n >= AUTHN_CACHE_MAX)
		authn_cache_clear(au);
	e = malloc(sizeof(*e));
	if (!e)
		return;
	e->u = *u;
	e->exp = (long long)exp->valuedouble;
	e->sa_key[0] = 0;
	if (sa_ns)
		snprintf(e->sa_key, sizeof(e->sa_key), "%s/%s", sa_ns, sa_name);
	if (strmap_put(&au->jwt_cache, token, e, &old) < 0) {
		free(e);
		return;
	}
	free(old);
}

/* A cached verification still good at now: 0 with *u, else -ENOENT (the
 * entry, if any, is dropped). */
static int authn_cache_get(struct auth *au, const char *token, long long now, struct auth_user *u)
{
	struct authn_cached *e = strmap_get(&au->jwt_cache, token);
	const cJSON *sa;

	if (!e)
		return -ENOENT;
	if (now < e->exp) {
		if (!e->sa_key[0]) {
			*u = e->u;
			return 0;
		}
		sa = ctrl_informer_get(au->sa_inf, e->sa_key);
		if (sa && json_str(sa, "metadata.uid") &&
		    !strcmp(json_str(sa, "metadata.uid"), e->u.uid)) {
			*u = e->u;
			return 0;
		}
	}
	free(strmap_del(&au->jwt_cache, token));
	return -ENOENT;
}

static int authn_jwt(struct auth *au, const char *token, long long now, struct auth_user *u,
		     char *why, size_t len)
{
	cJSON *c = NULL;
	const char *iss, *sub, *jti, *ns, *name, *uid, *node;
	char key[600], grp[300];
	const cJSON *sa, *k8s;
	int err = jwt_verify(au->key, token, strlen(token), &c);

	if (err) {
		snprintf(why, len, "%s",
			 err == -EKEYREJECTED ? "token signature does not verify"
					      : "malformed token");
		return -EACCES;
	}
	iss = json_str(c, "iss");
	sub = json_str(c, "sub");
	jti = json_str(c, "jti");
	err = -EACCES;
	if (!iss || strcmp(iss, au->issuer) || !sub || !authn_aud_ok(au, c)) {
		snprintf(why, len, "token issuer, subject or audience is not this server's");
		goto out;
	}
	if (jwt_check_time(c, now)) {
		snprintf(why, len, "token has expired");
		err = -EKEYEXPIRED;
		goto out;
	}
	/* the claims' "kubernetes.io" and "skiff.io" have dots of their own */
	k8s = cJSON_GetObjectItemCaseSensitive(c, "kubernetes.io");
	ns = json_str(k8s, "namespace");
	name = json_str(k8s, "serviceaccount.name");
	uid = json_str(k8s, "serviceaccount.uid");
	node = json_str(cJSON_GetObjectItemCaseSensitive(c, "skiff.io"), "node.name");
	if (ns && name && uid) {
		const char *g[2] = {AUTH_GROUP_SERVICEACCOUNTS, grp};

		snprintf(key, sizeof(key), "%s/%s", ns, name);
		sa = ctrl_informer_get(au->sa_inf, key);
		if (!sa || !json_str(sa, "metadata.uid") ||
		    strcmp(json_str(sa, "metadata.uid"), uid)) {
			snprintf(why, len, "service account %s/%s has been deleted", ns, name);
			goto out;
		}
		snprintf(key, sizeof(key), AUTH_SA_PREFIX "%s:%s", ns, name);
		snprintf(grp, sizeof(grp), AUTH_GROUP_SERVICEACCOUNTS ":%s", ns);
		if (strcmp(sub, key) || auth_user_set(u, key, uid, g, 2))
			goto out;
	} else if (node) {
		const char *g[1] = {AUTH_GROUP_NODES};

		snprintf(key, sizeof(key), AUTH_NODE_PREFIX "%s", node);
		if (strcmp(sub, key) || auth_user_set(u, key, "", g, 1))
			goto out;
	} else {
		snprintf(why, len, "token names no service account or node");
		goto out;
	}
	if (jti)
		snprintf(u->credential_id, sizeof(u->credential_id), "JTI=%.56s", jti);
	err = 0;
	authn_cache_put(au, token, u, c, ns && name && uid ? ns : NULL, name);
out:
	cJSON_Delete(c);
	return err;
}

int auth_authenticate(struct auth *au, const char *authorization, long long now,
		      struct auth_user *u, char *why, size_t len)
{
	const struct auth_user *st;
	const char *tok;

	why[0] = 0;
	if (!authorization)
		return -ENOENT;
	if (strncasecmp(authorization, "Bearer ", 7)) {
		snprintf(why, len, "only bearer tokens are accepted");
		return -EACCES;
	}
	tok = authorization + 7;
	while (*tok == ' ')
		tok++;
	st = strmap_get(&au->tokens, tok);
	if (st) {
		*u = *st;
		return 0;
	}
	if (jointoken_valid(tok))
		return authn_bootstrap(au, tok, now, u, why, len);
	if (jwt_looks_like(tok, strlen(tok))) {
		if (!authn_cache_get(au, tok, now, u))
			return 0;
		return authn_jwt(au, tok, now, u, why, len);
	}
	snprintf(why, len, "invalid bearer token");
	return -EACCES;
}
