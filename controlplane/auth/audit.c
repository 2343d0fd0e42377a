/* audit: audit.k8s.io/v1 Events at level Metadata, one JSON line each.
 *
 * The line is rendered in two parts. audit_begin writes everything known
 * when the request arrives (kind .. objectRef) into the event's buffer, so
 * the caller's strings need not live on; audit_end appends responseStatus,
 * the timestamps and the annotations and writes the whole line at once.
 * Members are in the order of upstream's Go struct and strings are escaped
 * as Go's encoding/json does, so lines compare equal to kube-apiserver's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include "auth/audit.h"
#include "buf.h"
#include "log.h"

struct audit {
	int fd;
	uint64_t dropped;
	bool warned; /* the first failed write was logged */
	char *path;
};

struct audit_event {
	struct audit *au;
	struct buf line;  /* "{" .. objectRef, then the rest at audit_end */
	struct buf annot; /* the authorization annotations, rendered */
	struct timespec received, received_mono;
	char id[37];
};

int audit_open(const char *path, struct audit **out)
{
	struct audit *au = calloc(1, sizeof(*au));
	int err;

	if (!au)
		return -ENOMEM;
	au->path = strdup(path);
	if (!au->path) {
		err = -ENOMEM;
		goto err_free;
	}
	if (!strcmp(path, "-")) {
		/* A new open file description of whatever stdout is (a pipe, a
		 * terminal, a file): O_NONBLOCK on it cannot affect stdout or
		 * the stderr log sharing its description, and a stalled reader
		 * costs dropped lines instead of a stalled server. A socket
		 * cannot be reopened this way: use a duplicate (blocking). */
		au->fd = open("/proc/self/fd/1", O_WRONLY | O_APPEND | O_CLOEXEC | O_NONBLOCK);
		if (au->fd < 0)
			au->fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	} else {
		au->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	}
	if (au->fd < 0) {
		err = -errno;
		goto err_path;
	}
	*out = au;
	return 0;

err_path:
	free(au->path);
err_free:
	free(au);
	return err;
}

void audit_close(struct audit *au)
{
	if (!au)
		return;
	close(au->fd);
	free(au->path);
	free(au);
}

uint64_t audit_dropped(const struct audit *au)
{
	return au ? au->dropped : 0;
}

static void audit_drop(struct audit *au, int err)
{
	au->dropped++;
	if (au->warned)
		return;
	au->warned = true;
	pr_warn("audit: cannot write to %s: %s; lost lines are counted from now on, not logged",
		au->path, strerror(err));
}

/* --- JSON text as Go's encoding/json writes it --- */

/* Length of the valid UTF-8 sequence at s (n bytes left) and its code
 * point, or 0 when the bytes are not valid UTF-8 (overlong, surrogate,
 * past U+10FFFF, truncated), like Go's utf8.DecodeRuneInString. */
static size_t audit_utf8(const unsigned char *s, size_t n, unsigned *cp)
{
	size_t len;
	unsigned c, min;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	if (s[0] < 0xe0)
		len = 2, c = s[0] & 0x1f, min = 0x80;
	else if (s[0] < 0xf0)
		len = 3, c = s[0] & 0x0f, min = 0x800;
	else
		len = 4, c = s[0] & 0x07, min = 0x10000;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* A JSON string. Go escapes <, > and & (HTML-safe), U+2028/U+2029, and
 * replaces invalid UTF-8 with U+FFFD, so a hostile request URI still
 * gives one valid JSON line. NULL is "". */
static void audit_str(struct buf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	size_t n = strlen((const char *)s), i = 0, run = 0;

	buf_put(b, "\"", 1);
	while (i < n) {
		unsigned char ch = s[i];
		unsigned cp = 0;
		size_t len = 1;
		char esc[8] = "";

		if (ch < 0x80) {
			if (ch == '"' || ch == '\\')
				snprintf(esc, sizeof(esc), "\\%c", ch);
			else if (ch == '\n')
				strcpy(esc, "\\n");
			else if (ch == '\r')
				strcpy(esc, "\\r");
			else if (ch == '\t')
				strcpy(esc, "\\t");
			else if (ch < 0x20 || ch == '<' || ch == '>' || ch == '&')
				snprintf(esc, sizeof(esc), "\\u%04x", ch);
		} else {
			len = audit_utf8(s + i, n - i, &cp);
			if (!len) {
				len = 1;
				strcpy(esc, "\\ufffd");
			} else if (cp == 0x2028 || cp == 0x2029) {
				snprintf(esc, sizeof(esc), "\\u%04x", cp);
			}
		}
		if (esc[0]) {
			buf_put(b, s + i - run, run);
			buf_puts(b, esc);
			run = 0;
		} else {
			run += len;
		}
		i += len;
	}
	buf_put(b, s + n - run, run);
	buf_put(b, "\"", 1);
}

/* ,"key":"value" (the comma unless first), only when value is not empty:
 * upstream's fields are omitempty. */
static void audit_member(struct buf *b, bool *first, const char *key, const char *value)
{
	if (!value || !*value)
		return;
	buf_printf(b, "%s\"%s\":", *first ? "" : ",", key);
	*first = false;
	audit_str(b, value);
}

/* An authentication/v1 UserInfo: {} when NULL (failed authentication). */
static void audit_user(struct buf *b, const struct audit_user *u)
{
	bool first = true, any = false;

	buf_puts(b, "{");
	if (u) {
		audit_member(b, &first, "username", u->name);
		audit_member(b, &first, "uid", u->uid);
		for (int i = 0; i < u->ngroups; i++) {
			if (!u->groups[i])
				continue;
			buf_printf(b, "%s", any ? "," : first ? "\"groups\":[" : ",\"groups\":[");
			audit_str(b, u->groups[i]);
			any = true;
		}
		if (any)
			buf_puts(b, "]");
	}
	buf_puts(b, "}");
}

/* metav1.MicroTime: RFC 3339 in UTC with microseconds. */
static void audit_time(struct buf *b, const struct timespec *ts)
{
	struct tm tm;
	char s[40];

	gmtime_r(&ts->tv_sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	buf_printf(b, "\"%s.%06ldZ\"", s, ts->tv_nsec / 1000);
}

/* Go's fmtFrac: the prec low digits of v as a fraction without trailing
 * zeros (nothing at all when they are zero), written backwards before
 * *w; returns v without them. */
static uint64_t audit_frac(char **w, uint64_t v, int prec)
{
	bool print = false;

	for (int i = 0; i < prec; i++) {
		unsigned digit = (unsigned)(v % 10);

		print = print || digit;
		if (print)
			*--*w = (char)('0' + digit);
		v /= 10;
	}
	if (print)
		*--*w = '.';
	return v;
}

static void audit_int(char **w, uint64_t v)
{
	do
		*--*w = (char)('0' + v % 10);
	while (v /= 10);
}

void audit_go_duration(char *out, uint64_t u)
{
	char buf[32], *w = buf + sizeof(buf);

	*--w = 's';
	if (u == 0) {
		*--w = '0';
	} else if (u < 1000000000ull) {
		int prec;

		if (u < 1000ull) {
			prec = 0;
			*--w = 'n';
		} else if (u < 1000000ull) {
			prec = 3;
			w -= 2;
			memcpy(w, "\xc2\xb5", 2); /* U+00B5 micro sign, as Go */
		} else {
			prec = 6;
			*--w = 'm';
		}
		u = audit_frac(&w, u, prec);
		audit_int(&w, u);
	} else {
		u = audit_frac(&w, u, 9);
		audit_int(&w, u % 60);
		u /= 60;
		if (u) {
			*--w = 'm';
			audit_int(&w, u % 60);
			u /= 60;
			if (u) {
				*--w = 'h';
				audit_int(&w, u);
			}
		}
	}
	memcpy(out, w, (size_t)(buf + sizeof(buf) - w));
	out[buf + sizeof(buf) - w] = 0;
}

/* A random (version 4) UUID. The ID only has to be unique: if the kernel
 * has no randomness to give yet, the clock and a counter stand in. */
static void audit_uuid(char out[37])
{
	static uint64_t seq;
	unsigned char r[16];

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		struct timespec ts;
		uint64_t x[2];

		clock_gettime(CLOCK_REALTIME, &ts);
		x[0] = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		x[1] = ++seq ^ ((uint64_t)getpid() << 32);
		for (int i = 0; i < 2; i++) { /* splitmix64 finalizer */
			x[i] = (x[i] ^ (x[i] >> 30)) * 0xbf58476d1ce4e5b9ull;
			x[i] = (x[i] ^ (x[i] >> 27)) * 0x94d049bb133111ebull;
			x[i] ^= x[i] >> 31;
		}
		memcpy(r, x, sizeof(r));
	}
	r[6] = (r[6] & 0x0f) | 0x40; /* version 4 */
	r[8] = (r[8] & 0x3f) | 0x80; /* RFC 4122 variant */
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
		 r[13], r[14], r[15]);
}

struct audit_event *audit_begin(struct audit *au, const struct audit_req_info *info)
{
	struct audit_event *ev;
	struct buf *b;
	bool first = true;

	if (!au)
		return NULL;
	ev = calloc(1, sizeof(*ev));
	if (!ev) {
		audit_drop(au, ENOMEM);
		return NULL;
	}
	ev->au = au;
	clock_gettime(CLOCK_REALTIME, &ev->received);
	clock_gettime(CLOCK_MONOTONIC, &ev->received_mono);
	audit_uuid(ev->id);

	b = &ev->line;
	buf_printf(b,
		   "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\","
		   "\"auditID\":\"%s\",\"stage\":\"ResponseComplete\",\"requestURI\":",
		   ev->id);
	audit_str(b, info->request_uri);
	buf_puts(b, ",\"verb\":");
	audit_str(b, info->verb);
	buf_puts(b, ",\"user\":");
	audit_user(b, info->user);
	if (info->impersonated) {
		buf_puts(b, ",\"impersonatedUser\":");
		audit_user(b, info->impersonated);
	}
	if (info->source_ip && *info->source_ip) {
		buf_puts(b, ",\"sourceIPs\":[");
		audit_str(b, info->source_ip);
		buf_puts(b, "]");
	}
	first = false;
	audit_member(b, &first, "userAgent", info->user_agent);
	if (info->resource && *info->resource) {
		first = true;
		buf_puts(b, ",\"objectRef\":{");
		audit_member(b, &first, "resource", info->resource);
		audit_member(b, &first, "namespace", info->ns);
		audit_member(b, &first, "name", info->name);
		audit_member(b, &first, "apiGroup", info->api_group);
		audit_member(b, &first, "apiVersion", info->api_version);
		audit_member(b, &first, "subresource", info->subresource);
		buf_puts(b, "}");
	}
	/* annotations are a Go map: its keys come out sorted, and
	 * "authorization.k8s.io/..." sort before "skiff.io/latency" */
	first = true;
	audit_member(&ev->annot, &first, "authorization.k8s.io/decision", info->decision);
	audit_member(&ev->annot, &first, "authorization.k8s.io/reason", info->reason);
	if (ev->line.oom || ev->annot.oom) {
		audit_drop(au, ENOMEM);
		buf_free(&ev->line);
		buf_free(&ev->annot);
		free(ev);
		return NULL;
	}
	return ev;
}

const char *audit_event_id(const struct audit_event *ev)
{
	return ev ? ev->id : "";
}

void audit_end(struct audit_event *ev, int status)
{
	struct timespec now, mono;
	struct buf *b;
	char lat[32];
	uint64_t ns;
	ssize_t n;

	if (!ev)
		return;
	b = &ev->line;
	clock_gettime(CLOCK_REALTIME, &now);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	ns = (uint64_t)(mono.tv_sec - ev->received_mono.tv_sec) * 1000000000ull +
	     (uint64_t)mono.tv_nsec - (uint64_t)ev->received_mono.tv_nsec;
	audit_go_duration(lat, ns);

	/* Status.code is omitempty upstream: a request that got no response
	 * (status 0) has none */
	buf_puts(b, ",\"responseStatus\":{\"metadata\":{}");
	if (status)
		buf_printf(b, ",\"code\":%d", status);
	buf_puts(b, "},\"requestReceivedTimestamp\":");
	audit_time(b, &ev->received);
	buf_puts(b, ",\"stageTimestamp\":");
	audit_time(b, &now);
	buf_puts(b, ",\"annotations\":{");
	if (ev->annot.len) {
		buf_put(b, ev->annot.p, ev->annot.len);
		buf_puts(b, ",");
	}
	buf_printf(b, "\"skiff.io/latency\":\"%s\"}}\n", lat);

	if (b->oom) {
		audit_drop(ev->au, ENOMEM);
	} else {
		/* one write(2) on an O_APPEND descriptor: the line lands whole
		 * after the previous one; a short write (disk full, a pipe
		 * without room) loses it */
		do
			n = write(ev->au->fd, b->p, b->len);
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)b->len)
			audit_drop(ev->au, n < 0 ? errno : EIO);
	}
	buf_free(&ev->line);
	buf_free(&ev->annot);
	free(ev);
}

void audit_end_cb(void *ev, int status)
{
	audit_end(ev, status);
}
