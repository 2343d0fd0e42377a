/* bpflb: load, attach and pin the socket-LB programs, or adopt pinned ones. */
#include "bpflb.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "sock_lb.skel.h"

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum log_level lvl = level == LIBBPF_WARN   ? LOG_WARN
			     : level == LIBBPF_INFO ? LOG_INFO
						    : LOG_DEBUG;
	char *buf = NULL;
	size_t n;

	if (lvl > log_get_level())
		return 0;
	/* Verifier logs are long: no fixed buffer. */
	if (vasprintf(&buf, fmt, ap) < 0)
		return 0;
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	log_msg(lvl, "%s", buf);
	free(buf);
	return 0;
}

void bpflb_setup_logging(void)
{
	libbpf_set_print(libbpf_log);
}

int bpflb_check(const struct bpflb_opts *o, char *err, size_t errlen)
{
	struct statfs sfs;

	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(err, errlen,
			 "kernel BTF is missing (/sys/kernel/btf/vmlinux): the socket load "
			 "balancer needs a kernel built with CONFIG_DEBUG_INFO_BTF=y");
		return -ENOTSUP;
	}
	if (statfs(o->cgroup, &sfs)) {
		int e = errno;

		snprintf(err, errlen, "--cgroup %s: %s (need a cgroup v2 directory)", o->cgroup,
			 strerror(e));
		return -e;
	}
	if (sfs.f_type != CGROUP2_SUPER_MAGIC) {
		snprintf(err, errlen,
			 "--cgroup %s is not on cgroup v2 (cgroup2 mount needed; see "
			 "`mount -t cgroup2`)",
			 o->cgroup);
		return -ENOTSUP;
	}
	if (geteuid() != 0 && access("/sys/fs/bpf", W_OK)) {
		snprintf(err, errlen, "BPF needs root or CAP_BPF+CAP_NET_ADMIN+CAP_SYS_ADMIN");
		return -EPERM;
	}
	return 0;
}

static int is_bpffs(const char *path)
{
	struct statfs sfs;

	if (statfs(path, &sfs))
		return -errno;
	return sfs.f_type == BPF_FS_MAGIC;
}

static int mkdir_p(const char *dir)
{
	char tmp[PATH_MAX];
	char *p;

	if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int bpflb_ensure_bpffs(const char *dir, char *err, size_t errlen)
{
	char parent[PATH_MAX];
	char *slash;
	int r;

	/* The usual case: /sys/fs/bpf is mounted and dir lives under it. */
	if (mkdir_p(dir) == 0) {
		r = is_bpffs(dir);
		if (r == 1)
			return 0;
		if (r < 0)
			goto fail;
		/* An ordinary directory (tests use one under /tmp): give it
		 * its own bpffs instance. */
		if (mount("bpffs", dir, "bpf", 0, "mode=0700")) {
			r = -errno;
			goto fail;
		}
		return 0;
	}
	/* mkdir failed: typically /sys/fs/bpf exists on sysfs but bpffs is
	 * not mounted there (no mkdir on sysfs). Mount it on the parent, as
	 * systemd and Cilium do. */
	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (!slash || slash == parent) {
		r = -EINVAL;
		goto fail;
	}
	*slash = 0;
	if (is_bpffs(parent) != 1 && mount("bpffs", parent, "bpf", 0, "mode=0700")) {
		r = -errno;
		goto fail;
	}
	r = mkdir_p(dir);
	if (r)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "--bpf-pin-dir %s: cannot create it on a bpf filesystem: %s", dir,
		 strerror(-r));
	return r;
}

/* cgroup id of an open cgroup v2 directory: its inode number. */
static uint64_t cgroup_id(int cgfd)
{
	struct stat st;

	if (fstat(cgfd, &st))
		return 0;
	return st.st_ino;
}

struct prog_slot {
	struct bpf_program *prog;
	const char *name;
};

/* Attach one program: adopt the pinned link (same cgroup) by switching it
 * to the new program, or attach fresh and pin. */
static int attach_one(struct bpflb *lb, const char *pin_dir, const struct prog_slot *ps, char *err,
		      size_t errlen)
{
	char path[PATH_MAX];
	struct bpf_link *link;
	int r;

	snprintf(path, sizeof(path), "%s/%s/%s", pin_dir, LB_PIN_LINKS, ps->name);
	link = access(path, F_OK) == 0 ? bpf_link__open(path) : NULL;
	if (link) {
		struct bpf_link_info info;
		__u32 len = sizeof(info);

		memset(&info, 0, sizeof(info));
		r = bpf_obj_get_info_by_fd(bpf_link__fd(link), &info, &len);
		if (r == 0 && info.type == BPF_LINK_TYPE_CGROUP &&
		    info.cgroup.cgroup_id == cgroup_id(lb->cgroup_fd)) {
			r = bpf_link__update_program(link, ps->prog);
			if (r) {
				snprintf(err, errlen, "update pinned link %s: %s", path,
					 strerror(-r));
				bpf_link__destroy(link);
				return r;
			}
			lb->links_adopted++;
			bpf_link__destroy(link); /* the pin keeps it alive */
			return 0;
		}
		/* Pinned for another cgroup (the flag changed): replace. */
		pr_warn("%s is attached to another cgroup; re-attaching", path);
		bpf_link__unpin(link);
		bpf_link__detach(link);
		bpf_link__destroy(link);
	}
	link = bpf_program__attach_cgroup(ps->prog, lb->cgroup_fd);
	if (!link) {
		r = -errno;
		snprintf(err, errlen, "attach %s to the cgroup: %s", ps->name, strerror(-r));
		return r;
	}
	r = bpf_link__pin(link, path);
	if (r) {
		snprintf(err, errlen, "pin %s: %s", path, strerror(-r));
		bpf_link__destroy(link);
		return r;
	}
	lb->links_created++;
	bpf_link__destroy(link);
	return 0;
}

void bpflb_size_shared(struct bpf_object *obj, uint32_t max_services, uint32_t max_backends)
{
	static const struct {
		const char *name;
		int svc, be; /* max_entries = svc * max_services + be * max_backends */
	} sz[] = {{LB_PIN_SVC, 1, 1}, {LB_PIN_BE, 0, 1},  {LB_PIN_CONN, 0, 1},
		  {LB_PIN_SEL, 0, 1}, {LB_PIN_AFF, 1, 0}, {LB_PIN_RNAT, 1, 0}};

	for (size_t i = 0; i < sizeof(sz) / sizeof(sz[0]); i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, sz[i].name);

		if (m)
			bpf_map__set_max_entries(m, sz[i].svc * max_services +
							sz[i].be * max_backends);
	}
}

int bpflb_open(struct bpflb *lb, const struct bpflb_opts *o, char *err, size_t errlen)
{
	struct bpf_object_open_opts oo = {.sz = sizeof(oo), .pin_root_path = o->pin_dir};
	char path[PATH_MAX];
	struct sock_lb_bpf *s;
	size_t i;
	int r;

	memset(lb, 0, sizeof(*lb));
	lbmap_fds_init(&lb->fds);
	lb->cgroup_fd = -1;

	r = bpflb_check(o, err, errlen);
	if (r)
		return r;
	r = bpflb_ensure_bpffs(o->pin_dir, err, errlen);
	if (r)
		return r;
	snprintf(path, sizeof(path), "%s/%s", o->pin_dir, LB_PIN_LINKS);
	if (mkdir(path, 0700) && errno != EEXIST) {
		r = -errno;
		snprintf(err, errlen, "mkdir %s: %s", path, strerror(errno));
		return r;
	}
	snprintf(path, sizeof(path), "%s/%s", o->pin_dir, LB_PIN_SVC);
	lb->adopted = access(path, F_OK) == 0;

	lb->cgroup_fd = open(o->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lb->cgroup_fd < 0) {
		r = -errno;
		snprintf(err, errlen, "open --cgroup %s: %s", o->cgroup, strerror(errno));
		return r;
	}

	s = sock_lb_bpf__open_opts(&oo);
	if (!s) {
		r = -errno;
		snprintf(err, errlen, "open BPF object: %s", strerror(-r));
		goto close_cgroup;
	}
	lb->skel = s;
	bpflb_size_shared(s->obj, o->max_services, o->max_backends);
	r = sock_lb_bpf__load(s);
	if (r) {
		if (r == -EPERM)
			snprintf(err, errlen,
				 "loading BPF programs was refused (EPERM): run as root or with "
				 "CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN");
		else if (lb->adopted && r == -EINVAL)
			snprintf(err, errlen,
				 "the maps pinned under %s do not match this build or the "
				 "--max-services/--max-backends given (see the libbpf message "
				 "above); restart with the same sizes, or remove them with "
				 "skiff-node --cleanup",
				 o->pin_dir);
		else
			snprintf(err, errlen,
				 "loading BPF programs failed: %s (run with -v for the "
				 "verifier log)",
				 strerror(-r));
		goto destroy_skel;
	}

	{
		const struct prog_slot progs[] = {
		    {s->progs.skiff_sock_release, "sock_release"},
		    {s->progs.skiff_getpeername4, "getpeername4"},
		    {s->progs.skiff_recvmsg4, "recvmsg4"},
		    {s->progs.skiff_sendmsg4, "sendmsg4"},
		    /* connect4 last: by the time new connections are
		     * counted up, the programs that count them down and
		     * translate them back are in place. */
		    {s->progs.skiff_connect4, "connect4"},
		};

		for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
			r = attach_one(lb, o->pin_dir, &progs[i], err, errlen);
			if (r)
				goto destroy_skel;
		}
	}

	lb->fds.svc = bpf_map__fd(s->maps.skiff_svc);
	lb->fds.be = bpf_map__fd(s->maps.skiff_be);
	lb->fds.conn = bpf_map__fd(s->maps.skiff_conn);
	lb->fds.sel = bpf_map__fd(s->maps.skiff_sel);
	lb->fds.aff = bpf_map__fd(s->maps.skiff_aff);
	lb->fds.rnat = bpf_map__fd(s->maps.skiff_rnat);
	lb->fds.sock = bpf_map__fd(s->maps.skiff_sock);
	lb->fds.stats = bpf_map__fd(s->maps.skiff_stats);
	return 0;

destroy_skel:
	sock_lb_bpf__destroy(s);
	lb->skel = NULL;
close_cgroup:
	close(lb->cgroup_fd);
	lb->cgroup_fd = -1;
	return r;
}

void bpflb_close(struct bpflb *lb)
{
	/* Links were destroyed right after pinning; destroying the skeleton
	 * closes map and program fds only. */
	if (lb->skel)
		sock_lb_bpf__destroy(lb->skel);
	lb->skel = NULL;
	if (lb->cgroup_fd >= 0)
		close(lb->cgroup_fd);
	lb->cgroup_fd = -1;
	lbmap_fds_init(&lb->fds);
}

int bpflb_unpin_all(const char *pin_dir, char *err, size_t errlen)
{
	static const char *const links[] = {"connect4", "sendmsg4", "recvmsg4", "getpeername4",
					    "sock_release"};
	static const char *const maps[] = {LB_PIN_SVC, LB_PIN_BE,   LB_PIN_CONN, LB_PIN_SEL,
					   LB_PIN_AFF, LB_PIN_RNAT, LB_PIN_SOCK, LB_PIN_STATS};
	char path[PATH_MAX];
	size_t i;
	int r = 0;

	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		struct bpf_link *link;

		snprintf(path, sizeof(path), "%s/%s/%s", pin_dir, LB_PIN_LINKS, links[i]);
		link = bpf_link__open(path);
		if (!link)
			continue;
		bpf_link__detach(link);
		bpf_link__destroy(link);
		if (unlink(path) && errno != ENOENT && !r) {
			r = -errno;
			snprintf(err, errlen, "unlink %s: %s", path, strerror(errno));
		}
	}
	snprintf(path, sizeof(path), "%s/%s", pin_dir, LB_PIN_LINKS);
	rmdir(path);
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, maps[i]);
		if (unlink(path) && errno != ENOENT && !r) {
			r = -errno;
			snprintf(err, errlen, "unlink %s: %s", path, strerror(errno));
		}
	}
	return r;
}
