/* logs POD [-c CONTAINER] [-f] [-p|--previous] [--tail N] [--timestamps]:
 * a container's log through pods/<name>/log, as kubectl logs. The answer
 * is streamed to stdout as it comes (a libev loop driving a kstream), so
 * -f prints lines as the container writes them, until the container's run
 * ends or the command is interrupted. */
#include <errno.h>
#include <ev.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

struct logs_run {
	struct ev_loop *loop;
	long status;
	char *body; /* the error answer */
	char err[256];
};

static void logs_data(void *ud, const char *data, size_t len)
{
	if (len) {
		fwrite(data, 1, len, stdout);
		fflush(stdout);
	}
}

static void logs_done(void *ud, long status, const char *body, const char *err)
{
	struct logs_run *lr = ud;

	lr->status = status;
	lr->body = body ? strdup(body) : NULL;
	snprintf(lr->err, sizeof(lr->err), "%s", err ? err : "");
	ev_break(lr->loop, EVBREAK_ALL);
}

/* The boolean flags of logs, and where each goes. */
struct logs_flags {
	bool follow, previous, timestamps;
};

static bool logs_bool_flag(const char *a, struct logs_flags *f)
{
	static const struct {
		const char *s, *l;
		size_t off;
	} tbl[] = {
	    {"-f", "--follow", offsetof(struct logs_flags, follow)},
	    {"-p", "--previous", offsetof(struct logs_flags, previous)},
	    {NULL, "--timestamps", offsetof(struct logs_flags, timestamps)},
	};

	for (size_t i = 0; i < sizeof(tbl) / sizeof(tbl[0]); i++) {
		if ((tbl[i].s && !strcmp(a, tbl[i].s)) || !strcmp(a, tbl[i].l)) {
			*(bool *)((char *)f + tbl[i].off) = true;
			return true;
		}
	}
	return false;
}

int cmd_logs(int argc, char **argv, struct ctl_opts *o)
{
	const char *pod = NULL, *ctr = NULL, *tail = NULL, *v;
	struct logs_flags fl = {0};
	struct logs_run lr = {0};
	char path[1500], *end;
	struct kwatch *kw;
	struct kclient *c;
	size_t n;

	for (int i = 1; i < argc; i++) {
		if (logs_bool_flag(argv[i], &fl))
			continue;
		if ((v = ctl_flag_value(argc, argv, &i, "--container")) ||
		    (v = ctl_flag_value(argc, argv, &i, "-c"))) {
			ctr = v;
		} else if ((v = ctl_flag_value(argc, argv, &i, "--tail"))) {
			tail = v;
		} else if (argv[i][0] == '-') {
			return ctl_err(o, "unknown flag for logs: %s", argv[i]);
		} else if (!pod) {
			pod = argv[i];
		} else if (!ctr) {
			ctr = argv[i]; /* kubectl logs POD CONTAINER */
		} else {
			return ctl_err(o, "unexpected argument for logs: %s", argv[i]);
		}
	}
	if (!pod)
		return ctl_err(o,
			       "expected 'logs [-f] [-p] POD [-c CONTAINER]'.\nPOD is a required "
			       "argument for the logs command");
	if (!strncmp(pod, "pod/", 4) || !strncmp(pod, "pods/", 5))
		pod = strchr(pod, '/') + 1;
	if (tail) {
		long t;

		errno = 0;
		t = strtol(tail, &end, 10);
		if (errno || *end || end == tail || t < -1)
			return ctl_err(o, "invalid argument \"%s\" for \"--tail\" flag", tail);
		if (t == -1)
			tail = NULL; /* kubectl's default: everything */
	}
	c = ctl_client(o);
	if (!c)
		return 1;
	n = (size_t)snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s/log?",
			     ctl_namespace(o), pod);
	if (ctr)
		n += (size_t)snprintf(path + n, sizeof(path) - n, "container=%s&", ctr);
	if (fl.follow)
		n += (size_t)snprintf(path + n, sizeof(path) - n, "follow=true&");
	if (fl.previous)
		n += (size_t)snprintf(path + n, sizeof(path) - n, "previous=true&");
	if (fl.timestamps)
		n += (size_t)snprintf(path + n, sizeof(path) - n, "timestamps=true&");
	if (tail)
		n += (size_t)snprintf(path + n, sizeof(path) - n, "tailLines=%s&", tail);
	if (n >= sizeof(path))
		return ctl_err(o, "the pod or container name is too long");
	path[n - 1] = 0; /* the last '&' or '?' */
	lr.loop = ev_loop_new(EVFLAG_AUTO);
	if (!lr.loop)
		return ctl_err(o, "out of memory");
	kw = kstream_start(c, lr.loop, path, logs_data, logs_done, &lr);
	if (!kw) {
		ev_loop_destroy(lr.loop);
		return ctl_err(o, "out of memory");
	}
	ev_run(lr.loop, 0);
	ev_loop_destroy(lr.loop);
	if (lr.status == 200) {
		free(lr.body);
		return 0;
	}
	if (!lr.status) {
		free(lr.body);
		return ctl_err(o, "%s", lr.err[0] ? lr.err : "no answer from the server");
	}
	n = (size_t)ctl_err_status(o, lr.status, lr.body ? lr.body : "", NULL);
	free(lr.body);
	return (int)n;
}
