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

struct ev_loop;
struct http_server;
struct http_req;
struct http_stream;

struct http_opts {
	const char *bind_address; /* "0.0.0.0" */
	int port;
	const char *tls_cert_pem; /* NULL: plain HTTP */
	const char *tls_key_pem;
	size_t max_body; /* larger bodies get 413 without being read */
	unsigned max_conns;
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

/* Request accessors. */
const char *http_req_method(const struct http_req *r);
const char *http_req_path(const struct http_req *r);
/* Decoded query argument or NULL. */
const char *http_req_query(const struct http_req *r, const char *name);
const char *http_req_header(const struct http_req *r, const char *name);
const char *http_req_body(const struct http_req *r, size_t *len);
/* Peer address as text ("127.0.0.1"). */
const char *http_req_peer(const struct http_req *r);

/* Answer (body is copied). Exactly one reply or stream per request. */
void http_reply(struct http_req *r, int status, const char *ctype, const char *body, size_t len);
/* Hold the reply until http_release_deferred(). */
void http_req_defer(struct http_req *r);

/* Streaming (chunked) 200 response. on_close is called once when the
 * client is gone or the stream ended, after which the stream must not be
 * used. */
typedef void (*http_stream_close_fn)(void *ud);
struct http_stream *http_reply_stream(struct http_req *r, const char *ctype,
				      http_stream_close_fn on_close, void *ud);
/* Queue bytes; the connection is woken. Returns 0 or -ENOMEM. */
int http_stream_write(struct http_stream *st, const char *data, size_t len);
size_t http_stream_buffered(const struct http_stream *st);
/* Let MHD look at an idle stream's socket again, so that a client that
 * went away is noticed (a suspended connection is not polled). */
void http_stream_poke(struct http_stream *st);
/* Finish after the buffered bytes are sent. */
void http_stream_end(struct http_stream *st);

#endif
