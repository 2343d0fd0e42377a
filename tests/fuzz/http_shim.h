/* http_shim: a test-only implementation of the request side of http.h, so
 * that the real api_handle/api_after run inside a fuzz harness without
 * libmicrohttpd or sockets. A request is filled in by the harness; the
 * handler's reply, deferral and stream are recorded in it for checking.
 * Streams are never sent anywhere: the harness drains (reads) or leaves
 * them (a stalled client) and closes them, which runs on_close like the
 * real server does when the response is freed.
 */
#ifndef SKIFF_HTTP_SHIM_H
#define SKIFF_HTTP_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include "http/http.h"

#define SHIM_MAX_KV 8

struct shim_kv {
	char *name, *value;
};

struct http_req {
	char *method, *path;
	const char *body;
	size_t body_len;
	struct shim_kv query[SHIM_MAX_KV], header[SHIM_MAX_KV];
	int nquery, nheader;
	/* what the handler did */
	int nreplies; /* http_reply and http_reply_stream calls */
	int status;
	char ctype[64];
	char hdr_name[64], hdr_value[128]; /* http_reply_header */
	char *resp;
	size_t resp_len;
	bool deferred; /* held until http_release_deferred() */
	bool was_deferred;
	struct http_stream *stream;
	struct http_req *next_deferred;
	http_done_fn done; /* http_req_on_done: run by shim_req_free */
	void *done_ud;
};

struct http_stream {
	char *buf;
	size_t len, cap;
	bool ended;
	bool aborted; /* http_stream_abort: the connection was cut */
	bool stalled; /* set by the harness: its client never reads */
	http_stream_close_fn on_close;
	void *ud;
	struct http_stream *next; /* shim_streams */
};

/* Every stream not closed yet, newest first. */
extern struct http_stream *shim_streams;

/* A request for `method` on `target` ("/path?query"; the arguments are
 * decoded like MHD decodes them, the path is left as sent). The body is
 * not copied. */
void shim_req_init(struct http_req *r, const char *method, const char *target, const char *body,
		   size_t len);
void shim_req_header(struct http_req *r, const char *name, const char *value);
void shim_req_free(struct http_req *r);

/* Remove the complete lines at the head of a stream, calling line() on
 * each (without its newline). */
void shim_stream_drain(struct http_stream *st, void (*line)(const char *s, size_t len));
/* Close a stream (on_close runs) and unlink it. */
void shim_stream_close(struct http_stream *st);

#endif
