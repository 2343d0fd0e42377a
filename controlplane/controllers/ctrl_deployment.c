/* ctrl_deployment: kube-controller-manager's deployment controller. A
 * Deployment owns ReplicaSets (controller ownerReference, adopted and
 * released as the ReplicaSet controller does pods); the one whose
 * template equals the Deployment's (ignoring the pod-template-hash label)
 * is the new one, named `<deployment>-<hash of the template>`, the others
 * are old. RollingUpdate scales the new one up within maxSurge and the old
 * ones down within maxUnavailable (upstream's reconcileNewReplicaSet,
 * reconcileOldReplicaSets and their arithmetic); Recreate scales the old
 * ones to zero, waits for their pods to go, then scales the new one up.
 * Revisions are ReplicaSet annotations (kubectl rollout history/undo read
 * them); old ReplicaSets without replicas beyond revisionHistoryLimit are
 * deleted once a rollout completes. The status and its Available and
 * Progressing conditions follow upstream's syncRolloutStatus, messages
 * included. One sync makes one step (one scale) and reports it; the
 * ReplicaSets' events bring the next. The arithmetic over the ReplicaSets
 * is in ctrl_deployment_rollout.c. */
#include <errno.h>
#include <ev.h>
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

#define CD_RESYNC 30.0

static void cd_d_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	struct ctrl_deployment *c = ud;

	ctrl_queue_add(c->q, key);
}

static const struct informer_ops cd_d_ops = {.upsert = cd_d_upsert};

static void cd_rs_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	struct ctrl_deployment *c = ud;

	ctrl_queue_controller_of(c->q, c->d_inf, "Deployment", obj);
	if (old)
		ctrl_queue_controller_of(c->q, c->d_inf, "Deployment", old);
}

static void cd_rs_remove(void *ud, const char *key, const cJSON *old)
{
	struct ctrl_deployment *c = ud;

	ctrl_queue_controller_of(c->q, c->d_inf, "Deployment", old);
}

static const struct informer_ops cd_rs_ops = {.upsert = cd_rs_upsert, .remove = cd_rs_remove};

/* ---- pod-template-hash ---- */

/* obj printed with sorted keys, so the hash does not depend on the order
 * a client wrote the template in. Depth is bounded by the API's object
 * limits; past CD_HASH_DEPTH the rest is left out. */
#define CD_HASH_DEPTH 64

static uint32_t cd_fnv(uint32_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static int cd_key_cmp(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

static uint32_t cd_hash_value(uint32_t h, const cJSON *v, int depth)
{
	const cJSON *x, **kids;
	char *s;
	size_t n = 0, i = 0;

	if (depth > CD_HASH_DEPTH)
		return h;
	if (cJSON_IsArray(v)) {
		h = cd_fnv(h, "[", 1);
		cJSON_ArrayForEach(x, v)
		{
			h = cd_hash_value(h, x, depth + 1);
			h = cd_fnv(h, ",", 1);
		}
		return cd_fnv(h, "]", 1);
	}
	if (!cJSON_IsObject(v)) {
		s = cJSON_PrintUnformatted(v);
		if (s)
			h = cd_fnv(h, s, strlen(s));
		free(s);
		return h;
	}
	cJSON_ArrayForEach(x, v) n++;
	kids = calloc(n + 1, sizeof(*kids));
	if (!kids)
		return h;
	/* a null member is an absent one (Go's decoder) */
	cJSON_ArrayForEach(x, v) if (!cJSON_IsNull(x)) kids[i++] = x;
	n = i;
	qsort(kids, n, sizeof(*kids), cd_key_cmp);
	h = cd_fnv(h, "{", 1);
	for (i = 0; i < n; i++) {
		h = cd_fnv(h, kids[i]->string, strlen(kids[i]->string));
		h = cd_fnv(h, ":", 1);
		h = cd_hash_value(h, kids[i], depth + 1);
		h = cd_fnv(h, ",", 1);
	}
	free(kids);
	return cd_fnv(h, "}", 1);
}

/* upstream's ComputeHash: a 32-bit FNV-1a of the template (and of the
 * collision count, when there is one), its decimal digits mapped through
 * rand.SafeEncodeString's alphabet (no vowels, no look-alikes). */
void cd_template_hash(const cJSON *tmpl, long long collisions, bool has_collisions,
		      char out[CD_HASH_LEN])
{
	static const char alphanums[] = "bcdfghjklmnpqrstvwxz2456789";
	uint32_t h = cd_hash_value(2166136261u, tmpl, 0);
	char dec[16], cc[24];
	size_t i;

	if (has_collisions) {
		snprintf(cc, sizeof(cc), "%lld", collisions);
		h = cd_fnv(h, cc, strlen(cc));
	}
	snprintf(dec, sizeof(dec), "%u", h);
	for (i = 0; dec[i] && i < CD_HASH_LEN - 1; i++)
		out[i] = alphanums[(unsigned char)dec[i] % (sizeof(alphanums) - 1)];
	out[i] = 0;
}

/* ---- the new ReplicaSet ---- */

/* Drop the null members of v's objects: a client that serializes a Go
 * struct sends `creationTimestamp: null` in a template (kubectl rollout
 * undo does), which Go's decoder reads as absent. */
static void cd_strip_nulls(cJSON *v, int depth)
{
	cJSON *x, *next;

	if (depth > CD_HASH_DEPTH || !(cJSON_IsObject(v) || cJSON_IsArray(v)))
		return;
	for (x = v->child; x; x = next) {
		next = x->next;
		if (cJSON_IsNull(x) && cJSON_IsObject(v))
			cJSON_Delete(cJSON_DetachItemViaPointer(v, x));
		else
			cd_strip_nulls(x, depth + 1);
	}
}

bool cd_template_equal(const cJSON *rs_tmpl, const cJSON *d_tmpl)
{
	cJSON *a = cJSON_Duplicate(rs_tmpl, true), *b = cJSON_Duplicate(d_tmpl, true);
	cJSON *la, *lb;
	int eq;

	la = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a, "metadata"),
					      "labels");
	lb = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(b, "metadata"),
					      "labels");
	cJSON_DeleteItemFromObjectCaseSensitive(la, CD_HASH_LABEL);
	cJSON_DeleteItemFromObjectCaseSensitive(lb, CD_HASH_LABEL);
	cd_strip_nulls(a, 0);
	cd_strip_nulls(b, 0);
	eq = jcmp_equal(a, b);
	cJSON_Delete(a);
	cJSON_Delete(b);
	return eq > 0;
}

long long cd_revision(const cJSON *rs)
{
	const cJSON *ann = json_at(rs, "metadata.annotations");
	const char *r =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ann, CD_ANN_REVISION));
	return r ? strtoll(r, NULL, 10) : 0;
}

/* Annotations a ReplicaSet does not take from its Deployment (upstream's
 * skipCopyAnnotation). */
static bool cd_skip_annotation(const char *k)
{
	static const char *const skip[] = {"kubectl.kubernetes.io/last-applied-configuration",
					   CD_ANN_REVISION,
					   CD_ANN_HISTORY,
					   CD_ANN_DESIRED,
					   CD_ANN_MAX,
					   "deprecated.deployment.rollback.to",
					   NULL};

	for (int i = 0; skip[i]; i++)
		if (!strcmp(k, skip[i]))
			return true;
	return false;
}

static void cd_set_ann(cJSON *md, const char *k, const char *v)
{
	cJSON *ann = cJSON_GetObjectItemCaseSensitive(md, "annotations");

	if (!cJSON_IsObject(ann)) {
		cJSON_DeleteItemFromObjectCaseSensitive(md, "annotations");
		ann = cJSON_AddObjectToObject(md, "annotations");
	}
	cJSON_DeleteItemFromObjectCaseSensitive(ann, k);
	cJSON_AddStringToObject(ann, k, v);
}

static void cd_set_ann_num(cJSON *md, const char *k, long long v)
{
	char b[24];

	snprintf(b, sizeof(b), "%lld", v);
	cd_set_ann(md, k, b);
}

/* upstream's SetNewReplicaSetAnnotations and SetReplicasAnnotations on
 * rs's metadata: the Deployment's annotations (copy), the revision (if
 * non-zero) (the old one
 * appended to revision-history when it changes), desired and max
 * replicas. */
void cd_rs_annotations(cJSON *md, const cJSON *d, bool copy, long long revision,
		       long long max_surge)
{
	const cJSON *a;
	cJSON *ann;
	long long replicas = ctrl_int(d, "spec.replicas", 1);
	const char *cur, *hist;
	char buf[512];

	a = json_at(d, "metadata.annotations");
	if (copy && cJSON_IsObject(a))
		for (a = a->child; a; a = a->next)
			if (cJSON_IsString(a) && !cd_skip_annotation(a->string))
				cd_set_ann(md, a->string, a->valuestring);
	if (revision) {
		ann = cJSON_GetObjectItemCaseSensitive(md, "annotations");
		cur = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ann, CD_ANN_REVISION));
		if (cur && strtoll(cur, NULL, 10) < revision) {
			hist = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(ann, CD_ANN_HISTORY));
			if (hist && *hist)
				snprintf(buf, sizeof(buf), "%s,%s", hist, cur);
			else
				snprintf(buf, sizeof(buf), "%s", cur);
			cd_set_ann(md, CD_ANN_HISTORY, buf);
		}
		if (!cur || strtoll(cur, NULL, 10) < revision)
			cd_set_ann_num(md, CD_ANN_REVISION, revision);
	}
	cd_set_ann_num(md, CD_ANN_DESIRED, replicas);
	cd_set_ann_num(md, CD_ANN_MAX, replicas + max_surge);
}

/* The new ReplicaSet of d (hash label in its selector, template and
 * labels), with replicas; NULL when out of memory. */
static cJSON *cd_rs_new(const cJSON *d, const char *hash, long long revision, long long replicas,
			long long max_surge)
{
	cJSON *rs = cJSON_CreateObject(), *md, *spec, *sel, *ml, *tl, *tmd;
	char name[300];

	if (!rs)
		return NULL;
	cJSON_AddStringToObject(rs, "apiVersion", "apps/v1");
	cJSON_AddStringToObject(rs, "kind", "ReplicaSet");
	md = cJSON_AddObjectToObject(rs, "metadata");
	snprintf(name, sizeof(name), "%s-%s", json_str(d, "metadata.name"), hash);
	cJSON_AddStringToObject(md, "name", name);
	cJSON_AddStringToObject(md, "namespace", json_str(d, "metadata.namespace") ?: "");
	spec = cJSON_AddObjectToObject(rs, "spec");
	cJSON_AddNumberToObject(spec, "replicas", (double)replicas);
	if (json_at(d, "spec.minReadySeconds"))
		cJSON_AddNumberToObject(spec, "minReadySeconds",
					(double)ctrl_int(d, "spec.minReadySeconds", 0));
	sel = cJSON_Duplicate(json_at(d, "spec.selector"), true);
	cJSON_AddItemToObject(spec, "selector", sel);
	ml = cJSON_GetObjectItemCaseSensitive(sel, "matchLabels");
	if (!cJSON_IsObject(ml)) {
		cJSON_DeleteItemFromObjectCaseSensitive(sel, "matchLabels");
		ml = cJSON_AddObjectToObject(sel, "matchLabels");
	}
	cJSON_AddStringToObject(ml, CD_HASH_LABEL, hash);
	cJSON_AddItemToObject(spec, "template", cJSON_Duplicate(json_at(d, "spec.template"), true));
	tmd = res_obj_child(cJSON_GetObjectItemCaseSensitive(spec, "template"), "metadata");
	tl = res_obj_child(tmd, "labels");
	if (tl) {
		cJSON_DeleteItemFromObjectCaseSensitive(tl, CD_HASH_LABEL);
		cJSON_AddStringToObject(tl, CD_HASH_LABEL, hash);
		cJSON_AddItemToObject(md, "labels", cJSON_Duplicate(tl, true));
	}
	cJSON_AddItemToArray(cJSON_AddArrayToObject(md, "ownerReferences"), ctrl_owner_ref_new(d));
	cd_rs_annotations(md, d, true, revision, max_surge);
	return rs;
}

/* Create the new ReplicaSet (bumping status.collisionCount when its name
 * is taken by another template, as upstream). Returns the created object
 * (the caller frees it), NULL with *err. */
static cJSON *cd_create_new(struct ctrl_deployment *c, const cJSON *d, long long revision,
			    long long replicas, long long max_surge, int *err)
{
	const struct res_type *rt = res_lookup("apps", "v1", "replicasets");
	const cJSON *cc = json_at(d, "status.collisionCount");
	char hash[CD_HASH_LEN], msg[512];
	cJSON *rs;
	int code;

	cd_template_hash(json_at(d, "spec.template"), cc ? (long long)cc->valuedouble : 0,
			 cc != NULL, hash);
	rs = cd_rs_new(d, hash, revision, replicas, max_surge);
	if (!rs) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = api_store_create(c->a, rt, json_str(d, "metadata.namespace"), rs, &code, msg,
				sizeof(msg));
	if (!*err)
		return rs;
	cJSON_Delete(rs);
	if (*err == -EEXIST) {
		/* a ReplicaSet of another template holds the name: the next
		 * hash (upstream's collision avoidance) */
		cJSON *dup = cJSON_Duplicate(d, true), *st;

		if (!dup)
			return NULL;
		st = res_obj_child(dup, "status");
		cJSON_DeleteItemFromObjectCaseSensitive(st, "collisionCount");
		cJSON_AddNumberToObject(st, "collisionCount", cc ? cc->valuedouble + 1 : 1);
		ctrl_update(c->a, res_lookup("apps", "v1", "deployments"), "status", dup,
			    "cannot record a hash collision");
		cJSON_Delete(dup);
		*err = -EAGAIN;
		return NULL;
	}
	pr_info("deployment %s/%s: cannot create replica set: %s",
		json_str(d, "metadata.namespace"), json_str(d, "metadata.name"), msg);
	return NULL;
}

/* ---- the sync ---- */

static int cd_sync(void *ud, const char *key)
{
	struct ctrl_deployment *c = ud;
	const struct res_type *rsrt = res_lookup("apps", "v1", "replicasets");
	const cJSON *d = ctrl_informer_get(c->d_inf, key), *sel;
	struct cd_state s = {0};
	struct ctrl_objs all;
	int err = 0, r;

	if (!d)
		return 0; /* gone: the garbage collector removes its ReplicaSets */
	sel = json_at(d, "spec.selector");
	if (!sel || res_selector_empty(sel) || !res_selector_ok(sel))
		return 0;
	err = ctrl_objs_in(c->rs_inf, json_str(d, "metadata.namespace") ?: "", &all);
	if (err)
		return err;
	s.c = c;
	s.d = d;
	s.key = key;
	s.rs = calloc(all.n + 1, sizeof(*s.rs));
	if (!s.rs) {
		free(all.v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < all.n; i++) {
		r = ctrl_claim(c->a, rsrt, d, sel, all.v[i]);
		if (r < 0)
			err = r;
		else if (r)
			s.rs[s.n++].obj = all.v[i];
	}
	free(all.v);
	if (!err)
		err = cd_reconcile(&s);
	cd_state_free(&s);
	return err;
}

static void cd_after(void *ud)
{
	struct ctrl_deployment *c = ud;

	api_commit(c->a);
}

static bool cd_wanted(const cJSON *obj)
{
	return obj != NULL;
}

/* What creating the new ReplicaSet needs from this file. */
cJSON *cd_new_replicaset(struct cd_state *s, long long revision, long long replicas,
			 long long max_surge, int *err)
{
	return cd_create_new(s->c, s->d, revision, replicas, max_surge, err);
}

int ctrl_deployment_start(struct api *a, struct ev_loop *loop, struct ctrl_deployment **out)
{
	struct ctrl_deployment *c = calloc(1, sizeof(*c));
	int err = -ENOMEM;

	if (!c)
		return -ENOMEM;
	c->a = a;
	c->q = ctrl_queue_new(loop, cd_sync, cd_after, c);
	c->later = c->q ? ctrl_later_new(loop, c->q) : NULL;
	c->ev = ctrl_events_new(a, "deployment-controller");
	c->d_inf = ctrl_informer_new(a->store, "/registry/deployments/", &cd_d_ops, c);
	c->rs_inf = ctrl_informer_new(a->store, "/registry/replicasets/", &cd_rs_ops, c);
	if (!c->q || !c->later || !c->ev || !c->d_inf || !c->rs_inf)
		goto err;
	err = ctrl_informer_start(c->d_inf);
	if (!err)
		err = ctrl_informer_start(c->rs_inf);
	if (err)
		goto err;
	ctrl_queue_resync(c->q, c->d_inf, CD_RESYNC, cd_wanted);
	*out = c;
	return 0;
err:
	ctrl_deployment_stop(c);
	return err;
}

void ctrl_deployment_stop(struct ctrl_deployment *c)
{
	if (!c)
		return;
	ctrl_informer_free(c->rs_inf);
	ctrl_informer_free(c->d_inf);
	ctrl_later_free(c->later);
	ctrl_queue_free(c->q);
	ctrl_events_free(c->ev);
	free(c);
}
