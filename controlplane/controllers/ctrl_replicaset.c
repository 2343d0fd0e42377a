/* ctrl_replicaset: kube-controller-manager's replicaset controller. A
 * ReplicaSet owns the active pods (not Succeeded, Failed or being deleted)
 * that match its selector and name it as their controller; it adopts
 * matching orphans, releases pods whose labels stopped matching, creates
 * pods from spec.template (in slow-start batches 1, 2, 4, ... that stop at
 * the first failing batch) or deletes the least useful extras until
 * spec.replicas are active, and reports the counts in its status.
 *
 * The informers are the store's committed state and every write commits
 * before the next round reads the cache, so upstream's "expectations"
 * (which cover a cache lagging the controller's own writes) are not
 * needed: a round's creations are in the cache when the RS is next synced.
 *
 * Also here: the helpers the workload controllers share (controller
 * references, adoption, pod readiness, delayed re-queueing). */
#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "apiserver/api.h"
#include "controllers.h"
#include "log.h"
#include "registry/res_util.h"

/* upstream's burstReplicas: pods created or deleted per sync at most */
#define CRS_BURST 500
/* every ReplicaSet is looked at again this often (a write rolled back by
 * a failed commit leaves no event behind) */
#define CRS_RESYNC 30.0

/* ------------------------------------------------------ shared helpers */

const cJSON *ctrl_controller_ref(const cJSON *obj)
{
	const cJSON *r, *refs = json_at(obj, "metadata.ownerReferences");

	cJSON_ArrayForEach(r, RES_ARR(refs))
	{
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "controller")))
			return r;
	}
	return NULL;
}

bool ctrl_controlled_by(const cJSON *obj, const cJSON *owner)
{
	const char *uid = json_str(ctrl_controller_ref(obj), "uid");

	return uid && json_str(owner, "metadata.uid") &&
	       !strcmp(uid, json_str(owner, "metadata.uid"));
}

cJSON *ctrl_owner_ref_new(const cJSON *owner)
{
	cJSON *r = cJSON_CreateObject();

	if (!r)
		return NULL;
	cJSON_AddStringToObject(r, "apiVersion", json_str(owner, "apiVersion") ?: "");
	cJSON_AddStringToObject(r, "kind", json_str(owner, "kind") ?: "");
	cJSON_AddStringToObject(r, "name", json_str(owner, "metadata.name") ?: "");
	cJSON_AddStringToObject(r, "uid", json_str(owner, "metadata.uid") ?: "");
	cJSON_AddTrueToObject(r, "controller");
	cJSON_AddTrueToObject(r, "blockOwnerDeletion");
	return r;
}

int64_t ctrl_obj_rev(const cJSON *obj)
{
	const char *rv = json_str(obj, "metadata.resourceVersion");

	return rv ? strtoll(rv, NULL, 10) : 0;
}

int ctrl_update(struct api *a, const struct res_type *rt, const char *sub, cJSON *obj,
		const char *what)
{
	char msg[512];
	int code = 0;
	int64_t rev;

	/* a status write takes only the status: the rest may be newer */
	rev = api_store_update(a, rt, json_str(obj, "metadata.namespace"), sub, obj,
			       *sub ? 0 : ctrl_obj_rev(obj), &code, msg, sizeof(msg));
	if (rev < 0 && rev != -ENOENT)
		pr_info("%s %s/%s: %s: %s", rt->kind, json_str(obj, "metadata.namespace") ?: "",
			json_str(obj, "metadata.name") ?: "", what, msg);
	return rev < 0 ? (int)rev : 0;
}

/* obj with its ownerReferences to uid removed (release) or with a
 * controller reference to owner added (adopt), written. */
static int ctrl_set_owner(struct api *a, const struct res_type *rt, const cJSON *obj,
			  const cJSON *owner, bool adopt)
{
	const char *uid = json_str(owner, "metadata.uid");
	cJSON *dup = cJSON_Duplicate(obj, true), *md, *refs, *r, *next;
	int err;

	if (!dup)
		return -ENOMEM;
	md = cJSON_GetObjectItemCaseSensitive(dup, "metadata");
	refs = cJSON_GetObjectItemCaseSensitive(md, "ownerReferences");
	if (!cJSON_IsArray(refs)) {
		cJSON_DeleteItemFromObjectCaseSensitive(md, "ownerReferences");
		refs = cJSON_AddArrayToObject(md, "ownerReferences");
	}
	if (adopt) {
		cJSON_AddItemToArray(refs, ctrl_owner_ref_new(owner));
	} else {
		for (r = refs->child; r; r = next) {
			next = r->next;
			if (json_str(r, "uid") && !strcmp(json_str(r, "uid"), uid))
				cJSON_Delete(cJSON_DetachItemViaPointer(refs, r));
		}
		if (!refs->child)
			cJSON_DeleteItemFromObjectCaseSensitive(md, "ownerReferences");
	}
	err = ctrl_update(a, rt, "", dup, adopt ? "cannot adopt" : "cannot release");
	cJSON_Delete(dup);
	return err;
}

int ctrl_claim(struct api *a, const struct res_type *rt, const cJSON *owner, const cJSON *sel,
	       const cJSON *obj)
{
	const cJSON *ref = ctrl_controller_ref(obj);
	bool match = res_selector_matches(sel, json_at(obj, "metadata.labels"));
	bool owner_gone = json_at(owner, "metadata.deletionTimestamp") != NULL;
	int err;

	if (ref) {
		if (!ctrl_controlled_by(obj, owner))
			return 0;
		if (match)
			return 1;
		/* an owner being deleted releases nothing (upstream) */
		if (owner_gone || json_at(obj, "metadata.deletionTimestamp"))
			return 0;
		err = ctrl_set_owner(a, rt, obj, owner, false);
		return err == -ENOENT ? 0 : err;
	}
	if (!match || owner_gone || json_at(obj, "metadata.deletionTimestamp"))
		return 0;
	err = ctrl_set_owner(a, rt, obj, owner, true);
	if (err)
		return err == -ENOENT ? 0 : err;
	return 1;
}

struct ctrl_orphan_q {
	struct ctrl_queue *q;
	const cJSON *obj;
	size_t nslen;
	const char *ns;
};

static void ctrl_orphan_one(void *ud, const char *key, const cJSON *owner)
{
	struct ctrl_orphan_q *o = ud;
	const cJSON *sel = json_at(owner, "spec.selector");

	if (strncmp(key, o->ns, o->nslen) || key[o->nslen] != '/')
		return;
	if (sel && !res_selector_empty(sel) &&
	    res_selector_matches(sel, json_at(o->obj, "metadata.labels")))
		ctrl_queue_add(o->q, key);
}

void ctrl_queue_controller_of(struct ctrl_queue *q, const struct ctrl_informer *owners,
			      const char *kind, const cJSON *obj)
{
	const cJSON *ref;
	const char *ns = json_str(obj, "metadata.namespace") ?: "";
	char key[600];

	if (!obj)
		return;
	ref = ctrl_controller_ref(obj);
	if (ref) {
		if (json_str(ref, "kind") && !strcmp(json_str(ref, "kind"), kind) &&
		    json_str(ref, "name")) {
			snprintf(key, sizeof(key), "%s/%s", ns, json_str(ref, "name"));
			ctrl_queue_add(q, key);
		}
		return;
	}
	/* an orphan: whoever may adopt it */
	struct ctrl_orphan_q o = {q, obj, strlen(ns), ns};

	ctrl_informer_foreach(owners, ctrl_orphan_one, &o);
}

struct ctrl_nsl {
	const char *ns;
	size_t nslen;
	struct ctrl_objs *out;
	int err;
};

static void ctrl_nsl_one(void *ud, const char *key, const cJSON *obj)
{
	struct ctrl_nsl *l = ud;
	struct ctrl_objs *o = l->out;
	const cJSON **v;

	if (l->err || strncmp(key, l->ns, l->nslen) || key[l->nslen] != '/')
		return;
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 16;

		v = realloc(o->v, cap * sizeof(*v));
		if (!v) {
			l->err = -ENOMEM;
			return;
		}
		o->v = v;
		o->cap = cap;
	}
	o->v[o->n++] = obj;
}

int ctrl_objs_in(const struct ctrl_informer *inf, const char *ns, struct ctrl_objs *out)
{
	struct ctrl_nsl l = {ns, strlen(ns), out, 0};

	out->v = NULL;
	out->n = out->cap = 0;
	ctrl_informer_foreach(inf, ctrl_nsl_one, &l);
	if (l.err) {
		free(out->v);
		out->v = NULL;
		out->n = 0;
	}
	return l.err;
}

bool ctrl_pod_ready(const cJSON *pod, time_t *since)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, RES_ARR(json_at(pod, "status.conditions")))
	{
		const char *type = json_str(c, "type"), *st = json_str(c, "status");

		if (type && !strcmp(type, "Ready")) {
			if (since)
				*since = res_parse_time(json_str(c, "lastTransitionTime"));
			return st && !strcmp(st, "True");
		}
	}
	return false;
}

bool ctrl_pod_available(const cJSON *pod, long long min_ready, time_t now, time_t *wait)
{
	time_t since = 0;

	if (!ctrl_pod_ready(pod, &since))
		return false;
	/* upstream: ready for minReadySeconds (a missing time counts as long) */
	if (min_ready <= 0 || !since || since + min_ready <= now)
		return true;
	if (wait && (!*wait || since + min_ready - now < *wait))
		*wait = since + min_ready - now;
	return false;
}

bool ctrl_pod_active(const cJSON *pod)
{
	const char *phase = json_str(pod, "status.phase");

	if (json_at(pod, "metadata.deletionTimestamp"))
		return false;
	return !phase || (strcmp(phase, "Succeeded") && strcmp(phase, "Failed"));
}

long long ctrl_int(const cJSON *o, const char *path, long long dflt)
{
	const cJSON *v = json_at(o, path);

	return cJSON_IsNumber(v) ? (long long)v->valuedouble : dflt;
}

/* --- delayed re-queueing: keys to look at again at a given time --- */

struct cl_item {
	char *key;
	ev_tstamp at;
	struct cl_item *next;
};

struct ctrl_later {
	struct ev_loop *loop;
	struct ctrl_queue *q;
	ev_timer t;
	struct cl_item *items;
};

static void cl_arm(struct ctrl_later *l)
{
	ev_tstamp first = 0;

	ev_timer_stop(l->loop, &l->t);
	for (struct cl_item *it = l->items; it; it = it->next)
		if (!first || it->at < first)
			first = it->at;
	if (!first)
		return;
	ev_timer_set(&l->t, first > ev_now(l->loop) ? first - ev_now(l->loop) : 0, 0);
	ev_timer_start(l->loop, &l->t);
}

static void cl_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctrl_later *l = w->data;
	struct cl_item **p = &l->items, *it;

	while ((it = *p)) {
		if (it->at <= ev_now(loop) + 0.001) {
			*p = it->next;
			ctrl_queue_add(l->q, it->key);
			free(it->key);
			free(it);
		} else {
			p = &it->next;
		}
	}
	cl_arm(l);
}

struct ctrl_later *ctrl_later_new(struct ev_loop *loop, struct ctrl_queue *q)
{
	struct ctrl_later *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->loop = loop;
	l->q = q;
	ev_timer_init(&l->t, cl_cb, 0, 0);
	l->t.data = l;
	return l;
}

void ctrl_later_add(struct ctrl_later *l, const char *key, double delay)
{
	ev_tstamp at = ev_now(l->loop) + delay;
	struct cl_item *it;

	for (it = l->items; it; it = it->next) {
		if (!strcmp(it->key, key)) {
			if (at < it->at) {
				it->at = at;
				cl_arm(l);
			}
			return;
		}
	}
	it = calloc(1, sizeof(*it));
	if (!it || !(it->key = strdup(key))) {
		free(it);
		return;
	}
	it->at = at;
	it->next = l->items;
	l->items = it;
	cl_arm(l);
}

void ctrl_later_free(struct ctrl_later *l)
{
	struct cl_item *it;

	if (!l)
		return;
	ev_timer_stop(l->loop, &l->t);
	while ((it = l->items)) {
		l->items = it->next;
		free(it->key);
		free(it);
	}
	free(l);
}

/* ---------------------------------------------------- the controller */

struct ctrl_replicaset {
	struct api *a;
	struct ctrl_informer *rs_inf, *pod_inf;
	struct ctrl_queue *q;
	struct ctrl_later *later;
	struct ctrl_events *ev;
};

static void crs_rs_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	struct ctrl_replicaset *c = ud;

	ctrl_queue_add(c->q, key);
}

static const struct informer_ops crs_rs_ops = {.upsert = crs_rs_upsert};

static void crs_pod_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	struct ctrl_replicaset *c = ud;

	ctrl_queue_controller_of(c->q, c->rs_inf, "ReplicaSet", obj);
	/* a pod whose labels or controller changed: its former owner too */
	if (old)
		ctrl_queue_controller_of(c->q, c->rs_inf, "ReplicaSet", old);
}

static void crs_pod_remove(void *ud, const char *key, const cJSON *old)
{
	struct ctrl_replicaset *c = ud;

	ctrl_queue_controller_of(c->q, c->rs_inf, "ReplicaSet", old);
}

static const struct informer_ops crs_pod_ops = {.upsert = crs_pod_upsert, .remove = crs_pod_remove};

/* upstream's ActivePods order: the pods to delete first sort first */
static int crs_phase_rank(const cJSON *pod)
{
	const char *p = json_str(pod, "status.phase");

	if (!p || !strcmp(p, "Pending"))
		return 0;
	return strcmp(p, "Unknown") ? 2 : 1;
}

static long long crs_restarts(const cJSON *pod)
{
	const cJSON *cs;
	long long n = 0;

	cJSON_ArrayForEach(cs, RES_ARR(json_at(pod, "status.containerStatuses"))) n +=
	    ctrl_int(cs, "restartCount", 0);
	return n;
}

int ctrl_pod_delete_order(const void *pa, const void *pb)
{
	const cJSON *a = *(const cJSON *const *)pa, *b = *(const cJSON *const *)pb;
	const char *na = json_str(a, "spec.nodeName"), *nb = json_str(b, "spec.nodeName");
	bool sa = na && *na, sb = nb && *nb, ra, rb;
	time_t ta = 0, tb = 0;
	const char *ca, *cb;
	int x;

	if (sa != sb)
		return sa ? 1 : -1; /* unscheduled first */
	x = crs_phase_rank(a) - crs_phase_rank(b);
	if (x)
		return x;
	ra = ctrl_pod_ready(a, &ta);
	rb = ctrl_pod_ready(b, &tb);
	if (ra != rb)
		return ra ? 1 : -1; /* not ready first */
	if (ra && ta != tb)
		return ta > tb ? -1 : 1; /* ready for less time first */
	if (crs_restarts(a) != crs_restarts(b))
		return crs_restarts(a) > crs_restarts(b) ? -1 : 1;
	ca = json_str(a, "metadata.creationTimestamp") ?: "";
	cb = json_str(b, "metadata.creationTimestamp") ?: "";
	return -strcmp(ca, cb); /* newer first */
}

cJSON *ctrl_pod_from_template(const cJSON *owner)
{
	const cJSON *tmpl = json_at(owner, "spec.template");
	cJSON *pod = cJSON_CreateObject(), *md;
	char gen[300];

	if (!pod)
		return NULL;
	cJSON_AddStringToObject(pod, "apiVersion", "v1");
	cJSON_AddStringToObject(pod, "kind", "Pod");
	md = cJSON_AddObjectToObject(pod, "metadata");
	snprintf(gen, sizeof(gen), "%s-", json_str(owner, "metadata.name"));
	cJSON_AddStringToObject(md, "generateName", gen);
	if (json_at(tmpl, "metadata.labels"))
		cJSON_AddItemToObject(md, "labels",
				      cJSON_Duplicate(json_at(tmpl, "metadata.labels"), true));
	if (json_at(tmpl, "metadata.annotations"))
		cJSON_AddItemToObject(md, "annotations",
				      cJSON_Duplicate(json_at(tmpl, "metadata.annotations"), true));
	cJSON_AddItemToArray(cJSON_AddArrayToObject(md, "ownerReferences"),
			     ctrl_owner_ref_new(owner));
	cJSON_AddItemToObject(pod, "spec",
			      json_at(tmpl, "spec") ? cJSON_Duplicate(json_at(tmpl, "spec"), true)
						    : cJSON_CreateObject());
	return pod;
}

/* Create n pods in slow-start batches: 1, 2, 4, ...; a batch with a
 * failure ends it (the API is likely to refuse the rest the same way).
 * Returns the number created. */
static int crs_create(struct ctrl_replicaset *c, const cJSON *rs, int n)
{
	const struct res_type *prt = res_lookup("", "v1", "pods");
	const char *ns = json_str(rs, "metadata.namespace");
	int done = 0, batch = 1, code, failed;
	char msg[512];

	while (done < n) {
		failed = 0;
		if (batch > n - done)
			batch = n - done;
		for (int i = 0; i < batch; i++) {
			cJSON *pod = ctrl_pod_from_template(rs);
			int err = -ENOMEM;

			if (pod)
				err = api_store_create(c->a, prt, ns, pod, &code, msg, sizeof(msg));

			if (err) {
				failed++;
				ctrl_event(c->ev, rs, "Warning", "FailedCreate",
					   "Error creating: %s", pod ? msg : "out of memory");
			} else {
				done++;
				ctrl_event(c->ev, rs, "Normal", "SuccessfulCreate",
					   "Created pod: %s", json_str(pod, "metadata.name"));
			}
			cJSON_Delete(pod);
		}
		if (failed)
			break;
		batch *= 2;
	}
	return done;
}

static bool crs_labels_superset(const cJSON *labels, const cJSON *want)
{
	const cJSON *l;

	if (!cJSON_IsObject(want))
		return true;
	cJSON_ArrayForEach(l, want)
	{
		/* label keys hold dots: not a json_str path */
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(labels, l->string);

		if (!cJSON_IsString(v) || !cJSON_IsString(l) ||
		    strcmp(v->valuestring, l->valuestring))
			return false;
	}
	return true;
}

static int crs_status(struct ctrl_replicaset *c, const char *key, const cJSON *rs,
		      const cJSON **pods, size_t n)
{
	const struct res_type *rt = res_lookup("apps", "v1", "replicasets");
	long long min_ready = ctrl_int(rs, "spec.minReadySeconds", 0);
	long long full = 0, ready = 0, avail = 0;
	time_t now = time(NULL), wait = 0;
	cJSON *dup, *st;
	const cJSON *old = json_at(rs, "status");
	int err;

	for (size_t i = 0; i < n; i++) {
		if (crs_labels_superset(json_at(pods[i], "metadata.labels"),
					json_at(rs, "spec.template.metadata.labels")))
			full++;
		if (ctrl_pod_ready(pods[i], NULL))
			ready++;
		if (ctrl_pod_available(pods[i], min_ready, now, &wait))
			avail++;
	}
	if (wait > 0)
		ctrl_later_add(c->later, key, (double)wait + 0.05);
	dup = cJSON_Duplicate(rs, true);
	if (!dup)
		return -ENOMEM;
	cJSON_DeleteItemFromObjectCaseSensitive(dup, "status");
	st = cJSON_AddObjectToObject(dup, "status");
	cJSON_AddNumberToObject(st, "replicas", (double)n);
	/* zero counts are omitted, as Go's omitempty */
	if (full)
		cJSON_AddNumberToObject(st, "fullyLabeledReplicas", (double)full);
	if (ready)
		cJSON_AddNumberToObject(st, "readyReplicas", (double)ready);
	if (avail)
		cJSON_AddNumberToObject(st, "availableReplicas", (double)avail);
	cJSON_AddNumberToObject(st, "observedGeneration",
				(double)ctrl_int(rs, "metadata.generation", 1));
	if (json_at(old, "conditions"))
		cJSON_AddItemToObject(st, "conditions",
				      cJSON_Duplicate(json_at(old, "conditions"), true));
	err = ctrl_update(c->a, rt, "status", dup, "cannot update status");
	cJSON_Delete(dup);
	return err == -ENOENT ? 0 : err;
}

static int crs_sync(void *ud, const char *key)
{
	struct ctrl_replicaset *c = ud;
	const struct res_type *prt = res_lookup("", "v1", "pods");
	const cJSON *rs = ctrl_informer_get(c->rs_inf, key), *sel;
	const char *ns;
	struct ctrl_objs all;
	const cJSON **mine;
	size_t n = 0;
	long long want;
	int err, r;

	if (!rs)
		return 0; /* gone: the garbage collector removes its pods */
	ns = json_str(rs, "metadata.namespace") ?: "";
	sel = json_at(rs, "spec.selector");
	if (!sel || res_selector_empty(sel) || !res_selector_ok(sel))
		return 0; /* validation refuses these; nothing to own */
	err = ctrl_objs_in(c->pod_inf, ns, &all);
	if (err)
		return err;
	mine = calloc(all.n + 1, sizeof(*mine));
	if (!mine) {
		free(all.v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < all.n; i++) {
		if (!ctrl_pod_active(all.v[i]))
			continue;
		r = ctrl_claim(c->a, prt, rs, sel, all.v[i]);
		if (r < 0) {
			err = r;
			continue;
		}
		if (r)
			mine[n++] = all.v[i];
	}
	want = ctrl_int(rs, "spec.replicas", 1);
	if (!err && !json_at(rs, "metadata.deletionTimestamp")) {
		if ((long long)n < want) {
			long long k = want - (long long)n;

			if (crs_create(c, rs, (int)(k > CRS_BURST ? CRS_BURST : k)) < k)
				err = -EAGAIN; /* retried with back-off */
		} else if ((long long)n > want) {
			long long k = (long long)n - want;

			if (k > CRS_BURST)
				k = CRS_BURST;
			qsort(mine, n, sizeof(*mine), ctrl_pod_delete_order);
			for (long long i = 0; i < k; i++) {
				const char *pn = json_str(mine[i], "metadata.name");
				int64_t d = api_store_delete(c->a, prt, ns, pn, true);

				if (d < 0 && d != -ENOENT) {
					ctrl_event(c->ev, rs, "Warning", "FailedDelete",
						   "Error deleting: pod %s: %s", pn,
						   strerror((int)-d));
					err = (int)d;
					continue;
				}
				ctrl_event(c->ev, rs, "Normal", "SuccessfulDelete",
					   "Deleted pod: %s", pn);
			}
		}
	}
	/* the status counts what the cache holds: this round's creations
	 * and deletions show after they commit (their events re-queue us) */
	r = crs_status(c, key, rs, mine, n);
	free(mine);
	free(all.v);
	return err ? err : r;
}

static void crs_after(void *ud)
{
	struct ctrl_replicaset *c = ud;

	api_commit(c->a);
}

static bool crs_wanted(const cJSON *obj)
{
	return obj != NULL;
}

int ctrl_replicaset_start(struct api *a, struct ev_loop *loop, struct ctrl_replicaset **out)
{
	struct ctrl_replicaset *c = calloc(1, sizeof(*c));
	int err = -ENOMEM;

	if (!c)
		return -ENOMEM;
	c->a = a;
	c->q = ctrl_queue_new(loop, crs_sync, crs_after, c);
	c->later = c->q ? ctrl_later_new(loop, c->q) : NULL;
	c->ev = ctrl_events_new(a, "replicaset-controller");
	c->rs_inf = ctrl_informer_new(a->store, "/registry/replicasets/", &crs_rs_ops, c);
	c->pod_inf = ctrl_informer_new(a->store, "/registry/pods/", &crs_pod_ops, c);
	if (!c->q || !c->later || !c->ev || !c->rs_inf || !c->pod_inf)
		goto err;
	/* ReplicaSets first: the pods' initial list queues their owners */
	err = ctrl_informer_start(c->rs_inf);
	if (!err)
		err = ctrl_informer_start(c->pod_inf);
	if (err)
		goto err;
	ctrl_queue_resync(c->q, c->rs_inf, CRS_RESYNC, crs_wanted);
	*out = c;
	return 0;
err:
	ctrl_replicaset_stop(c);
	return err;
}

void ctrl_replicaset_stop(struct ctrl_replicaset *c)
{
	if (!c)
		return;
	ctrl_informer_free(c->pod_inf);
	ctrl_informer_free(c->rs_inf);
	ctrl_later_free(c->later);
	ctrl_queue_free(c->q);
	ctrl_events_free(c->ev);
	free(c);
}
