/* http: the HTTP(S)/1.1 front end of skiff-server.
 *
 * libmicrohttpd parses HTTP and does TLS and chunked encoding; we run it in
 * "external epoll" mode from our libev loop so that the whole server stays
 * single-threaded. Responses can be held back (http_req_defer) until the
 * store has made a batch of writes durable: that is the group commit. Watch
 * responses are streams fed by http_stream_write.
 */
#ifndef SKIFF_HTTP_H
#define SKIFF_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct http_server;
struct http_req;
struct http_stream;

/* Connection limits and deadlines (0 in http_opts means this default).
 * A connection is "unauthenticated" until the api layer calls
 * http_req_authenticated() for one of its requests. */
#define HTTP_DEFAULT_MAX_CONNS		4096 /* all connections */
#define HTTP_DEFAULT_MAX_CONNS_PER_IP	256  /* one client address */
#define HTTP_DEFAULT_MAX_UNAUTH_CONNS	1024 /* never-authenticated ones */
#define HTTP_DEFAULT_FIRST_REQUEST_SECS 10   /* accept to first request header */
#define HTTP_DEFAULT_REQUEST_SECS	60   /* one request, body and response */
#define HTTP_DEFAULT_IDLE_SECS		300  /* keep-alive, authenticated */

struct http_opts {
	const char *bind_address; /* "0.0.0.0" */
	int port;
	const char *tls_cert_pem; /* NULL: plain HTTP */
	const char *tls_key_pem;
	size_t max_body; /* larger bodies get 413, cut as soon as they pass */
	unsigned max_conns;
	unsigned max_conns_per_ip;
	unsigned max_unauth_conns;
	/* Absolute deadline from accept (TLS handshake included) to a complete
	 * first request header; also the keep-alive idle timeout of
	 * connections that never authenticated. */
	unsigned first_request_secs;
	/* Absolute deadline for one request: body read and response written
	 * (the slow-read/slow-write defence). Watch streams are exempt. */
	unsigned request_secs;
	unsigned idle_secs; /* keep-alive idle timeout once authenticated */
};

/* Connection counters for /metrics. */
struct http_stats {
	unsigned conns;		       /* open now, including those being closed */
	unsigned auth_conns;	       /* open now, authenticated */
	unsigned unauth_conns;	       /* open now, never authenticated */
	uint64_t closed_first_request; /* first request header not in time */
	uint64_t closed_request;       /* a request (not a watch) not done in time */
	uint64_t evicted_unauth;       /* oldest unauthenticated, to make room */
	uint64_t refused_per_ip;       /* address at its cap, nothing to evict */
	uint64_t body_too_large;       /* 413, connection closed */
};

typedef void (*http_handler_fn)(void *ud, struct http_req *req);
/* Called after each batch of requests was processed (group commit hook). */
typedef void (*http_after_fn)(void *ud);

int http_server_start(struct ev_loop *loop, const struct http_opts *o, http_handler_fn handler,
		      http_after_fn after, void *ud, struct http_server **out);
void http_server_stop(struct http_server *s);
/* Resume every deferred request (their responses are sent). */
void http_release_deferred(struct http_server *s);
/* Replace the held reply of every deferred request with this one (the
 * writes they acknowledged did not become durable) and send them. */
void http_fail_deferred(struct http_server *s, int status, const char *ctype, const char *body,
			size_t len);
void http_server_stats(const struct http_server *s, struct http_stats *out);

/* Request accessors. */
const char *http_req_method(const struct http_req *r);
const char *http_req_path(const struct http_req *r);
/* Decoded query argument or NULL. */
const char *http_req_query(const struct http_req *r, const char *name);
const char *http_req_header(const struct http_req *r, const char *name);
/* The query as "?k=v&k2=v2" (decoded values; "" if none), for logs. */
void http_req_query_text(const struct http_req *r, char *buf, size_t len);
/* fn for each value of a header sent several times (Impersonate-Group). */
void http_req_header_each(const struct http_req *r, const char *name,
			  void (*fn)(void *ud, const char *value), void *ud);
const char *http_req_body(const struct http_req *r, size_t *len);
/* Peer address as text ("127.0.0.1"). */
const char *http_req_peer(const struct http_req *r);
/* The request carried valid credentials: its connection leaves the
 * unauthenticated pool (never evicted, the longer idle timeout). */
void http_req_authenticated(struct http_req *r);

/* Answer (body is copied). Exactly one reply or stream per request. */
void http_reply(struct http_req *r, int status, const char *ctype, const char *body, size_t len);
/* Add a response header (Retry-After, one Warning per finding...); both
 * strings copied. Several may be added, HTTP_EXTRA_HEADERS_MAX bytes in
 * all; later ones are dropped. */
#define HTTP_EXTRA_HEADERS_MAX 16384
void http_reply_header(struct http_req *r, const char *name, const char *value);
/* Hold the reply until http_release_deferred(). */
void http_req_defer(struct http_req *r);

/* Hold this one request (not a group commit: http_release_deferred leaves
 * it alone) until http_req_resume(), which sends the reply or stream set
 * meanwhile; for answers that wait on another server (a TokenReview, a
 * kubelet). The connection is suspended until then. */
void http_req_hold(struct http_req *r);
void http_req_resume(struct http_req *r);

/* Call fn(ud, status) exactly once when the request is over: its response
 * was sent (status: the HTTP status code sent; a deferred reply when it
 * actually went out, with the replacement status after
 * http_fail_deferred; a stream when it ended, 200), or the connection
 * closed first (status: the code queued if any, else 0), or the server
 * stopped. One hook per request; setting it again replaces it. ud is not
 * freed by http. A request answered by the http layer itself before the
 * handler ran (413) has no hook. The hook runs before a stream's
 * on_close. */
typedef void (*http_done_fn)(void *ud, int status);
void http_req_on_done(struct http_req *r, http_done_fn fn, void *ud);

/* Streaming (chunked) 200 response. on_close is called once when the
 * client is gone or the stream ended, after which the stream must not be
 * used. */
typedef void (*http_stream_close_fn)(void *ud);
struct http_stream *http_reply_stream(struct http_req *r, const char *ctype,
				      http_stream_close_fn on_close, void *ud);
/* Queue bytes; the connection is woken. Returns 0 or -ENOMEM. */
int http_stream_write(struct http_stream *st, const char *data, size_t len);
size_t http_stream_buffered(const struct http_stream *st);
/* Unsent bytes of every stream of the server, O(1). */
size_t http_streams_buffered(const struct http_server *s);
/* Let MHD look at an idle stream's socket again, so that a client that
 * went away is noticed (a suspended connection is not polled). */
void http_stream_poke(struct http_stream *st);
/* Finish after the buffered bytes are sent. */
void http_stream_end(struct http_stream *st);
/* Drop the buffered bytes now and close the connection (a client that
 * stopped reading): the memory is freed at once, on_close follows as soon
 * as MHD has noticed the closed socket. */
void http_stream_abort(struct http_stream *st);

#endif
