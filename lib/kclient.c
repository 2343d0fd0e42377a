/* kclient: blocking requests on a reused libcurl easy handle, and the
 * streaming watch (kwatch_*) and asynchronous GET (kreq_*) on curl multi
 * handles driven by libev. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <curl/curl.h>

#include <ev.h>

#include "buf.h"
#include "kclient.h"

/* Blocking requests: give up connecting after 10 s and on the whole
 * request after 60 s (a list of a large cluster still fits). */
#define KC_CONNECT_TIMEOUT_MS 10000L
#define KC_REQUEST_TIMEOUT_MS 60000L
/* Connections a client keeps open (watches and idle ones together). */
#define KC_MAX_CONNECTS 32
/* KCLIENT_MAX_INFLIGHT (kclient.h): HTTP/1.1 is one request per
 * connection, and without a cap a burst (50 pods' status patches and
 * events) opens a connection, with a full TLS handshake on both ends, per
 * request in flight. */
#define KC_MAX_INFLIGHT KCLIENT_MAX_INFLIGHT
/* Refuse response bodies above this; nothing we read is that large. */
#define KC_MAX_BODY (256L << 20)

struct kclient {
	int refs;	   /* the owner plus one per live kwatch */
	char *server;	   /* without trailing '/' */
	char *auth_header; /* "Authorization: Bearer T" or NULL */
	char *ca_pem;
	bool ca_blob;  /* curl takes the PEM in memory */
	int ca_fd;     /* else: memfd holding the PEM ... */
	char *ca_path; /* ... opened by curl as /proc/self/fd/N */
	bool insecure;
	long timeout_ms; /* 0: KC_REQUEST_TIMEOUT_MS */
	CURL *easy;	 /* reused by blocking requests (keep-alive) */
	/* Connections, TLS sessions and DNS shared by every handle of this
	 * client: each kreq has a multi handle of its own, and without the
	 * share each would open a TCP connection and do a full TLS handshake
	 * (a 50-pod burst is hundreds of status patches and events). */
	CURLSH *share;
	int inflight;		       /* kreqs added to their multi, not yet freed */
	struct kwatch *queue, **qtail; /* kreqs waiting for one of those */
	/* one lock per kind of data, as curl asks: it takes one while
	 * holding another */
	pthread_mutex_t share_lock[CURL_LOCK_DATA_LAST];
};

static void kclient_unref(struct kclient *c);

static pthread_once_t kc_once = PTHREAD_ONCE_INIT;

static void kc_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void kc_share_lock(CURL *e, curl_lock_data data, curl_lock_access access, void *ud)
{
	(void)e;
	(void)access;
	if (data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_lock(&((struct kclient *)ud)->share_lock[data]);
}

static void kc_share_unlock(CURL *e, curl_lock_data data, void *ud)
{
	(void)e;
	if (data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_unlock(&((struct kclient *)ud)->share_lock[data]);
}

/* The share behind every handle of c (see struct kclient). A client
 * without one still works: each handle then keeps its own connections. */
static void kc_setup_share(struct kclient *c)
{
	CURLSHcode sc = CURLSHE_OK;
	pthread_mutexattr_t ma;
	int i;

	/* recursive: libcurl 7.88 takes the connection lock again while
	 * holding it (seen as a self-deadlock in curl_easy_perform) */
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&c->share_lock[i], &ma);
	pthread_mutexattr_destroy(&ma);
	c->share = curl_share_init();
	if (!c->share)
		return;
	sc |= curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, kc_share_lock);
	sc |= curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, kc_share_unlock);
	sc |= curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
	sc |= curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	sc |= curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	sc |= curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	if (sc != CURLSHE_OK) {
		curl_share_cleanup(c->share);
		c->share = NULL;
	}
}

/* libcurl with GnuTLS (Debian's libcurl4-gnutls) answers CAINFO_BLOB with
 * CURLE_NOT_BUILT_IN. Then the PEM goes into a memfd that curl opens by
 * its /proc/self/fd path: nothing is written to disk and it vanishes with
 * the process. */
static int kc_setup_ca(struct kclient *c, const char *pem)
{
	CURL *probe = curl_easy_init();
	struct curl_blob blob = {.data = (void *)pem, .len = strlen(pem), .flags = CURL_BLOB_COPY};
	size_t off = 0, len = strlen(pem);
	CURLcode cc;

	if (!probe)
		return -ENOMEM;
	cc = curl_easy_setopt(probe, CURLOPT_CAINFO_BLOB, &blob);
	curl_easy_cleanup(probe);
	c->ca_pem = strdup(pem);
	if (!c->ca_pem)
		return -ENOMEM;
	if (cc == CURLE_OK) {
		c->ca_blob = true;
		return 0;
	}
	c->ca_fd = memfd_create("skiff-kubeconfig-ca", MFD_CLOEXEC);
	if (c->ca_fd < 0)
		return -errno;
	while (off < len) {
		ssize_t n = write(c->ca_fd, pem + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		off += n;
	}
	if (asprintf(&c->ca_path, "/proc/self/fd/%d", c->ca_fd) < 0) {
		c->ca_path = NULL;
		return -ENOMEM;
	}
	return 0;
}

struct kclient *kclient_new(const struct kconfig *kc)
{
	struct kclient *c;
	size_t n;

	pthread_once(&kc_once, kc_global_init);
	if (!kc || !kc->server)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->refs = 1;
	c->ca_fd = -1;
	c->qtail = &c->queue;
	kc_setup_share(c);
	c->insecure = kc->insecure;
	c->server = strdup(kc->server);
	if (!c->server)
		goto fail;
	/* "https://h:p/" + "/api/v1" must not give "//api". */
	n = strlen(c->server);
	while (n && c->server[n - 1] == '/')
		c->server[--n] = '\0';
	if (kc->token && asprintf(&c->auth_header, "Authorization: Bearer %s", kc->token) < 0) {
		c->auth_header = NULL;
		goto fail;
	}
	if (kc->ca_pem && kc_setup_ca(c, kc->ca_pem))
		goto fail;
	c->easy = curl_easy_init();
	if (!c->easy)
		goto fail;
	return c;
fail:
	kclient_unref(c);
	return NULL;
}

static struct kclient *kclient_ref(struct kclient *c)
{
	c->refs++;
	return c;
}

static void kclient_unref(struct kclient *c)
{
	if (!c || --c->refs > 0)
		return;
	if (c->easy)
		curl_easy_cleanup(c->easy);
	/* every handle using it is gone: the last kwatch held a reference */
	if (c->share)
		curl_share_cleanup(c->share);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&c->share_lock[i]);
	if (c->ca_fd >= 0)
		close(c->ca_fd);
	free(c->ca_path);
	free(c->ca_pem);
	free(c->auth_header);
	free(c->server);
	free(c);
}

void kclient_free(struct kclient *c)
{
	kclient_unref(c);
}

void kclient_set_timeout(struct kclient *c, long timeout_ms)
{
	c->timeout_ms = timeout_ms;
}

static char *kclient_url(const struct kclient *c, const char *path)
{
	char *url;

	if (asprintf(&url, "%s%s%s", c->server, path[0] == '/' ? "" : "/", path) < 0)
		return NULL;
	return url;
}

/* Options shared by blocking and streaming requests. */
static int kclient_setup_easy(const struct kclient *c, CURL *e, const char *url, char *errbuf)
{
	CURLcode cc = CURLE_OK;

	cc |= curl_easy_setopt(e, CURLOPT_URL, url);
	cc |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	/* The API server speaks HTTP/1.1; never negotiate h2 through ALPN. */
	cc |= curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	cc |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	cc |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, KC_CONNECT_TIMEOUT_MS);
	cc |= curl_easy_setopt(e, CURLOPT_USERAGENT, "skiff/0.1");
	cc |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	if (c->share) {
		cc |= curl_easy_setopt(e, CURLOPT_SHARE, c->share);
		cc |= curl_easy_setopt(e, CURLOPT_MAXCONNECTS, (long)KC_MAX_CONNECTS);
	}
	/* No CURLOPT_ACCEPT_ENCODING: we never ask for gzip (see k8s-api.md §12). */
	if (c->insecure) {
		cc |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		cc |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (c->ca_blob) {
		struct curl_blob blob = {
		    .data = c->ca_pem, .len = strlen(c->ca_pem), .flags = CURL_BLOB_COPY};

		cc |= curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
	} else if (c->ca_path) {
		cc |= curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_path);
		cc |= curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
	}
	return cc == CURLE_OK ? 0 : -EINVAL;
}

static struct curl_slist *kclient_headers(const struct kclient *c, const char *content_type,
					  const char *accept)
{
	struct curl_slist *h = NULL, *n;
	char line[512];

	/* "Expect:" drops curl's 100-continue wait on larger bodies. */
	h = curl_slist_append(h, "Expect:");
	if (h && c->auth_header && (n = curl_slist_append(h, c->auth_header)))
		h = n;
	if (h && content_type) {
		snprintf(line, sizeof(line), "Content-Type: %s", content_type);
		if ((n = curl_slist_append(h, line)))
			h = n;
	}
	if (h) {
		snprintf(line, sizeof(line), "Accept: %s", accept ? accept : "application/json");
		if ((n = curl_slist_append(h, line)))
			h = n;
	}
	return h;
}

/* libcurl's write callback: the body into a struct buf capped at
 * KC_MAX_BODY (0 stops the transfer). */
static size_t kc_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	size_t n = size * nmemb;

	return buf_put(ud, ptr, n) ? 0 : n;
}

int kclient_request(struct kclient *c, const char *method, const char *path,
		    const char *content_type, const char *body, size_t body_len, const char *accept,
		    struct kresp *resp)
{
	struct buf b = {.max = (size_t)KC_MAX_BODY};
	struct curl_slist *hdrs = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	char *url = kclient_url(c, path);
	CURL *e = c->easy;
	CURLcode cc;
	int rc = 0;

	memset(resp, 0, sizeof(*resp));
	if (!url) {
		snprintf(resp->err, sizeof(resp->err), "out of memory");
		return -ENOMEM;
	}
	/* Reset keeps the connection cache, so requests reuse the connection. */
	curl_easy_reset(e);
	hdrs = kclient_headers(c, content_type, accept);
	if (kclient_setup_easy(c, e, url, errbuf) || !hdrs) {
		snprintf(resp->err, sizeof(resp->err), "cannot set up request for %s", url);
		rc = -EINVAL;
		goto out;
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
			 c->timeout_ms ? c->timeout_ms : KC_REQUEST_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, kc_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	if (!method)
		method = "GET";
	if (!strcmp(method, "POST") || body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_len : 0));
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body ? body : "");
	}
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") && strcmp(method, "POST"))
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	else if (!strcmp(method, "GET") && body)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "GET");

	cc = curl_easy_perform(e);
	if (cc != CURLE_OK) {
		/* kubectl style: the caller adds the URL if it wants to. */
		snprintf(resp->err, sizeof(resp->err), "%.200s",
			 b.too_big   ? "response body too large"
			 : errbuf[0] ? errbuf
				     : curl_easy_strerror(cc));
		buf_free(&b);
		rc = -EIO;
		goto out;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &resp->status);
	resp->body = b.p ? b.p : strdup("");
	resp->len = b.len;
	if (!resp->body)
		rc = -ENOMEM;
out:
	/* The easy handle outlives the request; drop pointers into our stack. */
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(hdrs);
	free(url);
	return rc;
}

void kresp_free(struct kresp *r)
{
	if (!r)
		return;
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

char *kclient_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = malloc(n * 3 + 1), *o = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		unsigned char ch = *s;

		/* RFC 3986 unreserved characters stay; everything else is %XX. */
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
			*o++ = ch;
		} else {
			*o++ = '%';
			*o++ = hex[ch >> 4];
			*o++ = hex[ch & 15];
		}
	}
	*o = '\0';
	return out;
}

/* --- kwatch: one curl multi handle per watch, driven by libev ---
 *
 * Each watch owns its multi handle, so watches on one loop never see each
 * other's sockets, and stopping one cannot disturb another. curl forbids
 * removing a handle from inside its own callbacks, so kwatch_stop() called
 * from on_line/on_done only marks the watch; the event handler that
 * entered curl frees it once curl has returned.
 *
 * A kreq is a kwatch in "whole body" mode: kw_write collects every byte
 * (any status) and completion calls on_resp once instead of on_done.
 */

/* A watch line (one event) above this size is refused: the largest real
 * objects (big Endpoints) stay far below it. */
#define KW_MAX_LINE (64L << 20)
/* Keep at most this much of a non-200 answer for on_done. */
#define KW_MAX_ERRBODY (1L << 20)

struct kwatch_sock {
	struct ev_io io;
	curl_socket_t fd;
	struct kwatch *w;
	struct kwatch_sock *next;
};

struct kwatch {
	struct kclient *c;
	struct ev_loop *loop;
	CURLM *multi;
	CURL *easy;
	struct curl_slist *hdrs;
	char *url;
	struct ev_timer timer;
	struct kwatch_sock *socks;
	kwatch_line_cb on_line;
	kwatch_done_cb on_done;
	kreq_done_cb on_resp;	 /* set for a kreq: whole body, one callback */
	kstream_data_cb on_data; /* set for a kstream: the 200 body's bytes as they come */
	bool headers_done;	 /* a kstream's on_data(ud, "", 0) was called */
	void *ud;
	char *buf; /* partial line (200), error body (non-200), kreq body */
	size_t len, cap;
	long status;   /* HTTP status once the first body byte came */
	int busy;      /* > 0 while inside curl or a user callback */
	bool stopped;  /* kwatch_stop() was called */
	bool finished; /* on_done was called */
	bool overflow; /* a line exceeded KW_MAX_LINE, a kreq body KC_MAX_BODY */
	bool queued;   /* a kreq waiting in c->queue (not added to its multi) */
	bool counted;  /* a kreq counted in c->inflight */
	struct kwatch *qnext;
	char errbuf[CURL_ERROR_SIZE];
};

static void kr_start_queued(struct kclient *c);

static void kw_unqueue(struct kwatch *w)
{
	struct kwatch **pp;

	for (pp = &w->c->queue; *pp; pp = &(*pp)->qnext) {
		if (*pp == w) {
			*pp = w->qnext;
			if (!*pp)
				w->c->qtail = pp;
			break;
		}
	}
	w->queued = false;
}

static void kw_destroy(struct kwatch *w)
{
	struct kclient *c = w->c;
	bool counted = w->counted;

	if (w->queued)
		kw_unqueue(w);
	if (w->multi && w->easy)
		curl_multi_remove_handle(w->multi, w->easy);
	if (w->easy)
		curl_easy_cleanup(w->easy);
	/* May still call kw_sock_cb with CURL_POLL_REMOVE: w is valid. */
	if (w->multi)
		curl_multi_cleanup(w->multi);
	while (w->socks) {
		struct kwatch_sock *s = w->socks;

		w->socks = s->next;
		ev_io_stop(w->loop, &s->io);
		free(s);
	}
	ev_timer_stop(w->loop, &w->timer);
	curl_slist_free_all(w->hdrs);
	free(w->url);
	free(w->buf);
	free(w);
	if (counted) {
		c->inflight--;
		kr_start_queued(c);
	}
	kclient_unref(c);
}

static bool kw_append(struct kwatch *w, const char *data, size_t n, size_t max)
{
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 16384;
		char *b;

		while (cap < w->len + n + 1)
			cap *= 2;
		if (cap > max * 2)
			return false;
		b = realloc(w->buf, cap);
		if (!b)
			return false;
		w->buf = b;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, data, n);
	w->len += n;
	w->buf[w->len] = '\0';
	return true;
}

/* Hand every complete line in buf to on_line; keep the tail. Returns false
 * when the user stopped the watch from the callback. */
static bool kw_flush_lines(struct kwatch *w, bool final)
{
	size_t start = 0;

	while (start < w->len) {
		char *nl = memchr(w->buf + start, '\n', w->len - start);
		size_t end, n;

		if (!nl && !final)
			break;
		end = nl ? (size_t)(nl - w->buf) : w->len;
		n = end - start;
		w->buf[end] = '\0';
		if (n && w->buf[start + n - 1] == '\r')
			w->buf[start + --n] = '\0';
		if (n)
			w->on_line(w->ud, w->buf + start, n);
		start = end + 1;
		if (w->stopped)
			return false;
	}
	if (start >= w->len) {
		w->len = 0;
	} else if (start) {
		memmove(w->buf, w->buf + start, w->len - start);
		w->len -= start;
	}
	if (w->buf)
		w->buf[w->len] = '\0';
	return true;
}

static size_t kw_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct kwatch *w = ud;
	size_t n = size * nmemb;

	if (w->stopped)
		return 0; /* aborts the transfer */
	if (w->on_resp) {
		if (w->len + n > (size_t)KC_MAX_BODY || !kw_append(w, ptr, n, KC_MAX_BODY)) {
			w->overflow = true;
			return 0;
		}
		return n;
	}
	if (!w->status)
		curl_easy_getinfo(w->easy, CURLINFO_RESPONSE_CODE, &w->status);
	if (w->status == 200 && w->on_data) {
		w->on_data(w->ud, ptr, n);
		return w->stopped ? 0 : n;
	}
	if (w->status != 200) {
		/* Keep the start of the error body; drop the rest silently. */
		if (w->len < (size_t)KW_MAX_ERRBODY)
			kw_append(w, ptr, n < KW_MAX_ERRBODY - w->len ? n : KW_MAX_ERRBODY - w->len,
				  KW_MAX_ERRBODY);
		return n;
	}
	if (!kw_append(w, ptr, n, KW_MAX_LINE)) {
		w->overflow = true;
		return 0;
	}
	return kw_flush_lines(w, false) ? n : 0;
}

/* A kreq finished: hand the whole answer to on_resp. */
static void kr_complete(struct kwatch *w, CURLcode res, long status)
{
	struct kresp r = {.status = status};

	if (res != CURLE_OK) {
		r.status = 0;
		snprintf(r.err, sizeof(r.err), "%.200s",
			 w->overflow	? "response body too large"
			 : w->errbuf[0] ? w->errbuf
					: curl_easy_strerror(res));
		/* Part of a body is no answer: hand over "" with the error. */
		w->len = 0;
		if (w->buf)
			w->buf[0] = '\0';
	}
	/* An empty body is "", never NULL. */
	if (!w->buf && !kw_append(w, "", 0, KC_MAX_BODY)) {
		r.status = 0;
		snprintf(r.err, sizeof(r.err), "out of memory");
	}
	r.body = w->buf ? w->buf : r.err;
	r.len = w->buf ? w->len : strlen(r.err);
	w->finished = true;
	w->on_resp(w->ud, &r);
}

static void kw_check_done(struct kwatch *w)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(w->multi, &left))) {
		CURLcode res;
		long status = 0;
		const char *err = NULL;

		if (msg->msg != CURLMSG_DONE || w->stopped || w->finished)
			continue;
		res = msg->data.result;
		curl_easy_getinfo(w->easy, CURLINFO_RESPONSE_CODE, &status);
		if (w->on_resp) {
			kr_complete(w, res, status);
			return;
		}
		if (res == CURLE_OK && status == 200 && !w->on_data) {
			/* A last event without its '\n' still counts. */
			if (!kw_flush_lines(w, true))
				return;
		} else if (res != CURLE_OK) {
			/* Cut mid-stream or never connected: a transport error. */
			err = w->overflow    ? "watch event too large"
			      : w->errbuf[0] ? w->errbuf
					     : curl_easy_strerror(res);
			status = 0;
		}
		w->finished = true;
		w->on_done(w->ud, status, status && status != 200 ? (w->buf ? w->buf : "") : NULL,
			   err);
		return;
	}
}

/* Run curl for one socket event or a timeout, then deliver completion and
 * free the watch if it finished or was stopped meanwhile. */
static void kw_action(struct kwatch *w, curl_socket_t fd, int flags)
{
	int running;

	w->busy++;
	curl_multi_socket_action(w->multi, fd, flags, &running);
	if (!w->stopped)
		kw_check_done(w);
	w->busy--;
	if (!w->busy && (w->stopped || w->finished))
		kw_destroy(w);
}

static void kw_io_cb(struct ev_loop *loop, struct ev_io *io, int revents)
{
	struct kwatch_sock *s = (struct kwatch_sock *)io;
	int flags = 0;

	(void)loop;
	if (revents & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (revents & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	/* s may be freed inside curl (CURL_POLL_REMOVE); copy what we need. */
	kw_action(s->w, s->fd, flags);
}

static void kw_timer_cb(struct ev_loop *loop, struct ev_timer *t, int revents)
{
	struct kwatch *w = (struct kwatch *)((char *)t - offsetof(struct kwatch, timer));

	(void)loop;
	(void)revents;
	kw_action(w, CURL_SOCKET_TIMEOUT, 0);
}

static int kw_sock_cb(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct kwatch *w = userp;
	struct kwatch_sock *s = socketp, **pp;
	int events = 0;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (!s)
			return 0;
		ev_io_stop(w->loop, &s->io);
		for (pp = &w->socks; *pp; pp = &(*pp)->next) {
			if (*pp == s) {
				*pp = s->next;
				break;
			}
		}
		free(s);
		curl_multi_assign(w->multi, fd, NULL);
		return 0;
	}
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -1;
		s->fd = fd;
		s->w = w;
		s->next = w->socks;
		w->socks = s;
		ev_init(&s->io, kw_io_cb);
		curl_multi_assign(w->multi, fd, s);
	} else {
		ev_io_stop(w->loop, &s->io);
	}
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	ev_io_set(&s->io, fd, events);
	ev_io_start(w->loop, &s->io);
	return 0;
}

static int kw_timer_fn(CURLM *multi, long timeout_ms, void *userp)
{
	struct kwatch *w = userp;

	(void)multi;
	ev_timer_stop(w->loop, &w->timer);
	if (timeout_ms >= 0) {
		/* 0 means "as soon as possible": the next loop iteration, since
		 * curl may not be re-entered from this callback. */
		ev_timer_set(&w->timer, timeout_ms / 1000.0, 0.);
		ev_timer_start(w->loop, &w->timer);
	}
	return 0;
}

/* Allocate a watch or request for path and add it to its own multi handle;
 * the caller has set the mode (on_line/on_done or on_resp) in *w. */
/* A write of a kreq: method and body (NULL for a GET or a watch). */
struct kw_body {
	const char *method, *content_type, *data;
	size_t len;
};

static struct kwatch *kw_start(struct kwatch *w, struct kclient *c, struct ev_loop *loop,
			       const char *path, const struct kw_body *b)
{
	w->c = kclient_ref(c);
	w->loop = loop;
	ev_init(&w->timer, kw_timer_cb);
	w->url = kclient_url(c, path);
	w->hdrs = kclient_headers(c, b ? b->content_type : NULL, "application/json");
	w->multi = curl_multi_init();
	w->easy = curl_easy_init();
	if (!w->url || !w->hdrs || !w->multi || !w->easy)
		goto fail;
	if (kclient_setup_easy(c, w->easy, w->url, w->errbuf))
		goto fail;
	curl_easy_setopt(w->easy, CURLOPT_HTTPHEADER, w->hdrs);
	curl_easy_setopt(w->easy, CURLOPT_WRITEFUNCTION, kw_write);
	curl_easy_setopt(w->easy, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(w->easy, CURLOPT_PRIVATE, w);
	if (b) {
		curl_easy_setopt(w->easy, CURLOPT_CUSTOMREQUEST, b->method);
		curl_easy_setopt(w->easy, CURLOPT_POSTFIELDSIZE, (long)b->len);
		curl_easy_setopt(w->easy, CURLOPT_COPYPOSTFIELDS, b->data ? b->data : "");
	}
	if (w->on_resp) {
		/* A request ends: the client's overall timeout applies. */
		curl_easy_setopt(w->easy, CURLOPT_TIMEOUT_MS,
				 c->timeout_ms ? c->timeout_ms : KC_REQUEST_TIMEOUT_MS);
	} else {
		/* A watch may be silent for minutes; keepalive notices a dead
		 * peer. */
		curl_easy_setopt(w->easy, CURLOPT_TCP_KEEPALIVE, 1L);
		curl_easy_setopt(w->easy, CURLOPT_TCP_KEEPIDLE, 30L);
		curl_easy_setopt(w->easy, CURLOPT_TCP_KEEPINTVL, 10L);
	}
	/* The shared cache holds the watches' connections too; curl's default
	 * (4 per easy handle, counted per multi) would close every request's
	 * connection as it ends. */
	curl_multi_setopt(w->multi, CURLMOPT_MAXCONNECTS, (long)KC_MAX_CONNECTS);
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETFUNCTION, kw_sock_cb);
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETDATA, w);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERFUNCTION, kw_timer_fn);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERDATA, w);
	if (w->on_resp && c->inflight >= KC_MAX_INFLIGHT) {
		/* started by kr_start_queued when one in flight ends */
		w->queued = true;
		*c->qtail = w;
		c->qtail = &w->qnext;
		return w;
	}
	/* Adding only arms the timer (via kw_timer_fn): no callback of ours
	 * runs before kwatch_start/kreq_get returns. */
	if (curl_multi_add_handle(w->multi, w->easy) != CURLM_OK)
		goto fail;
	if (w->on_resp) {
		w->counted = true;
		c->inflight++;
	}
	return w;
fail:
	kw_destroy(w);
	return NULL;
}

/* A kreq in flight ended: start the queued ones that now fit. One that
 * cannot be added to its multi (out of memory) is answered with the
 * error right here. */
static void kr_start_queued(struct kclient *c)
{
	while (c->queue && c->inflight < KC_MAX_INFLIGHT) {
		struct kwatch *w = c->queue;

		kw_unqueue(w);
		if (curl_multi_add_handle(w->multi, w->easy) == CURLM_OK) {
			w->counted = true;
			c->inflight++;
			continue;
		}
		snprintf(w->errbuf, sizeof(w->errbuf), "cannot start the request");
		w->busy++;
		kr_complete(w, CURLE_OUT_OF_MEMORY, 0);
		w->busy--;
		kw_destroy(w);
	}
}

/* A kstream learns of a 200 when its headers end, before any body byte:
 * a follow that has nothing to say yet is answered at once. */
static size_t kw_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct kwatch *w = ud;
	size_t n = size * nmemb;
	long status = 0;

	if (w->stopped)
		return 0;
	if ((n == 2 && ptr[0] == '\r') || (n == 1 && ptr[0] == '\n')) {
		curl_easy_getinfo(w->easy, CURLINFO_RESPONSE_CODE, &status);
		if (status == 200 && !w->headers_done) {
			w->headers_done = true;
			w->status = 200;
			w->on_data(w->ud, "", 0);
		}
	}
	return w->stopped ? 0 : n;
}

struct kwatch *kstream_start(struct kclient *c, struct ev_loop *loop, const char *path,
			     kstream_data_cb on_data, kwatch_done_cb on_done, void *ud)
{
	struct kwatch *w;

	if (!c || !loop || !path || !on_data || !on_done)
		return NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->on_data = on_data;
	w->on_done = on_done;
	w->ud = ud;
	if (!kw_start(w, c, loop, path, NULL))
		return NULL;
	curl_easy_setopt(w->easy, CURLOPT_HEADERFUNCTION, kw_header);
	curl_easy_setopt(w->easy, CURLOPT_HEADERDATA, w);
	return w;
}

struct kwatch *kwatch_start(struct kclient *c, struct ev_loop *loop, const char *path,
			    kwatch_line_cb on_line, kwatch_done_cb on_done, void *ud)
{
	struct kwatch *w;

	if (!c || !loop || !path || !on_line || !on_done)
		return NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->on_line = on_line;
	w->on_done = on_done;
	w->ud = ud;
	return kw_start(w, c, loop, path, NULL);
}

void kwatch_stop(struct kwatch *w)
{
	if (!w)
		return;
	w->stopped = true;
	if (!w->busy)
		kw_destroy(w);
}

/* --- kreq: the public face of a kwatch in whole-body mode --- */

struct kreq {
	struct kwatch w; /* first member: kw_destroy frees the kreq */
};

/* b NULL: a GET. */
static struct kreq *kreq_start(struct kclient *c, struct ev_loop *loop, const char *path,
			       const struct kw_body *b, kreq_done_cb on_done, void *ud)
{
	struct kreq *r;

	if (!c || !loop || !path || !on_done || (b && !b->method))
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->w.on_resp = on_done;
	r->w.ud = ud;
	return kw_start(&r->w, c, loop, path, b) ? r : NULL;
}

struct kreq *kreq_get(struct kclient *c, struct ev_loop *loop, const char *path,
		      kreq_done_cb on_done, void *ud)
{
	return kreq_start(c, loop, path, NULL, on_done, ud);
}

struct kreq *kreq_send(struct kclient *c, struct ev_loop *loop, const char *method,
		       const char *path, const char *content_type, const char *body, size_t len,
		       kreq_done_cb on_done, void *ud)
{
	struct kw_body b = {method, content_type, body, len};

	return kreq_start(c, loop, path, &b, on_done, ud);
}

void kreq_cancel(struct kreq *r)
{
	if (r)
		kwatch_stop(&r->w);
}

const char *kclient_ca_pem(const struct kclient *c)
{
	return c ? c->ca_pem : NULL;
}
