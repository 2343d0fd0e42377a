/* ctrl_nodelifecycle: kube-controller-manager's node-lifecycle controller
 * and its taint-eviction-controller, together.
 *
 * Node health: a node's heartbeat is its Lease in kube-node-lease
 * (spec.renewTime) and its Ready condition's lastHeartbeatTime; when
 * either changes, the node was heard from now (our clock, as upstream's
 * probeTimestamp, so a kubelet's clock skew or a server restart after a
 * long stop does not make every node stale at once). A node not heard
 * from for the grace period gets Ready, MemoryPressure, DiskPressure and
 * PIDPressure Unknown ("Kubelet stopped posting node status."), a
 * NodeNotReady Event, and its pods Ready=False at once (MarkPodsNotReady:
 * the EndpointSlice controller drops them). A node whose Ready is Unknown
 * is tainted node.kubernetes.io/unreachable:NoExecute, one whose kubelet
 * reports Ready=False node.kubernetes.io/not-ready:NoExecute; new taints
 * at most --node-eviction-rate nodes per second (a token bucket of burst
 * 1 across all nodes, as upstream's zone tainter), a swap of one for the
 * other and a removal (Ready=True again) at once.
 *
 * Taint eviction: a pod on a node with a NoExecute taint it does not
 * tolerate is deleted at once; one that tolerates every such taint with
 * tolerationSeconds is deleted that many seconds after the taint's
 * timeAdded (the earliest deadline over the taints); without
 * tolerationSeconds it stays.
 *
 * Everything is event-driven (node, lease and pod informers into two
 * queues) plus one timer at the next deadline: a node going stale, a
 * token for a taint, a pod's eviction. */
#include <errno.h>
#include <ev.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apiserver/api.h"
#include "controllers.h"
#include "jcmp.h"
#include "log.h"
#include "registry/res_util.h"
#include "strmap.h"

#define NLC_UNREACHABLE "node.kubernetes.io/unreachable"
#define NLC_NOT_READY	"node.kubernetes.io/not-ready"
#define NLC_LEASE_NS	"/registry/leases/kube-node-lease/"
/* Every node and pod is looked at again this often, so a write rolled
 * back by a failed commit (no event follows) is made again. */
#define NLC_RESYNC 60.0

/* The conditions a silent kubelet leaves Unknown (upstream's list). */
static const char *const nlc_conds[] = {"Ready", "MemoryPressure", "DiskPressure", "PIDPressure"};

struct nlc_node {
	char hb[128];	 /* "<lease renewTime>|<Ready lastHeartbeatTime>" last seen */
	double probe;	 /* ev_now() when hb last changed (or the node was first seen) */
	char ready[8];	 /* Ready's status at the last sync ("" before the first) */
	bool token_wait; /* a NoExecute taint waits for the rate limiter */
};

struct nlc_evict {
	double first; /* when the pod was first seen on a tainted node */
	double due;   /* its eviction time (a toleration's tolerationSeconds) */
};

struct ctrl_nodelifecycle {
	struct api *a;
	struct ev_loop *loop;
	struct ctrl_nodelifecycle_config cfg;
	struct ctrl_informer *nodes, *leases, *pods;
	struct ctrl_queue *nq, *pq; /* node names, pod "ns/name" keys */
	struct ctrl_events *node_ev, *taint_ev;
	struct strmap state;	 /* node name -> struct nlc_node */
	struct strmap evict;	 /* pod key -> struct nlc_evict */
	double tokens, token_at; /* the eviction rate's token bucket */
	ev_timer timer;
	double timer_at; /* when the armed timer fires */
};

static const cJSON *nlc_cond(const cJSON *obj, const char *type)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, RES_ARR(json_at(obj, "status.conditions")))
	{
		const char *t = json_str(c, "type");

		if (t && !strcmp(t, type))
			return c;
	}
	return NULL;
}

/* Ready's status ("True", "False", "Unknown"; "" when none). */
static const char *nlc_ready(const cJSON *obj)
{
	const char *s = json_str(nlc_cond(obj, "Ready"), "status");

	return s ? s : "";
}

static int64_t nlc_rv(const cJSON *obj)
{
	const char *rv = json_str(obj, "metadata.resourceVersion");

	return rv ? strtoll(rv, NULL, 10) : 0;
}

/* Arm the one timer at `at` unless it fires earlier already. */
static void nlc_arm(struct ctrl_nodelifecycle *c, double at)
{
	double now = ev_now(c->loop);

	if (!isfinite(at) || (ev_is_active(&c->timer) && c->timer_at <= at))
		return;
	ev_timer_stop(c->loop, &c->timer);
	/* a hair late rather than early, so the deadline has passed */
	ev_timer_set(&c->timer, at > now ? at - now + 0.01 : 0.01, 0);
	ev_timer_start(c->loop, &c->timer);
	c->timer_at = at;
}

static struct nlc_node *nlc_state(struct ctrl_nodelifecycle *c, const char *name)
{
	struct nlc_node *st = strmap_get(&c->state, name);

	if (st)
		return st;
	st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->probe = ev_now(c->loop);
	if (strmap_put(&c->state, name, st, NULL)) {
		free(st);
		return NULL;
	}
	return st;
}

/* Note the node's heartbeat; a changed one means it was heard from now. */
static void nlc_observe(struct ctrl_nodelifecycle *c, const char *name)
{
	const cJSON *node = ctrl_informer_get(c->nodes, name);
	const cJSON *lease = ctrl_informer_get(c->leases, name);
	struct nlc_node *st;
	char hb[sizeof(st->hb)];

	if (!node)
		return;
	st = nlc_state(c, name);
	if (!st)
		return;
	snprintf(hb, sizeof(hb), "%s|%s", json_str(lease, "spec.renewTime") ?: "",
		 json_str(nlc_cond(node, "Ready"), "lastHeartbeatTime") ?: "");
	if (strcmp(hb, st->hb)) {
		if (st->hb[0])
			st->probe = ev_now(c->loop);
		snprintf(st->hb, sizeof(st->hb), "%s", hb);
	}
	nlc_arm(c, st->probe + c->cfg.grace);
}

/* Every health condition of node is Unknown already. */
static bool nlc_all_unknown(const cJSON *node)
{
	for (size_t i = 0; i < sizeof(nlc_conds) / sizeof(nlc_conds[0]); i++) {
		const char *s = json_str(nlc_cond(node, nlc_conds[i]), "status");

		if (!s || strcmp(s, "Unknown"))
			return false;
	}
	return true;
}

/* Upstream's tryUpdateNodeHealth on a silent node: each condition to
 * Unknown (lastHeartbeatTime kept: it is when the kubelet last spoke); a
 * missing one added as never posted. */
static void nlc_mark_unknown(cJSON *node, const char *now)
{
	cJSON *status = res_obj_child(node, "status");
	cJSON *conds = cJSON_GetObjectItemCaseSensitive(status, "conditions");

	if (!cJSON_IsArray(conds)) {
		cJSON_DeleteItemFromObjectCaseSensitive(status, "conditions");
		conds = cJSON_AddArrayToObject(status, "conditions");
	}
	for (size_t i = 0; i < sizeof(nlc_conds) / sizeof(nlc_conds[0]); i++) {
		cJSON *cond = (cJSON *)nlc_cond(node, nlc_conds[i]);
		const char *s = json_str(cond, "status");

		if (cond && s && !strcmp(s, "Unknown"))
			continue;
		if (!cond) {
			cond = cJSON_CreateObject();
			cJSON_AddItemToArray(conds, cond);
			res_set(cond, "type", cJSON_CreateString(nlc_conds[i]));
			res_set(cond, "lastHeartbeatTime",
				cJSON_CreateString(json_str(node, "metadata.creationTimestamp")
						       ?: now));
			res_set(cond, "reason", cJSON_CreateString("NodeStatusNeverUpdated"));
			res_set(cond, "message",
				cJSON_CreateString("Kubelet never posted node status."));
		} else {
			res_set(cond, "reason", cJSON_CreateString("NodeStatusUnknown"));
			res_set(cond, "message",
				cJSON_CreateString("Kubelet stopped posting node status."));
		}
		res_set(cond, "status", cJSON_CreateString("Unknown"));
		res_set(cond, "lastTransitionTime", cJSON_CreateString(now));
	}
}

static const cJSON *nlc_taint(const cJSON *node, const char *key)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, RES_ARR(json_at(node, "spec.taints")))
	{
		const char *k = json_str(t, "key"), *eff = json_str(t, "effect");

		if (k && eff && !strcmp(k, key) && !strcmp(eff, "NoExecute"))
			return t;
	}
	return NULL;
}

/* One token of the eviction rate, or false with st waiting for one and
 * the timer armed at the time it will be there. */
static bool nlc_take_token(struct ctrl_nodelifecycle *c, struct nlc_node *st)
{
	double now = ev_now(c->loop);

	if (c->cfg.eviction_rate <= 0) {
		/* rate 0: never taint (upstream's never-rate-limiter) */
		st->token_wait = false;
		return false;
	}
	c->tokens = fmin(1.0, c->tokens + (now - c->token_at) * c->cfg.eviction_rate);
	c->token_at = now;
	if (c->tokens >= 1.0) {
		c->tokens -= 1.0;
		st->token_wait = false;
		return true;
	}
	st->token_wait = true;
	nlc_arm(c, now + (1.0 - c->tokens) / c->cfg.eviction_rate);
	return false;
}

/* The node's NoExecute taints as they should be: want (or none) of the
 * two, the other removed. Returns the new taints array when it differs
 * from the node's, else NULL. */
static cJSON *nlc_taints_want(struct ctrl_nodelifecycle *c, struct nlc_node *st, const cJSON *node,
			      const char *want, const char *now)
{
	bool want_ur = want && !strcmp(want, NLC_UNREACHABLE);
	bool want_nr = want && !strcmp(want, NLC_NOT_READY);
	bool has_ur = nlc_taint(node, NLC_UNREACHABLE), has_nr = nlc_taint(node, NLC_NOT_READY);
	bool unwanted = (has_ur && !want_ur) || (has_nr && !want_nr);
	bool add;
	const cJSON *t;
	cJSON *out;

	st->token_wait = false;
	/* a swap is not a new eviction: upstream swaps without the limiter */
	add = (want_ur && !has_ur) || (want_nr && !has_nr);
	add = add && (unwanted || nlc_take_token(c, st));
	if (!add && !unwanted)
		return NULL;
	out = cJSON_CreateArray();
	if (!out)
		return NULL;
	cJSON_ArrayForEach(t, RES_ARR(json_at(node, "spec.taints")))
	{
		const char *k = json_str(t, "key"), *eff = json_str(t, "effect");
		bool ours = k && eff && !strcmp(eff, "NoExecute") &&
			    (!strcmp(k, NLC_UNREACHABLE) || !strcmp(k, NLC_NOT_READY));

		if (!ours || (want && !strcmp(k, want)))
			cJSON_AddItemToArray(out, cJSON_Duplicate(t, true));
	}
	if (add) {
		cJSON *n = cJSON_CreateObject();

		cJSON_AddStringToObject(n, "key", want);
		cJSON_AddStringToObject(n, "effect", "NoExecute");
		/* the eviction deadlines count from here */
		cJSON_AddStringToObject(n, "timeAdded", now);
		cJSON_AddItemToArray(out, n);
	}
	return out;
}

static int nlc_node_sync(void *ud, const char *name)
{
	struct ctrl_nodelifecycle *c = ud;
	const struct res_type *rt = res_lookup("", "v1", "nodes");
	const cJSON *node = ctrl_informer_get(c->nodes, name);
	struct nlc_node *st;
	const char *ready, *want;
	char now[32], msg[512];
	cJSON *obj = NULL, *taints;
	int64_t rev;
	int code;

	if (!node)
		return 0;
	nlc_observe(c, name);
	st = nlc_state(c, name);
	if (!st)
		return -ENOMEM;
	api_meta_now(now);
	rev = nlc_rv(node);
	if (ev_now(c->loop) - st->probe >= c->cfg.grace && !nlc_all_unknown(node)) {
		obj = cJSON_Duplicate(node, true);
		if (!obj)
			return -ENOMEM;
		nlc_mark_unknown(obj, now);
		rev = api_store_update(c->a, rt, "", "status", obj, rev, &code, msg, sizeof(msg));
		if (rev < 0) {
			pr_err("node %s: cannot mark its status Unknown: %s", name, msg);
			cJSON_Delete(obj);
			return (int)rev;
		}
		pr_info("node %s: not heard from for %.0f s: Ready=Unknown", name, c->cfg.grace);
		node = obj;
	}
	ready = nlc_ready(node);
	/* upstream records the change away from Ready=True, once */
	if (!strcmp(st->ready, "True") && strcmp(ready, "True"))
		ctrl_event(c->node_ev, node, "Normal", "NodeNotReady",
			   "Node %s status is now: NodeNotReady", name);
	snprintf(st->ready, sizeof(st->ready), "%s", ready);
	want = !strcmp(ready, "Unknown") ? NLC_UNREACHABLE
	       : !strcmp(ready, "False") ? NLC_NOT_READY
					 : NULL;
	taints = nlc_taints_want(c, st, node, want, now);
	if (taints) {
		cJSON *w = obj ? obj : cJSON_Duplicate(node, true);
		cJSON *spec = w ? res_obj_child(w, "spec") : NULL;
		int64_t r;

		if (!spec) {
			cJSON_Delete(taints);
			cJSON_Delete(w);
			return -ENOMEM;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "taints");
		if (cJSON_GetArraySize(taints))
			cJSON_AddItemToObject(spec, "taints", taints);
		else
			cJSON_Delete(taints);
		r = api_store_update(c->a, rt, "", "", w, rev, &code, msg, sizeof(msg));
		if (r < 0)
			pr_err("node %s: cannot update its taints: %s", name, msg);
		else
			pr_info("node %s: NoExecute taint %s", name, want ? want : "removed");
		if (w != obj)
			cJSON_Delete(w);
		cJSON_Delete(obj);
		return r < 0 ? (int)r : 0;
	}
	cJSON_Delete(obj);
	return 0;
}

/* ---- pods ---- */

static bool nlc_cond_false(const cJSON *pod, const char *type)
{
	const char *s = json_str(nlc_cond(pod, type), "status");

	return !s || !strcmp(s, "False");
}

/* Upstream's MarkPodsNotReady for one pod: Ready and ContainersReady
 * False, so its endpoints stop receiving new connections at once. */
static int nlc_pod_not_ready(struct ctrl_nodelifecycle *c, const char *ns, const cJSON *pod)
{
	const struct res_type *rt = res_lookup("", "v1", "pods");
	static const char *const types[] = {"Ready", "ContainersReady"};
	cJSON *obj = cJSON_Duplicate(pod, true);
	char now[32], msg[512];
	int64_t rev;
	int code;

	if (!obj)
		return -ENOMEM;
	api_meta_now(now);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		cJSON *cond = (cJSON *)nlc_cond(obj, types[i]);

		if (!cond || nlc_cond_false(obj, types[i]))
			continue;
		res_set(cond, "status", cJSON_CreateString("False"));
		res_set(cond, "lastTransitionTime", cJSON_CreateString(now));
	}
	rev = api_store_update(c->a, rt, ns, "status", obj, nlc_rv(pod), &code, msg, sizeof(msg));
	cJSON_Delete(obj);
	if (rev < 0) {
		/* -ENOENT: deleted meanwhile, its event drops it */
		if (rev == -ENOENT)
			return 0;
		pr_err("pod %s/%s: cannot mark it not ready: %s", ns,
		       json_str(pod, "metadata.name") ?: "", msg);
		return (int)rev;
	}
	ctrl_event(c->node_ev, pod, "Warning", "NodeNotReady", "Node is not ready");
	return 0;
}

/* Does tol tolerate taint (key, value, effect), as upstream's
 * ToleratesTaint: an empty effect matches every effect, Exists with an
 * empty key every taint, Equal (the default) the taint's value. */
static bool nlc_tolerates(const cJSON *tol, const cJSON *taint)
{
	const char *tk = json_str(tol, "key") ?: "", *te = json_str(tol, "effect") ?: "";
	const char *op = json_str(tol, "operator") ?: "Equal";
	const char *k = json_str(taint, "key") ?: "", *e = json_str(taint, "effect") ?: "";

	if (*te && strcmp(te, e))
		return false;
	if (*tk && strcmp(tk, k))
		return false;
	if (!strcmp(op, "Exists"))
		return true;
	return !strcmp(op, "Equal") && *tk &&
	       !strcmp(json_str(tol, "value") ?: "", json_str(taint, "value") ?: "");
}

/* The first of tols that tolerates taint, or NULL (upstream's
 * GetMatchingTolerations uses the first match). */
static const cJSON *nlc_toleration_for(const cJSON *tols, const cJSON *taint)
{
	const cJSON *tol;

	cJSON_ArrayForEach(tol, tols)
	{
		if (nlc_tolerates(tol, taint))
			return tol;
	}
	return NULL;
}

/* When the pod must go: -INFINITY for now (a NoExecute taint it does not
 * tolerate), INFINITY for never, else the earliest of each taint's
 * timeAdded (first, when it has none) plus the tolerationSeconds of the
 * first toleration that tolerates it. */
static double nlc_evict_at(const cJSON *node, const cJSON *pod, double first)
{
	const cJSON *tols = RES_ARR(json_at(pod, "spec.tolerations")), *t, *tol;
	double due = INFINITY;

	cJSON_ArrayForEach(t, RES_ARR(json_at(node, "spec.taints")))
	{
		const char *eff = json_str(t, "effect"), *added = json_str(t, "timeAdded");
		const cJSON *secs;
		double base;

		if (!eff || strcmp(eff, "NoExecute"))
			continue;
		tol = nlc_toleration_for(tols, t);
		if (!tol)
			return -INFINITY;
		secs = cJSON_GetObjectItemCaseSensitive(tol, "tolerationSeconds");
		if (!cJSON_IsNumber(secs))
			continue;
		base = added && *added ? (double)res_parse_time(added) : first;
		/* a negative tolerationSeconds is zero, as upstream */
		due = fmin(due, base + fmax(0.0, secs->valuedouble));
	}
	return due;
}

static bool nlc_has_noexecute(const cJSON *node)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, RES_ARR(json_at(node, "spec.taints")))
	{
		const char *eff = json_str(t, "effect");

		if (eff && !strcmp(eff, "NoExecute"))
			return true;
	}
	return false;
}

static void nlc_evict_forget(struct ctrl_nodelifecycle *c, const char *key)
{
	free(strmap_del(&c->evict, key));
}

static int nlc_pod_sync(void *ud, const char *key)
{
	struct ctrl_nodelifecycle *c = ud;
	const cJSON *pod = ctrl_informer_get(c->pods, key);
	const char *nn = json_str(pod, "spec.nodeName");
	const cJSON *node = nn && *nn ? ctrl_informer_get(c->nodes, nn) : NULL;
	const char *ns = json_str(pod, "metadata.namespace") ?: "";
	const char *name = json_str(pod, "metadata.name") ?: "";
	double now = ev_now(c->loop), due;
	struct nlc_evict *ent;
	int64_t rev;

	if (!node || json_at(pod, "metadata.deletionTimestamp")) {
		nlc_evict_forget(c, key);
		return 0;
	}
	if (!nlc_has_noexecute(node)) {
		nlc_evict_forget(c, key);
		goto readiness;
	}
	ent = strmap_get(&c->evict, key);
	if (!ent) {
		ent = calloc(1, sizeof(*ent));
		if (!ent || strmap_put(&c->evict, key, ent, NULL)) {
			free(ent);
			return -ENOMEM;
		}
		ent->first = now;
	}
	due = nlc_evict_at(node, pod, ent->first);
	if (due > now) {
		ent->due = due;
		if (isinf(due))
			nlc_evict_forget(c, key);
		else
			nlc_arm(c, due);
		goto readiness;
	}
	ctrl_event(c->taint_ev, pod, "Normal", "TaintManagerEviction",
		   "Marking for deletion Pod %s/%s", ns, name);
	rev = api_store_delete(c->a, res_lookup("", "v1", "pods"), ns, name, true);
	if (rev < 0 && rev != -ENOENT) {
		pr_err("pod %s: cannot evict it: %s", key, strerror((int)-rev));
		return (int)rev;
	}
	pr_info("pod %s: evicted from node %s (NoExecute taint)", key, nn);
	nlc_evict_forget(c, key);
	return 0;
readiness:
	if (!strcmp(nlc_ready(node), "Unknown") &&
	    (!nlc_cond_false(pod, "Ready") || !nlc_cond_false(pod, "ContainersReady")))
		return nlc_pod_not_ready(c, ns, pod);
	return 0;
}

/* ---- informer callbacks ---- */

struct nlc_on_node {
	struct ctrl_nodelifecycle *c;
	const char *node;
};

static void nlc_queue_pod_on(void *ud, const char *key, const cJSON *pod)
{
	struct nlc_on_node *o = ud;
	const char *nn = json_str(pod, "spec.nodeName");

	if (nn && !strcmp(nn, o->node))
		ctrl_queue_add(o->c->pq, key);
}

static bool nlc_same_taints(const cJSON *a, const cJSON *b)
{
	return jcmp_equal(json_at(a, "spec.taints"), json_at(b, "spec.taints")) == 1;
}

static void nlc_node_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	struct ctrl_nodelifecycle *c = ud;

	nlc_observe(c, key);
	ctrl_queue_add(c->nq, key);
	/* the pods follow a change of readiness or of taints, not every
	 * status write */
	if (!old || strcmp(nlc_ready(obj), nlc_ready(old)) || !nlc_same_taints(obj, old)) {
		struct nlc_on_node o = {c, key};

		ctrl_informer_foreach(c->pods, nlc_queue_pod_on, &o);
	}
}

static void nlc_node_remove(void *ud, const char *key, const cJSON *old)
{
	struct ctrl_nodelifecycle *c = ud;

	free(strmap_del(&c->state, key));
}

static const struct informer_ops nlc_node_ops = {.upsert = nlc_node_upsert,
						 .remove = nlc_node_remove};

static void nlc_lease_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	nlc_observe(ud, key);
}

static const struct informer_ops nlc_lease_ops = {.upsert = nlc_lease_upsert};

static void nlc_pod_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	struct ctrl_nodelifecycle *c = ud;
	const char *nn = json_str(obj, "spec.nodeName");
	const cJSON *node = nn && *nn ? ctrl_informer_get(c->nodes, nn) : NULL;

	if (strmap_get(&c->evict, key) ||
	    (node && (nlc_has_noexecute(node) || !strcmp(nlc_ready(node), "Unknown"))))
		ctrl_queue_add(c->pq, key);
}

static void nlc_pod_remove(void *ud, const char *key, const cJSON *old)
{
	nlc_evict_forget(ud, key);
}

static const struct informer_ops nlc_pod_ops = {.upsert = nlc_pod_upsert, .remove = nlc_pod_remove};

/* ---- the timer ---- */

struct nlc_tick {
	struct ctrl_nodelifecycle *c;
	double now, next;
};

static void nlc_tick_node(void *ud, const char *name, void *val)
{
	struct nlc_tick *t = ud;
	const struct nlc_node *st = val;
	const cJSON *node = ctrl_informer_get(t->c->nodes, name);
	double at;

	if (!node)
		return;
	if (st->token_wait) {
		ctrl_queue_add(t->c->nq, name);
		return;
	}
	if (nlc_all_unknown(node))
		return;
	at = st->probe + t->c->cfg.grace;
	if (at <= t->now)
		ctrl_queue_add(t->c->nq, name);
	else
		t->next = fmin(t->next, at);
}

static void nlc_tick_pod(void *ud, const char *key, void *val)
{
	struct nlc_tick *t = ud;
	const struct nlc_evict *ent = val;

	if (ent->due <= t->now)
		ctrl_queue_add(t->c->pq, key);
	else
		t->next = fmin(t->next, ent->due);
}

/* Queue what is due and arm for the next deadline. A node waiting for a
 * token is queued: its sync takes one or arms for when one is there. */
static void nlc_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctrl_nodelifecycle *c =
	    (struct ctrl_nodelifecycle *)((char *)w - offsetof(struct ctrl_nodelifecycle, timer));
	struct nlc_tick t = {c, ev_now(loop), INFINITY};

	strmap_foreach(&c->state, nlc_tick_node, &t);
	strmap_foreach(&c->evict, nlc_tick_pod, &t);
	nlc_arm(c, t.next);
}

static void nlc_after(void *ud)
{
	struct ctrl_nodelifecycle *c = ud;

	api_commit(c->a);
}

static bool nlc_node_wanted(const cJSON *node)
{
	return node != NULL;
}

/* Only pods bound to a node matter to either half. */
static bool nlc_pod_wanted(const cJSON *pod)
{
	const char *nn = json_str(pod, "spec.nodeName");

	return nn && *nn;
}

static void nlc_free_val(void *ud, const char *key, void *val)
{
	free(val);
}

void ctrl_nodelifecycle_stop(struct ctrl_nodelifecycle *c)
{
	if (!c)
		return;
	ev_timer_stop(c->loop, &c->timer);
	ctrl_informer_free(c->pods);
	ctrl_informer_free(c->leases);
	ctrl_informer_free(c->nodes);
	ctrl_queue_free(c->pq);
	ctrl_queue_free(c->nq);
	ctrl_events_free(c->taint_ev);
	ctrl_events_free(c->node_ev);
	strmap_foreach(&c->state, nlc_free_val, NULL);
	strmap_free(&c->state);
	strmap_foreach(&c->evict, nlc_free_val, NULL);
	strmap_free(&c->evict);
	free(c);
}

int ctrl_nodelifecycle_start(struct api *a, struct ev_loop *loop,
			     const struct ctrl_nodelifecycle_config *cfg,
			     struct ctrl_nodelifecycle **out)
{
	struct ctrl_nodelifecycle *c = calloc(1, sizeof(*c));
	int err = -ENOMEM;

	if (!c)
		return -ENOMEM;
	c->a = a;
	c->loop = loop;
	c->cfg = *cfg;
	c->tokens = 1.0; /* upstream's burst of 1 */
	c->token_at = ev_now(loop);
	strmap_init(&c->state);
	strmap_init(&c->evict);
	ev_timer_init(&c->timer, nlc_timer_cb, 0, 0);
	c->nq = ctrl_queue_new(loop, nlc_node_sync, nlc_after, c);
	c->pq = ctrl_queue_new(loop, nlc_pod_sync, nlc_after, c);
	c->node_ev = ctrl_events_new(a, "node-controller");
	c->taint_ev = ctrl_events_new(a, "taint-eviction-controller");
	c->nodes = ctrl_informer_new(a->store, "/registry/nodes/", &nlc_node_ops, c);
	c->leases = ctrl_informer_new(a->store, NLC_LEASE_NS, &nlc_lease_ops, c);
	c->pods = ctrl_informer_new(a->store, "/registry/pods/", &nlc_pod_ops, c);
	if (!c->nq || !c->pq || !c->node_ev || !c->taint_ev || !c->nodes || !c->leases || !c->pods)
		goto err;
	/* leases first so a node's first heartbeat includes its lease; pods
	 * last, each looked at against its node */
	err = ctrl_informer_start(c->leases);
	if (!err)
		err = ctrl_informer_start(c->nodes);
	if (!err)
		err = ctrl_informer_start(c->pods);
	if (err)
		goto err;
	ctrl_queue_resync(c->nq, c->nodes, NLC_RESYNC, nlc_node_wanted);
	ctrl_queue_resync(c->pq, c->pods, NLC_RESYNC, nlc_pod_wanted);
	*out = c;
	return 0;
err:
	ctrl_nodelifecycle_stop(c);
	return err;
}
