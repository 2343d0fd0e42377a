/* tokens: the credentials the server issues — ServiceAccount tokens
 * (TokenRequest, `kubectl create token`), the node credential of the join
 * flow, and bootstrap (join) tokens in kubeadm's Secret layout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include "auth_int.h"
#include "json_path.h"
#include "jointoken.h"
#include "jwt.h"

#define TOKENS_DEFAULT_SECS 3600

static void tokens_time(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int tokens_uuid(char *buf, size_t len)
{
	unsigned char b[16];

	if (gnutls_rnd(GNUTLS_RND_NONCE, b, sizeof(b)) < 0)
		return -EIO;
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(buf, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
	return 0;
}

/* The registered claims every token of ours carries. */
static cJSON *tokens_claims(const struct auth *au, const char *sub, long long now, long long exp,
			    const cJSON *audiences)
{
	cJSON *c = cJSON_CreateObject(), *aud;
	char jti[40];

	if (!c || tokens_uuid(jti, sizeof(jti))) {
		cJSON_Delete(c);
		return NULL;
	}
	if (cJSON_GetArraySize(audiences) > 0) {
		cJSON_AddItemToObject(c, "aud", cJSON_Duplicate(audiences, true));
	} else {
		aud = cJSON_AddArrayToObject(c, "aud");
		cJSON_AddItemToArray(aud, cJSON_CreateString(au->issuer));
	}
	cJSON_AddNumberToObject(c, "exp", (double)exp);
	cJSON_AddNumberToObject(c, "iat", (double)now);
	cJSON_AddStringToObject(c, "iss", au->issuer);
	cJSON_AddStringToObject(c, "jti", jti);
	cJSON_AddNumberToObject(c, "nbf", (double)now);
	cJSON_AddStringToObject(c, "sub", sub);
	return c;
}

int auth_token_request(struct auth *au, const cJSON *sa, cJSON *req, long long now)
{
	const char *ns = json_str(sa, "metadata.namespace"), *name = json_str(sa, "metadata.name");
	const char *uid = json_str(sa, "metadata.uid");
	cJSON *spec = cJSON_GetObjectItemCaseSensitive(req, "spec"), *status, *claims, *k8s, *sac;
	const cJSON *secs;
	long long exp_secs = TOKENS_DEFAULT_SECS;
	char sub[600], when[32], *tok;

	if (!ns || !name || !uid)
		return -EINVAL;
	if (!cJSON_IsObject(spec)) {
		cJSON_DeleteItemFromObjectCaseSensitive(req, "spec");
		spec = cJSON_AddObjectToObject(req, "spec");
	}
	secs = cJSON_GetObjectItemCaseSensitive(spec, "expirationSeconds");
	if (cJSON_IsNumber(secs))
		exp_secs = (long long)secs->valuedouble;
	else
		cJSON_AddNumberToObject(spec, "expirationSeconds", (double)exp_secs);
	snprintf(sub, sizeof(sub), AUTH_SA_PREFIX "%s:%s", ns, name);
	claims = tokens_claims(au, sub, now, now + exp_secs,
			       cJSON_GetObjectItemCaseSensitive(spec, "audiences"));
	if (!claims)
		return -ENOMEM;
	k8s = cJSON_AddObjectToObject(claims, "kubernetes.io");
	cJSON_AddStringToObject(k8s, "namespace", ns);
	sac = cJSON_AddObjectToObject(k8s, "serviceaccount");
	cJSON_AddStringToObject(sac, "name", name);
	cJSON_AddStringToObject(sac, "uid", uid);
	tok = jwt_sign(au->key, claims);
	cJSON_Delete(claims);
	if (!tok)
		return -ENOMEM;
	cJSON_DeleteItemFromObjectCaseSensitive(req, "status");
	status = cJSON_AddObjectToObject(req, "status");
	cJSON_AddStringToObject(status, "token", tok);
	tokens_time(now + exp_secs, when, sizeof(when));
	cJSON_AddStringToObject(status, "expirationTimestamp", when);
	free(tok);
	return 0;
}

char *auth_node_credential(struct auth *au, const char *node, long long now, long long *expires)
{
	char sub[600];
	cJSON *claims, *sk;
	char *tok;

	snprintf(sub, sizeof(sub), AUTH_NODE_PREFIX "%s", node);
	*expires = now + au->cfg.node_credential_ttl;
	claims = tokens_claims(au, sub, now, *expires, NULL);
	if (!claims)
		return NULL;
	sk = cJSON_AddObjectToObject(claims, "skiff.io");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(sk, "node"), "name", node);
	tok = jwt_sign(au->key, claims);
	cJSON_Delete(claims);
	return tok;
}

cJSON *auth_bootstrap_secret(const char *token, long long ttl, long long now,
			     const char *description)
{
	cJSON *s = cJSON_CreateObject(), *md, *sd;
	char id[7], name[64], when[32];

	if (!s || !jointoken_valid(token)) {
		cJSON_Delete(s);
		return NULL;
	}
	memcpy(id, token, 6);
	id[6] = 0;
	snprintf(name, sizeof(name), "bootstrap-token-%s", id);
	cJSON_AddStringToObject(s, "apiVersion", "v1");
	cJSON_AddStringToObject(s, "kind", "Secret");
	md = cJSON_AddObjectToObject(s, "metadata");
	cJSON_AddStringToObject(md, "name", name);
	cJSON_AddStringToObject(md, "namespace", "kube-system");
	cJSON_AddStringToObject(s, "type", "bootstrap.kubernetes.io/token");
	sd = cJSON_AddObjectToObject(s, "stringData");
	cJSON_AddStringToObject(sd, "token-id", id);
	cJSON_AddStringToObject(sd, "token-secret", token + 7);
	if (ttl > 0) {
		tokens_time(now + ttl, when, sizeof(when));
		cJSON_AddStringToObject(sd, "expiration", when);
	}
	cJSON_AddStringToObject(sd, "usage-bootstrap-authentication", "true");
	cJSON_AddStringToObject(sd, "usage-bootstrap-signing", "true");
	if (description)
		cJSON_AddStringToObject(sd, "description", description);
	return s;
}
