/* cluster_down: `cluster delete` and `cluster node stop`. Delete works
 * from the cluster's name alone: the manifest, when it survived, adds
 * what it recorded, but every part is also found by its derived name (the
 * cgroup sk-<name>, the netns sk-<name>-*, mounts under the state dir), so
 * a crash of the tool at any step leaves nothing delete cannot remove. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cluster.h"

/* Unmount everything mounted at or below dir (the nodes' bpffs pin dirs,
 * and whatever a kubelet mounted for its pods), deepest first. Dropping a
 * bpffs instance drops its pins, which detaches the programs. Returns the
 * number of mounts found. */
static int cl_umount_below(const char *dir)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	size_t dl = strlen(dir), n = 0, cap = 0;
	char line[8192], **pts = NULL;
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char mp[4096];
		char **np;

		/* id parent major:minor root mount-point ... */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
			continue;
		if (strncmp(mp, dir, dl) || (mp[dl] != '/' && mp[dl] != '\0'))
			continue;
		np = realloc(pts, (cap = n + 1) * sizeof(*pts));
		if (!np)
			break;
		pts = np;
		pts[n] = strdup(mp);
		if (pts[n])
			n++;
	}
	fclose(f);
	/* mountinfo lists parents before children: undo in reverse. */
	while (n-- > 0) {
		if (umount2(pts[n], MNT_DETACH) == 0)
			found++;
		else
			fprintf(stderr, "warning: umount %s: %s\n", pts[n], strerror(errno));
		free(pts[n]);
	}
	free(pts);
	(void)cap;
	return found;
}

static int cl_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) && errno != ENOENT)
		fprintf(stderr, "warning: remove %s: %s\n", path, strerror(errno));
	return 0;
}

int cl_delete(const char *root, const char *name, bool quiet)
{
	struct cl_cluster c;
	char **ns = NULL;
	int r, nns = 0, found = 0, failed = 0;

	r = cl_init(&c, root, name);
	if (r) {
		fprintf(stderr, "error: %s\n",
			r == -EINVAL ? "invalid cluster name" : "no cgroup v2 hierarchy");
		return r;
	}
	if (!cl_manifest_read(&c))
		found++;
	/* Processes first (server, forwarder, nodes and their pods all live
	 * in the cluster's cgroup): nothing may recreate what comes next. */
	if (!access(c.cgroup, F_OK)) {
		found++;
		if ((r = cl_cgroup_kill(c.cgroup))) {
			fprintf(stderr, "error: killing the processes of %s: %s\n", c.cgroup,
				strerror(-r));
			failed++;
		}
	}
	found += cl_umount_below(c.dir);
	if (!access(c.cgroup, F_OK) && (r = cl_cgroup_remove(c.cgroup))) {
		fprintf(stderr, "error: removing %s: %s\n", c.cgroup, strerror(-r));
		failed++;
	}
	r = cl_cgroup_remove_v1(&c);
	if (r < 0)
		failed++;
	else
		found += r;
	cl_netns_list(&c, &ns, &nns);
	for (int k = 0; k < nns; k++) {
		found++;
		if ((r = cl_netns_remove(ns[k]))) {
			fprintf(stderr, "error: removing netns %s: %s\n", ns[k], strerror(-r));
			failed++;
		}
		free(ns[k]);
	}
	free(ns);
	if (!access(c.dir, F_OK)) {
		found++;
		/* FTW_MOUNT: never descend into a mount that would not go away
		 * (a file system that is not ours). */
		nftw(c.dir, cl_rm_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
		if (!access(c.dir, F_OK)) {
			fprintf(stderr, "error: %s could not be removed\n", c.dir);
			failed++;
		}
	}
	if (failed)
		return -EBUSY;
	if (!quiet)
		printf(found ? "Deleted cluster \"%s\"\n"
			     : "No cluster \"%s\" (nothing to delete)\n",
		       c.name);
	return 0;
}

int cl_node_stop(struct cl_cluster *c, int i)
{
	char cg[4200], name[96], pidf[4200];
	int n, r;

	cl_node_name(c, i, name, sizeof(name));
	n = cl_node_procs(c, i, cg, sizeof(cg));
	if (n < 0)
		return n;
	/* A power loss: SIGKILL to skiff-node and every pod process at once
	 * (cgroup.kill), no chance to detach or clean anything up. */
	r = cl_cgroup_kill(cg);
	if (r) {
		fprintf(stderr, "error: killing %s: %s\n", cg, strerror(-r));
		return r;
	}
	cl_node_dir(c, i, "skiff-node.pid", pidf, sizeof(pidf));
	unlink(pidf);
	/* and its network with it: packets to its pods are lost, not refused
	 * by namespaces that outlive their processes (connections hang, as
	 * to a machine that lost power) */
	r = cl_node_link(c, i, false);
	if (r) {
		fprintf(stderr, "error: node %s: its link down: %s\n", name, strerror(-r));
		return r;
	}
	printf("node %s stopped (%d process%s killed, its link down)\n", name, n,
	       n == 1 ? "" : "es");
	return 0;
}
