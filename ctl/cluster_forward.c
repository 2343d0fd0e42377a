/* cluster_forward: the loopback forwarder that lets kubectl on the host
 * reach the API server of a local cluster, as kind maps its API port. It
 * listens on 127.0.0.1 in the root namespace; for each connection a
 * thread enters the control-plane namespace (setns affects only the
 * calling thread), creates the upstream socket there and connects to the
 * server's address, so the forwarded packets only ever cross the cluster's
 * own interfaces. Bytes are copied both ways by two threads per
 * connection (one per direction: neither can block the other). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cluster.h"

struct cl_fwd_conn {
	int client;
	int upstream;
	int nsfd; /* the control-plane namespace (shared, not owned) */
	struct sockaddr_in to;
};

struct cl_fwd_pipe {
	int from, to;
};

/* Copy until EOF or an error, then pass the EOF on (half-close) so the
 * other direction can still finish, as a TCP proxy must for TLS close. */
static void *cl_fwd_copy(void *arg)
{
	struct cl_fwd_pipe *p = arg;
	char buf[65536];
	ssize_t n;

	while ((n = read(p->from, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
		for (ssize_t off = 0; n > 0 && off < n;) {
			ssize_t w = send(p->to, buf + off, (size_t)(n - off), MSG_NOSIGNAL);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				goto out;
			off += w;
		}
	}
out:
	shutdown(p->to, SHUT_WR);
	/* Nothing more will be read either: wakes the peer thread's send. */
	shutdown(p->from, SHUT_RD);
	return NULL;
}

static void *cl_fwd_conn_run(void *arg)
{
	struct cl_fwd_conn *c = arg;
	struct cl_fwd_pipe up, down;
	pthread_t t;

	if (setns(c->nsfd, CLONE_NEWNET)) {
		fprintf(stderr, "forward: setns: %s\n", strerror(errno));
		goto out;
	}
	c->upstream = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->upstream < 0 || connect(c->upstream, (struct sockaddr *)&c->to, sizeof(c->to))) {
		fprintf(stderr, "forward: connect upstream: %s\n", strerror(errno));
		goto out;
	}
	setsockopt(c->upstream, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
	up = (struct cl_fwd_pipe){c->client, c->upstream};
	down = (struct cl_fwd_pipe){c->upstream, c->client};
	if (pthread_create(&t, NULL, cl_fwd_copy, &down)) {
		fprintf(stderr, "forward: thread: %s\n", strerror(errno));
		goto out;
	}
	cl_fwd_copy(&up);
	pthread_join(t, NULL);
out:
	if (c->upstream >= 0)
		close(c->upstream);
	close(c->client);
	free(c);
	return NULL;
}

int cl_forward_run(int listen_fd, const char *netns_path, const char *upstream)
{
	struct sockaddr_in to = {.sin_family = AF_INET};
	char host[64];
	const char *colon = strrchr(upstream, ':');
	pthread_attr_t attr;
	int nsfd;

	if (!colon || (size_t)(colon - upstream) >= sizeof(host))
		return -EINVAL;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - upstream), upstream);
	if (inet_pton(AF_INET, host, &to.sin_addr) != 1 || atoi(colon + 1) <= 0)
		return -EINVAL;
	to.sin_port = htons((uint16_t)atoi(colon + 1));
	nsfd = open(netns_path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return -errno;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* Two 64 KiB buffers per connection; the default 8 MiB stacks would
	 * make a kubectl with many watches look huge. */
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (;;) {
		struct cl_fwd_conn *c;
		pthread_t t;
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
				continue;
			return -errno;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		*c = (struct cl_fwd_conn){.client = fd, .upstream = -1, .nsfd = nsfd, .to = to};
		if (pthread_create(&t, &attr, cl_fwd_conn_run, c)) {
			close(fd);
			free(c);
		}
	}
}

int cl_forward_listen(int *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 128) ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl)) {
		int r = -errno;

		close(fd);
		return r;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}
