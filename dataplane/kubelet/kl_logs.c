/* kl_logs: GET /containerLogs/<ns>/<pod>/<container> as kubelet serves it.
 *
 * The shim writes a container's output to <pod-dir>/logs/<container>/<n>.log
 * in the CRI format, one record a line: "<RFC3339Nano> stdout|stderr F|P
 * <text>" (P: a piece of a longer line, continued by the next records up
 * to an F), rotated to <n>.log.1 past --container-log-max-size; n counts
 * the runs (0 first). The newest run is the current (or last) one, the one
 * before it is `previous`. The answer is the text of the lines (the CRI
 * prefix stripped, pieces joined), with timestamps=true each line prefixed
 * by its time; sinceSeconds/sinceTime, tailLines and limitBytes choose
 * which, in that order, as kubelet does. follow=true streams new lines as
 * the shim writes them (the file is looked at every KL_FOLLOW_TICK s), and
 * ends once the container's run is over (it exited, or a newer run began)
 * and everything of it was sent.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "http/http.h"
#include "kl_pod.h"
#include "kl_server.h"
#include "log.h"

#define KL_FOLLOW_TICK	 0.2
#define KL_FOLLOW_BUFFER (4u << 20) /* a slow reader: stop reading until it drains */
#define KL_TS_MAX	 40

struct kl_log_opts {
	bool follow, previous, timestamps;
	long long tail;	       /* -1: all */
	long long limit;       /* bytes, -1: no limit */
	char since[KL_TS_MAX]; /* records older than this RFC3339Nano time are skipped, "" none */
};

/* Output lines, with the start of each (for tailLines), and the piece of a
 * line whose F record has not come yet. */
struct kl_lines {
	char *b;
	size_t n, cap;
	size_t *st;
	size_t nst, capst;
	char *part;
	size_t npart, cappart;
	char part_ts[KL_TS_MAX];
	bool oom;
};

struct kl_follow {
	struct kl_server *s;
	struct http_stream *st;
	struct kl_follow *next;
	char key[512], uid[64], ctr[64], dir[800];
	int run;
	int fd;
	ino_t ino;
	struct kl_log_opts o;
	struct kl_lines L;
	ev_timer timer;
	bool ended;
};

static bool kl_grow(char **b, size_t *cap, size_t need)
{
	size_t c = *cap ? *cap : 4096;
	char *nb;

	if (need <= *cap)
		return true;
	while (c < need)
		c *= 2;
	nb = realloc(*b, c);
	if (!nb)
		return false;
	*b = nb;
	*cap = c;
	return true;
}

static void kl_lines_free(struct kl_lines *L)
{
	free(L->b);
	free(L->st);
	free(L->part);
	memset(L, 0, sizeof(*L));
}

/* One whole line: "<ts> " if asked, the text, '\n'. */
static void kl_line_add(struct kl_lines *L, const struct kl_log_opts *o, const char *ts,
			const char *text, size_t n)
{
	size_t tl = o->timestamps ? strlen(ts) + 1 : 0;

	if (o->since[0] && strcmp(ts, o->since) < 0)
		return;
	if (L->nst == L->capst) {
		size_t c = L->capst ? L->capst * 2 : 256;
		size_t *ns = realloc(L->st, c * sizeof(*ns));

		if (!ns) {
			L->oom = true;
			return;
		}
		L->st = ns;
		L->capst = c;
	}
	if (!kl_grow(&L->b, &L->cap, L->n + tl + n + 1)) {
		L->oom = true;
		return;
	}
	L->st[L->nst++] = L->n;
	if (tl) {
		memcpy(L->b + L->n, ts, tl - 1);
		L->b[L->n + tl - 1] = ' ';
	}
	memcpy(L->b + L->n + tl, text, n);
	L->n += tl + n;
	L->b[L->n++] = '\n';
}

/* Parse the complete records of buf; returns the bytes used (a record cut
 * by the end of buf is left for the next read). */
static size_t kl_parse(struct kl_lines *L, const struct kl_log_opts *o, const char *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		const char *rec = buf + off, *nl = memchr(rec, '\n', len - off);
		const char *sp1, *sp2, *text;
		char ts[KL_TS_MAX], tag;
		size_t rl, tsl;

		if (!nl)
			break;
		rl = (size_t)(nl - rec);
		off += rl + 1;
		sp1 = memchr(rec, ' ', rl);
		sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(nl - sp1 - 1)) : NULL;
		if (!sp2 || sp2 + 2 > nl || (sp2[2] != ' ' && sp2 + 2 != nl))
			continue; /* not a CRI record: skipped, as kubelet does */
		tsl = (size_t)(sp1 - rec);
		if (tsl >= sizeof(ts))
			continue;
		memcpy(ts, rec, tsl);
		ts[tsl] = 0;
		tag = sp2[1];
		text = sp2 + 2 < nl ? sp2 + 3 : nl;
		if (tag == 'P') {
			size_t n = (size_t)(nl - text);

			if (!L->npart)
				snprintf(L->part_ts, sizeof(L->part_ts), "%s", ts);
			if (!kl_grow(&L->part, &L->cappart, L->npart + n)) {
				L->oom = true;
				continue;
			}
			memcpy(L->part + L->npart, text, n);
			L->npart += n;
			continue;
		}
		if (L->npart) {
			size_t n = (size_t)(nl - text);

			if (!kl_grow(&L->part, &L->cappart, L->npart + n)) {
				L->oom = true;
				continue;
			}
			memcpy(L->part + L->npart, text, n);
			L->npart += n;
			/* a joined line carries the time of its first piece */
			kl_line_add(L, o, L->part_ts, L->part, L->npart);
			L->npart = 0;
		} else {
			kl_line_add(L, o, ts, text, (size_t)(nl - text));
		}
	}
	return off;
}

/* Parse what fd holds from its current offset; returns bytes used. */
static size_t kl_parse_fd(struct kl_lines *L, const struct kl_log_opts *o, int fd)
{
	char *buf = NULL;
	size_t n = 0, cap = 0, used;
	ssize_t r;

	for (;;) {
		if (!kl_grow(&buf, &cap, n + 65536)) {
			L->oom = true;
			break;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	used = kl_parse(L, o, buf ? buf : "", n);
	/* the rest is read again with the next tick */
	if (used < n)
		lseek(fd, (off_t)used - (off_t)n, SEEK_CUR);
	free(buf);
	return used;
}

static void kl_parse_path(struct kl_lines *L, const struct kl_log_opts *o, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	kl_parse_fd(L, o, fd);
	close(fd);
}

/* The runs that have a log: the newest in *cur, the one before in *prev
 * (-1 when none). */
static void kl_runs(const char *dir, int *cur, int *prev)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	*cur = *prev = -1;
	while (d && (e = readdir(d))) {
		char *end;
		long n = strtol(e->d_name, &end, 10);

		if (end == e->d_name || strcmp(end, ".log") || n < 0 || n > 1 << 30)
			continue;
		if (n > *cur) {
			*prev = *cur;
			*cur = (int)n;
		} else if (n > *prev && n != *cur) {
			*prev = (int)n;
		}
	}
	if (d)
		closedir(d);
}

static bool kl_bool(const char *v)
{
	return v && (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "t") || !strcmp(v, "T") ||
		     !strcmp(v, "TRUE") || !strcmp(v, "True"));
}

/* A non-negative integer query argument; false if malformed. */
static bool kl_num(const char *v, long long *out)
{
	char *end;

	if (!v)
		return true;
	errno = 0;
	*out = strtoll(v, &end, 10);
	return !errno && end != v && !*end && *out >= 0;
}

static void kl_fmt_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S.000000000Z", &tm);
}

static int kl_opts(struct http_req *req, struct kl_log_opts *o, char *err, size_t len)
{
	long long since = 0;
	const char *st = http_req_query(req, "sinceTime");

	memset(o, 0, sizeof(*o));
	o->tail = o->limit = -1;
	o->follow = kl_bool(http_req_query(req, "follow"));
	o->previous = kl_bool(http_req_query(req, "previous"));
	o->timestamps = kl_bool(http_req_query(req, "timestamps"));
	if (!kl_num(http_req_query(req, "tailLines"), &o->tail)) {
		snprintf(err, len, "tailLines: Invalid value: must be greater than or equal to 0");
		return -EINVAL;
	}
	if (!kl_num(http_req_query(req, "limitBytes"), &o->limit) || o->limit == 0) {
		snprintf(err, len, "limitBytes: Invalid value: must be greater than 0");
		return -EINVAL;
	}
	if (!kl_num(http_req_query(req, "sinceSeconds"), &since) ||
	    (http_req_query(req, "sinceSeconds") && since == 0)) {
		snprintf(err, len, "sinceSeconds: Invalid value: must be greater than 0");
		return -EINVAL;
	}
	if (since)
		kl_fmt_time(time(NULL) - (time_t)since, o->since, sizeof(o->since));
	if (st) {
		struct tm tm = {0};
		const char *end = strptime(st, "%Y-%m-%dT%H:%M:%S", &tm);

		if (!end) {
			snprintf(err, len, "sinceTime: Invalid value: %.100s: not RFC 3339", st);
			return -EINVAL;
		}
		kl_fmt_time(timegm(&tm), o->since, sizeof(o->since));
	}
	return 0;
}

/* The lines kept by tailLines and limitBytes: [*start, *start + *n). */
static void kl_select(const struct kl_lines *L, const struct kl_log_opts *o, size_t *start,
		      size_t *n)
{
	*start = 0;
	if (o->tail >= 0 && (size_t)o->tail < L->nst)
		*start = o->tail ? L->st[L->nst - (size_t)o->tail] : L->n;
	*n = L->n - *start;
	if (o->limit > 0 && (size_t)o->limit < *n)
		*n = (size_t)o->limit;
}

static struct kl_ctr *kl_find_ctr(struct kubelet *k, const char *key, const char *uid,
				  const char *ctr)
{
	struct kl_pod *p = k->pods ? strmap_get(&k->pods->pods, key) : NULL;

	if (!p || (uid && strcmp(p->uid, uid)))
		return NULL;
	for (int i = 0; i < p->nctrs; i++)
		if (!strcmp(p->ctrs[i].name, ctr))
			return &p->ctrs[i];
	return NULL;
}

/* ---- follow ---- */

static void kl_follow_end(struct kl_follow *f)
{
	if (f->ended)
		return;
	f->ended = true;
	ev_timer_stop(f->s->k->loop, &f->timer);
	/* on_close frees f once the rest is sent */
	http_stream_end(f->st);
}

/* Send what L holds (limitBytes counts down). */
static void kl_follow_send(struct kl_follow *f)
{
	size_t n = f->L.n;

	if (f->o.limit > 0 && (size_t)f->o.limit < n)
		n = (size_t)f->o.limit;
	if (n && http_stream_write(f->st, f->L.b, n))
		kl_follow_end(f);
	if (f->o.limit > 0) {
		f->o.limit -= (long long)n;
		if (!f->o.limit)
			kl_follow_end(f);
	}
	f->L.n = f->L.nst = 0;
}

static void kl_follow_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct kl_follow *f = w->data;
	char path[900];
	struct kl_ctr *c;
	struct stat st;
	int cur, prev;

	if (http_stream_buffered(f->st) > KL_FOLLOW_BUFFER)
		return;
	snprintf(path, sizeof(path), "%s/%d.log", f->dir, f->run);
	/* the run of this moment, before reading: a run that is over is
	 * complete once its file is read to the end */
	c = kl_find_ctr(f->s->k, f->key, f->uid, f->ctr);
	kl_runs(f->dir, &cur, &prev);
	kl_parse_fd(&f->L, &f->o, f->fd);
	if (stat(path, &st) == 0 && st.st_ino != f->ino) {
		/* rotated: the old file is done, go on with the new one */
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			close(f->fd);
			f->fd = fd;
			f->ino = st.st_ino;
			kl_parse_fd(&f->L, &f->o, f->fd);
		}
	}
	kl_follow_send(f);
	if (!f->ended && (!c || !c->rc || cur > f->run))
		kl_follow_end(f);
}

static void kl_follow_closed(void *ud)
{
	struct kl_follow *f = ud;
	struct kl_follow **pp = &f->s->follows;

	ev_timer_stop(f->s->k->loop, &f->timer);
	while (*pp && *pp != f)
		pp = &(*pp)->next;
	if (*pp)
		*pp = f->next;
	if (f->fd >= 0)
		close(f->fd);
	kl_lines_free(&f->L);
	free(f);
}

void kl_logs_stop(struct kl_server *s)
{
	/* http_server_stop ends the streams; their on_close frees them */
	for (struct kl_follow *f = s->follows; f; f = f->next)
		ev_timer_stop(s->k->loop, &f->timer);
}

/* Start streaming run `run`: what it wrote so far (with the options), then
 * the rest as it comes. */
static void kl_follow_start(struct kl_server *s, struct http_req *req, const struct kl_pod *p,
			    const char *ctr, const char *dir, int run, const struct kl_log_opts *o)
{
	struct kl_follow *f = calloc(1, sizeof(*f));
	char path[900];
	struct stat st;
	size_t start, n;

	if (!f)
		goto nomem;
	f->s = s;
	f->o = *o;
	f->run = run;
	snprintf(f->key, sizeof(f->key), "%s", p->key);
	snprintf(f->uid, sizeof(f->uid), "%s", p->uid);
	snprintf(f->ctr, sizeof(f->ctr), "%s", ctr);
	snprintf(f->dir, sizeof(f->dir), "%s", dir);
	snprintf(path, sizeof(path), "%s/%d.log.1", dir, run);
	kl_parse_path(&f->L, o, path);
	snprintf(path, sizeof(path), "%s/%d.log", dir, run);
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd >= 0 && fstat(f->fd, &st) == 0)
		f->ino = st.st_ino;
	if (f->fd >= 0)
		kl_parse_fd(&f->L, o, f->fd);
	if (f->L.oom)
		goto nomem;
	/* tailLines and sinceSeconds choose from the past only */
	kl_select(&f->L, o, &start, &n);
	memmove(f->L.b, f->L.b + start, f->L.n - start);
	f->L.n -= start;
	f->o.tail = -1;
	f->o.since[0] = 0;
	f->st = http_reply_stream(req, "text/plain", kl_follow_closed, f);
	if (!f->st)
		goto nomem;
	f->next = s->follows;
	s->follows = f;
	ev_timer_init(&f->timer, kl_follow_tick, 0, KL_FOLLOW_TICK);
	f->timer.data = f;
	ev_timer_start(s->k->loop, &f->timer);
	kl_follow_send(f);
	return;
nomem:
	if (f) {
		if (f->fd >= 0)
			close(f->fd);
		kl_lines_free(&f->L);
	}
	free(f);
	http_reply(req, 500, "text/plain", "out of memory\n", 14);
}

/* ---- the request ---- */

static void kl_err(struct http_req *req, int code, const char *fmt, const char *a, const char *b,
		   const char *c)
{
	char msg[1024];
	int n = snprintf(msg, sizeof(msg), fmt, a, b, c);

	http_reply(req, code, "text/plain; charset=utf-8", msg,
		   n < 0		     ? 0
		   : (size_t)n < sizeof(msg) ? (size_t)n
					     : sizeof(msg) - 1);
}

void kl_logs_serve(struct kl_server *s, struct http_req *req, const char *ns, const char *pod,
		   const char *ctr)
{
	char key[512], dir[800], pdir[600], path[900], err[256];
	struct kl_log_opts o;
	struct kl_lines L = {0};
	struct kl_pod *p;
	struct kl_ctr *c;
	int cur, prev, run;
	size_t start, n;

	if (kl_opts(req, &o, err, sizeof(err))) {
		kl_err(req, 400, "%s%s%s\n", err, "", "");
		return;
	}
	snprintf(key, sizeof(key), "%s/%s", ns, pod);
	p = s->k->pods ? strmap_get(&s->k->pods->pods, key) : NULL;
	if (!p) {
		kl_err(req, 404, "pod \"%s\" does not exist%s%s\n", pod, "", "");
		return;
	}
	c = kl_find_ctr(s->k, key, NULL, ctr);
	if (!c) {
		kl_err(req, 404, "container \"%s\" not found in pod \"%s\"%s\n", ctr, pod, "");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/logs/%s", kl_pod_dir(p, pdir, sizeof(pdir)), ctr);
	kl_runs(dir, &cur, &prev);
	run = o.previous ? prev : cur;
	if (run < 0 && o.previous) {
		kl_err(req, 400, "previous terminated container \"%s\" in pod \"%s\" not found%s\n",
		       ctr, pod, "");
		return;
	}
	if (run < 0) {
		kl_err(req, 400, "container \"%s\" in pod \"%s\" is waiting to start: %s\n", ctr,
		       pod, c->reason[0] ? c->reason : "ContainerCreating");
		return;
	}
	/* a previous run is over: nothing to follow */
	if (o.follow && !o.previous) {
		kl_follow_start(s, req, p, ctr, dir, run, &o);
		return;
	}
	snprintf(path, sizeof(path), "%s/%d.log.1", dir, run);
	kl_parse_path(&L, &o, path);
	snprintf(path, sizeof(path), "%s/%d.log", dir, run);
	kl_parse_path(&L, &o, path);
	if (L.npart) /* a run that ended inside a line: the piece is its last line */
		kl_line_add(&L, &o, L.part_ts, L.part, L.npart);
	if (L.oom) {
		kl_lines_free(&L);
		http_reply(req, 500, "text/plain", "out of memory\n", 14);
		return;
	}
	kl_select(&L, &o, &start, &n);
	http_reply(req, 200, "text/plain", L.b ? L.b + start : "", n);
	kl_lines_free(&L);
}
