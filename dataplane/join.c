/* join: token discovery and the node credential exchange (join.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cjson/cJSON.h>

#include "cahash.h"
#include "join.h"
#include "jointoken.h"
#include "kclient.h"
#include "log.h"

/* Neither request is a list: 15 s is plenty and keeps a dead server from
 * stalling the node's start for the default minute. */
#define JOIN_TIMEOUT_MS 15000L

#define JOIN_PATH      "/skiff/v1/join"
#define JOIN_PEM_BEGIN "-----BEGIN CERTIFICATE-----"
#define JOIN_PEM_END   "-----END CERTIFICATE-----"

int join_check_opts(const struct join_opts *o, char *err, size_t errlen)
{
	if (!jointoken_valid(o->token)) {
		snprintf(err, errlen, "--token: not a join token (want [a-z0-9]{6}.[a-z0-9]{16})");
		return -EINVAL;
	}
	if (!o->server || strncmp(o->server, "https://", 8)) {
		snprintf(err, errlen,
			 "--token needs --server https://<address>:<port> (the API server to "
			 "join)");
		return -EINVAL;
	}
	if (o->ca_hash && !cahash_valid(o->ca_hash)) {
		snprintf(err, errlen,
			 "--discovery-token-ca-cert-hash: \"%s\" is not sha256:<64 hex digits>",
			 o->ca_hash);
		return -EINVAL;
	}
	if (!o->ca_hash && !o->skip_ca) {
		snprintf(err, errlen,
			 "--token needs --discovery-token-ca-cert-hash sha256:<hash> (or "
			 "--discovery-token-unsafe-skip-ca-verification to trust any server)");
		return -EINVAL;
	}
	return 0;
}

/* The first certificate of a PEM bundle, malloc'd. Only the pinned
 * certificate may be trusted: /cacerts is fetched unverified, so any other
 * certificate in it could be an impostor's CA riding along with the real
 * one. */
static char *join_first_cert(const char *pem)
{
	const char *b = strstr(pem, JOIN_PEM_BEGIN), *e = b ? strstr(b, JOIN_PEM_END) : NULL;
	char *out;

	if (!e)
		return NULL;
	e += strlen(JOIN_PEM_END);
	if (asprintf(&out, "%.*s\n", (int)(e - b), b) < 0)
		return NULL;
	return out;
}

/* The message of a Kubernetes Status body, or NULL. */
static char *join_status_message(const char *body)
{
	cJSON *st = cJSON_Parse(body);
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(st, "message");
	char *out = cJSON_IsString(m) && m->valuestring[0] ? strdup(m->valuestring) : NULL;

	cJSON_Delete(st);
	return out;
}

static struct kclient *join_client(const char *server, const char *token, const char *ca_pem,
				   char *err, size_t errlen)
{
	struct kconfig kc = {.server = (char *)server,
			     .token = (char *)token,
			     .ca_pem = (char *)ca_pem,
			     /* Only the CA fetch goes unverified (no CA yet). */
			     .insecure = !ca_pem};
	struct kclient *c = kclient_new(&kc);

	if (!c) {
		snprintf(err, errlen, "join: cannot create an API client for %s", server);
		return NULL;
	}
	kclient_set_timeout(c, JOIN_TIMEOUT_MS);
	return c;
}

/* GET /cacerts unverified, check the pin; the pinned certificate into
 * *ca_pem. */
static int join_fetch_ca(const struct join_opts *o, char **ca_pem, char *err, size_t errlen)
{
	/* No token on this connection: it is not yet known who answers. */
	struct kclient *c = join_client(o->server, NULL, NULL, err, errlen);
	char have[CAHASH_LEN];
	struct kresp r;
	int rc;

	if (!c)
		return -ENOMEM;
	rc = kclient_request(c, "GET", "/cacerts", NULL, NULL, 0, "application/x-pem-file", &r);
	if (rc) {
		snprintf(err, errlen, "join: cannot fetch the cluster CA from %s/cacerts: %s",
			 o->server, r.err);
		goto free_client;
	}
	if (r.status != 200) {
		snprintf(err, errlen,
			 "join: %s/cacerts answered HTTP %ld instead of the cluster CA", o->server,
			 r.status);
		rc = -EPROTO;
		goto free_resp;
	}
	if (cahash_pem(r.body, have, sizeof(have)) || !(*ca_pem = join_first_cert(r.body))) {
		snprintf(err, errlen, "join: %s/cacerts did not return a PEM certificate",
			 o->server);
		rc = -EPROTO;
		goto free_resp;
	}
	if (o->skip_ca) {
		pr_warn("join: --discovery-token-unsafe-skip-ca-verification: trusting the CA "
			"%s of %s without checking it",
			have, o->server);
	} else if (!cahash_equal(have, o->ca_hash)) {
		snprintf(err, errlen,
			 "join: the server's CA hash %s does not match "
			 "--discovery-token-ca-cert-hash %s; refusing to trust it",
			 have, o->ca_hash);
		free(*ca_pem);
		*ca_pem = NULL;
		rc = -EPERM;
		goto free_resp;
	}
	rc = 0;
free_resp:
	kresp_free(&r);
free_client:
	kclient_free(c);
	return rc;
}

/* The error of a refused join, by status. */
static int join_refused(const struct kresp *r, const char *name, char *err, size_t errlen)
{
	char *msg = join_status_message(r->body);
	int rc = -EPERM;

	if (r->status == 401 && (!msg || !strcmp(msg, "Unauthorized")))
		snprintf(err, errlen,
			 "join: the server refused the join token: it is unknown or has been "
			 "revoked (401 Unauthorized)");
	else if (r->status == 401)
		snprintf(err, errlen,
			 "join: the server refused the join token: %s (401 Unauthorized)", msg);
	else if (r->status == 403)
		snprintf(err, errlen, "join: the server refused the join: %s (403 Forbidden)",
			 msg ? msg : "forbidden");
	else if (r->status == 422)
		snprintf(err, errlen, "join: the server rejected the node name \"%s\": %s", name,
			 msg ? msg : "invalid");
	else {
		snprintf(err, errlen, "join: POST %s answered HTTP %ld: %s", JOIN_PATH, r->status,
			 msg ? msg : "(no message)");
		rc = -EPROTO;
	}
	free(msg);
	return rc;
}

/* POST /skiff/v1/join over the pinned CA; the node's token into *token. */
static int join_exchange(const struct join_opts *o, const char *ca_pem, char **token, char *err,
			 size_t errlen)
{
	struct kclient *c = join_client(o->server, o->token, ca_pem, err, errlen);
	cJSON *req = cJSON_CreateObject(), *ans = NULL;
	const cJSON *t, *n;
	char *body = NULL;
	struct kresp r = {0};
	int rc = -ENOMEM;

	if (!c || !req || !cJSON_AddStringToObject(req, "nodeName", o->node_name) ||
	    !(body = cJSON_PrintUnformatted(req))) {
		snprintf(err, errlen, "join: out of memory");
		goto out;
	}
	rc =
	    kclient_request(c, "POST", JOIN_PATH, "application/json", body, strlen(body), NULL, &r);
	if (rc) {
		/* The CA is pinned now: a TLS failure here means the server's
		 * certificate is not from the CA whose hash we were given. */
		snprintf(err, errlen, "join: POST %s%s with the pinned CA: %s", o->server,
			 JOIN_PATH, r.err);
		goto out;
	}
	if (r.status != 201) {
		rc = join_refused(&r, o->node_name, err, errlen);
		goto out;
	}
	ans = cJSON_Parse(r.body);
	t = cJSON_GetObjectItemCaseSensitive(ans, "token");
	n = cJSON_GetObjectItemCaseSensitive(ans, "nodeName");
	if (!cJSON_IsString(t) || !t->valuestring[0] || !cJSON_IsString(n) ||
	    strcmp(n->valuestring, o->node_name)) {
		snprintf(err, errlen,
			 "join: POST %s answered 201 without a NodeCredential for node \"%s\"",
			 JOIN_PATH, o->node_name);
		rc = -EPROTO;
		goto out;
	}
	*token = strdup(t->valuestring);
	rc = *token ? 0 : -ENOMEM;
out:
	cJSON_Delete(ans);
	cJSON_Delete(req);
	free(body);
	kresp_free(&r);
	kclient_free(c);
	return rc;
}

int join_node(const struct join_opts *o, char *path, size_t pathlen, char *err, size_t errlen)
{
	char *ca_pem = NULL, *token = NULL, *user = NULL;
	int rc;

	rc = join_fetch_ca(o, &ca_pem, err, errlen);
	if (rc)
		return rc;
	rc = join_exchange(o, ca_pem, &token, err, errlen);
	if (rc)
		goto out;
	/* The state dir holds a credential: only its owner may look in. */
	if (mkdir(o->state_dir, 0700) < 0 && errno != EEXIST) {
		rc = -errno;
		snprintf(err, errlen, "join: --state-dir %s: %s", o->state_dir, strerror(-rc));
		goto out;
	}
	snprintf(path, pathlen, "%s/kubeconfig", o->state_dir);
	if (asprintf(&user, "system:node:%s", o->node_name) < 0) {
		user = NULL;
		rc = -ENOMEM;
		snprintf(err, errlen, "join: out of memory");
		goto out;
	}
	rc = kconfig_write(path, o->server, ca_pem, user, token, err, errlen);
	if (rc) {
		char why[256];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "join: cannot write the kubeconfig: %s", why);
		goto out;
	}
	pr_info("joined the cluster at %s as %s; credential in %s", o->server, user, path);
out:
	free(user);
	free(token);
	free(ca_pem);
	return rc;
}
