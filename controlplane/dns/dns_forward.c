/* dns_forward: upstream forwarding for non-cluster names. */
#include <errno.h>
#include <ev.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include "dns_forward.h"
#include "dns_hash.h"
#include "log.h"

/* One client query being resolved upstream. */
struct fwd_q {
	struct dns_fwd *f;
	struct fwd_q *prev, *next;
	struct dns_req req; /* the client, held until we answer */
	struct dns_query q; /* its parsed question (for matching, SERVFAIL) */
	uint8_t *pkt;	    /* the client's query; ID rewritten per attempt */
	size_t len;
	uint16_t id; /* ID of the current upstream attempt */
	int fd;
	uint16_t lport; /* our source port, for loop detection */
	unsigned up;	/* current upstream */
	unsigned attempts;
	bool tcp; /* current attempt is over TCP */
	bool tcp_sent;
	size_t toff;   /* TCP: bytes written / read so far */
	uint8_t *tbuf; /* TCP: 2-byte length + answer */
	ev_io io;
	ev_timer timer;
};

struct dns_fwd {
	struct ev_loop *loop;
	struct dns_server *d;
	union dns_sockaddr ups[DNS_FWD_MAX_UPSTREAMS];
	socklen_t upslen[DNS_FWD_MAX_UPSTREAMS];
	size_t nups;
	struct fwd_q *head;
	size_t inflight;
	struct dns_hash ports; /* our in-flight source ports -> use count */
	struct dns_fwd_stats st;
	uint8_t rnd[256]; /* getrandom() pool for query IDs */
	size_t rnd_left;
	uint8_t rbuf[DNS_TCP_MAX + 1];
};

static uint16_t random16(struct dns_fwd *f)
{
	uint16_t v;

	if (f->rnd_left < 2) {
		if (getrandom(f->rnd, sizeof(f->rnd), 0) != (ssize_t)sizeof(f->rnd)) {
			/* not expected on Linux >= 3.17; still never reuse a
			 * predictable constant */
			for (size_t i = 0; i < sizeof(f->rnd); i++)
				f->rnd[i] = (uint8_t)(random() >> 7);
		}
		f->rnd_left = sizeof(f->rnd);
	}
	f->rnd_left -= 2;
	memcpy(&v, f->rnd + f->rnd_left, 2);
	return v;
}

static void port_add(struct dns_fwd *f, uint16_t port)
{
	uintptr_t n = (uintptr_t)dns_hash_get(&f->ports, &port, sizeof(port));

	dns_hash_put(&f->ports, &port, sizeof(port), (void *)(n + 1));
}

static void port_del(struct dns_fwd *f, uint16_t port)
{
	uintptr_t n = (uintptr_t)dns_hash_get(&f->ports, &port, sizeof(port));

	if (n > 1)
		dns_hash_put(&f->ports, &port, sizeof(port), (void *)(n - 1));
	else
		dns_hash_del(&f->ports, &port, sizeof(port));
}

static void attempt_close(struct fwd_q *fq)
{
	ev_io_stop(fq->f->loop, &fq->io);
	ev_timer_stop(fq->f->loop, &fq->timer);
	if (fq->fd >= 0) {
		port_del(fq->f, fq->lport);
		close(fq->fd);
		fq->fd = -1;
	}
	free(fq->tbuf);
	fq->tbuf = NULL;
}

static void fq_free(struct fwd_q *fq)
{
	struct dns_fwd *f = fq->f;

	attempt_close(fq);
	if (fq->prev)
		fq->prev->next = fq->next;
	else
		f->head = fq->next;
	if (fq->next)
		fq->next->prev = fq->prev;
	f->inflight--;
	free(fq->pkt);
	free(fq);
}

static void finish(struct fwd_q *fq, const uint8_t *resp, size_t len)
{
	struct dns_fwd *f = fq->f;

	if (resp)
		f->st.answered++;
	else
		f->st.failed++;
	/* the server replies and releases the client */
	dns_server_forward_done(f->d, &fq->req, &fq->q, resp, len);
	fq_free(fq);
}

/* Is resp an answer to the current attempt (ID, QR, same question)? */
static bool answer_matches(const struct fwd_q *fq, const uint8_t *resp, size_t len)
{
	uint8_t name[DNS_NAME_MAX + 1];
	size_t off = DNS_HDR_LEN;
	int n;

	if (len < DNS_HDR_LEN || dns_get16(resp) != fq->id || !(dns_get16(resp + 2) & DNS_F_QR) ||
	    dns_get16(resp + 4) != 1)
		return false;
	n = dns_name_read(resp, len, &off, name);
	if (n < 0 || (size_t)n != fq->q.qname_len || len - off < 4)
		return false;
	dns_name_lower(name, name, (size_t)n);
	return !memcmp(name, fq->q.lname, (size_t)n) && dns_get16(resp + off) == fq->q.qtype &&
	       dns_get16(resp + off + 2) == fq->q.qclass;
}

static int attempt_start(struct fwd_q *fq, bool tcp);

static void next_upstream(struct fwd_q *fq)
{
	struct dns_fwd *f = fq->f;

	attempt_close(fq);
	while (++fq->attempts < f->nups) {
		fq->up = (fq->up + 1) % (unsigned)f->nups;
		if (attempt_start(fq, false) == 0)
			return;
	}
	finish(fq, NULL, 0);
}

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fwd_q *fq = w->data;

	fq->f->st.timeouts++;
	next_upstream(fq);
}

static void on_udp(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fwd_q *fq = w->data;
	struct dns_fwd *f = fq->f;

	for (;;) {
		/* the socket is connected: only the upstream can answer */
		ssize_t n = recv(fq->fd, f->rbuf, sizeof(f->rbuf), 0);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			next_upstream(fq); /* ICMP unreachable and such */
			return;
		}
		if (!answer_matches(fq, f->rbuf, (size_t)n))
			continue; /* spoofed or stale: keep waiting */
		if ((dns_get16(f->rbuf + 2) & DNS_F_TC) && fq->req.t->stream) {
			/* a TCP client gets the whole answer */
			attempt_close(fq);
			if (attempt_start(fq, true) < 0)
				next_upstream(fq);
			return;
		}
		finish(fq, f->rbuf, (size_t)n);
		return;
	}
}

static void on_tcp(struct ev_loop *loop, ev_io *w, int revents)
{
	struct fwd_q *fq = w->data;
	size_t want;
	ssize_t n;

	if (!fq->tcp_sent) {
		int err = 0;
		socklen_t el = sizeof(err);

		if (getsockopt(fq->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err) {
			next_upstream(fq);
			return;
		}
		n = send(fq->fd, fq->tbuf + fq->toff, fq->len + 2 - fq->toff, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				next_upstream(fq);
			return;
		}
		fq->toff += (size_t)n;
		if (fq->toff < fq->len + 2)
			return;
		fq->tcp_sent = true;
		fq->toff = 0;
		ev_io_stop(loop, &fq->io);
		ev_io_set(&fq->io, fq->fd, EV_READ);
		ev_io_start(loop, &fq->io);
		return;
	}
	want = fq->toff < 2 ? 2 : 2 + (size_t)dns_get16(fq->tbuf);
	n = recv(fq->fd, fq->tbuf + fq->toff, want - fq->toff, 0);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		next_upstream(fq);
		return;
	}
	fq->toff += (size_t)n;
	if (fq->toff < 2 || fq->toff < 2 + (size_t)dns_get16(fq->tbuf))
		return;
	if (!answer_matches(fq, fq->tbuf + 2, fq->toff - 2)) {
		next_upstream(fq);
		return;
	}
	memcpy(fq->f->rbuf, fq->tbuf + 2, fq->toff - 2);
	finish(fq, fq->f->rbuf, fq->toff - 2);
}

static int attempt_start(struct fwd_q *fq, bool tcp)
{
	struct dns_fwd *f = fq->f;
	const union dns_sockaddr *up = &f->ups[fq->up];
	union dns_sockaddr local;
	socklen_t ll = sizeof(local);
	int fd;

	fd = socket(up->sa.sa_family,
		    (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* an unbound socket gets a random ephemeral source port */
	if (connect(fd, &up->sa, f->upslen[fq->up]) < 0 && errno != EINPROGRESS)
		goto err_close;
	if (getsockname(fd, &local.sa, &ll) < 0)
		goto err_close;
	fq->fd = fd;
	fq->lport = ntohs(local.sa.sa_family == AF_INET ? local.in.sin_port : local.in6.sin6_port);
	port_add(f, fq->lport);
	fq->id = random16(f);
	dns_put16(fq->pkt, fq->id);
	fq->tcp = tcp;
	if (tcp) {
		fq->tbuf = malloc(2 + DNS_TCP_MAX);
		if (!fq->tbuf) {
			attempt_close(fq);
			return -ENOMEM;
		}
		dns_put16(fq->tbuf, (uint16_t)fq->len);
		memcpy(fq->tbuf + 2, fq->pkt, fq->len);
		fq->toff = 0;
		fq->tcp_sent = false;
		ev_io_init(&fq->io, on_tcp, fd, EV_WRITE);
	} else {
		if (send(fd, fq->pkt, fq->len, 0) < 0) {
			attempt_close(fq);
			return -errno;
		}
		ev_io_init(&fq->io, on_udp, fd, EV_READ);
	}
	fq->io.data = fq;
	ev_io_start(f->loop, &fq->io);
	ev_timer_init(&fq->timer, on_timeout, DNS_FWD_TIMEOUT, 0);
	fq->timer.data = fq;
	ev_timer_start(f->loop, &fq->timer);
	f->st.sent++;
	return 0;
err_close:
	close(fd);
	return -errno;
}

int dns_fwd_query(struct dns_fwd *f, const uint8_t *pkt, size_t len, const struct dns_query *q,
		  const struct dns_req *r)
{
	struct fwd_q *fq;

	if (!f->nups)
		return -ENOENT;
	if (f->inflight >= DNS_FWD_MAX_INFLIGHT) {
		f->st.rejected_busy++;
		return -EBUSY;
	}
	fq = calloc(1, sizeof(*fq));
	if (!fq)
		return -ENOMEM;
	fq->pkt = malloc(len);
	if (!fq->pkt) {
		free(fq);
		return -ENOMEM;
	}
	memcpy(fq->pkt, pkt, len);
	fq->len = len;
	fq->f = f;
	fq->fd = -1;
	fq->req = *r;
	fq->q = *q;
	ev_init(&fq->io, on_udp);
	ev_init(&fq->timer, on_timeout);
	fq->next = f->head;
	if (f->head)
		f->head->prev = fq;
	f->head = fq;
	f->inflight++;
	r->t->hold(&fq->req);
	/* a failed first attempt moves on to the others, then SERVFAIL */
	if (attempt_start(fq, false) < 0)
		next_upstream(fq);
	return 0;
}

bool dns_fwd_is_own(struct dns_fwd *f, const struct sockaddr *peer)
{
	uint16_t port;

	if (!f || !f->ports.count)
		return false;
	if (peer->sa_family == AF_INET)
		port = ntohs(((const struct sockaddr_in *)peer)->sin_port);
	else if (peer->sa_family == AF_INET6)
		port = ntohs(((const struct sockaddr_in6 *)peer)->sin6_port);
	else
		return false;
	if (!dns_hash_get(&f->ports, &port, sizeof(port)))
		return false;
	f->st.loops++;
	return true;
}

/* Is addr (port ignored) one of this host's addresses? */
static bool is_local_host_addr(const struct sockaddr *sa)
{
	struct ifaddrs *ifa, *i;
	bool found = false;

	if (dns_sockaddr_is_loopback(sa))
		return true;
	if (getifaddrs(&ifa) < 0)
		return false;
	for (i = ifa; i && !found; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != sa->sa_family)
			continue;
		if (sa->sa_family == AF_INET)
			found = !memcmp(&((struct sockaddr_in *)i->ifa_addr)->sin_addr,
					&((const struct sockaddr_in *)sa)->sin_addr, 4);
		else
			found = !memcmp(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr,
					&((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	}
	freeifaddrs(ifa);
	return found;
}

static uint16_t sa_port(const struct sockaddr *sa)
{
	return ntohs(sa->sa_family == AF_INET ? ((const struct sockaddr_in *)sa)->sin_port
					      : ((const struct sockaddr_in6 *)sa)->sin6_port);
}

static bool sa_is_any(const struct sockaddr *sa)
{
	static const uint8_t zero[16];

	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)sa)->sin_addr.s_addr == 0;
	return !memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, zero, 16);
}

/* Would sending to `up` reach this very server? */
static bool is_self(const union dns_sockaddr *up, const union dns_sockaddr *binds, size_t nb)
{
	for (size_t i = 0; i < nb; i++) {
		if (dns_sockaddr_equal(&up->sa, &binds[i].sa))
			return true;
		if (sa_is_any(&binds[i].sa) && sa_port(&binds[i].sa) == sa_port(&up->sa) &&
		    (binds[i].sa.sa_family == up->sa.sa_family ||
		     binds[i].sa.sa_family == AF_INET6) &&
		    is_local_host_addr(&up->sa))
			return true;
	}
	return false;
}

static void add_upstream(struct dns_fwd *f, const char *s, const union dns_sockaddr *binds,
			 size_t nb)
{
	union dns_sockaddr a;
	socklen_t l;

	if (f->nups >= DNS_FWD_MAX_UPSTREAMS)
		return;
	if (dns_parse_hostport(s, 53, &a, &l) < 0) {
		pr_warn("dns: ignoring upstream \"%s\": not ADDR[:PORT]", s);
		return;
	}
	if (is_self(&a, binds, nb)) {
		pr_warn("dns: ignoring upstream %s: it is this server (forwarding loop)", s);
		return;
	}
	f->ups[f->nups] = a;
	f->upslen[f->nups++] = l;
}

static void read_resolv_conf(struct dns_fwd *f, const union dns_sockaddr *binds, size_t nb)
{
	FILE *fp = fopen("/etc/resolv.conf", "re");
	char line[512], addr[256];

	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, " nameserver %255s", addr) == 1)
			add_upstream(f, addr, binds, nb);
	fclose(fp);
}

int dns_fwd_new(struct ev_loop *loop, struct dns_server *d, const char *upstreams,
		const union dns_sockaddr *binds, size_t nbinds, struct dns_fwd **out)
{
	struct dns_fwd *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	f->loop = loop;
	f->d = d;
	if (dns_hash_init(&f->ports) < 0) {
		free(f);
		return -ENOMEM;
	}
	if (upstreams && *upstreams) {
		char *copy = strdup(upstreams), *save = NULL, *tok;

		if (!copy) {
			dns_fwd_free(f);
			return -ENOMEM;
		}
		for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
			add_upstream(f, tok, binds, nbinds);
		free(copy);
	} else {
		read_resolv_conf(f, binds, nbinds);
	}
	if (!f->nups)
		pr_warn("dns: no usable upstream server; names outside the cluster get SERVFAIL");
	*out = f;
	return 0;
}

void dns_fwd_free(struct dns_fwd *f)
{
	if (!f)
		return;
	while (f->head) {
		struct fwd_q *fq = f->head;

		fq->req.t->release(&fq->req);
		fq_free(fq);
	}
	dns_hash_free(&f->ports);
	free(f);
}

size_t dns_fwd_upstreams(const struct dns_fwd *f)
{
	return f ? f->nups : 0;
}

void dns_fwd_stats(const struct dns_fwd *f, struct dns_fwd_stats *st)
{
	*st = f->st;
	st->inflight = f->inflight;
}
