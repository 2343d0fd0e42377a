/* dns_server: internals shared by the listener (dns_server.c, dns_tcp.c,
 * dns_addr.c, dns_metrics.c) and the upstream forwarder (dns_forward.c): where a query came from
 * and how to answer it, behind a table of transport operations so that query handling never
 * branches on UDP vs TCP. */
#ifndef SKIFF_DNS_SERVER_H
#define SKIFF_DNS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <ev.h>
#include "dns_wire.h"

struct dns_req;
struct dns_server;
struct dns_udp;
struct dns_conn;

struct dns_transport {
	const char *name; /* "udp" / "tcp": metric label */
	bool stream;	  /* no UDP size limit, no TC */
	/* send one reply (the transport adds any framing) */
	void (*reply)(struct dns_req *r, const uint8_t *msg, size_t len);
	/* keep / let go of the client while an upstream answer is pending */
	void (*hold)(struct dns_req *r);
	void (*release)(struct dns_req *r);
};

union dns_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_storage ss;
};

/* One query's origin; small and copyable (the forwarder keeps a copy). */
struct dns_req {
	const struct dns_transport *t;
	struct dns_server *d;
	union dns_sockaddr peer;
	socklen_t peerlen;
	/* UDP: the listener and the local address the query arrived at */
	struct dns_udp *udp;
	union {
		struct in_pktinfo pi4;
		struct in6_pktinfo pi6;
	} local;
	int local_family; /* 0 = not known */
	/* TCP */
	struct dns_conn *conn;
};

/* The forwarder reports here; resp NULL means failure (SERVFAIL). */
void dns_server_forward_done(struct dns_server *d, struct dns_req *r, const struct dns_query *q,
			     const uint8_t *resp, size_t len);

/* "ADDR:PORT", "[v6]:PORT" or "ADDR" (port def) -> sockaddr. */
int dns_parse_hostport(const char *s, uint16_t def_port, union dns_sockaddr *out, socklen_t *len);
bool dns_sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b);
bool dns_sockaddr_is_loopback(const struct sockaddr *sa);

#define DNS_MAX_BINDS	  8	       /* addresses in --dns-bind-address */
#define DNS_MAX_CIDRS	  16	       /* ranges allowed to recurse */
#define DNS_UDP_BATCH	  64	       /* datagrams read per wakeup before yielding */
#define DNS_UDP_RCVBUF	  (1 << 20)    /* absorbs bursts (dnsperf, many pods) */
#define DNS_TCP_MAX_CONNS 256	       /* connection cap against slowloris (NSD: 100) */
#define DNS_TCP_IDLE	  10.0	       /* seconds without a query before closing (Knot) */
#define DNS_TCP_OUT_MAX	  (256 * 1024) /* pending reply bytes before we stop reading */
#define DNS_TCP_IN_INIT	  1024	       /* initial read buffer; grows to a message's size */
#define DNS_NLAT	  11	       /* programming-latency histogram buckets */
#define DNS_NRCODE	  8	       /* rcodes counted by name (+ "other") */

struct dns_cidr {
	int family;
	uint8_t a[16];
	unsigned bits;
};

struct dns_udp {
	ev_io io;
	int fd;
	bool wildcard; /* bound to 0.0.0.0/::: reply from the query's address */
	struct dns_server *d;
};

struct dns_tcpl {
	ev_io io;
	int fd;
	struct dns_server *d;
};

struct dns_conn {
	struct dns_server *d;
	struct dns_conn *prev, *next;
	int fd;
	int refs; /* 1 while open + 1 per pending upstream query */
	bool closed;
	bool reading;
	ev_io rio, wio;
	ev_timer idle;
	union dns_sockaddr peer;
	socklen_t peerlen;
	uint8_t *in;
	size_t inlen, incap;
	uint8_t *out;
	size_t outlen, outoff, outcap;
};

struct dns_metrics {
	uint64_t requests[2]; /* udp, tcp */
	uint64_t responses[DNS_NRCODE];
	uint64_t dropped, truncated, forwarded, loops, tcp_rejected;
	uint64_t lat_buckets[DNS_NLAT];
	uint64_t lat_count;
	double lat_sum;
	uint64_t events, event_errors;
};

struct dns_server {
	struct ev_loop *loop;
	struct dns_index *ix;
	struct dns_fwd *fwd;
	bool synced;
	struct dns_udp udp[DNS_MAX_BINDS];
	struct dns_tcpl tcp[DNS_MAX_BINDS];
	union dns_sockaddr binds[DNS_MAX_BINDS];
	size_t nbinds;
	struct dns_cidr cidrs[DNS_MAX_CIDRS];
	size_t ncidrs;
	struct dns_conn *conns;
	size_t nconns;
	struct dns_metrics m;
	uint8_t inbuf[DNS_TCP_MAX + 1];
	uint8_t outbuf[DNS_TCP_MAX + 1];
};

/* dns_server.c: the one query path, shared by both transports. */
void dns_handle_query(struct dns_server *d, struct dns_req *r, const uint8_t *pkt, size_t len);

/* dns_addr.c: CIDR lists for the recursion ACL. */
int dns_cidrs_parse(struct dns_cidr *v, size_t *n, size_t max, const char *list);
bool dns_cidr_match(const struct dns_cidr *c, int family, const uint8_t *a);

/* dns_tcp.c: the TCP transport (RFC 7766). */
void dns_tcp_on_accept(struct ev_loop *loop, ev_io *w, int revents);
void dns_tcp_close_all(struct dns_server *d);

/* dns_metrics.c */
void dns_metrics_rcode(struct dns_server *d, int rcode);
void dns_metrics_latency(struct dns_server *d, double seconds);

#endif
