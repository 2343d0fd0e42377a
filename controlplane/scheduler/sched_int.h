/* sched_int: what the scheduler's files share — the per-node accounting
 * (sched_cache.c), the parsed needs of the pod being scheduled and the
 * filters that test them (sched_filter.c), the scores (sched_score.c). */
#ifndef SKIFF_SCHED_INT_H
#define SKIFF_SCHED_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "sched.h"
#include "strmap.h"

#define SCHED_MAX_PORTS	  16 /* host ports one pod may ask for (more: the rest not checked) */
#define SCHED_MAX_SPREAD  8  /* topologySpreadConstraints on the hostname key looked at */
#define SCHED_MAX_REASONS 64 /* distinct filter reasons in one failure message */
#define SCHED_MAX_VOLS	  16 /* bound claims with node affinity per pod (more: Unschedulable, said) */

/* cpu in millicores, memory in bytes (Quantity.MilliValue / Value) */
struct sched_res {
	int64_t cpu, mem;
};

struct sched_port {
	char ip[48];
	char proto[8];
	int port;
};

struct sched_node;

/* A pod the accounting counts on a node: bound (spec.nodeName) and not
 * terminal, or assumed (bound by us, its event not back yet). */
struct sched_pod {
	char *key;	  /* "ns/name" */
	const cJSON *obj; /* the informer's object: valid until its next event */
	struct sched_node *node;
	struct sched_owner *owner;
	struct sched_res req, nonzero;
	struct sched_port ports[SCHED_MAX_PORTS];
	int nports;
	bool anti;		       /* has required pod anti-affinity terms */
	bool assumed;		       /* bound by this scheduler, not yet seen committed */
	struct sched_pod *prev, *next; /* on node */
};

struct sched_node {
	char *name;
	uint64_t hash;	  /* of the name, for tie breaks */
	int idx;	  /* slot in sched.slot: stable while the node exists */
	const cJSON *obj; /* the informer's Node; NULL: pods name it, it is not there */
	struct sched_res alloc, req, nonzero;
	int64_t alloc_pods;
	int npods, nanti, nports;
	struct sched_pod *pods;
};

/* The pods of one controller (ownerReference with controller: true),
 * counted per node slot, for spreading replicas. */
struct sched_owner {
	char *uid;
	int *count; /* by node slot */
	int cap;
	int total;
};

/* A topologySpreadConstraint on kubernetes.io/hostname. */
struct sched_spread {
	int max_skew;
	bool hard;	       /* DoNotSchedule */
	const cJSON *selector; /* NULL: the pod's owner (the system default) */
	bool none;	       /* it has no labelSelector: it matches no pod */
	bool self;	       /* the pod matches it itself */
	int min;	       /* hard: fewest matching pods on an eligible node */
};

/* What the pod being scheduled asks for, parsed once per attempt. */
struct sched_want {
	const cJSON *pod;
	const char *ns, *uid;
	const cJSON *labels;
	struct sched_res req, nonzero;
	const cJSON *node_selector; /* spec.nodeSelector */
	const cJSON *node_req;	    /* required node affinity or NULL */
	const cJSON *node_terms;    /* its nodeSelectorTerms */
	const cJSON *node_pref;	    /* preferred node affinity terms or NULL */
	const cJSON *tolerations;
	const cJSON *anti;	/* required pod anti-affinity terms or NULL */
	const cJSON *anti_pref; /* preferred ones or NULL */
	struct sched_port ports[SCHED_MAX_PORTS];
	int nports;
	struct sched_owner *owner;
	struct sched_spread spread[SCHED_MAX_SPREAD];
	int nspread;
	bool never_preempts; /* preemptionPolicy: Never */
	/* VolumeBinding: the nodeSelectorTerms of the volumes bound to the
	 * pod's claims (a node must match each), and a claim it names that
	 * does not exist ("" when none) */
	const cJSON *vol_terms[SCHED_MAX_VOLS];
	int nvol;
	char missing_claim[300];
};

/* One reason nodes were filtered out, as upstream words it. */
struct sched_reason {
	char text[320];
	int count;
};

/* Why one node does not fit: up to three reasons (NodeResourcesFit can
 * give several), and whether evicting pods could help (upstream's
 * Unschedulable vs UnschedulableAndUnresolvable). */
struct sched_verdict {
	const char *why[3];
	int n;
	bool resolvable;
	char taint[300]; /* the untolerated-taint reason, its key and value filled in */
};

struct sched_cand {
	struct sched_node *node;
	int64_t taint, naff, least, balanced, spread, anti; /* raw, then normalized */
	int64_t total;
};

struct sched {
	struct api *a;
	struct ev_loop *loop;
	struct ctrl_informer *pod_inf, *node_inf;
	struct ctrl_informer *pvc_inf, *pv_inf; /* for volume node affinity */
	struct ctrl_queue *q;
	struct ctrl_events *rec;
	struct strmap nodes; /* name -> struct sched_node */
	struct sched_node **slot;
	int nslot, slot_cap, nreal; /* slots used, allocated; nodes that exist */
	struct strmap pods;	    /* key -> struct sched_pod: counted on a node */
	struct strmap owners;	    /* uid -> struct sched_owner */
	struct strmap unsched;	    /* key -> (void *)1: no node fitted; retried on a change */
	int nspread_waiting;	    /* of those, with DoNotSchedule spread (a bind may help) */
	char **assumed;		    /* keys bound this round, checked after the commit */
	int nassumed, assumed_cap;
	int next_start; /* upstream's nextStartNodeIndex */
	struct sched_cand *cand;
	int cand_cap;
	struct sched_stats st;
};

/* ---- accounting (sched_cache.c) ---- */
void sched_cache_init(struct sched *s);
void sched_cache_fini(struct sched *s);
/* The node record of name (created as a placeholder when create). */
struct sched_node *sched_node_get(struct sched *s, const char *name, bool create);
/* The Node object of name is obj now (NULL: deleted). 0 or -ENOMEM. */
int sched_node_set(struct sched *s, const char *name, const cJSON *obj);
/* Count pod key (obj) on node; an entry it had is replaced. 0 or -ENOMEM. */
int sched_pod_add(struct sched *s, const char *key, const cJSON *obj, const char *node,
		  bool assumed);
/* Stop counting key; true if it was counted. */
bool sched_pod_del(struct sched *s, const char *key);
/* The pod's requests as upstream's resourcehelper.PodRequests (sidecar
 * and init containers included); nonzero counts an absent cpu/memory
 * request as 100m/200Mi, as the scoring does. */
void sched_pod_requests(const cJSON *spec, struct sched_res *req, struct sched_res *nonzero);
/* Host ports of the pod's containers into ports; the count. */
int sched_pod_ports(const cJSON *spec, struct sched_port *ports, int max);
struct sched_owner *sched_owner_of(struct sched *s, const cJSON *pod, bool create);
/* Is the owner/controller uid of the pod's controller reference. */
const char *sched_owner_uid(const cJSON *pod);

/* ---- filters (sched_filter.c) ---- */
/* Parse what pod asks for into w. 0 or -ENOMEM. */
int sched_want_parse(struct sched *s, const cJSON *pod, struct sched_want *w);
/* Does the node pass every filter? If not, v says why. */
bool sched_filter(struct sched *s, const struct sched_want *w, const struct sched_node *n,
		  struct sched_verdict *v);
/* Upstream's LabelSelector (matchLabels, matchExpressions); NULL matches nothing. */
bool sched_selector_match(const cJSON *sel, const cJSON *labels);
/* Does the affinity term (namespaces, labelSelector) select pod p, from a
 * pod in namespace ns? */
bool sched_term_selects(const cJSON *term, const char *ns, const cJSON *p);
/* Does the node match the NodeSelectorTerm? */
bool sched_node_term_match(const cJSON *term, const struct sched_node *n);
/* Does the toleration list tolerate the taint (key, value, effect)? */
bool sched_tolerates(const cJSON *tolerations, const char *key, const char *value,
		     const char *effect);
/* Matching pods of the spread constraint on node n. */
int sched_spread_count(const struct sched_want *w, const struct sched_spread *c,
		       const struct sched_node *n);
/* Prepare the hard constraints' minimum over eligible nodes. */
void sched_spread_prepare(struct sched *s, struct sched_want *w);

/* ---- scores (sched_score.c) ---- */
/* Score the n candidates and return the best one (ties broken by a hash
 * of the pod's uid and the node's name). */
struct sched_node *sched_select(struct sched *s, const struct sched_want *w, struct sched_cand *c,
				int n);

#endif
