/* Unit tests for lib/kclient.c against a small HTTP/1.1 server forked by
 * the test on 127.0.0.1: blocking requests (method, headers, body),
 * transport errors, and kwatch on libev — lines split across chunks,
 * non-200 answers, kwatch_stop() from inside callbacks, several watches on
 * one loop, and a client freed while its watch runs. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <ev.h>
#include "kclient.h"

static pid_t server_pid;
static int server_port;
static int accept_pipe[2]; /* the server writes a byte per connection */

/* --- the test server (runs in forked children) --- */

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

static void srv_chunk(int fd, const char *s)
{
	char hdr[32];

	snprintf(hdr, sizeof(hdr), "%zx\r\n", strlen(s));
	srv_write(fd, hdr, strlen(hdr));
	srv_write(fd, s, strlen(s));
	srv_write(fd, "\r\n", 2);
	/* Separate TCP segments, so the client really sees separate reads. */
	usleep(20000);
}

static const char *srv_header(const char *req, const char *name)
{
	static char val[512];
	const char *p = strcasestr(req, name);
	size_t n;

	if (!p)
		return "";
	p += strlen(name);
	while (*p == ' ')
		p++;
	n = strcspn(p, "\r\n");
	snprintf(val, sizeof(val), "%.*s", (int)n, p);
	return val;
}

/* JSON-escape-free echo: our test values contain no quotes. */
static void srv_reply_json(int fd, int status, const char *body)
{
	char hdr[256];

	snprintf(hdr, sizeof(hdr),
		 "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
		 status, strlen(body));
	srv_write(fd, hdr, strlen(hdr));
	srv_write(fd, body, strlen(body));
}

static void srv_conn(int fd)
{
	char req[16384], method[16], path[256], body[4096] = "", out[8192];
	size_t len = 0;
	char *end;
	long clen;

	for (;;) {
		/* One request per connection is not assumed: loop for keep-alive. */
		ssize_t n;

		while (!(end = memmem(req, len, "\r\n\r\n", 4))) {
			n = read(fd, req + len, sizeof(req) - 1 - len);
			if (n <= 0)
				_exit(0);
			len += n;
		}
		req[len] = '\0';
		if (sscanf(req, "%15s %255s", method, path) != 2)
			_exit(1);
		clen = atol(srv_header(req, "Content-Length:"));
		{
			size_t hl = end + 4 - req;

			while (len < hl + clen) {
				n = read(fd, req + len, sizeof(req) - 1 - len);
				if (n <= 0)
					_exit(0);
				len += n;
			}
			snprintf(body, sizeof(body), "%.*s", (int)clen, req + hl);
			memmove(req, req + hl + clen, len - hl - clen);
			len -= hl + clen;
		}
		if (!strncmp(path, "/echo", 5)) {
			char auth[512], ctype[512];

			snprintf(auth, sizeof(auth), "%s", srv_header(req, "Authorization:"));
			snprintf(ctype, sizeof(ctype), "%s", srv_header(req, "Content-Type:"));
			snprintf(
			    out, sizeof(out),
			    "{\"method\":\"%s\",\"path\":\"%s\",\"auth\":\"%s\",\"ctype\":\"%s\","
			    "\"accept\":\"%s\",\"gzip\":%s,\"body\":%s}",
			    method, path, auth, ctype, srv_header(req, "Accept:"),
			    strcasestr(req, "gzip") ? "true" : "false", body[0] ? body : "null");
			srv_reply_json(fd, 200, out);
			continue;
		}
		if (!strcmp(path, "/gone")) {
			srv_reply_json(fd, 410,
				       "{\"kind\":\"Status\",\"reason\":\"Expired\",\"code\":410}");
			continue;
		}
		if (!strncmp(path, "/watch", 6)) {
			const char *h = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
					"Transfer-Encoding: chunked\r\n\r\n";

			srv_write(fd, h, strlen(h));
			if (!strcmp(path, "/watch/slow")) {
				srv_chunk(fd, "{\"n\":1}\n");
				sleep(30); /* the client stops us first */
				_exit(0);
			}
			if (!strcmp(path, "/watch/burst")) {
				srv_chunk(fd, "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n{\"n\":4}\n");
				srv_chunk(fd, "{\"n\":5}\n");
			} else {
				/* Lines cut at awkward places, CRLF, and an empty line. */
				srv_chunk(fd, "{\"n\":1}\n{\"n\"");
				srv_chunk(fd, ":2}\r\n");
				srv_chunk(fd, "\n{\"n\":3}\n{\"n\":4}");
				srv_chunk(fd, "\n{\"n\":");
				srv_chunk(fd, "5}"); /* the last line has no '\n' */
			}
			srv_write(fd, "0\r\n\r\n", 5);
			_exit(0);
		}
		srv_reply_json(fd, 404, "{\"kind\":\"Status\",\"code\":404}");
	}
}

static int start_server(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int ls = socket(AF_INET, SOCK_STREAM, 0);

	(void)state;
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 64) ||
	    getsockname(ls, (struct sockaddr *)&a, &al))
		return -1;
	server_port = ntohs(a.sin_port);
	if (pipe(accept_pipe))
		return -1;
	server_pid = fork();
	if (server_pid < 0)
		return -1;
	if (server_pid == 0) {
		signal(SIGCHLD, SIG_IGN); /* no zombies from per-connection children */
		signal(SIGPIPE, SIG_IGN);
		setpgid(0, 0);
		for (;;) {
			int fd = accept(ls, NULL, NULL);

			if (fd < 0)
				continue;
			if (write(accept_pipe[1], "c", 1) < 0)
				_exit(1);
			if (fork() == 0) {
				close(ls);
				srv_conn(fd);
				_exit(0);
			}
			close(fd);
		}
	}
	close(ls);
	return 0;
}

static int stop_server(void **state)
{
	(void)state;
	if (server_pid > 0) {
		kill(-server_pid, SIGKILL);
		kill(server_pid, SIGKILL);
		waitpid(server_pid, NULL, 0);
	}
	return 0;
}

static struct kclient *new_client(const char *token)
{
	char url[64];
	struct kconfig kc = {.server = url, .token = (char *)token, .namespace = "default"};

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", server_port);
	return kclient_new(&kc);
}

/* --- blocking requests --- */

static void test_request_echo(void **state)
{
	struct kclient *c = new_client("tok123");
	const char *patch = "{\"spec\":{\"replicas\":3}}";
	struct kresp r;

	(void)state;
	assert_non_null(c);
	assert_int_equal(kclient_request(c, "PATCH", "/echo/x?a=1", "application/merge-patch+json",
					 patch, strlen(patch), NULL, &r),
			 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"method\":\"PATCH\""));
	assert_non_null(strstr(r.body, "\"path\":\"/echo/x?a=1\""));
	assert_non_null(strstr(r.body, "\"auth\":\"Bearer tok123\""));
	assert_non_null(strstr(r.body, "\"ctype\":\"application/merge-patch+json\""));
	assert_non_null(strstr(r.body, "\"accept\":\"application/json\""));
	assert_non_null(strstr(r.body, "\"gzip\":false"));
	assert_non_null(strstr(r.body, "\"body\":{\"spec\":{\"replicas\":3}}"));
	kresp_free(&r);

	/* The same client again (connection reused), GET with a custom Accept. */
	assert_int_equal(kclient_request(c, "GET", "/echo", NULL, NULL, 0, "application/yaml", &r),
			 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"method\":\"GET\""));
	assert_non_null(strstr(r.body, "\"accept\":\"application/yaml\""));
	assert_non_null(strstr(r.body, "\"body\":null"));
	kresp_free(&r);

	/* DELETE carries a body, as kubectl's does. */
	assert_int_equal(
	    kclient_request(c, "DELETE", "/echo", "application/json", "{}", 2, NULL, &r), 0);
	assert_non_null(strstr(r.body, "\"method\":\"DELETE\""));
	assert_non_null(strstr(r.body, "\"body\":{}"));
	kresp_free(&r);

	/* Any HTTP answer is a success at this level. */
	assert_int_equal(kclient_request(c, "GET", "/nothing", NULL, NULL, 0, NULL, &r), 0);
	assert_int_equal(r.status, 404);
	kresp_free(&r);
	kclient_free(c);
}

static void test_request_transport_error(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct kconfig kc = {.namespace = "default"};
	struct kclient *c;
	struct kresp r;
	char url[64];

	(void)state;
	/* A port that was free a moment ago: connection refused. */
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
	close(s);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(a.sin_port));
	kc.server = url;
	c = kclient_new(&kc);
	assert_int_equal(kclient_request(c, "GET", "/x", NULL, NULL, 0, NULL, &r), -EIO);
	assert_int_equal(r.status, 0);
	assert_true(strlen(r.err) > 0);
	kresp_free(&r);
	kclient_free(c);
}

static void test_escape(void **state)
{
	char *e = kclient_escape("!a,b in (x y)/=~");

	(void)state;
	assert_string_equal(e, "%21a%2Cb%20in%20%28x%20y%29%2F%3D~");
	free(e);
}

/* --- kwatch --- */

struct wstate {
	char lines[16][64];
	int nlines;
	int done_calls;
	long status;
	char body[256];
	bool has_err;
	int stop_after;	   /* kwatch_stop() from on_line after this many */
	bool stop_in_done; /* kwatch_stop() from on_done */
	struct kwatch *w;
	struct kwatch *stop_other; /* another watch to stop from on_done */
};

static void w_line(void *ud, const char *line, size_t len)
{
	struct wstate *s = ud;

	assert_int_equal(strlen(line), len); /* NUL-terminated at len */
	assert_true(s->nlines < 16);
	snprintf(s->lines[s->nlines++], 64, "%s", line);
	if (s->stop_after && s->nlines == s->stop_after)
		kwatch_stop(s->w);
}

static void w_done(void *ud, long status, const char *body, const char *err)
{
	struct wstate *s = ud;

	s->done_calls++;
	s->status = status;
	snprintf(s->body, sizeof(s->body), "%s", body ? body : "");
	s->has_err = err != NULL;
	if (s->stop_in_done)
		kwatch_stop(s->w);
	if (s->stop_other) {
		kwatch_stop(s->stop_other);
		s->stop_other = NULL;
	}
}

static void guard_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)t;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
	fail_msg("event loop did not finish in time");
}

/* Run the loop until no watch is left (a guard timer fails the test). */
static void run_loop(struct ev_loop *loop)
{
	ev_timer guard;

	ev_timer_init(&guard, guard_cb, 10., 0.);
	ev_timer_start(loop, &guard);
	ev_unref(loop); /* the guard alone must not keep the loop running */
	ev_run(loop, 0);
	ev_ref(loop);
	ev_timer_stop(loop, &guard);
}

static void assert_five_lines(const struct wstate *s)
{
	assert_int_equal(s->nlines, 5);
	for (int i = 0; i < 5; i++) {
		char want[16];

		snprintf(want, sizeof(want), "{\"n\":%d}", i + 1);
		assert_string_equal(s->lines[i], want);
	}
}

static void test_watch_lines_across_chunks(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct kclient *c = new_client("t");
	struct wstate s = {0};

	(void)state;
	s.w = kwatch_start(c, loop, "/watch", w_line, w_done, &s);
	assert_non_null(s.w);
	/* Nothing is delivered before the loop runs. */
	assert_int_equal(s.nlines + s.done_calls, 0);
	run_loop(loop);
	assert_five_lines(&s);
	assert_int_equal(s.done_calls, 1);
	assert_int_equal(s.status, 200);
	assert_false(s.has_err);
	kclient_free(c);
	ev_loop_destroy(loop);
}

static void test_watch_non_200(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct kclient *c = new_client("t");
	struct wstate s = {0};

	(void)state;
	s.w = kwatch_start(c, loop, "/gone", w_line, w_done, &s);
	run_loop(loop);
	assert_int_equal(s.nlines, 0);
	assert_int_equal(s.done_calls, 1);
	assert_int_equal(s.status, 410);
	assert_non_null(strstr(s.body, "Expired"));
	kclient_free(c);
	ev_loop_destroy(loop);
}

static void test_watch_transport_error(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct kconfig kc = {.server = "http://127.0.0.1:1", .namespace = "default"};
	struct kclient *c = kclient_new(&kc);
	struct wstate s = {0};

	(void)state;
	s.w = kwatch_start(c, loop, "/watch", w_line, w_done, &s);
	run_loop(loop);
	assert_int_equal(s.done_calls, 1);
	assert_int_equal(s.status, 0);
	assert_true(s.has_err);
	kclient_free(c);
	ev_loop_destroy(loop);
}

static void test_watch_stop_in_line(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct kclient *c = new_client("t");
	struct wstate s = {.stop_after = 2};

	(void)state;
	/* All five lines arrive in one read: the stop must cut the rest. */
	s.w = kwatch_start(c, loop, "/watch/burst", w_line, w_done, &s);
	run_loop(loop);
	assert_int_equal(s.nlines, 2);
	assert_int_equal(s.done_calls, 0);
	kclient_free(c);
	ev_loop_destroy(loop);
}

static void test_watch_stop_in_done(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct kclient *c = new_client("t");
	struct wstate s = {.stop_in_done = true};

	(void)state;
	s.w = kwatch_start(c, loop, "/watch", w_line, w_done, &s);
	run_loop(loop);
	assert_five_lines(&s);
	assert_int_equal(s.done_calls, 1);
	kclient_free(c);
	ev_loop_destroy(loop);
}

static void test_watch_concurrent(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct kclient *c = new_client("t");
	struct wstate s[3] = {0}, slow = {0};

	(void)state;
	slow.w = kwatch_start(c, loop, "/watch/slow", w_line, w_done, &slow);
	for (int i = 0; i < 3; i++)
		s[i].w = kwatch_start(c, loop, i == 1 ? "/watch/burst" : "/watch", w_line, w_done,
				      &s[i]);
	/* The slow stream never ends: the last finisher stops it. */
	s[0].stop_other = slow.w;
	/* The client may go away while its watches run. */
	kclient_free(c);
	run_loop(loop);
	for (int i = 0; i < 3; i++) {
		assert_five_lines(&s[i]);
		assert_int_equal(s[i].done_calls, 1);
		assert_int_equal(s[i].status, 200);
	}
	/* s[0] may finish before slow's first line; at most one line. */
	assert_true(slow.nlines <= 1);
	assert_int_equal(slow.done_calls, 0);
	ev_loop_destroy(loop);
}

static void test_watch_stop_before_run(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct kclient *c = new_client("t");
	struct wstate s = {0};

	(void)state;
	s.w = kwatch_start(c, loop, "/watch", w_line, w_done, &s);
	kwatch_stop(s.w);
	kwatch_stop(NULL);
	run_loop(loop);
	assert_int_equal(s.nlines + s.done_calls, 0);
	kclient_free(c);
	ev_loop_destroy(loop);
}

/* Connections the server accepted since the last call. */
static int accepted(void)
{
	char b[256];
	int n = 0, k;

	fcntl(accept_pipe[0], F_SETFL, O_NONBLOCK);
	while ((k = read(accept_pipe[0], b, sizeof(b))) > 0)
		n += k;
	return n;
}

struct rstate {
	int done, ok, order[32];
	struct kreq *cancel; /* cancelled from the first answer */
};

static void r_done(void *ud, const struct kresp *r)
{
	struct rstate *s = ud;

	if (r->status == 200 && strstr(r->body, "\"method\":\"GET\""))
		s->ok++;
	if (s->done < 32)
		sscanf(strstr(r->body, "/echo/") ? strstr(r->body, "/echo/") + 6 : "-1", "%d",
		       &s->order[s->done]);
	s->done++;
	if (s->cancel) {
		kreq_cancel(s->cancel);
		s->cancel = NULL;
	}
}

/* A burst of kreqs: all answered, over at most
 * KCLIENT_MAX_INFLIGHT connections (the rest wait, then reuse them); a
 * queued one cancelled meanwhile is never answered. */
static void test_kreq_burst(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct kclient *c = new_client("t");
	struct rstate s = {0};
	struct kreq *last = NULL;
	char path[32];

	(void)state;
	accepted();
	for (int i = 0; i < 24; i++) {
		snprintf(path, sizeof(path), "/echo/%d", i);
		last = kreq_get(c, loop, path, r_done, &s);
		assert_non_null(last);
	}
	s.cancel = last; /* still queued when the first answer comes */
	run_loop(loop);
	assert_int_equal(s.done, 23);
	assert_int_equal(s.ok, 23);
	{
		/* every one but the cancelled last (23) answered, once */
		int seen = 0;

		for (int i = 0; i < 23; i++) {
			assert_true(s.order[i] >= 0 && s.order[i] < 23);
			seen |= 1 << s.order[i];
		}
		assert_int_equal(seen, (1 << 23) - 1);
	}
	assert_true(accepted() <= KCLIENT_MAX_INFLIGHT);
	/* the connections are kept: a blocking request reuses one */
	{
		struct kresp r;

		assert_int_equal(kclient_request(c, "GET", "/echo", NULL, NULL, 0, NULL, &r), 0);
		assert_int_equal(r.status, 200);
		kresp_free(&r);
		assert_int_equal(accepted(), 0);
	}
	kclient_free(c);
	ev_loop_destroy(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_request_echo),
	    cmocka_unit_test(test_request_transport_error),
	    cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_watch_lines_across_chunks),
	    cmocka_unit_test(test_watch_non_200),
	    cmocka_unit_test(test_watch_transport_error),
	    cmocka_unit_test(test_watch_stop_in_line),
	    cmocka_unit_test(test_watch_stop_in_done),
	    cmocka_unit_test(test_watch_concurrent),
	    cmocka_unit_test(test_watch_stop_before_run),
	    cmocka_unit_test(test_kreq_burst),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("kclient", tests, start_server, stop_server);
}
