/* kl_probe: a container's probes and lifecycle hooks, as upstream's kubelet.
 *
 * startupProbe, readinessProbe and livenessProbe with an exec (runc exec in
 * the container), tcpSocket or httpGet handler (a socket created inside the
 * pod's network namespace, so it reaches what the pod listens on as the
 * kubelet on the node does; connected without blocking on the loop).
 * Timing as upstream: the first probe once initialDelaySeconds have passed
 * since the container started, then every periodSeconds (10), each given
 * timeoutSeconds (1); successThreshold (1) consecutive successes or
 * failureThreshold (3) consecutive failures change the result. Until the
 * startup probe succeeds the other two do not run; when it fails, or the
 * liveness probe does, the container is killed (preStop, SIGTERM, SIGKILL
 * after the grace period) and kl_pods.c restarts it as restartPolicy says.
 * Readiness sets c->ready; a container with a readiness probe starts not
 * ready. The state lives for one run of the container (kl_probes_start ..
 * kl_probes_end). Hooks: postStart exec after the start (its failure kills
 * the container), preStop exec before SIGTERM, within the grace period.
 *
 * One addition to upstream's timing: until a tcpSocket or httpGet readiness
 * or startup probe first succeeds, and only within its first period, a
 * failure is followed by early runs 20, 40, 80 ... ms later. The first
 * probe of a container comes the moment its program has exec'd, before it
 * can listen; without them it would wait a whole period to be Ready.
 * An early run that fails is not counted (no event, no failure toward
 * failureThreshold): the periodic runs alone decide failures. Exec probes
 * (each a runc exec) and liveness probes never run early.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "json_path.h"
#include "kl_pod.h"
#include "log.h"

enum { KP_STARTUP, KP_READINESS, KP_LIVENESS, KP_N };

static const char *const kp_names[KP_N] = {"startupProbe", "readinessProbe", "livenessProbe"};

enum kp_handler { KP_EXEC, KP_TCP, KP_HTTP };

struct kl_probe {
	struct kl_probes *ps;
	int kind;
	cJSON *spec; /* the probe object, copied: the pod object is replaced on updates */
	enum kp_handler h;
	double delay, period, timeout;
	int success_th, failure_th;
	int successes, failures;
	bool on; /* configured */
	bool busy, exec_pending;
	ev_timer timer;			/* the next run */
	ev_timer early_t;		/* the next early run (see the top of the file) */
	double early_wait, early_until; /* its delay, doubling; none after until */
	bool early, ever_ok;		/* this run is an early one; a run succeeded */
	ev_timer t_limit;		/* timeoutSeconds of a socket probe */
	ev_io io;
	int fd;
	char *req; /* httpGet request, sent from req_off */
	size_t req_len, req_off;
	char resp[128];
	size_t resp_len;
};

struct kl_probes {
	struct kl_ctr *c;
	struct kl_probe pr[KP_N];
	bool started;	   /* the startup probe succeeded (or there is none) */
	bool stopping;	   /* being killed: no more probes or hooks */
	bool hook_pending; /* postStart or preStop exec outstanding */
	bool in_poststart;
	double grace;
	ev_timer kill_timer; /* SIGKILL when the grace period of a kill ends */
};

static struct ev_loop *kp_loop(const struct kl_probes *ps)
{
	return ps->c->pod->pp->k->loop;
}

static double kp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The container's object in the current pod spec (kl_spec_build indexes the same way). */
static const cJSON *kp_ctr_spec(const struct kl_ctr *c)
{
	return cJSON_GetArrayItem(json_at(c->pod->obj, "spec.containers"), (int)(c - c->pod->ctrs));
}

/* ---- what a spec asks for ---- */

/* The handler of a probe or hook object: 0 with *h, or -EINVAL with err naming it. */
static int kp_handler_of(const char *what, const cJSON *o, bool hook, enum kp_handler *h, char *err,
			 size_t len)
{
	const char *scheme = json_str(o, "httpGet.scheme");
	int n = 0;

	if (json_at(o, "exec")) {
		*h = KP_EXEC;
		n++;
	}
	if (!hook && json_at(o, "tcpSocket")) {
		*h = KP_TCP;
		n++;
	}
	if (!hook && json_at(o, "httpGet")) {
		*h = KP_HTTP;
		n++;
	}
	if (n == 1 && *h == KP_EXEC && !cJSON_GetArraySize(json_at(o, "exec.command"))) {
		snprintf(err, len, "%s: exec.command: Required value", what);
		return -EINVAL;
	}
	if (n == 1 && *h == KP_HTTP && scheme && strcmp(scheme, "HTTP")) {
		snprintf(err, len, "%s: unsupported handler: httpGet.scheme %.20s (only HTTP)",
			 what, scheme);
		return -EINVAL;
	}
	if (n == 1)
		return 0;
	if (n > 1) {
		snprintf(err, len, "%s: may not specify more than 1 handler type", what);
		return -EINVAL;
	}
	snprintf(err, len, "%s: unsupported handler%s (%s)", what,
		 json_at(o, "grpc")	   ? " grpc"
		 : json_at(o, "httpGet")   ? " httpGet"
		 : json_at(o, "tcpSocket") ? " tcpSocket"
		 : json_at(o, "sleep")	   ? " sleep"
					   : "",
		 hook ? "only exec is supported" : "exec, tcpSocket or httpGet");
	return -EINVAL;
}

int kl_probe_check(const cJSON *ctr, char *err, size_t len)
{
	static const char *const hooks[] = {"lifecycle.postStart", "lifecycle.preStop"};
	enum kp_handler h;

	for (int k = 0; k < KP_N; k++) {
		const cJSON *o = json_at(ctr, kp_names[k]);

		if (o && !cJSON_IsNull(o) && kp_handler_of(kp_names[k], o, false, &h, err, len))
			return -EINVAL;
	}
	for (size_t k = 0; k < sizeof(hooks) / sizeof(hooks[0]); k++) {
		const cJSON *o = json_at(ctr, hooks[k]);

		if (o && !cJSON_IsNull(o) && kp_handler_of(hooks[k], o, true, &h, err, len))
			return -EINVAL;
	}
	return 0;
}

static double kp_num(const cJSON *o, const char *key, double def, double min)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	double d = cJSON_IsNumber(v) ? v->valuedouble : def;

	return d < min ? def : d;
}

/* The probe's port: a number, or the name of one of the container's ports. */
static int kp_port(const struct kl_probe *pr, const cJSON *port)
{
	const cJSON *pt;

	if (cJSON_IsNumber(port))
		return port->valueint > 0 && port->valueint < 65536 ? port->valueint : -EINVAL;
	if (!cJSON_IsString(port))
		return -EINVAL;
	if (strspn(port->valuestring, "0123456789") == strlen(port->valuestring) &&
	    *port->valuestring)
		return atoi(port->valuestring);
	cJSON_ArrayForEach(pt, json_at(kp_ctr_spec(pr->ps->c), "ports"))
	{
		const char *n = json_str(pt, "name");
		const cJSON *cp = cJSON_GetObjectItemCaseSensitive(pt, "containerPort");

		if (n && !strcmp(n, port->valuestring) && cJSON_IsNumber(cp))
			return cp->valueint;
	}
	return -ENOENT;
}

/* ---- results ---- */

static void kp_kill(struct kl_probes *ps, double grace);

#define KP_EARLY_FIRST 0.02 /* seconds from a failure to the first early run */

static void kp_arm(struct kl_probe *pr)
{
	struct kl_probes *ps = pr->ps;
	double now = kp_now(), wait = ps->c->started_at + pr->delay - now;

	if (wait < 0)
		wait = 0;
	pr->early_until = now + wait + pr->period;
	pr->early_wait = KP_EARLY_FIRST;
	ev_timer_set(&pr->timer, wait, pr->period);
	ev_timer_start(kp_loop(ps), &pr->timer);
}

/* After a failure: the next early run, if this probe has them and it is
 * still due before both the end of the first period and the next periodic run. */
static void kp_early_next(struct kl_probe *pr)
{
	struct ev_loop *loop = kp_loop(pr->ps);

	if (pr->ever_ok || pr->kind == KP_LIVENESS || pr->h == KP_EXEC ||
	    kp_now() + pr->early_wait >= pr->early_until ||
	    ev_timer_remaining(loop, &pr->timer) <= pr->early_wait)
		return;
	ev_timer_set(&pr->early_t, pr->early_wait, 0);
	ev_timer_start(loop, &pr->early_t);
	pr->early_wait *= 2;
}

static void kp_set_ready(struct kl_probes *ps, bool ready)
{
	if (ps->c->ready == ready)
		return;
	ps->c->ready = ready;
	kl_status_update(ps->c->pod);
}

/* The container's grace period for a kill: the probe's own
 * terminationGracePeriodSeconds, else the pod's. */
static double kp_grace(const struct kl_ctr *c, const cJSON *probe)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(probe, "terminationGracePeriodSeconds");

	if (!cJSON_IsNumber(v))
		v = json_at(c->pod->obj, "spec.terminationGracePeriodSeconds");
	return cJSON_IsNumber(v) && v->valuedouble >= 0 ? v->valuedouble : 30;
}

/* Started: readiness (or ready at once without it) and liveness run. */
static void kp_after_startup(struct kl_probes *ps)
{
	ps->started = true;
	if (ps->pr[KP_READINESS].on)
		kp_arm(&ps->pr[KP_READINESS]);
	else
		kp_set_ready(ps, true);
	if (ps->pr[KP_LIVENESS].on)
		kp_arm(&ps->pr[KP_LIVENESS]);
}

static void kp_result(struct kl_probe *pr, bool ok, const char *detail)
{
	struct kl_probes *ps = pr->ps;
	struct kl_ctr *c = ps->c;

	bool early = pr->early;

	pr->busy = false;
	pr->early = false;
	if (ps->stopping)
		return;
	if (!ok)
		kp_early_next(pr);
	if (!ok && early)
		return; /* not counted: the periodic runs decide failures */
	if (ok) {
		pr->ever_ok = true;
		ev_timer_stop(kp_loop(ps), &pr->early_t);
		pr->failures = 0;
		if (++pr->successes < pr->success_th)
			return;
	} else {
		pr->successes = 0;
		static const char *const what[KP_N] = {"Startup", "Readiness", "Liveness"};

		pr_info("kubelet: pod %s container %s: %s failed: %s", c->pod->key, c->name,
			kp_names[pr->kind], detail);
		kl_event(c->pod, c->name, "Warning", "Unhealthy", "%s probe failed: %s",
			 what[pr->kind], detail);
		if (++pr->failures < pr->failure_th)
			return;
	}
	switch (pr->kind) {
	case KP_STARTUP:
		ev_timer_stop(kp_loop(ps), &pr->timer);
		if (!ok) {
			pr_info("kubelet: pod %s container %s failed its startup probe, will be "
				"restarted",
				c->pod->key, c->name);
			kl_event(c->pod, c->name, "Normal", "Killing",
				 "Container %s failed startup probe, will be restarted", c->name);
			kp_kill(ps, kp_grace(c, pr->spec));
			return;
		}
		kp_after_startup(ps);
		break;
	case KP_READINESS:
		kp_set_ready(ps, ok);
		break;
	default:
		if (ok)
			return;
		pr_info("kubelet: pod %s container %s failed its liveness probe, will be restarted",
			c->pod->key, c->name);
		kl_event(c->pod, c->name, "Normal", "Killing",
			 "Container %s failed liveness probe, will be restarted", c->name);
		kp_kill(ps, kp_grace(c, pr->spec));
	}
}

/* ---- socket probes ---- */

static void kp_sock_close(struct kl_probe *pr)
{
	ev_io_stop(kp_loop(pr->ps), &pr->io);
	ev_timer_stop(kp_loop(pr->ps), &pr->t_limit);
	if (pr->fd >= 0)
		close(pr->fd);
	pr->fd = -1;
	free(pr->req);
	pr->req = NULL;
}

static void kp_sock_end(struct kl_probe *pr, bool ok, const char *detail)
{
	kp_sock_close(pr);
	kp_result(pr, ok, detail);
}

/* The HTTP status line read so far: 1 done (ok set), 0 more needed, -1 bad. */
static int kp_http_status(struct kl_probe *pr, bool *ok)
{
	char *eol = memchr(pr->resp, '\n', pr->resp_len);
	int code;

	if (!eol)
		return pr->resp_len == sizeof(pr->resp) - 1 ? -1 : 0;
	*eol = 0;
	if (sscanf(pr->resp, "HTTP/%*d.%*d %d", &code) != 1)
		return -1;
	*ok = code >= 200 && code < 400;
	snprintf(pr->resp, sizeof(pr->resp), "HTTP probe failed with statuscode: %d", code);
	return 1;
}

static void kp_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct kl_probe *pr = w->data;
	int err = 0;
	socklen_t el = sizeof(err);
	ssize_t n;
	bool ok = false;

	if (!pr->req && pr->resp_len == 0 && (revents & EV_WRITE)) {
		/* a tcpSocket probe: connected is success */
		getsockopt(pr->fd, SOL_SOCKET, SO_ERROR, &err, &el);
		kp_sock_end(pr, !err, strerror(err));
		return;
	}
	if (revents & EV_WRITE) {
		getsockopt(pr->fd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (err) {
			kp_sock_end(pr, false, strerror(err));
			return;
		}
		n = send(pr->fd, pr->req + pr->req_off, pr->req_len - pr->req_off, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN) {
			kp_sock_end(pr, false, strerror(errno));
			return;
		}
		if (n > 0)
			pr->req_off += (size_t)n;
		if (pr->req_off == pr->req_len) {
			ev_io_stop(loop, w);
			ev_io_set(w, pr->fd, EV_READ);
			ev_io_start(loop, w);
		}
		return;
	}
	n = recv(pr->fd, pr->resp + pr->resp_len, sizeof(pr->resp) - 1 - pr->resp_len, 0);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		kp_sock_end(pr, false, n ? strerror(errno) : "connection closed before a response");
		return;
	}
	pr->resp_len += (size_t)n;
	switch (kp_http_status(pr, &ok)) {
	case 0:
		return;
	case 1: {
		char detail[sizeof(pr->resp)];

		snprintf(detail, sizeof(detail), "%s", pr->resp);
		kp_sock_end(pr, ok, detail);
		return;
	}
	default:
		kp_sock_end(pr, false, "not an HTTP response");
	}
}

static void kp_limit_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	kp_sock_end(w->data, false, "timeout");
}

struct kp_dial {
	struct sockaddr_in sa;
	int fd;
};

/* In the pod's network namespace: a non-blocking socket, its connect begun. */
static int kp_dial_in_netns(void *ud)
{
	struct kp_dial *d = ud;

	d->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->fd < 0)
		return -errno;
	if (connect(d->fd, (struct sockaddr *)&d->sa, sizeof(d->sa)) && errno != EINPROGRESS) {
		int r = -errno;

		close(d->fd);
		d->fd = -1;
		return r;
	}
	return 0;
}

/* The request of an httpGet probe (Host, User-Agent as upstream's, httpHeaders override). */
static char *kp_http_request(const cJSON *hg, const char *host, int port, size_t *len)
{
	const char *path = json_str(hg, "path");
	const cJSON *h;
	bool has_host = false, has_ua = false, has_accept = false;
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	if (!f)
		return NULL;
	fprintf(f, "GET %s%s HTTP/1.1\r\n", path && *path == '/' ? "" : "/", path ? path : "");
	cJSON_ArrayForEach(h, json_at(hg, "httpHeaders"))
	{
		const char *k = json_str(h, "name"), *v = json_str(h, "value");

		if (!k || !*k || strpbrk(k, "\r\n:") || (v && strpbrk(v, "\r\n")))
			continue;
		has_host |= !strcasecmp(k, "Host");
		has_ua |= !strcasecmp(k, "User-Agent");
		has_accept |= !strcasecmp(k, "Accept");
		fprintf(f, "%s: %s\r\n", k, v ? v : "");
	}
	if (!has_host)
		fprintf(f, "Host: %s:%d\r\n", host, port);
	if (!has_ua)
		fprintf(f, "User-Agent: kube-probe/1.30\r\n");
	if (!has_accept)
		fprintf(f, "Accept: */*\r\n");
	fprintf(f, "Connection: close\r\n\r\n");
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static void kp_sock_run(struct kl_probe *pr)
{
	struct kl_pod *p = pr->ps->c->pod;
	const cJSON *hs = json_at(pr->spec, pr->h == KP_TCP ? "tcpSocket" : "httpGet");
	const char *host = json_str(hs, "host");
	struct kp_dial d = {.fd = -1};
	char detail[300];
	int port = kp_port(pr, cJSON_GetObjectItemCaseSensitive(hs, "port")), r;

	if (!host || !*host)
		host = p->sb.ip; /* upstream's default: the pod IP */
	if (port < 0) {
		const cJSON *pv = cJSON_GetObjectItemCaseSensitive(hs, "port");

		snprintf(detail, sizeof(detail),
			 "port %.100s: not a number or a container port name",
			 cJSON_IsString(pv) ? pv->valuestring : "(missing)");
		kp_result(pr, false, detail);
		return;
	}
	d.sa.sin_family = AF_INET;
	d.sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &d.sa.sin_addr) != 1) {
		snprintf(detail, sizeof(detail), "host %.200s: not an IPv4 address", host);
		kp_result(pr, false, detail);
		return;
	}
	r = sb_in_netns(&p->sb, kp_dial_in_netns, &d);
	if (r) {
		snprintf(detail, sizeof(detail), "dial %s:%d: %s", host, port, strerror(-r));
		kp_result(pr, false, detail);
		return;
	}
	pr->fd = d.fd;
	pr->resp_len = 0;
	pr->req_off = 0;
	if (pr->h == KP_HTTP) {
		pr->req = kp_http_request(hs, host, port, &pr->req_len);
		if (!pr->req) {
			kp_sock_end(pr, false, strerror(ENOMEM));
			return;
		}
	}
	ev_io_set(&pr->io, pr->fd, EV_WRITE);
	ev_io_start(kp_loop(pr->ps), &pr->io);
	ev_timer_set(&pr->t_limit, pr->timeout, 0);
	ev_timer_start(kp_loop(pr->ps), &pr->t_limit);
}

/* ---- exec probes ---- */

static void kp_exec_done(void *ud, int code)
{
	struct kl_probe *pr = ud;
	char detail[64];

	pr->exec_pending = false;
	if (code == -ETIMEDOUT)
		snprintf(detail, sizeof(detail), "command timed out");
	else
		snprintf(detail, sizeof(detail), "command exited with %d", code);
	kp_result(pr, code == 0, detail);
}

/* argv of a hook's or probe's exec.command (pointers into o), NULL-terminated. */
static char **kp_argv(const cJSON *o)
{
	const cJSON *cmd = json_at(o, "exec.command"), *a;
	char **v = calloc((size_t)cJSON_GetArraySize(cmd) + 1, sizeof(*v));
	int n = 0;

	if (!v)
		return NULL;
	cJSON_ArrayForEach(a, cmd)
	{
		if (cJSON_IsString(a))
			v[n++] = a->valuestring;
	}
	return v;
}

static void kp_exec_run(struct kl_probe *pr)
{
	char **argv = kp_argv(pr->spec);
	int r = argv ? rt_exec(pr->ps->c->rc, argv, pr->timeout, kp_exec_done, pr) : -ENOMEM;

	free(argv);
	if (r) {
		kp_result(pr, false, strerror(-r));
		return;
	}
	pr->exec_pending = true;
}

/* A periodic run (timer) or an early one (early_t). */
static void kp_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct kl_probe *pr = w->data;

	/* a probe still running when the next is due counts once */
	if (pr->busy || pr->ps->stopping || !pr->ps->c->rc)
		return;
	pr->busy = true;
	pr->early = w == &pr->early_t;
	if (!pr->early)
		ev_timer_stop(loop, &pr->early_t);
	if (pr->h == KP_EXEC)
		kp_exec_run(pr);
	else
		kp_sock_run(pr);
}

/* ---- hooks and kills ---- */

static void kp_kill_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct kl_probes *ps = w->data;

	if (ps->c->rc)
		rt_kill(ps->c->rc, SIGKILL);
}

static void kp_prestop_done(void *ud, int code)
{
	struct kl_probes *ps = ud;

	ps->hook_pending = false;
	if (code) {
		pr_info("kubelet: pod %s container %s: preStop hook exited with %d",
			ps->c->pod->key, ps->c->name, code);
		kl_event(ps->c->pod, ps->c->name, "Warning", "FailedPreStopHook",
			 "PreStopHook failed: command exited with %d", code);
	}
	if (ps->c->rc)
		rt_kill(ps->c->rc, SIGTERM);
}

static void kp_stop_probes(struct kl_probes *ps)
{
	for (int k = 0; k < KP_N; k++) {
		ev_timer_stop(kp_loop(ps), &ps->pr[k].timer);
		ev_timer_stop(kp_loop(ps), &ps->pr[k].early_t);
		kp_sock_close(&ps->pr[k]);
	}
}

/* preStop (if any) then SIGTERM, SIGKILL once grace seconds have passed. */
static void kp_kill(struct kl_probes *ps, double grace)
{
	struct kl_ctr *c = ps->c;
	const cJSON *hook = json_at(kp_ctr_spec(c), "lifecycle.preStop");
	char **argv;

	if (ps->stopping) {
		/* already on its way: a shorter grace (the pod deleted now) wins */
		if (grace <= 0 && c->rc)
			rt_kill(c->rc, SIGKILL);
		return;
	}
	ps->stopping = true;
	kp_stop_probes(ps);
	c->ready = false;
	if (!c->rc)
		return;
	if (grace <= 0) {
		rt_kill(c->rc, SIGKILL);
		return;
	}
	ev_timer_set(&ps->kill_timer, grace, 0);
	ev_timer_start(kp_loop(ps), &ps->kill_timer);
	if (hook && json_at(hook, "exec") && !ps->hook_pending) {
		argv = kp_argv(hook);
		if (argv && rt_exec(c->rc, argv, grace, kp_prestop_done, ps) == 0) {
			ps->hook_pending = true;
			free(argv);
			return;
		}
		free(argv);
		pr_warn("kubelet: pod %s container %s: preStop hook could not run", c->pod->key,
			c->name);
	}
	rt_kill(c->rc, SIGTERM);
}

static void kp_probes_go(struct kl_probes *ps)
{
	if (ps->pr[KP_STARTUP].on)
		kp_arm(&ps->pr[KP_STARTUP]);
	else
		kp_after_startup(ps);
}

static void kp_poststart_done(void *ud, int code)
{
	struct kl_probes *ps = ud;
	struct kl_ctr *c = ps->c;

	ps->hook_pending = false;
	ps->in_poststart = false;
	if (ps->stopping)
		return;
	if (code) {
		/* as upstream: the container is killed and restarted per restartPolicy */
		pr_warn("kubelet: pod %s container %s: postStart hook failed (%d), killing it",
			c->pod->key, c->name, code);
		kl_event(c->pod, c->name, "Warning", "FailedPostStartHook",
			 "PostStartHook failed: command exited with %d", code);
		kp_kill(ps, 0);
		return;
	}
	kp_probes_go(ps);
}

/* ---- per run ---- */

void kl_probes_start(struct kl_ctr *c, bool post_start)
{
	const cJSON *spec = kp_ctr_spec(c), *hook = json_at(spec, "lifecycle.postStart");
	struct kl_probes *ps;
	char err[256];

	kl_probes_end(c);
	c->ready = false;
	ps = calloc(1, sizeof(*ps));
	if (!ps) {
		/* probes cannot run: a plain container, ready while running */
		pr_err("kubelet: pod %s container %s: out of memory for its probes", c->pod->key,
		       c->name);
		c->ready = true;
		return;
	}
	c->probes = ps;
	ps->c = c;
	ev_timer_init(&ps->kill_timer, kp_kill_cb, 0, 0);
	ps->kill_timer.data = ps;
	for (int k = 0; k < KP_N; k++) {
		struct kl_probe *pr = &ps->pr[k];
		const cJSON *o = json_at(spec, kp_names[k]);

		pr->ps = ps;
		pr->kind = k;
		pr->fd = -1;
		ev_timer_init(&pr->timer, kp_timer_cb, 0, 0);
		pr->timer.data = pr;
		ev_timer_init(&pr->early_t, kp_timer_cb, 0, 0);
		pr->early_t.data = pr;
		ev_timer_init(&pr->t_limit, kp_limit_cb, 0, 0);
		pr->t_limit.data = pr;
		ev_io_init(&pr->io, kp_io_cb, 0, EV_WRITE);
		pr->io.data = pr;
		if (!o || cJSON_IsNull(o) ||
		    kp_handler_of(kp_names[k], o, false, &pr->h, err, sizeof(err)))
			continue; /* kl_probe_check refused the start already */
		pr->spec = cJSON_Duplicate(o, true);
		if (!pr->spec)
			continue;
		pr->on = true;
		pr->delay = kp_num(o, "initialDelaySeconds", 0, 0);
		pr->period = kp_num(o, "periodSeconds", 10, 1);
		pr->timeout = kp_num(o, "timeoutSeconds", 1, 1);
		/* liveness and startup: successThreshold must be 1 (upstream's validation) */
		pr->success_th = k == KP_READINESS ? (int)kp_num(o, "successThreshold", 1, 1) : 1;
		pr->failure_th = (int)kp_num(o, "failureThreshold", 3, 1);
	}
	if (post_start && hook && json_at(hook, "exec") && c->rc) {
		char **argv = kp_argv(hook);

		ps->in_poststart = true;
		if (argv && rt_exec(c->rc, argv, kp_grace(c, NULL), kp_poststart_done, ps) == 0) {
			ps->hook_pending = true;
			free(argv);
			return;
		}
		free(argv);
		ps->in_poststart = false;
		pr_warn("kubelet: pod %s container %s: postStart hook could not run, killing it",
			c->pod->key, c->name);
		kp_kill(ps, 0);
		return;
	}
	kp_probes_go(ps);
}

void kl_ctr_stop(struct kl_ctr *c, double grace)
{
	if (c->probes) {
		kp_kill(c->probes, grace);
		return;
	}
	if (c->rc)
		rt_kill(c->rc, grace > 0 ? SIGTERM : SIGKILL);
}

void kl_probes_end(struct kl_ctr *c)
{
	struct kl_probes *ps = c->probes;

	if (!ps)
		return;
	kp_stop_probes(ps);
	ev_timer_stop(kp_loop(ps), &ps->kill_timer);
	for (int k = 0; k < KP_N; k++)
		cJSON_Delete(ps->pr[k].spec);
	free(ps);
	c->probes = NULL;
}
