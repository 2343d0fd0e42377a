/* httpsload: closed-loop keep-alive HTTPS GET load generator of the
 * authorization benchmark (bench/auth_bench.py).
 *
 * Opens C TLS connections to 127.0.0.1:PORT (handshakes done before the
 * clock starts, certificate checked against --ca), then on each one sends
 * one GET at a time and the next as soon as the whole response is in. The
 * same request bytes go out every time, so the client does no per-request
 * formatting: in python, http.client's parsing cost more than the server's
 * answer and the client, not the server, was measured.
 *
 * Only responses completed inside [warmup, warmup + duration] count. One
 * line of key=value fields on stdout:
 *   rps= reqs= ok= other= all= p50_us= p99_us= secs= cpu_pct= first_status=
 * ok counts 200s; other any other status (first_status: the first of them);
 * all every response, warm-up included (to divide the server's CPU by).
 *
 * Usage: httpsload -p PORT --ca FILE -u PATH -t TOKEN [-c CONNS] [-d SECS]
 *                  [-w WARMUP_SECS]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <gnutls/gnutls.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HL_MAX_CONNS  256
#define HL_BUF	      65536 /* one GET response of a Service fits many times */
#define HL_MAX_EVENTS 64

struct hl_conn {
	int fd;
	gnutls_session_t tls;
	uint64_t start_ns; /* request sent */
	size_t got;
	char buf[HL_BUF];
};

static struct {
	unsigned conns;
	double duration, warmup;
	int port;
	const char *ca, *path, *token;
	char req[4096];
	size_t req_len;
	uint64_t t_warm, t_end;
	uint64_t *lat;
	size_t nlat, caplat;
	uint64_t ok, other;
	uint64_t all; /* responses, warm-up and tail included */
	int first_status;
} G = {.conns = 8, .duration = 3, .warmup = 0.3};

static uint64_t hl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double hl_cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static void hl_die(const char *what)
{
	fprintf(stderr, "httpsload: %s: %s\n", what, errno ? strerror(errno) : "failed");
	exit(1);
}

static void hl_die_tls(const char *what, int err)
{
	fprintf(stderr, "httpsload: %s: %s\n", what, gnutls_strerror(err));
	exit(1);
}

/* Blocking connect and handshake; the connection turns non-blocking after. */
static void hl_open(gnutls_certificate_credentials_t cred, struct hl_conn *c)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)G.port)};
	int one = 1, err;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		hl_die("connect");
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	err = gnutls_init(&c->tls, GNUTLS_CLIENT);
	if (!err)
		err = gnutls_set_default_priority(c->tls);
	if (!err)
		err = gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, cred);
	if (err)
		hl_die_tls("TLS session", err);
	/* The server's certificate names 127.0.0.1 (an IP SAN). */
	gnutls_session_set_verify_cert(c->tls, "127.0.0.1", 0);
	gnutls_transport_set_int(c->tls, c->fd);
	do
		err = gnutls_handshake(c->tls);
	while (err < 0 && !gnutls_error_is_fatal(err));
	if (err < 0)
		hl_die_tls("TLS handshake", err);
}

static void hl_record(struct hl_conn *c, int status, uint64_t end)
{
	G.all++;
	if (c->start_ns < G.t_warm || end > G.t_end)
		return;
	if (status != 200) {
		if (!G.other++)
			G.first_status = status;
		return;
	}
	G.ok++;
	if (G.nlat == G.caplat) {
		size_t cap = G.caplat ? G.caplat * 2 : 65536;
		uint64_t *p = realloc(G.lat, cap * sizeof(*p));

		if (!p)
			return;
		G.lat = p;
		G.caplat = cap;
	}
	G.lat[G.nlat++] = end - c->start_ns;
}

static void hl_send(struct hl_conn *c)
{
	ssize_t n;

	c->got = 0;
	c->start_ns = hl_now();
	/* A few hundred bytes: one TLS record, the socket buffer takes it. */
	n = gnutls_record_send(c->tls, G.req, G.req_len);
	if (n != (ssize_t)G.req_len)
		hl_die_tls("send", n < 0 ? (int)n : GNUTLS_E_AGAIN);
}

/* Length of a complete response (headers + Content-Length body) at the
 * start of c->buf, 0 while incomplete; the status in *status. */
static size_t hl_complete(struct hl_conn *c, int *status)
{
	const char *end, *cl;
	size_t head, body = 0;

	c->buf[c->got] = '\0';
	end = strstr(c->buf, "\r\n\r\n");
	if (!end)
		return 0;
	head = (size_t)(end - c->buf) + 4;
	cl = strcasestr(c->buf, "\r\ncontent-length:");
	if (cl && cl < end)
		body = strtoul(cl + 17, NULL, 10);
	if (c->got < head + body)
		return 0;
	*status = c->got > 12 ? atoi(c->buf + 9) : 0;
	return head + body;
}

/* Read what the socket has; finish and resend as responses complete. */
static void hl_readable(struct hl_conn *c)
{
	for (;;) {
		ssize_t n = gnutls_record_recv(c->tls, c->buf + c->got, HL_BUF - 1 - c->got);
		size_t len;
		int status;

		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			return;
		if (n == 0)
			hl_die("the server closed the connection");
		if (n < 0)
			hl_die_tls("receive", (int)n);
		c->got += (size_t)n;
		len = hl_complete(c, &status);
		if (!len) {
			if (c->got >= HL_BUF - 1)
				hl_die("response larger than the buffer");
			continue;
		}
		hl_record(c, status, hl_now());
		if (len != c->got)
			hl_die("bytes after the response (none were asked for)");
		if (hl_now() >= G.t_end)
			return;
		hl_send(c);
	}
}

static int hl_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void hl_usage(void)
{
	fprintf(stderr, "usage: httpsload -p PORT --ca FILE -u PATH -t TOKEN [-c CONNS] "
			"[-d SECS] [-w WARMUP_SECS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct hl_conn conns[HL_MAX_CONNS];
	struct epoll_event evs[HL_MAX_EVENTS];
	uint64_t t0;
	double cpu0, cpu;
	gnutls_certificate_credentials_t cred;
	unsigned i;
	int epfd, k, err;

	for (k = 1; k < argc; k++) {
		const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;

		if (!v)
			hl_usage();
		k++;
		if (!strcmp(a, "-p"))
			G.port = atoi(v);
		else if (!strcmp(a, "--ca"))
			G.ca = v;
		else if (!strcmp(a, "-u"))
			G.path = v;
		else if (!strcmp(a, "-t"))
			G.token = v;
		else if (!strcmp(a, "-c"))
			G.conns = (unsigned)atoi(v);
		else if (!strcmp(a, "-d"))
			G.duration = atof(v);
		else if (!strcmp(a, "-w"))
			G.warmup = atof(v);
		else
			hl_usage();
	}
	if (!G.port || !G.ca || !G.path || !G.token || !G.conns || G.conns > HL_MAX_CONNS)
		hl_usage();
	G.req_len = (size_t)snprintf(G.req, sizeof(G.req),
				     "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				     "Authorization: Bearer %s\r\nAccept: application/json\r\n\r\n",
				     G.path, G.token);
	if (G.req_len >= sizeof(G.req))
		hl_usage();

	err = gnutls_certificate_allocate_credentials(&cred);
	if (err)
		hl_die_tls("credentials", err);
	err = gnutls_certificate_set_x509_trust_file(cred, G.ca, GNUTLS_X509_FMT_PEM);
	if (err <= 0)
		hl_die_tls(G.ca, err ? err : GNUTLS_E_NO_CERTIFICATE_FOUND);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		hl_die("epoll_create1");
	for (i = 0; i < G.conns; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &conns[i]};

		hl_open(cred, &conns[i]);
		if (fcntl(conns[i].fd, F_SETFL, fcntl(conns[i].fd, F_GETFL) | O_NONBLOCK) < 0)
			hl_die("fcntl");
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, conns[i].fd, &ev) < 0)
			hl_die("epoll_ctl");
	}

	t0 = hl_now();
	G.t_warm = t0 + (uint64_t)(G.warmup * 1e9);
	G.t_end = G.t_warm + (uint64_t)(G.duration * 1e9);
	for (i = 0; i < G.conns; i++)
		hl_send(&conns[i]);
	cpu0 = hl_cpu_seconds();
	while (hl_now() < G.t_end) {
		int n = epoll_wait(epfd, evs, HL_MAX_EVENTS, 100);

		if (n < 0 && errno != EINTR)
			hl_die("epoll_wait");
		for (k = 0; k < n; k++)
			hl_readable(evs[k].data.ptr);
	}
	cpu = hl_cpu_seconds() - cpu0;

	qsort(G.lat, G.nlat, sizeof(*G.lat), hl_cmp);
	printf("rps=%.0f reqs=%llu ok=%llu other=%llu all=%llu p50_us=%.0f p99_us=%.0f secs=%.2f "
	       "cpu_pct=%.0f first_status=%d\n",
	       (double)G.ok / G.duration, (unsigned long long)(G.ok + G.other),
	       (unsigned long long)G.ok, (unsigned long long)G.other, (unsigned long long)G.all,
	       G.nlat ? G.lat[G.nlat / 2] / 1e3 : 0.0,
	       G.nlat ? G.lat[(size_t)((double)G.nlat * 0.99)] / 1e3 : 0.0, G.duration,
	       100.0 * cpu / (G.warmup + G.duration), G.first_status);
	return G.other ? 3 : 0;
}
