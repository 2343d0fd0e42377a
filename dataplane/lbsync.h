/* lbsync: keeps the socket-LB maps equal to a desired state while writing
 * only what differs.
 *
 * It mirrors what is in the maps (service ports with their slots, backends
 * with their ids), so one endpoint change costs a few map writes whatever
 * the number of services. Backends are shared by address (addr, port,
 * proto) across services, so a pod's active-connection count is one number.
 * A backend that leaves every service keeps its id (state 0, "draining")
 * until its last connection closes, so the count stays attached to the
 * right address and the id is never reused under a live connection.
 *
 * On restart, lbsync_adopt() rebuilds the mirror from the pinned maps, so
 * ids, counters and affinity survive and the first sync writes nothing
 * that is already right.
 */
#ifndef SKIFF_LBSYNC_H
#define SKIFF_LBSYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "lbmap.h"

/* One desired backend of a service port. */
struct lbsync_be {
	uint32_t addr; /* be */
	uint16_t port; /* be */
	uint8_t state; /* LB_BE_* */
};

/* Desired state of one service port: be[0..nready-1] are ready, the rest
 * serving+terminating (see lb4_svc_val). The order inside each part does
 * not matter: a backend keeps the slot it already has, so a change costs
 * writes in proportion to what changed. */
struct lbsync_svc {
	uint16_t flags;		   /* LB_SVC_F_* */
	uint32_t affinity_timeout; /* seconds */
	uint32_t n, nready;
	const struct lbsync_be *be;
};

struct lbsync_stats {
	uint64_t map_writes; /* updates + deletes issued */
	uint64_t map_errors; /* failed updates/deletes */
	uint64_t repairs;    /* entries fixed by lbsync_verify */
	uint32_t services;   /* service ports programmed */
	uint32_t backends;   /* backend ids in use (incl. draining) */
	uint32_t draining;   /* of which in no service any more */
	uint32_t slots;	     /* backend slots programmed */
};

struct lbsync;

struct lbsync *lbsync_new(const struct lbmap_fds *fds, uint32_t max_services,
			  uint32_t max_backends);
void lbsync_free(struct lbsync *s);

/* Read the maps into the mirror (on start, with pinned maps). */
int lbsync_adopt(struct lbsync *s);

/* Program one service port (key.slot is ignored). Marks it as seen.
 * Returns 0; -ENOSPC when no service or backend id is left (nothing
 * changed); -EOVERFLOW when more than LB_MAX_SLOTS backends were wanted (the
 * first LB_MAX_SLOTS are programmed); -ENOMEM; or the first failed map
 * write's -errno (-E2BIG: the BPF map is full). */
int lbsync_set(struct lbsync *s, const struct lb4_svc_key *key, const struct lbsync_svc *want);
/* Remove one service port. */
int lbsync_del(struct lbsync *s, const struct lb4_svc_key *key);

/* Full sync: lbsync_mark_begin(), lbsync_set() every wanted service port,
 * then lbsync_sweep() removes the service ports not set since. */
void lbsync_mark_begin(struct lbsync *s);
int lbsync_sweep(struct lbsync *s);

/* Free the ids of draining backends that have no connection left. */
int lbsync_gc(struct lbsync *s);

/* Compare the maps with the mirror and repair differences (drift, foreign
 * writes). Returns the number of repairs or -errno. */
int lbsync_verify(struct lbsync *s);

const struct lbsync_stats *lbsync_stats(const struct lbsync *s);

#endif
