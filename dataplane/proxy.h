/* proxy: skiff-node's service proxy — Services and EndpointSlices from
 * list+watch, turned into socket-LB map writes by difference (lbsync).
 *
 * Flow: informer event -> recompute that one Service's service ports ->
 * lbsync_set/del (a few map writes) -> sync-latency observed. Until both
 * informers have listed once, nothing is written (the pinned maps of a
 * previous run keep serving); then one full sync removes what is gone.
 */
#ifndef SKIFF_PROXY_H
#define SKIFF_PROXY_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "lbmap.h"

struct ev_loop;
struct kclient;
struct tclb;
struct hcsrv;
struct pipt;

/* Bucket upper bounds of the sync-latency histogram, in seconds. */
#define PROXY_LAT_BUCKETS 14

/* Everything /metrics and /healthz show; written by the loop thread, read
 * by the HTTP threads under mu. */
struct proxy_status {
	pthread_mutex_t mu;
	bool synced;	      /* first full sync done */
	double last_sync;     /* wall time of the last applied change */
	double started;	      /* wall time of start */
	char last_error[256]; /* "" if the last sync had no error */
	uint64_t lat_count;
	double lat_sum;
	uint64_t lat_bucket[PROXY_LAT_BUCKETS]; /* cumulative at render */
	uint64_t sync_errors;
	uint64_t full_syncs;
	uint64_t map_writes;
	uint64_t repairs;
	uint64_t watch_restarts[2]; /* services, endpointslices */
	uint64_t lists[2];
	uint32_t services;  /* service ports programmed */
	uint32_t endpoints; /* backend slots programmed */
	uint32_t backends;  /* backend ids (incl. draining) */
	uint32_t draining;
	/* Service ports the maps do not (fully) serve right now: ids or map
	 * space ran out, too many endpoints, a failed write. /healthz is 503
	 * while any is left; they are retried every second. */
	uint32_t unprogrammed;
	uint64_t unprogrammed_total;   /* times a service port failed to program */
	char unprogrammed_reason[256]; /* the latest such failure, "" if none left */
	uint32_t endpoints_refused;    /* addresses pm_endpoint_refused turned away */
	uint32_t ports_unsupported;    /* SCTP service ports (not balanced) */
};

extern const double proxy_lat_bounds[PROXY_LAT_BUCKETS];

struct proxy_opts {
	uint32_t max_services, max_backends;
	double sync_period; /* seconds between full reconciles */
	bool adopt;	    /* maps were pinned already: rebuild the mirror */
	bool random_lb;	    /* --lb-algorithm random: LB_SVC_F_RANDOM on every service */
	/* Traffic from outside (NodePort, externalIPs, LoadBalancer): */
	const char *node_name; /* this node: Local policies keep its endpoints */
	struct tclb *tc;       /* the tc path, NULL without --external-interface */
	struct hcsrv *hc;      /* healthCheckNodePort server, NULL when none */
	/* --proxy-mode iptables: kube-proxy's rules instead of the BPF maps
	 * (fds unused, no tc path) */
	struct pipt *ipt;
};

struct proxy;

struct proxy *proxy_new(struct ev_loop *loop, struct kclient *kc, const struct lbmap_fds *fds,
			const struct proxy_opts *o, struct proxy_status *st);
int proxy_start(struct proxy *p);
void proxy_free(struct proxy *p);

#endif
