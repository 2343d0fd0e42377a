/* ctrl_job: kube-controller-manager's job controller (batch/v1, the
 * NonIndexed completion mode) and the ttl-after-finished controller's
 * part for Jobs. A Job owns the pods its selector matches that name it as
 * their controller; it keeps spec.parallelism of them active (never more
 * than the completions still missing) until spec.completions succeeded
 * (no completions: until one succeeded and none runs), replaces failed
 * pods after upstream's back-off (10 s doubling to 6 min per failure in a
 * row) until more than spec.backoffLimit failed, fails when active longer
 * than spec.activeDeadlineSeconds, deletes its active pods while
 * spec.suspend is true, and deletes itself ttlSecondsAfterFinished after
 * it finished (the garbage collector then removes its pods).
 *
 * Counting: every pod is created with the batch.kubernetes.io/job-tracking
 * finalizer; a finished pod still carrying it is counted into
 * status.succeeded/failed and loses it in the same commit, so a pod is
 * counted once whatever restarts or deletions follow (upstream's
 * finalizer tracking; the two writes are one batch here, so
 * uncountedTerminatedPods never holds anything between syncs). A pod
 * removed while it still carried the finalizer is counted from its last
 * state by the remove callback (kept in memory until the Job's next sync):
 * skiff deletes at once, where upstream's finalizer would hold the pod.
 * Pods the controller deletes itself lose the finalizer first, so only
 * what upstream counts is counted: the pods a failing Job terminates count
 * as failed (as upstream's), those of a suspended or complete Job do not.
 *
 * Terminal conditions as 1.31+: SuccessCriteriaMet (or FailureTarget)
 * first, Complete (Failed) once no pod of the Job is terminating, both
 * in one write when none is. */
#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "apiserver/api.h"
#include "controllers.h"
#include "jcmp.h"
#include "log.h"
#include "registry/res_util.h"

#define CJ_FINALIZER "batch.kubernetes.io/job-tracking"
/* upstream's burstReplicas */
#define CJ_BURST 500
/* DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff */
#define CJ_BACKOFF     10.0
#define CJ_BACKOFF_MAX 360.0
/* every Job is looked at again this often (a write rolled back by a
 * failed commit leaves no event behind) */
#define CJ_RESYNC 30.0

#define CJ_MSG_BACKOFF	"Job has reached the specified backoff limit"
#define CJ_MSG_DEADLINE "Job was active longer than specified deadline"
#define CJ_MSG_COMPLETE "Reached expected number of succeeded pods"

/* What the controller remembers of a Job between syncs (upstream's
 * backoffRecordStore, and the pods removed before they were counted). */
struct cj_rec {
	char *key;
	char uid[64];
	long long streak; /* failures since the last success */
	double last_fail; /* ev_now of the last one */
	long long gone_succ, gone_fail;
	struct cj_rec *next;
};

struct ctrl_job {
	struct api *a;
	struct ev_loop *loop;
	struct ctrl_informer *job_inf, *pod_inf;
	struct ctrl_queue *q;
	struct ctrl_later *later;
	struct ctrl_events *ev;
	struct cj_rec *recs;
};

/* key's record for the Job of uid (a new Job of that name starts afresh);
 * NULL when out of memory. */
static struct cj_rec *cj_rec(struct ctrl_job *c, const char *key, const char *uid)
{
	struct cj_rec *r;

	for (r = c->recs; r; r = r->next)
		if (!strcmp(r->key, key))
			break;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r || !(r->key = strdup(key))) {
			free(r);
			return NULL;
		}
		r->next = c->recs;
		c->recs = r;
	}
	if (strcmp(r->uid, uid)) {
		snprintf(r->uid, sizeof(r->uid), "%s", uid);
		r->streak = r->gone_succ = r->gone_fail = 0;
		r->last_fail = 0;
	}
	return r;
}

static void cj_rec_drop(struct ctrl_job *c, const char *key)
{
	for (struct cj_rec **p = &c->recs, *r; (r = *p); p = &r->next) {
		if (!strcmp(r->key, key)) {
			*p = r->next;
			free(r->key);
			free(r);
			return;
		}
	}
}

static bool cj_has_finalizer(const cJSON *pod)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, RES_ARR(json_at(pod, "metadata.finalizers")))
	{
		if (cJSON_IsString(f) && !strcmp(f->valuestring, CJ_FINALIZER))
			return true;
	}
	return false;
}

static const char *cj_phase(const cJSON *pod)
{
	return json_str(pod, "status.phase") ?: "";
}

static void cj_job_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	struct ctrl_job *c = ud;

	ctrl_queue_add(c->q, key);
}

static void cj_job_remove(void *ud, const char *key, const cJSON *old)
{
	struct ctrl_job *c = ud;

	cj_rec_drop(c, key);
}

static const struct informer_ops cj_job_ops = {.upsert = cj_job_upsert, .remove = cj_job_remove};

static void cj_pod_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	struct ctrl_job *c = ud;

	ctrl_queue_controller_of(c->q, c->job_inf, "Job", obj);
	if (old)
		ctrl_queue_controller_of(c->q, c->job_inf, "Job", old);
}

/* A pod gone with the finalizer on was never counted: it is now, as
 * upstream counts a pod deleted before it succeeded (a failure). */
static void cj_pod_remove(void *ud, const char *key, const cJSON *old)
{
	struct ctrl_job *c = ud;
	const cJSON *ref = ctrl_controller_ref(old);
	const char *kind = json_str(ref, "kind"), *name = json_str(ref, "name");
	char jkey[600];
	struct cj_rec *r;

	if (cj_has_finalizer(old) && kind && !strcmp(kind, "Job") && name && json_str(ref, "uid")) {
		snprintf(jkey, sizeof(jkey), "%s/%s", json_str(old, "metadata.namespace") ?: "",
			 name);
		r = cj_rec(c, jkey, json_str(ref, "uid"));
		if (r) {
			if (!strcmp(cj_phase(old), "Succeeded"))
				r->gone_succ++;
			else
				r->gone_fail++;
		}
	}
	ctrl_queue_controller_of(c->q, c->job_inf, "Job", old);
}

static const struct informer_ops cj_pod_ops = {.upsert = cj_pod_upsert, .remove = cj_pod_remove};

/* ------------------------------------------------------------ pods */

/* The pod without the tracking finalizer, written. 0 or -errno. */
static int cj_strip(struct ctrl_job *c, const cJSON *pod)
{
	const struct res_type *prt = res_lookup("", "v1", "pods");
	cJSON *dup = cJSON_Duplicate(pod, true), *md, *fins, *f, *next;
	int err;

	if (!dup)
		return -ENOMEM;
	md = cJSON_GetObjectItemCaseSensitive(dup, "metadata");
	fins = cJSON_GetObjectItemCaseSensitive(md, "finalizers");
	for (f = cJSON_IsArray(fins) ? fins->child : NULL; f; f = next) {
		next = f->next;
		if (cJSON_IsString(f) && !strcmp(f->valuestring, CJ_FINALIZER))
			cJSON_Delete(cJSON_DetachItemViaPointer(fins, f));
	}
	if (cJSON_IsArray(fins) && !fins->child)
		cJSON_DeleteItemFromObjectCaseSensitive(md, "finalizers");
	err = ctrl_update(c->a, prt, "", dup, "cannot remove the job-tracking finalizer");
	cJSON_Delete(dup);
	return err;
}

/* Delete pods[0..n) (finalizer first: the controller's own deletions are
 * not counted by the remove callback). Returns the number deleted. */
static long long cj_delete(struct ctrl_job *c, const cJSON *job, const cJSON **pods, long long n,
			   int *err)
{
	const struct res_type *prt = res_lookup("", "v1", "pods");
	const char *ns = json_str(job, "metadata.namespace");
	long long done = 0;

	for (long long i = 0; i < n; i++) {
		const char *pn = json_str(pods[i], "metadata.name");
		int64_t d = 0;
		int e = cj_has_finalizer(pods[i]) ? cj_strip(c, pods[i]) : 0;

		if (!e)
			d = api_store_delete(c->a, prt, ns, pn, true);
		if (e == -ENOENT || d == -ENOENT) {
			done++;
			continue;
		}
		if (e || d < 0) {
			ctrl_event(c->ev, job, "Warning", "FailedDelete",
				   "Error deleting: pod %s: %s", pn, strerror(e ? -e : (int)-d));
			*err = e ? e : (int)d;
			continue;
		}
		done++;
		ctrl_event(c->ev, job, "Normal", "SuccessfulDelete", "Deleted pod: %s", pn);
	}
	return done;
}

/* A pod of job's template (the registry put the job-name and
 * controller-uid labels there), tracked by the finalizer; consumed by the
 * caller. */
static cJSON *cj_pod_new(const cJSON *job)
{
	cJSON *pod = ctrl_pod_from_template(job);
	cJSON *md = cJSON_GetObjectItemCaseSensitive(pod, "metadata");

	if (md)
		cJSON_AddItemToArray(cJSON_AddArrayToObject(md, "finalizers"),
				     cJSON_CreateString(CJ_FINALIZER));
	return pod;
}

/* Create n pods; the first failure ends the round (the API is likely to
 * refuse the rest the same way). Returns the number created. */
static long long cj_create(struct ctrl_job *c, const cJSON *job, long long n)
{
	const struct res_type *prt = res_lookup("", "v1", "pods");
	const char *ns = json_str(job, "metadata.namespace");
	char msg[512];
	int code;

	for (long long i = 0; i < n; i++) {
		cJSON *pod = cj_pod_new(job);
		int err = -ENOMEM;

		if (pod)
			err = api_store_create(c->a, prt, ns, pod, &code, msg, sizeof(msg));
		if (err) {
			ctrl_event(c->ev, job, "Warning", "FailedCreate", "Error creating: %s",
				   pod ? msg : "out of memory");
			cJSON_Delete(pod);
			return i;
		}
		ctrl_event(c->ev, job, "Normal", "SuccessfulCreate", "Created pod: %s",
			   json_str(pod, "metadata.name"));
		cJSON_Delete(pod);
	}
	return n;
}

/* ------------------------------------------------------- conditions */

static cJSON *cj_cond(const cJSON *conds, const char *type)
{
	cJSON *c;

	cJSON_ArrayForEach(c, RES_ARR(conds))
	{
		const char *t = json_str(c, "type");

		if (t && !strcmp(t, type))
			return c;
	}
	return NULL;
}

static bool cj_cond_true(const cJSON *conds, const char *type)
{
	const char *s = json_str(cj_cond(conds, type), "status");

	return s && !strcmp(s, "True");
}

/* upstream's ensureJobConditionStatus: a condition that is not there is
 * added only as True; one that is changes only when its status does.
 * Returns whether it changed. */
static bool cj_cond_set(cJSON *conds, const char *type, const char *status, const char *reason,
			const char *msg)
{
	cJSON *cur = cj_cond(conds, type), *c;
	const char *cs = json_str(cur, "status");
	char now[32];

	if (cur ? cs && !strcmp(cs, status) : strcmp(status, "True"))
		return false;
	api_meta_now(now);
	c = cJSON_CreateObject();
	if (!c)
		return false;
	cJSON_AddStringToObject(c, "type", type);
	cJSON_AddStringToObject(c, "status", status);
	cJSON_AddStringToObject(c, "lastProbeTime", now);
	cJSON_AddStringToObject(c, "lastTransitionTime", now);
	cJSON_AddStringToObject(c, "reason", reason);
	cJSON_AddStringToObject(c, "message", msg);
	if (cur)
		cJSON_ReplaceItemViaPointer(conds, cur, c);
	else
		cJSON_AddItemToArray(conds, c);
	return true;
}

/* When the Job finished (0: it has not). */
static time_t cj_finished_at(const cJSON *job)
{
	const cJSON *conds = json_at(job, "status.conditions");

	if (cj_cond_true(conds, "Complete"))
		return res_parse_time(json_str(job, "status.completionTime"))
			   ?: res_parse_time(
				  json_str(cj_cond(conds, "Complete"), "lastTransitionTime"));
	if (cj_cond_true(conds, "Failed"))
		return res_parse_time(json_str(cj_cond(conds, "Failed"), "lastTransitionTime"));
	return 0;
}

/* ------------------------------------------------------------- sync */

struct cj_pods {
	const cJSON **active; /* the Job's active pods */
	size_t nactive;
	long long ready, terminating, new_succ, new_fail;
};

/* Sort job's pods out of all (adopting and releasing as upstream's claim,
 * unless the Job finished), counting (and un-finalizing) those finished
 * since the last look. 0 or -errno (the rest is still done). */
static int cj_classify(struct ctrl_job *c, const cJSON *job, bool finished, struct ctrl_objs *all,
		       struct cj_pods *p)
{
	const struct res_type *prt = res_lookup("", "v1", "pods");
	const cJSON *sel = json_at(job, "spec.selector");
	int err = 0, r;

	for (size_t i = 0; i < all->n; i++) {
		const cJSON *pod = all->v[i];
		const char *phase = cj_phase(pod);
		bool succ = !strcmp(phase, "Succeeded"), fail = !strcmp(phase, "Failed");

		if (finished) {
			r = ctrl_controlled_by(pod, job);
		} else {
			r = ctrl_claim(c->a, prt, job, sel, pod);
			if (r < 0) {
				err = r;
				continue;
			}
		}
		if (!r)
			continue;
		if ((succ || fail) && cj_has_finalizer(pod)) {
			r = cj_strip(c, pod);
			if (r && r != -ENOENT) {
				err = r; /* counted when the finalizer goes */
				continue;
			}
			if (succ)
				p->new_succ++;
			else
				p->new_fail++;
		}
		if (ctrl_pod_active(pod)) {
			p->active[p->nactive++] = pod;
			if (ctrl_pod_ready(pod, NULL))
				p->ready++;
		} else if (json_at(pod, "metadata.deletionTimestamp") && !succ && !fail) {
			p->terminating++;
		}
	}
	return err;
}

/* The status job should have (conditions already decided in conds,
 * consumed). */
static cJSON *cj_status_new(cJSON *conds, const char *start, const char *done, long long active,
			    long long ready, long long succ, long long fail, long long terminating)
{
	cJSON *st = cJSON_CreateObject();

	if (!st) {
		cJSON_Delete(conds);
		return NULL;
	}
	if (conds->child)
		cJSON_AddItemToObject(st, "conditions", conds);
	else
		cJSON_Delete(conds);
	if (start)
		cJSON_AddStringToObject(st, "startTime", start);
	if (done)
		cJSON_AddStringToObject(st, "completionTime", done);
	/* omitempty counters; ready and terminating are pointers upstream */
	if (active)
		cJSON_AddNumberToObject(st, "active", (double)active);
	if (succ)
		cJSON_AddNumberToObject(st, "succeeded", (double)succ);
	if (fail)
		cJSON_AddNumberToObject(st, "failed", (double)fail);
	cJSON_AddNumberToObject(st, "terminating", (double)terminating);
	cJSON_AddItemToObject(st, "uncountedTerminatedPods", cJSON_CreateObject());
	cJSON_AddNumberToObject(st, "ready", (double)ready);
	return st;
}

/* Write st (consumed) as job's status unless it is that already. */
static int cj_write_status(struct ctrl_job *c, const cJSON *job, cJSON *st)
{
	const struct res_type *rt = res_lookup("batch", "v1", "jobs");
	cJSON *dup;
	int err;

	if (!st)
		return -ENOMEM;
	if (jcmp_equal(st, json_at(job, "status")) > 0) {
		cJSON_Delete(st);
		return 0;
	}
	dup = cJSON_Duplicate(job, true);
	if (!dup) {
		cJSON_Delete(st);
		return -ENOMEM;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(dup, "status");
	cJSON_AddItemToObject(dup, "status", st);
	err = ctrl_update(c->a, rt, "status", dup, "cannot update status");
	cJSON_Delete(dup);
	return err == -ENOENT ? 0 : err;
}

/* A finished Job: its ttlSecondsAfterFinished (the ttl-after-finished
 * controller's work), deleted in the background when it ran out. */
static int cj_ttl(struct ctrl_job *c, const char *key, const cJSON *job)
{
	long long ttl = ctrl_int(job, "spec.ttlSecondsAfterFinished", -1);
	time_t at = cj_finished_at(job), now = time(NULL);
	int64_t d;

	if (ttl < 0 || !at || json_at(job, "metadata.deletionTimestamp"))
		return 0;
	if (at + ttl > now) {
		ctrl_later_add(c->later, key, (double)(at + ttl - now) + 0.05);
		return 0;
	}
	d = api_store_delete_policy(c->a, res_lookup("batch", "v1", "jobs"),
				    json_str(job, "metadata.namespace"),
				    json_str(job, "metadata.name"), API_DELETE_BACKGROUND);
	return d < 0 && d != -ENOENT ? (int)d : 0;
}

/* Why job fails now (reason, message), or false: a FailureTarget already
 * set, more failures than backoffLimit, or the active deadline passed
 * (else its time is remembered). */
static bool cj_failing(struct ctrl_job *c, const char *key, const cJSON *job, const cJSON *conds,
		       long long failed, const char *start, bool suspended, const char **reason,
		       const char **msg)
{
	long long ads = ctrl_int(job, "spec.activeDeadlineSeconds", -1);
	const cJSON *ft = cj_cond(conds, "FailureTarget");
	time_t t0, now = time(NULL);

	if (cj_cond_true(conds, "FailureTarget")) {
		*reason = json_str(ft, "reason") ?: "BackoffLimitExceeded";
		*msg = json_str(ft, "message") ?: CJ_MSG_BACKOFF;
		return true;
	}
	if (failed > ctrl_int(job, "spec.backoffLimit", 6)) {
		*reason = "BackoffLimitExceeded";
		*msg = CJ_MSG_BACKOFF;
		return true;
	}
	if (ads < 0 || !start || suspended)
		return false;
	t0 = res_parse_time(start);
	if (t0 + ads <= now) {
		*reason = "DeadlineExceeded";
		*msg = CJ_MSG_DEADLINE;
		return true;
	}
	ctrl_later_add(c->later, key, (double)(t0 + ads - now) + 0.05);
	return false;
}

/* Seconds before a failed pod may be replaced (upstream's pod failure
 * back-off); 0: now. */
static double cj_backoff_left(struct ctrl_job *c, const struct cj_rec *r)
{
	double d = CJ_BACKOFF;

	if (!r || r->streak <= 0)
		return 0;
	for (long long i = 1; i < r->streak && d < CJ_BACKOFF_MAX; i++)
		d *= 2;
	if (d > CJ_BACKOFF_MAX)
		d = CJ_BACKOFF_MAX;
	d = r->last_fail + d - ev_now(c->loop);
	return d > 0 ? d : 0;
}

/* Create or delete pods toward the active count job wants; returns the
 * active count after it. */
static long long cj_manage(struct ctrl_job *c, const char *key, const cJSON *job, struct cj_pods *p,
			   long long succeeded, struct cj_rec *r, int *err)
{
	long long par = ctrl_int(job, "spec.parallelism", 1);
	const cJSON *comp = json_at(job, "spec.completions");
	long long active = (long long)p->nactive, want = par, k;
	double wait;

	if (cJSON_IsNumber(comp)) {
		long long left = (long long)comp->valuedouble - succeeded;

		if (left < want)
			want = left > 0 ? left : 0;
	} else if (succeeded > 0) {
		/* work-queue mode: once one succeeded, no new pods */
		want = active;
	}
	if (active > want) {
		k = active - want > CJ_BURST ? CJ_BURST : active - want;
		qsort(p->active, p->nactive, sizeof(*p->active), ctrl_pod_delete_order);
		return active - cj_delete(c, job, p->active, k, err);
	}
	if (active == want)
		return active;
	wait = cj_backoff_left(c, r);
	if (wait > 0) {
		ctrl_later_add(c->later, key, wait + 0.05);
		return active;
	}
	k = want - active > CJ_BURST ? CJ_BURST : want - active;
	if (cj_create(c, job, k) < k)
		*err = -EAGAIN; /* retried with back-off */
	return active + k;
}

static int cj_sync(void *ud, const char *key)
{
	struct ctrl_job *c = ud;
	const cJSON *job = ctrl_informer_get(c->job_inf, key), *sel, *comp;
	const char *ns, *reason = NULL, *msg = NULL;
	char now[32], start[32] = "", done[32] = "";
	struct cj_pods p = {0};
	struct ctrl_objs all;
	struct cj_rec *r;
	bool finished, suspended, failing, complete = false, terminal;
	long long succeeded, failed, active;
	cJSON *conds;
	int err = 0, e;

	if (!job)
		return 0; /* gone: the garbage collector removes its pods */
	ns = json_str(job, "metadata.namespace") ?: "";
	sel = json_at(job, "spec.selector");
	if (!sel || res_selector_empty(sel) || !res_selector_ok(sel))
		return 0; /* validation refuses these; nothing to own */
	r = cj_rec(c, key, json_str(job, "metadata.uid") ?: "");
	if (!r)
		return -ENOMEM;
	finished = cj_finished_at(job) != 0;
	err = ctrl_objs_in(c->pod_inf, ns, &all);
	if (err)
		return err;
	p.active = calloc(all.n + 1, sizeof(*p.active));
	if (!p.active) {
		free(all.v);
		return -ENOMEM;
	}
	err = cj_classify(c, job, finished, &all, &p);
	p.new_succ += r->gone_succ;
	p.new_fail += r->gone_fail;
	if (p.new_fail) {
		r->streak += p.new_fail;
		r->last_fail = ev_now(c->loop);
	} else if (p.new_succ) {
		r->streak = 0;
	}
	succeeded = ctrl_int(job, "status.succeeded", 0) + p.new_succ;
	failed = ctrl_int(job, "status.failed", 0) + p.new_fail;
	active = (long long)p.nactive;
	api_meta_now(now);
	if (json_str(job, "status.startTime"))
		snprintf(start, sizeof(start), "%s", json_str(job, "status.startTime"));
	if (json_str(job, "status.completionTime"))
		snprintf(done, sizeof(done), "%s", json_str(job, "status.completionTime"));
	conds = json_at(job, "status.conditions")
		    ? cJSON_Duplicate(json_at(job, "status.conditions"), true)
		    : cJSON_CreateArray();
	if (!conds) {
		err = -ENOMEM;
		goto out;
	}
	suspended = cJSON_IsTrue(json_at(job, "spec.suspend"));
	if (finished || json_at(job, "metadata.deletionTimestamp"))
		goto status;
	if (!suspended && !start[0])
		snprintf(start, sizeof(start), "%s", now);
	failing = cj_failing(c, key, job, conds, failed, start[0] ? start : NULL, suspended,
			     &reason, &msg);
	comp = json_at(job, "spec.completions");
	if (!failing)
		complete = cJSON_IsNumber(comp) ? succeeded >= (long long)comp->valuedouble
						: succeeded > 0 && active == 0;
	if (failing || complete) {
		long long gone = cj_delete(c, job, p.active, active, &err);

		/* the pods a failing Job terminates are its failures too */
		if (failing)
			failed += gone;
		active -= gone;
		p.ready = 0;
		terminal = !active && !p.terminating;
		if (failing) {
			cj_cond_set(conds, "FailureTarget", "True", reason, msg);
			if (terminal && cj_cond_set(conds, "Failed", "True", reason, msg))
				ctrl_event(c->ev, job, "Warning", reason, "%s", msg);
		} else {
			cj_cond_set(conds, "SuccessCriteriaMet", "True", "CompletionsReached",
				    CJ_MSG_COMPLETE);
			if (terminal && cj_cond_set(conds, "Complete", "True", "CompletionsReached",
						    CJ_MSG_COMPLETE)) {
				snprintf(done, sizeof(done), "%s", now);
				ctrl_event(c->ev, job, "Normal", "Completed", "Job completed");
			}
		}
		goto status;
	}
	if (suspended) {
		active -= cj_delete(c, job, p.active, active, &err);
		p.ready = 0;
		if (cj_cond_set(conds, "Suspended", "True", "JobSuspended", "Job suspended"))
			ctrl_event(c->ev, job, "Normal", "Suspended", "Job suspended");
		goto status;
	}
	if (cj_cond_set(conds, "Suspended", "False", "JobResumed", "Job resumed")) {
		ctrl_event(c->ev, job, "Normal", "Resumed", "Job resumed");
		/* a resumed Job's deadline counts from now (upstream) */
		snprintf(start, sizeof(start), "%s", now);
	}
	active = cj_manage(c, key, job, &p, succeeded, r, &err);
status:
	e = cj_write_status(c, job,
			    cj_status_new(conds, start[0] ? start : NULL, done[0] ? done : NULL,
					  active, p.ready, succeeded, failed, p.terminating));
	if (!e) {
		/* now in the status (or rolled back with it, then lost) */
		r->gone_succ = r->gone_fail = 0;
	}
	if (!err)
		err = e;
	if (!err && finished)
		err = cj_ttl(c, key, job);
out:
	free(p.active);
	free(all.v);
	return err;
}

static void cj_after(void *ud)
{
	struct ctrl_job *c = ud;

	api_commit(c->a);
}

static bool cj_wanted(const cJSON *obj)
{
	return obj != NULL;
}

int ctrl_job_start(struct api *a, struct ev_loop *loop, struct ctrl_job **out)
{
	struct ctrl_job *c = calloc(1, sizeof(*c));
	int err = -ENOMEM;

	if (!c)
		return -ENOMEM;
	c->a = a;
	c->loop = loop;
	c->q = ctrl_queue_new(loop, cj_sync, cj_after, c);
	c->later = c->q ? ctrl_later_new(loop, c->q) : NULL;
	c->ev = ctrl_events_new(a, "job-controller");
	c->job_inf = ctrl_informer_new(a->store, "/registry/jobs/", &cj_job_ops, c);
	c->pod_inf = ctrl_informer_new(a->store, "/registry/pods/", &cj_pod_ops, c);
	if (!c->q || !c->later || !c->ev || !c->job_inf || !c->pod_inf)
		goto err;
	/* Jobs first: the pods' initial list queues their owners */
	err = ctrl_informer_start(c->job_inf);
	if (!err)
		err = ctrl_informer_start(c->pod_inf);
	if (err)
		goto err;
	ctrl_queue_resync(c->q, c->job_inf, CJ_RESYNC, cj_wanted);
	*out = c;
	return 0;
err:
	ctrl_job_stop(c);
	return err;
}

void ctrl_job_stop(struct ctrl_job *c)
{
	struct cj_rec *r;

	if (!c)
		return;
	ctrl_informer_free(c->pod_inf);
	ctrl_informer_free(c->job_inf);
	ctrl_later_free(c->later);
	ctrl_queue_free(c->q);
	ctrl_events_free(c->ev);
	while ((r = c->recs)) {
		c->recs = r->next;
		free(r->key);
		free(r);
	}
	free(c);
}
