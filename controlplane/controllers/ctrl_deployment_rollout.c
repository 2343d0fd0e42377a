/* ctrl_deployment_rollout: one step of a Deployment's rollout over its
 * ReplicaSets, and its status. The arithmetic is upstream's
 * (pkg/controller/deployment: rolling.go, recreate.go, sync.go,
 * progress.go, util/deployment_util.go), names kept so the two read side
 * by side. One departure: an old ReplicaSet's available pods beyond its
 * spec.replicas (being deleted by the ReplicaSet controller, whose status
 * has not caught up yet) are not counted as available when deciding how
 * far to scale old ReplicaSets down, so a stale status can never take the
 * Deployment below replicas - maxUnavailable. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "apiserver/api.h"
#include "controllers.h"
#include "ctrl_deployment.h"
#include "jcmp.h"
#include "log.h"
#include "registry/res_util.h"

#define CD_PROGRESSING "Progressing"
#define CD_AVAILABLE   "Available"
#define R_NEW_RS       "NewReplicaSetCreated"
#define R_FOUND_NEW    "FoundNewReplicaSet"
#define R_UPDATED      "ReplicaSetUpdated"
#define R_AVAILABLE    "NewReplicaSetAvailable"
#define R_TIMED_OUT    "ProgressDeadlineExceeded"
#define R_PAUSED       "DeploymentPaused"
#define R_RESUMED      "DeploymentResumed"

/* ---- strategy arithmetic ---- */

/* GetScaledValueFromIntOrPercent: an int as is, "N%" of total rounded up
 * (surge) or down (unavailable). */
static long long cd_scaled(const cJSON *v, long long total, bool round_up)
{
	double pct;

	if (cJSON_IsNumber(v))
		return (long long)v->valuedouble;
	if (!cJSON_IsString(v))
		return 0;
	pct = strtod(v->valuestring, NULL) * (double)total / 100.0;
	return (long long)(round_up ? ceil(pct) : floor(pct));
}

static bool cd_rolling(const cJSON *d)
{
	const char *t = json_str(d, "spec.strategy.type");

	return !t || !strcmp(t, "RollingUpdate");
}

/* ResolveFenceposts: surge and unavailable, never both zero. */
static void cd_fenceposts(const cJSON *d, long long *surge, long long *unavail)
{
	const cJSON *ru = json_at(d, "spec.strategy.rollingUpdate");
	long long replicas = ctrl_int(d, "spec.replicas", 1);

	*surge = cd_scaled(json_at(ru, "maxSurge"), replicas, true);
	*unavail = cd_scaled(json_at(ru, "maxUnavailable"), replicas, false);
	if (!*surge && !*unavail)
		*unavail = 1;
}

static long long cd_max_surge(const cJSON *d)
{
	long long surge, unavail;

	if (!cd_rolling(d))
		return 0;
	cd_fenceposts(d, &surge, &unavail);
	return surge;
}

static long long cd_max_unavailable(const cJSON *d)
{
	long long surge, unavail, replicas = ctrl_int(d, "spec.replicas", 1);

	if (!cd_rolling(d) || !replicas)
		return 0;
	cd_fenceposts(d, &surge, &unavail);
	return unavail > replicas ? replicas : unavail;
}

static long long cd_avail(const struct cd_rs *r)
{
	return ctrl_int(r->obj, "status.availableReplicas", 0);
}

static long long cd_min(long long a, long long b)
{
	return a < b ? a : b;
}

/* ---- conditions ---- */

static cJSON *cd_cond(cJSON *conds, const char *type)
{
	cJSON *c;

	cJSON_ArrayForEach(c, conds)
	{
		if (json_str(c, "type") && !strcmp(json_str(c, "type"), type))
			return c;
	}
	return NULL;
}

static const char *cd_cond_reason(cJSON *conds, const char *type)
{
	return json_str(cd_cond(conds, type), "reason");
}

/* SetDeploymentCondition: the same status and reason again is no
 * change; the same status keeps its lastTransitionTime (so does a
 * Progressing=True refreshed with keep_transition). */
static void cd_cond_set(cJSON *conds, const char *type, const char *status, const char *reason,
			const char *msg, bool refresh)
{
	cJSON *cur = cd_cond(conds, type), *c;
	char now[32], since[32];
	const char *cs = json_str(cur, "status"), *cr = json_str(cur, "reason");

	if (!refresh && cur && cs && cr && !strcmp(cs, status) && !strcmp(cr, reason))
		return;
	api_meta_now(now);
	snprintf(since, sizeof(since), "%s", now);
	if (cur && cs && !strcmp(cs, status) && json_str(cur, "lastTransitionTime"))
		snprintf(since, sizeof(since), "%s", json_str(cur, "lastTransitionTime"));
	if (cur)
		cJSON_Delete(cJSON_DetachItemViaPointer(conds, cur));
	c = cJSON_CreateObject();
	if (!c)
		return;
	cJSON_AddStringToObject(c, "type", type);
	cJSON_AddStringToObject(c, "status", status);
	cJSON_AddStringToObject(c, "lastUpdateTime", now);
	cJSON_AddStringToObject(c, "lastTransitionTime", since);
	cJSON_AddStringToObject(c, "reason", reason);
	cJSON_AddStringToObject(c, "message", msg);
	cJSON_AddItemToArray(conds, c);
}

/* ---- scaling ---- */

static const struct res_type *cd_rs_type(void)
{
	return res_lookup("apps", "v1", "replicasets");
}

/* r is now obj, as this sync wrote it (its new resourceVersion): a
 * second write in the same sync must not conflict with the first. */
static void cd_keep(struct cd_state *s, struct cd_rs *r, cJSON *obj)
{
	if (!s->keep)
		s->keep = cJSON_CreateArray();
	if (!s->keep) {
		cJSON_Delete(obj);
		return;
	}
	cJSON_AddItemToArray(s->keep, obj);
	r->obj = obj;
}

/* scaleReplicaSet: spec.replicas and the replica annotations. Returns 1
 * when the size changed, 0 when not, -errno. */
static int cd_scale(struct cd_state *s, struct cd_rs *r, long long to)
{
	long long from = r->replicas;
	cJSON *dup, *spec;
	int err;

	dup = cJSON_Duplicate(r->obj, true);
	if (!dup)
		return -ENOMEM;
	spec = res_obj_child(dup, "spec");
	cJSON_DeleteItemFromObjectCaseSensitive(spec, "replicas");
	cJSON_AddNumberToObject(spec, "replicas", (double)to);
	cd_rs_annotations(cJSON_GetObjectItemCaseSensitive(dup, "metadata"), s->d, false, 0,
			  cd_max_surge(s->d));
	if (jcmp_equal(dup, r->obj) > 0) {
		cJSON_Delete(dup);
		return 0;
	}
	err = ctrl_update(s->c->a, cd_rs_type(), "", dup, "cannot scale");
	if (err) {
		cJSON_Delete(dup);
		return err;
	}
	cd_keep(s, r, dup);
	r->replicas = to;
	if (from == to)
		return 0;
	ctrl_event(s->c->ev, s->d, "Normal", "ScalingReplicaSet",
		   "Scaled %s replica set %s from %lld to %lld", to > from ? "up" : "down",
		   json_str(r->obj, "metadata.name"), from, to);
	return 1;
}

static bool cd_is_new(const struct cd_state *s, const struct cd_rs *r)
{
	return s->new_rs && r == s->new_rs;
}

static int cd_by_creation(const void *pa, const void *pb)
{
	const struct cd_rs *a = *(struct cd_rs *const *)pa, *b = *(struct cd_rs *const *)pb;
	int x = strcmp(json_str(a->obj, "metadata.creationTimestamp") ?: "",
		       json_str(b->obj, "metadata.creationTimestamp") ?: "");

	return x ? x
		 : strcmp(json_str(a->obj, "metadata.name") ?: "",
			  json_str(b->obj, "metadata.name") ?: "");
}

/* The old ReplicaSets, oldest first (NULL-terminated, malloc'ed). */
static struct cd_rs **cd_olds(struct cd_state *s, size_t *n)
{
	struct cd_rs **v = calloc(s->n + 1, sizeof(*v));

	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		if (!cd_is_new(s, &s->rs[i]))
			v[(*n)++] = &s->rs[i];
	qsort(v, *n, sizeof(*v), cd_by_creation);
	return v;
}

/* Sum of spec.replicas (as set by this sync) of every ReplicaSet. */
static long long cd_spec_sum(const struct cd_state *s, bool old_only)
{
	long long n = 0;

	for (size_t i = 0; i < s->n; i++)
		if (!old_only || !cd_is_new(s, &s->rs[i]))
			n += s->rs[i].replicas;
	if (!old_only && s->new_rs == &s->created_rs)
		n += s->created_rs.replicas;
	return n;
}

/* NewRSNewReplicas for RollingUpdate: up to replicas, within maxSurge. */
static long long cd_new_rs_replicas(const struct cd_state *s)
{
	long long replicas = ctrl_int(s->d, "spec.replicas", 1);
	long long cur = s->new_rs ? s->new_rs->replicas : 0;
	long long max_total = replicas + cd_max_surge(s->d), pods = cd_spec_sum(s, false);

	if (!cd_rolling(s->d))
		return replicas;
	if (pods >= max_total)
		return cur;
	return cur + cd_min(max_total - pods, replicas - cur);
}

/* ---- the new ReplicaSet and revisions ---- */

/* getNewReplicaSet: find the new ReplicaSet (the oldest whose template
 * is the Deployment's), bring its revision and annotations up to date, or
 * create it. Sets s->new_rs. */
static int cd_find_new(struct cd_state *s, bool create)
{
	const struct res_type *drt = res_lookup("apps", "v1", "deployments");
	const cJSON *tmpl = json_at(s->d, "spec.template");
	struct cd_rs **by = calloc(s->n + 1, sizeof(*by));
	long long max_old = 0, rev, replicas;
	char msg[400];
	cJSON *dup;
	int err = 0;

	if (!by)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++)
		by[i] = &s->rs[i];
	qsort(by, s->n, sizeof(*by), cd_by_creation);
	s->new_rs = NULL;
	for (size_t i = 0; i < s->n && !s->new_rs; i++)
		if (cd_template_equal(json_at(by[i]->obj, "spec.template"), tmpl))
			s->new_rs = by[i];
	free(by);
	for (size_t i = 0; i < s->n; i++)
		if (!cd_is_new(s, &s->rs[i]) && cd_revision(s->rs[i].obj) > max_old)
			max_old = cd_revision(s->rs[i].obj);
	rev = max_old + 1;
	if (s->new_rs) {
		dup = cJSON_Duplicate(s->new_rs->obj, true);
		if (!dup)
			return -ENOMEM;
		cd_rs_annotations(cJSON_GetObjectItemCaseSensitive(dup, "metadata"), s->d, true,
				  rev, cd_max_surge(s->d));
		/* the ReplicaSet follows the Deployment's minReadySeconds */
		json_copy_member(res_obj_child(dup, "spec"), json_at(s->d, "spec"),
				 "minReadySeconds");
		if (jcmp_equal(dup, s->new_rs->obj) <= 0)
			err = ctrl_update(s->c->a, cd_rs_type(), "", dup, "cannot update");
		rev = cd_revision(dup);
		if (err) {
			cJSON_Delete(dup);
			return err;
		}
		cd_keep(s, s->new_rs, dup);
		if (!cd_cond(s->conds, CD_PROGRESSING)) {
			snprintf(msg, sizeof(msg), "Found new replica set \"%s\"",
				 json_str(s->new_rs->obj, "metadata.name"));
			cd_cond_set(s->conds, CD_PROGRESSING, "True", R_FOUND_NEW, msg, false);
		}
	} else if (create) {
		s->created_rs.replicas = 0;
		s->new_rs = &s->created_rs;
		replicas = cd_new_rs_replicas(s);
		s->new_rs = NULL;
		s->created = cd_new_replicaset(s, rev, replicas, cd_max_surge(s->d), &err);
		if (!s->created)
			return err;
		s->created_rs.obj = s->created;
		s->created_rs.replicas = replicas;
		s->new_rs = &s->created_rs;
		if (replicas > 0)
			ctrl_event(s->c->ev, s->d, "Normal", "ScalingReplicaSet",
				   "Scaled up replica set %s from 0 to %lld",
				   json_str(s->created, "metadata.name"), replicas);
		snprintf(msg, sizeof(msg), "Created new replica set \"%s\"",
			 json_str(s->created, "metadata.name"));
		cd_cond_set(s->conds, CD_PROGRESSING, "True", R_NEW_RS, msg, false);
	} else {
		return 0;
	}
	/* the Deployment's revision is its new ReplicaSet's */
	if (cd_revision(s->d) != rev) {
		dup = cJSON_Duplicate(s->d, true);
		if (!dup)
			return -ENOMEM;
		snprintf(msg, sizeof(msg), "%lld", rev);
		cJSON *md = cJSON_GetObjectItemCaseSensitive(dup, "metadata"),
		      *ann = res_obj_child(md, "annotations");

		cJSON_DeleteItemFromObjectCaseSensitive(ann, CD_ANN_REVISION);
		cJSON_AddStringToObject(ann, CD_ANN_REVISION, msg);
		err = ctrl_update(s->c->a, drt, "", dup, "cannot set the revision");
		cJSON_Delete(dup);
	}
	return err;
}

/* cleanupDeployment: old ReplicaSets without replicas beyond
 * revisionHistoryLimit go, lowest revision first. */
static int cd_by_revision(const void *pa, const void *pb)
{
	long long a = cd_revision((*(struct cd_rs *const *)pa)->obj);
	long long b = cd_revision((*(struct cd_rs *const *)pb)->obj);

	return a < b ? -1 : a > b;
}

static int cd_cleanup(struct cd_state *s)
{
	long long limit = ctrl_int(s->d, "spec.revisionHistoryLimit", 10);
	size_t n = 0, k;
	struct cd_rs **v = calloc(s->n + 1, sizeof(*v));
	int err = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		const struct cd_rs *r = &s->rs[i];

		if (cd_is_new(s, r) || r->replicas || ctrl_int(r->obj, "status.replicas", 0) ||
		    json_at(r->obj, "metadata.deletionTimestamp"))
			continue;
		v[n++] = &s->rs[i];
	}
	qsort(v, n, sizeof(*v), cd_by_revision);
	for (k = 0; limit >= 0 && n > (size_t)limit && k < n - (size_t)limit; k++) {
		int64_t d = api_store_delete(s->c->a, cd_rs_type(),
					     json_str(v[k]->obj, "metadata.namespace"),
					     json_str(v[k]->obj, "metadata.name"), true);

		if (d < 0 && d != -ENOENT)
			err = (int)d;
	}
	free(v);
	return err;
}

/* ---- status ---- */

struct cd_sums {
	long long spec, replicas, updated, ready, available;
};

static void cd_sum(const struct cd_state *s, struct cd_sums *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < s->n; i++) {
		t->spec += s->rs[i].replicas;
		t->replicas += ctrl_int(s->rs[i].obj, "status.replicas", 0);
		t->ready += ctrl_int(s->rs[i].obj, "status.readyReplicas", 0);
		t->available += cd_avail(&s->rs[i]);
	}
	if (s->new_rs == &s->created_rs)
		t->spec += s->created_rs.replicas;
	if (s->new_rs)
		t->updated = ctrl_int(s->new_rs->obj, "status.replicas", 0);
}

/* DeploymentComplete (observedGeneration is the generation: this sync
 * writes it) */
static bool cd_complete(const struct cd_state *s, const struct cd_sums *t)
{
	long long replicas = ctrl_int(s->d, "spec.replicas", 1);

	return t->updated == replicas && t->replicas == replicas && t->available == replicas;
}

/* DeploymentProgressing: more updated, ready or available pods, or
 * fewer old ones, than the stored status says. */
static bool cd_progressing(const struct cd_state *s, const struct cd_sums *t)
{
	const cJSON *st = json_at(s->d, "status");
	long long ou = ctrl_int(st, "updatedReplicas", 0), orr = ctrl_int(st, "replicas", 0);

	return t->updated > ou || t->replicas - t->updated < orr - ou ||
	       t->ready > ctrl_int(st, "readyReplicas", 0) ||
	       t->available > ctrl_int(st, "availableReplicas", 0);
}

static bool cd_timed_out(const struct cd_state *s)
{
	const cJSON *c = cd_cond(s->conds, CD_PROGRESSING);
	const char *r = json_str(c, "reason");
	long long deadline = ctrl_int(s->d, "spec.progressDeadlineSeconds", 600);

	if (!c || !r || !strcmp(r, R_AVAILABLE))
		return false;
	if (!strcmp(r, R_TIMED_OUT))
		return true;
	return res_parse_time(json_str(c, "lastUpdateTime")) + deadline < time(NULL);
}

/* calculateStatus and syncRolloutStatus: write the status (conditions
 * included); a rollout not yet complete is looked at again when its
 * progress deadline passes (requeueStuckDeployment). */
static int cd_status(struct cd_state *s, bool rollout)
{
	const struct res_type *drt = res_lookup("apps", "v1", "deployments");
	long long replicas = ctrl_int(s->d, "spec.replicas", 1);
	long long deadline = ctrl_int(s->d, "spec.progressDeadlineSeconds", 600);
	const char *what = s->new_rs ? "ReplicaSet" : "Deployment";
	const char *name =
	    s->new_rs ? json_str(s->new_rs->obj, "metadata.name") : json_str(s->d, "metadata.name");
	const cJSON *cur;
	struct cd_sums t;
	char msg[400];
	cJSON *dup, *st;
	int err;

	cd_sum(s, &t);
	if (t.available >= replicas - cd_max_unavailable(s->d))
		cd_cond_set(s->conds, CD_AVAILABLE, "True", "MinimumReplicasAvailable",
			    "Deployment has minimum availability.", false);
	else
		cd_cond_set(s->conds, CD_AVAILABLE, "False", "MinimumReplicasUnavailable",
			    "Deployment does not have minimum availability.", false);
	cur = cd_cond(s->conds, CD_PROGRESSING);
	if (rollout && !(t.replicas == t.updated && json_str(cur, "reason") &&
			 !strcmp(json_str(cur, "reason"), R_AVAILABLE))) {
		if (cd_complete(s, &t)) {
			snprintf(msg, sizeof(msg), "%s \"%s\" has successfully progressed.", what,
				 name);
			cd_cond_set(s->conds, CD_PROGRESSING, "True", R_AVAILABLE, msg, false);
		} else if (cd_progressing(s, &t)) {
			snprintf(msg, sizeof(msg), "%s \"%s\" is progressing.", what, name);
			cd_cond_set(s->conds, CD_PROGRESSING, "True", R_UPDATED, msg, true);
		} else if (cd_timed_out(s)) {
			snprintf(msg, sizeof(msg), "%s \"%s\" has timed out progressing.", what,
				 name);
			cd_cond_set(s->conds, CD_PROGRESSING, "False", R_TIMED_OUT, msg, false);
		}
		cur = cd_cond(s->conds, CD_PROGRESSING);
		if (cur && strcmp(json_str(cur, "reason") ?: "", R_AVAILABLE) &&
		    strcmp(json_str(cur, "reason") ?: "", R_TIMED_OUT)) {
			double after = (double)(res_parse_time(json_str(cur, "lastUpdateTime")) +
						deadline - time(NULL));

			ctrl_later_add(s->c->later, s->key, after > 0 ? after + 1 : 1);
		}
	}
	dup = cJSON_Duplicate(s->d, true);
	if (!dup)
		return -ENOMEM;
	cJSON_DeleteItemFromObjectCaseSensitive(dup, "status");
	st = cJSON_AddObjectToObject(dup, "status");
	cJSON_AddNumberToObject(st, "observedGeneration",
				(double)ctrl_int(s->d, "metadata.generation", 1));
	cJSON_AddNumberToObject(st, "replicas", (double)t.replicas);
	cJSON_AddNumberToObject(st, "updatedReplicas", (double)t.updated);
	cJSON_AddNumberToObject(st, "readyReplicas", (double)t.ready);
	cJSON_AddNumberToObject(st, "availableReplicas", (double)t.available);
	if (t.spec > t.available)
		cJSON_AddNumberToObject(st, "unavailableReplicas", (double)(t.spec - t.available));
	cJSON_AddItemToObject(st, "conditions", cJSON_Duplicate(s->conds, true));
	if (json_at(s->d, "status.collisionCount"))
		cJSON_AddNumberToObject(st, "collisionCount",
					(double)ctrl_int(s->d, "status.collisionCount", 0));
	err = ctrl_update(s->c->a, drt, "status", dup, "cannot update status");
	cJSON_Delete(dup);
	return err == -ENOENT ? 0 : err;
}

/* ---- strategies ---- */

/* reconcileNewReplicaSet */
static int cd_reconcile_new(struct cd_state *s)
{
	long long replicas = ctrl_int(s->d, "spec.replicas", 1);

	if (s->new_rs->replicas == replicas)
		return 0;
	if (s->new_rs->replicas > replicas)
		return cd_scale(s, s->new_rs, replicas);
	return cd_scale(s, s->new_rs, cd_new_rs_replicas(s));
}

/* r down by k: *done += k, *scaled set if its size changed. 0 or -errno. */
static int cd_scale_down(struct cd_state *s, struct cd_rs *r, long long k, long long *done,
			 int *scaled)
{
	int err = cd_scale(s, r, r->replicas - k);

	if (err < 0)
		return err;
	*done += k;
	*scaled |= err;
	return 0;
}

/* cleanupUnhealthyReplicas, then scaleDownOldReplicaSetsForRollingUpdate */
static int cd_reconcile_old(struct cd_state *s)
{
	long long replicas = ctrl_int(s->d, "spec.replicas", 1);
	long long min_avail = replicas - cd_max_unavailable(s->d), all = cd_spec_sum(s, false);
	long long new_unavail, max_down, done = 0, avail = 0, total;
	struct cd_rs **old;
	size_t n;
	int err = 0, scaled = 0;

	if (!cd_spec_sum(s, true))
		return 0;
	new_unavail = s->new_rs->replicas - cd_min(cd_avail(s->new_rs), s->new_rs->replicas);
	max_down = all - min_avail - new_unavail;
	if (max_down <= 0)
		return 0;
	old = cd_olds(s, &n);
	if (!old)
		return -ENOMEM;
	for (size_t i = 0; i < n && done < max_down; i++) {
		long long unhealthy = old[i]->replicas - cd_min(cd_avail(old[i]), old[i]->replicas);

		if (!old[i]->replicas || unhealthy <= 0)
			continue;
		err = cd_scale_down(s, old[i], cd_min(max_down - done, unhealthy), &done, &scaled);
		if (err)
			goto out;
	}
	for (size_t i = 0; i < s->n; i++)
		avail += cd_min(cd_avail(&s->rs[i]), s->rs[i].replicas);
	if (avail <= min_avail)
		goto out;
	total = avail - min_avail;
	done = 0;
	for (size_t i = 0; i < n && done < total; i++) {
		if (!old[i]->replicas)
			continue;
		err = cd_scale_down(s, old[i], cd_min(old[i]->replicas, total - done), &done,
				    &scaled);
		if (err)
			goto out;
	}
out:
	free(old);
	return err ? err : scaled;
}

/* A complete rollout prunes the history. */
static int cd_cleanup_done(struct cd_state *s)
{
	struct cd_sums t;

	cd_sum(s, &t);
	return cd_complete(s, &t) ? cd_cleanup(s) : 0;
}

static int cd_rolling_update(struct cd_state *s)
{
	int r;

	r = cd_find_new(s, true);
	if (r < 0)
		return r;
	if (s->created)
		return cd_status(s, true);
	r = cd_reconcile_new(s);
	if (r < 0)
		return r;
	if (!r)
		r = cd_reconcile_old(s);
	if (r < 0)
		return r;
	if (!r && (r = cd_cleanup_done(s)) < 0)
		return r;
	return cd_status(s, true);
}

static int cd_recreate(struct cd_state *s)
{
	long long replicas = ctrl_int(s->d, "spec.replicas", 1);
	bool scaled = false, running = false;
	int r;

	r = cd_find_new(s, false);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s->n; i++) {
		if (cd_is_new(s, &s->rs[i]))
			continue;
		if (s->rs[i].replicas) {
			r = cd_scale(s, &s->rs[i], 0);
			if (r < 0)
				return r;
			scaled = true;
		}
		if (ctrl_int(s->rs[i].obj, "status.replicas", 0))
			running = true;
	}
	/* the new pods only once every old one is gone */
	if (scaled || running)
		return cd_status(s, true);
	if (!s->new_rs) {
		r = cd_find_new(s, true);
		if (r < 0)
			return r;
	} else if (s->new_rs->replicas != replicas) {
		r = cd_scale(s, s->new_rs, replicas);
		if (r < 0)
			return r;
	} else if ((r = cd_cleanup_done(s)) < 0) {
		return r;
	}
	return cd_status(s, true);
}

/* A paused Deployment: scaled (when it has one active ReplicaSet, the
 * new one), never rolled. */
static int cd_paused(struct cd_state *s)
{
	long long replicas = ctrl_int(s->d, "spec.replicas", 1);
	int r = cd_find_new(s, false);

	if (r < 0)
		return r;
	if (s->new_rs && !cd_spec_sum(s, true) && s->new_rs->replicas != replicas) {
		r = cd_scale(s, s->new_rs, replicas);
		if (r < 0)
			return r;
	}
	r = cd_cleanup(s);
	if (r < 0)
		return r;
	return cd_status(s, false);
}

int cd_reconcile(struct cd_state *s)
{
	const cJSON *conds = json_at(s->d, "status.conditions");
	bool paused = cJSON_IsTrue(json_at(s->d, "spec.paused"));
	const char *pr;

	for (size_t i = 0; i < s->n; i++)
		s->rs[i].replicas = ctrl_int(s->rs[i].obj, "spec.replicas", 1);
	s->conds = cJSON_IsArray(conds) ? cJSON_Duplicate(conds, true) : cJSON_CreateArray();
	if (!s->conds)
		return -ENOMEM;
	if (json_at(s->d, "metadata.deletionTimestamp")) {
		int r = cd_find_new(s, false);

		return r < 0 ? r : cd_status(s, false);
	}
	/* checkPausedConditions */
	pr = cd_cond_reason(s->conds, CD_PROGRESSING);
	if (paused && (!pr || strcmp(pr, R_PAUSED)))
		cd_cond_set(s->conds, CD_PROGRESSING, "Unknown", R_PAUSED, "Deployment is paused",
			    false);
	else if (!paused && pr && !strcmp(pr, R_PAUSED))
		cd_cond_set(s->conds, CD_PROGRESSING, "Unknown", R_RESUMED, "Deployment is resumed",
			    false);
	if (paused)
		return cd_paused(s);
	return cd_rolling(s->d) ? cd_rolling_update(s) : cd_recreate(s);
}

void cd_state_free(struct cd_state *s)
{
	cJSON_Delete(s->conds);
	cJSON_Delete(s->created);
	cJSON_Delete(s->keep);
	free(s->rs);
}
