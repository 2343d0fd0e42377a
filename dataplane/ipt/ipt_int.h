/* ipt_int: what the ipt files share — the proxy's state, one service
 * port's rendered rules, the renderer, the command runner and the
 * conntrack cleaner. */
#ifndef SKIFF_IPT_INT_H
#define SKIFF_IPT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ipt.h"

/* "ns/name:port" + NUL, with names and a port name of 63 characters at
 * most (ipt_set checks): the longest comment then stays under xt_comment's
 * 256 bytes. */
#define IPT_NAME_MAX 63
#define IPT_SPN_MAX  (3 * IPT_NAME_MAX + 3)

/* Rules in the chains every service port adds to; rewritten whole by
 * every sync. */
enum ipt_shared {
	SH_NAT_SERVICES,  /* nat KUBE-SERVICES */
	SH_NAT_NODEPORTS, /* nat KUBE-NODEPORTS */
	SH_FLT_SERVICES,  /* filter KUBE-SERVICES: no endpoints -> REJECT */
	SH_FLT_EXTERNAL,  /* filter KUBE-EXTERNAL-SERVICES */
	SH_FLT_NODEPORTS, /* filter KUBE-NODEPORTS: health check node ports */
	SH_FLT_FIREWALL,  /* filter KUBE-PROXY-FIREWALL: source-range drops */
	SH_N
};

/* One chain of a service port (KUBE-EXT/SVC/SVL/SEP): its "-A" lines. */
struct ipt_chain {
	char name[IPT_CHAIN_MAX];
	char *rules;
	size_t len;
};

/* A service port's own chains, by name. Immutable once rendered: the
 * applied set is the rendered one until the next change. */
struct ipt_chains {
	struct ipt_chain *v;
	uint32_t n;
};

/* One endpoint as kept: the caller's and its least-busy weight. */
struct ipt_iep {
	struct ipt_ep ep;
	double weight; /* written into the rules: 1 until ipt_set_weights moves it */
	double want;   /* proposed: every step, written or not */
};

/* One service port. */
struct ipt_svc {
	char *key;
	struct ipt_svc_port sp; /* owned copies of the strings and arrays */
	struct ipt_iep *eps;	/* sp.neps of them, the caller's order */
	char spn[IPT_SPN_MAX];	/* "ns/name:port" */
	struct buf shared[SH_N];
	struct ipt_chains *cur;	    /* rendered from sp */
	struct ipt_chains *applied; /* in the kernel since the last good sync */
	bool touched;		    /* in ipt->touched: changed since that sync */
	bool reshaped;		    /* touched by more than a weight change */
	bool dead;		    /* ipt_del'd: freed after the next good sync */
};

/* What rendering depends on besides the service port itself. */
struct ipt_render_ctx {
	const char *cidr; /* cluster CIDR, NULL if none */
	uint32_t node_ip; /* be, 0 if none */
	bool large;	  /* over IPT_LARGE_CLUSTER_EPS endpoints: no per-endpoint comments */
};

/* Render s->sp into *shared (SH_N buffers, emptied first) and a new chain
 * set *out. 0 or -ENOMEM. */
int ipt_render_svc(const struct ipt_render_ctx *c, const struct ipt_svc *s, struct buf *shared,
		   struct ipt_chains **out);
void ipt_chains_free(struct ipt_chains *c);
bool ipt_chains_equal(const struct ipt_chains *a, const struct ipt_chains *b);
const struct ipt_chain *ipt_chains_find(const struct ipt_chains *c, const char *name);

/* "tcp", "udp", "sctp", or NULL. */
const char *ipt_proto_name(uint8_t proto);

/* Run bin with argv (argv[0] included), in (may be NULL) on its stdin;
 * its stdout into *out (malloc'd, may be NULL), its stderr (and stdout when
 * out is NULL) into err. 0 if it exited 0, -ENOENT when it could not be
 * started, -EIO when it failed (err says how), -errno. */
int ipt_run(const char *bin, char *const argv[], const char *in, size_t inlen, char **out,
	    char *err, size_t errlen);

/* Conntrack cleaning after a sync. A job deletes the UDP entries that were
 * DNATed to one of its frontends and whose reply source is (listed) or is
 * not (!listed) one of its endpoints. A frontend address of 0 is a node
 * port: any address, that destination port. */
struct ipt_ct_addr {
	uint32_t addr; /* be */
	uint16_t port; /* be */
};

struct ipt_ct_job {
	struct ipt_ct_addr *fe, *ep;
	uint32_t nfe, nep;
	bool listed;
};

/* Run the jobs in one dump; returns entries deleted or -errno. */
int ipt_ct_clean(const struct ipt_ct_job *jobs, uint32_t n);

/* The proxy: ipt.c keeps the service ports, sync.c writes them. */
struct ipt {
	struct ipt_opts o; /* strings below */
	char *restore_bin, *save_bin, *cidr;
	uint32_t node_ip;   /* be, 0 if none */
	void *root;	    /* tree of struct ipt_svc by key, dead ones included */
	uint32_t ntouched;  /* service ports with touched set */
	uint32_t nreshaped; /* of which reshaped: the shared chains must be written */
	uint64_t neps;	    /* endpoints of the live service ports */
	bool large;	    /* neps > IPT_LARGE_CLUSTER_EPS */
	bool need_full;	    /* first sync, or one after a failure */
	bool be_liberal;    /* nf_conntrack_tcp_be_liberal: no INVALID drop */
	bool synced;	    /* a restore ran */
	double last_sync, last_full;
	struct ipt_ct_job *jobs; /* conntrack cleaning for the next good sync */
	uint32_t njobs, capjobs;
	struct ipt_stats st;
};

/* Room in *pv (an array of size-byte items, n used, *cap allocated) for
 * one more. 0 or -ENOMEM. */
int ipt_grow(void *pv, uint32_t n, uint32_t *cap, size_t size);
double ipt_mono(void); /* CLOCK_MONOTONIC, seconds */
int ipt_svc_cmp(const void *a, const void *b);
void ipt_svc_free(void *v);

/* Queue a reconciling job for every live UDP service port (a full
 * sync's); drop the queue. */
int ipt_ct_queue_reconcile(struct ipt *t);
void ipt_ct_jobs_free(struct ipt *t);

#endif
