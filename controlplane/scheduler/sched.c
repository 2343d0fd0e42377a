/* sched: the scheduling loop. Pods that want a node are queued by key
 * (ctrl_queue); a round schedules each against the accounting of
 * sched_cache.c — filter the nodes (from a rotating start, stopping after
 * upstream's numFeasibleNodesToFind), score the feasible ones, bind the
 * best through the binding pipeline and count the pod there at once
 * (assumed) — and the round's binds and events commit together in
 * after(). A pod no node fits gets PodScheduled=False with upstream's
 * message and a FailedScheduling event, and waits in `unsched` until a
 * node or pod changes in a way that could make room. */
#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apiserver/api.h"
#include "controllers/controllers.h"
#include "jcmp.h"
#include "log.h"
#include "sched_int.h"

#define SCHED_NAME "default-scheduler"
/* Every pending pod is looked at again this often: a safety net for a
 * write rolled back by a failed commit (no event follows), as upstream
 * flushes its unschedulable pods every 5 minutes. */
#define SCHED_RESYNC 60.0
/* upstream's minFeasibleNodesToFind and minFeasibleNodesPercentageToFind */
#define SCHED_MIN_FEASIBLE 100
#define SCHED_MIN_PERCENT  5

/* unsched values: a waiting pod, and one whose DoNotSchedule spread a
 * newly bound pod elsewhere may satisfy */
#define SCHED_WAIT	  ((void *)1)
#define SCHED_WAIT_SPREAD ((void *)2)

static bool sched_phase_terminal(const cJSON *pod)
{
	const char *ph = json_str(pod, "status.phase");

	return ph && (!strcmp(ph, "Succeeded") || !strcmp(ph, "Failed"));
}

/* Is pod ours to schedule? */
static bool sched_wants(const cJSON *pod)
{
	const char *node = json_str(pod, "spec.nodeName"),
		   *sn = json_str(pod, "spec.schedulerName");

	if (!pod || (node && *node) || (sn && *sn && strcmp(sn, SCHED_NAME)))
		return false;
	/* gated pods wait for their gates to go (upstream's SchedulingGated) */
	if (cJSON_GetArraySize(json_at(pod, "spec.schedulingGates")))
		return false;
	return !json_at(pod, "metadata.deletionTimestamp") && !sched_phase_terminal(pod);
}

static void sched_unsched_del(struct sched *s, const char *key)
{
	if (strmap_del(&s->unsched, key) == SCHED_WAIT_SPREAD)
		s->nspread_waiting--;
}

static void sched_requeue_one(void *ud, const char *key, void *val)
{
	struct sched *s = ud;

	ctrl_queue_add(s->q, key);
}

/* Something changed that may make room: every waiting pod is tried again
 * (and waits again if it still does not fit). */
static void sched_requeue_all(struct sched *s)
{
	if (!s->unsched.n)
		return;
	strmap_foreach(&s->unsched, sched_requeue_one, s);
	strmap_free(&s->unsched);
	strmap_init(&s->unsched);
	s->nspread_waiting = 0;
}

/* upstream's isPodUpdated: a change beyond status and bookkeeping */
static bool sched_pod_changed(const cJSON *a, const cJSON *b)
{
	static const char *const parts[] = {"spec", "metadata.labels", "metadata.annotations",
					    "metadata.deletionTimestamp"};

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		const cJSON *x = json_at(a, parts[i]), *y = json_at(b, parts[i]);

		if (!x != !y || (x && jcmp_equal(x, y) <= 0))
			return true;
	}
	return false;
}

static void sched_pod_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	struct sched *s = ud;
	const char *node = json_str(obj, "spec.nodeName");
	bool had;

	if (!node || !*node) {
		if (!sched_wants(obj)) {
			sched_unsched_del(s, key);
			return;
		}
		/* our own status write (the Unschedulable condition) is no
		 * reason to try again */
		if (!old || sched_pod_changed(obj, old)) {
			sched_unsched_del(s, key);
			ctrl_queue_add(s->q, key);
		}
		return;
	}
	sched_unsched_del(s, key);
	if (sched_phase_terminal(obj)) {
		/* upstream's cache drops terminal pods: their room is free */
		if (sched_pod_del(s, key))
			sched_requeue_all(s);
		return;
	}
	had = strmap_get(&s->pods, key) != NULL;
	/* every event: the cached object it points to is replaced */
	if (sched_pod_add(s, key, obj, node, false) < 0) {
		pr_err("scheduler: out of memory counting pod %s", key);
		return;
	}
	if (had && old &&
	    jcmp_equal(json_at(obj, "metadata.labels"), json_at(old, "metadata.labels")) <= 0)
		sched_requeue_all(s); /* anti-affinity may be satisfied now */
	else if (!had && s->nspread_waiting)
		sched_requeue_all(s);
}

static void sched_pod_remove(void *ud, const char *key, const cJSON *old)
{
	struct sched *s = ud;

	sched_unsched_del(s, key);
	if (sched_pod_del(s, key))
		sched_requeue_all(s);
}

static const struct informer_ops sched_pod_ops = {.upsert = sched_pod_upsert,
						  .remove = sched_pod_remove};

static const char *sched_ready_status(const cJSON *node)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, json_at(node, "status.conditions"))
	{
		const char *t = json_str(c, "type");

		if (t && !strcmp(t, "Ready"))
			return json_str(c, "status");
	}
	return NULL;
}

/* Could this Node change let a waiting pod fit? (upstream's queueing
 * hints, coarsely: a heartbeat is not a reason) */
static bool sched_node_changed(const cJSON *obj, const cJSON *old)
{
	static const char *const parts[] = {"status.allocatable", "metadata.labels", "spec.taints",
					    "spec.unschedulable"};
	const char *a = sched_ready_status(obj), *b = sched_ready_status(old);

	if (!a != !b || (a && strcmp(a, b)))
		return true;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		const cJSON *x = json_at(obj, parts[i]), *y = json_at(old, parts[i]);

		if (!x != !y || (x && jcmp_equal(x, y) <= 0))
			return true;
	}
	return false;
}

static void sched_node_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	struct sched *s = ud;

	if (sched_node_set(s, key, obj) < 0) {
		pr_err("scheduler: out of memory counting node %s", key);
		return;
	}
	if (!old || sched_node_changed(obj, old))
		sched_requeue_all(s);
}

static void sched_node_remove(void *ud, const char *key, const cJSON *old)
{
	sched_node_set(ud, key, NULL);
}

/* A claim or volume changed (created, bound): a pod waiting for it may fit. */
static void sched_volume_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	sched_requeue_all(ud);
}

static const struct informer_ops sched_volume_ops = {.upsert = sched_volume_upsert};

static const struct informer_ops sched_node_ops = {.upsert = sched_node_upsert,
						   .remove = sched_node_remove};

/* upstream's numFeasibleNodesToFind: big clusters stop filtering after
 * enough feasible nodes (42% of 1,000 nodes, at least 100). */
static int sched_feasible_wanted(int n)
{
	int pct;

	if (n < SCHED_MIN_FEASIBLE)
		return n;
	pct = 50 - n / 125;
	if (pct < SCHED_MIN_PERCENT)
		pct = SCHED_MIN_PERCENT;
	return n * pct / 100 < SCHED_MIN_FEASIBLE ? SCHED_MIN_FEASIBLE : n * pct / 100;
}

static void sched_reason_add(struct sched_reason *r, int *nr, const char *text, int count)
{
	for (int i = 0; i < *nr; i++) {
		if (!strcmp(r[i].text, text)) {
			r[i].count += count;
			return;
		}
	}
	if (*nr >= SCHED_MAX_REASONS || !count)
		return;
	snprintf(r[*nr].text, sizeof(r[*nr].text), "%s", text);
	r[*nr].count = count;
	(*nr)++;
}

static int sched_str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "<count> <reason>" for each, sorted as Go's sort.Strings, joined by
 * ", ". */
static size_t sched_histogram(char *buf, size_t len, const struct sched_reason *r, int nr)
{
	char items[SCHED_MAX_REASONS][340], *sorted[SCHED_MAX_REASONS] = {0};
	size_t off = 0;

	for (int i = 0; i < nr; i++) {
		snprintf(items[i], sizeof(items[i]), "%d %s", r[i].count, r[i].text);
		sorted[i] = items[i];
	}
	if (nr > 1)
		qsort(sorted, (size_t)nr, sizeof(sorted[0]), sched_str_cmp);
	for (int i = 0; i < nr && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", sorted[i]);
	return off < len ? off : len;
}

/* FitError.Error() with DefaultPreemption's PostFilter message. Nothing
 * is preempted here, so a node that evicting could help is one with "No
 * preemption victims found", what upstream says when no pod there has a
 * lower priority. */
static void sched_fit_message(char *buf, size_t len, int nnodes, const struct sched_reason *r,
			      int nr, int unresolvable, int resolvable, bool never)
{
	struct sched_reason pre[2];
	int np = 0;
	size_t off;

	off = (size_t)snprintf(buf, len, "0/%d nodes are available: ", nnodes);
	if (off >= len)
		return;
	off += sched_histogram(buf + off, len - off, r, nr);
	if (off >= len)
		return;
	if (never) {
		snprintf(buf + off, len - off,
			 ". preemption: not eligible due to preemptionPolicy=Never.");
		return;
	}
	sched_reason_add(pre, &np, "Preemption is not helpful for scheduling", unresolvable);
	sched_reason_add(pre, &np, "No preemption victims found for incoming pod", resolvable);
	off += (size_t)snprintf(buf + off, len - off,
				". preemption: 0/%d nodes are available: ", nnodes);
	if (off >= len)
		return;
	off += sched_histogram(buf + off, len - off, pre, np);
	if (off < len)
		snprintf(buf + off, len - off, ".");
}

static int64_t sched_rv(const cJSON *obj)
{
	const char *rv = json_str(obj, "metadata.resourceVersion");

	return rv ? strtoll(rv, NULL, 10) : 0;
}

/* PodScheduled=False, reason Unschedulable, with msg (no write when it
 * says so already), and the FailedScheduling event. */
static int sched_unschedulable(struct sched *s, const char *key, const cJSON *pod, const char *msg,
			       bool spread)
{
	const struct res_type *rt = res_lookup("", "v1", "pods");
	const cJSON *c, *old = NULL;
	char now[32], emsg[512];
	cJSON *copy, *conds, *nc;
	int code, i = 0, at = -1;
	int64_t rev;

	s->st.unschedulable++;
	if (strmap_put(&s->unsched, key, spread ? SCHED_WAIT_SPREAD : SCHED_WAIT, (void **)&c) < 0)
		return -ENOMEM;
	if (spread && c != SCHED_WAIT_SPREAD)
		s->nspread_waiting++;
	else if (!spread && c == SCHED_WAIT_SPREAD)
		s->nspread_waiting--;
	ctrl_event(s->rec, pod, "Warning", "FailedScheduling", "%s", msg);
	cJSON_ArrayForEach(c, json_at(pod, "status.conditions"))
	{
		const char *t = json_str(c, "type");

		if (t && !strcmp(t, "PodScheduled")) {
			old = c;
			at = i;
			break;
		}
		i++;
	}
	if (old && !strcmp(json_str(old, "status") ? json_str(old, "status") : "", "False") &&
	    !strcmp(json_str(old, "reason") ? json_str(old, "reason") : "", "Unschedulable") &&
	    !strcmp(json_str(old, "message") ? json_str(old, "message") : "", msg))
		return 0;
	copy = cJSON_Duplicate(pod, true);
	nc = cJSON_CreateObject();
	if (!copy || !nc) {
		cJSON_Delete(copy);
		cJSON_Delete(nc);
		return -ENOMEM;
	}
	api_meta_now(now);
	cJSON_AddStringToObject(nc, "type", "PodScheduled");
	cJSON_AddStringToObject(nc, "status", "False");
	cJSON_AddNullToObject(nc, "lastProbeTime");
	/* upstream's UpdatePodCondition keeps the time of the last change */
	cJSON_AddStringToObject(
	    nc, "lastTransitionTime",
	    old && json_str(old, "lastTransitionTime") &&
		    !strcmp(json_str(old, "status") ? json_str(old, "status") : "", "False")
		? json_str(old, "lastTransitionTime")
		: now);
	cJSON_AddStringToObject(nc, "reason", "Unschedulable");
	cJSON_AddStringToObject(nc, "message", msg);
	conds = json_at(copy, "status")
		    ? cJSON_GetObjectItemCaseSensitive(json_at(copy, "status"), "conditions")
		    : NULL;
	if (!json_at(copy, "status"))
		cJSON_AddObjectToObject(copy, "status");
	if (!cJSON_IsArray(conds))
		conds = cJSON_AddArrayToObject((cJSON *)json_at(copy, "status"), "conditions");
	if (at >= 0)
		cJSON_ReplaceItemInArray(conds, at, nc);
	else
		cJSON_AddItemToArray(conds, nc);
	rev = api_store_update(s->a, rt, json_str(pod, "metadata.namespace"), "status", copy,
			       sched_rv(pod), &code, emsg, sizeof(emsg));
	cJSON_Delete(copy);
	/* -ESTALE: it changed; its event queues it again */
	if (rev < 0 && rev != -ESTALE && rev != -ENOENT) {
		pr_err("scheduler: pod %s: cannot set PodScheduled: %s", key, emsg);
		return (int)rev;
	}
	return 0;
}

static int sched_assume(struct sched *s, const char *key)
{
	if (s->nassumed == s->assumed_cap) {
		int cap = s->assumed_cap ? s->assumed_cap * 2 : 64;
		char **a = realloc(s->assumed, (size_t)cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		s->assumed = a;
		s->assumed_cap = cap;
	}
	if (!(s->assumed[s->nassumed] = strdup(key)))
		return -ENOMEM;
	s->nassumed++;
	return 0;
}

static int sched_bind(struct sched *s, const char *key, const cJSON *pod, struct sched_node *n)
{
	const struct res_type *rt = res_lookup("", "v1", "pods");
	const char *ns = json_str(pod, "metadata.namespace"),
		   *name = json_str(pod, "metadata.name");
	char msg[512];
	int64_t rev;
	int err;

	rev = api_pod_bind(s->a, rt, ns, name, n->name, false, msg, sizeof(msg));
	/* bound by someone else, or gone: their events say so */
	if (rev == -EEXIST || rev == -ENOENT)
		return 0;
	if (rev < 0) {
		s->st.bind_errors++;
		pr_err("scheduler: cannot bind %s to %s: %s", key, n->name, msg);
		return (int)rev;
	}
	/* counted there now, confirmed when the bind's event comes back
	 * (or forgotten in after() if the commit rolled it back) */
	err = sched_pod_add(s, key, pod, n->name, true);
	if (!err)
		err = sched_assume(s, key);
	if (err) {
		sched_pod_del(s, key);
		return err;
	}
	s->st.scheduled++;
	ctrl_event(s->rec, pod, "Normal", "Scheduled", "Successfully assigned %s/%s to %s", ns,
		   name, n->name);
	pr_debug("scheduler: %s bound to %s", key, n->name);
	return 0;
}

static int sched_grow_cand(struct sched *s)
{
	if (s->cand_cap < s->nslot) {
		struct sched_cand *c = realloc(s->cand, (size_t)s->nslot * sizeof(*c));

		if (!c)
			return -ENOMEM;
		s->cand = c;
		s->cand_cap = s->nslot;
	}
	return 0;
}

static int sched_sync(void *ud, const char *key)
{
	struct sched *s = ud;
	const cJSON *pod = ctrl_informer_get(s->pod_inf, key);
	struct sched_reason reasons[SCHED_MAX_REASONS];
	int nfeasible = 0, want, nr = 0, unres = 0, res = 0, processed = 0;
	const struct sched_pod *counted;
	struct sched_want w;
	struct sched_verdict v;
	char msg[4096];
	bool hard_spread = false;
	int err;

	if (!sched_wants(pod)) {
		sched_unsched_del(s, key);
		return 0;
	}
	counted = strmap_get(&s->pods, key);
	if (counted && counted->assumed)
		return 0; /* bound this round already */
	if (!s->nreal) {
		snprintf(msg, sizeof(msg), "no nodes available to schedule pods");
		return sched_unschedulable(s, key, pod, msg, false);
	}
	err = sched_want_parse(s, pod, &w);
	if (!err)
		err = sched_grow_cand(s);
	if (err)
		return err;
	for (int i = 0; i < w.nspread; i++)
		hard_spread |= w.spread[i].hard;
	want = sched_feasible_wanted(s->nreal);
	for (int k = 0; k < s->nslot && nfeasible < want; k++) {
		struct sched_node *n = s->slot[(s->next_start + k) % s->nslot];

		processed = k + 1;
		if (!n || !n->obj)
			continue;
		if (sched_filter(s, &w, n, &v)) {
			s->cand[nfeasible++].node = n;
			continue;
		}
		for (int i = 0; i < v.n; i++)
			sched_reason_add(reasons, &nr, v.why[i], 1);
		if (v.resolvable)
			res++;
		else
			unres++;
	}
	s->next_start = (s->next_start + processed) % (s->nslot ? s->nslot : 1);
	if (!nfeasible) {
		sched_fit_message(msg, sizeof(msg), s->nreal, reasons, nr, unres, res,
				  w.never_preempts);
		return sched_unschedulable(s, key, pod, msg, hard_spread);
	}
	return sched_bind(s, key, pod, sched_select(s, &w, s->cand, nfeasible));
}

static void sched_after(void *ud)
{
	struct sched *s = ud;

	api_commit(s->a);
	if (s->nassumed)
		s->st.rounds++;
	/* the commit dispatched every bind that became durable, which
	 * confirmed it; one still assumed was rolled back */
	for (int i = 0; i < s->nassumed; i++) {
		const struct sched_pod *p = strmap_get(&s->pods, s->assumed[i]);

		if (p && p->assumed) {
			s->st.bind_errors++;
			s->st.scheduled--;
			sched_pod_del(s, s->assumed[i]);
			ctrl_queue_add(s->q, s->assumed[i]);
		}
		free(s->assumed[i]);
	}
	s->nassumed = 0;
}

void sched_stop(struct sched *s)
{
	if (!s)
		return;
	ctrl_informer_free(s->pod_inf);
	ctrl_informer_free(s->node_inf);
	ctrl_informer_free(s->pvc_inf);
	ctrl_informer_free(s->pv_inf);
	ctrl_queue_free(s->q);
	ctrl_events_free(s->rec);
	for (int i = 0; i < s->nassumed; i++)
		free(s->assumed[i]);
	free(s->assumed);
	free(s->cand);
	strmap_free(&s->unsched);
	sched_cache_fini(s);
	free(s);
}

int sched_start(struct api *a, struct ev_loop *loop, struct sched **out)
{
	struct sched *s = calloc(1, sizeof(*s));
	int err = -ENOMEM;

	if (!s)
		return -ENOMEM;
	s->a = a;
	s->loop = loop;
	sched_cache_init(s);
	strmap_init(&s->unsched);
	s->q = ctrl_queue_new(loop, sched_sync, sched_after, s);
	s->rec = ctrl_events_new(a, SCHED_NAME);
	s->node_inf = ctrl_informer_new(a->store, "/registry/nodes/", &sched_node_ops, s);
	s->pod_inf = ctrl_informer_new(a->store, "/registry/pods/", &sched_pod_ops, s);
	s->pvc_inf =
	    ctrl_informer_new(a->store, "/registry/persistentvolumeclaims/", &sched_volume_ops, s);
	s->pv_inf =
	    ctrl_informer_new(a->store, "/registry/persistentvolumes/", &sched_volume_ops, s);
	if (!s->q || !s->rec || !s->node_inf || !s->pod_inf || !s->pvc_inf || !s->pv_inf)
		goto err;
	/* nodes and volumes first: the pods' initial list queues the pending ones */
	err = ctrl_informer_start(s->pvc_inf);
	if (!err)
		err = ctrl_informer_start(s->pv_inf);
	if (!err)
		err = ctrl_informer_start(s->node_inf);
	if (!err)
		err = ctrl_informer_start(s->pod_inf);
	if (err)
		goto err;
	ctrl_queue_resync(s->q, s->pod_inf, SCHED_RESYNC, sched_wants);
	*out = s;
	return 0;
err:
	sched_stop(s);
	return err;
}

void sched_stats(const struct sched *s, struct sched_stats *out)
{
	*out = s->st;
}

size_t sched_metrics(const struct sched *s, char *buf, size_t len)
{
	int n = snprintf(
	    buf, len,
	    "# HELP scheduler_schedule_attempts_total Number of attempts to schedule pods, by the "
	    "result.\n"
	    "# TYPE scheduler_schedule_attempts_total counter\n"
	    "scheduler_schedule_attempts_total{profile=\"default-scheduler\",result=\"scheduled\"} "
	    "%llu\n"
	    "scheduler_schedule_attempts_total{profile=\"default-scheduler\",result="
	    "\"unschedulable\"} %llu\n"
	    "scheduler_schedule_attempts_total{profile=\"default-scheduler\",result=\"error\"} "
	    "%llu\n"
	    "# HELP skiff_scheduler_bind_commits_total store commits that made binds durable\n"
	    "# TYPE skiff_scheduler_bind_commits_total counter\n"
	    "skiff_scheduler_bind_commits_total %llu\n"
	    "# TYPE skiff_scheduler_pending_pods gauge\n"
	    "skiff_scheduler_pending_pods{queue=\"active\"} %zu\n"
	    "skiff_scheduler_pending_pods{queue=\"unschedulable\"} %zu\n",
	    (unsigned long long)s->st.scheduled, (unsigned long long)s->st.unschedulable,
	    (unsigned long long)s->st.bind_errors, (unsigned long long)s->st.rounds,
	    ctrl_queue_len(s->q), s->unsched.n);

	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len;
}
