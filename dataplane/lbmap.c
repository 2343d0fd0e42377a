/* lbmap: userspace access to the socket-LB maps by file descriptor. */
#include "lbmap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

void lbmap_fds_init(struct lbmap_fds *f)
{
	f->svc = f->be = f->conn = f->sel = -1;
	f->aff = f->rnat = f->sock = f->stats = -1;
}

int lbmap_open_pinned(const char *pin_dir, struct lbmap_fds *f, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		size_t off;
	} pins[] = {
	    {LB_PIN_SVC, offsetof(struct lbmap_fds, svc)},
	    {LB_PIN_BE, offsetof(struct lbmap_fds, be)},
	    {LB_PIN_CONN, offsetof(struct lbmap_fds, conn)},
	    {LB_PIN_SEL, offsetof(struct lbmap_fds, sel)},
	    {LB_PIN_AFF, offsetof(struct lbmap_fds, aff)},
	    {LB_PIN_RNAT, offsetof(struct lbmap_fds, rnat)},
	    {LB_PIN_SOCK, offsetof(struct lbmap_fds, sock)},
	    {LB_PIN_STATS, offsetof(struct lbmap_fds, stats)},
	};
	char path[PATH_MAX];
	size_t i;

	lbmap_fds_init(f);
	for (i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s", pin_dir, pins[i].name);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			int e = errno;

			snprintf(err, errlen, "%s: %s%s", path, strerror(e),
				 e == ENOENT ? " (is skiff-node running with this --bpf-pin-dir?)"
					     : "");
			lbmap_close(f);
			return -e;
		}
		*(int *)((char *)f + pins[i].off) = fd;
	}
	return 0;
}

void lbmap_close(struct lbmap_fds *f)
{
	int *fds[] = {&f->svc, &f->be, &f->conn, &f->sel, &f->aff, &f->rnat, &f->sock, &f->stats};
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int lbmap_capacity(int fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	return (int)info.max_entries;
}

/* Sum a per-CPU u64 value. */
static int percpu_sum(int fd, __u32 key, uint64_t *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;
	int i;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, vals)) {
		int e = -errno;

		free(vals);
		return e;
	}
	*sum = 0;
	for (i = 0; i < ncpu; i++)
		*sum += vals[i];
	free(vals);
	return 0;
}

int lbmap_stats_read(const struct lbmap_fds *f, uint64_t out[LB_STAT_MAX])
{
	__u32 i;
	int err;

	for (i = 0; i < LB_STAT_MAX; i++) {
		err = percpu_sum(f->stats, i, &out[i]);
		if (err)
			return err;
	}
	return 0;
}

int lbmap_backend_read(const struct lbmap_fds *f, uint32_t id, struct lbmap_backend_info *out)
{
	struct lb4_conn conn;
	int err;

	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(f->be, &id, &out->be))
		return -errno;
	if (bpf_map_lookup_elem(f->conn, &id, &conn))
		return -errno;
	out->active = conn.active;
	err = percpu_sum(f->sel, id, &out->selected);
	return err;
}

int lbmap_svc_walk(const struct lbmap_fds *f, lbmap_svc_fn fn, void *ud)
{
	struct lb4_svc_key key, next;
	struct lb4_svc_val val;
	void *prev = NULL;
	int ret;

	while (bpf_map_get_next_key(f->svc, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (key.slot != 0)
			continue;
		/* Deleted between get_next_key and lookup: skip it. */
		if (bpf_map_lookup_elem(f->svc, &key, &val))
			continue;
		ret = fn(ud, &key, &val);
		if (ret)
			return ret;
	}
	return errno == ENOENT ? 0 : -errno;
}

int lbmap_svc_get(const struct lbmap_fds *f, const struct lb4_svc_key *key, struct lb4_svc_val *val)
{
	if (bpf_map_lookup_elem(f->svc, key, val))
		return -errno;
	return 0;
}

const char *lbmap_fmt_addr(uint32_t be_addr, uint16_t be_port, char *buf, size_t len)
{
	char ip[INET_ADDRSTRLEN];
	struct in_addr a = {.s_addr = be_addr};

	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	snprintf(buf, len, "%s:%u", ip, ntohs(be_port));
	return buf;
}

const char *lbmap_proto_name(uint8_t proto)
{
	static __thread char num[8];

	if (proto == IPPROTO_TCP)
		return "TCP";
	if (proto == IPPROTO_UDP)
		return "UDP";
	snprintf(num, sizeof(num), "%u", proto);
	return num;
}

const char *lbmap_state_name(uint8_t st)
{
	if (st & LB_BE_READY)
		return "ready";
	if ((st & LB_BE_SERVING) && (st & LB_BE_TERMINATING))
		return "terminating";
	if (st & LB_BE_TERMINATING)
		return "terminating-not-serving";
	if (st & LB_BE_SERVING)
		return "serving";
	return "draining";
}
