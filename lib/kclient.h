/* kclient: a small Kubernetes API client on libcurl, shared by skiffctl
 * (blocking requests) and skiff-node (asynchronous list + streaming watch
 * on libev).
 *
 * Auth: bearer token from the kubeconfig; TLS verified against the
 * kubeconfig's certificate-authority(-data) unless insecure-skip-tls-verify.
 */
#ifndef SKIFF_KCLIENT_H
#define SKIFF_KCLIENT_H

#include <stdbool.h>
#include <stddef.h>

struct ev_loop;

struct kconfig {
	char *server;	 /* "https://127.0.0.1:6443" */
	char *token;	 /* bearer token, may be NULL */
	char *ca_pem;	 /* PEM of the CA (from -data base64 or the file), may be NULL */
	bool insecure;	 /* insecure-skip-tls-verify */
	char *namespace; /* context namespace, "default" if unset */
};

/* path: explicit file, else $KUBECONFIG (first entry), else ~/.kube/config.
 * Returns 0, or -errno with a message naming the file/field in err. */
int kconfig_load(const char *path, struct kconfig *out, char *err, size_t errlen);
void kconfig_free(struct kconfig *kc);
/* Write a one-context kubeconfig (cluster "skiff" at server with the CA
 * inline, user `user` with a bearer token) to path atomically (a temporary
 * file in the same directory, fsync, rename), mode 0600 since it holds a
 * credential. Returns 0 or -errno with a message naming the file in err. */
int kconfig_write(const char *path, const char *server, const char *ca_pem, const char *user,
		  const char *token, char *err, size_t errlen);
/* That kubeconfig's text (malloc'd), NULL when out of memory. */
char *kconfig_text(const char *server, const char *ca_pem, const char *user, const char *token);

struct kclient;

struct kresp {
	long status; /* HTTP status, 0 on transport error */
	char *body;  /* NUL-terminated, malloc'd */
	size_t len;
	char err[256]; /* transport error text when status == 0 */
};

struct kclient *kclient_new(const struct kconfig *kc);
void kclient_free(struct kclient *c);

/* Blocking request. path includes the query ("/api/v1/services?limit=500").
 * content_type/body/accept may be NULL. Returns 0 if an HTTP answer came
 * (any status), -EIO on transport error (resp->err says why). */
int kclient_request(struct kclient *c, const char *method, const char *path,
		    const char *content_type, const char *body, size_t body_len, const char *accept,
		    struct kresp *resp);
void kresp_free(struct kresp *r);

/* Streaming request driven by a libev loop (curl multi + ev_io/ev_timer).
 * on_line gets each '\n'-terminated line of the body (without '\n') once the
 * status is 200; on_done gets the final HTTP status (0 on transport error)
 * and, for non-200 answers, the body. The kwatch is freed after on_done. */
struct kwatch;
typedef void (*kwatch_line_cb)(void *ud, const char *line, size_t len);
typedef void (*kwatch_done_cb)(void *ud, long status, const char *body, const char *err);

struct kwatch *kwatch_start(struct kclient *c, struct ev_loop *loop, const char *path,
			    kwatch_line_cb on_line, kwatch_done_cb on_done, void *ud);
/* Cancel; on_done is not called. */
void kwatch_stop(struct kwatch *w);
/* The same machinery for a byte stream (a log): on a 200, on_data(ud, "", 0)
 * once the headers are in, then each piece of the body as it comes, cut
 * anywhere; on_done as for a kwatch (the body of a non-200 answer).
 * Stopped with kwatch_stop. */
typedef void (*kstream_data_cb)(void *ud, const char *data, size_t len);
struct kwatch *kstream_start(struct kclient *c, struct ev_loop *loop, const char *path,
			     kstream_data_cb on_data, kwatch_done_cb on_done, void *ud);

/* Asynchronous GET on a libev loop, on the same machinery as kwatch: the
 * whole body is collected, whatever the status, and on_done is called once
 * with the answer (status 0 and resp->err on a transport error or when the
 * client's overall timeout, kclient_set_timeout, runs out). resp and its
 * body belong to the kreq and are valid only during on_done; the kreq is
 * freed after on_done returns. No callback runs before kreq_get returns.
 * Used where a blocking request would stall the loop (informer lists).
 * At most KCLIENT_MAX_INFLIGHT kreqs of one client are in flight; the rest
 * wait and start in the order they were made. The client's handles share
 * connections and TLS sessions, so a burst reuses a few connections. */
#define KCLIENT_MAX_INFLIGHT 6
struct kreq;
typedef void (*kreq_done_cb)(void *ud, const struct kresp *resp);

struct kreq *kreq_get(struct kclient *c, struct ev_loop *loop, const char *path,
		      kreq_done_cb on_done, void *ud);
/* The same for a write (POST, PUT, PATCH, DELETE) with a body (copied;
 * may be NULL) of content_type. */
struct kreq *kreq_send(struct kclient *c, struct ev_loop *loop, const char *method,
		       const char *path, const char *content_type, const char *body, size_t len,
		       kreq_done_cb on_done, void *ud);
/* Cancel; on_done is not called. Safe from inside on_done and with NULL. */
void kreq_cancel(struct kreq *r);

/* The CA the client verifies the server with (PEM), NULL if none (the
 * kubelet gives it to pods as ca.crt). */
const char *kclient_ca_pem(const struct kclient *c);

/* URL-encode a query value (selectors). Returns malloc'd string. */
char *kclient_escape(const char *s);

/* Added by kclient.c: overall timeout of blocking requests and of kreq_get
 * in ms (0 = the default, 60 s). Watches have no overall timeout. */
void kclient_set_timeout(struct kclient *c, long timeout_ms);

#endif
