/* datadir: the data dir lock and the cluster identity. See datadir.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "datadir.h"
#include "log.h"
#include "tls.h"

struct datadir {
	char dir[4096];
	int lock_fd;
};

static int datadir_mkdir_p(const char *dir)
{
	char buf[4096];

	if (strlen(dir) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static void datadir_path(const struct datadir *d, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", d->dir, name);
}

/* A POSIX record lock rather than flock(): F_GETLK names the holder's pid,
 * so the refusal can say which process owns the dir. The lock is dropped
 * if this process closes any descriptor of the file: only this module
 * opens it. */
static int datadir_lock(struct datadir *d)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	char path[4200], pid[16];
	int n;

	datadir_path(d, "lock", path, sizeof(path));
	d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (d->lock_fd < 0) {
		pr_err("data dir %s: cannot open %s: %s", d->dir, path, strerror(errno));
		return -errno;
	}
	if (fcntl(d->lock_fd, F_SETLK, &fl)) {
		int err = errno;

		if (err != EACCES && err != EAGAIN) {
			pr_err("data dir %s: cannot lock %s: %s", d->dir, path, strerror(err));
			return -err;
		}
		fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET};
		if (fcntl(d->lock_fd, F_GETLK, &fl) || fl.l_type == F_UNLCK)
			fl.l_pid = 0;
		pr_err("data dir %s is in use by another skiff-server (pid %d holds %s); one "
		       "data dir serves one server",
		       d->dir, (int)fl.l_pid, path);
		return -EBUSY;
	}
	/* The pid, for people; fixed width so that an existing file is
	 * overwritten in place, which needs no space on a full disk. */
	n = snprintf(pid, sizeof(pid), "%-10d\n", (int)getpid());
	if (pwrite(d->lock_fd, pid, (size_t)n, 0) != n)
		pr_warn("data dir %s: cannot write the pid to %s: %s", d->dir, path,
			strerror(errno));
	return 0;
}

int datadir_open(const char *dir, struct datadir **out)
{
	struct datadir *d;
	int err;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->lock_fd = -1;
	if (strlen(dir) >= sizeof(d->dir)) {
		err = -ENAMETOOLONG;
		pr_err("--data-dir %s: %s", dir, strerror(-err));
		goto err_free;
	}
	strcpy(d->dir, dir);
	err = datadir_mkdir_p(dir);
	if (err) {
		pr_err("--data-dir %s: %s", dir, strerror(-err));
		goto err_free;
	}
	err = datadir_lock(d);
	if (err)
		goto err_close;
	*out = d;
	return 0;

err_close:
	if (d->lock_fd >= 0)
		close(d->lock_fd);
err_free:
	free(d);
	return err;
}

void datadir_close(struct datadir *d)
{
	if (!d)
		return;
	close(d->lock_fd);
	free(d);
}

/* The id in <dir>/cluster-id: 0 and "" if the file does not exist. */
static int datadir_read_id(const struct datadir *d, char *id, size_t len)
{
	char path[4200], *data;

	datadir_path(d, "cluster-id", path, sizeof(path));
	id[0] = 0;
	data = tls_read_file(path, NULL);
	if (!data) {
		if (errno == ENOENT)
			return 0;
		pr_err("data dir %s: cannot read %s: %s", d->dir, path, strerror(errno));
		return -errno;
	}
	snprintf(id, len, "%.*s", (int)strcspn(data, " \t\r\n"), data);
	free(data);
	return 0;
}

static int datadir_write_id(const struct datadir *d, const char *id)
{
	char path[4200], line[STORE_ID_MAX + 1];
	int n = snprintf(line, sizeof(line), "%s\n", id), err;

	datadir_path(d, "cluster-id", path, sizeof(path));
	err = tls_write_file(path, line, (size_t)n, 0644);
	if (err)
		pr_err("data dir %s: cannot write %s: %s", d->dir, path, strerror(-err));
	return err;
}

/* A random (version 4) UUID. */
static int datadir_new_id(char out[37])
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return -errno;
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
	return 0;
}

/* --reset-store on an unreadable file: keep it, under another name, for
 * whoever wants to salvage it (a rename needs no space). */
static int datadir_set_aside(const struct datadir *d, const char *db)
{
	static const char *const sfx[] = {"", "-wal", "-shm"};
	char from[4200], to[4300];
	long now = (long)time(NULL);

	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(from, sizeof(from), "%s%s", db, sfx[i]);
		snprintf(to, sizeof(to), "%s.broken-%ld%s", db, now, sfx[i]);
		if (rename(from, to) && errno != ENOENT) {
			pr_err("data dir %s: cannot move %s aside: %s", d->dir, from,
			       strerror(errno));
			return -errno;
		}
	}
	pr_warn("--reset-store: the unreadable store is kept as %s.broken-%ld; starting a new, "
		"empty cluster",
		db, now);
	return 0;
}

/* The store and the data dir agree on the cluster, or the store is new:
 * give it an id. The store gets it first: a crash before the marker is
 * written leaves a store with an id and no marker, which is recreated. */
static int datadir_check_id(struct datadir *d, struct store *st, const char *marker, bool reset)
{
	const char *sid = store_cluster_id(st);
	char id[37];
	int err;

	if (*marker && *sid && !strcmp(marker, sid))
		return 0;
	if (*marker && *sid && !reset) {
		pr_err("store %s/store.db belongs to cluster %s but data dir %s held cluster %s "
		       "(see %s/cluster-id): put that cluster's store.db back, or adopt this "
		       "store with --reset-store",
		       d->dir, sid, d->dir, marker, d->dir);
		return -EUCLEAN;
	}
	if (*marker && !*sid && !reset) {
		pr_err("store %s/store.db is %s but data dir %s held cluster %s (see "
		       "%s/cluster-id): the store was deleted, truncated or replaced. Restore "
		       "store.db from a backup, or start a new, empty cluster with --reset-store",
		       d->dir, store_rev(st) ? "of no cluster" : "empty", d->dir, marker, d->dir);
		return -EUCLEAN;
	}
	if (!*sid) {
		err = datadir_new_id(id);
		if (!err)
			err = store_set_cluster_id(st, id);
		if (err) {
			pr_err("store: cannot record the cluster identity: %s", strerror(-err));
			return err;
		}
		sid = store_cluster_id(st);
		pr_info("store: %s cluster %s", store_rev(st) ? "existing store is now" : "new",
			sid);
	} else if (*marker) {
		pr_warn("--reset-store: data dir %s now holds cluster %s (was %s)", d->dir, sid,
			marker);
	}
	return datadir_write_id(d, sid);
}

int datadir_open_store(struct datadir *d, struct store_opts *opts, bool reset, struct store **out)
{
	char db[4200], marker[STORE_ID_MAX];
	struct store *st;
	int err;

	err = datadir_read_id(d, marker, sizeof(marker));
	if (err)
		return err;
	datadir_path(d, "store.db", db, sizeof(db));
	opts->path = db;
	err = store_open(opts, &st);
	if (err && reset) {
		err = datadir_set_aside(d, db);
		if (!err)
			err = store_open(opts, &st);
	} else if (err) {
		/* SQLite's own words were logged above; EUCLEAN's are no help */
		pr_err(
		    "store %s cannot be read: %s.%s%s%s Restore store.db from a backup, or start a "
		    "new, empty cluster with --reset-store (which keeps the unreadable file as "
		    "store.db.broken-<time>)",
		    db, err == -EUCLEAN ? "the file is damaged or not a database" : strerror(-err),
		    *marker ? " The data dir held cluster " : "", marker, *marker ? "." : "");
	}
	opts->path = NULL;
	if (err)
		return err;
	err = datadir_check_id(d, st, marker, reset);
	if (err) {
		store_close(st);
		return err;
	}
	*out = st;
	return 0;
}
