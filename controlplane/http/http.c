/* http: libmicrohttpd in external-epoll mode, driven by libev. */
#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <microhttpd.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "http.h"
#include "log.h"
#include "strhash.h"

/* Address buckets for the per-address cap: a power of two; a bucket's list
 * holds at most a few caps' worth of connections of colliding addresses. */
#define HTTP_ADDR_BUCKETS 256
/* Bytes of an oversized chunked body read and thrown away so that an
 * upload a little over the limit still gets its 413 (nginx discards a
 * refused body the same way); past this the connection is closed. */
#define HTTP_DISCARD_MAX (4 * 1024 * 1024)
/* A drained stream buffer larger than this is freed rather than kept. */
#define HTTP_STREAM_KEEP (64 * 1024)

/* One TCP connection (MHD's socket_context), from accept to close. */
struct http_conn {
	struct http_server *srv;
	struct MHD_Connection *conn;
	int fd;
	ev_tstamp accepted;
	int family;
	unsigned char addr[16]; /* IPv4 in the first 4 bytes */
	unsigned bucket;
	bool first_request; /* a first request header arrived */
	bool authenticated;
	bool stream;			 /* serving a watch stream: no timeouts */
	bool closing;			 /* shut down by us, MHD has not noticed yet */
	struct http_conn *uprev, *unext; /* srv->unauth list, oldest first */
	struct http_conn *bprev, *bnext; /* srv->bucket[] list, oldest first */
};

struct http_conn_list {
	struct http_conn *head, *tail;
};

struct http_server {
	struct MHD_Daemon *mhd;
	struct ev_loop *loop;
	ev_io io;	/* readiness of MHD's epoll fd */
	ev_timer timer; /* MHD's own timeouts (idle connections) */
	ev_idle kick;	/* run MHD once more after resuming connections */
	http_handler_fn handler;
	http_after_fn after;
	void *ud;
	size_t max_body;
	unsigned max_per_ip, max_unauth;
	unsigned first_request_secs, request_secs, idle_secs;
	struct http_req *deferred;   /* singly linked through next_deferred */
	struct http_stream *streams; /* every live stream, for shutdown */
	size_t stream_bytes;	     /* unsent bytes of all streams */
	ev_timer deadlines;	     /* once a second: first-request and request deadlines */
	struct http_conn_list unauth;
	struct http_conn_list bucket[HTTP_ADDR_BUCKETS];
	struct {
		struct http_req *head, *tail;
	} active; /* requests in progress, oldest first */
	struct http_stats stats;
};

struct http_req {
	struct http_server *srv;
	struct MHD_Connection *conn;
	char *method;
	char *path;
	char *body;
	size_t body_len, body_cap;
	bool too_large; /* the body passed max_body: being discarded */
	size_t discarded;
	bool dispatched;
	bool has_reply;
	bool deferred;
	bool held, hold_suspended; /* http_req_hold: waits for http_req_resume */
	int status;
	char ctype[64];
	char *resp;
	size_t resp_len;
	struct http_stream *stream; /* set by http_reply_stream until queued */
	bool streaming;		    /* the reply is a stream: no request deadline */
	int queued_status;	    /* the status handed to MHD, 0 before that */
	http_done_fn done;	    /* http_req_on_done, called from http_completed */
	void *done_ud;
	struct http_req *next_deferred;
	struct http_conn *c;
	ev_tstamp started;
	struct http_req *aprev, *anext; /* srv->active list */
	/* http_reply_header: "name\0value\0" pairs, HTTP_EXTRA_HEADERS_MAX
	 * bytes at most */
	char *hdrs;
	size_t hdrs_len;
	char peer[INET6_ADDRSTRLEN];
};

struct http_stream {
	struct http_server *srv;
	struct MHD_Connection *conn;
	char *buf;
	size_t off, len, cap;
	bool ended;
	bool suspended;
	http_stream_close_fn on_close;
	void *ud;
	char ctype[64];
	struct http_stream *prev, *next; /* in srv->streams */
};

/* --- connection tracking: caps, eviction, deadlines --- */

#define LIST_APPEND(l, e, prev, next)                                                              \
	do {                                                                                       \
		(e)->prev = (l)->tail;                                                             \
		(e)->next = NULL;                                                                  \
		if ((l)->tail)                                                                     \
			(l)->tail->next = (e);                                                     \
		else                                                                               \
			(l)->head = (e);                                                           \
		(l)->tail = (e);                                                                   \
	} while (0)

#define LIST_REMOVE(l, e, prev, next)                                                              \
	do {                                                                                       \
		if ((e)->prev)                                                                     \
			(e)->prev->next = (e)->next;                                               \
		else                                                                               \
			(l)->head = (e)->next;                                                     \
		if ((e)->next)                                                                     \
			(e)->next->prev = (e)->prev;                                               \
		else                                                                               \
			(l)->tail = (e)->prev;                                                     \
		(e)->prev = (e)->next = NULL;                                                      \
	} while (0)

static void http_conn_unauth_remove(struct http_conn *c)
{
	struct http_server *s = c->srv;

	if (c->authenticated || c->closing)
		return;
	LIST_REMOVE(&s->unauth, c, uprev, unext);
	s->stats.unauth_conns--;
}

/* Close a connection from our side. MHD notices the shut-down socket on
 * its next read or write and frees the connection (NOTIFY_CLOSED). */
static void http_conn_shutdown(struct http_conn *c, uint64_t *counter)
{
	if (c->closing)
		return;
	http_conn_unauth_remove(c);
	c->closing = true;
	if (counter)
		(*counter)++;
	shutdown(c->fd, SHUT_RDWR);
}

static bool http_conn_same_addr(const struct http_conn *a, const struct http_conn *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

static void http_conn_set_addr(struct http_conn *c, const struct sockaddr *sa)
{
	c->family = sa ? sa->sa_family : AF_UNSPEC;
	if (c->family == AF_INET)
		memcpy(c->addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	else if (c->family == AF_INET6)
		/* one IPv6 client owns a whole /64: that is its "address" */
		memcpy(c->addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 8);
	c->bucket = strhash_bytes(c->addr, sizeof(c->addr)) & (HTTP_ADDR_BUCKETS - 1);
}

/* A new connection is unauthenticated. Keep the caps by closing the
 * oldest unauthenticated connection (of the same address for the per-
 * address cap): a flood of idle or trickling sockets can then never lock
 * out a client that connects now and sends its token, while
 * authenticated connections are never touched. */
static void http_conn_admit(struct http_conn *c)
{
	struct http_server *s = c->srv;
	struct http_conn *oldest = NULL;
	unsigned same = 0;

	for (struct http_conn *o = s->bucket[c->bucket].head; o; o = o->bnext) {
		if (o->closing || !http_conn_same_addr(o, c))
			continue;
		same++;
		if (!oldest && !o->authenticated)
			oldest = o;
	}
	LIST_APPEND(&s->bucket[c->bucket], c, bprev, bnext);
	LIST_APPEND(&s->unauth, c, uprev, unext);
	s->stats.unauth_conns++;
	if (same >= s->max_per_ip) {
		if (oldest)
			http_conn_shutdown(oldest, &s->stats.evicted_unauth);
		else
			http_conn_shutdown(c, &s->stats.refused_per_ip);
	}
	if (s->stats.unauth_conns > s->max_unauth)
		http_conn_shutdown(s->unauth.head, &s->stats.evicted_unauth);
}

static void http_notify_conn(void *cls, struct MHD_Connection *conn, void **socket_context,
			     enum MHD_ConnectionNotificationCode code)
{
	struct http_server *s = cls;
	struct http_conn *c = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fd, *ad;

		fd = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		ad = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		c = calloc(1, sizeof(*c));
		if (!c || !fd) {
			/* untracked connections would escape every cap */
			free(c);
			if (fd)
				shutdown(fd->connect_fd, SHUT_RDWR);
			return;
		}
		c->srv = s;
		c->conn = conn;
		c->fd = fd->connect_fd;
		c->accepted = ev_now(s->loop);
		http_conn_set_addr(c, ad ? ad->client_addr : NULL);
		*socket_context = c;
		s->stats.conns++;
		http_conn_admit(c);
		return;
	}
	if (!c)
		return;
	http_conn_unauth_remove(c);
	LIST_REMOVE(&s->bucket[c->bucket], c, bprev, bnext);
	s->stats.conns--;
	if (c->authenticated)
		s->stats.auth_conns--;
	free(c);
	*socket_context = NULL;
}

/* Absolute deadlines, unlike MHD's idle timeout which a client resets by
 * trickling one byte at a time. Both lists are in start order, so each
 * scan stops at the first entry that is still in time. */
static void http_deadlines_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct http_server *s = w->data;
	ev_tstamp now = ev_now(loop);
	struct http_conn *c, *cn;
	bool closed = false;

	for (c = s->unauth.head; c; c = cn) {
		cn = c->unext;
		if (now - c->accepted < s->first_request_secs)
			break;
		if (!c->first_request) {
			http_conn_shutdown(c, &s->stats.closed_first_request);
			closed = true;
		}
	}
	for (struct http_req *r = s->active.head; r; r = r->anext) {
		if (now - r->started < s->request_secs)
			break;
		if (!r->streaming && !r->deferred && !r->c->closing) {
			http_conn_shutdown(r->c, &s->stats.closed_request);
			closed = true;
		}
	}
	if (closed)
		ev_invoke(loop, &s->io, EV_READ);
}

void http_server_stats(const struct http_server *s, struct http_stats *out)
{
	*out = s->stats;
}

static void http_schedule(struct http_server *s)
{
	MHD_UNSIGNED_LONG_LONG to;

	ev_timer_stop(s->loop, &s->timer);
	if (MHD_get_timeout(s->mhd, &to) == MHD_YES) {
		ev_timer_set(&s->timer, (double)to / 1000.0, 0.);
		ev_timer_start(s->loop, &s->timer);
	}
}

static void http_run(struct http_server *s)
{
	MHD_run(s->mhd);
	if (s->after)
		s->after(s->ud);
	http_schedule(s);
}

static void http_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	http_run(w->data);
}

static void http_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	http_run(w->data);
}

static void http_kick_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct http_server *s = w->data;

	ev_idle_stop(loop, w);
	http_run(s);
}

static void http_kick(struct http_server *s)
{
	ev_idle_start(s->loop, &s->kick);
}

static enum MHD_Result http_queue(struct http_req *r, int status, const char *ctype,
				  const char *body, size_t len)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	if (ctype)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	for (size_t off = 0; off < r->hdrs_len;) {
		const char *name = r->hdrs + off, *value = name + strlen(name) + 1;

		MHD_add_response_header(resp, name, value);
		off = (size_t)(value + strlen(value) + 1 - r->hdrs);
	}
	ret = MHD_queue_response(r->conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	if (ret == MHD_YES)
		r->queued_status = status;
	return ret;
}

static ssize_t http_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct http_stream *st = cls;
	size_t n;

	if (st->off == st->len) {
		if (st->ended)
			return MHD_CONTENT_READER_END_OF_STREAM;
		/* Nothing to send: park the connection until the next write
		 * instead of letting MHD poll us in a busy loop. */
		st->suspended = true;
		MHD_suspend_connection(st->conn);
		return 0;
	}
	n = st->len - st->off;
	if (n > max)
		n = max;
	memcpy(buf, st->buf + st->off, n);
	st->off += n;
	st->srv->stream_bytes -= n;
	if (st->off == st->len) {
		st->off = st->len = 0;
		/* a burst grew the buffer: give the memory back once sent */
		if (st->cap > HTTP_STREAM_KEEP) {
			free(st->buf);
			st->buf = NULL;
			st->cap = 0;
		}
	}
	return (ssize_t)n;
}

static void http_stream_free(void *cls)
{
	struct http_stream *st = cls;

	if (st->prev)
		st->prev->next = st->next;
	else if (st->srv->streams == st)
		st->srv->streams = st->next;
	if (st->next)
		st->next->prev = st->prev;

	if (st->on_close)
		st->on_close(st->ud);
	st->srv->stream_bytes -= st->len - st->off;
	free(st->buf);
	free(st);
}

static enum MHD_Result http_queue_stream(struct http_req *r)
{
	struct http_stream *st = r->stream;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	r->stream = NULL;
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, http_stream_read, st,
						 http_stream_free);
	if (!resp) {
		http_stream_free(st);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, st->ctype);
	MHD_add_response_header(resp, "Cache-Control", "no-cache, private");
	ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	if (ret == MHD_YES)
		r->queued_status = MHD_HTTP_OK;
	return ret;
}

static enum MHD_Result http_send_result(struct http_req *r)
{
	if (r->stream)
		return http_queue_stream(r);
	if (r->has_reply)
		return http_queue(r, r->status, r->ctype, r->resp ? r->resp : "", r->resp_len);
	return http_queue(r, 500, "application/json", "", 0);
}

static const char http_413[] =
    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
    "\"message\":\"the request body is too large\",\"reason\":\"RequestEntityTooLarge\","
    "\"code\":413}";

/* 413 and close: the rest of the body is never read. */
static enum MHD_Result http_queue_413(struct http_req *r)
{
	r->dispatched = true;
	r->srv->stats.body_too_large++;
	http_reply_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	return http_queue(r, 413, "application/json", http_413, sizeof(http_413) - 1);
}

static struct http_conn *http_conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static enum MHD_Result http_access(void *cls, struct MHD_Connection *conn, const char *url,
				   const char *method, const char *version, const char *upload,
				   size_t *upload_size, void **con_cls)
{
	struct http_server *s = cls;
	struct http_req *r = *con_cls;

	if (!r) {
		const union MHD_ConnectionInfo *ci;
		const char *cl;

		struct http_conn *c = http_conn_of(conn);

		if (!c)
			return MHD_NO;
		c->first_request = true;
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->srv = s;
		r->conn = conn;
		r->c = c;
		r->started = ev_now(s->loop);
		LIST_APPEND(&s->active, r, aprev, anext);
		r->method = strdup(method);
		r->path = strdup(url);
		*con_cls = r;
		if (!r->method || !r->path)
			return MHD_NO;
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci && ci->client_addr) {
			const struct sockaddr *sa = ci->client_addr;

			if (sa->sa_family == AF_INET)
				inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
					  r->peer, sizeof(r->peer));
			else if (sa->sa_family == AF_INET6)
				inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
					  r->peer, sizeof(r->peer));
		}
		/* Refuse an oversized body before reading any of it. */
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						 MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > s->max_body)
			return http_queue_413(r);
		return MHD_YES;
	}

	if (*upload_size) {
		size_t n = *upload_size;

		*upload_size = 0;
		if (r->too_large || r->body_len + n > s->max_body) {
			/* A chunked body has no Content-Length to refuse up front.
			 * MHD takes no response in the middle of a body, so a body
			 * that ends soon after the limit is thrown away and gets
			 * its 413; a longer one is cut by closing the connection. */
			r->too_large = true;
			r->discarded += n;
			if (r->discarded <= HTTP_DISCARD_MAX)
				return MHD_YES;
			s->stats.body_too_large++;
			return MHD_NO;
		}
		if (r->body_len + n + 1 > r->body_cap) {
			size_t cap = r->body_cap ? r->body_cap : 4096;
			char *nb;

			while (cap < r->body_len + n + 1)
				cap *= 2;
			nb = realloc(r->body, cap);
			if (!nb)
				return MHD_NO;
			r->body = nb;
			r->body_cap = cap;
		}
		memcpy(r->body + r->body_len, upload, n);
		r->body_len += n;
		r->body[r->body_len] = 0;
		return MHD_YES;
	}

	if (r->dispatched) {
		/* resumed after a group commit or an http_req_resume */
		if (r->deferred || r->held)
			return MHD_YES;
		return http_send_result(r);
	}
	if (r->too_large)
		return http_queue_413(r);
	r->dispatched = true;
	s->handler(s->ud, r);
	if (r->deferred) {
		MHD_suspend_connection(conn);
		r->next_deferred = s->deferred;
		s->deferred = r;
		return MHD_YES;
	}
	if (r->held) {
		r->hold_suspended = true;
		MHD_suspend_connection(conn);
		return MHD_YES;
	}
	return http_send_result(r);
}

static void http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			   enum MHD_RequestTerminationCode toe)
{
	struct http_req *r = *con_cls;

	if (!r)
		return;
	/* MHD calls this exactly once per request it started, whether the
	 * response went out (COMPLETED_OK), the client went away, or the
	 * daemon is stopping: the one place where "the request is over" is
	 * known for every path (plain, deferred, stream, 413, timeouts). */
	if (r->done)
		r->done(r->done_ud, r->queued_status);
	LIST_REMOVE(&r->srv->active, r, aprev, anext);
	if (r->c && !r->c->authenticated && !r->c->closing) {
		struct http_server *s = r->srv;

		/* Each further request header of a connection that has not
		 * authenticated has the same deadline as the first one,
		 * counted from the end of this request. */
		r->c->first_request = false;
		r->c->accepted = ev_now(s->loop);
		LIST_REMOVE(&s->unauth, r->c, uprev, unext);
		LIST_APPEND(&s->unauth, r->c, uprev, unext);
	}
	if (r->streaming && r->c) {
		/* the stream ended; the connection may serve more requests */
		r->c->stream = false;
		MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, r->srv->idle_secs);
	}
	if (r->stream) /* never queued: still ours */
		http_stream_free(r->stream);
	free(r->method);
	free(r->path);
	free(r->body);
	free(r->resp);
	free(r->hdrs);
	free(r);
	*con_cls = NULL;
}

void http_release_deferred(struct http_server *s)
{
	struct http_req *r = s->deferred;

	if (!r)
		return;
	s->deferred = NULL;
	while (r) {
		struct http_req *next = r->next_deferred;

		r->deferred = false;
		r->next_deferred = NULL;
		MHD_resume_connection(r->conn);
		r = next;
	}
	http_kick(s);
}

void http_fail_deferred(struct http_server *s, int status, const char *ctype, const char *body,
			size_t len)
{
	for (struct http_req *r = s->deferred; r; r = r->next_deferred)
		http_reply(r, status, ctype, body, len);
	http_release_deferred(s);
}

static void http_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = 0;
	pr_debug("http: %s", buf);
}

/* MHD_OPTION_UNESCAPE_CALLBACK: query arguments are decoded as MHD does by
 * default, the request path is left percent-encoded for api_route, which
 * decodes each segment once (decoding the whole path would cut a name at
 * "%00" and turn "%2F" into a separator). The path is the only string
 * starting with '/' (an origin-form request target); no query key or value
 * of the API starts with one. */
static size_t http_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return s[0] == '/' ? strlen(s) : MHD_http_unescape(s);
}

int http_server_start(struct ev_loop *loop, const struct http_opts *o, http_handler_fn handler,
		      http_after_fn after, void *ud, struct http_server **out)
{
	unsigned int flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	struct sockaddr_storage ss = {0};
	const union MHD_DaemonInfo *di;
	struct http_server *s;
	unsigned max_conns;

	if (o->bind_address && strchr(o->bind_address, ':')) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;

		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)o->port);
		if (inet_pton(AF_INET6, o->bind_address, &a6->sin6_addr) != 1)
			return -EINVAL;
		flags |= MHD_USE_IPv6;
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;

		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)o->port);
		if (inet_pton(AF_INET, o->bind_address ? o->bind_address : "0.0.0.0",
			      &a4->sin_addr) != 1)
			return -EINVAL;
	}
	if (o->tls_cert_pem)
		flags |= MHD_USE_TLS;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->handler = handler;
	s->after = after;
	s->ud = ud;
	s->max_body = o->max_body;
	s->max_per_ip = o->max_conns_per_ip ? o->max_conns_per_ip : HTTP_DEFAULT_MAX_CONNS_PER_IP;
	s->max_unauth = o->max_unauth_conns ? o->max_unauth_conns : HTTP_DEFAULT_MAX_UNAUTH_CONNS;
	s->first_request_secs =
	    o->first_request_secs ? o->first_request_secs : HTTP_DEFAULT_FIRST_REQUEST_SECS;
	s->request_secs = o->request_secs ? o->request_secs : HTTP_DEFAULT_REQUEST_SECS;
	s->idle_secs = o->idle_secs ? o->idle_secs : HTTP_DEFAULT_IDLE_SECS;
	max_conns = o->max_conns ? o->max_conns : HTTP_DEFAULT_MAX_CONNS;
	/* MHD's own idle timeout is the one for connections that have not
	 * authenticated; http_req_authenticated() raises it per connection.
	 * Plain HTTP: MHD_OPTION_END in place of the key option ends the list
	 * there, so the TLS options that follow are not read. */
	s->mhd = MHD_start_daemon(
	    flags, (uint16_t)o->port, NULL, NULL, http_access, s, MHD_OPTION_SOCK_ADDR, &ss,
	    MHD_OPTION_NOTIFY_COMPLETED, http_completed, s, MHD_OPTION_NOTIFY_CONNECTION,
	    http_notify_conn, s, MHD_OPTION_CONNECTION_LIMIT, max_conns,
	    MHD_OPTION_CONNECTION_TIMEOUT, s->first_request_secs, MHD_OPTION_EXTERNAL_LOGGER,
	    http_mhd_log, s, MHD_OPTION_UNESCAPE_CALLBACK, http_unescape, NULL,
	    o->tls_cert_pem ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, o->tls_key_pem,
	    MHD_OPTION_HTTPS_MEM_CERT, o->tls_cert_pem, MHD_OPTION_END);
	if (!s->mhd) {
		int err = errno ? -errno : -EIO;

		free(s);
		return err;
	}
	di = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	ev_io_init(&s->io, http_io_cb, di->epoll_fd, EV_READ);
	s->io.data = s;
	ev_io_start(loop, &s->io);
	ev_init(&s->timer, http_timer_cb);
	s->timer.data = s;
	ev_idle_init(&s->kick, http_kick_cb);
	s->kick.data = s;
	ev_timer_init(&s->deadlines, http_deadlines_cb, 1., 1.);
	s->deadlines.data = s;
	ev_timer_start(loop, &s->deadlines);
	http_schedule(s);
	*out = s;
	return 0;
}

void http_server_stop(struct http_server *s)
{
	if (!s)
		return;
	ev_io_stop(s->loop, &s->io);
	ev_timer_stop(s->loop, &s->timer);
	ev_idle_stop(s->loop, &s->kick);
	ev_timer_stop(s->loop, &s->deadlines);
	/* MHD refuses to stop with suspended connections: end every stream,
	 * resume everything and let MHD run once more before stopping. */
	for (struct http_stream *st = s->streams; st; st = st->next) {
		st->ended = true;
		if (st->suspended) {
			st->suspended = false;
			MHD_resume_connection(st->conn);
		}
	}
	for (struct http_req *r = s->active.head; r; r = r->anext)
		if (r->held && r->hold_suspended) {
			r->held = r->hold_suspended = false;
			MHD_resume_connection(r->conn);
		}
	http_release_deferred(s);
	MHD_run(s->mhd);
	MHD_stop_daemon(s->mhd);
	free(s);
}

const char *http_req_method(const struct http_req *r)
{
	return r->method;
}

const char *http_req_path(const struct http_req *r)
{
	return r->path;
}

const char *http_req_query(const struct http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_req_header(const struct http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

struct http_qtext_ctx {
	char *buf;
	size_t len, n;
};

static enum MHD_Result http_qtext_cb(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	struct http_qtext_ctx *c = cls;
	int k;

	if (!key || c->n >= c->len)
		return MHD_YES;
	k = snprintf(c->buf + c->n, c->len - c->n, "%c%s%s%s", c->n ? '&' : '?', key,
		     value ? "=" : "", value ? value : "");
	c->n += k > 0 ? (size_t)k : 0;
	return MHD_YES;
}

void http_req_query_text(const struct http_req *r, char *buf, size_t len)
{
	struct http_qtext_ctx c = {buf, len, 0};

	if (!len)
		return;
	buf[0] = 0;
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, http_qtext_cb, &c);
}

struct http_each_ctx {
	const char *name;
	void (*fn)(void *ud, const char *value);
	void *ud;
};

static enum MHD_Result http_each_cb(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	struct http_each_ctx *c = cls;

	if (key && value && !strcasecmp(key, c->name))
		c->fn(c->ud, value);
	return MHD_YES;
}

void http_req_header_each(const struct http_req *r, const char *name,
			  void (*fn)(void *ud, const char *value), void *ud)
{
	struct http_each_ctx c = {name, fn, ud};

	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, http_each_cb, &c);
}

const char *http_req_body(const struct http_req *r, size_t *len)
{
	*len = r->body_len;
	return r->body ? r->body : "";
}

const char *http_req_peer(const struct http_req *r)
{
	return r->peer;
}

void http_req_authenticated(struct http_req *r)
{
	struct http_conn *c = r->c;

	if (c->authenticated || c->closing)
		return;
	http_conn_unauth_remove(c);
	c->authenticated = true;
	r->srv->stats.auth_conns++;
	if (!c->stream)
		MHD_set_connection_option(r->conn, MHD_CONNECTION_OPTION_TIMEOUT,
					  r->srv->idle_secs);
}

void http_reply_header(struct http_req *r, const char *name, const char *value)
{
	size_t nl = strlen(name) + 1, vl = strlen(value) + 1;
	char *n;

	/* a header beyond the budget is dropped: what adds headers (Warning
	 * per unknown field) is bounded by its caller, this is the backstop */
	if (r->hdrs_len + nl + vl > HTTP_EXTRA_HEADERS_MAX)
		return;
	n = realloc(r->hdrs, r->hdrs_len + nl + vl);
	if (!n)
		return;
	memcpy(n + r->hdrs_len, name, nl);
	memcpy(n + r->hdrs_len + nl, value, vl);
	r->hdrs = n;
	r->hdrs_len += nl + vl;
}

void http_reply(struct http_req *r, int status, const char *ctype, const char *body, size_t len)
{
	free(r->resp);
	r->resp = malloc(len + 1);
	if (r->resp) {
		memcpy(r->resp, body, len);
		r->resp[len] = 0;
		r->resp_len = len;
	} else {
		r->resp_len = 0;
		status = 500;
	}
	r->status = status;
	snprintf(r->ctype, sizeof(r->ctype), "%s", ctype ? ctype : "application/json");
	r->has_reply = true;
}

void http_req_defer(struct http_req *r)
{
	r->deferred = true;
}

void http_req_hold(struct http_req *r)
{
	r->held = true;
}

void http_req_resume(struct http_req *r)
{
	if (!r->held)
		return;
	r->held = false;
	if (r->hold_suspended) {
		r->hold_suspended = false;
		MHD_resume_connection(r->conn);
		http_kick(r->srv);
	}
}

void http_req_on_done(struct http_req *r, http_done_fn fn, void *ud)
{
	r->done = fn;
	r->done_ud = ud;
}

struct http_stream *http_reply_stream(struct http_req *r, const char *ctype,
				      http_stream_close_fn on_close, void *ud)
{
	struct http_stream *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->srv = r->srv;
	st->conn = r->conn;
	st->on_close = on_close;
	st->ud = ud;
	snprintf(st->ctype, sizeof(st->ctype), "%s", ctype);
	/* A watch is long-lived and legitimately idle between events: no idle
	 * timeout and no request deadline. A client that stops reading is
	 * cut by the stream's buffer limit instead (http_stream_abort). */
	r->streaming = true;
	r->c->stream = true;
	MHD_set_connection_option(r->conn, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
	st->next = r->srv->streams;
	if (st->next)
		st->next->prev = st;
	r->srv->streams = st;
	r->stream = st;
	return st;
}

static void http_stream_wake(struct http_stream *st)
{
	if (st->suspended) {
		st->suspended = false;
		MHD_resume_connection(st->conn);
		http_kick(st->srv);
	}
}

int http_stream_write(struct http_stream *st, const char *data, size_t len)
{
	if (st->ended)
		return 0;
	if (st->len + len > st->cap) {
		size_t cap = st->cap ? st->cap : 4096;
		char *nb;

		/* reclaim the consumed prefix before growing */
		if (st->off) {
			memmove(st->buf, st->buf + st->off, st->len - st->off);
			st->len -= st->off;
			st->off = 0;
		}
		while (cap < st->len + len)
			cap *= 2;
		if (cap > st->cap) {
			nb = realloc(st->buf, cap);
			if (!nb)
				return -ENOMEM;
			st->buf = nb;
			st->cap = cap;
		}
	}
	memcpy(st->buf + st->len, data, len);
	st->len += len;
	st->srv->stream_bytes += len;
	http_stream_wake(st);
	return 0;
}

void http_stream_poke(struct http_stream *st)
{
	const union MHD_ConnectionInfo *ci;
	struct pollfd p = {.events = POLLRDHUP};

	if (!st->suspended || st->ended)
		return;
	ci = MHD_get_connection_info(st->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!ci)
		return;
	p.fd = ci->connect_fd;
	/* A watch client sends nothing after its request: a hang-up (the TLS
	 * close_notify is followed by FIN) means it is gone. End the stream so
	 * MHD resumes the connection, fails the write and frees it. */
	if (poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
		http_stream_end(st);
}

size_t http_stream_buffered(const struct http_stream *st)
{
	return st->len - st->off;
}

size_t http_streams_buffered(const struct http_server *s)
{
	return s->stream_bytes;
}

void http_stream_end(struct http_stream *st)
{
	st->ended = true;
	http_stream_wake(st);
}

void http_stream_abort(struct http_stream *st)
{
	const union MHD_ConnectionInfo *ci;

	st->srv->stream_bytes -= st->len - st->off;
	free(st->buf);
	st->buf = NULL;
	st->off = st->len = st->cap = 0;
	ci = MHD_get_connection_info(st->conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci && ci->socket_context)
		http_conn_shutdown(ci->socket_context, NULL);
	http_stream_end(st);
}
