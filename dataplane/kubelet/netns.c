/* netns: network namespaces kept alive as bind-mounted files, the way `ip netns add` does it
 * (unshare, then bind-mount /proc/<tid>/ns/net onto a file), and running code inside one. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "kubelet/sandbox.h"
#include "log.h"

/* statfs(2) f_type of nsfs, the filesystem of /proc/<pid>/ns/ files (linux/magic.h). */
#define SB_NSFS_MAGIC 0x6e736673

int sb_netns_mounted(const char *path)
{
	struct statfs st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	rc = fstatfs(fd, &st) < 0 ? -errno : st.f_type == SB_NSFS_MAGIC;
	close(fd);
	return rc;
}

struct mk {
	const char *path;
	int rc;
};

/* Runs on a thread of its own so the caller's thread never leaves its namespace: the new
 * namespace lives on through the bind mount after this thread ends. */
static void *mk_thread(void *arg)
{
	struct mk *m = arg;

	if (unshare(CLONE_NEWNET) < 0)
		m->rc = -errno;
	else if (mount("/proc/thread-self/ns/net", m->path, "none", MS_BIND, NULL) < 0)
		m->rc = -errno;
	return NULL;
}

int sb_netns_ensure(const char *path, int *adopted)
{
	struct mk m = {.path = path};
	pthread_t t;
	int fd, rc;

	*adopted = 0;
	rc = sb_netns_mounted(path);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		*adopted = 1;
		return 0;
	}
	/* The mount point: an empty file (a leftover one from a namespace that died with the
	 * mount namespace that held it is reused). */
	fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0444);
	if (fd < 0)
		return -errno;
	close(fd);
	rc = pthread_create(&t, NULL, mk_thread, &m);
	if (rc)
		return -rc;
	pthread_join(t, NULL);
	return m.rc;
}

int sb_netns_remove(const char *path)
{
	/* Unmount until nothing is mounted there: a racing ensure may have stacked a second mount.
	 * MNT_DETACH because a process that has the file open must not make this fail; the
	 * namespace goes when its last user does. */
	for (int i = 0; i < 8 && umount2(path, MNT_DETACH) == 0; i++)
		;
	if (errno != EINVAL && errno != ENOENT)
		pr_warn("sandbox: umount %s: %s", path, strerror(errno));
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int sb_netns_run(int nsfd, int (*fn)(void *ud), void *ud)
{
	int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), rc;

	if (self < 0)
		return -errno;
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		rc = -errno;
		close(self);
		return rc;
	}
	rc = fn(ud);
	if (setns(self, CLONE_NEWNET) < 0) {
		/* This thread would go on in the pod's namespace: every later socket of it would
		 * be the pod's. Nothing sane can continue. */
		pr_err("sandbox: cannot return to the node's network namespace: %s",
		       strerror(errno));
		abort();
	}
	close(self);
	return rc;
}

int sb_mkdir_p(const char *path)
{
	char tmp[512];
	size_t n = strlen(path);

	if (n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -errno : 0;
}
