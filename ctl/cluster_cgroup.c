/* cluster_cgroup: the cluster's cgroup v2 subtree — one directory for the
 * cluster, one child per process group (server, forwarder, each node) —
 * counting, killing and removing what is in it. Never the root cgroup. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cluster.h"

/* How long a SIGKILLed cgroup may take to empty (exits of large pods). */
#define CL_KILL_WAIT_MS 10000

static bool cl_is_cgroup2(const char *path)
{
	struct statfs sfs;

	return !statfs(path, &sfs) && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

int cl_cgroup_root(char *buf, size_t len)
{
	/* Hybrid hosts mount v2 beside the v1 controllers; pure v2 hosts
	 * have it at /sys/fs/cgroup itself. */
	static const char *const cand[] = {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"};

	for (size_t i = 0; i < sizeof(cand) / sizeof(cand[0]); i++)
		if (cl_is_cgroup2(cand[i])) {
			snprintf(buf, len, "%s", cand[i]);
			return 0;
		}
	return -ENOENT;
}

void cl_cgroup_child(const struct cl_cluster *c, const char *child, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", c->cgroup, child);
}

/* Call fn(path, ud) for cg and each descendant, children before parents. */
static int cl_cgroup_walk(const char *cg, int (*fn)(const char *, void *), void *ud)
{
	DIR *d = opendir(cg);
	struct dirent *e;
	int r = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char sub[4096];

		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", cg, e->d_name);
		r = cl_cgroup_walk(sub, fn, ud);
		if (r < 0 && r != -ENOENT)
			break;
		r = 0;
	}
	closedir(d);
	return r ? r : fn(cg, ud);
}

/* Count (ud: int *) or SIGKILL (ud: NULL) the processes of one cgroup. */
static int cl_cgroup_procs(const char *cg, void *ud)
{
	char path[4200];
	FILE *f;
	int pid;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%d", &pid) == 1) {
		if (ud)
			(*(int *)ud)++;
		else if (pid > 1)
			kill(pid, SIGKILL);
	}
	fclose(f);
	return 0;
}

int cl_cgroup_count(const char *cg)
{
	int n = 0, r = cl_cgroup_walk(cg, cl_cgroup_procs, &n);

	return r ? r : n;
}

static void cl_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

int cl_cgroup_kill(const char *cg)
{
	char path[4200];
	FILE *f;
	int n;

	if (!cl_is_cgroup2(cg))
		return access(cg, F_OK) ? 0 : -ENOTDIR;
	/* cgroup.kill (Linux 5.14) kills the subtree atomically, so a
	 * process forking meanwhile cannot escape; older kernels get the
	 * SIGKILL loop below. */
	snprintf(path, sizeof(path), "%s/cgroup.kill", cg);
	f = fopen(path, "we");
	if (f) {
		fputs("1", f);
		fclose(f);
	}
	for (int waited = 0; waited < CL_KILL_WAIT_MS; waited += 20) {
		n = cl_cgroup_count(cg);
		if (n <= 0)
			return n == -ENOENT ? 0 : n;
		cl_cgroup_walk(cg, cl_cgroup_procs, NULL);
		cl_sleep_ms(20);
	}
	return -EBUSY;
}

static int cl_cgroup_rmdir(const char *cg, void *ud)
{
	(void)ud;
	return rmdir(cg) && errno != ENOENT ? -errno : 0;
}

/* rmdir cg's tree, retrying while the kernel still tears tasks down. */
static int cl_cgroup_rmtree(const char *cg)
{
	int r = 0;

	for (int i = 0; i < 50; i++) {
		r = cl_cgroup_walk(cg, cl_cgroup_rmdir, NULL);
		if (r != -EBUSY)
			break;
		cl_sleep_ms(20);
	}
	return r == -ENOENT ? 0 : r;
}

int cl_cgroup_remove(const char *cg)
{
	int r;

	if (access(cg, F_OK))
		return 0;
	r = cl_cgroup_kill(cg);
	if (r)
		return r;
	/* rmdir can answer EBUSY for a moment after the last exit while the
	 * kernel finishes tearing the tasks down. */
	return cl_cgroup_rmtree(cg);
}

int cl_cgroup_remove_v1(const struct cl_cluster *c)
{
	const char *base = strrchr(c->cgroup, '/');
	DIR *d = opendir("/sys/fs/cgroup");
	struct dirent *e;
	int n = 0, r;

	if (!d || !base)
		return d ? (closedir(d), 0) : 0;
	while ((e = readdir(d))) {
		char ctl[300], cg[600];
		struct statfs sfs;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(ctl, sizeof(ctl), "/sys/fs/cgroup/%s", e->d_name);
		/* a real v1 hierarchy (cpu -> cpu,cpuacct links are skipped) */
		if (lstat(ctl, &st) || !S_ISDIR(st.st_mode) || statfs(ctl, &sfs) ||
		    sfs.f_type != CGROUP_SUPER_MAGIC)
			continue;
		snprintf(cg, sizeof(cg), "%s%s", ctl, base);
		if (access(cg, F_OK))
			continue;
		n++;
		r = cl_cgroup_rmtree(cg);
		if (r) {
			fprintf(stderr, "error: removing %s: %s\n", cg, strerror(-r));
			closedir(d);
			return r;
		}
	}
	closedir(d);
	return n;
}

int cl_node_procs(const struct cl_cluster *c, int i, char *cg, size_t len)
{
	char name[96];
	int n;

	cl_node_name(c, i, name, sizeof(name));
	cl_cgroup_child(c, name, cg, len);
	n = cl_cgroup_count(cg);
	if (n < 0)
		fprintf(stderr, "error: node %s: no cgroup %s: %s\n", name, cg, strerror(-n));
	return n;
}
