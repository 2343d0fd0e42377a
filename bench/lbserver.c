/* lbserver: the backend ("pod") of the dataplane benchmark.
 *
 * One single-threaded epoll server per backend network namespace: accept,
 * read one request line (up to '\n'), optionally wait, reply
 * "OK <name>\n" and close. The server closes first so that TIME_WAIT lands
 * on the backend, never on the load generator's ephemeral ports.
 *
 * Delay model (-d, -w): the backend has W workers; each request occupies
 * one for d microseconds (a queue, not a sleep per request), so a slow
 * backend is also a backend with less capacity and requests queue up on it
 * when a balancer keeps sending work there. Completion times are computed
 * at arrival (earliest free worker), which makes them non-decreasing in
 * arrival order: a FIFO plus one timerfd is an exact scheduler. No CPU is
 * burned while "working", so the 2-core benchmark machine stays free for
 * the peers being measured. -w 0 means unlimited workers (pure delay).
 *
 * -k: keep-alive: a connection stays open after its reply and may send the
 * next request (the per-flow throughput figure); the client closes.
 *
 * Usage: lbserver -l ADDR:PORT -n NAME [-d DELAY_US] [-w WORKERS] [-k]
 * Exits on SIGTERM/SIGINT, printing "served=N" to stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define SRV_MAX_EVENTS	256
#define SRV_REQ_MAX	512 /* a request line longer than this is cut */
#define SRV_MAX_WORKERS 64  /* -w limit */

/* One accepted connection. */
struct srv_conn {
	int fd;
	size_t got;	       /* request bytes read so far */
	uint64_t done_ns;      /* when its worker finishes (queued) */
	struct srv_conn *next; /* FIFO of delayed replies */
};

/* Tags in epoll_event.data.ptr that are not connections. */
static char srv_tag_listen, srv_tag_timer;

static volatile sig_atomic_t srv_stop;

static struct {
	int epfd, lfd, tfd;
	char reply[128];
	size_t reply_len;
	uint64_t delay_ns;
	unsigned workers;
	uint64_t free_at[SRV_MAX_WORKERS]; /* per worker: busy until */
	struct srv_conn *qhead, *qtail;	   /* delayed replies, by done_ns */
	uint64_t served;
	bool keepalive;
} S;

static uint64_t srv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void srv_on_signal(int sig)
{
	(void)sig;
	srv_stop = 1;
}

static void srv_close(struct srv_conn *c)
{
	close(c->fd); /* also removes it from the epoll set */
	free(c);
}

/* Write the reply and close. The reply is tiny, so one send() fits in the
 * socket buffer; a peer that went away just makes it fail. */
static void srv_reply(struct srv_conn *c)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};

	if (send(c->fd, S.reply, S.reply_len, MSG_NOSIGNAL) != (ssize_t)S.reply_len) {
		srv_close(c);
		return;
	}
	S.served++;
	if (!S.keepalive) {
		srv_close(c);
		return;
	}
	/* the next request on the same connection; a delayed reply had taken
	 * it out of the epoll set */
	c->got = 0;
	if (S.delay_ns && epoll_ctl(S.epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		srv_close(c);
}

static void srv_arm_timer(void)
{
	struct itimerspec its = {0};

	if (S.qhead) {
		its.it_value.tv_sec = (time_t)(S.qhead->done_ns / 1000000000ull);
		its.it_value.tv_nsec = (long)(S.qhead->done_ns % 1000000000ull);
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	timerfd_settime(S.tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* A complete request arrived: reply now, or queue it behind the earliest
 * free worker. */
static void srv_request_done(struct srv_conn *c)
{
	uint64_t now, start;
	unsigned i, best = 0;

	if (!S.delay_ns) {
		srv_reply(c);
		return;
	}
	/* Stop reading from it; the reply is only a timer away. */
	epoll_ctl(S.epfd, EPOLL_CTL_DEL, c->fd, NULL);
	now = srv_now();
	if (S.workers) {
		for (i = 1; i < S.workers; i++)
			if (S.free_at[i] < S.free_at[best])
				best = i;
		start = S.free_at[best] > now ? S.free_at[best] : now;
		S.free_at[best] = start + S.delay_ns;
		c->done_ns = S.free_at[best];
	} else {
		c->done_ns = now + S.delay_ns;
	}
	c->next = NULL;
	if (S.qtail)
		S.qtail->next = c;
	else
		S.qhead = c;
	S.qtail = c;
	if (S.qhead == c)
		srv_arm_timer();
}

static void srv_on_timer(void)
{
	uint64_t ticks, now = srv_now();
	struct srv_conn *c;

	if (read(S.tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		perror("lbserver: timerfd read");
	while ((c = S.qhead) && c->done_ns <= now) {
		S.qhead = c->next;
		if (!S.qhead)
			S.qtail = NULL;
		srv_reply(c);
	}
	srv_arm_timer();
}

static void srv_on_readable(struct srv_conn *c)
{
	char buf[SRV_REQ_MAX];
	ssize_t n;

	for (;;) {
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n > 0) {
			c->got += (size_t)n;
			if (memchr(buf, '\n', (size_t)n) || c->got >= SRV_REQ_MAX) {
				srv_request_done(c);
				return;
			}
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		srv_close(c); /* EOF before a full request, or an error */
		return;
	}
}

static void srv_on_accept(void)
{
	struct epoll_event ev = {.events = EPOLLIN};
	struct srv_conn *c;
	int fd;

	for (;;) {
		fd = accept4(S.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				perror("lbserver: accept4");
			return;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		ev.data.ptr = c;
		if (epoll_ctl(S.epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			perror("lbserver: epoll_ctl");
			srv_close(c);
		}
	}
}

static int srv_listen(const char *spec)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	char host[64];
	const char *colon = strrchr(spec, ':');
	int fd, one = 1;

	if (!colon || (size_t)(colon - spec) >= sizeof(host))
		return -EINVAL;
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return -EINVAL;
	sa.sin_port = htons((uint16_t)atoi(colon + 1));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 65535) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void srv_usage(void)
{
	fprintf(stderr, "usage: lbserver -l ADDR:PORT -n NAME [-d DELAY_US] [-w WORKERS] [-k]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct epoll_event evs[SRV_MAX_EVENTS], ev = {.events = EPOLLIN};
	const char *listen_spec = NULL, *name = NULL;
	struct sigaction sa = {.sa_handler = srv_on_signal};
	int opt, n, i;

	S.workers = 1;
	while ((opt = getopt(argc, argv, "l:n:d:w:k")) != -1) {
		switch (opt) {
		case 'l':
			listen_spec = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'd':
			S.delay_ns = strtoull(optarg, NULL, 10) * 1000ull;
			break;
		case 'w':
			S.workers = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'k':
			S.keepalive = true;
			break;
		default:
			srv_usage();
		}
	}
	if (!listen_spec || !name || S.workers > SRV_MAX_WORKERS)
		srv_usage();
	S.reply_len = (size_t)snprintf(S.reply, sizeof(S.reply), "OK %s\n", name);
	if (S.reply_len >= sizeof(S.reply))
		srv_usage();

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	S.lfd = srv_listen(listen_spec);
	if (S.lfd < 0) {
		fprintf(stderr, "lbserver: listen %s: %s\n", listen_spec, strerror(-S.lfd));
		return 1;
	}
	S.epfd = epoll_create1(EPOLL_CLOEXEC);
	S.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (S.epfd < 0 || S.tfd < 0) {
		perror("lbserver: epoll/timerfd");
		return 1;
	}
	ev.data.ptr = &srv_tag_listen;
	epoll_ctl(S.epfd, EPOLL_CTL_ADD, S.lfd, &ev);
	ev.data.ptr = &srv_tag_timer;
	epoll_ctl(S.epfd, EPOLL_CTL_ADD, S.tfd, &ev);

	while (!srv_stop) {
		n = epoll_wait(S.epfd, evs, SRV_MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("lbserver: epoll_wait");
			return 1;
		}
		for (i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == &srv_tag_listen)
				srv_on_accept();
			else if (p == &srv_tag_timer)
				srv_on_timer();
			else
				srv_on_readable(p);
		}
	}
	fprintf(stderr, "lbserver %s: served=%llu\n", name, (unsigned long long)S.served);
	return 0;
}
