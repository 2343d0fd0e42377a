/* ipt: kube-proxy's iptables proxy mode as a library. Service ports in,
 * iptables-restore input out, written by difference.
 *
 * The rules are upstream kube-proxy's own (pkg/proxy/iptables/proxier.go):
 * nat KUBE-SERVICES (from PREROUTING and OUTPUT) -> KUBE-SVC-<hash> per
 * service port -> KUBE-SEP-<hash> per endpoint (DNAT); KUBE-EXT-<hash> for
 * NodePort/externalIP/LoadBalancer traffic, KUBE-SVL-<hash> for the Local
 * endpoints, KUBE-NODEPORTS at the end of KUBE-SERVICES, KUBE-MARK-MASQ and
 * KUBE-POSTROUTING for masquerading; filter KUBE-SERVICES,
 * KUBE-EXTERNAL-SERVICES, KUBE-NODEPORTS and KUBE-FORWARD. Beyond upstream,
 * the per-endpoint probabilities can favour endpoints with fewer active
 * connections (ipt_set_weights). docs/dataplane.md "iptables mode" has the
 * layout, the formula and the sync rules.
 *
 * Not thread-safe: one caller (the proxy's loop) at a time. Every command
 * and conntrack call acts in the caller's network namespace.
 */
#ifndef SKIFF_IPT_H
#define SKIFF_IPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A chain name: at most 28 characters (iptables' limit) + NUL. */
#define IPT_CHAIN_MAX 29

/* Defaults of struct ipt_opts (ipt_opts_default). */
#define IPT_MIN_SYNC_PERIOD  1.0    /* s: upstream's --iptables-min-sync-period */
#define IPT_FULL_SYNC_PERIOD 3600.0 /* s: upstream's FullSyncPeriod */
#define IPT_WEIGHT_THRESHOLD 0.01   /* share of new connections, see ipt_weights_moved */
#define IPT_WEIGHT_PERIOD    0.5    /* s between two conntrack counts (the proxy's) */
/* The proxy's least-busy work takes at most these shares of the time:
 * weights-only restores (about a second each at 10,000 services) and
 * conntrack dumps (tens of ms with 100,000 flows) */
#define IPT_WEIGHT_RESTORE_DUTY 0.05
#define IPT_WEIGHT_DUMP_DUTY	0.2
#define IPT_LARGE_CLUSTER_EPS	1000 /* endpoints above which rule comments are dropped */

/* One endpoint of a service port, from its EndpointSlices. */
struct ipt_ep {
	uint32_t addr; /* be */
	uint16_t port; /* be */
	bool ready, serving, terminating;
	bool local; /* on this node (the slice's nodeName) */
};

/* An IPv4 prefix: a loadBalancerSourceRanges entry. */
struct ipt_cidr {
	uint32_t addr; /* be, host bits cleared */
	uint8_t len;   /* 0..32 */
};

/* One service port: what a Service and its slices mean for the rules.
 * Everything is copied by ipt_set. */
struct ipt_svc_port {
	const char *ns, *name;	   /* [a-z0-9.-], as DNS names */
	const char *port_name;	   /* [a-z0-9-]; NULL or "" for an unnamed port */
	uint8_t proto;		   /* IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP */
	uint32_t cluster_ip;	   /* be */
	uint16_t port;		   /* host */
	uint16_t node_port;	   /* host, 0 if none */
	uint16_t health_node_port; /* host: healthCheckNodePort, 0 if none */
	/* spec.externalIPs then status.loadBalancer.ingress[].ip (be): next
	 * addresses, the last nlb of them LoadBalancer ones */
	const uint32_t *ext;
	uint32_t next, nlb;
	bool ext_local;		   /* externalTrafficPolicy: Local */
	bool int_local;		   /* internalTrafficPolicy: Local */
	bool affinity;		   /* sessionAffinity: ClientIP */
	uint32_t affinity_timeout; /* seconds (upstream default 10800) */
	/* loadBalancerSourceRanges: the clients the LoadBalancer addresses
	 * accept (KUBE-FW chain, KUBE-PROXY-FIREWALL); none: everyone */
	const struct ipt_cidr *ranges;
	uint32_t nranges;
	const struct ipt_ep *eps;
	uint32_t neps;
};

struct ipt_opts {
	const char *restore_bin; /* NULL: "iptables-restore" from $PATH */
	const char *save_bin;	 /* NULL: "iptables-save" */
	double min_sync_period;	 /* s between two restores; 0: none */
	double full_sync_period; /* s between full rewrites; 0: only the first */
	/* The pod network ("10.244.0.0/16"): off-cluster traffic to a cluster
	 * IP is masqueraded and pod traffic to an external address of a Local
	 * service short-circuits to the cluster chain (upstream's ClusterCIDR
	 * local-traffic detector). NULL: neither, as upstream without one. */
	const char *cluster_cidr;
	/* This node's address ("10.0.0.5"): when a source range holds it, the
	 * LoadBalancer addresses themselves are accepted as sources too (a
	 * node reaching its own VIP, upstream's allowFromNode). NULL: never. */
	const char *node_ip;
	double weight_threshold; /* see ipt_weights_moved */
	bool no_conntrack;	 /* leave conntrack alone (stale UDP flows expire) */
};

/* Counters for /metrics and logs. */
struct ipt_stats {
	uint64_t syncs, full_syncs, failures; /* restores run, of which full, failed */
	uint64_t ct_deleted;		      /* stale UDP conntrack entries removed */
	uint64_t ct_errors;		      /* conntrack dumps or deletes that failed */
	uint32_t services, endpoints;	      /* service ports set, their endpoints */
	uint64_t weight_syncs;		      /* restores that only moved weights */
	uint32_t chains_written;	      /* per-service chains in the last restore */
	uint32_t chains_deleted;	      /* chains the last restore removed */
	size_t bytes_written;		      /* size of the last restore's input */
	double last_sync_seconds;	      /* how long the last restore took */
	char last_error[512];		      /* "" after a good sync */
};

struct ipt;

/* Fill o with the defaults above (binaries from $PATH, no cluster CIDR). */
void ipt_opts_default(struct ipt_opts *o);

/* A proxy with no service port. Strings in o are copied. Writes nothing:
 * the first ipt_sync does (a restart keeps the previous rules serving
 * until then). NULL on -ENOMEM or a malformed cluster_cidr or node_ip. */
struct ipt *ipt_new(const struct ipt_opts *o);
void ipt_free(struct ipt *t);

/* Set service port key (the caller's name, "ns/name:port/proto") to sp.
 * Weights given by ipt_set_weights stay with endpoints that keep their
 * address and port. Rendered at once; the next sync writes it only
 * if its rules changed. For UDP, endpoints that stop serving get their
 * conntrack entries removed after that sync. 0, -EINVAL (a name longer
 * than 63 or with characters other than [A-Za-z0-9._-], an unknown
 * protocol, no cluster IP, port 0, nlb > next, a source range longer
 * than 32 or with host bits) or -ENOMEM. */
int ipt_set(struct ipt *t, const char *key, const struct ipt_svc_port *sp);

/* Remove service port key: its chains are deleted (-X) by the next sync.
 * 0 or -ENOENT. */
int ipt_del(struct ipt *t, const char *key);

/* Least-busy weighting: active[i] is the number of live connections of
 * endpoint i of the last ipt_set of key (ipt_ct_count reads them). One
 * ipt_weights_step moves the proposed weights of the endpoints the cluster
 * chain balances over; they are adopted, and the service port's chains
 * rewritten by the next sync, only when ipt_weights_moved says some
 * endpoint's share moved beyond the threshold from the written ones, so a
 * sync costs the services whose balance really changed. Steps too small to
 * write add up in the proposed weights until they are not. Such a sync writes only those
 * chains and does not wait for min_sync_period (see ipt_sync). Weights stay
 * with endpoints that keep their address and port across ipt_set; a new
 * endpoint starts at 1. Returns 1 if adopted, 0 if not, -ENOENT, -EINVAL
 * (n is not its number of endpoints) or -ENOMEM. */
int ipt_set_weights(struct ipt *t, const char *key, const uint32_t *active, uint32_t n);

/* The statistic-match probabilities of a chain of n endpoints with these
 * weights (NULL: all equal): rule i matches with p_i = w_i / sum_{j>=i} w_j,
 * so endpoint i is chosen with probability w_i / sum_j w_j. Equal weights
 * give upstream's 1/(n-i) exactly. p[n-1] is 1 (the last rule has no
 * statistic match). */
void ipt_probabilities(const double *w, uint32_t n, double *p);

/* One least-busy step into out: w_i * ((A + 1) / (active_i / p_i + 1))^0.4
 * with p_i = applied_i / sum applied, the share the rules route by now, and
 * A = sum active (active_i / p_i is how long endpoint i's connections
 * last, by Little's law), scaled to a mean of 1, none below 0.01. w are
 * the weights being moved: the proposed ones, which keep the steps not
 * yet written (applied and w are the same array when every step is). No
 * active connection at all leaves w exactly as it is. */
void ipt_weights_step(const double *applied, const double *w, const uint32_t *active, uint32_t n,
		      double *out);

/* Whether going from weights before to now (NULL: all equal) changes some
 * endpoint's share of new connections, w_i / sum_j w_j, by more than
 * threshold (0.01: one percentage point), or halves or doubles it. */
bool ipt_weights_moved(const double *before, const double *now, uint32_t n, double threshold);

/* What a sync would send to iptables-restore, into *text (malloc'd,
 * NUL-terminated) and *len. full: every chain, as the first sync writes
 * them (less the stale chains and missing jump rules that only that sync
 * learns, from iptables-save); else only what changed since the last good
 * sync: the shared chains whole, unless only weights changed, then only
 * the service chains they moved. Changes nothing. 0 or -ENOMEM. */
int ipt_render(struct ipt *t, bool full, char **text, size_t *len);

/* Write the changes: `iptables-restore -w 5 -W 100000 --noflush --counters`
 * with the text on stdin, as upstream. The first sync, one after a failure
 * and one every full_sync_period are full: iptables-save -t nat and -t
 * filter are read first, the jump rules from the built-in chains added if
 * missing and stale KUBE-SVC/SVL/EXT/SEP/FW chains deleted, all in the same
 * restore. Then stale UDP conntrack entries are removed. A sync where only
 * weights changed writes just the service chains they moved and is not
 * held back by min_sync_period (nor does it count for it): the weights'
 * own period paces it, and a change of services is never delayed by the
 * weights. 0 (also when nothing changed), -EAGAIN when the last restore
 * that changed services was less than min_sync_period ago (nothing done: call again after
 * ipt_sync_delay), or -errno when a command failed (stats' last_error says why; the next sync is
 * full). */
int ipt_sync(struct ipt *t);

/* Seconds until ipt_sync may run a restore (0: now). */
double ipt_sync_delay(const struct ipt *t);

const struct ipt_stats *ipt_stats(const struct ipt *t);

/* kube-proxy's chain name into out: prefix (e.g. "KUBE-SVC-") + the first
 * 16 characters of base32(sha256(spn + proto + ep)), where spn is
 * "ns/name:port" ("ns/name" for an unnamed port), proto "tcp", "udp" or
 * "sctp" and ep "a.b.c.d:port" for a KUBE-SEP chain, "" otherwise. */
void ipt_chain_name(char out[IPT_CHAIN_MAX], const char *prefix, const char *spn, const char *proto,
		    const char *ep);

/* One endpoint whose connections ipt_ct_count counts. */
struct ipt_ct_ep {
	uint32_t addr;	 /* be */
	uint16_t port;	 /* be */
	uint8_t proto;	 /* IPPROTO_TCP or IPPROTO_UDP */
	uint32_t active; /* out */
};

/* Count the conntrack entries whose reply source is each endpoint: TCP
 * ones in ESTABLISHED, every UDP one. 0 or -errno (no conntrack, not
 * permitted). */
int ipt_ct_count(struct ipt_ct_ep *eps, uint32_t n);

#endif
