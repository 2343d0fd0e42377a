/* ctrl_gc: kube-controller-manager's garbage collector over the types the
 * workloads own each other through (pods, ReplicaSets, Deployments,
 * StatefulSets, DaemonSets, Jobs, CronJobs, ControllerRevisions,
 * EndpointSlices, Services). An informer per type feeds an in-memory
 * index owner uid -> dependents; an object is looked at (per-type queue)
 * when it changes, when one of its owners goes, and, as an owner, when
 * one of its dependents goes:
 *   - a dependent none of whose owners exists any more (by uid: a new
 *     object of the same name is not the owner) is deleted (background:
 *     its own dependents follow the same way); one with a remaining owner
 *     loses the references to the gone ones;
 *   - an owner deleted with Orphan (finalizer orphan) has its dependents'
 *     references to it removed, then the finalizer, then goes;
 *   - an owner deleted with Foreground (finalizer foregroundDeletion) has
 *     its dependents deleted (in the foreground themselves when they own
 *     others) and goes when no dependent with blockOwnerDeletion is left.
 * An owner of a kind not watched here is looked up in the store (one
 * deleted with Foreground or Orphan is followed through the store's
 * events, its finalizer removed as any other's); a kind the server does
 * not serve is taken to exist (upstream cannot resolve it
 * either and leaves the dependent alone). */
#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apiserver/api.h"
#include "controllers.h"
#include "log.h"
#include "registry/res_util.h"
#include "strmap.h"

#define GC_RESYNC 60.0

static const struct {
	const char *group, *version, *plural;
} gc_types[] = {
    {"", "v1", "pods"},
    {"apps", "v1", "replicasets"},
    {"apps", "v1", "deployments"},
    {"apps", "v1", "statefulsets"},
    {"apps", "v1", "daemonsets"},
    {"apps", "v1", "controllerrevisions"},
    {"batch", "v1", "jobs"},
    {"batch", "v1", "cronjobs"},
    {"discovery.k8s.io", "v1", "endpointslices"},
    {"", "v1", "services"},
};
#define GC_NTYPES (sizeof(gc_types) / sizeof(gc_types[0]))

struct ctrl_gc;

struct gc_type {
	struct ctrl_gc *gc;
	const struct res_type *rt;
	struct ctrl_informer *inf;
	struct ctrl_queue *q;
};

/* one object that names an owner */
struct gc_dep {
	int type;
	char *key;
	struct gc_dep *next;
};

/* where an object with a given uid is */
struct gc_node {
	int type;
	char key[];
};

/* The type index of an owner of a kind not watched here, being deleted
 * with a policy: its key is its store key. */
#define GC_OTHER ((int)GC_NTYPES)

struct ctrl_gc {
	struct api *a;
	struct gc_type t[GC_NTYPES];
	struct strmap deps;   /* owner uid -> struct gc_dep list */
	struct strmap uids;   /* uid -> struct gc_node */
	struct strmap others; /* GC_OTHER store key -> its uid (malloc'ed) */
	struct ctrl_queue *other_q;
	char prefix[GC_NTYPES][300];
	bool subscribed;
};

/* ---- the index ---- */

static void gc_index(struct ctrl_gc *g, int type, const char *key, const cJSON *obj, bool add)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, RES_ARR(json_at(obj, "metadata.ownerReferences")))
	{
		const char *uid = json_str(r, "uid");
		struct gc_dep *head, **p, *d;

		if (!uid)
			continue;
		head = strmap_get(&g->deps, uid);
		for (p = &head; *p; p = &(*p)->next)
			if ((*p)->type == type && !strcmp((*p)->key, key))
				break;
		if (add && !*p) {
			d = calloc(1, sizeof(*d));
			if (!d || !(d->key = strdup(key))) {
				free(d);
				pr_err("garbage collector: out of memory indexing %s", key);
				continue;
			}
			d->type = type;
			d->next = head;
			head = d;
		} else if (!add && *p) {
			d = *p;
			*p = d->next;
			free(d->key);
			free(d);
		}
		if (head)
			strmap_put(&g->deps, uid, head, NULL);
		else
			strmap_del(&g->deps, uid);
	}
}

static void gc_queue_uid(struct ctrl_gc *g, const char *uid)
{
	const struct gc_node *n = uid ? strmap_get(&g->uids, uid) : NULL;

	if (n)
		ctrl_queue_add(n->type == GC_OTHER ? g->other_q : g->t[n->type].q, n->key);
}

static void gc_queue_dependents(struct ctrl_gc *g, const char *uid)
{
	for (struct gc_dep *d = uid ? strmap_get(&g->deps, uid) : NULL; d; d = d->next)
		ctrl_queue_add(g->t[d->type].q, d->key);
}

static bool gc_has_finalizer(const cJSON *obj, const char *fin)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, RES_ARR(json_at(obj, "metadata.finalizers")))
	{
		if (cJSON_IsString(f) && !strcmp(f->valuestring, fin))
			return true;
	}
	return false;
}

/* Being deleted with the Foreground or Orphan policy. */
static bool gc_deleting(const cJSON *obj)
{
	return json_at(obj, "metadata.deletionTimestamp") &&
	       (gc_has_finalizer(obj, API_FINALIZER_ORPHAN) ||
		gc_has_finalizer(obj, API_FINALIZER_FOREGROUND));
}

static void gc_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	struct gc_type *t = ud;
	struct ctrl_gc *g = t->gc;
	const char *uid = json_str(obj, "metadata.uid");
	struct gc_node *n;
	int type = (int)(t - g->t);

	if (old)
		gc_index(g, type, key, old, false);
	gc_index(g, type, key, obj, true);
	if (uid && !strmap_get(&g->uids, uid)) {
		n = malloc(sizeof(*n) + strlen(key) + 1);
		if (n) {
			n->type = type;
			strcpy(n->key, key);
			if (strmap_put(&g->uids, uid, n, NULL))
				free(n);
		}
	}
	if (json_at(obj, "metadata.ownerReferences") || gc_deleting(obj))
		ctrl_queue_add(t->q, key);
	/* a dependent whose references changed: owners waiting on it */
	if (old) {
		const cJSON *r;

		cJSON_ArrayForEach(r, RES_ARR(json_at(old, "metadata.ownerReferences")))
		    gc_queue_uid(g, json_str(r, "uid"));
	}
}

static void gc_remove(void *ud, const char *key, const cJSON *old)
{
	struct gc_type *t = ud;
	struct ctrl_gc *g = t->gc;
	const char *uid = json_str(old, "metadata.uid");
	const cJSON *r;

	gc_index(g, (int)(t - g->t), key, old, false);
	if (uid) {
		struct gc_node *n = strmap_get(&g->uids, uid);

		if (n && n->type == (int)(t - g->t) && !strcmp(n->key, key))
			free(strmap_del(&g->uids, uid));
	}
	/* its owners may be waiting for it, its dependents lost an owner */
	cJSON_ArrayForEach(r, RES_ARR(json_at(old, "metadata.ownerReferences")))
	    gc_queue_uid(g, json_str(r, "uid"));
	gc_queue_dependents(g, uid);
}

static const struct informer_ops gc_ops = {.upsert = gc_upsert, .remove = gc_remove};

/* ---- owners ---- */

enum gc_owner { GC_SOLID, GC_DANGLING, GC_WAITING };

/* The state of the owner ref names for a dependent in namespace ns. */
static enum gc_owner gc_owner_state(struct ctrl_gc *g, const char *ns, const cJSON *ref)
{
	const char *uid = json_str(ref, "uid"), *name = json_str(ref, "name");
	const struct res_type *rt;
	const struct gc_node *n;
	const struct store_kv *kv;
	const cJSON *owner = NULL;
	cJSON *parsed = NULL;
	enum gc_owner st;
	char key[600];

	if (!uid || !name)
		return GC_SOLID;
	n = strmap_get(&g->uids, uid);
	if (n && n->type != GC_OTHER) {
		owner = ctrl_informer_get(g->t[n->type].inf, n->key);
	} else {
		/* not indexed: a kind not watched, looked up as upstream's
		 * live GET does */
		rt =
		    res_lookup_kind(json_str(ref, "apiVersion") ?: "", json_str(ref, "kind") ?: "");
		if (!rt)
			return GC_SOLID;
		api_key(key, sizeof(key), rt, rt->namespaced ? ns : "", name);
		kv = store_get(g->a->store, key);
		if (!kv)
			return GC_DANGLING;
		owner = parsed = cJSON_Parse(kv->value);
		if (!owner)
			return GC_SOLID;
	}
	if (!owner || !json_str(owner, "metadata.uid") ||
	    strcmp(json_str(owner, "metadata.uid"), uid))
		st = GC_DANGLING;
	else if (json_at(owner, "metadata.deletionTimestamp") &&
		 gc_has_finalizer(owner, API_FINALIZER_FOREGROUND))
		st = GC_WAITING;
	else
		st = GC_SOLID;
	cJSON_Delete(parsed);
	return st;
}

/* obj without the references whose uid is in drop (a NULL-terminated
 * list), written. */
static int gc_drop_refs(struct ctrl_gc *g, const struct res_type *rt, const cJSON *obj,
			const char *const *drop)
{
	cJSON *dup = cJSON_Duplicate(obj, true), *md, *refs, *r, *next;
	int err;

	if (!dup)
		return -ENOMEM;
	md = cJSON_GetObjectItemCaseSensitive(dup, "metadata");
	refs = cJSON_GetObjectItemCaseSensitive(md, "ownerReferences");
	for (r = refs ? refs->child : NULL; r; r = next) {
		next = r->next;
		for (int i = 0; drop[i]; i++)
			if (json_str(r, "uid") && !strcmp(json_str(r, "uid"), drop[i])) {
				cJSON_Delete(cJSON_DetachItemViaPointer(refs, r));
				break;
			}
	}
	if (refs && !refs->child)
		cJSON_DeleteItemFromObjectCaseSensitive(md, "ownerReferences");
	err = ctrl_update(g->a, rt, "", dup, "cannot remove owner references");
	cJSON_Delete(dup);
	return err == -ENOENT ? 0 : err;
}

/* Delete obj: in the foreground when it owns others and an owner waits
 * for it, so the wait reaches down the chain. */
static int gc_delete(struct ctrl_gc *g, const struct res_type *rt, const cJSON *obj, bool fg)
{
	const char *uid = json_str(obj, "metadata.uid");
	bool owns = uid && strmap_get(&g->deps, uid);
	int64_t rev;

	rev = api_store_delete_policy(g->a, rt, json_str(obj, "metadata.namespace") ?: "",
				      json_str(obj, "metadata.name"),
				      fg && owns ? API_DELETE_FOREGROUND : "");
	if (rev < 0 && rev != -ENOENT) {
		pr_info("garbage collector: cannot delete %s %s/%s: %s", rt->kind,
			json_str(obj, "metadata.namespace") ?: "", json_str(obj, "metadata.name"),
			strerror((int)-rev));
		return (int)rev;
	}
	pr_debug("garbage collector: deleted %s %s/%s", rt->kind,
		 json_str(obj, "metadata.namespace") ?: "", json_str(obj, "metadata.name"));
	return 0;
}

/* attemptToDeleteItem */
static int gc_sync_dependent(struct gc_type *t, const cJSON *obj)
{
	struct ctrl_gc *g = t->gc;
	const char *ns = json_str(obj, "metadata.namespace") ?: "";
	const cJSON *refs = json_at(obj, "metadata.ownerReferences"), *r;
	int nref = cJSON_GetArraySize(refs), nsolid = 0, nwait = 0, ndrop = 0;
	const char **drop;
	int err = 0;

	if (!cJSON_IsArray(refs) || !nref || json_at(obj, "metadata.deletionTimestamp"))
		return 0;
	drop = calloc((size_t)nref + 1, sizeof(*drop));
	if (!drop)
		return -ENOMEM;
	cJSON_ArrayForEach(r, refs)
	{
		switch (gc_owner_state(g, ns, r)) {
		case GC_SOLID:
			nsolid++;
			break;
		case GC_WAITING:
			nwait++;
			drop[ndrop++] = json_str(r, "uid");
			break;
		case GC_DANGLING:
			drop[ndrop++] = json_str(r, "uid");
			break;
		}
	}
	if (nsolid && ndrop)
		err = gc_drop_refs(g, t->rt, obj, drop); /* the others still own it */
	else if (!nsolid)
		err = gc_delete(g, t->rt, obj, nwait > 0);
	free(drop);
	return err;
}

/* obj without finalizer fin, written; removed when no finalizer is
 * left (the API server keeps an object only for its finalizers). */
static int gc_finish(struct ctrl_gc *g, const struct res_type *rt, const cJSON *obj,
		     const char *fin)
{
	cJSON *dup = cJSON_Duplicate(obj, true), *md, *fins, *f, *next;
	int err;

	if (!dup)
		return -ENOMEM;
	md = cJSON_GetObjectItemCaseSensitive(dup, "metadata");
	fins = cJSON_GetObjectItemCaseSensitive(md, "finalizers");
	for (f = fins ? fins->child : NULL; f; f = next) {
		next = f->next;
		if (cJSON_IsString(f) && !strcmp(f->valuestring, fin))
			cJSON_Delete(cJSON_DetachItemViaPointer(fins, f));
	}
	if (fins && !fins->child) {
		cJSON_Delete(dup);
		return gc_delete(g, rt, obj, false);
	}
	err = ctrl_update(g->a, rt, "", dup, "cannot remove a finalizer");
	cJSON_Delete(dup);
	return err == -ENOENT ? 0 : err;
}

/* The dependent d's reference to uid, or NULL. */
static const cJSON *gc_ref_to(const cJSON *d, const char *uid)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, RES_ARR(json_at(d, "metadata.ownerReferences")))
	{
		if (json_str(r, "uid") && !strcmp(json_str(r, "uid"), uid))
			return r;
	}
	return NULL;
}

/* orphanDependents / processDeletingDependentsItem */
static int gc_sync_owner(struct ctrl_gc *g, const struct res_type *rt, const cJSON *obj)
{
	const char *uid = json_str(obj, "metadata.uid");
	bool orphan = gc_has_finalizer(obj, API_FINALIZER_ORPHAN);
	const char *drop[2] = {uid, NULL};
	int err = 0, r, blocking = 0;

	if (!uid)
		return 0;
	for (struct gc_dep *d = strmap_get(&g->deps, uid); d; d = d->next) {
		const struct gc_type *dt = &g->t[d->type];
		const cJSON *dep = ctrl_informer_get(dt->inf, d->key), *ref = gc_ref_to(dep, uid);

		if (!ref)
			continue;
		if (orphan) {
			r = gc_drop_refs(g, dt->rt, dep, drop);
		} else {
			if (cJSON_IsTrue(
				cJSON_GetObjectItemCaseSensitive(ref, "blockOwnerDeletion")))
				blocking++;
			r = json_at(dep, "metadata.deletionTimestamp")
				? 0
				: gc_delete(g, dt->rt, dep, true);
		}
		if (r)
			err = r;
	}
	if (err)
		return err;
	/* orphaned: the references are gone when these writes commit; the
	 * owner may go with them. Foreground: when nothing blocks it (the
	 * dependents' removals queue it again). */
	if (orphan)
		return gc_finish(g, rt, obj, API_FINALIZER_ORPHAN);
	return blocking ? 0 : gc_finish(g, rt, obj, API_FINALIZER_FOREGROUND);
}

static int gc_sync(void *ud, const char *key)
{
	struct gc_type *t = ud;
	const cJSON *obj = ctrl_informer_get(t->inf, key);
	int err = 0;

	if (!obj)
		return 0;
	if (gc_deleting(obj))
		err = gc_sync_owner(t->gc, t->rt, obj);
	if (!err)
		err = gc_sync_dependent(t, obj);
	return err;
}

/* ---- owners of other kinds ----
 * An object of a type not watched here deleted with Foreground or Orphan
 * (a ConfigMap, a custom resource) has the same finalizers to be removed.
 * Every committed change outside the watched prefixes is looked at (a
 * substring test first: most are not being deleted); such an owner is
 * indexed by uid as GC_OTHER under its store key, and synced from the
 * store. */

static void gc_other_forget(struct ctrl_gc *g, const char *skey)
{
	char *uid = strmap_del(&g->others, skey);
	struct gc_node *n = uid ? strmap_get(&g->uids, uid) : NULL;

	if (n && n->type == GC_OTHER && !strcmp(n->key, skey))
		free(strmap_del(&g->uids, uid));
	free(uid);
}

/* Is skey under one of the watched types' prefixes? */
static bool gc_watched(const struct ctrl_gc *g, const char *skey)
{
	for (size_t i = 0; i < GC_NTYPES; i++)
		if (!strncmp(skey, g->prefix[i], strlen(g->prefix[i])))
			return true;
	return false;
}

static void gc_other_seen(struct ctrl_gc *g, const char *skey, const char *value)
{
	cJSON *obj = NULL;
	const char *uid;
	struct gc_node *n;
	char *u;

	if (gc_watched(g, skey))
		return;
	if (value && strstr(value, "\"deletionTimestamp\"") &&
	    (strstr(value, API_FINALIZER_FOREGROUND) || strstr(value, API_FINALIZER_ORPHAN)))
		obj = cJSON_Parse(value);
	if (!obj || !gc_deleting(obj) || !(uid = json_str(obj, "metadata.uid"))) {
		if (strmap_get(&g->others, skey))
			gc_other_forget(g, skey);
		cJSON_Delete(obj);
		return;
	}
	if (!strmap_get(&g->others, skey)) {
		u = strdup(uid);
		n = malloc(sizeof(*n) + strlen(skey) + 1);
		if (!u || !n || strmap_put(&g->others, skey, u, NULL)) {
			free(u);
			free(n);
			cJSON_Delete(obj);
			return;
		}
		n->type = GC_OTHER;
		strcpy(n->key, skey);
		if (strmap_put(&g->uids, uid, n, NULL))
			free(n);
	}
	ctrl_queue_add(g->other_q, skey);
	cJSON_Delete(obj);
}

static void gc_on_event(void *ud, const struct store_event *ev)
{
	struct ctrl_gc *g = ud;

	if (ev->type == STORE_DELETED) {
		if (strmap_get(&g->others, ev->key))
			gc_other_forget(g, ev->key);
		/* an owner of another kind gone: its dependents lost it (parsed
		 * only while some object has an owner at all) */
		if (g->deps.n && !gc_watched(g, ev->key)) {
			cJSON *obj = cJSON_Parse(ev->value);

			gc_queue_dependents(g, json_str(obj, "metadata.uid"));
			cJSON_Delete(obj);
		}
		return;
	}
	gc_other_seen(g, ev->key, ev->value);
}

static void gc_on_kv(void *ud, const struct store_kv *kv)
{
	gc_other_seen(ud, kv->key, kv->value);
}

static int gc_other_sync(void *ud, const char *skey)
{
	struct ctrl_gc *g = ud;
	const struct store_kv *kv = store_get(g->a->store, skey);
	const struct res_type *rt;
	cJSON *obj = kv ? cJSON_Parse(kv->value) : NULL;
	int err = 0;

	rt = obj ? res_lookup_kind(json_str(obj, "apiVersion") ?: "", json_str(obj, "kind") ?: "")
		 : NULL;
	if (rt && gc_deleting(obj))
		err = gc_sync_owner(g, rt, obj);
	cJSON_Delete(obj);
	return err;
}

static void gc_other_after(void *ud)
{
	struct ctrl_gc *g = ud;

	api_commit(g->a);
}

static void gc_after(void *ud)
{
	struct gc_type *t = ud;

	api_commit(t->gc->a);
}

static bool gc_wanted(const cJSON *obj)
{
	return obj && (json_at(obj, "metadata.ownerReferences") ||
		       json_at(obj, "metadata.deletionTimestamp"));
}

static void gc_free_deps(void *ud, const char *key, void *val)
{
	struct gc_dep *d = val, *next;

	for (; d; d = next) {
		next = d->next;
		free(d->key);
		free(d);
	}
}

static void gc_free_node(void *ud, const char *key, void *val)
{
	free(val);
}

int ctrl_gc_start(struct api *a, struct ev_loop *loop, struct ctrl_gc **out)
{
	struct ctrl_gc *g = calloc(1, sizeof(*g));
	size_t i;
	int err = 0;

	if (!g)
		return -ENOMEM;
	g->a = a;
	strmap_init(&g->deps);
	strmap_init(&g->uids);
	strmap_init(&g->others);
	g->other_q = ctrl_queue_new(loop, gc_other_sync, gc_other_after, g);
	if (!g->other_q) {
		err = -ENOMEM;
		goto err;
	}
	for (i = 0; i < GC_NTYPES; i++) {
		struct gc_type *t = &g->t[i];
		char prefix[300];

		t->gc = g;
		t->rt = res_lookup(gc_types[i].group, gc_types[i].version, gc_types[i].plural);
		if (!t->rt) {
			err = -ENOENT;
			goto err;
		}
		api_prefix(prefix, sizeof(prefix), t->rt, "");
		snprintf(g->prefix[i], sizeof(g->prefix[i]), "%s", prefix);
		t->q = ctrl_queue_new(loop, gc_sync, gc_after, t);
		t->inf = ctrl_informer_new(a->store, prefix, &gc_ops, t);
		if (!t->q || !t->inf) {
			err = -ENOMEM;
			goto err;
		}
	}
	/* every cache filled before a sync runs (the queues run from the
	 * loop): an owner is found whatever order the types are listed in */
	for (i = 0; i < GC_NTYPES && !err; i++)
		err = ctrl_informer_start(g->t[i].inf);
	if (err)
		goto err;
	store_list(a->store, "/registry/", gc_on_kv, g);
	err = store_subscribe(a->store, gc_on_event, g);
	if (err)
		goto err;
	g->subscribed = true;
	for (i = 0; i < GC_NTYPES; i++)
		ctrl_queue_resync(g->t[i].q, g->t[i].inf, GC_RESYNC, gc_wanted);
	*out = g;
	return 0;
err:
	ctrl_gc_stop(g);
	return err;
}

void ctrl_gc_stop(struct ctrl_gc *g)
{
	if (!g)
		return;
	if (g->subscribed)
		store_unsubscribe(g->a->store, gc_on_event, g);
	ctrl_queue_free(g->other_q);
	for (size_t i = 0; i < GC_NTYPES; i++) {
		ctrl_informer_free(g->t[i].inf);
		ctrl_queue_free(g->t[i].q);
	}
	strmap_foreach(&g->deps, gc_free_deps, NULL);
	strmap_free(&g->deps);
	strmap_foreach(&g->uids, gc_free_node, NULL);
	strmap_free(&g->uids);
	strmap_foreach(&g->others, gc_free_node, NULL);
	strmap_free(&g->others);
	free(g);
}
