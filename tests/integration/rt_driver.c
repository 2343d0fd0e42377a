/* rt_driver: drives dataplane/kubelet/runtime.h for tests/integration/test_runtime.sh (compiled by
 * it against libdp.a). Each invocation is one process, so "adopt after a restart" is a second
 * invocation. rt_driver SELF ROOT run ID DIR [--image I] [--netns P] [--mem B] [--cpu-quota US]
 * [--pids N] [--cg PARENT]
 *             [--log PATH] [--log-max B] [--ro] [--as-args] [--async] [--wait S] -- ARGV... (ARGV:
 * command, or args) prints "started pid=N" (or "failed reason=R message=M" and exits 1); with
 * --wait, waits up to S s for the exit and prints "exit code=C signal=S oom=0|1"; without, leaves
 * it running. rt_driver SELF ROOT wait ID DIR S          adopt, print the exit line (or "timeout")
 *   rt_driver SELF ROOT kill ID DIR SIG S      adopt, signal, print the exit line
 *   rt_driver SELF ROOT exec ID DIR T -- ARGV  adopt, exec with timeout T, print "exec code=C"
 *   rt_driver SELF ROOT delete ID DIR          adopt (or not) and delete
 *   rt_driver SELF ROOT list                   "ID DIR" per line */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "kubelet/runtime.h"

static struct ev_loop *loop;
static bool exited;
static int exec_code = 1000;

static void on_exit_cb(void *ud, struct rt_ctr *c)
{
	exited = true;
	ev_break(loop, EVBREAK_ALL);
}

static void on_exec(void *ud, int code)
{
	exec_code = code;
	ev_break(loop, EVBREAK_ALL);
}

static void on_any_child(EV_P_ ev_child *w, int revents)
{
}

static struct rt_ctr *started_ctr;
static struct rt_state started_st;
static int ticks;

static void on_started(void *ud, struct rt_ctr *c, const struct rt_state *st)
{
	started_ctr = c;
	started_st = *st;
	ev_break(loop, EVBREAK_ALL);
}

static void on_tick(EV_P_ ev_timer *w, int revents)
{
	ticks++;
}

static void on_timeout(EV_P_ ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

static int wait_exit(struct rt_ctr *c, double secs)
{
	struct rt_state st;
	ev_timer t;

	ev_timer_init(&t, on_timeout, secs, 0);
	ev_timer_start(loop, &t);
	if (!exited)
		ev_run(loop, 0);
	ev_timer_stop(loop, &t);
	if (!exited) {
		printf("timeout\n");
		return 1;
	}
	rt_get_state(c, &st);
	printf("exit code=%d signal=%d oom=%d status=%d\n", st.exit_code, st.signal, st.oom_killed,
	       st.status);
	return 0;
}

static struct rt_ctr *adopt(struct rt *rt, const char *id, const char *dir)
{
	struct rt_ctr *c = NULL;
	int r = rt_adopt(rt, id, dir, on_exit_cb, NULL, &c);

	if (r) {
		printf("adopt failed: %s\n", strerror(-r));
		return NULL;
	}
	return c;
}

int main(int argc, char **argv)
{
	struct rt_opts o = {0};
	struct rt *rt;
	struct rt_ctr *c;
	int r;

	if (argc < 4)
		return 2;
	loop = EV_DEFAULT;
	/* As a daemon's loop may: reap any child on SIGCHLD. The runtime's exec
	 * status must survive it. */
	ev_child any;

	ev_child_init(&any, on_any_child, 0, 0);
	ev_child_start(loop, &any);
	o.shim_exe = argv[1];
	o.root_dir = argv[2];
	r = rt_new(loop, &o, &rt);
	if (r) {
		fprintf(stderr, "rt_new: %s\n", strerror(-r));
		return 1;
	}
	const char *cmd = argv[3];

	if (strcmp(cmd, "list") == 0) {
		char **ids, **dirs;
		int n = rt_list(rt, &ids, &dirs);

		for (int i = 0; i < n; i++)
			printf("%s %s\n", ids[i], dirs[i]);
		if (n >= 0) {
			rt_list_free(ids);
			rt_list_free(dirs);
		}
		rt_free(rt);
		return n < 0;
	}
	if (argc < 6)
		return 2;
	const char *id = argv[4], *dir = argv[5];

	if (strcmp(cmd, "run") == 0) {
		struct rt_spec s = {.id = id, .dir = dir, .image = "host"};
		struct rt_state st;
		double wait = -1;
		bool as_args = false, async = false;
		int i;

		for (i = 6; i < argc && strcmp(argv[i], "--"); i += 2) {
			const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";

			if (!strcmp(k, "--image"))
				s.image = v;
			else if (!strcmp(k, "--netns"))
				s.netns_path = v;
			else if (!strcmp(k, "--mem"))
				s.memory_limit = strtoull(v, NULL, 10);
			else if (!strcmp(k, "--cpu-quota"))
				s.cpu_quota_us = strtoll(v, NULL, 10);
			else if (!strcmp(k, "--pids"))
				s.pids_limit = strtoll(v, NULL, 10);
			else if (!strcmp(k, "--cg"))
				s.cgroup_parent = v;
			else if (!strcmp(k, "--log"))
				s.log_path = v;
			else if (!strcmp(k, "--log-max"))
				s.log_max_size = strtoull(v, NULL, 10);
			else if (!strcmp(k, "--wait"))
				wait = atof(v);
			else if (!strcmp(k, "--ro")) {
				s.readonly_rootfs = true;
				i--;
			} else if (!strcmp(k, "--async")) {
				async = true;
				i--;
			} else if (!strcmp(k, "--as-args")) {
				as_args = true;
				i--;
			} else
				return 2;
		}
		if (i + 1 < argc && as_args)
			s.args = &argv[i + 1];
		else if (i + 1 < argc)
			s.command = &argv[i + 1];
		if (async) {
			r = rt_run_async(rt, &s, on_started, on_exit_cb, NULL, &st);
			if (!r) {
				/* The loop runs (a timer here) while runc starts it. */
				ev_timer tick;

				ev_timer_init(&tick, on_tick, 0.001, 0.001);
				ev_timer_start(loop, &tick);
				ev_run(loop, 0);
				ev_timer_stop(loop, &tick);
				printf("loop ticks while starting: %d\n", ticks > 0);
				c = started_ctr;
				st = started_st;
				r = c ? 0 : -EIO;
			}
		} else {
			r = rt_run(rt, &s, on_exit_cb, NULL, &c, &st);
		}
		if (r) {
			printf("failed reason=%s message=%s\n", st.reason, st.message);
			rt_free(rt);
			return 1;
		}
		printf("started pid=%d\n", st.pid);
		fflush(stdout);
		r = wait >= 0 ? wait_exit(c, wait) : 0;
		rt_free(rt);
		return r;
	}
	if (strcmp(cmd, "delete") == 0) {
		c = NULL;
		r = rt_adopt(rt, id, dir, on_exit_cb, NULL, &c);
		r = c ? rt_delete(c) : rt_remove(rt, id, dir);
		printf("deleted %d\n", r);
		rt_free(rt);
		return r != 0;
	}
	c = adopt(rt, id, dir);
	if (!c)
		return 1;
	if (strcmp(cmd, "wait") == 0 && argc > 6) {
		r = wait_exit(c, atof(argv[6]));
	} else if (strcmp(cmd, "kill") == 0 && argc > 7) {
		r = rt_kill(c, atoi(argv[6]));
		if (r)
			printf("kill: %s\n", strerror(-r));
		r = r ? 1 : wait_exit(c, atof(argv[7]));
	} else if (strcmp(cmd, "exec") == 0 && argc > 8) {
		r = rt_exec(c, &argv[8], atof(argv[6]), on_exec, NULL);
		if (!r)
			ev_run(loop, 0);
		printf("exec code=%d\n", r ? r : exec_code);
		r = 0;
	} else {
		r = 2;
	}
	rt_free(rt);
	return r;
}
