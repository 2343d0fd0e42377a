/* kl_int: what the kubelet's files share. */
#ifndef SKIFF_KL_INT_H
#define SKIFF_KL_INT_H

#include <ev.h>
#include <cjson/cJSON.h>
#include "kubelet.h"

struct informer;
struct kreq;
struct kl_pods;
struct kl_server;

struct kubelet {
	struct ev_loop *loop;
	struct kclient *c;
	struct kubelet_opts o;
	char node_ip[64];
	char pod_cidr[64]; /* spec.podCIDR once registered */
	bool registered, ready;
	char ready_reason[64], ready_message[256];
	/* Node (kl_node.c) */
	struct kreq *node_req, *lease_req;
	ev_timer lease_timer, status_timer, retry_timer;
	char lease_rv[32];
	double last_report;	/* wall time of the last status written */
	char last_status[2048]; /* the conditions etc. last written, to write on change */
	double ready_since;
	/* pods (kl_pods.c) */
	struct kl_pods *pods;
	/* the HTTPS server on --kubelet-port (kl_server.c, kl_logs.c) */
	struct kl_server *srv;
	struct kl_events *events; /* kl_events.c, made on the first event */
};

/* kl_node.c */
int kl_node_start(struct kubelet *k);
void kl_node_stop(struct kubelet *k);
/* The Node as the API server has it (the nodes informer): a Ready
 * condition other than ours is written over. */
void kl_node_seen(struct kubelet *k, const cJSON *node);
/* Readiness changed (runtime or network up or down): report it. */
void kl_node_set_ready(struct kubelet *k, bool ready, const char *reason, const char *message);

/* kl_events.c */
void kl_events_free(struct kubelet *k);

/* kl_pods.c: started once the node has its podCIDR. */
int kl_pods_start(struct kubelet *k);
void kl_pods_stop(struct kubelet *k);

/* kl_server.c: the HTTPS server (containerLogs), its callers checked with
 * the API server (TokenReview, SubjectAccessReview). */
int kl_server_start(struct kubelet *k);
void kl_server_stop(struct kubelet *k);

#endif
