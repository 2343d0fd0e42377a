/* dns: the cluster DNS server inside skiff-server (see ../shared/dns.md and
 * docs/dns.md). It answers from its own index of Services, EndpointSlices,
 * Pods and Namespaces, fed by the store's committed events. */
#ifndef SKIFF_DNS_H
#define SKIFF_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include "store/store.h"

struct ev_loop;
struct dns_server;

struct dns_config {
	const char *bind;     /* "ADDR:PORT[,ADDR:PORT...]", e.g. "0.0.0.0:53"; UDP and TCP */
	const char *zone;     /* cluster domain, "cluster.local" */
	const char *upstream; /* "ADDR[:PORT][,...]", NULL/"" = nameservers of /etc/resolv.conf */
	const char *service_cidr; /* "10.96.0.0/16": clients allowed to recurse */
	const char *pod_cidr;	  /* "10.244.0.0/16": clients allowed to recurse */
	unsigned ttl;		  /* record TTL in seconds (max 3600); 0 = 30, kubeadm's */
};

/* The first listener of a --dns-bind-address value ("ADDR:PORT[,...]",
 * "[v6]:PORT", "ADDR"), parsed as dns_server_start parses it (so the flag
 * has one parser): its address as text and its port. 0 or -EINVAL. */
int dns_first_listener(const char *spec, char *ip, size_t iplen, int *port);

/* Bind the sockets and start answering (SERVFAIL for the cluster zone until
 * dns_set_synced). Returns 0 or -errno (message logged, naming the address). */
int dns_server_start(struct ev_loop *loop, const struct dns_config *cfg, struct dns_server **out);
void dns_server_stop(struct dns_server *d);

/* Feed a committed store event (key "/registry/services/ns/name", ...).
 * Keys of other resources are ignored. Called for the initial state too
 * (as STORE_ADDED) before dns_set_synced. */
void dns_on_event(struct dns_server *d, const struct store_event *ev);
void dns_set_synced(struct dns_server *d);

/* Append Prometheus text metrics (query counts by rcode, programming
 * latency histogram) to buf; returns bytes written (snprintf semantics). */
size_t dns_metrics(struct dns_server *d, char *buf, size_t len);

#endif
