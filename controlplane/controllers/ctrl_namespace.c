/* ctrl_namespace: upstream's namespace lifecycle. Deleting a namespace that
 * has finalizers (the "kubernetes" one is defaulted) only marks it
 * Terminating (res_core.c's delete_mark hook); this controller then deletes
 * every object in it through the API pipeline (allocations released, watch
 * events sent) and finally removes the namespace. A namespace deleted
 * without finalizers is gone at once; its contents are cleaned up the same
 * way, so nothing is left behind in a namespace that no longer exists. */
#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apiserver/api.h"
#include "controllers.h"
#include "log.h"

/* Terminating namespaces are looked at again this often, so one whose
 * cleanup was rolled back by a failed commit (no event follows) finishes. */
#define CN_RESYNC 30.0

struct ctrl_namespace {
	struct api *a;
	struct ctrl_informer *inf;
	struct ctrl_queue *q;
};

static bool cn_terminating(const cJSON *ns)
{
	return json_at(ns, "metadata.deletionTimestamp") != NULL;
}

static void cn_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	struct ctrl_namespace *c = ud;

	if (cn_terminating(obj))
		ctrl_queue_add(c->q, key);
}

static void cn_remove(void *ud, const char *key, const cJSON *old)
{
	struct ctrl_namespace *c = ud;

	ctrl_queue_add(c->q, key);
}

static const struct informer_ops cn_ops = {.upsert = cn_upsert, .remove = cn_remove};

struct cn_names {
	char **v;
	size_t n, cap;
	size_t skip; /* bytes of the store key before the name */
};

static void cn_collect(void *ud, const struct store_kv *kv)
{
	struct cn_names *c = ud;

	if (c->n < c->cap && (c->v[c->n] = strdup(kv->key + c->skip)))
		c->n++;
}

/* Delete every object of one type in namespace ns. 0, or -errno (a write
 * failed; the key is retried). */
static int cn_delete_all(struct ctrl_namespace *c, const struct res_type *rt, const char *ns)
{
	struct cn_names names = {0};
	char prefix[400];
	int err = 0;

	api_prefix(prefix, sizeof(prefix), rt, ns);
	names.cap = store_count(c->a->store, prefix);
	if (!names.cap)
		return 0;
	names.v = calloc(names.cap, sizeof(*names.v));
	if (!names.v)
		return -ENOMEM;
	names.skip = strlen(prefix);
	/* collect first: the store's tree must not change under its walk */
	store_list(c->a->store, prefix, cn_collect, &names);
	for (size_t i = 0; i < names.n; i++) {
		int64_t rev = api_store_delete(c->a, rt, ns, names.v[i], false);

		if (rev < 0 && rev != -ENOENT) {
			pr_err("namespace %s: cannot delete %s %s: %s", ns, rt->plural, names.v[i],
			       strerror((int)-rev));
			err = (int)rev;
		}
		free(names.v[i]);
	}
	free(names.v);
	return err;
}

/* The namespace is empty: take the "kubernetes" finalizer off; once no
 * finalizer is left (others are their owners' to remove), remove it. */
static int cn_finalize(struct ctrl_namespace *c, const char *name)
{
	const struct res_type *rt = res_lookup("", "v1", "namespaces");
	char key[300];
	const struct store_kv *kv;
	cJSON *obj, *fin;
	int64_t rev = 0;
	int left = 0;
	bool removed = false;

	snprintf(key, sizeof(key), "/registry/namespaces/%s", name);
	kv = store_get(c->a->store, key);
	if (!kv)
		return 0;
	obj = cJSON_Parse(kv->value);
	fin = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "spec"),
					       "finalizers");
	for (cJSON *f = fin ? fin->child : NULL, *next; f; f = next) {
		next = f->next;
		if (cJSON_IsString(f) && !strcmp(f->valuestring, "kubernetes")) {
			cJSON_Delete(cJSON_DetachItemViaPointer(fin, f));
			removed = true;
		} else {
			left++;
		}
	}
	if (!obj || !left) {
		cJSON_Delete(obj);
		rev = api_store_delete(c->a, rt, "", name, false);
		if (rev < 0 && rev != -ENOENT)
			return (int)rev;
		pr_info("namespace %s: emptied and removed", name);
		return 0;
	}
	/* still Terminating until its other finalizers are removed */
	if (removed)
		rev = api_put(c->a, key, obj, kv->mod_rev, false);
	cJSON_Delete(obj);
	return rev < 0 ? (int)rev : 0;
}

static int cn_sync(void *ud, const char *name)
{
	struct ctrl_namespace *c = ud;
	const cJSON *ns = ctrl_informer_get(c->inf, name);
	int err = 0;

	if (ns && !cn_terminating(ns))
		return 0; /* re-created, or never deleted */
	for (int i = 0; i < res_ntypes; i++) {
		int e;

		/* a view's objects are its storage's: emptied once, there */
		if (!res_types[i]->namespaced || res_types[i]->storage)
			continue;
		e = cn_delete_all(c, res_types[i], name);
		if (e)
			err = e;
	}
	if (err)
		return err;
	return ns ? cn_finalize(c, name) : 0;
}

static void cn_after(void *ud)
{
	struct ctrl_namespace *c = ud;

	api_commit(c->a);
}

int ctrl_namespace_start(struct api *a, struct ev_loop *loop, struct ctrl_namespace **out)
{
	struct ctrl_namespace *c = calloc(1, sizeof(*c));
	int err = -ENOMEM;

	if (!c)
		return -ENOMEM;
	c->a = a;
	c->q = ctrl_queue_new(loop, cn_sync, cn_after, c);
	c->inf = ctrl_informer_new(a->store, "/registry/namespaces/", &cn_ops, c);
	if (!c->q || !c->inf)
		goto err;
	/* the initial list queues namespaces left Terminating by a restart */
	err = ctrl_informer_start(c->inf);
	if (err)
		goto err;
	ctrl_queue_resync(c->q, c->inf, CN_RESYNC, cn_terminating);
	*out = c;
	return 0;
err:
	ctrl_informer_free(c->inf);
	ctrl_queue_free(c->q);
	free(c);
	return err;
}

void ctrl_namespace_stop(struct ctrl_namespace *c)
{
	if (!c)
		return;
	ctrl_informer_free(c->inf);
	ctrl_queue_free(c->q);
	free(c);
}
