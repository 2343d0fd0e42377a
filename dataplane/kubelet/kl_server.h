/* kl_server: the kubelet's HTTPS server (kl_server.c) and the container
 * logs it serves (kl_logs.c). */
#ifndef SKIFF_KL_SERVER_H
#define SKIFF_KL_SERVER_H

#include "kl_int.h"

struct http_req;
struct http_server;
struct kl_authz;
struct kl_follow;

#define KL_AUTH_CACHE 64

/* A token the API server judged: who it is and whether it may use this
 * node's port, remembered for KL_AUTH_TTL seconds. */
struct kl_auth_entry {
	char *token;
	char user[256];
	bool authenticated, allowed;
	double at;
};

struct kl_server {
	struct kubelet *k;
	struct http_server *http;
	char *crt, *key; /* the serving certificate (chain) and key, PEM */
	struct kl_auth_entry cache[KL_AUTH_CACHE];
	struct kl_authz *pending;  /* reviews in flight (cancelled at stop) */
	struct kl_follow *follows; /* `logs -f` streams (kl_logs.c) */
};

/* kl_logs.c: answer GET /containerLogs/<ns>/<pod>/<container>?... on req
 * (a reply, or a stream for follow=true). */
void kl_logs_serve(struct kl_server *s, struct http_req *req, const char *ns, const char *pod,
		   const char *ctr);
/* End every follow stream (the server stops). */
void kl_logs_stop(struct kl_server *s);

#endif
