/* cgroups: where a container's cgroup is, on v1 (one hierarchy per controller,
 * /sys/fs/cgroup/<ctrl>, possibly with a controller-less v2 at .../unified:
 * "hybrid") or v2 (cgroup.controllers at the root). runc creates the cgroups
 * from linux.cgroupsPath and linux.resources; this module only finds them (for
 * the OOM counter) and removes what is left. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kubelet/runtime.h"

int rt_cgroup_path(const struct rt_spec *s, char *buf, size_t len)
{
	const char *p = s->cgroup_parent ? s->cgroup_parent : "skiff";
	size_t pl;
	int n;

	while (*p == '/')
		p++;
	pl = strlen(p);
	while (pl && p[pl - 1] == '/')
		pl--;
	n = snprintf(buf, len, "/%.*s%s%s", (int)pl, p, pl ? "/" : "", s->id);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

enum rt_cg_mode rt_cgroup_mode(const char *sysfs_root)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/cgroup.controllers", sysfs_root);
	return access(p, F_OK) == 0 ? RT_CG_V2 : RT_CG_V1;
}

int rt_cgroup_memdir(const char *sysfs_root, enum rt_cg_mode m, const char *cg, char *buf,
		     size_t len)
{
	int n = snprintf(buf, len, "%s%s%s", sysfs_root, m == RT_CG_V1 ? "/memory" : "", cg);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

long rt_cgroup_oom_kills(const char *memdir)
{
	const char *files[] = {"memory.events", "memory.oom_control"};
	char p[4200], key[64];
	long v;

	for (size_t i = 0; i < 2; i++) {
		FILE *f;

		snprintf(p, sizeof(p), "%s/%s", memdir, files[i]);
		f = fopen(p, "r");
		if (!f)
			continue;
		while (fscanf(f, "%63s %ld", key, &v) == 2) {
			if (strcmp(key, "oom_kill") == 0) {
				fclose(f);
				return v;
			}
		}
		fclose(f);
		return 0;
	}
	return -ENOENT;
}

/* Children first: a cgroup directory holds only control files (not
 * removable, not needed: rmdir takes them) and child cgroups. */
static int rmdir_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int ret = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		char sub[4096];

		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name) >= (int)sizeof(sub))
			continue;
		int r = rmdir_tree(sub);

		if (r && !ret)
			ret = r;
	}
	closedir(d);
	if (rmdir(path) && errno != ENOENT)
		return -errno;
	return ret;
}

int rt_cgroup_rmdir_all(const char *sysfs_root, const char *cg)
{
	char p[4096];
	int ret = 0, r;

	if (!cg || !*cg || strcmp(cg, "/") == 0 || strstr(cg, ".."))
		return -EINVAL;
	if (rt_cgroup_mode(sysfs_root) == RT_CG_V2) {
		snprintf(p, sizeof(p), "%s%s", sysfs_root, cg);
		return rmdir_tree(p);
	}
	/* v1: every mounted hierarchy (memory, "cpu,cpuacct", pids, systemd,
	 * unified, ...); the "cpu" and "cpuacct" symlinks are skipped as
	 * d_type DT_LNK. */
	DIR *d = opendir(sysfs_root);
	struct dirent *e;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s%s", sysfs_root, e->d_name, cg);
		r = rmdir_tree(p);
		if (r && !ret)
			ret = r;
	}
	closedir(d);
	return ret;
}
