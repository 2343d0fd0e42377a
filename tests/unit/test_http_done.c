/* Unit tests for http_req_on_done (controlplane/http/http.c): an http server
 * on a loopback port inside an ev loop, talked to with raw sockets from the
 * same thread (the test pumps the loop while it waits for bytes). Each test
 * checks that the hook ran exactly once, with the status the client saw,
 * and only once the request was really over. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <ev.h>

#include "http/http.h"

struct fix {
	struct ev_loop *loop;
	struct http_server *srv;
	int port;
	int calls;		/* hook calls */
	int status;		/* status of the last one */
	int replaced_calls;	/* calls of a hook that was replaced */
	int handled;		/* handler calls */
	int closes;		/* stream on_close calls */
	int closes_at_done;	/* ... when the hook ran */
	struct http_stream *st; /* live stream, NULL once closed */
	char in[8192];		/* bytes the client read */
	size_t in_len;
};

static void on_done(void *ud, int status)
{
	struct fix *f = ud;

	f->calls++;
	f->status = status;
	f->closes_at_done = f->closes;
}

static void on_done_replaced(void *ud, int status)
{
	((struct fix *)ud)->replaced_calls++;
}

static void on_close(void *ud)
{
	struct fix *f = ud;

	f->closes++;
	f->st = NULL;
}

static void handler(void *ud, struct http_req *req)
{
	struct fix *f = ud;
	const char *path = http_req_path(req);

	f->handled++;
	if (!strcmp(path, "/replace"))
		http_req_on_done(req, on_done_replaced, f);
	http_req_on_done(req, on_done, f);
	if (!strcmp(path, "/watch")) {
		f->st = http_reply_stream(req, "application/json", on_close, f);
		assert_non_null(f->st);
		assert_int_equal(http_stream_write(f->st, "hello\n", 6), 0);
		return;
	}
	http_reply(req, 201, "text/plain", "made\n", 5);
	if (!strcmp(path, "/defer"))
		http_req_defer(req);
}

/* A port that was free a moment ago; http_server_start retries on a race. */
static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	int err = -EADDRINUSE;

	assert_non_null(f);
	f->loop = ev_loop_new(EVFLAG_AUTO);
	for (int i = 0; i < 10 && err == -EADDRINUSE; i++) {
		struct http_opts o = {.bind_address = "127.0.0.1", .max_body = 1024};

		o.port = f->port = free_port();
		err = http_server_start(f->loop, &o, handler, NULL, f, &f->srv);
	}
	assert_int_equal(err, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	http_server_stop(f->srv);
	ev_loop_destroy(f->loop);
	free(f);
	return 0;
}

static int cli_connect(struct fix *f)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)f->port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	assert_true(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 || errno == EINPROGRESS);
	return fd;
}

/* One turn: run the loop, poke an idle stream (as the watch code does so a
 * client that left is noticed), read what arrived on fd (if fd >= 0). */
static void pump_once(struct fix *f, int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	ev_run(f->loop, EVRUN_NOWAIT);
	if (f->st)
		http_stream_poke(f->st);
	if (poll(fd >= 0 ? &p : NULL, fd >= 0, 5) == 1 && (p.revents & POLLIN)) {
		ssize_t n = read(fd, f->in + f->in_len, sizeof(f->in) - 1 - f->in_len);

		if (n > 0)
			f->in_len += (size_t)n;
	}
}

/* Turn until *flag reaches want, or the bytes read contain needle, or 5 s
 * pass. */
static bool pump(struct fix *f, int fd, const int *flag, int want, const char *needle)
{
	for (int i = 0; i < 1000; i++) {
		if (flag && *flag >= want)
			return true;
		if (needle && memmem(f->in, f->in_len, needle, strlen(needle)))
			return true;
		pump_once(f, fd);
	}
	return false;
}

static void cli_send(int fd, const char *req)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};

	assert_int_equal(poll(&p, 1, 2000), 1);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
}

/* Some more loop turns (0.2 s), so a second (wrong) call would happen. */
static void settle(struct fix *f, int fd)
{
	for (int i = 0; i < 40; i++)
		pump_once(f, fd);
}

/* Connect and send "GET path". */
static int cli_get(struct fix *f, const char *path)
{
	char req[256];
	int fd = cli_connect(f);

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
	cli_send(fd, req);
	return fd;
}

/* The hook runs with status, the client gets body (fd >= 0), and the hook
 * has run exactly once a while later. */
static void expect_done(struct fix *f, int fd, int status, const char *body)
{
	assert_true(pump(f, fd, &f->calls, 1, NULL));
	assert_int_equal(f->status, status);
	if (body)
		assert_true(pump(f, fd, NULL, 0, body));
	settle(f, fd);
	assert_int_equal(f->calls, 1);
}

static void test_plain_reply(void **state)
{
	struct fix *f = *state;
	int fd = cli_get(f, "/plain");

	expect_done(f, fd, 201, "made\n");
	assert_non_null(strstr(f->in, "HTTP/1.1 201"));
	/* keep-alive: the next request on the connection has its own call */
	cli_send(fd, "GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_true(pump(f, fd, &f->calls, 2, NULL));
	settle(f, fd);
	assert_int_equal(f->calls, 2);
	close(fd);
}

static void test_replaced_hook(void **state)
{
	struct fix *f = *state;
	int fd = cli_get(f, "/replace");

	expect_done(f, fd, 201, "made\n");
	assert_int_equal(f->replaced_calls, 0);
	close(fd);
}

/* A deferred request is not over while its reply is held back. */
static int deferred_request(struct fix *f)
{
	int fd = cli_get(f, "/defer");

	assert_true(pump(f, fd, &f->handled, 1, NULL));
	settle(f, fd);
	assert_int_equal(f->calls, 0);
	assert_int_equal(f->in_len, 0);
	return fd;
}

static void test_deferred_reply(void **state)
{
	struct fix *f = *state;
	int fd = deferred_request(f);

	http_release_deferred(f->srv);
	expect_done(f, fd, 201, "made\n");
	close(fd);
}

static void test_failed_deferred_reply(void **state)
{
	struct fix *f = *state;
	int fd = deferred_request(f);

	http_fail_deferred(f->srv, 503, "text/plain", "lost\n", 5);
	expect_done(f, fd, 503, "lost\n");
	close(fd);
}

static void test_client_gone_while_deferred(void **state)
{
	struct fix *f = *state;
	int fd = deferred_request(f);

	close(fd);
	settle(f, -1);
	http_release_deferred(f->srv);
	expect_done(f, -1, 201, NULL); /* the code queued */
}

/* A watch stream that has sent its first bytes and is not over. */
static int stream_request(struct fix *f)
{
	int fd = cli_get(f, "/watch");

	assert_true(pump(f, fd, NULL, 0, "hello\n"));
	settle(f, fd);
	assert_int_equal(f->calls, 0);
	assert_non_null(f->st);
	return fd;
}

static void test_stream_end(void **state)
{
	struct fix *f = *state;
	int fd = stream_request(f);

	http_stream_end(f->st);
	expect_done(f, fd, 200, "\r\n0\r\n\r\n"); /* the last chunk */
	assert_true(pump(f, fd, &f->closes, 1, NULL));
	assert_int_equal(f->closes_at_done, 0); /* the hook runs first */
	close(fd);
}

static void test_stream_client_gone(void **state)
{
	struct fix *f = *state;

	close(stream_request(f));
	/* pump pokes the idle stream, as the watch code does */
	expect_done(f, -1, 200, NULL);
	assert_int_equal(f->closes, 1);
}

static void test_413_no_handler_no_hook(void **state)
{
	struct fix *f = *state;
	int fd = cli_connect(f);

	cli_send(fd, "PUT /big HTTP/1.1\r\nHost: x\r\nContent-Length: 999999\r\n\r\n");
	assert_true(pump(f, fd, NULL, 0, "RequestEntityTooLarge"));
	settle(f, fd);
	assert_int_equal(f->handled, 0);
	assert_int_equal(f->calls, 0);
	close(fd);
}

static void test_server_stop_with_open_stream(void **state)
{
	struct fix *f = *state;
	int fd = stream_request(f);

	http_server_stop(f->srv);
	f->srv = NULL;
	assert_int_equal(f->calls, 1);
	assert_int_equal(f->status, 200);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_plain_reply, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_replaced_hook, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deferred_reply, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failed_deferred_reply, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stream_end, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stream_client_gone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_client_gone_while_deferred, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_413_no_handler_no_hook, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_server_stop_with_open_stream, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
