/* kl_pods: the pods bound to this node, converged one by one.
 *
 * An informer watches /api/v1/pods?fieldSelector=spec.nodeName=<node>.
 * Each pod gets a sandbox (its network namespace, sandbox.h), the API
 * objects its containers reference (ConfigMaps, Secrets, a ServiceAccount
 * token) fetched asynchronously, its volumes written, then its containers
 * run (runtime.h). A container's exit is reported by the runtime at once
 * (the shim's pidfd), recorded, and restarted as restartPolicy says with
 * upstream's back-off (immediately, then 10 s doubling to 5 min). A deleted
 * pod's containers get SIGTERM, SIGKILL after the grace period, and then
 * everything of the pod is removed. Nothing blocks on another pod: every
 * request is a kreq on the loop. After a restart of skiff-node the running
 * containers are adopted, and the state of pods that are gone is removed.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <sys/mount.h>
#include <unistd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include "informer.h"
#include "json_path.h"
#include "kclient.h"
#include "kl_pod.h"
#include "log.h"

#define KL_BACKOFF_MIN	 10.0
#define KL_BACKOFF_MAX	 300.0
#define KL_BACKOFF_RESET 600.0 /* a run this long forgets the back-off */
#define KL_RETRY	 2.0   /* a pod-level failure is retried this often */

const char *kl_pod_dir(const struct kl_pod *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s/pods/%s", p->pp->k->o.root_dir, p->uid);
	return buf;
}

static void kl_pod_sync(struct kl_pod *p);
static void kl_ctr_start(struct kl_ctr *c);

static const char *kl_restart_policy(const struct kl_pod *p)
{
	const char *rp = json_str(p->obj, "spec.restartPolicy");

	return rp ? rp : "Always";
}

/* ---- pod-level retries and references ---- */

static void kl_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	kl_pod_sync(w->data);
}

static void kl_pod_fail(struct kl_pod *p, const char *fmt, const char *detail)
{
	char reason[64];

	snprintf(p->error, sizeof(p->error), fmt, detail);
	pr_warn("kubelet: pod %s: %s", p->key, p->error);
	/* fmt is "<Reason>: %s" */
	snprintf(reason, sizeof(reason), "%.*s", (int)strcspn(fmt, ":"), fmt);
	kl_event(p, NULL, "Warning", reason, "%s", detail);
	kl_status_update(p);
	if (!ev_is_active(&p->retry_timer)) {
		ev_timer_set(&p->retry_timer, KL_RETRY, 0);
		ev_timer_start(p->pp->k->loop, &p->retry_timer);
	}
}

static void kl_pod_release(struct kl_pod *p);

/* A reference request ended: go on, or free a pod that went meanwhile. */
static void kl_pod_settled(struct kl_pod *p)
{
	if (p->pending)
		return;
	if (p->gone)
		kl_pod_release(p);
	else
		kl_pod_sync(p);
}

struct kl_ref_req {
	struct kl_pod *p;
	char key[300];
};

static void kl_ref_want(void *ud, const char *res, const char *name);

static void kl_ref_done(void *ud, const struct kresp *r)
{
	struct kl_ref_req *rr = ud;
	struct kl_pod *p = rr->p;
	cJSON *o = r->status == 200 ? cJSON_Parse(r->body) : NULL;
	const char *vn = json_str(o, "spec.volumeName"), *phase = json_str(o, "status.phase");

	/* a bound claim's volume is fetched before the pod goes on */
	if (o && !strncmp(rr->key, "persistentvolumeclaims/", 23) && vn && *vn && phase &&
	    !strcmp(phase, "Bound") && !p->gone)
		kl_ref_want(p, "persistentvolumes", vn);
	p->pending--;
	if (o)
		cJSON_AddItemToObject(p->refs, rr->key, o);
	else if (r->status == 404)
		cJSON_AddNullToObject(p->refs, rr->key); /* optional refs may be missing */
	else
		pr_warn("kubelet: pod %s: reading %s failed (%ld)", p->key, rr->key, r->status);
	free(rr);
	kl_pod_settled(p);
}

static void kl_ref_want(void *ud, const char *res, const char *name)
{
	struct kl_pod *p = ud;
	struct kl_ref_req *rr;
	char path[800];

	rr = calloc(1, sizeof(*rr));
	if (!rr)
		return;
	snprintf(rr->key, sizeof(rr->key), "%s/%s", res, name);
	if (cJSON_GetObjectItemCaseSensitive(p->refs, rr->key)) {
		free(rr);
		return;
	}
	rr->p = p;
	if (!strcmp(res, "persistentvolumes")) /* cluster-scoped */
		snprintf(path, sizeof(path), "/api/v1/%s/%s", res, name);
	else
		snprintf(path, sizeof(path), "/api/v1/namespaces/%s/%s/%s", p->ns, res, name);
	if (kreq_get(p->pp->k->c, p->pp->k->loop, path, kl_ref_done, rr))
		p->pending++;
	else
		free(rr);
}

static void kl_token_done(void *ud, const struct kresp *r)
{
	struct kl_pod *p = ud;
	cJSON *o = r->status == 201 ? cJSON_Parse(r->body) : NULL;
	const char *tok = json_str(o, "status.token");

	p->pending--;
	if (tok) {
		free(p->sa_token);
		p->sa_token = strdup(tok);
	} else {
		pr_warn("kubelet: pod %s: no ServiceAccount token (%ld): %.200s", p->key, r->status,
			r->status ? r->body : r->err);
	}
	cJSON_Delete(o);
	kl_pod_settled(p);
}

/* automountServiceAccountToken (default true): a bound token, an hour long */
static void kl_token_want(struct kl_pod *p)
{
	const cJSON *am = json_at(p->obj, "spec.automountServiceAccountToken");
	const char *sa = json_str(p->obj, "spec.serviceAccountName");
	char path[800], body[600];

	if (cJSON_IsFalse(am) || p->sa_token)
		return;
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/serviceaccounts/%s/token", p->ns,
		 sa && *sa ? sa : "default");
	snprintf(body, sizeof(body),
		 "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\","
		 "\"spec\":{\"expirationSeconds\":3607,\"boundObjectRef\":{\"apiVersion\":\"v1\","
		 "\"kind\":\"Pod\",\"name\":\"%s\",\"uid\":\"%s\"}}}",
		 p->name, p->uid);
	if (kreq_send(p->pp->k->c, p->pp->k->loop, "POST", path, "application/json", body,
		      strlen(body), kl_token_done, p))
		p->pending++;
}

/* ---- containers ---- */

static void kl_death_stop(struct kl_ctr *c)
{
	if (c->pidfd <= 0)
		return;
	ev_io_stop(c->pod->pp->k->loop, &c->death);
	close(c->pidfd);
	c->pidfd = 0;
}

/* The init process died: not ready now; kl_on_exit follows with the
 * exit status once the shim has it. */
static void kl_death_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct kl_ctr *c = w->data;

	kl_death_stop(c);
	if (c->ready) {
		c->ready = false;
		kl_status_update(c->pod);
	}
}

static void kl_death_watch(struct kl_ctr *c, int pid)
{
	int fd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;

	if (fd < 0)
		return; /* kl_on_exit still reports it */
	c->pidfd = fd;
	ev_io_init(&c->death, kl_death_cb, fd, EV_READ);
	c->death.data = c;
	ev_io_start(c->pod->pp->k->loop, &c->death);
}

static void kl_restart_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct kl_ctr *c = w->data;

	if (!c->pod->terminating && !c->rc && !c->starting)
		kl_ctr_start(c);
}

static bool kl_all_stopped(const struct kl_pod *p)
{
	for (int i = 0; i < p->nctrs; i++)
		if (p->ctrs[i].rc || p->ctrs[i].dead || p->ctrs[i].starting)
			return false;
	return true;
}

static void kl_pod_free(struct kl_pod *p);

/* Remove a directory tree, detaching whatever is mounted in it (tmpfs
 * volumes, bind mounts the runtime left) first. */
static int kl_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	if (flag == FTW_DP || flag == FTW_D) {
		umount2(path, MNT_DETACH);
		return rmdir(path) && errno != ENOENT ? 0 : 0;
	}
	unlink(path);
	return 0;
}

void kl_rmtree(const char *dir)
{
	nftw(dir, kl_rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* Kill and remove the containers a previous run left under a pod dir. */
static void kl_reap_dir(struct kl_pods *pp, const char *uid, const char *pod_dir)
{
	char cdir[800], id[400];
	struct dirent *e;
	DIR *d;

	snprintf(cdir, sizeof(cdir), "%s/containers", pod_dir);
	d = opendir(cdir);
	while (d && (e = readdir(d))) {
		char path[1200];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", cdir, e->d_name);
		snprintf(id, sizeof(id), "%.63s_%.255s", uid, e->d_name);
		rt_remove(pp->rt, id, path); /* runc delete --force kills it */
	}
	if (d)
		closedir(d);
}

static void kl_finalized(void *ud, const struct kresp *r)
{
	char *key = ud;

	/* 404: gone already (a forced delete); 409: a new pod of that name */
	if (r->status != 200 && r->status != 404 && r->status != 409)
		pr_warn("kubelet: pod %s: removing it after termination: %ld %.200s", key,
			r->status, r->status ? r->body : r->err);
	free(key);
}

/* A pod deleted gracefully has stopped: remove its object (upstream's
 * kubelet does, with grace 0 and its uid as precondition, so a new pod of
 * the same name is never touched). */
static void kl_pod_finalize(struct kl_pod *p)
{
	char path[800], body[300], *key = strdup(p->key);

	if (!key)
		return;
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s", p->ns, p->name);
	snprintf(body, sizeof(body),
		 "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"gracePeriodSeconds\":0,"
		 "\"preconditions\":{\"uid\":\"%s\"}}",
		 p->uid);
	if (!kreq_send(p->pp->k->c, p->pp->k->loop, "DELETE", path, "application/json", body,
		       strlen(body), kl_finalized, key))
		free(key);
}

/* Everything of a terminated pod: network, files (its containers are
 * deleted already). */
static void kl_pod_cleanup(struct kl_pod *p)
{
	char dir[600];

	char cg[400];

	sb_pod_down(p->pp->sb, p->uid);
	kl_rmtree(kl_pod_dir(p, dir, sizeof(dir)));
	snprintf(cg, sizeof(cg), "%s/pod%s", p->pp->k->o.cgroup_parent, p->uid);
	rt_cgroup_remove(p->pp->rt, cg);
	pr_info("kubelet: pod %s (%s) removed", p->key, p->uid);
	if (p->api_delete)
		kl_pod_finalize(p);
}

static void kl_on_exit(void *ud, struct rt_ctr *rc)
{
	struct kl_ctr *c = ud;
	struct kl_pod *p = c->pod;
	struct rt_state st;

	rt_get_state(rc, &st);
	c->st = KL_TERMINATED;
	c->exit_code = st.exit_code;
	c->signal = st.signal;
	c->finished_at = st.finished_at > 0 ? st.finished_at : (double)time(NULL);
	snprintf(c->reason, sizeof(c->reason), "%s",
		 st.oom_killed			   ? "OOMKilled"
		 : st.exit_code == 0 && !st.signal ? "Completed"
						   : "Error");
	c->message[0] = 0;
	c->ready = false;
	kl_death_stop(c);
	pr_info("kubelet: pod %s container %s exited (code %d, signal %d%s)", p->key, c->name,
		st.exit_code, st.signal, st.oom_killed ? ", OOM killed" : "");
	/* Report the death first: the status request goes out on the next
	 * loop turn, and removing the container (runc delete) takes a while.
	 * The removal, and what follows it, runs from a zero timer. */
	c->dead = rc;
	c->rc = NULL;
	kl_status_update(p);
	ev_timer_set(&c->reap_timer, 0, 0);
	ev_timer_start(p->pp->k->loop, &c->reap_timer);
}

/* The exited container removed: finish the pod, or restart it as
 * restartPolicy says. */
static void kl_reap_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct kl_ctr *c = w->data;
	struct kl_pod *p = c->pod;
	const char *rp = kl_restart_policy(p);
	double ran;

	if (c->dead)
		rt_delete(c->dead);
	c->dead = NULL;
	kl_probes_end(c); /* probes: after rt_delete, which cancelled their execs */
	if (p->terminating) {
		if (kl_all_stopped(p)) {
			kl_pod_cleanup(p);
			kl_pod_free(p);
		}
		return;
	}
	if (strcmp(rp, "Always") &&
	    !(strcmp(rp, "OnFailure") == 0 && (c->exit_code || c->signal))) {
		kl_status_update(p);
		return;
	}
	/* restart: at once the first time, then with a growing back-off */
	ran = c->finished_at - c->started_at;
	if (ran >= KL_BACKOFF_RESET)
		c->backoff = 0;
	c->has_last = true;
	c->last_exit = c->exit_code;
	c->last_signal = c->signal;
	snprintf(c->last_reason, sizeof(c->last_reason), "%s", c->reason);
	c->last_started = c->started_at;
	c->last_finished = c->finished_at;
	if (c->backoff <= 0) {
		c->backoff = KL_BACKOFF_MIN;
		kl_status_update(p); /* the API sees it down (not Ready) even so */
		kl_ctr_start(c);
		return;
	}
	c->st = KL_WAITING;
	snprintf(c->reason, sizeof(c->reason), "CrashLoopBackOff");
	kl_event(p, c->name, "Warning", "BackOff",
		 "Back-off restarting failed container %s in pod %s_%s(%s)", c->name, p->name,
		 p->ns, p->uid);
	snprintf(c->message, sizeof(c->message),
		 "back-off %.0fs restarting failed container=%s pod=%.200s_%.63s(%s)", c->backoff,
		 c->name, p->name, p->ns, p->uid);
	ev_timer_set(&c->restart_timer, c->backoff, 0);
	ev_timer_start(p->pp->k->loop, &c->restart_timer);
	c->backoff = c->backoff * 2 > KL_BACKOFF_MAX ? KL_BACKOFF_MAX : c->backoff * 2;
	kl_status_update(p);
}

/* A start that failed (st says why): waiting, retried with the back-off. */
static void kl_ctr_start_failed(struct kl_ctr *c, const struct rt_state *st)
{
	struct kl_pod *p = c->pod;

	c->rc = NULL;
	c->st = KL_WAITING;
	snprintf(c->reason, sizeof(c->reason), "%s",
		 st->reason[0] ? st->reason : "RunContainerError");
	snprintf(c->message, sizeof(c->message), "%s", st->message);
	pr_warn("kubelet: pod %s container %s: %s: %s", p->key, c->name, c->reason, c->message);
	if (!strcmp(c->reason, "ErrImageNeverPull"))
		kl_event(p, c->name, "Warning", "ErrImageNeverPull", "%s", c->message);
	else if (!strcmp(c->reason, "ErrImagePull"))
		kl_event(p, c->name, "Warning", "Failed", "%s", c->message);
	kl_event(p, c->name, "Warning", "Failed", "Error: %s", c->reason);
	/* a missing image or a bad spec is retried, with the back-off */
	if (c->backoff <= 0)
		c->backoff = KL_BACKOFF_MIN;
	ev_timer_set(&c->restart_timer, c->backoff, 0);
	ev_timer_start(p->pp->k->loop, &c->restart_timer);
	c->backoff = c->backoff * 2 > KL_BACKOFF_MAX ? KL_BACKOFF_MAX : c->backoff * 2;
	kl_status_update(p);
}

static bool kl_all_stopped(const struct kl_pod *p);
static void kl_pod_cleanup(struct kl_pod *p);
static void kl_pod_free(struct kl_pod *p);

/* The runtime's answer to kl_ctr_start (rc NULL: it did not start). */
static void kl_ctr_started(void *ud, struct rt_ctr *rc, const struct rt_state *st)
{
	struct kl_ctr *c = ud;
	struct kl_pod *p = c->pod;

	c->starting = false;
	if (!rc) {
		if (p->terminating) {
			c->rc = NULL;
			if (kl_all_stopped(p)) {
				kl_pod_cleanup(p);
				kl_pod_free(p);
			}
			return;
		}
		kl_ctr_start_failed(c, st);
		return;
	}
	c->rc = rc;
	if (c->started_once)
		c->restarts++;
	c->started_once = true;
	c->st = KL_RUNNING;
	c->reason[0] = c->message[0] = 0;
	c->started_at = st->started_at > 0 ? st->started_at : (double)time(NULL);
	kl_death_watch(c, st->pid);
	kl_event(p, c->name, "Normal", "Created", "Created container %s", c->name);
	kl_event(p, c->name, "Normal", "Started", "Started container %s", c->name);
	if (p->terminating) {
		/* deleted while it was starting: stopped at once, no hooks */
		rt_kill(rc, SIGKILL);
		return;
	}
	/* probes: postStart, then the probes set c->ready (kl_probe.c) */
	kl_probes_start(c, true);
	kl_status_update(p);
}

/* Start container c without waiting for runc: the shim's report arrives
 * on the loop (kl_ctr_started), so fifty pods created at once start side
 * by side instead of one runc after the other. */
static void kl_ctr_start(struct kl_ctr *c)
{
	struct kl_pod *p = c->pod;
	struct kl_spec ks;
	struct rt_state st;
	char err[512];
	int i = (int)(c - p->ctrs), r;

	if (c->starting)
		return;
	memset(&st, 0, sizeof(st));
	/* probes: a probe or hook that cannot run keeps the container waiting */
	r = kl_probe_check(cJSON_GetArrayItem(json_at(p->obj, "spec.containers"), i), err,
			   sizeof(err));
	if (!r)
		r = kl_spec_build(p, i, &ks, err, sizeof(err));
	if (r) {
		c->st = KL_WAITING;
		snprintf(c->reason, sizeof(c->reason), "CreateContainerConfigError");
		snprintf(c->message, sizeof(c->message), "%s", err);
		kl_status_update(p);
		return;
	}
	if (!c->started_once)
		kl_event(
		    p, c->name, "Normal", "Pulled",
		    "Container image \"%s\" already present on machine",
		    json_str(cJSON_GetArrayItem(json_at(p->obj, "spec.containers"), i), "image")
			?: "");
	c->starting = true;
	r = rt_run_async(p->pp->rt, &ks.s, kl_ctr_started, kl_on_exit, c, &st);
	kl_spec_free(&ks);
	if (r) {
		c->starting = false;
		kl_ctr_start_failed(c, &st);
	}
}

/* ---- the pod ---- */

static void kl_pod_sync(struct kl_pod *p)
{
	char err[512];

	if (p->terminating || p->gone)
		return;
	if (cJSON_GetArraySize(json_at(p->obj, "spec.containers")) > KL_MAX_CTRS) {
		/* never run a pod with some of its containers missing */
		snprintf(p->error, sizeof(p->error),
			 "the pod has %d containers: this kubelet runs at most %d",
			 cJSON_GetArraySize(json_at(p->obj, "spec.containers")), KL_MAX_CTRS);
		pr_warn("kubelet: pod %s: %s", p->key, p->error);
		kl_status_update(p);
		return;
	}
	if (!p->sb_up) {
		if (sb_pod_up(p->pp->sb, p->uid, &p->sb, err, sizeof(err))) {
			kl_pod_fail(p, "FailedCreatePodSandBox: %s", err);
			return;
		}
		p->sb_up = true;
		if (sb_pod_files(p->pp->k->o.root_dir, p->uid, p->obj, p->sb.ip,
				 p->pp->k->o.cluster_dns, p->pp->k->o.cluster_domain, &p->files,
				 err, sizeof(err))) {
			p->sb_up = false;
			kl_pod_fail(p, "FailedCreatePodSandBox: %s", err);
			return;
		}
	}
	if (!p->refs_done) {
		if (!p->refs)
			p->refs = cJSON_CreateObject();
		kl_spec_refs(p->obj, kl_ref_want, p);
		kl_token_want(p);
		p->refs_done = true;
	}
	if (p->pending)
		return; /* kl_ref_done / kl_token_done sync again */
	if (kl_volumes_write(p, err, sizeof(err))) {
		kl_pod_fail(p, "FailedMount: %s", err);
		return;
	}
	p->error[0] = 0;
	for (int i = 0; i < p->nctrs; i++) {
		struct kl_ctr *c = &p->ctrs[i];

		if (!c->rc && !c->starting && !ev_is_active(&c->restart_timer) &&
		    c->st != KL_TERMINATED)
			kl_ctr_start(c);
	}
	kl_status_update(p);
}

static void kl_grace_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct kl_pod *p = w->data;

	for (int i = 0; i < p->nctrs; i++)
		if (p->ctrs[i].rc)
			rt_kill(p->ctrs[i].rc, SIGKILL);
}

/* Stop the pod: SIGTERM now, SIGKILL when the grace period ends, then
 * remove it all (kl_on_exit does, once the last container is gone). */
static void kl_pod_terminate(struct kl_pod *p, double grace)
{
	p->terminating = true;
	ev_timer_stop(p->pp->k->loop, &p->retry_timer);
	for (int i = 0; i < p->nctrs; i++) {
		ev_timer_stop(p->pp->k->loop, &p->ctrs[i].restart_timer);
		if (p->ctrs[i].rc)
			kl_event(p, p->ctrs[i].name, "Normal", "Killing", "Stopping container %s",
				 p->ctrs[i].name);
		kl_ctr_stop(&p->ctrs[i], grace); /* probes: preStop, SIGTERM */
	}
	if (kl_all_stopped(p)) {
		kl_pod_cleanup(p);
		kl_pod_free(p);
		return;
	}
	ev_timer_set(&p->grace_timer, grace > 0 ? grace : 0.001, 0);
	ev_timer_start(p->pp->k->loop, &p->grace_timer);
}

static double kl_grace(const cJSON *pod)
{
	long long g;
	const cJSON *v = json_at(pod, "metadata.deletionGracePeriodSeconds");

	if (!cJSON_IsNumber(v))
		v = json_at(pod, "spec.terminationGracePeriodSeconds");
	g = cJSON_IsNumber(v) ? (long long)v->valuedouble : 30;
	return g < 0 ? 0 : (double)g;
}

static struct kl_pod *kl_pod_new(struct kl_pods *pp, const char *key, const cJSON *obj)
{
	struct kl_pod *p = calloc(1, sizeof(*p));
	const cJSON *ctrs = json_at(obj, "spec.containers"), *c;

	if (!p)
		return NULL;
	p->pp = pp;
	snprintf(p->key, sizeof(p->key), "%s", key);
	snprintf(p->uid, sizeof(p->uid), "%s", json_str(obj, "metadata.uid") ?: "");
	snprintf(p->ns, sizeof(p->ns), "%s", json_str(obj, "metadata.namespace") ?: "default");
	snprintf(p->name, sizeof(p->name), "%s", json_str(obj, "metadata.name") ?: "");
	p->obj = cJSON_Duplicate(obj, true);
	p->start_time = (double)time(NULL);
	ev_timer_init(&p->grace_timer, kl_grace_cb, 0, 0);
	p->grace_timer.data = p;
	ev_timer_init(&p->retry_timer, kl_retry_cb, KL_RETRY, 0);
	p->retry_timer.data = p;
	cJSON_ArrayForEach(c, ctrs)
	{
		struct kl_ctr *k;

		if (p->nctrs == KL_MAX_CTRS)
			break;
		k = &p->ctrs[p->nctrs++];
		k->pod = p;
		const char *cname = json_str(c, "name") ?: "";

		snprintf(k->name, sizeof(k->name), "%s", cname);
		snprintf(k->id, sizeof(k->id), "%.63s_%.63s", p->uid, cname);
		k->st = KL_WAITING;
		snprintf(k->reason, sizeof(k->reason), "ContainerCreating");
		ev_timer_init(&k->restart_timer, kl_restart_cb, 0, 0);
		k->restart_timer.data = k;
		ev_timer_init(&k->reap_timer, kl_reap_cb, 0, 0);
		k->reap_timer.data = k;
	}
	if (!p->obj) {
		free(p);
		return NULL;
	}
	return p;
}

static void kl_pod_free(struct kl_pod *p)
{
	struct kl_pods *pp = p->pp;

	if (strmap_get(&pp->pods, p->key) == p)
		strmap_del(&pp->pods, p->key);
	kl_pod_release(p);
}

/* Free p (not in the map any more). */
static void kl_pod_release(struct kl_pod *p)
{
	struct ev_loop *loop = p->pp->k->loop;

	ev_timer_stop(loop, &p->grace_timer);
	ev_timer_stop(loop, &p->retry_timer);
	for (int i = 0; i < p->nctrs; i++) {
		ev_timer_stop(loop, &p->ctrs[i].restart_timer);
		ev_timer_stop(loop, &p->ctrs[i].reap_timer);
		kl_death_stop(&p->ctrs[i]);
		kl_probes_end(&p->ctrs[i]); /* probes */
	}
	kreq_cancel(p->status_req);
	if (p->pending) {
		/* reference requests still out hold p: let them finish on a
		 * pod that is marked gone (leaked until then: a few requests) */
		p->gone = true;
		return;
	}
	cJSON_Delete(p->obj);
	cJSON_Delete(p->refs);
	free(p->sa_token);
	free(p->last_status);
	free(p);
}

/* Adopt what a previous skiff-node left running for this pod. */
static void kl_pod_adopt(struct kl_pod *p)
{
	char dir[600], cdir[800];

	kl_pod_dir(p, dir, sizeof(dir));
	for (int i = 0; i < p->nctrs; i++) {
		struct kl_ctr *c = &p->ctrs[i];

		snprintf(cdir, sizeof(cdir), "%s/containers/%s", dir, c->name);
		if (rt_adopt(p->pp->rt, c->id, cdir, kl_on_exit, c, &c->rc))
			continue;
		{
			struct rt_state st;

			rt_get_state(c->rc, &st);
			c->st = KL_RUNNING;
			c->started_once = true;
			c->started_at = st.started_at;
			kl_death_watch(c, st.pid);
			c->reason[0] = 0;
			kl_probes_start(c, false); /* probes: again, without postStart */
			pr_info("kubelet: pod %s container %s adopted (pid %d)", p->key, c->name,
				st.pid);
		}
	}
}

static void kl_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	struct kl_pods *pp = ud;
	struct kl_pod *p = strmap_get(&pp->pods, key);
	const char *uid = json_str(obj, "metadata.uid") ?: "";
	const char *phase = json_str(obj, "status.phase");

	if (p && strcmp(p->uid, uid)) {
		/* the same name again: the old pod is gone */
		strmap_del(&pp->pods, key);
		kl_pod_terminate(p, 0);
		p = NULL;
	}
	if (!p) {
		/* a pod that already ended is not started again */
		if (phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed")))
			return;
		p = kl_pod_new(pp, key, obj);
		if (!p || strmap_put(&pp->pods, key, p, NULL)) {
			pr_err("kubelet: out of memory for pod %s", key);
			if (p)
				kl_pod_free(p);
			return;
		}
		kl_pod_adopt(p);
		if (json_str(obj, "metadata.deletionTimestamp")) {
			/* deleted while this node was away: stop what runs of it
			 * (adopted above), start nothing, remove it */
			p->api_delete = true;
			kl_pod_terminate(p, kl_grace(obj));
			return;
		}
		if (sb_pod_up(pp->sb, p->uid, &p->sb, p->error, sizeof(p->error)) == 0)
			p->sb_up = sb_pod_files(pp->k->o.root_dir, p->uid, p->obj, p->sb.ip,
						pp->k->o.cluster_dns, pp->k->o.cluster_domain,
						&p->files, p->error, sizeof(p->error)) == 0;
		kl_pod_sync(p);
		return;
	}
	cJSON_Delete(p->obj);
	p->obj = cJSON_Duplicate(obj, true);
	if (json_str(obj, "metadata.deletionTimestamp") && !p->terminating) {
		p->api_delete = true;
		kl_pod_terminate(p, kl_grace(obj));
	}
}

static void kl_remove(void *ud, const char *key, const cJSON *old)
{
	struct kl_pods *pp = ud;
	struct kl_pod *p = strmap_get(&pp->pods, key);

	if (!p)
		return;
	strmap_del(&pp->pods, key);
	p->api_delete = false; /* the object is gone already */
	if (!p->terminating)
		kl_pod_terminate(p, kl_grace(p->obj));
}

/* After the first list: remove what belongs to pods that no longer exist
 * (their sandboxes and container state left by a previous run). */
struct kl_find_uid {
	const char *uid;
	bool found;
};

static void kl_find_uid_cb(void *ud, const char *key, const cJSON *obj)
{
	struct kl_find_uid *f = ud;
	const char *u = json_str(obj, "metadata.uid");

	if (u && !strcmp(u, f->uid))
		f->found = true;
}

static bool kl_uid_known(struct kl_pods *pp, const char *uid)
{
	struct kl_find_uid f = {uid, false};

	informer_foreach(pp->inf, kl_find_uid_cb, &f);
	return f.found;
}

static void kl_leftover(void *ud, const char *uid)
{
	struct kl_pods *pp = ud;
	char dir[600];

	if (kl_uid_known(pp, uid))
		return;
	pr_info("kubelet: removing what is left of pod %s", uid);
	snprintf(dir, sizeof(dir), "%s/pods/%s", pp->k->o.root_dir, uid);
	kl_reap_dir(pp, uid, dir);
	sb_pod_down(pp->sb, uid);
	kl_rmtree(dir);
	snprintf(dir, sizeof(dir), "%s/pod%s", pp->k->o.cgroup_parent, uid);
	rt_cgroup_remove(pp->rt, dir);
}

static void kl_synced(void *ud)
{
	struct kl_pods *pp = ud;
	char dir[600];
	DIR *d;
	struct dirent *e;

	if (pp->synced)
		return;
	pp->synced = true;
	sb_list(pp->sb, kl_leftover, pp);
	snprintf(dir, sizeof(dir), "%s/pods", pp->k->o.root_dir);
	d = opendir(dir);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			kl_leftover(pp, e->d_name);
	if (d)
		closedir(d);
	kl_node_set_ready(pp->k, true, "KubeletReady", "kubelet is posting ready status");
}

static const struct informer_ops kl_pod_ops = {
    .upsert = kl_upsert, .remove = kl_remove, .synced = kl_synced};

/* ---- routes to the other nodes' pods ---- */

#define KL_MAX_PEERS 256

struct kl_peers {
	struct kl_pods *pp;
	const char *cidr[KL_MAX_PEERS], *gw[KL_MAX_PEERS];
	int n;
};

static void kl_peer_one(void *ud, const char *key, const cJSON *node)
{
	struct kl_peers *ps = ud;
	const char *cidr = json_str(node, "spec.podCIDR"), *ip = NULL;
	const cJSON *a;

	if (!cidr || !strcmp(key, ps->pp->k->o.node_name))
		return;
	if (ps->n == KL_MAX_PEERS) {
		pr_warn("kubelet: more than %d other nodes: no route to node %s's pods",
			KL_MAX_PEERS, key);
		return;
	}
	cJSON_ArrayForEach(a, json_at(node, "status.addresses"))
	{
		if (json_str(a, "type") && !strcmp(json_str(a, "type"), "InternalIP"))
			ip = json_str(a, "address");
	}
	if (!ip)
		return;
	ps->cidr[ps->n] = cidr;
	ps->gw[ps->n++] = ip;
}

/* The whole table again on every Node change: nodes are few. */
static void kl_peers_sync(struct kl_pods *pp)
{
	struct kl_peers ps = {.pp = pp};

	informer_foreach(pp->nodes, kl_peer_one, &ps);
	if (sb_set_peer_routes(pp->sb, ps.cidr, ps.gw, ps.n))
		pr_warn("kubelet: routes to the other nodes' pods could not all be set");
}

static void kl_node_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	struct kl_pods *pp = ud;

	if (!strcmp(key, pp->k->o.node_name))
		kl_node_seen(pp->k, obj);
	kl_peers_sync(ud);
}

static void kl_node_remove(void *ud, const char *key, const cJSON *old)
{
	kl_peers_sync(ud);
}

static const struct informer_ops kl_node_ops = {.upsert = kl_node_upsert, .remove = kl_node_remove};

static void kl_api_ip_done(void *ud, const struct kresp *r)
{
	struct kl_pods *pp = ud;
	cJSON *svc = r->status == 200 ? cJSON_Parse(r->body) : NULL;

	snprintf(pp->api_ip, sizeof(pp->api_ip), "%s", json_str(svc, "spec.clusterIP") ?: "");
	cJSON_Delete(svc);
}

int kl_pods_start(struct kubelet *k)
{
	struct kl_pods *pp = calloc(1, sizeof(*pp));
	struct rt_opts ro = {
	    .root_dir = k->o.root_dir, .runc = k->o.runc, .shim_exe = k->o.shim_exe};
	struct sb_opts so = {.root_dir = k->o.root_dir, .pod_cidr = k->pod_cidr};
	char sel[400], err[512];
	struct informer_opts io = {.path = "/api/v1/pods",
				   .field_selector = sel,
				   .name = "pods",
				   .strip_managed_fields = true};
	int r;

	if (!pp)
		return -ENOMEM;
	pp->k = k;
	strmap_init(&pp->pods);
	r = rt_new(k->loop, &ro, &pp->rt);
	if (r) {
		pr_err("kubelet: the container runtime is unavailable: %s", strerror(-r));
		goto err;
	}
	r = sb_new(&so, &pp->sb, err, sizeof(err));
	if (r) {
		pr_err("kubelet: the pod network is unavailable: %s", err);
		goto err;
	}
	snprintf(sel, sizeof(sel), "spec.nodeName=%s", k->o.node_name);
	pp->inf = informer_new(k->c, k->loop, &io, &kl_pod_ops, pp);
	if (!pp->inf) {
		r = -ENOMEM;
		goto err;
	}
	{
		struct informer_opts no = {
		    .path = "/api/v1/nodes", .name = "nodes", .strip_managed_fields = true};

		pp->nodes = informer_new(k->c, k->loop, &no, &kl_node_ops, pp);
		if (!pp->nodes) {
			informer_free(pp->inf);
			r = -ENOMEM;
			goto err;
		}
	}
	pp->storage = kl_storage_start(pp);
	if (!pp->storage) {
		informer_free(pp->inf);
		informer_free(pp->nodes);
		r = -ENOMEM;
		goto err;
	}
	k->pods = pp;
	informer_start(pp->nodes);
	kreq_get(k->c, k->loop, "/api/v1/namespaces/default/services/kubernetes", kl_api_ip_done,
		 pp);
	informer_start(pp->inf);
	return 0;
err:
	if (pp->sb)
		sb_free(pp->sb);
	if (pp->rt)
		rt_free(pp->rt);
	free(pp);
	return r;
}

static void kl_pod_drop(void *ud, const char *key, void *val)
{
	struct kl_pod *p = val;

	/* containers keep running: the next skiff-node adopts them */
	for (int i = 0; i < p->nctrs; i++)
		p->ctrs[i].rc = NULL;
	p->pending = 0;
	kl_pod_release(p);
}

void kl_pods_stop(struct kubelet *k)
{
	struct kl_pods *pp = k->pods;

	if (!pp)
		return;
	kl_storage_stop(pp->storage);
	informer_free(pp->inf);
	informer_free(pp->nodes);
	strmap_foreach(&pp->pods, kl_pod_drop, NULL);
	strmap_free(&pp->pods);
	sb_free(pp->sb);
	rt_free(pp->rt);
	free(pp);
	k->pods = NULL;
}
