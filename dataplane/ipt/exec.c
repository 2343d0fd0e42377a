/* exec: run iptables-restore / iptables-save with a text on stdin.
 *
 * stdin, stdout and stderr are memfds rather than pipes: a ruleset of
 * megabytes is written before the child starts, so there is no pipe to
 * fill, no deadlock between its input and its output, and no SIGPIPE when
 * a child dies early.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipt_int.h"

extern char **environ;

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The whole of fd from its start, malloc'd and NUL-terminated. */
static char *read_all(int fd)
{
	struct stat st;
	char *p;
	ssize_t r;
	size_t off = 0;

	if (fstat(fd, &st) || !(p = malloc((size_t)st.st_size + 1)))
		return NULL;
	while (off < (size_t)st.st_size) {
		r = pread(fd, p + off, (size_t)st.st_size - off, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	p[off] = 0;
	return p;
}

static int spawn_wait(const char *bin, char *const argv[], int in, int out, int err, int *status)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int r;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_adddup2(&fa, err, 2);
	r = strchr(bin, '/') ? posix_spawn(&pid, bin, &fa, NULL, argv, environ)
			     : posix_spawnp(&pid, bin, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r)
		return -r;
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

int ipt_run(const char *bin, char *const argv[], const char *in, size_t inlen, char **out,
	    char *err, size_t errlen)
{
	int fin = memfd_create("ipt-in", MFD_CLOEXEC), fout = memfd_create("ipt-out", MFD_CLOEXEC);
	int ferr = out ? memfd_create("ipt-err", MFD_CLOEXEC) : fout;
	int r, status = 0;
	char *msg = NULL;

	if (out)
		*out = NULL;
	if (errlen)
		err[0] = 0;
	if (fin < 0 || fout < 0 || ferr < 0) {
		r = -errno;
		goto close_fds;
	}
	if (in && (r = write_all(fin, in, inlen)))
		goto close_fds;
	lseek(fin, 0, SEEK_SET);
	r = spawn_wait(bin, argv, fin, fout, ferr, &status);
	if (r) {
		snprintf(err, errlen, "%s: %s", bin, strerror(-r));
		goto close_fds;
	}
	msg = read_all(ferr);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && msg && !*msg) {
		r = -ENOENT; /* posix_spawnp reports a missing binary this way */
		snprintf(err, errlen, "%s: not found", bin);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		r = -EIO;
		snprintf(err, errlen, "%s exited %d: %s", bin,
			 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
			 msg ? msg : "");
	} else if (out && !(*out = read_all(fout))) {
		r = -ENOMEM;
	}
	free(msg);
	for (size_t n = strlen(err); n && (err[n - 1] == '\n' || err[n - 1] == ' '); n--)
		err[n - 1] = 0;
close_fds:
	if (fin >= 0)
		close(fin);
	if (fout >= 0)
		close(fout);
	if (out && ferr >= 0)
		close(ferr);
	return r;
}
