/* hcserver: kube-proxy's service health check node ports on libev. */
#include "hcserver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>

#include "log.h"

#define HC_REQ_MAX   4096 /* bytes of request read before answering anyway */
#define HC_TIMEOUT   5.0  /* seconds a client has to send its request */
#define HC_MAX_CONNS 64	  /* open connections per port; more wait in the backlog */

struct hc_port;

struct hc_conn {
	struct hc_port *port;
	struct hc_conn *next;
	int fd;
	ev_io io;
	ev_timer t;
	size_t len;
	char buf[HC_REQ_MAX];
};

struct hc_port {
	struct hcsrv *h;
	struct hc_port *next;
	uint16_t port;
	int fd, local, nconns;
	char ns[256], name[256];
	ev_io io;
	struct hc_conn *conns;
};

struct hcsrv {
	struct ev_loop *loop;
	struct in_addr addr;
	struct hc_port *ports;
	int n;
};

struct hcsrv *hcsrv_new(struct ev_loop *loop, const char *addr)
{
	struct hcsrv *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->loop = loop;
	h->addr.s_addr = htonl(INADDR_ANY);
	if (addr && *addr && inet_pton(AF_INET, addr, &h->addr) != 1) {
		free(h);
		return NULL;
	}
	return h;
}

static void conn_close(struct hc_conn *c)
{
	struct hc_port *p = c->port;
	struct hc_conn **pp;

	for (pp = &p->conns; *pp && *pp != c; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = c->next;
	ev_io_stop(p->h->loop, &c->io);
	ev_timer_stop(p->h->loop, &c->t);
	close(c->fd);
	free(c);
	if (p->nconns-- == HC_MAX_CONNS)
		ev_io_start(p->h->loop, &p->io); /* room again: accept more */
}

/* kube-proxy's answer (pkg/proxy/healthcheck/service_health.go). */
static void conn_answer(struct hc_conn *c)
{
	const struct hc_port *p = c->port;
	char body[700], resp[1024];
	int bl, rl;

	bl = snprintf(body, sizeof(body),
		      "{\n\t\"service\": {\n\t\t\"namespace\": \"%s\",\n\t\t\"name\": \"%s\"\n\t},"
		      "\n\t\"localEndpoints\": %d,\n\t\"serviceProxyHealthy\": true\n}\n",
		      p->ns, p->name, p->local);
	rl = snprintf(resp, sizeof(resp),
		      "HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
		      "X-Content-Type-Options: nosniff\r\nX-Load-Balancing-Endpoint-Weight: %d\r\n"
		      "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
		      p->local > 0 ? "200 OK" : "503 Service Unavailable", p->local, bl, body);
	/* small enough for the socket buffer of a fresh connection */
	if (send(c->fd, resp, (size_t)rl, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		pr_debug("healthcheck: port %u: %s", p->port, strerror(errno));
	conn_close(c);
}

static void conn_read(struct ev_loop *loop, ev_io *w, int revents)
{
	struct hc_conn *c = w->data;
	ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, MSG_DONTWAIT);

	(void)loop;
	(void)revents;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = 0;
	if (strstr(c->buf, "\r\n\r\n") || strstr(c->buf, "\n\n") || c->len == sizeof(c->buf) - 1)
		conn_answer(c);
}

static void conn_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	conn_close(w->data);
}

static void port_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct hc_port *p = w->data;
	struct hc_conn *c;
	int fd = accept4(p->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	(void)revents;
	if (fd < 0)
		return;
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->port = p;
	c->fd = fd;
	c->next = p->conns;
	p->conns = c;
	ev_io_init(&c->io, conn_read, fd, EV_READ);
	c->io.data = c;
	ev_timer_init(&c->t, conn_timeout, HC_TIMEOUT, 0);
	c->t.data = c;
	ev_io_start(loop, &c->io);
	ev_timer_start(loop, &c->t);
	if (++p->nconns == HC_MAX_CONNS)
		ev_io_stop(loop, &p->io);
}

static struct hc_port *port_find(const struct hcsrv *h, uint16_t port)
{
	struct hc_port *p;

	for (p = h->ports; p && p->port != port; p = p->next)
		;
	return p;
}

static int port_open(struct hcsrv *h, uint16_t port, struct hc_port **out)
{
	struct sockaddr_in sa = {
	    .sin_family = AF_INET, .sin_port = htons(port), .sin_addr = h->addr};
	struct hc_port *p = calloc(1, sizeof(*p));
	int one = 1, r;

	if (!p)
		return -ENOMEM;
	p->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		r = -errno;
		free(p);
		return r;
	}
	setsockopt(p->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(p->fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(p->fd, 64)) {
		r = -errno;
		close(p->fd);
		free(p);
		return r;
	}
	p->h = h;
	p->port = port;
	ev_io_init(&p->io, port_accept, p->fd, EV_READ);
	p->io.data = p;
	ev_io_start(h->loop, &p->io);
	p->next = h->ports;
	h->ports = p;
	h->n++;
	*out = p;
	return 0;
}

int hcsrv_set(struct hcsrv *h, uint16_t port, const char *key, int local)
{
	struct hc_port *p = port_find(h, port);
	const char *slash = strchr(key, '/');
	int r;

	if (!p) {
		r = port_open(h, port, &p);
		if (r) {
			pr_warn("healthcheck: %s: cannot serve healthCheckNodePort %u: %s", key,
				port, strerror(-r));
			return r;
		}
		pr_info("healthcheck: %s: serving healthCheckNodePort %u", key, port);
	}
	snprintf(p->ns, sizeof(p->ns), "%.*s", slash ? (int)(slash - key) : 0, key);
	snprintf(p->name, sizeof(p->name), "%s", slash ? slash + 1 : key);
	p->local = local;
	return 0;
}

void hcsrv_del(struct hcsrv *h, uint16_t port)
{
	struct hc_port **pp, *p;

	for (pp = &h->ports; *pp && (*pp)->port != port; pp = &(*pp)->next)
		;
	p = *pp;
	if (!p)
		return;
	*pp = p->next;
	while (p->conns)
		conn_close(p->conns);
	ev_io_stop(h->loop, &p->io);
	close(p->fd);
	free(p);
	h->n--;
}

int hcsrv_count(const struct hcsrv *h)
{
	return h ? h->n : 0;
}

void hcsrv_free(struct hcsrv *h)
{
	if (!h)
		return;
	while (h->ports)
		hcsrv_del(h, h->ports->port);
	free(h);
}
