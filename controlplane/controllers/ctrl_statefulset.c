/* ctrl_statefulset: kube-controller-manager's StatefulSet controller.
 *
 * A set of n replicas owns pods <set>-<start>..<set>-<start+n-1> (start:
 * spec.ordinals.start, default 0). Each pod is the template plus the
 * labels statefulset.kubernetes.io/pod-name, apps.kubernetes.io/pod-index
 * and controller-revision-hash, spec.hostname <pod> and spec.subdomain
 * spec.serviceName (its DNS name through the headless service), a
 * controller ownerReference with blockOwnerDeletion, and for each
 * volumeClaimTemplate T a volume T on the claim T-<set>-<i>, created before
 * the pod and owned by nobody (persistentVolumeClaimRetentionPolicy
 * Retain: claims outlive their pods, scale-down and the set).
 *
 * One sync, as upstream's updateStatefulSet: the replicas in ordinal order
 * — a missing pod is created (same name again after a deletion), a Failed
 * or Succeeded one deleted to be made again; with OrderedReady the sync
 * stops at the first pod it created or that is not Running and Ready (or
 * terminating), so pod i+1 waits for pod i; Parallel goes on. Then the
 * condemned (ordinals beyond the replicas) from the highest, one at a time
 * with OrderedReady. Then RollingUpdate: from the highest ordinal down to
 * spec.updateStrategy.rollingUpdate.partition, the first pod not at the
 * update revision is deleted (it comes back at it) and the sync waits for
 * each to be Running and Ready again; pods below the partition are made
 * from the current revision's template. OnDelete replaces nothing: a pod
 * deleted by the user comes back at the update revision.
 *
 * Status: replicas (pods that exist), readyReplicas, availableReplicas
 * (ready for minReadySeconds), currentReplicas/updatedReplicas (pods at
 * currentRevision/updateRevision), observedGeneration, collisionCount;
 * once every pod is updated and ready currentRevision becomes the update
 * revision — what `kubectl rollout status statefulset/x` reads.
 */
#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "apiserver/api.h"
#include "ctrl_statefulset.h"
#include "jcmp.h"
#include "log.h"

#define CSS_RESYNC	   30.0
#define CSS_LABEL_POD	   "statefulset.kubernetes.io/pod-name"
#define CSS_LABEL_INDEX	   "apps.kubernetes.io/pod-index"
#define CSS_LABEL_REVISION "controller-revision-hash"
#define CSS_MAX_ORDINAL	   100000

struct css_pod {
	long ord;
	const cJSON *pod;
};

struct css_pods {
	const char *ns, *uid, *set;
	struct css_pod *v;
	int n, cap;
};

/* ---- pod state ---- */

static bool css_terminating(const cJSON *pod)
{
	return json_at(pod, "metadata.deletionTimestamp") != NULL;
}

static bool css_phase_is(const cJSON *pod, const char *phase)
{
	const char *p = json_str(pod, "status.phase");

	return p && !strcmp(p, phase);
}

static const cJSON *css_ready_cond(const cJSON *pod)
{
	const cJSON *cnd;

	cJSON_ArrayForEach(cnd, json_at(pod, "status.conditions"))
	{
		const char *t = json_str(cnd, "type");

		if (t && !strcmp(t, "Ready"))
			return cnd;
	}
	return NULL;
}

/* isRunningAndReady */
static bool css_ready(const cJSON *pod)
{
	const cJSON *r = css_ready_cond(pod);
	const char *st = json_str(r, "status");

	return css_phase_is(pod, "Running") && st && !strcmp(st, "True");
}

/* Ready for at least min seconds (podutil.IsPodAvailable). */
static bool css_available(const cJSON *pod, long long min, time_t now)
{
	const char *since = json_str(css_ready_cond(pod), "lastTransitionTime");
	time_t t;

	if (!css_ready(pod))
		return false;
	if (min <= 0)
		return true;
	t = since ? res_parse_time(since) : 0;
	return t && t + min <= now;
}

static const char *css_pod_revision(const cJSON *pod)
{
	const cJSON *v =
	    cJSON_GetObjectItemCaseSensitive(json_at(pod, "metadata.labels"), CSS_LABEL_REVISION);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* ---- the set's pods ---- */

/* The ordinal of <set>-<n>, or -1. */
static long css_ordinal(const char *set, const char *pod)
{
	size_t sl = strlen(set);
	char *end;
	long v;

	if (strncmp(pod, set, sl) || pod[sl] != '-' || !pod[sl + 1])
		return -1;
	v = strtol(pod + sl + 1, &end, 10);
	if (*end || v < 0 || (pod[sl + 1] == '0' && pod[sl + 2]))
		return -1;
	return v;
}

static void css_pods_cb(void *ud, const char *key, const cJSON *pod)
{
	struct css_pods *s = ud;
	long ord;

	if (strcmp(json_str(pod, "metadata.namespace") ?: "", s->ns) || !css_owned_by(pod, s->uid))
		return;
	ord = css_ordinal(s->set, json_str(pod, "metadata.name") ?: "");
	if (ord < 0)
		return;
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 16;
		struct css_pod *g = realloc(s->v, (size_t)cap * sizeof(*g));

		if (!g)
			return;
		s->v = g;
		s->cap = cap;
	}
	s->v[s->n].ord = ord;
	s->v[s->n].pod = pod;
	s->n++;
}

static int css_pod_cmp(const void *a, const void *b)
{
	long x = ((const struct css_pod *)a)->ord, y = ((const struct css_pod *)b)->ord;

	return x < y ? -1 : x > y;
}

static const cJSON *css_pod_at(const struct css_pods *s, long ord)
{
	for (int i = 0; i < s->n; i++)
		if (s->v[i].ord == ord)
			return s->v[i].pod;
	return NULL;
}

static bool css_rev_in_use(void *ud, const char *rev)
{
	const struct css_pods *s = ud;

	for (int i = 0; i < s->n; i++)
		if (!strcmp(css_pod_revision(s->v[i].pod), rev))
			return true;
	return false;
}

/* ---- one sync's context ---- */

struct css_sync {
	struct ctrl_statefulset *c;
	const cJSON *set;
	const char *ns, *name;
	char upd[300], cur[300];
	const cJSON *cur_rev; /* the current revision, when cached */
	long partition;
	bool rolling;
};

static void css_set_str(cJSON *obj, const char *key, const char *val)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	cJSON_AddStringToObject(obj, key, val);
}

static cJSON *css_obj(cJSON *parent, const char *key)
{
	cJSON *o = cJSON_GetObjectItemCaseSensitive(parent, key);

	if (!cJSON_IsObject(o)) {
		cJSON_DeleteItemFromObjectCaseSensitive(parent, key);
		o = cJSON_AddObjectToObject(parent, key);
	}
	return o;
}

static void css_claim_name(const struct css_sync *s, const char *tmpl, long ord, char *buf,
			   size_t len)
{
	snprintf(buf, len, "%s-%s-%ld", tmpl, s->name, ord);
}

/* The claims of pod ord, created when missing (upstream's createPersistentVolumeClaims). */
static int css_claims(struct css_sync *s, long ord)
{
	struct ctrl_statefulset *c = s->c;
	const cJSON *t;
	char cname[300], key[600], pname[300], msg[512];

	snprintf(pname, sizeof(pname), "%s-%ld", s->name, ord);
	cJSON_ArrayForEach(t, json_at(s->set, "spec.volumeClaimTemplates"))
	{
		const char *tn = json_str(t, "metadata.name");
		const cJSON *ml = json_at(s->set, "spec.selector.matchLabels"), *l;
		cJSON *pvc, *md, *labels;
		int code = 0, err;

		if (!tn)
			continue;
		css_claim_name(s, tn, ord, cname, sizeof(cname));
		snprintf(key, sizeof(key), "%s/%s", s->ns, cname);
		if (ctrl_informer_get(c->claims, key))
			continue;
		pvc = cJSON_CreateObject();
		if (!pvc)
			return -ENOMEM;
		cJSON_AddStringToObject(pvc, "apiVersion", "v1");
		cJSON_AddStringToObject(pvc, "kind", "PersistentVolumeClaim");
		md = cJSON_AddObjectToObject(pvc, "metadata");
		cJSON_AddStringToObject(md, "name", cname);
		cJSON_AddStringToObject(md, "namespace", s->ns);
		labels = cJSON_Duplicate(json_at(t, "metadata.labels"), true);
		if (!cJSON_IsObject(labels)) {
			cJSON_Delete(labels);
			labels = cJSON_CreateObject();
		}
		/* the set's selector's labels, as upstream's getPersistentVolumeClaims */
		cJSON_ArrayForEach(l, ml)
		{
			if (cJSON_IsString(l))
				css_set_str(labels, l->string, l->valuestring);
		}
		cJSON_AddItemToObject(md, "labels", labels);
		if (json_at(t, "metadata.annotations"))
			cJSON_AddItemToObject(
			    md, "annotations",
			    cJSON_Duplicate(json_at(t, "metadata.annotations"), true));
		cJSON_AddItemToObject(pvc, "spec", cJSON_Duplicate(json_at(t, "spec"), true));
		err = api_store_create(c->a, c->pvc_rt, s->ns, pvc, &code, msg, sizeof(msg));
		cJSON_Delete(pvc);
		if (err == -EEXIST)
			continue;
		if (err) {
			ctrl_event(c->rec, s->set, "Warning", "FailedCreate",
				   "create Claim %s for Pod %s in StatefulSet %s failed error: %s",
				   cname, pname, s->name, msg);
			return err;
		}
		ctrl_event(c->rec, s->set, "Normal", "SuccessfulCreate",
			   "create Claim %s Pod %s in StatefulSet %s success", cname, pname,
			   s->name);
	}
	return 0;
}

/* newVersionedStatefulSetPod: below the partition the current revision's
 * template, else the set's own (the update revision). */
static cJSON *css_new_pod(struct css_sync *s, long ord)
{
	bool old = s->rolling && ord < s->partition && s->cur_rev && strcmp(s->cur, s->upd);
	cJSON *tmpl = old ? css_rev_template(s->cur_rev)
			  : cJSON_Duplicate(json_at(s->set, "spec.template"), true);
	cJSON *pod = cJSON_CreateObject(), *md, *labels, *spec, *vols, *t;
	char pname[300], idx[24], cname[300];

	if (!tmpl || !pod) {
		cJSON_Delete(tmpl);
		cJSON_Delete(pod);
		return NULL;
	}
	snprintf(pname, sizeof(pname), "%s-%ld", s->name, ord);
	snprintf(idx, sizeof(idx), "%ld", ord);
	cJSON_AddStringToObject(pod, "apiVersion", "v1");
	cJSON_AddStringToObject(pod, "kind", "Pod");
	md = cJSON_AddObjectToObject(pod, "metadata");
	cJSON_AddStringToObject(md, "name", pname);
	cJSON_AddStringToObject(md, "namespace", s->ns);
	labels = cJSON_Duplicate(json_at(tmpl, "metadata.labels"), true);
	if (!cJSON_IsObject(labels)) {
		cJSON_Delete(labels);
		labels = cJSON_CreateObject();
	}
	css_set_str(labels, CSS_LABEL_POD, pname);
	css_set_str(labels, CSS_LABEL_INDEX, idx);
	css_set_str(labels, CSS_LABEL_REVISION, old ? s->cur : s->upd);
	cJSON_AddItemToObject(md, "labels", labels);
	if (json_at(tmpl, "metadata.annotations"))
		cJSON_AddItemToObject(md, "annotations",
				      cJSON_Duplicate(json_at(tmpl, "metadata.annotations"), true));
	cJSON_AddItemToObject(md, "ownerReferences", css_owner_ref(s->set));
	spec = cJSON_DetachItemFromObjectCaseSensitive(tmpl, "spec");
	if (!cJSON_IsObject(spec)) {
		cJSON_Delete(spec);
		spec = cJSON_CreateObject();
	}
	cJSON_AddItemToObject(pod, "spec", spec);
	css_set_str(spec, "hostname", pname);
	if (json_str(s->set, "spec.serviceName") && *json_str(s->set, "spec.serviceName"))
		css_set_str(spec, "subdomain", json_str(s->set, "spec.serviceName"));
	/* updateStorage: a template volume of a claim template's name is replaced */
	vols = cJSON_GetObjectItemCaseSensitive(spec, "volumes");
	if (!cJSON_IsArray(vols)) {
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "volumes");
		vols = NULL;
	}
	cJSON_ArrayForEach(t, json_at(s->set, "spec.volumeClaimTemplates"))
	{
		const char *tn = json_str(t, "metadata.name");
		cJSON *v, *it;
		int i = 0, at = -1;

		if (!tn)
			continue;
		if (!vols)
			vols = cJSON_AddArrayToObject(spec, "volumes");
		cJSON_ArrayForEach(it, vols)
		{
			if (json_str(it, "name") && !strcmp(json_str(it, "name"), tn))
				at = i;
			i++;
		}
		css_claim_name(s, tn, ord, cname, sizeof(cname));
		v = cJSON_CreateObject();
		cJSON_AddStringToObject(v, "name", tn);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(v, "persistentVolumeClaim"),
					"claimName", cname);
		if (at >= 0)
			cJSON_ReplaceItemInArray(vols, at, v);
		else
			cJSON_AddItemToArray(vols, v);
	}
	cJSON_Delete(tmpl);
	return pod;
}

static int css_create_pod(struct css_sync *s, long ord)
{
	struct ctrl_statefulset *c = s->c;
	char msg[512];
	cJSON *pod;
	int code = 0, err;

	if ((err = css_claims(s, ord)))
		return err;
	pod = css_new_pod(s, ord);
	if (!pod)
		return -ENOMEM;
	err = api_store_create(c->a, c->pod_rt, s->ns, pod, &code, msg, sizeof(msg));
	if (err == -EEXIST)
		err = 0; /* made by us before its event came back */
	else if (err)
		ctrl_event(c->rec, s->set, "Warning", "FailedCreate",
			   "create Pod %s in StatefulSet %s failed error: %s",
			   json_str(pod, "metadata.name"), s->name, msg);
	else
		ctrl_event(c->rec, s->set, "Normal", "SuccessfulCreate",
			   "create Pod %s in StatefulSet %s successful",
			   json_str(pod, "metadata.name"), s->name);
	cJSON_Delete(pod);
	return err;
}

static int css_delete_pod(struct css_sync *s, const cJSON *pod)
{
	const char *pname = json_str(pod, "metadata.name") ?: "";
	/* graceful: the next pod of that ordinal waits for this one to stop
	 * (never two on one volume) */
	int64_t r = api_store_delete(s->c->a, s->c->pod_rt, s->ns, pname, true);

	if (r < 0 && r != -ENOENT) {
		ctrl_event(s->c->rec, s->set, "Warning", "FailedDelete",
			   "delete Pod %s in StatefulSet %s failed error: %s", pname, s->name,
			   strerror((int)-r));
		return (int)r;
	}
	ctrl_event(s->c->rec, s->set, "Normal", "SuccessfulDelete",
		   "delete Pod %s in StatefulSet %s successful", pname, s->name);
	return 0;
}

static long css_num(const cJSON *obj, const char *path, long dflt)
{
	const cJSON *v = json_at(obj, path);

	return cJSON_IsNumber(v) ? (long)v->valuedouble : dflt;
}

/* The pods: create, replace, condemn, roll. Returns 0 or -errno. */
static int css_pods_step(struct css_sync *s, struct css_pods *pods)
{
	bool monotonic = !json_str(s->set, "spec.podManagementPolicy") ||
			 strcmp(json_str(s->set, "spec.podManagementPolicy"), "Parallel");
	long replicas = css_num(s->set, "spec.replicas", 1);
	long start = css_num(s->set, "spec.ordinals.start", 0);
	int err;

	if (replicas < 0 || start < 0 || start + replicas > CSS_MAX_ORDINAL)
		return 0;
	for (long ord = start; ord < start + replicas; ord++) {
		const cJSON *pod = css_pod_at(pods, ord);

		if (pod && (css_phase_is(pod, "Failed") || css_phase_is(pod, "Succeeded")) &&
		    !css_terminating(pod)) {
			/* made again once its deletion is seen */
			if ((err = css_delete_pod(s, pod)))
				return err;
			if (monotonic)
				return 0;
			continue;
		}
		if (!pod) {
			if ((err = css_create_pod(s, ord)))
				return err;
			if (monotonic)
				return 0;
			continue;
		}
		/* a claim deleted under a live pod is made again for its next start */
		if ((err = css_claims(s, ord)))
			return err;
		if (monotonic && (css_terminating(pod) || !css_ready(pod)))
			return 0; /* wait for it to be Running and Ready */
	}
	/* condemned: beyond the replicas, the highest first */
	for (int i = pods->n - 1; i >= 0; i--) {
		long ord = pods->v[i].ord;

		if (ord >= start && ord < start + replicas)
			continue;
		if (css_terminating(pods->v[i].pod)) {
			if (monotonic)
				return 0;
			continue;
		}
		if ((err = css_delete_pod(s, pods->v[i].pod)))
			return err;
		if (monotonic)
			return 0;
	}
	if (!s->rolling)
		return 0;
	for (long ord = start + replicas - 1; ord >= start && ord >= s->partition; ord--) {
		const cJSON *pod = css_pod_at(pods, ord);

		if (!pod)
			return 0;
		if (strcmp(css_pod_revision(pod), s->upd) && !css_terminating(pod))
			return css_delete_pod(s, pod);
		if (css_terminating(pod) || !css_ready(pod))
			return 0;
	}
	return 0;
}

static int css_status(struct css_sync *s, const struct css_pods *pods)
{
	long long min = css_num(s->set, "spec.minReadySeconds", 0);
	long replicas = css_num(s->set, "spec.replicas", 1);
	long n = 0, ready = 0, avail = 0, current = 0, updated = 0;
	const char *cur = s->cur;
	time_t now = time(NULL);
	cJSON *set, *st;
	char msg[512];
	int code = 0, err = 0;

	for (int i = 0; i < pods->n; i++) {
		const cJSON *pod = pods->v[i].pod;
		const char *rev = css_pod_revision(pod);

		n++;
		ready += css_ready(pod);
		avail += css_available(pod, min, now);
		current += !strcmp(rev, s->cur);
		updated += !strcmp(rev, s->upd);
	}
	/* completeRollingUpdate */
	if (s->rolling && updated == n && ready == n && n == replicas) {
		cur = s->upd;
		current = updated;
	}
	set = cJSON_Duplicate(s->set, true);
	if (!set)
		return -ENOMEM;
	st = css_obj(set, "status");
	cJSON_DeleteItemFromObjectCaseSensitive(st, "observedGeneration");
	cJSON_AddNumberToObject(st, "observedGeneration",
				css_num(s->set, "metadata.generation", 0));
	cJSON_DeleteItemFromObjectCaseSensitive(st, "replicas");
	cJSON_AddNumberToObject(st, "replicas", (double)n);
	cJSON_DeleteItemFromObjectCaseSensitive(st, "readyReplicas");
	cJSON_AddNumberToObject(st, "readyReplicas", (double)ready);
	cJSON_DeleteItemFromObjectCaseSensitive(st, "currentReplicas");
	cJSON_AddNumberToObject(st, "currentReplicas", (double)current);
	cJSON_DeleteItemFromObjectCaseSensitive(st, "updatedReplicas");
	cJSON_AddNumberToObject(st, "updatedReplicas", (double)updated);
	cJSON_DeleteItemFromObjectCaseSensitive(st, "availableReplicas");
	cJSON_AddNumberToObject(st, "availableReplicas", (double)avail);
	css_set_str(st, "currentRevision", cur);
	css_set_str(st, "updateRevision", s->upd);
	if (!cJSON_GetObjectItemCaseSensitive(st, "collisionCount"))
		cJSON_AddNumberToObject(st, "collisionCount", 0);
	if (jcmp_equal(st, json_at(s->set, "status")) <= 0 &&
	    api_store_update(s->c->a, s->c->set_rt, s->ns, "status", set, 0, &code, msg,
			     sizeof(msg)) < 0 &&
	    code != 404) {
		pr_warn("statefulset %s/%s: status: %s", s->ns, s->name, msg);
		err = -EAGAIN;
	}
	cJSON_Delete(set);
	return err;
}

static int css_sync_set(void *ud, const char *key)
{
	struct ctrl_statefulset *c = ud;
	struct css_sync s = {.c = c, .set = ctrl_informer_get(c->sets, key)};
	struct css_pods pods = {0};
	const cJSON **revs = NULL, *found = NULL;
	const char *cur, *type;
	int n, err;

	if (!s.set || css_terminating(s.set))
		return 0;
	s.ns = json_str(s.set, "metadata.namespace") ?: "";
	s.name = json_str(s.set, "metadata.name") ?: "";
	type = json_str(s.set, "spec.updateStrategy.type");
	s.rolling = !type || !strcmp(type, "RollingUpdate");
	s.partition = css_num(s.set, "spec.updateStrategy.rollingUpdate.partition", 0);
	if ((err = css_update_revision(c, s.set, s.upd, sizeof(s.upd), &found)))
		return err;
	/* the current revision: the status's while it still exists */
	cur = json_str(s.set, "status.currentRevision");
	snprintf(s.cur, sizeof(s.cur), "%s", s.upd);
	n = css_revisions(c, s.set, &revs);
	for (int i = 0; cur && *cur && i < n; i++) {
		if (!strcmp(json_str(revs[i], "metadata.name") ?: "", cur)) {
			snprintf(s.cur, sizeof(s.cur), "%s", cur);
			s.cur_rev = revs[i];
		}
	}
	pods.ns = s.ns;
	pods.uid = json_str(s.set, "metadata.uid") ?: "";
	pods.set = s.name;
	ctrl_informer_foreach(c->pods, css_pods_cb, &pods);
	if (pods.n)
		qsort(pods.v, (size_t)pods.n, sizeof(*pods.v), css_pod_cmp);
	err = css_pods_step(&s, &pods);
	if (!err)
		err = css_status(&s, &pods);
	if (!err)
		css_truncate_history(c, s.set, s.cur, s.upd, css_rev_in_use, &pods);
	free(revs);
	free(pods.v);
	return err;
}

/* ---- informers ---- */

/* Queue the set that controls obj ("ns/<owner name>"). */
static void css_queue_owner(struct ctrl_statefulset *c, const cJSON *obj)
{
	const cJSON *r;
	char key[600];

	cJSON_ArrayForEach(r, json_at(obj, "metadata.ownerReferences"))
	{
		const char *kind = json_str(r, "kind"), *name = json_str(r, "name");

		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "controller")) || !kind ||
		    strcmp(kind, "StatefulSet") || !name)
			continue;
		snprintf(key, sizeof(key), "%s/%s", json_str(obj, "metadata.namespace") ?: "",
			 name);
		ctrl_queue_add(c->q, key);
	}
}

static void css_set_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	struct ctrl_statefulset *c = ud;

	ctrl_queue_add(c->q, key);
}

static void css_owned_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	css_queue_owner(ud, obj);
}

static void css_owned_remove(void *ud, const char *key, const cJSON *old)
{
	css_queue_owner(ud, old);
}

static const struct informer_ops css_set_ops = {.upsert = css_set_upsert};
static const struct informer_ops css_owned_ops = {.upsert = css_owned_upsert,
						  .remove = css_owned_remove};
static const struct informer_ops css_claim_ops = {0};

static bool css_wanted(const cJSON *set)
{
	return set && !css_terminating(set);
}

static void css_after(void *ud)
{
	struct ctrl_statefulset *c = ud;

	api_commit(c->a);
}

void ctrl_statefulset_stop(struct ctrl_statefulset *c)
{
	if (!c)
		return;
	ctrl_informer_free(c->sets);
	ctrl_informer_free(c->pods);
	ctrl_informer_free(c->revs);
	ctrl_informer_free(c->claims);
	ctrl_queue_free(c->q);
	ctrl_events_free(c->rec);
	free(c);
}

int ctrl_statefulset_start(struct api *a, struct ev_loop *loop, struct ctrl_statefulset **out)
{
	struct ctrl_statefulset *c = calloc(1, sizeof(*c));
	int err = -ENOMEM;

	if (!c)
		return -ENOMEM;
	c->a = a;
	c->set_rt = res_lookup("apps", "v1", "statefulsets");
	c->rev_rt = res_lookup("apps", "v1", "controllerrevisions");
	c->pod_rt = res_lookup("", "v1", "pods");
	c->pvc_rt = res_lookup("", "v1", "persistentvolumeclaims");
	c->q = ctrl_queue_new(loop, css_sync_set, css_after, c);
	c->rec = ctrl_events_new(a, "statefulset-controller");
	c->claims =
	    ctrl_informer_new(a->store, "/registry/persistentvolumeclaims/", &css_claim_ops, c);
	c->revs = ctrl_informer_new(a->store, "/registry/controllerrevisions/", &css_owned_ops, c);
	c->pods = ctrl_informer_new(a->store, "/registry/pods/", &css_owned_ops, c);
	c->sets = ctrl_informer_new(a->store, "/registry/statefulsets/", &css_set_ops, c);
	if (!c->set_rt || !c->rev_rt || !c->pod_rt || !c->pvc_rt || !c->q || !c->rec ||
	    !c->claims || !c->revs || !c->pods || !c->sets)
		goto err;
	/* what the sets own first: their first syncs read it */
	if ((err = ctrl_informer_start(c->claims)) || (err = ctrl_informer_start(c->revs)) ||
	    (err = ctrl_informer_start(c->pods)) || (err = ctrl_informer_start(c->sets)))
		goto err;
	ctrl_queue_resync(c->q, c->sets, CSS_RESYNC, css_wanted);
	*out = c;
	return 0;
err:
	ctrl_statefulset_stop(c);
	return err;
}
