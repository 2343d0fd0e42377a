/* cluster_proc: the cluster's processes — started inside a namespace and
 * a cgroup of the cluster, in a session of their own, logging to a file —
 * their pid files, and a /healthz probe from inside a namespace. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cluster.h"
#include "exepath.h"

/* Connect/answer budget of one health probe. */
#define CL_PROBE_TIMEOUT_MS 1000

/* In the child: report why it could not start, in its log. */
static void __attribute__((noreturn)) cl_child_fail(const char *what)
{
	fprintf(stderr, "skiffctl cluster: %s: %s\n", what, strerror(errno));
	_exit(127);
}

pid_t cl_spawn(char *const argv[], const char *netns, const char *cg, const char *log, int keep_fd)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -errno;
	if (pid > 0)
		return pid;
	fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(127);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0)
		dup2(fd, 0);
	/* Into the cgroup first, so that whatever it starts is accounted
	 * there (and killed with it). */
	if (cg) {
		char path[4200];
		FILE *f;

		snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
		f = fopen(path, "we");
		if (!f || fputs("0", f) < 0 || fclose(f))
			cl_child_fail(path);
	}
	if (netns) {
		fd = cl_netns_open(netns);
		if (fd < 0 || setns(fd, CLONE_NEWNET)) {
			errno = fd < 0 ? -fd : errno;
			cl_child_fail(netns);
		}
	}
	if (keep_fd >= 0 && (keep_fd == 3 ? fcntl(3, F_SETFD, 0) : dup2(keep_fd, 3)) < 0)
		cl_child_fail("fd 3");
	/* A daemon of the cluster, not of the terminal that created it:
	 * ^C in that shell must not reach it. */
	setsid();
	signal(SIGPIPE, SIG_DFL);
	execv(argv[0], argv);
	cl_child_fail(argv[0]);
}

int cl_pid_write(const char *path, pid_t pid)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fprintf(f, "%d\n", (int)pid);
	return fclose(f) ? -errno : 0;
}

pid_t cl_pid_read(const char *path)
{
	FILE *f = fopen(path, "re");
	int pid = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%d", &pid) != 1 || pid < 0)
		pid = 0;
	fclose(f);
	return pid;
}

bool cl_child_exited(pid_t pid)
{
	int st;

	return waitpid(pid, &st, WNOHANG) == pid;
}

/* A TCP socket of netns (the root one for NULL). */
static int cl_socket_in(const char *netns)
{
	int self, fd, s;

	if (!netns)
		return socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	fd = cl_netns_open(netns);
	if (fd < 0)
		return fd;
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0 || setns(fd, CLONE_NEWNET)) {
		s = -errno;
		goto out;
	}
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		s = -errno;
	if (setns(self, CLONE_NEWNET))
		abort();
out:
	if (self >= 0)
		close(self);
	close(fd);
	return s;
}

static int cl_wait_fd(int fd, short events)
{
	struct pollfd p = {.fd = fd, .events = events};
	int r = poll(&p, 1, CL_PROBE_TIMEOUT_MS);

	return r < 0 ? -errno : r == 0 ? -ETIMEDOUT : 0;
}

int cl_http_healthz(const char *netns, const char *addr, int port)
{
	static const char req[] = "GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n";
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	char buf[64] = {0};
	socklen_t sl = sizeof(int);
	int s, r, soerr = 0;
	size_t got = 0;
	ssize_t n;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return -EINVAL;
	s = cl_socket_in(netns);
	if (s < 0)
		return s;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) && errno != EINPROGRESS) {
		r = -errno;
		goto out;
	}
	r = cl_wait_fd(s, POLLOUT);
	if (!r && getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr)
		r = -soerr;
	if (!r && send(s, req, sizeof(req) - 1, MSG_NOSIGNAL) != (ssize_t)sizeof(req) - 1)
		r = -EIO;
	while (!r && got < 12) {
		r = cl_wait_fd(s, POLLIN);
		if (r)
			break;
		n = recv(s, buf + got, sizeof(buf) - 1 - got, 0);
		if (n <= 0) {
			r = -EIO;
			break;
		}
		got += (size_t)n;
	}
	if (!r && strncmp(buf + 8, " 200", 4))
		r = -EAGAIN;
out:
	close(s);
	return r;
}

int cl_bin_path(const char *prog, char *buf, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	/* The binaries of the same build as this skiffctl first: a cluster
	 * made from build/ must not run an older installed skiff-node. */
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(buf, len, "%s/%s", self, prog);
			if (!access(buf, X_OK))
				return 0;
		}
	}
	return exe_in_path(prog, buf, len);
}

bool cl_pid_in_cgroup(pid_t pid, const char *cg)
{
	char path[64], line[4300], root[4096];
	bool in = false;
	size_t rl;
	FILE *f;

	if (pid <= 0 || cl_cgroup_root(root, sizeof(root)))
		return false;
	rl = strlen(root);
	if (strncmp(cg, root, rl))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	/* The v2 line "0::<path below the v2 mount>"; a zombie has none. */
	while (!in && fgets(line, sizeof(line), f))
		in = !strncmp(line, "0::", 3) && !strncmp(line + 3, cg + rl, strlen(cg + rl)) &&
		     line[3 + strlen(cg + rl)] == '\n';
	fclose(f);
	return in;
}
