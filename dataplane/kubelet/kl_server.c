/* kl_server: the kubelet's HTTPS server on --kubelet-port (10250).
 *
 * It serves /containerLogs/<ns>/<pod>/<container> (kl_logs.c) to callers
 * the API server vouches for, as kubelet does with --authentication-token-
 * webhook and --authorization-mode=Webhook: the bearer token goes to a
 * TokenReview, the user it names to a SubjectAccessReview for verb get on
 * nodes/proxy named after this node. skiff-server sends its own
 * kubelet-client token (user kube-apiserver-kubelet-client, bound to
 * system:kubelet-api-admin); nodes hold no nodes/proxy, so one node's
 * credential cannot read another node's logs. The node itself may create
 * both reviews through the ClusterRole system:auth-delegator bound to
 * group system:nodes (bootstrap_rbac.c). A verdict is remembered for
 * KL_AUTH_TTL seconds so a burst of requests costs one review. The
 * reviews are kreqs on the loop: the request is held meanwhile.
 *
 * The serving certificate is self-signed (kubelet's default without
 * --tls-cert-file): made at first start in <root-dir>/pki/kubelet.crt and
 * kubelet.key, naming the node and its IP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "http/http.h"
#include "json_path.h"
#include "kclient.h"
#include "kl_server.h"
#include "log.h"
#include "tls.h"

#define KL_AUTH_TTL 10.0

struct kl_authz {
	struct kl_server *s;
	struct http_req *req;
	struct kreq *kr;
	char *token;
	char user[256];
	cJSON *user_obj; /* status.user of the TokenReview */
	struct kl_authz *next;
	char path[1024];
};

static void kl_text(struct http_req *req, int code, const char *msg)
{
	http_reply(req, code, "text/plain; charset=utf-8", msg, strlen(msg));
}

/* /containerLogs/<ns>/<pod>/<container>: names are DNS labels and
 * subdomains, so a segment never holds '/' or an escape. */
static void kl_route(struct kl_server *s, struct http_req *req, const char *path)
{
	char seg[3][254];
	const char *p = path + strlen("/containerLogs/");
	int n = 0;

	while (n < 3 && *p) {
		size_t l = strcspn(p, "/");

		if (!l || l >= sizeof(seg[0]) || memchr(p, '%', l))
			break;
		memcpy(seg[n], p, l);
		seg[n++][l] = 0;
		p += l;
		if (*p == '/')
			p++;
	}
	if (n != 3 || *p) {
		kl_text(req, 404, "404 page not found\n");
		return;
	}
	kl_logs_serve(s, req, seg[0], seg[1], seg[2]);
}

static struct kl_auth_entry *kl_cache_find(struct kl_server *s, const char *token, double now)
{
	for (int i = 0; i < KL_AUTH_CACHE; i++) {
		struct kl_auth_entry *e = &s->cache[i];

		if (e->token && now - e->at < KL_AUTH_TTL && !strcmp(e->token, token))
			return e;
	}
	return NULL;
}

static void kl_cache_put(struct kl_server *s, const struct kl_authz *az, bool authn, bool allowed)
{
	struct kl_auth_entry *e = &s->cache[0];

	/* the oldest (or an empty) slot */
	for (int i = 1; i < KL_AUTH_CACHE && e->token; i++)
		if (!s->cache[i].token || s->cache[i].at < e->at)
			e = &s->cache[i];
	free(e->token);
	e->token = strdup(az->token);
	snprintf(e->user, sizeof(e->user), "%s", az->user);
	e->authenticated = authn;
	e->allowed = allowed;
	e->at = ev_now(s->k->loop);
}

/* kubelet's words for a denial */
static void kl_forbidden(struct http_req *req, const char *user)
{
	char msg[512];

	snprintf(msg, sizeof(msg),
		 "Forbidden (user=%s, verb=get, resource=nodes, subresource=proxy)\n", user);
	kl_text(req, 403, msg);
}

static void kl_decide(struct kl_server *s, struct http_req *req, const char *path, bool authn,
		      bool allowed, const char *user)
{
	if (!authn)
		kl_text(req, 401, "Unauthorized\n");
	else if (!allowed)
		kl_forbidden(req, user);
	else
		kl_route(s, req, path);
}

static void kl_authz_free(struct kl_authz *az)
{
	struct kl_authz **pp = &az->s->pending;

	while (*pp && *pp != az)
		pp = &(*pp)->next;
	if (*pp)
		*pp = az->next;
	cJSON_Delete(az->user_obj);
	free(az->token);
	free(az);
}

/* The verdict is in: answer and let the connection go on. */
static void kl_authz_finish(struct kl_authz *az, bool authn, bool allowed)
{
	struct http_req *req = az->req;

	kl_cache_put(az->s, az, authn, allowed);
	kl_decide(az->s, req, az->path, authn, allowed, az->user);
	kl_authz_free(az);
	http_req_resume(req);
}

static void kl_sar_done(void *ud, const struct kresp *r)
{
	struct kl_authz *az = ud;
	cJSON *o = r->status == 201 || r->status == 200 ? cJSON_Parse(r->body) : NULL;

	az->kr = NULL;
	if (!o) {
		pr_warn("kubelet: SubjectAccessReview failed (%ld): %.200s", r->status,
			r->status ? r->body : r->err);
		/* no verdict is no permission; not remembered */
		kl_text(az->req, 500, "Internal Server Error: authorization failed\n");
		http_req_resume(az->req);
		kl_authz_free(az);
		return;
	}
	kl_authz_finish(az, true, cJSON_IsTrue(json_at(o, "status.allowed")));
	cJSON_Delete(o);
}

static void kl_tr_done(void *ud, const struct kresp *r)
{
	struct kl_authz *az = ud;
	cJSON *o = r->status == 201 || r->status == 200 ? cJSON_Parse(r->body) : NULL;
	cJSON *sar = NULL, *spec, *ra;
	char *body = NULL;
	const cJSON *u;

	az->kr = NULL;
	if (!o) {
		pr_warn("kubelet: TokenReview failed (%ld): %.200s", r->status,
			r->status ? r->body : r->err);
		kl_text(az->req, 500, "Internal Server Error: authentication failed\n");
		http_req_resume(az->req);
		kl_authz_free(az);
		return;
	}
	u = json_at(o, "status.user");
	if (!cJSON_IsTrue(json_at(o, "status.authenticated")) || !json_str(u, "username")) {
		cJSON_Delete(o);
		kl_authz_finish(az, false, false);
		return;
	}
	snprintf(az->user, sizeof(az->user), "%s", json_str(u, "username"));
	sar = cJSON_CreateObject();
	cJSON_AddStringToObject(sar, "apiVersion", "authorization.k8s.io/v1");
	cJSON_AddStringToObject(sar, "kind", "SubjectAccessReview");
	spec = cJSON_AddObjectToObject(sar, "spec");
	cJSON_AddStringToObject(spec, "user", az->user);
	if (json_str(u, "uid"))
		cJSON_AddStringToObject(spec, "uid", json_str(u, "uid"));
	if (cJSON_GetObjectItemCaseSensitive(u, "groups"))
		cJSON_AddItemToObject(
		    spec, "groups",
		    cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(u, "groups"), true));
	if (cJSON_GetObjectItemCaseSensitive(u, "extra"))
		cJSON_AddItemToObject(
		    spec, "extra",
		    cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(u, "extra"), true));
	ra = cJSON_AddObjectToObject(spec, "resourceAttributes");
	cJSON_AddStringToObject(ra, "verb", "get");
	cJSON_AddStringToObject(ra, "version", "v1");
	cJSON_AddStringToObject(ra, "resource", "nodes");
	cJSON_AddStringToObject(ra, "subresource", "proxy");
	cJSON_AddStringToObject(ra, "name", az->s->k->o.node_name);
	cJSON_Delete(o);
	body = cJSON_PrintUnformatted(sar);
	cJSON_Delete(sar);
	if (body)
		az->kr = kreq_send(az->s->k->c, az->s->k->loop, "POST",
				   "/apis/authorization.k8s.io/v1/subjectaccessreviews",
				   "application/json", body, strlen(body), kl_sar_done, az);
	free(body);
	if (!az->kr) {
		kl_text(az->req, 500, "Internal Server Error: out of memory\n");
		http_req_resume(az->req);
		kl_authz_free(az);
	}
}

/* Ask the API server who token is (then whether they may): the request
 * is held until the answers come. */
static void kl_review(struct kl_server *s, struct http_req *req, const char *token,
		      const char *path)
{
	struct kl_authz *az = calloc(1, sizeof(*az));
	cJSON *tr = cJSON_CreateObject();
	char *body = NULL;

	if (!az || !tr)
		goto nomem;
	az->s = s;
	az->req = req;
	az->token = strdup(token);
	snprintf(az->path, sizeof(az->path), "%s", path);
	cJSON_AddStringToObject(tr, "apiVersion", "authentication.k8s.io/v1");
	cJSON_AddStringToObject(tr, "kind", "TokenReview");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(tr, "spec"), "token", token);
	body = cJSON_PrintUnformatted(tr);
	if (!az->token || !body)
		goto nomem;
	az->kr =
	    kreq_send(s->k->c, s->k->loop, "POST", "/apis/authentication.k8s.io/v1/tokenreviews",
		      "application/json", body, strlen(body), kl_tr_done, az);
	if (!az->kr)
		goto nomem;
	az->next = s->pending;
	s->pending = az;
	http_req_hold(req);
	cJSON_Delete(tr);
	free(body);
	return;
nomem:
	if (az)
		free(az->token);
	free(az);
	cJSON_Delete(tr);
	free(body);
	kl_text(req, 500, "Internal Server Error: out of memory\n");
}

static void kl_handle(void *ud, struct http_req *req)
{
	struct kl_server *s = ud;
	const char *path = http_req_path(req), *auth = http_req_header(req, "Authorization");
	const struct kl_auth_entry *e;

	if (strncmp(path, "/containerLogs/", 15)) {
		kl_text(req, 404, "404 page not found\n");
		return;
	}
	if (strcmp(http_req_method(req), "GET")) {
		kl_text(req, 405, "Method Not Allowed\n");
		return;
	}
	/* no anonymous access (kubelet with --anonymous-auth=false) */
	if (!auth || strncasecmp(auth, "Bearer ", 7) || !auth[7]) {
		kl_text(req, 401, "Unauthorized\n");
		return;
	}
	auth += 7;
	e = kl_cache_find(s, auth, ev_now(s->k->loop));
	if (e)
		kl_decide(s, req, path, e->authenticated, e->allowed, e->user);
	else
		kl_review(s, req, auth, path);
}

/* <root>/pki/kubelet.{crt,key}: made once, then loaded. */
static int kl_server_cert(struct kubelet *k, char **crt, char **key)
{
	char dir[600], crt_path[700], key_path[700];
	const char *dns[] = {k->o.node_name, NULL}, *ips[] = {k->node_ip, NULL};
	struct tls_opts to = {.dns_names = dns, .ips = ips, .cn = k->o.node_name};
	char *ca = NULL, *c = NULL, *chain = NULL;
	int r;

	snprintf(dir, sizeof(dir), "%s/pki", k->o.root_dir);
	snprintf(crt_path, sizeof(crt_path), "%s/kubelet.crt", dir);
	snprintf(key_path, sizeof(key_path), "%s/kubelet.key", dir);
	*crt = tls_read_file(crt_path, NULL);
	*key = tls_read_file(key_path, NULL);
	if (*crt && *key)
		return 0;
	free(*crt);
	free(*key);
	*crt = *key = NULL;
	/* the root dir too: the pods make it only later */
	if ((mkdir(k->o.root_dir, 0755) && errno != EEXIST) ||
	    (mkdir(dir, 0700) && errno != EEXIST))
		return -errno;
	r = tls_make_certs(&to, &ca, &c, key);
	if (r)
		goto out;
	/* the certificate and the CA that signed it, as kubelet writes it */
	if (asprintf(&chain, "%s%s", c, ca) < 0) {
		chain = NULL;
		r = -ENOMEM;
		goto out;
	}
	r = tls_write_file(key_path, *key, strlen(*key), 0600);
	if (!r)
		r = tls_write_file(crt_path, chain, strlen(chain), 0644);
	if (!r) {
		pr_info("kubelet: made a self-signed serving certificate in %s", dir);
		*crt = chain;
		chain = NULL;
	}
out:
	free(ca);
	free(c);
	free(chain);
	if (r) {
		free(*key);
		*key = NULL;
	}
	return r;
}

int kl_server_start(struct kubelet *k)
{
	struct kl_server *s = calloc(1, sizeof(*s));
	struct http_opts ho = {
	    .bind_address = "0.0.0.0", .port = k->o.kubelet_port, .max_body = 64 << 10};
	char *crt = NULL, *key = NULL;
	int r;

	if (!s)
		return -ENOMEM;
	s->k = k;
	r = kl_server_cert(k, &crt, &key);
	if (r) {
		pr_err("kubelet: no serving certificate in %s/pki: %s", k->o.root_dir,
		       strerror(-r));
		goto err;
	}
	ho.tls_cert_pem = crt;
	ho.tls_key_pem = key;
	r = http_server_start(k->loop, &ho, kl_handle, NULL, s, &s->http);
	if (r) {
		pr_err("kubelet: cannot serve on port %d: %s", k->o.kubelet_port, strerror(-r));
		goto err;
	}
	s->crt = crt; /* MHD may read them while it runs */
	s->key = key;
	k->srv = s;
	pr_info("kubelet: serving HTTPS on port %d", k->o.kubelet_port);
	return 0;
err:
	free(crt);
	free(key);
	free(s);
	return r;
}

void kl_server_stop(struct kubelet *k)
{
	struct kl_server *s = k->srv;

	if (!s)
		return;
	while (s->pending) {
		kreq_cancel(s->pending->kr);
		kl_text(s->pending->req, 503, "Service Unavailable\n");
		kl_authz_free(s->pending);
	}
	kl_logs_stop(s);
	http_server_stop(s->http);
	for (int i = 0; i < KL_AUTH_CACHE; i++)
		free(s->cache[i].token);
	free(s->crt);
	free(s->key);
	free(s);
	k->srv = NULL;
}
