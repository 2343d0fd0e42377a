/* shim: `skiff-shim <bundle-dir> <id> <runc> <runc-root> <log-path> <log-max> <memcg-dir|->`,
 * one per container, a binary of its own (dataplane/shim_main.c) linked with libc alone: it is
 * exec'd for every container start, and skiff-node's dozens of shared libraries would cost more
 * to load than the shim does to run. It detaches (setsid + second fork) so it outlives skiff-node,
 * becomes a child subreaper (a container whose runc dies is reparented here, not to init), and runs
 * `runc run
 * --keep` in the foreground with stdout/stderr on pipes that it copies to the log file in the CRI
 * format
 * ("<RFC3339Nano> stdout|stderr F|P <text>") with rotation to <log>.1. It reports on fd 3, once:
 *   "ok <shim-pid> <container-pid> <started-at>\n"   (runc wrote --pid-file: the process runs)
 *   "err <shim-pid> <runc's last error text>\n"      (runc exited before that)
 * When runc exits it reads the memory cgroup's oom_kill counter (--keep leaves the cgroup for
 * that), writes <dir>/exit ("<code> <signal> <oom 0|1> <finished-at>\n") atomically and exits.
 * Files: <dir>/shim.pid, <dir>/state ("<container-pid> <started-at>\n"), <dir>/ctr.pid (runc's),
 * <dir>/shim.log (the shim's own diagnostics). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kubelet/runtime.h"

#define SHIM_REPORT_FD 3
#define LINE_MAX_BYTES                                                                             \
	(16 * 1024) /* as containerd: a longer line is split into P(artial) records */

struct shim_log {
	const char *path;
	uint64_t max, size;
	int fd;
};

struct shim_stream {
	const char *name; /* "stdout" or "stderr" */
	int fd;
	char buf[LINE_MAX_BYTES];
	size_t len;
};

static double now_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Write a small file via <path>.tmp + rename, so a reader sees all or nothing. */
static int write_atomic(const char *dir, const char *name, const char *text)
{
	char p[4200], t[4200];
	int fd, r;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	snprintf(t, sizeof(t), "%s/.%s.tmp", dir, name);
	fd = open(t, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	r = write_all(fd, text, strlen(text));
	if (!r && fsync(fd))
		r = -errno;
	close(fd);
	if (!r && rename(t, p))
		r = -errno;
	return r;
}

static void log_open(struct shim_log *l)
{
	struct stat st;

	l->fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (l->fd < 0)
		fprintf(stderr, "shim: open %s: %s\n", l->path, strerror(errno));
	l->size = (l->fd >= 0 && fstat(l->fd, &st) == 0) ? (uint64_t)st.st_size : 0;
}

static void log_record(struct shim_log *l, const char *stream, char tag, const char *text, size_t n)
{
	char head[96];
	struct timespec ts;
	struct tm tm;
	size_t h;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	h = strftime(head, sizeof(head), "%Y-%m-%dT%H:%M:%S", &tm);
	h +=
	    (size_t)snprintf(head + h, sizeof(head) - h, ".%09ldZ %s %c ", ts.tv_nsec, stream, tag);
	if (l->max && l->size > 0 && l->size + h + n + 1 > l->max) {
		char old[4200];

		snprintf(old, sizeof(old), "%s.1", l->path);
		if (l->fd >= 0)
			close(l->fd);
		if (rename(l->path, old))
			fprintf(stderr, "shim: rotate %s: %s\n", l->path, strerror(errno));
		log_open(l);
	}
	if (l->fd < 0)
		return;
	/* One write per record: a concurrent reader never sees half a line. */
	char *rec = malloc(h + n + 1);

	if (!rec)
		return;
	memcpy(rec, head, h);
	memcpy(rec + h, text, n);
	rec[h + n] = '\n';
	if (write_all(l->fd, rec, h + n + 1) == 0)
		l->size += h + n + 1;
	free(rec);
}

/* Emit every complete line of s; a full buffer without a newline is a P record. */
static void stream_flush(struct shim_stream *s, struct shim_log *l, bool eof)
{
	size_t off = 0;

	for (;;) {
		char *nl = memchr(s->buf + off, '\n', s->len - off);

		if (!nl)
			break;
		log_record(l, s->name, 'F', s->buf + off, (size_t)(nl - (s->buf + off)));
		off = (size_t)(nl - s->buf) + 1;
	}
	memmove(s->buf, s->buf + off, s->len - off);
	s->len -= off;
	if (s->len == sizeof(s->buf) || (eof && s->len)) {
		log_record(l, s->name, eof ? 'F' : 'P', s->buf, s->len);
		s->len = 0;
	}
}

/* Read what is there; returns false at EOF or error. errtail keeps the last
 * stderr text before the start, for the report. */
static bool stream_read(struct shim_stream *s, struct shim_log *l, char *errtail, size_t tlen)
{
	ssize_t n = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		stream_flush(s, l, true);
		close(s->fd);
		s->fd = -1;
		return false;
	}
	if (errtail) {
		size_t have = strlen(errtail), add = (size_t)n < tlen - 1 ? (size_t)n : tlen - 1;

		if (have + add >= tlen) {
			memmove(errtail, errtail + have + add - (tlen - 1), tlen - 1 - add);
			have = tlen - 1 - add;
		}
		memcpy(errtail + have, s->buf + s->len + (size_t)n - add, add);
		errtail[have + add] = 0;
	}
	s->len += (size_t)n;
	stream_flush(s, l, false);
	return true;
}

static int read_pidfile(const char *dir)
{
	char p[4200];
	FILE *f;
	int pid = 0;

	snprintf(p, sizeof(p), "%s/ctr.pid", dir);
	f = fopen(p, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid;
}

/* Wait (up to 1 s) until the container's process has exec'd its program:
 * runc writes the pid file once it released its init, which still has to
 * call execve. Reporting only then makes startedAt the program's start and
 * keeps a first probe from racing the exec. An exited process ends the
 * wait at once. */
static void wait_exec(pid_t pid)
{
	char p[64], comm[32];
	struct timespec ms = {0, 1000000};

	snprintf(p, sizeof(p), "/proc/%d/comm", (int)pid);
	for (int i = 0; i < 1000; i++) {
		int fd = open(p, O_RDONLY | O_CLOEXEC);
		ssize_t n;

		if (fd < 0)
			return;
		n = read(fd, comm, sizeof(comm) - 1);
		close(fd);
		if (n <= 0)
			return;
		comm[n] = 0;
		if (strncmp(comm, "runc:", 5))
			return;
		nanosleep(&ms, NULL);
	}
}

/* runc's error text, one line: its last non-empty line, quotes kept. */
static void last_line(char *t)
{
	size_t n = strlen(t);
	char *s;

	while (n && (t[n - 1] == '\n' || t[n - 1] == ' '))
		t[--n] = 0;
	s = strrchr(t, '\n');
	if (s)
		memmove(t, s + 1, strlen(s + 1) + 1);
}

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...)
{
	char b[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	write_all(SHIM_REPORT_FD, b, strlen(b));
	close(SHIM_REPORT_FD);
}

static pid_t spawn_runc(const char *dir, const char *id, const char *runc, const char *root,
			int out, int err)
{
	char pidfile[4200];
	pid_t pid;

	snprintf(pidfile, sizeof(pidfile), "%s/ctr.pid", dir);
	pid = fork();
	if (pid != 0)
		return pid;
	int nul = open("/dev/null", O_RDONLY);
	sigset_t all;

	dup2(nul, 0);
	dup2(out, 1);
	dup2(err, 2);
	close_range(3, ~0U, 0);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	execlp(runc, runc, "--root", root, "run", "--keep", "--bundle", dir, "--pid-file", pidfile,
	       id, (char *)NULL);
	fprintf(stderr, "exec %s: %s\n", runc, strerror(errno));
	_exit(127);
}

int rt_shim_main(int argc, char **argv)
{
	struct shim_log log = {0};
	struct shim_stream so = {.name = "stdout"}, se = {.name = "stderr"};
	char errtail[512] = "", buf[256], path[4200];
	const char *dir, *id, *runc, *root, *memcg;
	int po[2], pe[2], ino, sfd, status = 0, ctr_pid = 0;
	bool started = false, runc_done = false;
	double started_at = 0;
	sigset_t mask;
	pid_t runc_pid;

	if (argc != 8) {
		fprintf(stderr, "usage: skiff-shim DIR ID RUNC RUNC_ROOT LOG LOG_MAX MEMCG|-\n");
		return 2;
	}
	dir = argv[1];
	id = argv[2];
	runc = argv[3];
	root = argv[4];
	log.path = argv[5];
	log.max = strtoull(argv[6], NULL, 10);
	memcg = argv[7];

	/* Detach: a new session, and the grandchild carries on so the process
	 * skiff-node waits for is gone at once and nothing ties us to it. */
	if (setsid() < 0 && errno != EPERM)
		return 1;
	pid_t p = fork();

	if (p < 0)
		return 1;
	if (p > 0)
		_exit(0);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

	int nul = open("/dev/null", O_RDWR);

	snprintf(path, sizeof(path), "%s/shim.log", dir);
	int lfd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);

	dup2(nul, 0);
	dup2(nul, 1);
	dup2(lfd >= 0 ? lfd : nul, 2);
	snprintf(buf, sizeof(buf), "%d\n", getpid());
	if (write_atomic(dir, "shim.pid", buf) || sfd < 0 || pipe2(po, O_CLOEXEC) ||
	    pipe2(pe, O_CLOEXEC)) {
		report("err %d shim: %s\n", getpid(), strerror(errno));
		return 1;
	}
	log_open(&log);
	ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	/* runc writes the pid file as a temp file renamed into place. */
	if (ino >= 0)
		inotify_add_watch(ino, dir, IN_MOVED_TO | IN_CLOSE_WRITE);
	runc_pid = spawn_runc(dir, id, runc, root, po[1], pe[1]);
	close(po[1]);
	close(pe[1]);
	if (runc_pid < 0) {
		report("err %d fork: %s\n", getpid(), strerror(errno));
		return 1;
	}
	so.fd = po[0];
	se.fd = pe[0];

	while (!runc_done || so.fd >= 0 || se.fd >= 0) {
		struct pollfd f[4] = {
		    {.fd = so.fd, .events = POLLIN},
		    {.fd = se.fd, .events = POLLIN},
		    {.fd = started ? -1 : ino, .events = POLLIN},
		    {.fd = runc_done ? -1 : sfd, .events = POLLIN},
		};
		/* After runc is gone, a leftover holder of the pipes (none should
		 * survive the pid namespace's end) gets 1 s. */
		int n = poll(f, 4, runc_done ? 1000 : (ino < 0 && !started ? 5 : -1));

		if (n < 0 && errno != EINTR)
			break;
		if (n == 0 && runc_done)
			break;
		if (f[0].revents)
			stream_read(&so, &log, NULL, 0);
		if (f[1].revents)
			stream_read(&se, &log, started ? NULL : errtail, sizeof(errtail));
		if (f[2].revents) {
			char ev[4096];

			while (read(ino, ev, sizeof(ev)) > 0)
				;
		}
		if (f[3].revents) {
			struct signalfd_siginfo si;
			int st;
			pid_t w;

			while (read(sfd, &si, sizeof(si)) > 0)
				;
			while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
				if (w == runc_pid) {
					runc_done = true;
					status = st;
				}
			}
		}
		if (!started && (ctr_pid = read_pidfile(dir)) > 0) {
			wait_exec(ctr_pid);
			started = true;
			started_at = now_wall();
			snprintf(buf, sizeof(buf), "%d %.9f\n", ctr_pid, started_at);
			write_atomic(dir, "state", buf);
			report("ok %d %d %.9f\n", getpid(), ctr_pid, started_at);
		}
		if (runc_done && !started) {
			last_line(errtail);
			report("err %d %s\n", getpid(), errtail[0] ? errtail : "runc run failed");
			started = true; /* reported */
			ctr_pid = -1;
		}
	}
	if (so.fd >= 0)
		stream_flush(&so, &log, true);
	if (se.fd >= 0)
		stream_flush(&se, &log, true);

	/* runc run exits with the process's code, or 128+signal when it was killed
	 * (as a shell reports it). */
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	int sig = code > 128 && code < 128 + 65 ? code - 128 : 0;
	long oom = strcmp(memcg, "-") ? rt_cgroup_oom_kills(memcg) : 0;

	snprintf(buf, sizeof(buf), "%d %d %d %.9f\n", code, sig, oom > 0, now_wall());
	write_atomic(dir, "exit", buf);
	return 0;
}
