/* server: assembles skiff-server — store, credentials, API, DNS, HTTP. */
#ifndef SKIFF_SERVER_H
#define SKIFF_SERVER_H

#include <stdbool.h>
#include <stddef.h>

struct server_config {
	const char *bind_address;
	int port;
	const char *advertise;
	const char *service_cidr;
	const char *node_port_range;
	const char *cluster_cidr;
	const char *data_dir;
	const char *cluster_domain;
	const char *cluster_dns;
	const char *dns_bind;
	const char *dns_upstream;
	const char *token_file;
	const char *audit_log;	  /* --audit-log-path, NULL: none */
	long long join_token_ttl; /* --join-token-ttl seconds, 0: no expiry */
	size_t max_body;
	int watch_buffer;
	size_t watch_buffer_total; /* --watch-buffer-total-bytes */
	size_t history_revs;
	int history_secs;
	int verbosity;
	bool reset_store; /* --reset-store */
	/* connection limits and deadlines (http.h; 0 = its default) */
	unsigned max_conns;
	unsigned max_conns_per_ip;
	unsigned max_unauth_conns;
	unsigned first_request_secs;
	unsigned request_secs;
	unsigned idle_secs;
	/* node lifecycle (controllers.h): --node-monitor-grace-period seconds,
	 * --node-eviction-rate nodes/s */
	double node_monitor_grace;
	double node_eviction_rate;
	/* --loadbalancer-ip-range: the ServiceLB controller's addresses
	 * (controllers.h); NULL: LoadBalancers stay pending */
	const char *lb_ip_range;
};

struct server;

int server_start(const struct server_config *c, struct server **out);
/* Runs until SIGTERM/SIGINT; returns 0 on a clean stop, 1 when the store
 * could no longer be trusted (a failed commit could not be rolled back). */
int server_run(struct server *s);
void server_stop(struct server *s);

#endif
