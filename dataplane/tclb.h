/* tclb: the tc path (bpf/tc_lb.bpf.c) on a node's external interface:
 * load it beside the socket LB (sharing its pinned maps), attach it to the
 * interface's clsact ingress and egress (replacing what a previous
 * skiff-node attached, atomically), keep its configuration (the node's
 * addresses and MAC) and collect the flows that ended silently.
 *
 * tc filters are not held by a file descriptor: they stay attached while
 * skiff-node is down, and the pinned flow table keeps every flow, so a
 * restart loses no external connection.
 */
#ifndef SKIFF_TCLB_H
#define SKIFF_TCLB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proxy_model.h"

struct tc_lb_bpf;

struct tclb_opts {
	const char *pin_dir;		     /* the socket LB's (maps shared by name) */
	const char *ifname;		     /* the external interface, in this netns */
	uint32_t max_flows;		     /* skiff_ct entries (two per flow) */
	uint32_t max_services, max_backends; /* as given to bpflb: shared maps' sizes */
};

struct tclb_gc_stats {
	uint64_t expired; /* flows counted down by the GC (no FIN/RST seen) */
	uint64_t removed; /* entries deleted */
	uint64_t reused;  /* expired flows whose 5-tuple a new flow had taken: kept */
	uint64_t errors;  /* skiff_ct_release runs that failed */
	uint32_t flows;	  /* ORIG entries present after the pass */
};

struct tclb {
	struct tc_lb_bpf *skel;
	int ifindex;
	uint32_t node_addr; /* be */
	int ct_fd, l2_fd, release_fd, range_fd;
	struct tclb_gc_stats gc;
};

/* Load, configure and attach. 0, or -errno with err saying what failed. */
int tclb_open(struct tclb *t, const struct tclb_opts *o, char *err, size_t errlen);
/* Release userspace handles; the filters and pinned maps stay. */
void tclb_close(struct tclb *t);
/* One GC pass over the flow table: expired flows are counted down (once,
 * through skiff_ct_release) and removed with their reply entries; closed
 * ones are removed after a short linger. */
int tclb_gc(struct tclb *t);
/* Make skiff_l2 (the addresses ARP is answered for) exactly addrs (be). */
int tclb_set_l2(struct tclb *t, const uint32_t *addrs, uint32_t n);
/* The clients a frontend address vip (be) accepts: exactly these prefixes
 * (its entries flagged LB_SVC_F_SRC_RANGES check them); n 0 removes them. */
int tclb_set_ranges(struct tclb *t, uint32_t vip, const struct pm_cidr *r, uint32_t n);
/* Detach the filters from ifname and remove the tc path's pins (--cleanup). */
int tclb_unpin_all(const char *pin_dir, const char *ifname, char *err, size_t errlen);

#endif
