/* bpflb: load, attach and pin the socket-LB programs (bpf/sock_lb.bpf.c),
 * or adopt the ones a previous skiff-node left pinned.
 *
 * Everything lives under the pin dir: the maps by name and the cgroup links
 * under links/. Links hold the attachment, so the programs stay attached
 * while skiff-node is down; on start the maps are reused (data and counters
 * intact) and each pinned link is switched atomically to the newly loaded
 * program (bpf_link_update), so no connect() ever runs unhooked.
 */
#ifndef SKIFF_BPFLB_H
#define SKIFF_BPFLB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lbmap.h"

struct sock_lb_bpf;

struct bpflb_opts {
	const char *pin_dir;   /* bpffs directory; mounted if it is not bpffs */
	const char *cgroup;    /* cgroup v2 directory to attach to */
	uint32_t max_services; /* service entries (vip, port, proto) */
	uint32_t max_backends; /* backend ids */
};

struct bpflb {
	struct sock_lb_bpf *skel;
	struct lbmap_fds fds; /* borrowed from skel, do not close */
	int cgroup_fd;
	bool adopted;	   /* maps were already pinned (restart) */
	int links_adopted; /* links switched in place */
	int links_created; /* links attached now */
};

struct bpf_object;
/* Size the maps every LB object shares (lb_maps.bpf.h) as the flags say,
 * between open and load, so that the second object loaded reuses the
 * first one's pins (libbpf checks the sizes match). */
void bpflb_size_shared(struct bpf_object *obj, uint32_t max_services, uint32_t max_backends);

/* Route libbpf's messages through lib/log.h. Idempotent. */
void bpflb_setup_logging(void);

/* Check the kernel has what the programs need (BTF, cgroup v2 at cgroup,
 * BPF allowed). 0, or -errno with a sentence saying what is missing. */
int bpflb_check(const struct bpflb_opts *o, char *err, size_t errlen);

/* Load (adopting pinned maps), attach or adopt links, pin. */
int bpflb_open(struct bpflb *lb, const struct bpflb_opts *o, char *err, size_t errlen);

/* Release userspace handles; pinned maps and links stay (restart safe). */
void bpflb_close(struct bpflb *lb);

/* Detach the programs and remove every pin under pin_dir (skiff-node
 * --cleanup). Connections already translated keep working. */
int bpflb_unpin_all(const char *pin_dir, char *err, size_t errlen);

/* Make sure dir exists on a bpffs, mounting one there if needed. */
int bpflb_ensure_bpffs(const char *dir, char *err, size_t errlen);

#endif
