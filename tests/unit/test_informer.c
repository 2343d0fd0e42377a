/* Unit tests for lib/informer.c (list+watch, k8s-api.md §12) and the
 * asynchronous GET it lists with (kreq_get in lib/kclient.c), against a
 * scripted HTTP/1.1 server the test forks on 127.0.0.1.
 *
 * The server answers the informer's requests one after the other from a
 * table of steps: each step says what the request path must (not) contain,
 * the answer (status, body chunks, delay) and how the answer ends (cleanly,
 * cut, or held open). It records every request path and its arrival time
 * in shared memory, so the tests check paths, back-off gaps and that no
 * request was made beyond the script. Fixtures use ' for ".
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <ev.h>

#include "informer.h"
#include "kclient.h"
#include "log.h"

#define MAX_STEPS  8
#define MAX_CHUNKS 6

enum step_end {
	END_CLEAN, /* terminating chunk, connection closed */
	END_HOLD,  /* stream kept open until the test ends */
	END_DROP,  /* connection closed mid-body: a transport error */
};

struct step {
	const char *match[3]; /* substrings the request path must contain */
	const char *absent;   /* substring it must not contain */
	double min_gap;	      /* seconds since the previous request, at least */
	double max_gap;	      /* ... at most (0: no limit) */
	int delay_ms;	      /* before answering */
	int status;	      /* 0 means 200 */
	const char *chunks[MAX_CHUNKS];
	enum step_end end;
};

/* What the server saw, shared with the test process. */
struct srv_log {
	int nreq;
	int done; /* steps whose answer was fully written */
	char path[MAX_STEPS + 4][1024];
	double at[MAX_STEPS + 4]; /* CLOCK_MONOTONIC arrival */
	char problem[512];	  /* first mismatch against the script */
};

struct server {
	pid_t pid;
	int port;
	struct srv_log *log;
};

/* The server of the running test, killed by teardown if a test fails
 * before it stopped it. */
static struct server *live_server;

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- the scripted server (runs in a forked child) --- */

static void srv_write(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w <= 0)
			_exit(0);
		s += w;
		n -= w;
	}
}

static void srv_chunk(int fd, const char *text)
{
	char hdr[32], *s = strdup(text);
	size_t n = strlen(s);

	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	snprintf(hdr, sizeof(hdr), "%zx\r\n", n);
	srv_write(fd, hdr, strlen(hdr));
	srv_write(fd, s, n);
	srv_write(fd, "\r\n", 2);
	free(s);
	usleep(10000); /* separate reads on the client side */
}

/* Read one request head; returns the path (static) or NULL. */
static const char *srv_read_request(int fd)
{
	static char req[8192];
	static char path[1024];
	size_t len = 0;

	while (!memmem(req, len, "\r\n\r\n", 4)) {
		ssize_t n = read(fd, req + len, sizeof(req) - 1 - len);

		if (n <= 0)
			return NULL;
		len += n;
	}
	req[len] = 0;
	if (sscanf(req, "%*s %1023s", path) != 1)
		return NULL;
	return path;
}

static void srv_problem(struct srv_log *log, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void srv_problem(struct srv_log *log, const char *fmt, ...)
{
	va_list ap;

	if (log->problem[0])
		return;
	va_start(ap, fmt);
	vsnprintf(log->problem, sizeof(log->problem), fmt, ap);
	va_end(ap);
}

static void srv_check(struct srv_log *log, int i, const struct step *st, const char *path)
{
	double gap = i ? log->at[i] - log->at[i - 1] : 0;

	for (int m = 0; m < 3 && st->match[m]; m++)
		if (!strstr(path, st->match[m]))
			srv_problem(log, "request %d: %s lacks %s", i, path, st->match[m]);
	if (st->absent && strstr(path, st->absent))
		srv_problem(log, "request %d: %s has %s", i, path, st->absent);
	if (i && gap < st->min_gap)
		srv_problem(log, "request %d came %.3f s after the last, want >= %.3f", i, gap,
			    st->min_gap);
	if (i && st->max_gap && gap > st->max_gap)
		srv_problem(log, "request %d came %.3f s after the last, want <= %.3f", i, gap,
			    st->max_gap);
}

static void srv_main(int ls, const struct step *steps, int nsteps, struct srv_log *log)
{
	for (int i = 0;; i++) {
		int fd = accept(ls, NULL, NULL);
		const char *path;
		const struct step *st = i < nsteps ? &steps[i] : NULL;
		char hdr[256];

		if (fd < 0)
			_exit(1);
		path = srv_read_request(fd);
		if (!path) {
			close(fd);
			i--;
			continue;
		}
		if (i < MAX_STEPS + 4) {
			snprintf(log->path[i], sizeof(log->path[i]), "%s", path);
			log->at[i] = now_mono();
		}
		log->nreq = i + 1;
		if (!st) {
			srv_problem(log, "request %d beyond the script: %s", i, path);
			pause(); /* hold it; the test will fail and kill us */
		}
		srv_check(log, i, st, path);
		if (st->delay_ms)
			usleep(st->delay_ms * 1000);
		snprintf(hdr, sizeof(hdr),
			 "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
			 "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
			 st->status ? st->status : 200);
		srv_write(fd, hdr, strlen(hdr));
		for (int c = 0; c < MAX_CHUNKS && st->chunks[c]; c++)
			srv_chunk(fd, st->chunks[c]);
		if (st->end == END_CLEAN)
			srv_write(fd, "0\r\n\r\n", 5);
		log->done = i + 1;
		if (st->end == END_HOLD)
			pause();
		close(fd);
	}
}

static void server_start(struct server *s, const struct step *steps, int nsteps)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(ls >= 0);
	assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(ls, 16), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&a, &al), 0);
	s->port = ntohs(a.sin_port);
	s->log =
	    mmap(NULL, sizeof(*s->log), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(s->log != MAP_FAILED);
	memset(s->log, 0, sizeof(*s->log));
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		signal(SIGPIPE, SIG_IGN);
		srv_main(ls, steps, nsteps, s->log);
		_exit(0);
	}
	close(ls);
	live_server = s;
}

static void server_stop(struct server *s)
{
	live_server = NULL;
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
	munmap(s->log, sizeof(*s->log));
}

static int teardown(void **state)
{
	(void)state;
	if (live_server)
		server_stop(live_server);
	return 0;
}

static struct kclient *client_for(const struct server *s)
{
	char url[64];
	struct kconfig kc = {.server = url, .namespace = "default"};

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", s->port);
	return kclient_new(&kc);
}

/* --- the informer's callbacks, recorded as text --- */

struct rec {
	char events[2048]; /* "+key" added, "~key" updated, "-key" removed, "S" synced */
	int synced;
};

static void rec_add(struct rec *r, const char *fmt, const char *key)
{
	size_t n = strlen(r->events);

	snprintf(r->events + n, sizeof(r->events) - n, "%s", n ? " " : "");
	n = strlen(r->events);
	snprintf(r->events + n, sizeof(r->events) - n, fmt, key);
}

static void on_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	char k[256];

	/* The key handed over is the object's own. */
	assert_true(informer_key(obj, k, sizeof(k)));
	assert_string_equal(k, key);
	rec_add(ud, old ? "~%s" : "+%s", key);
}

static void on_remove(void *ud, const char *key, const cJSON *old)
{
	assert_non_null(old);
	rec_add(ud, "-%s", key);
}

static void on_synced(void *ud)
{
	struct rec *r = ud;

	r->synced++;
	rec_add(r, "%s", "S");
}

static const struct informer_ops rec_ops = {on_upsert, on_remove, on_synced};

/* "key@rv" of every cached object, in key order. */
static void cache_one(void *ud, const char *key, const cJSON *obj)
{
	char *buf = ud;
	const cJSON *rv = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "resourceVersion");
	size_t n = strlen(buf);

	snprintf(buf + n, 1024 - n, "%s%s@%s", n ? " " : "", key,
		 cJSON_IsString(rv) ? rv->valuestring : "?");
}

/* --- driving the loop --- */

struct drive {
	struct server *srv;
	int nsteps;
	double settle_at; /* when every step was answered */
	bool timed_out;
};

static void poll_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct drive *d = t->data;

	(void)revents;
	if (d->srv->log->done < d->nsteps)
		return;
	if (!d->settle_at)
		d->settle_at = ev_now(loop);
	/* Let the client take in the last answer. */
	if (ev_now(loop) - d->settle_at > 0.3)
		ev_break(loop, EVBREAK_ALL);
}

static void guard_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct drive *d = t->data;

	(void)revents;
	d->timed_out = true;
	ev_break(loop, EVBREAK_ALL);
}

/* Run until the server has answered every step (or 20 s passed). */
static void drive(struct ev_loop *loop, struct server *srv, int nsteps)
{
	struct drive d = {.srv = srv, .nsteps = nsteps};
	ev_timer poll, guard;

	ev_timer_init(&poll, poll_cb, 0.01, 0.01);
	ev_timer_init(&guard, guard_cb, 20., 0.);
	poll.data = guard.data = &d;
	ev_timer_start(loop, &poll);
	ev_timer_start(loop, &guard);
	ev_run(loop, 0);
	ev_timer_stop(loop, &poll);
	ev_timer_stop(loop, &guard);
	if (d.timed_out)
		fail_msg("the script did not finish: %d of %d steps answered (%s)", srv->log->done,
			 nsteps, srv->log->problem);
}

static void stop_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)t;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

/* Run the loop for secs, whatever else is (not) active. */
static void run_for(struct ev_loop *loop, double secs)
{
	ev_timer t;

	ev_timer_init(&t, stop_cb, secs, 0.);
	ev_timer_start(loop, &t);
	ev_run(loop, 0);
	ev_timer_stop(loop, &t);
}

/* --- fixtures --- */

#define OBJ(name, rv)                                                                              \
	"{'kind':'Service','apiVersion':'v1','metadata':{'name':'" name "','namespace':'ns',"      \
	"'resourceVersion':'" rv "'},'spec':{'clusterIP':'10.96.0.1'}}"
#define LIST(rv, cont, items)                                                                      \
	"{'kind':'ServiceList','apiVersion':'v1','metadata':{'resourceVersion':'" rv               \
	"','continue':'" cont "'},'items':[" items "]}"
#define EV(type, obj) "{'type':'" type "','object':" obj "}\n"
#define BOOKMARK(rv)                                                                               \
	EV("BOOKMARK",                                                                             \
	   "{'kind':'Service','apiVersion':'v1','metadata':{'resourceVersion':'" rv "'}}")
#define STATUS(code, reason)                                                                       \
	"{'kind':'Status','apiVersion':'v1','metadata':{},'status':'Failure','message':'m',"       \
	"'reason':'" reason "','code':" #code "}"
#define LISTP	  "/api/v1/services?limit=500"
#define WATCH(rv) "watch=1&resourceVersion=" rv "&allowWatchBookmarks=true&timeoutSeconds="
/* Re-list or re-watch at once, and after the first back-off (1 s +-20%). */
#define AT_ONCE	  .max_gap = 0.5
#define BACKOFF_1 .min_gap = 0.75, .max_gap = 1.6
#define BACKOFF_2 .min_gap = 1.55, .max_gap = 2.9

struct scenario {
	const char *name;
	const char *selector;
	struct step steps[MAX_STEPS];
	const char *events;
	const char *cache;
	const char *rv;
	uint64_t lists, errors, watch_restarts;
};

static const struct scenario scenarios[] = {
    {"list, then watch events; a same-version MODIFIED changes nothing",
     NULL,
     {{.match = {LISTP},
       .absent = "continue",
       .chunks = {LIST("10", "", OBJ("a", "5") "," OBJ("b", "6"))}},
      {.match = {"/api/v1/services?", WATCH("10")},
       AT_ONCE,
       .chunks = {EV("ADDED", OBJ("c", "11")) EV("MODIFIED", OBJ("a", "12")),
		  EV("MODIFIED", OBJ("a", "12")), EV("DELETED", OBJ("b", "13"))},
       .end = END_HOLD}},
     "+ns/a +ns/b S +ns/c ~ns/a -ns/b",
     "ns/a@12 ns/c@11",
     "13",
     1,
     0,
     0},
    {"the label selector is sent URL-escaped on list and watch",
     "!service.kubernetes.io/headless,!service.kubernetes.io/service-proxy-name",
     {{.match = {LISTP "&labelSelector=%21service.kubernetes.io%2Fheadless%2C%21service."
		       "kubernetes.io%2Fservice-proxy-name"},
       .chunks = {LIST("3", "", OBJ("a", "2"))}},
      {.match = {WATCH("3"), "&labelSelector=%21service.kubernetes.io%2Fheadless%2C%21"},
       .end = END_HOLD}},
     "+ns/a S",
     "ns/a@2",
     "3",
     1,
     0,
     0},
    {"paging with continue (escaped, no resourceVersion on the next page)",
     NULL,
     {{.match = {LISTP},
       .absent = "continue",
       .chunks = {LIST("7", "tok/1+x=", OBJ("a", "1") "," OBJ("b", "2"))}},
      {.match = {LISTP "&continue=tok%2F1%2Bx%3D"},
       .absent = "resourceVersion",
       AT_ONCE,
       .chunks = {LIST("9", "", OBJ("c", "3"))}},
      {.match = {WATCH("9")}, .end = END_HOLD}},
     "+ns/a +ns/b +ns/c S",
     "ns/a@1 ns/b@2 ns/c@3",
     "9",
     1,
     0,
     0},
    {"a bookmark moves the resourceVersion and creates no object",
     NULL,
     {{.match = {LISTP}, .chunks = {LIST("10", "", OBJ("a", "4"))}},
      {.match = {WATCH("10")}, .chunks = {BOOKMARK("15")}},
      {.match = {WATCH("15")}, AT_ONCE, .end = END_HOLD}},
     "+ns/a S",
     "ns/a@4",
     "15",
     1,
     0,
     1},
    {"410 ERROR event: re-list at once, deletes synthesized for vanished keys",
     NULL,
     {{.match = {LISTP},
       .chunks = {LIST("10", "", OBJ("a", "1") "," OBJ("b", "2") "," OBJ("c", "3"))}},
      {.match = {WATCH("10")},
       .chunks = {EV("ADDED", OBJ("d", "11")), EV("ERROR", STATUS(410, "Expired"))}},
      {.match = {LISTP},
       .absent = "watch",
       AT_ONCE,
       .chunks = {LIST("20", "", OBJ("a", "1") "," OBJ("b", "12") "," OBJ("d", "11"))}},
      {.match = {WATCH("20")}, AT_ONCE, .end = END_HOLD}},
     "+ns/a +ns/b +ns/c S +ns/d ~ns/b -ns/c S",
     "ns/a@1 ns/b@12 ns/d@11",
     "20",
     2,
     1,
     1},
    {"another ERROR event: back off, then re-list",
     NULL,
     {{.match = {LISTP}, .chunks = {LIST("10", "", OBJ("a", "1"))}},
      {.match = {WATCH("10")}, .chunks = {EV("ERROR", STATUS(500, "InternalError"))}},
      {.match = {LISTP}, BACKOFF_1, .chunks = {LIST("11", "", OBJ("a", "1"))}},
      {.match = {WATCH("11")}, .end = END_HOLD}},
     "+ns/a S S",
     "ns/a@1",
     "11",
     2,
     1,
     1},
    {"410 answer to the watch: re-list at once",
     NULL,
     {{.match = {LISTP}, .chunks = {LIST("10", "", OBJ("a", "1") "," OBJ("b", "2"))}},
      {.match = {WATCH("10")}, .status = 410, .chunks = {STATUS(410, "Expired")}},
      {.match = {LISTP}, AT_ONCE, .chunks = {LIST("12", "", OBJ("a", "1"))}},
      {.match = {WATCH("12")}, .end = END_HOLD}},
     "+ns/a +ns/b S -ns/b S",
     "ns/a@1",
     "12",
     2,
     0,
     1},
    {"500 on list: back off 1 s, then 2 s, then list",
     NULL,
     {{.match = {LISTP}, .status = 500, .chunks = {STATUS(500, "InternalError")}},
      {.match = {LISTP}, BACKOFF_1, .status = 500, .chunks = {STATUS(500, "InternalError")}},
      {.match = {LISTP}, BACKOFF_2, .chunks = {LIST("5", "", OBJ("a", "1"))}},
      {.match = {WATCH("5")}, AT_ONCE, .end = END_HOLD}},
     "+ns/a S",
     "ns/a@1",
     "5",
     1,
     2,
     0},
    {"410 on an expired continue: list again from the first page",
     NULL,
     {{.match = {LISTP}, .chunks = {LIST("7", "tokA", OBJ("a", "1") "," OBJ("x", "2"))}},
      {.match = {"&continue=tokA"}, .status = 410, .chunks = {STATUS(410, "Expired")}},
      {.match = {LISTP},
       .absent = "continue",
       AT_ONCE,
       .chunks = {LIST("30", "", OBJ("a", "1") "," OBJ("b", "3"))}},
      {.match = {WATCH("30")}, .end = END_HOLD}},
     "+ns/a +ns/x +ns/b -ns/x S",
     "ns/a@1 ns/b@3",
     "30",
     1,
     0,
     0},
    {"a cut watch: back off, re-watch from the last version (no re-list)",
     NULL,
     {{.match = {LISTP}, .chunks = {LIST("10", "", OBJ("a", "1"))}},
      {.match = {WATCH("10")}, .chunks = {EV("ADDED", OBJ("b", "11"))}, .end = END_DROP},
      {.match = {WATCH("11")}, BACKOFF_1, .end = END_HOLD}},
     "+ns/a S +ns/b",
     "ns/a@1 ns/b@11",
     "11",
     1,
     1,
     1},
    {"a malformed list answer: back off, list again",
     NULL,
     {{.match = {LISTP}, .chunks = {"{'kind':'ServiceList','items':[{"}},
      {.match = {LISTP}, BACKOFF_1, .chunks = {"{'items':{}}"}},
      {.match = {LISTP}, BACKOFF_2, .chunks = {LIST("3", "", OBJ("a", "1"))}},
      {.match = {WATCH("3")}, .end = END_HOLD}},
     "+ns/a S",
     "ns/a@1",
     "3",
     1,
     2,
     0},
    {"junk is ignored: items null, unnamed objects, bad lines, odd events",
     NULL,
     {{.match = {LISTP}, .chunks = {"{'metadata':{'resourceVersion':'2'},'items':null}"}},
      {.match = {WATCH("2")},
       .chunks = {"not json\n{'type':'ADDED'}\n{'type':'ADDED','object':'x'}\n",
		  EV("ADDED", "{'metadata':{'namespace':'ns'}}"), EV("SURPRISE", OBJ("z", "4")),
		  EV("ADDED", "{'metadata':{'name':'cluster-wide','resourceVersion':'5'}}")},
       .end = END_HOLD}},
     "S +cluster-wide",
     "cluster-wide@5",
     "5",
     1,
     0,
     0},
};

static void run_scenario(const struct scenario *sc)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct server srv;
	struct kclient *c;
	struct informer *inf;
	struct informer_opts o = {
	    .path = "/api/v1/services", .label_selector = sc->selector, .name = "services"};
	struct rec r = {0};
	const struct informer_stats *st;
	char cache[1024] = "";
	int nsteps = 0;

	while (nsteps < MAX_STEPS && sc->steps[nsteps].match[0])
		nsteps++;
	server_start(&srv, sc->steps, nsteps);
	c = client_for(&srv);
	assert_non_null(c);
	inf = informer_new(c, loop, &o, &rec_ops, &r);
	assert_non_null(inf);
	informer_start(inf);
	/* Nothing happens before the loop runs. */
	assert_string_equal(r.events, "");
	drive(loop, &srv, nsteps);

	if (srv.log->problem[0])
		fail_msg("%s: %s", sc->name, srv.log->problem);
	if (srv.log->nreq != nsteps)
		fail_msg("%s: %d requests, want %d", sc->name, srv.log->nreq, nsteps);
	if (strcmp(r.events, sc->events))
		fail_msg("%s:\n  events [%s]\n  want   [%s]", sc->name, r.events, sc->events);
	informer_foreach(inf, cache_one, cache);
	if (strcmp(cache, sc->cache))
		fail_msg("%s:\n  cache [%s]\n  want  [%s]", sc->name, cache, sc->cache);
	st = informer_stats(inf);
	if (strcmp(st->rv, sc->rv) || st->lists != sc->lists || st->errors != sc->errors ||
	    st->watch_restarts != sc->watch_restarts)
		fail_msg("%s: rv %s lists %lu errors %lu restarts %lu; want %s %lu %lu %lu",
			 sc->name, st->rv, (unsigned long)st->lists, (unsigned long)st->errors,
			 (unsigned long)st->watch_restarts, sc->rv, (unsigned long)sc->lists,
			 (unsigned long)sc->errors, (unsigned long)sc->watch_restarts);
	assert_true(st->synced);
	{
		size_t n = sc->cache[0] ? 1 : 0;

		for (const char *p = sc->cache; *p; p++)
			n += *p == ' ';
		assert_int_equal(informer_size(inf), n);
	}
	informer_free(inf);
	kclient_free(c);
	server_stop(&srv);
	ev_loop_destroy(loop);
}

static void test_scenarios(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		print_message("  scenario: %s\n", scenarios[i].name);
		run_scenario(&scenarios[i]);
	}
}

/* --- the list does not block the loop --- */

struct tick {
	ev_timer t;
	int n;
	int at_sync; /* ticks counted when synced came */
};

static void tick_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	((struct tick *)t)->n++;
}

static struct tick *sync_tick;

static void tick_synced(void *ud)
{
	on_synced(ud);
	sync_tick->at_sync = sync_tick->n;
}

/* An API server that takes 1.5 s per list page: the loop keeps serving its
 * other watchers (a 10 ms timer here, /metrics and map updates in
 * skiff-node) while the list is in flight. */
static void test_slow_list_does_not_block(void **state)
{
	static const struct step steps[] = {
	    {.match = {LISTP}, .delay_ms = 1500, .chunks = {LIST("1", "p2", OBJ("a", "1"))}},
	    {.match = {"continue=p2"}, .delay_ms = 1500, .chunks = {LIST("2", "", OBJ("b", "2"))}},
	    {.match = {WATCH("2")}, .end = END_HOLD},
	};
	static const struct informer_ops ops = {on_upsert, on_remove, tick_synced};
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct informer_opts o = {.path = "/api/v1/services", .name = "services"};
	struct server srv;
	struct rec r = {0};
	struct tick tk = {0};
	struct kclient *c;
	struct informer *inf;
	double t0;

	(void)state;
	server_start(&srv, steps, 3);
	c = client_for(&srv);
	inf = informer_new(c, loop, &o, &ops, &r);
	ev_timer_init(&tk.t, tick_cb, 0.01, 0.01);
	ev_timer_start(loop, &tk.t);
	sync_tick = &tk;
	t0 = ev_time();
	informer_start(inf);
	drive(loop, &srv, 3);
	assert_string_equal(srv.log->problem, "");
	assert_string_equal(r.events, "+ns/a +ns/b S");
	assert_true(ev_time() - t0 >= 3.0);
	/* 3 s of listing: ~300 ticks if the loop never stalled; a blocking
	 * list would have let none through before synced. */
	if (tk.at_sync < 150)
		fail_msg("only %d ticks of 10 ms ran during a 3 s list", tk.at_sync);
	ev_timer_stop(loop, &tk.t);
	informer_free(inf);
	kclient_free(c);
	server_stop(&srv);
	ev_loop_destroy(loop);
}

/* Freeing the informer while a list page is in flight: no callback, no
 * leak (ASan under SAN=1). */
static void test_free_during_list(void **state)
{
	static const struct step steps[] = {
	    {.match = {LISTP}, .delay_ms = 300, .chunks = {LIST("1", "", OBJ("a", "1"))}},
	};
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct informer_opts o = {.path = "/api/v1/services", .name = "services"};
	struct server srv;
	struct rec r = {0};
	struct kclient *c;
	struct informer *inf;

	(void)state;
	server_start(&srv, steps, 1);
	c = client_for(&srv);
	inf = informer_new(c, loop, &o, &rec_ops, &r);
	informer_start(inf);
	/* Run until the request has reached the server. */
	for (int i = 0; i < 500 && srv.log->nreq < 1; i++) {
		ev_run(loop, EVRUN_NOWAIT);
		usleep(2000);
	}
	assert_int_equal(srv.log->nreq, 1);
	informer_free(inf);
	kclient_free(c);
	run_for(loop, 0.5); /* the answer would come now; nobody listens */
	assert_string_equal(r.events, "");
	server_stop(&srv);
	ev_loop_destroy(loop);
}

/* strip_managed_fields: listed and watched objects are cached without
 * metadata.managedFields, and nothing else of them is lost. */
static void test_strip_managed_fields(void **state)
{
#define MF_OBJ(name, rv)                                                                           \
	"{'kind':'Service','apiVersion':'v1','metadata':{'name':'" name "','namespace':'ns',"      \
	"'resourceVersion':'" rv "','managedFields':[{'manager':'kubectl'}]},"                     \
	"'spec':{'clusterIP':'10.96.0.1'}}"
	static const struct step steps[] = {
	    {.match = {LISTP}, .chunks = {LIST("1", "", MF_OBJ("a", "1"))}},
	    {.match = {WATCH("1")}, .chunks = {EV("ADDED", MF_OBJ("b", "2"))}, .end = END_HOLD},
	};
#undef MF_OBJ
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct informer_opts o = {
	    .path = "/api/v1/services", .name = "services", .strip_managed_fields = true};
	struct server srv;
	struct rec r = {0};
	struct kclient *c;
	struct informer *inf;

	(void)state;
	server_start(&srv, steps, 2);
	c = client_for(&srv);
	inf = informer_new(c, loop, &o, &rec_ops, &r);
	informer_start(inf);
	drive(loop, &srv, 2);
	assert_string_equal(srv.log->problem, "");
	for (const char *const *k = (const char *const[]){"ns/a", "ns/b", NULL}; *k; k++) {
		const cJSON *obj = informer_get(inf, *k);

		assert_non_null(obj);
		assert_null(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "managedFields"));
		assert_non_null(cJSON_GetObjectItemCaseSensitive(obj, "spec"));
	}
	informer_free(inf);
	kclient_free(c);
	server_stop(&srv);
	ev_loop_destroy(loop);
}

/* --- kreq_get --- */

struct kr {
	int calls;
	long status;
	char body[4096];
	size_t len;
	char err[256];
	struct kreq *self;
	bool cancel_in_done;
};

static void kr_done(void *ud, const struct kresp *resp)
{
	struct kr *k = ud;

	k->calls++;
	k->status = resp->status;
	k->len = resp->len;
	assert_non_null(resp->body);
	assert_int_equal(strlen(resp->body), resp->len); /* NUL-terminated */
	snprintf(k->body, sizeof(k->body), "%s", resp->body);
	snprintf(k->err, sizeof(k->err), "%s", resp->err);
	if (k->cancel_in_done)
		kreq_cancel(k->self); /* allowed; must not double-free */
}

static void test_kreq(void **state)
{
	static const struct step steps[] = {
	    /* A body in pieces, with newlines: delivered whole. */
	    {.match = {"/a"}, .chunks = {"{'x':\n", "1,\n'y'", ":[1,2]}"}},
	    /* A non-200 answer keeps its body. */
	    {.match = {"/b"}, .status = 404, .chunks = {STATUS(404, "NotFound")}},
	    /* Empty body. */
	    {.match = {"/c"}, .status = 200},
	    /* Cut mid-body: a transport error. */
	    {.match = {"/d"}, .chunks = {"{'partial':"}, .end = END_DROP},
	    /* Too slow for the client's timeout. */
	    {.match = {"/e"}, .delay_ms = 3000, .chunks = {"{}"}},
	};
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct server srv;
	struct kclient *c;
	struct kr k[5] = {0};
	const char *paths[] = {"/a", "/b", "/c", "/d", "/e"};
	double t0;

	(void)state;
	server_start(&srv, steps, 5);
	c = client_for(&srv);
	kclient_set_timeout(c, 400);
	/* One at a time: the script is sequential. */
	for (int i = 0; i < 5; i++) {
		k[i].cancel_in_done = i == 0;
		t0 = ev_time();
		k[i].self = kreq_get(c, loop, paths[i], kr_done, &k[i]);
		assert_non_null(k[i].self);
		assert_int_equal(k[i].calls, 0); /* not before the loop runs */
		ev_run(loop, 0);		 /* returns when the request is done */
		assert_int_equal(k[i].calls, 1);
		if (i == 4)
			assert_true(ev_time() - t0 < 2.0);
	}
	assert_int_equal(k[0].status, 200);
	assert_string_equal(k[0].body, "{\"x\":\n1,\n\"y\":[1,2]}");
	assert_int_equal(k[0].len, strlen(k[0].body));
	assert_int_equal(k[1].status, 404);
	assert_non_null(strstr(k[1].body, "NotFound"));
	assert_int_equal(k[2].status, 200);
	assert_string_equal(k[2].body, "");
	assert_int_equal(k[3].status, 0);
	assert_true(strlen(k[3].err) > 0);
	assert_int_equal(k[4].status, 0);
	if (!strcasestr(k[4].err, "timed out") && !strcasestr(k[4].err, "timeout"))
		fail_msg("not a timeout: %s", k[4].err);
	assert_string_equal(srv.log->problem, "");

	/* Cancelled before the loop runs: never called back. */
	{
		struct kr late = {0};
		struct kreq *q = kreq_get(c, loop, "/f", kr_done, &late);

		assert_non_null(q);
		kreq_cancel(q);
		kreq_cancel(NULL);
		ev_run(loop, 0);
		assert_int_equal(late.calls, 0);
	}
	/* Arguments are checked. */
	assert_null(kreq_get(c, loop, "/x", NULL, NULL));
	assert_null(kreq_get(NULL, loop, "/x", kr_done, NULL));
	kclient_free(c);
	server_stop(&srv);
	ev_loop_destroy(loop);
}

/* Connection refused: status 0 with a reason, on the loop. */
static void test_kreq_refused(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct kconfig kc = {.namespace = "default"};
	struct kclient *c;
	struct kr k = {0};
	char url[64];

	(void)state;
	/* A port that was free a moment ago. */
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
	close(s);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(a.sin_port));
	kc.server = url;
	c = kclient_new(&kc);
	assert_non_null(kreq_get(c, loop, "/x", kr_done, &k));
	kclient_free(c); /* the request keeps the client alive */
	ev_run(loop, 0);
	assert_int_equal(k.calls, 1);
	assert_int_equal(k.status, 0);
	assert_true(strlen(k.err) > 0);
	ev_loop_destroy(loop);
}

/* --- informer_key --- */

static void test_informer_key(void **state)
{
	static const struct {
		const char *json;
		const char *want;
	} cases[] = {
	    {"{\"metadata\":{\"name\":\"web\",\"namespace\":\"prod\"}}", "prod/web"},
	    {"{\"metadata\":{\"name\":\"node1\"}}", "node1"},
	    {"{\"metadata\":{\"name\":\"node1\",\"namespace\":\"\"}}", "node1"},
	    {"{\"metadata\":{\"name\":\"\",\"namespace\":\"prod\"}}", NULL},
	    {"{\"metadata\":{\"namespace\":\"prod\"}}", NULL},
	    {"{\"metadata\":{\"name\":5}}", NULL},
	    {"{\"metadata\":null}", NULL},
	    {"[]", NULL},
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *o = cJSON_Parse(cases[i].json);
		bool ok = informer_key(o, buf, sizeof(buf));

		assert_int_equal(ok, cases[i].want != NULL);
		if (ok)
			assert_string_equal(buf, cases[i].want);
		cJSON_Delete(o);
	}
	{
		cJSON *o = cJSON_Parse(cases[0].json);

		assert_false(informer_key(o, buf, 5)); /* would be cut */
		cJSON_Delete(o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_informer_key),
	    cmocka_unit_test_teardown(test_kreq, teardown),
	    cmocka_unit_test(test_kreq_refused),
	    cmocka_unit_test_teardown(test_scenarios, teardown),
	    cmocka_unit_test_teardown(test_slow_list_does_not_block, teardown),
	    cmocka_unit_test_teardown(test_free_during_list, teardown),
	    cmocka_unit_test_teardown(test_strip_managed_fields, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	log_set_level(LOG_ERR); /* the informer's retries are expected here */
	return cmocka_run_group_tests_name("informer", tests, NULL, NULL);
}
