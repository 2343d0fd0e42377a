/* http_shim: the request accessors and replies of http.h without a server
 * (see http_shim.h). Semantics follow controlplane/http.c: a later
 * http_reply replaces an earlier one, a deferred reply waits for
 * http_release_deferred, stream writes after the end are dropped. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "http_shim.h"

struct http_stream *shim_streams;
static struct http_req *shim_deferred;

static int shim_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* %XX and '+' decoding of a query argument in place, as MHD does. The
 * result may hold a NUL byte, which cuts the C string there, as in the
 * real server. */
static void shim_unescape(char *s)
{
	char *w = s;

	for (char *p = s; *p; p++) {
		int hi, lo;

		if (*p == '%' && (hi = shim_hex(p[1])) >= 0 && (lo = shim_hex(p[2])) >= 0) {
			*w++ = (char)(hi << 4 | lo);
			p += 2;
		} else {
			*w++ = *p == '+' ? ' ' : *p;
		}
	}
	*w = 0;
}

static void shim_kv_add(struct shim_kv *kv, int *n, const char *name, size_t nlen,
			const char *value)
{
	if (*n == SHIM_MAX_KV)
		return;
	kv[*n].name = strndup(name, nlen);
	kv[*n].value = strdup(value);
	if (!kv[*n].name || !kv[*n].value)
		abort();
	(*n)++;
}

void shim_req_init(struct http_req *r, const char *method, const char *target, const char *body,
		   size_t len)
{
	char *q;

	memset(r, 0, sizeof(*r));
	r->method = strdup(method);
	r->path = strdup(target);
	if (!r->method || !r->path)
		abort();
	r->body = body;
	r->body_len = len;
	q = strchr(r->path, '?');
	if (q) {
		*q++ = 0;
		for (char *arg = strtok(q, "&"); arg; arg = strtok(NULL, "&")) {
			char *eq = strchr(arg, '=');
			char *val = eq ? eq + 1 : arg + strlen(arg);

			shim_unescape(val);
			if (eq)
				*eq = 0;
			shim_unescape(arg);
			shim_kv_add(r->query, &r->nquery, arg, strlen(arg), val);
		}
	}
	/* the path stays encoded, as MHD leaves it (api_route decodes) */
}

void shim_req_header(struct http_req *r, const char *name, const char *value)
{
	shim_kv_add(r->header, &r->nheader, name, strlen(name), value);
}

void shim_req_free(struct http_req *r)
{
	/* the real server runs the done hook once the response went out */
	if (r->done)
		r->done(r->done_ud, r->status);
	for (int i = 0; i < r->nquery; i++) {
		free(r->query[i].name);
		free(r->query[i].value);
	}
	for (int i = 0; i < r->nheader; i++) {
		free(r->header[i].name);
		free(r->header[i].value);
	}
	free(r->method);
	free(r->path);
	free(r->resp);
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
	/* MHD matches argument names exactly, header names without case */
	for (int i = 0; i < r->nquery; i++)
		if (!strcmp(r->query[i].name, name))
			return r->query[i].value;
	return NULL;
}

const char *http_req_header(const struct http_req *r, const char *name)
{
	for (int i = 0; i < r->nheader; i++)
		if (!strcasecmp(r->header[i].name, name))
			return r->header[i].value;
	return NULL;
}

void http_req_query_text(const struct http_req *r, char *buf, size_t len)
{
	size_t n = 0;

	if (len)
		buf[0] = 0;
	for (int i = 0; i < r->nquery && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%c%s=%s", i ? '&' : '?', r->query[i].name,
				      r->query[i].value);
}

void http_req_header_each(const struct http_req *r, const char *name,
			  void (*fn)(void *ud, const char *value), void *ud)
{
	for (int i = 0; i < r->nheader; i++)
		if (!strcasecmp(r->header[i].name, name))
			fn(ud, r->header[i].value);
}

void http_req_on_done(struct http_req *r, http_done_fn fn, void *ud)
{
	r->done = fn;
	r->done_ud = ud;
}

const char *http_req_body(const struct http_req *r, size_t *len)
{
	*len = r->body_len;
	return r->body ? r->body : "";
}

const char *http_req_peer(const struct http_req *r)
{
	return "127.0.0.1";
}

void http_reply(struct http_req *r, int status, const char *ctype, const char *body, size_t len)
{
	free(r->resp);
	r->resp = malloc(len + 1);
	if (!r->resp)
		abort();
	memcpy(r->resp, body, len);
	r->resp[len] = 0;
	r->resp_len = len;
	r->status = status;
	snprintf(r->ctype, sizeof(r->ctype), "%s", ctype ? ctype : "application/json");
	r->nreplies++;
}

/* The shim has no connections to pool. */
void http_req_authenticated(struct http_req *r)
{
}

void http_reply_header(struct http_req *r, const char *name, const char *value)
{
	snprintf(r->hdr_name, sizeof(r->hdr_name), "%s", name);
	snprintf(r->hdr_value, sizeof(r->hdr_value), "%s", value);
}

void http_req_defer(struct http_req *r)
{
	if (r->deferred)
		return;
	r->deferred = r->was_deferred = true;
	r->next_deferred = shim_deferred;
	shim_deferred = r;
}

void http_release_deferred(struct http_server *s)
{
	struct http_req *r = shim_deferred;

	shim_deferred = NULL;
	while (r) {
		struct http_req *next = r->next_deferred;

		r->deferred = false;
		r->next_deferred = NULL;
		r = next;
	}
}

/* A held request's reply (if any) is already recorded: the shim has no
 * connection to suspend. */
void http_req_hold(struct http_req *r)
{
	(void)r;
}

void http_req_resume(struct http_req *r)
{
	(void)r;
}

struct http_stream *http_reply_stream(struct http_req *r, const char *ctype,
				      http_stream_close_fn on_close, void *ud)
{
	struct http_stream *st = calloc(1, sizeof(*st));

	if (!st)
		abort();
	st->on_close = on_close;
	st->ud = ud;
	st->next = shim_streams;
	shim_streams = st;
	r->stream = st;
	r->status = 200;
	snprintf(r->ctype, sizeof(r->ctype), "%s", ctype);
	r->nreplies++;
	return st;
}

/* Unsent bytes of every open stream (http_streams_buffered). */
static size_t shim_stream_total;

int http_stream_write(struct http_stream *st, const char *data, size_t len)
{
	if (st->ended)
		return 0;
	if (st->len + len > st->cap) {
		size_t cap = st->cap ? st->cap : 4096;
		char *nb;

		while (cap < st->len + len)
			cap *= 2;
		nb = realloc(st->buf, cap);
		if (!nb)
			return -ENOMEM;
		st->buf = nb;
		st->cap = cap;
	}
	memcpy(st->buf + st->len, data, len);
	st->len += len;
	shim_stream_total += len;
	return 0;
}

size_t http_stream_buffered(const struct http_stream *st)
{
	return st->len;
}

size_t http_streams_buffered(const struct http_server *s)
{
	(void)s;
	return shim_stream_total;
}

/* The shim's client never hangs up: nothing to notice. */
void http_stream_poke(struct http_stream *st)
{
}

void http_stream_end(struct http_stream *st)
{
	st->ended = true;
}

void http_stream_abort(struct http_stream *st)
{
	shim_stream_total -= st->len;
	free(st->buf);
	st->buf = NULL;
	st->len = st->cap = 0;
	st->aborted = true;
	http_stream_end(st);
}

void shim_stream_drain(struct http_stream *st, void (*line)(const char *s, size_t len))
{
	size_t off = 0;

	if (!st->len)
		return;
	for (;;) {
		const char *nl = memchr(st->buf + off, '\n', st->len - off);

		if (!nl)
			break;
		line(st->buf + off, (size_t)(nl - (st->buf + off)));
		off = (size_t)(nl - st->buf) + 1;
	}
	memmove(st->buf, st->buf + off, st->len - off);
	st->len -= off;
	shim_stream_total -= off;
}

void shim_stream_close(struct http_stream *st)
{
	for (struct http_stream **p = &shim_streams; *p; p = &(*p)->next) {
		if (*p == st) {
			*p = st->next;
			break;
		}
	}
	if (st->on_close)
		st->on_close(st->ud);
	shim_stream_total -= st->len;
	free(st->buf);
	free(st);
}
