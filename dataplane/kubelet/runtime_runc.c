/* runtime_runc: the rt_ interface on runc. A container is a bundle dir (config.json from
 * oci_spec.c) run by a shim (shim.c) that outlives skiff-node; skiff-node watches the shim with a
 * pidfd on its event loop and signals the container's init through another pidfd, so a pid reused
 * after an exit is never hit. runc's state lives under <root>/runc (--root), one per node, so nodes
 * on one machine never share ids. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <linux/sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <ev.h>

#include "exepath.h"
#include "kubelet/runtime.h"
#include "log.h"

#define SYSFS_CGROUP	 "/sys/fs/cgroup"
#define START_TIMEOUT_MS 30000
/* Containers starting (runc run until the process runs) at once; more wait
 * their turn in order. Fifty runc runs side by side on two cores finish
 * together and late; a few at a time finish in order, and each started
 * process gets the CPU to come up before its first probe. */
#define RT_MAX_STARTING 4
#define STOP_WAIT_MS	5000

/* The host image's directories: bound read-only when they are directories,
 * recreated as the same symlink when they are one (/bin -> usr/bin on
 * merged-/usr systems). */
static const char *const host_dir_names[] = {"/bin", "/lib",  "/lib64", "/usr",
					     "/etc", "/sbin", NULL};

struct rt {
	struct ev_loop *loop;
	char root[PATH_MAX], runc_root[PATH_MAX + 8], runc[PATH_MAX], shim[PATH_MAX];
	enum rt_cg_mode cg_mode;
	const char *host_dirs[8];	 /* directories to bind */
	const char *host_links[8];	 /* names that are symlinks ... */
	char host_targets[8][256];	 /* ... to these */
	int starting;			 /* rt_run_async shims not yet reported */
	struct rt_start *queue, **qtail; /* starts waiting for one of those */
};

struct rt_exec_op {
	struct rt_exec_op *next;
	struct rt_ctr *c;
	pid_t pid;
	int pidfd;
	ev_io w;
	ev_timer t;
	char pidfile[PATH_MAX + 32];
	void (*done)(void *ud, int code);
	void *ud;
};

struct rt_ctr {
	struct rt *rt;
	char id[128], dir[PATH_MAX], cg[PATH_MAX];
	int shim_fd, ctr_fd; /* pidfds, -1 when none */
	ev_io w;
	ev_timer now; /* on_exit "at once" for an adopted, already exited container */
	struct rt_state st;
	void (*on_exit)(void *ud, struct rt_ctr *c);
	void *ud;
	struct rt_exec_op *execs;
};

static double now_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char p[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(p))
		return -ENAMETOOLONG;
	memcpy(p, path, n + 1);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, mode) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

static bool id_ok(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n >= 128)
		return false;
	for (const char *c = id; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' ||
		      *c == '-' || *c == '.'))
			return false;
	return true;
}

static void set_fail(struct rt_state *st, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_fail(struct rt_state *st, const char *reason, const char *fmt, ...)
{
	va_list ap;

	if (!st)
		return;
	snprintf(st->reason, sizeof(st->reason), "%s", reason);
	va_start(ap, fmt);
	vsnprintf(st->message, sizeof(st->message), fmt, ap);
	va_end(ap);
}

int rt_new(struct ev_loop *loop, const struct rt_opts *o, struct rt **out)
{
	struct rt *rt = calloc(1, sizeof(*rt));
	int r, nd = 0, nl = 0;

	if (!rt)
		return -ENOMEM;
	rt->loop = loop;
	rt->qtail = &rt->queue;
	snprintf(rt->root, sizeof(rt->root), "%s", o->root_dir);
	snprintf(rt->runc_root, sizeof(rt->runc_root), "%s/runc", o->root_dir);
	/* by its full path: runc runs for every start, stop and exec */
	if (exe_in_path(o->runc ? o->runc : "runc", rt->runc, sizeof(rt->runc))) {
		r = -ENOENT;
		pr_err("kubelet: %s: not found in PATH (install the runc package)",
		       o->runc ? o->runc : "runc");
		goto err;
	}
	if (o->shim_exe) {
		snprintf(rt->shim, sizeof(rt->shim), "%s", o->shim_exe);
	} else {
		char self[PATH_MAX], *slash;

		if (!realpath("/proc/self/exe", self)) {
			r = -errno;
			goto err;
		}
		slash = strrchr(self, '/');
		*slash = 0;
		snprintf(rt->shim, sizeof(rt->shim), "%.4000s/skiff-shim", self);
	}
	if (access(rt->shim, X_OK)) {
		r = -errno;
		pr_err("kubelet: the container shim %s: %s (it is built next to skiff-node)",
		       rt->shim, strerror(errno));
		goto err;
	}
	r = mkdir_p(rt->runc_root, 0700);
	if (!r) {
		char img[PATH_MAX + 8];

		snprintf(img, sizeof(img), "%s/images", rt->root);
		r = mkdir_p(img, 0755);
	}
	if (r)
		goto err;
	rt->cg_mode = rt_cgroup_mode(SYSFS_CGROUP);
	for (int i = 0; host_dir_names[i]; i++) {
		struct stat st;
		ssize_t n;

		if (lstat(host_dir_names[i], &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			rt->host_dirs[nd++] = host_dir_names[i];
		} else if (S_ISLNK(st.st_mode) &&
			   (n = readlink(host_dir_names[i], rt->host_targets[nl],
					 sizeof(rt->host_targets[0]) - 1)) > 0) {
			rt->host_targets[nl][n] = 0;
			rt->host_links[nl++] = host_dir_names[i];
		}
	}
	*out = rt;
	return 0;
err:
	free(rt);
	return r;
}

static void start_queue_free(struct rt *rt);

void rt_free(struct rt *rt)
{
	/* starts still queued never ran: their bundles stay for the next
	 * start's cleanup of leftovers */
	if (rt)
		start_queue_free(rt);
	free(rt);
}

const char *rt_ctr_id(const struct rt_ctr *c)
{
	return c->id;
}

/* Run `runc --root R ARGS...` to completion; its stderr's last line in err. */
static int runc_sync(struct rt *rt, char *err, size_t elen, const char *a0, const char *a1,
		     const char *a2)
{
	int p[2], st;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);

		dup2(nul, 0);
		dup2(nul, 1);
		dup2(p[1], 2);
		execlp(rt->runc, rt->runc, "--root", rt->runc_root, a0, a1, a2, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	char buf[1024];
	size_t n = 0;
	ssize_t k;

	while ((k = read(p[0], buf + n, sizeof(buf) - 1 - n)) > 0 || (k < 0 && errno == EINTR))
		if (k > 0 && (n += (size_t)k) == sizeof(buf) - 1)
			n = 0; /* keep the tail only */
	buf[n] = 0;
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (err)
		snprintf(err, elen, "%s", buf);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)f;
	if (flag == FTW_DP)
		return rmdir(p) && errno != ENOENT ? -1 : 0;
	return unlink(p) && errno != ENOENT ? -1 : 0;
}

/* The files the runtime wrote into a bundle dir, then the dir if nothing else
 * (a log, say) is in it. The host image's rootfs holds only mountpoints and
 * symlinks: removed without following links or crossing a mount. */
static void bundle_remove(const char *dir)
{
	static const char *const files[] = {"config.json",   "state",	 "exit",       "ctr.pid",
					    "shim.pid",	     "shim.log", ".state.tmp", ".exit.tmp",
					    ".shim.pid.tmp", NULL};
	char p[PATH_MAX + 32];

	for (int i = 0; files[i]; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/rootfs", dir);
	nftw(p, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	rmdir(dir);
}

/* The host image's rootfs: an empty dir of the container's own with the host's
 * top-level symlinks; runc creates the mountpoints of the binds. */
static int host_rootfs(struct rt *rt, const char *dir, char *out, size_t len)
{
	int r;

	if (snprintf(out, len, "%s/rootfs", dir) >= (int)len)
		return -ENAMETOOLONG;
	r = mkdir_p(out, 0755);
	for (int i = 0; !r && rt->host_links[i]; i++) {
		char l[PATH_MAX + 16];

		snprintf(l, sizeof(l), "%s%s", out, rt->host_links[i]);
		if (symlink(rt->host_targets[i], l) && errno != EEXIST)
			r = -errno;
	}
	return r;
}

int rt_write_file(const char *path, const char *text)
{
	char t[PATH_MAX + 32];
	FILE *f;

	snprintf(t, sizeof(t), "%s.tmp", path);
	f = fopen(t, "w");
	if (!f)
		return -errno;
	if (fputs(text, f) < 0 || fclose(f)) {
		unlink(t);
		return -EIO;
	}
	return rename(t, path) ? -errno : 0;
}

static void ctr_exit_cb(EV_P_ ev_io *w, int revents);
static void ctr_now_cb(EV_P_ ev_timer *w, int revents);

static struct rt_ctr *ctr_new(struct rt *rt, const char *id, const char *dir,
			      void (*on_exit)(void *, struct rt_ctr *), void *ud)
{
	struct rt_ctr *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->rt = rt;
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->dir, sizeof(c->dir), "%s", dir);
	c->shim_fd = c->ctr_fd = -1;
	c->on_exit = on_exit;
	c->ud = ud;
	ev_init(&c->w, ctr_exit_cb);
	c->w.data = c;
	ev_timer_init(&c->now, ctr_now_cb, 0, 0);
	c->now.data = c;
	return c;
}

static void ctr_watch(struct rt_ctr *c)
{
	ev_io_set(&c->w, c->shim_fd, EV_READ);
	ev_io_start(c->rt->loop, &c->w);
}

/* <dir>/exit as the shim wrote it; false if there is none. */
static bool read_exit(struct rt_ctr *c)
{
	char p[PATH_MAX + 8];
	int code, sig, oom;
	double fin;
	FILE *f;
	bool ok;

	snprintf(p, sizeof(p), "%s/exit", c->dir);
	f = fopen(p, "r");
	if (!f)
		return false;
	ok = fscanf(f, "%d %d %d %lf", &code, &sig, &oom, &fin) == 4;
	fclose(f);
	if (!ok)
		return false;
	c->st.status = RT_EXITED;
	c->st.exit_code = code;
	c->st.signal = sig;
	c->st.oom_killed = oom != 0;
	c->st.finished_at = fin;
	return true;
}

/* The shim is gone: its exit file says how the container ended. */
static void ctr_finish(struct rt_ctr *c)
{
	if (ev_is_active(&c->w))
		ev_io_stop(c->rt->loop, &c->w);
	if (c->shim_fd >= 0)
		close(c->shim_fd);
	c->shim_fd = -1;
	if (!read_exit(c)) {
		/* No status: the shim was killed. Its container may live on
		 * (reparented to init); the kubelet deletes it either way. */
		bool alive = c->ctr_fd >= 0 && pidfd_send_signal(c->ctr_fd, 0, NULL, 0) == 0;

		c->st.status = alive ? RT_UNKNOWN : RT_EXITED;
		c->st.exit_code = 255;
		c->st.finished_at = now_wall();
		snprintf(c->st.message, sizeof(c->st.message),
			 "the container's shim exited without its status");
		if (alive)
			return;
	}
	if (c->ctr_fd >= 0)
		close(c->ctr_fd);
	c->ctr_fd = -1;
}

static void ctr_exit_cb(EV_P_ ev_io *w, int revents)
{
	struct rt_ctr *c = w->data;

	ctr_finish(c);
	/* Last use of c: on_exit may delete it. */
	c->on_exit(c->ud, c);
}

static void ctr_now_cb(EV_P_ ev_timer *w, int revents)
{
	struct rt_ctr *c = w->data;

	c->on_exit(c->ud, c);
}

/* Wait until fd is readable, at most ms after *t0 (CLOCK_MONOTONIC); a
 * signal (EINTR) does not end the wait, the deadline does. */
static bool poll_in(int fd, int ms, const struct timespec *t0)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	struct timespec now;
	long left;
	int r;

	do {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = ms -
		       ((now.tv_sec - t0->tv_sec) * 1000L + (now.tv_nsec - t0->tv_nsec) / 1000000L);
		r = left > 0 ? poll(&p, 1, (int)left) : 0;
	} while (r < 0 && errno == EINTR);
	return r == 1;
}

/* Wait for a pidfd to become readable (its process gone). */
static bool pidfd_wait(int fd, int ms)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	return poll_in(fd, ms, &t0);
}

/* runc logs errors as time="..." level=error msg="<text>": the text, unquoted
 * in place. */
static char *runc_msg(char *line)
{
	char *m = strstr(line, "msg=\""), *o;

	if (!m)
		return line;
	m += 5;
	o = m;
	for (char *i = m; *i && *i != '"'; i++) {
		if (*i == '\\' && i[1])
			i++;
		*o++ = *i;
	}
	*o = 0;
	return m;
}

/* Start the shim; returns the read end of its report pipe. posix_spawn
 * (a vfork underneath): a fork would copy this process's page tables for
 * every container start only to exec at once. */
/* log NULL: the container's output is dropped. */
static int shim_spawn(struct rt *rt, const char *dir, const char *id, const char *log,
		      unsigned long long log_max, const char *memcg)
{
	char max[32];
	char *argv[] = {"skiff-shim", (char *)dir,   (char *)id,
			rt->runc,     rt->runc_root, (char *)(log ? log : "/dev/null"),
			max,	      (char *)memcg, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none;
	int p[2], st, r;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	snprintf(max, sizeof(max), "%llu", log ? log_max : 0ULL);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	/* the report pipe on fd 3, /dev/null on 0-2, nothing else open */
	posix_spawn_file_actions_adddup2(&fa, p[1], 3);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
	posix_spawn_file_actions_adddup2(&fa, 0, 1);
	posix_spawn_file_actions_adddup2(&fa, 0, 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 4);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
	r = -posix_spawn(&pid, rt->shim, &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(p[1]);
	if (r) {
		close(p[0]);
		return r;
	}
	/* The first shim process exits once it has forked the real one. */
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return p[0];
}

/* Read the report line until EOF, blocking (rt_run). */
static int report_read(int fd, char *rep, size_t rlen)
{
	struct timespec t0;
	size_t n = 0;
	int r = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (n + 1 < rlen) {
		ssize_t k;

		if (!poll_in(fd, START_TIMEOUT_MS, &t0)) {
			r = -ETIMEDOUT;
			break;
		}
		k = read(fd, rep + n, rlen - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	rep[n] = 0;
	return r;
}

static bool is_our_shim(int pid, const char *dir, const char *id);
static int read_int_file(const char *dir, const char *name, int *v, double *d);

/* Image, bundle dir and config.json for s; the container's cgroup path and its
 * memory cgroup dir (for the shim's OOM check). */
static int start_prepare(struct rt *rt, const struct rt_spec *s, struct rt_state *st, char *cg,
			 size_t cglen, char *memcg, size_t mlen)
{
	struct rt_image img;
	char msg[512], reason[64], rootfs[PATH_MAX + 8], cfgp[PATH_MAX + 16];
	cJSON *cfg = NULL;
	char *text = NULL;
	int r;

	if (st)
		memset(st, 0, sizeof(*st));
	if (!id_ok(s->id) || !s->dir || !s->image) {
		set_fail(st, "CreateContainerConfigError",
			 "container id \"%s\" must be [a-z0-9_.-]", s->id);
		return -EINVAL;
	}
	r = rt_image_resolve(rt->root, s->image, &img, msg, sizeof(msg));
	if (r) {
		/* -EBADMSG: an OCI image layout that did not unpack, the node's "pull". */
		set_fail(st,
			 r == -ENOENT	 ? "ErrImageNeverPull"
			 : r == -EBADMSG ? "ErrImagePull"
					 : "InvalidImageName",
			 "%s", msg);
		return r;
	}
	r = mkdir_p(s->dir, 0755);
	if (!r && img.host)
		r = host_rootfs(rt, s->dir, rootfs, sizeof(rootfs));
	else if (!r)
		snprintf(rootfs, sizeof(rootfs), "%s", img.rootfs);
	if (r) {
		set_fail(st, "CreateContainerError", "bundle %s: %s", s->dir, strerror(-r));
		goto out;
	}
	cfg = rt_oci_spec(s, &img, rootfs, rt->host_dirs, reason, sizeof(reason), msg, sizeof(msg));
	if (!cfg) {
		set_fail(st, reason, "%s", msg);
		r = -EINVAL;
		goto out_bundle;
	}
	snprintf(cfgp, sizeof(cfgp), "%s/config.json", s->dir);
	text = cJSON_Print(cfg);
	r = text ? rt_write_file(cfgp, text) : -ENOMEM;
	if (r) {
		set_fail(st, "CreateContainerError", "%s: %s", cfgp, strerror(-r));
		goto out_bundle;
	}
	/* A previous run's files must not be mistaken for this one's. */
	for (const char *const *f =
		 (const char *const[]){"exit", "state", "ctr.pid", "shim.pid", NULL};
	     *f; f++) {
		char p[PATH_MAX + 16];

		snprintf(p, sizeof(p), "%s/%s", s->dir, *f);
		unlink(p);
	}
	rt_cgroup_path(s, cg, cglen);
	if (rt_cgroup_memdir(SYSFS_CGROUP, rt->cg_mode, cg, memcg, mlen))
		snprintf(memcg, mlen, "-");
	goto out;
out_bundle:
	bundle_remove(s->dir);
out:
	free(text);
	cJSON_Delete(cfg);
	rt_image_release(&img);
	return r;
}

/* The shim's report (or r, the failure to get one) -> a running container in
 * *out, or everything undone and st filled. */
static int start_finish(struct rt *rt, const char *id, const char *dir, const char *cg, char *rep,
			int r, void (*on_exit)(void *, struct rt_ctr *), void *ud,
			struct rt_ctr **out, struct rt_state *st)
{
	int shim_pid = 0, ctr_pid = 0, fd;
	double started = 0;
	struct rt_ctr *c;

	if (!r && rep[0] == 0)
		r = -EPIPE; /* the shim died before reporting */
	if (r) {
		set_fail(st, "RunContainerError", "starting the shim: %s", strerror(-r));
	} else if (sscanf(rep, "ok %d %d %lf", &shim_pid, &ctr_pid, &started) != 3) {
		char *m = rep;

		if (sscanf(rep, "err %d", &shim_pid) == 1 && (m = strchr(rep + 4, ' ')))
			m++;
		m[strcspn(m, "\n")] = 0;
		set_fail(st, "StartError", "%s", runc_msg(m));
		r = -EIO;
	}
	if (r) {
		/* A shim that reported an error exits at once; one that did not
		 * report in time is killed. Its exit file is not wanted. */
		if (!shim_pid)
			read_int_file(dir, "shim.pid", &shim_pid, NULL);
		fd = shim_pid > 0 ? pidfd_open(shim_pid, 0) : -1;
		if (fd >= 0 && is_our_shim(shim_pid, dir, id)) {
			if (r != -EIO)
				pidfd_send_signal(fd, SIGKILL, NULL, 0);
			pidfd_wait(fd, STOP_WAIT_MS);
		}
		if (fd >= 0)
			close(fd);
		goto undo;
	}
	c = ctr_new(rt, id, dir, on_exit, ud);
	if (!c) {
		r = -ENOMEM;
		set_fail(st, "RunContainerError", "out of memory");
		goto undo;
	}
	snprintf(c->cg, sizeof(c->cg), "%s", cg);
	c->shim_fd = pidfd_open(shim_pid, 0);
	c->ctr_fd = pidfd_open(ctr_pid, 0); /* fails with ESRCH if it already ended: fine */
	c->st.status = RT_RUNNING;
	c->st.pid = ctr_pid;
	c->st.started_at = started;
	if (c->shim_fd >= 0) {
		ctr_watch(c);
	} else {
		/* The shim already ended: on_exit on the loop. */
		ctr_finish(c);
		ev_timer_start(rt->loop, &c->now);
	}
	if (st)
		*st = c->st;
	*out = c;
	return 0;
undo:
	runc_sync(rt, NULL, 0, "delete", "--force", id);
	rt_cgroup_rmdir_all(SYSFS_CGROUP, cg);
	bundle_remove(dir);
	return r;
}

int rt_run(struct rt *rt, const struct rt_spec *s, void (*on_exit)(void *ud, struct rt_ctr *c),
	   void *ud, struct rt_ctr **out, struct rt_state *st)
{
	char cg[PATH_MAX], memcg[PATH_MAX], rep[1024] = "";
	int r, fd;

	r = start_prepare(rt, s, st, cg, sizeof(cg), memcg, sizeof(memcg));
	if (r)
		return r;
	fd = shim_spawn(rt, s->dir, s->id, s->log_path, s->log_max_size, memcg);
	r = fd < 0 ? fd : report_read(fd, rep, sizeof(rep));
	if (fd >= 0)
		close(fd);
	return start_finish(rt, s->id, s->dir, cg, rep, r, on_exit, ud, out, st);
}

/* A start in flight (rt_run_async): the shim's report pipe on the loop. */
struct rt_start {
	struct rt *rt;
	struct rt_start *next; /* in rt->queue while it waits */
	char id[128], dir[PATH_MAX], cg[PATH_MAX], rep[1024];
	char memcg[PATH_MAX], log[PATH_MAX];
	bool has_log;
	unsigned long long log_max;
	size_t n;
	int fd;
	ev_io w;
	ev_timer t;
	void (*started)(void *ud, struct rt_ctr *c, const struct rt_state *st);
	void (*on_exit)(void *ud, struct rt_ctr *c);
	void *ud;
};

static void start_done(struct rt_start *a, int r);

static void start_io_cb(EV_P_ ev_io *w, int revents)
{
	struct rt_start *a = w->data;
	ssize_t k = read(a->fd, a->rep + a->n, sizeof(a->rep) - 1 - a->n);

	if (k < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (k > 0)
		a->n += (size_t)k;
	if (k <= 0 || a->n + 1 >= sizeof(a->rep))
		start_done(a, 0);
}

static void start_timeout_cb(EV_P_ ev_timer *w, int revents)
{
	start_done(w->data, -ETIMEDOUT);
}

static void start_launch(struct rt_start *a);

/* Start the queued ones that now fit (a start just ended). */
static void start_next(struct rt *rt)
{
	while (rt->queue && rt->starting < RT_MAX_STARTING) {
		struct rt_start *a = rt->queue;

		rt->queue = a->next;
		if (!rt->queue)
			rt->qtail = &rt->queue;
		start_launch(a);
	}
}

/* r < 0: the start failed before a report (the shim, a timeout). */
static void start_done(struct rt_start *a, int r)
{
	struct rt *rt = a->rt;
	struct rt_ctr *c = NULL;
	struct rt_state st = {0};

	if (a->fd >= 0) {
		ev_io_stop(rt->loop, &a->w);
		ev_timer_stop(rt->loop, &a->t);
		close(a->fd);
		rt->starting--;
	}
	a->rep[a->n] = 0;
	if (start_finish(rt, a->id, a->dir, a->cg, a->rep, r, a->on_exit, a->ud, &c, &st))
		c = NULL;
	a->started(a->ud, c, &st);
	free(a);
	start_next(rt);
}

/* Spawn a's shim and wait for its report on the loop: 0, or the negative
 * errno of a shim that could not be spawned (a->fd stays negative). */
static int start_spawn(struct rt_start *a)
{
	struct rt *rt = a->rt;

	a->fd = shim_spawn(rt, a->dir, a->id, a->has_log ? a->log : NULL, a->log_max, a->memcg);
	if (a->fd < 0)
		return a->fd;
	rt->starting++;
	ev_io_init(&a->w, start_io_cb, a->fd, EV_READ);
	a->w.data = a;
	ev_timer_init(&a->t, start_timeout_cb, START_TIMEOUT_MS / 1000.0, 0);
	a->t.data = a;
	ev_io_start(rt->loop, &a->w);
	ev_timer_start(rt->loop, &a->t);
	return 0;
}

/* A queued start's turn: a failure is reported like any other. */
static void start_launch(struct rt_start *a)
{
	int r = start_spawn(a);

	if (r)
		start_done(a, r);
}

static void start_queue_free(struct rt *rt)
{
	while (rt->queue) {
		struct rt_start *a = rt->queue;

		rt->queue = a->next;
		free(a);
	}
	rt->qtail = &rt->queue;
}

int rt_run_async(struct rt *rt, const struct rt_spec *s,
		 void (*started)(void *ud, struct rt_ctr *c, const struct rt_state *st),
		 void (*on_exit)(void *ud, struct rt_ctr *c), void *ud, struct rt_state *st)
{
	struct rt_start *a = calloc(1, sizeof(*a));
	char memcg[PATH_MAX];
	int r;

	if (!a) {
		set_fail(st, "RunContainerError", "out of memory");
		return -ENOMEM;
	}
	r = start_prepare(rt, s, st, a->cg, sizeof(a->cg), memcg, sizeof(memcg));
	if (r) {
		free(a);
		return r;
	}
	a->rt = rt;
	a->fd = -1;
	snprintf(a->id, sizeof(a->id), "%s", s->id);
	snprintf(a->dir, sizeof(a->dir), "%s", s->dir);
	snprintf(a->memcg, sizeof(a->memcg), "%s", memcg);
	a->has_log = s->log_path != NULL;
	snprintf(a->log, sizeof(a->log), "%s", s->log_path ? s->log_path : "");
	a->log_max = (unsigned long long)s->log_max_size; /* shim_spawn ignores it without a log */
	a->started = started;
	a->on_exit = on_exit;
	a->ud = ud;
	if (rt->starting < RT_MAX_STARTING) {
		/* started now: a shim that cannot be spawned is this call's error */
		r = start_spawn(a);
		if (r) {
			struct rt_ctr *none;

			r = start_finish(rt, s->id, s->dir, a->cg, a->rep, r, on_exit, ud, &none,
					 st);
			free(a);
		}
		return r;
	}
	*rt->qtail = a;
	rt->qtail = &a->next;
	return 0;
}

static int read_int_file(const char *dir, const char *name, int *v, double *d)
{
	char p[PATH_MAX + 16];
	FILE *f;
	int n;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "r");
	if (!f)
		return -errno;
	n = d ? fscanf(f, "%d %lf", v, d) : fscanf(f, "%d", v);
	fclose(f);
	return n >= 1 ? 0 : -EINVAL;
}

/* Is pid our shim for (dir, id)? Its argv is "skiff-shim DIR ID ...". */
static bool is_our_shim(int pid, const char *dir, const char *id)
{
	char p[64], buf[8192];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "/proc/%d/cmdline", pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	const char *a[4] = {buf};

	for (int i = 1; i < 4; i++) {
		const char *e = memchr(a[i - 1], 0, (size_t)(buf + n - a[i - 1]));

		if (!e || e + 1 >= buf + n)
			return false;
		a[i] = e + 1;
	}
	return strcmp(a[0], "skiff-shim") == 0 && strcmp(a[1], dir) == 0 && strcmp(a[2], id) == 0;
}

/* linux.cgroupsPath from the bundle's config.json, "" if unreadable. */
static void bundle_cgroup(const char *dir, char *cg, size_t len)
{
	char p[PATH_MAX + 16];
	cJSON *j, *v;

	cg[0] = 0;
	snprintf(p, sizeof(p), "%s/config.json", dir);
	j = rt_json_file(p);
	v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "linux"),
					     "cgroupsPath");
	if (cJSON_IsString(v))
		snprintf(cg, len, "%s", v->valuestring);
	cJSON_Delete(j);
}

int rt_adopt(struct rt *rt, const char *id, const char *dir,
	     void (*on_exit)(void *, struct rt_ctr *), void *ud, struct rt_ctr **out)
{
	int shim_pid = 0, ctr_pid = 0;
	bool have_shim, have_state;
	double started = 0;
	struct rt_ctr *c;
	char p[PATH_MAX + 8];

	if (!id_ok(id))
		return -EINVAL;
	have_shim = read_int_file(dir, "shim.pid", &shim_pid, NULL) == 0;
	have_state = read_int_file(dir, "state", &ctr_pid, &started) == 0;
	snprintf(p, sizeof(p), "%s/exit", dir);
	if (!have_shim && !have_state && access(p, F_OK))
		return -ENOENT;
	c = ctr_new(rt, id, dir, on_exit, ud);
	if (!c)
		return -ENOMEM;
	bundle_cgroup(dir, c->cg, sizeof(c->cg));
	c->st.status = RT_RUNNING;
	c->st.pid = ctr_pid;
	c->st.started_at = started;
	if (ctr_pid > 0)
		c->ctr_fd = pidfd_open(ctr_pid, 0);
	if (have_shim) {
		c->shim_fd = pidfd_open(shim_pid, 0);
		/* Checked after the pidfd is open: the pid cannot be reused
		 * behind it from then on. */
		if (c->shim_fd >= 0 && !is_our_shim(shim_pid, dir, id)) {
			close(c->shim_fd);
			c->shim_fd = -1;
		}
	}
	if (c->shim_fd >= 0) {
		ctr_watch(c);
	} else {
		ctr_finish(c);
		ev_timer_start(rt->loop, &c->now);
	}
	*out = c;
	return 0;
}

void rt_get_state(const struct rt_ctr *c, struct rt_state *st)
{
	*st = c->st;
}

int rt_kill(struct rt_ctr *c, int sig)
{
	if (c->ctr_fd < 0)
		return -ESRCH;
	return pidfd_send_signal(c->ctr_fd, sig, NULL, 0) ? -errno : 0;
}

static void exec_free(struct rt_exec_op *e)
{
	struct rt_ctr *c = e->c;

	for (struct rt_exec_op **pp = &c->execs; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	}
	ev_io_stop(c->rt->loop, &e->w);
	ev_timer_stop(c->rt->loop, &e->t);
	close(e->pidfd);
	unlink(e->pidfile);
	free(e);
}

/* fork() for a child the event loop watches by pidfd: its exit signal is 0,
 * so a catch-all SIGCHLD reaper (libev's default loop runs waitpid(-1) on every
 * SIGCHLD) cannot take its status; only waitpid(pid, __WALL) does. The pidfd
 * comes with it (CLONE_PIDFD). Returns 0 in the child. */
static pid_t fork_quiet(int *pidfd)
{
	struct clone_args a = {
	    .flags = CLONE_PIDFD, .pidfd = (uint64_t)(uintptr_t)pidfd, .exit_signal = 0};

	return (pid_t)syscall(SYS_clone3, &a, sizeof(a));
}

static int reap(pid_t pid, bool block)
{
	int st;
	pid_t w;

	while ((w = waitpid(pid, &st, __WALL | (block ? 0 : WNOHANG))) < 0 && errno == EINTR)
		;
	if (w != pid)
		return -ECHILD;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The exec'd process itself (runc wrote its host pid), then runc exec: killing
 * runc alone would leave the process running in the container. */
static void exec_kill(struct rt_exec_op *e)
{
	FILE *f = fopen(e->pidfile, "r");
	int pid = 0;

	if (f) {
		if (fscanf(f, "%d", &pid) == 1 && pid > 0)
			kill(pid, SIGKILL);
		fclose(f);
	}
	pidfd_send_signal(e->pidfd, SIGKILL, NULL, 0);
	reap(e->pid, true);
}

static void exec_done_cb(EV_P_ ev_io *w, int revents)
{
	struct rt_exec_op *e = w->data;
	void (*done)(void *, int) = e->done;
	void *ud = e->ud;
	int code = reap(e->pid, false);

	exec_free(e);
	done(ud, code);
}

static void exec_timeout_cb(EV_P_ ev_timer *w, int revents)
{
	struct rt_exec_op *e = w->data;
	void (*done)(void *, int) = e->done;
	void *ud = e->ud;

	exec_kill(e);
	exec_free(e);
	done(ud, -ETIMEDOUT);
}

int rt_exec(struct rt_ctr *c, char *const *argv, double timeout_s, void (*done)(void *ud, int code),
	    void *ud)
{
	static unsigned seq;
	struct rt_exec_op *e;
	int n = 0;

	while (argv && argv[n])
		n++;
	if (n == 0)
		return -EINVAL;
	if (c->st.status != RT_RUNNING)
		return -ESRCH;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	snprintf(e->pidfile, sizeof(e->pidfile), "%s/exec-%u.pid", c->dir, ++seq);
	const char **a = calloc((size_t)n + 10, sizeof(*a));

	if (!a) {
		free(e);
		return -ENOMEM;
	}
	int k = 0;

	a[k++] = c->rt->runc;
	a[k++] = "--root";
	a[k++] = c->rt->runc_root;
	a[k++] = "exec";
	a[k++] = "--pid-file";
	a[k++] = e->pidfile;
	a[k++] = c->id;
	for (int i = 0; i < n; i++)
		a[k++] = argv[i];
	e->pidfd = -1;
	e->pid = fork_quiet(&e->pidfd);
	if (e->pid == 0) {
		int nul = open("/dev/null", O_RDWR);

		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		close_range(3, ~0U, 0);
		execvp(a[0], (char *const *)a);
		_exit(127);
	}
	free(a);
	if (e->pid < 0) {
		int r = -errno;

		free(e);
		return r;
	}
	e->c = c;
	e->done = done;
	e->ud = ud;
	ev_io_init(&e->w, exec_done_cb, e->pidfd, EV_READ);
	e->w.data = e;
	ev_timer_init(&e->t, exec_timeout_cb, timeout_s > 0 ? timeout_s : 1, 0);
	e->t.data = e;
	ev_io_start(c->rt->loop, &e->w);
	ev_timer_start(c->rt->loop, &e->t);
	e->next = c->execs;
	c->execs = e;
	return 0;
}

/* Kill what runs, wait for the shim (it writes the exit file once runc has
 * seen the end), then runc delete, the cgroup and the bundle. */
static int remove_container(struct rt *rt, const char *id, const char *dir, const char *cg,
			    int shim_fd, int ctr_fd)
{
	char err[1024];
	int r;

	if (ctr_fd >= 0)
		pidfd_send_signal(ctr_fd, SIGKILL, NULL, 0);
	r = runc_sync(rt, err, sizeof(err), "delete", "--force", id);
	if (r && !strstr(err, "does not exist"))
		pr_warn("runtime: runc delete %s: %s", id, err);
	if (shim_fd >= 0 && !pidfd_wait(shim_fd, STOP_WAIT_MS))
		pr_warn("runtime: the shim of %s did not exit", id);
	/* --keep made runc run leave the container; delete again in case the
	 * first delete ran before runc run had recorded the exit. */
	runc_sync(rt, NULL, 0, "delete", "--force", id);
	if (cg[0])
		rt_cgroup_rmdir_all(SYSFS_CGROUP, cg);
	bundle_remove(dir);
	return 0;
}

int rt_delete(struct rt_ctr *c)
{
	int r;

	while (c->execs) {
		exec_kill(c->execs);
		exec_free(c->execs);
	}
	if (ev_is_active(&c->w))
		ev_io_stop(c->rt->loop, &c->w);
	ev_timer_stop(c->rt->loop, &c->now);
	r = remove_container(c->rt, c->id, c->dir, c->cg, c->shim_fd, c->ctr_fd);
	if (c->shim_fd >= 0)
		close(c->shim_fd);
	if (c->ctr_fd >= 0)
		close(c->ctr_fd);
	free(c);
	return r;
}

int rt_remove(struct rt *rt, const char *id, const char *dir)
{
	int shim_pid = 0, ctr_pid = 0, sfd = -1, cfd = -1, r;
	char cg[PATH_MAX];

	if (!id_ok(id))
		return -EINVAL;
	bundle_cgroup(dir, cg, sizeof(cg));
	if (read_int_file(dir, "shim.pid", &shim_pid, NULL) == 0 &&
	    (sfd = pidfd_open(shim_pid, 0)) >= 0 && !is_our_shim(shim_pid, dir, id)) {
		close(sfd);
		sfd = -1;
	}
	if (read_int_file(dir, "state", &ctr_pid, NULL) == 0 && sfd >= 0)
		cfd = pidfd_open(ctr_pid, 0);
	r = remove_container(rt, id, dir, cg, sfd, cfd);
	if (sfd >= 0)
		close(sfd);
	if (cfd >= 0)
		close(cfd);
	return r;
}

int rt_cgroup_remove(struct rt *rt, const char *rel)
{
	char cg[PATH_MAX];

	while (*rel == '/')
		rel++;
	snprintf(cg, sizeof(cg), "/%s", rel);
	return rt_cgroup_rmdir_all(SYSFS_CGROUP, cg);
}

void rt_list_free(char **v)
{
	for (int i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* runc's state.json records the bundle as the label "bundle=<dir>". */
static char *state_bundle(const char *path)
{
	cJSON *j = rt_json_file(path), *l, *e;
	char *res = NULL;

	l = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "config"),
					     "labels");
	cJSON_ArrayForEach(e, l)
	{
		if (cJSON_IsString(e) && strncmp(e->valuestring, "bundle=", 7) == 0) {
			res = strdup(e->valuestring + 7);
			break;
		}
	}
	cJSON_Delete(j);
	return res;
}

int rt_list(struct rt *rt, char ***ids, char ***dirs)
{
	size_t n = 0, cap = 8;
	char **vi = NULL, **vd = NULL;
	struct dirent *e;
	int r = 0;
	DIR *d;

	d = opendir(rt->runc_root);
	if (!d)
		return -errno;
	vi = calloc(cap + 1, sizeof(*vi));
	vd = calloc(cap + 1, sizeof(*vd));
	if (!vi || !vd) {
		r = -ENOMEM;
		goto out;
	}
	while ((e = readdir(d))) {
		char p[PATH_MAX + 300], *b;

		if (e->d_name[0] == '.' || !id_ok(e->d_name))
			continue;
		snprintf(p, sizeof(p), "%s/%s/state.json", rt->runc_root, e->d_name);
		b = state_bundle(p);
		if (!b)
			continue;
		if (n == cap) {
			char **ni = realloc(vi, (cap * 2 + 1) * sizeof(*vi));

			if (ni)
				vi = ni;
			char **nd = ni ? realloc(vd, (cap * 2 + 1) * sizeof(*vd)) : NULL;

			if (!nd) {
				free(b);
				r = -ENOMEM;
				goto out;
			}
			vd = nd;
			cap *= 2;
		}
		vi[n] = strdup(e->d_name);
		vd[n++] = b;
		vi[n] = vd[n] = NULL;
	}
out:
	closedir(d);
	if (r) {
		rt_list_free(vi);
		rt_list_free(vd);
		return r;
	}
	*ids = vi;
	*dirs = vd;
	return (int)n;
}
