/* lbmap: userspace access to the socket-LB maps (bpf/lb_common.h) by file
 * descriptor — used by skiff-node to program them and by skiffctl to read
 * them from their pins. Knows the layouts, not the policy. */
#ifndef SKIFF_LBMAP_H
#define SKIFF_LBMAP_H

#include <stddef.h>
#include <stdint.h>
#include "lb_common.h"

struct lbmap_fds {
	int svc;   /* skiff_svc */
	int be;	   /* skiff_be */
	int conn;  /* skiff_conn */
	int sel;   /* skiff_sel (per CPU) */
	int aff;   /* skiff_aff */
	int rnat;  /* skiff_rnat */
	int sock;  /* skiff_sock */
	int stats; /* skiff_stats (per CPU) */
};

/* Set every fd to -1. */
void lbmap_fds_init(struct lbmap_fds *f);

/* Open the maps pinned under pin_dir (read-write). Returns 0 or -errno with
 * a message naming the missing pin in err. */
int lbmap_open_pinned(const char *pin_dir, struct lbmap_fds *f, char *err, size_t errlen);

/* Close the fds opened by lbmap_open_pinned. */
void lbmap_close(struct lbmap_fds *f);

/* Capacity of a map (max_entries), or -errno. */
int lbmap_capacity(int fd);

/* Sum of the per-CPU event counters (enum lb_stat). */
int lbmap_stats_read(const struct lbmap_fds *f, uint64_t out[LB_STAT_MAX]);

/* One backend: its entry, active connections and total selections. */
struct lbmap_backend_info {
	struct lb4_backend be;
	uint64_t active;
	uint64_t selected;
};
int lbmap_backend_read(const struct lbmap_fds *f, uint32_t id, struct lbmap_backend_info *out);

/* Service entries: call fn for every slot-0 entry of skiff_svc. A non-zero
 * return from fn stops the walk and is returned. */
typedef int (*lbmap_svc_fn)(void *ud, const struct lb4_svc_key *key, const struct lb4_svc_val *val);
int lbmap_svc_walk(const struct lbmap_fds *f, lbmap_svc_fn fn, void *ud);

/* Read one slot (0 = service entry). 0, -ENOENT or -errno. */
int lbmap_svc_get(const struct lbmap_fds *f, const struct lb4_svc_key *key,
		  struct lb4_svc_val *val);

/* Format a be32 address and be16 port as "a.b.c.d:port". */
const char *lbmap_fmt_addr(uint32_t be_addr, uint16_t be_port, char *buf, size_t len);

/* "TCP", "UDP" or the number. */
const char *lbmap_proto_name(uint8_t proto);
/* A backend's LB_BE_* state as skiffctl shows it: ready, serving,
 * terminating, terminating-not-serving or draining. */
const char *lbmap_state_name(uint8_t st);

#endif
