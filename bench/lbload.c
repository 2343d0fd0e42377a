/* lbload: closed-loop TCP connection load generator of the dataplane
 * benchmark.
 *
 * Each of C slots loops: socket(), non-blocking connect() to the next
 * target, send one small request line, read the reply until the server
 * closes, close(), start again. That is one "new connection" of the
 * benchmark: connect + request + reply + close, the work a service proxy
 * adds cost to. Latency is measured from socket() to EOF.
 *
 * The backend (lbserver) replies "OK <name>\n", so the generator can count
 * which endpoint served each request whatever sits in between (Skiff's
 * connect-time translation, iptables DNAT, HAProxy).
 *
 * Only completions inside [warmup, warmup + duration] count. Results go to
 * stdout as one line of key=value fields:
 *   cps= conns= p50_us= p90_us= p99_us= p999_us= max_us= mean_us=
 *   errors= timeouts= be=name:count,...
 *
 * Usage: lbload -t ADDR:PORT [-t ADDR:PORT ...] [-c CONC] [-d SECS]
 *               [-W WARMUP_SECS] [-j THREADS] [-s REQ_BYTES] [-T TIMEOUT_MS]
 * Several -t: each new connection goes to the next one (round robin), which
 * is how the "direct" peer spreads load over the pods without a balancer.
 * -k: keep-alive (with lbserver -k): each slot keeps its connection and
 * sends the next request as soon as a reply line is in; each reply is one
 * completion, so the report is requests/s through established flows.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LD_MAX_TARGETS	  64	      /* -t options */
#define LD_MAX_NAMES	  32	      /* distinct backend names counted */
#define LD_NAME_LEN	  32	      /* longest backend name kept (cut beyond) */
#define LD_REPLY_MAX	  128	      /* reply bytes kept; "OK <name>\n" fits */
#define LD_MAX_EVENTS	  256	      /* epoll_wait batch */
#define LD_ERR_BACKOFF_NS 10000000ull /* 10 ms: do not spin on a refusing target */
#define LD_SCAN_NS	  20000000ull /* timeout scan period */

enum ld_state { LD_IDLE, LD_CONNECTING, LD_WAIT_REPLY };

struct ld_slot {
	int fd;
	enum ld_state state;
	uint64_t start_ns;
	uint64_t wake_ns; /* LD_IDLE: restart after this (error backoff) */
	size_t got;
	char buf[LD_REPLY_MAX];
};

struct ld_name {
	char name[LD_NAME_LEN];
	uint64_t count;
};

struct ld_thread {
	pthread_t tid;
	unsigned id, nslots;
	struct ld_slot *slots;
	int epfd;
	unsigned next_target;
	/* Results inside the measuring window. */
	uint64_t *lat;
	size_t nlat, caplat;
	uint64_t errors, timeouts, bad_replies;
	struct ld_name names[LD_MAX_NAMES];
	unsigned nnames;
	int first_errno;
};

static struct {
	struct sockaddr_in targets[LD_MAX_TARGETS];
	unsigned ntargets;
	unsigned conc, threads;
	double duration, warmup;
	uint64_t timeout_ns;
	bool keepalive;
	char req[1024];
	size_t req_len;
	uint64_t t_warm, t_end; /* CLOCK_MONOTONIC ns */
} G;

static uint64_t ld_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int ld_parse_addr(const char *spec, struct sockaddr_in *sa)
{
	const char *colon = strrchr(spec, ':');
	char host[64];

	if (!colon || (size_t)(colon - spec) >= sizeof(host))
		return -EINVAL;
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return -EINVAL;
	sa->sin_port = htons((uint16_t)atoi(colon + 1));
	return 0;
}

static void ld_count_name(struct ld_thread *t, const char *name, size_t len)
{
	unsigned i;

	if (len >= LD_NAME_LEN)
		len = LD_NAME_LEN - 1;
	for (i = 0; i < t->nnames; i++) {
		if (strlen(t->names[i].name) == len && !memcmp(t->names[i].name, name, len)) {
			t->names[i].count++;
			return;
		}
	}
	if (t->nnames == LD_MAX_NAMES)
		return;
	memcpy(t->names[t->nnames].name, name, len);
	t->names[t->nnames].name[len] = '\0';
	t->names[t->nnames++].count = 1;
}

static void ld_record(struct ld_thread *t, struct ld_slot *s, uint64_t end)
{
	const char *nl;

	if (s->start_ns < G.t_warm || end > G.t_end)
		return;
	if (s->got < 4 || memcmp(s->buf, "OK ", 3) || !(nl = memchr(s->buf, '\n', s->got))) {
		t->bad_replies++;
		return;
	}
	if (t->nlat == t->caplat) {
		size_t cap = t->caplat ? t->caplat * 2 : 65536;
		uint64_t *p = realloc(t->lat, cap * sizeof(*p));

		if (!p)
			return;
		t->lat = p;
		t->caplat = cap;
	}
	t->lat[t->nlat++] = end - s->start_ns;
	ld_count_name(t, s->buf + 3, (size_t)(nl - (s->buf + 3)));
}

static void ld_finish(struct ld_slot *s)
{
	if (s->fd >= 0)
		close(s->fd); /* also leaves the epoll set */
	s->fd = -1;
	s->state = LD_IDLE;
	s->wake_ns = 0;
}

static void ld_fail(struct ld_thread *t, struct ld_slot *s, int err, uint64_t now)
{
	if (now >= G.t_warm && now <= G.t_end) {
		t->errors++;
		if (!t->first_errno)
			t->first_errno = err;
	}
	ld_finish(s);
	s->wake_ns = now + LD_ERR_BACKOFF_NS;
}

static void ld_send_request(struct ld_thread *t, struct ld_slot *s)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = s};

	if (send(s->fd, G.req, G.req_len, MSG_NOSIGNAL) != (ssize_t)G.req_len) {
		ld_fail(t, s, errno ? errno : EIO, ld_now());
		return;
	}
	s->state = LD_WAIT_REPLY;
	s->got = 0;
	if (epoll_ctl(t->epfd, EPOLL_CTL_MOD, s->fd, &ev) < 0)
		ld_fail(t, s, errno, ld_now());
}

static void ld_start(struct ld_thread *t, struct ld_slot *s, uint64_t now)
{
	struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = s};
	const struct sockaddr_in *dst = &G.targets[t->next_target];

	t->next_target = (t->next_target + 1) % G.ntargets;
	s->start_ns = now;
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		ld_fail(t, s, errno, now);
		return;
	}
	if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0) {
		ld_fail(t, s, errno, now);
		return;
	}
	s->state = LD_CONNECTING;
	if (connect(s->fd, (const struct sockaddr *)dst, sizeof(*dst)) == 0)
		ld_send_request(t, s);
	else if (errno != EINPROGRESS)
		ld_fail(t, s, errno, now);
}

static void ld_on_event(struct ld_thread *t, struct ld_slot *s)
{
	int err = 0;
	socklen_t len = sizeof(err);
	ssize_t n;
	uint64_t now;

	if (s->state == LD_CONNECTING) {
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			ld_fail(t, s, err, ld_now());
			return;
		}
		ld_send_request(t, s);
		return;
	}
	if (s->state != LD_WAIT_REPLY)
		return;
	for (;;) {
		char sink[LD_REPLY_MAX];
		size_t room = sizeof(s->buf) - s->got;

		n = recv(s->fd, room ? s->buf + s->got : sink, room ? room : sizeof(sink), 0);
		if (n > 0) {
			if (room)
				s->got += (size_t)n;
			if (G.keepalive && memchr(s->buf, '\n', s->got)) {
				/* a whole reply: count it, ask again on the same flow */
				now = ld_now();
				ld_record(t, s, now);
				s->start_ns = now;
				ld_send_request(t, s);
				return;
			}
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		now = ld_now();
		if (n < 0) {
			ld_fail(t, s, errno, now);
			return;
		}
		ld_record(t, s, now); /* EOF: the server closed after its reply */
		ld_finish(s);
		ld_start(t, s, now);
		return;
	}
}

static void *ld_run(void *arg)
{
	struct ld_thread *t = arg;
	struct epoll_event evs[LD_MAX_EVENTS];
	uint64_t now = ld_now(), next_scan = now + LD_SCAN_NS;
	unsigned i;
	int n;

	t->next_target = t->id % G.ntargets;
	for (i = 0; i < t->nslots; i++) {
		t->slots[i].fd = -1;
		ld_start(t, &t->slots[i], now);
	}
	while ((now = ld_now()) < G.t_end) {
		n = epoll_wait(t->epfd, evs, LD_MAX_EVENTS, 5);
		for (int k = 0; k < n; k++)
			ld_on_event(t, evs[k].data.ptr);
		now = ld_now();
		if (now < next_scan)
			continue;
		next_scan = now + LD_SCAN_NS;
		for (i = 0; i < t->nslots; i++) {
			struct ld_slot *s = &t->slots[i];

			if (s->state == LD_IDLE) {
				if (now >= s->wake_ns)
					ld_start(t, s, now);
			} else if (now - s->start_ns > G.timeout_ns) {
				if (now >= G.t_warm)
					t->timeouts++;
				ld_finish(s);
				ld_start(t, s, now);
			}
		}
	}
	for (i = 0; i < t->nslots; i++)
		ld_finish(&t->slots[i]);
	return NULL;
}

static int ld_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double ld_pct_us(const uint64_t *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return (double)v[i] / 1000.0;
}

static void ld_usage(void)
{
	fprintf(stderr, "usage: lbload -t ADDR:PORT [-t ...] [-c CONC] [-d SECS] [-W WARMUP_SECS]\n"
			"              [-j THREADS] [-s REQ_BYTES] [-T TIMEOUT_MS] [-k]\n");
	exit(2);
}

/* Merge the threads' results and print the one-line report. */
static void ld_report(struct ld_thread *th)
{
	struct ld_name names[LD_MAX_NAMES];
	unsigned nnames = 0, i, k, j;
	uint64_t *all, errors = 0, timeouts = 0, bad = 0;
	size_t n = 0, off = 0;
	double sum = 0;
	int first_errno = 0;

	for (i = 0; i < G.threads; i++)
		n += th[i].nlat;
	all = malloc((n ? n : 1) * sizeof(*all));
	if (!all) {
		perror("lbload: malloc");
		exit(1);
	}
	for (i = 0; i < G.threads; i++) {
		if (th[i].nlat)
			memcpy(all + off, th[i].lat, th[i].nlat * sizeof(*all));
		off += th[i].nlat;
		errors += th[i].errors;
		timeouts += th[i].timeouts;
		bad += th[i].bad_replies;
		if (!first_errno)
			first_errno = th[i].first_errno;
		for (k = 0; k < th[i].nnames; k++) {
			for (j = 0; j < nnames; j++)
				if (!strcmp(names[j].name, th[i].names[k].name))
					break;
			if (j == nnames) {
				if (nnames == LD_MAX_NAMES)
					continue;
				names[nnames++] = th[i].names[k];
			} else {
				names[j].count += th[i].names[k].count;
			}
		}
	}
	qsort(all, n, sizeof(*all), ld_cmp_u64);
	for (size_t x = 0; x < n; x++)
		sum += (double)all[x];
	printf("cps=%.1f conns=%zu p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f "
	       "mean_us=%.1f errors=%llu timeouts=%llu bad=%llu",
	       (double)n / G.duration, n, ld_pct_us(all, n, 0.50), ld_pct_us(all, n, 0.90),
	       ld_pct_us(all, n, 0.99), ld_pct_us(all, n, 0.999),
	       n ? (double)all[n - 1] / 1000.0 : 0, n ? sum / (double)n / 1000.0 : 0,
	       (unsigned long long)errors, (unsigned long long)timeouts, (unsigned long long)bad);
	if (first_errno)
		printf(" first_error=%s", strerrorname_np(first_errno) ?: "?");
	printf(" be=");
	for (j = 0; j < nnames; j++)
		printf("%s%s:%llu", j ? "," : "", names[j].name,
		       (unsigned long long)names[j].count);
	printf("\n");
	free(all);
}

int main(int argc, char **argv)
{
	struct ld_thread *th;
	unsigned req_bytes = 64, i;
	uint64_t now;
	int opt;

	G.conc = 16;
	G.threads = 1;
	G.duration = 4;
	G.warmup = 1;
	G.timeout_ns = 5000ull * 1000000ull;
	while ((opt = getopt(argc, argv, "t:c:d:W:j:s:T:k")) != -1) {
		switch (opt) {
		case 't':
			if (G.ntargets == LD_MAX_TARGETS ||
			    ld_parse_addr(optarg, &G.targets[G.ntargets]) < 0)
				ld_usage();
			G.ntargets++;
			break;
		case 'c':
			G.conc = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'd':
			G.duration = strtod(optarg, NULL);
			break;
		case 'W':
			G.warmup = strtod(optarg, NULL);
			break;
		case 'j':
			G.threads = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			req_bytes = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'T':
			G.timeout_ns = strtoull(optarg, NULL, 10) * 1000000ull;
			break;
		case 'k':
			G.keepalive = true;
			break;
		default:
			ld_usage();
		}
	}
	if (!G.ntargets || !G.conc || !G.threads || G.threads > G.conc || G.duration <= 0 ||
	    G.warmup < 0 || req_bytes < 2 || req_bytes > sizeof(G.req))
		ld_usage();
	/* "GET xxxx...\n": any bytes up to '\n' are a request to lbserver. */
	memset(G.req, 'x', req_bytes);
	memcpy(G.req, "GET ", req_bytes < 4 ? req_bytes : 4);
	G.req[req_bytes - 1] = '\n';
	G.req_len = req_bytes;
	signal(SIGPIPE, SIG_IGN);

	now = ld_now();
	G.t_warm = now + (uint64_t)(G.warmup * 1e9);
	G.t_end = G.t_warm + (uint64_t)(G.duration * 1e9);
	th = calloc(G.threads, sizeof(*th));
	if (!th)
		return 1;
	for (i = 0; i < G.threads; i++) {
		th[i].id = i;
		th[i].nslots = G.conc / G.threads + (i < G.conc % G.threads);
		th[i].slots = calloc(th[i].nslots, sizeof(struct ld_slot));
		th[i].epfd = epoll_create1(EPOLL_CLOEXEC);
		if (!th[i].slots || th[i].epfd < 0) {
			perror("lbload: setup");
			return 1;
		}
		if (pthread_create(&th[i].tid, NULL, ld_run, &th[i])) {
			perror("lbload: pthread_create");
			return 1;
		}
	}
	for (i = 0; i < G.threads; i++)
		pthread_join(th[i].tid, NULL);
	ld_report(th);
	for (i = 0; i < G.threads; i++) {
		free(th[i].slots);
		free(th[i].lat);
		close(th[i].epfd);
	}
	free(th);
	return 0;
}
