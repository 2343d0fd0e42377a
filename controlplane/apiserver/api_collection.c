/* api_collection: DELETE on a collection (the deletecollection verb).
 * As kube-apiserver's generic store: list what the selectors match, delete
 * each through the single-object delete pipeline (the type's hooks,
 * allocations released, a namespace marked Terminating), and answer the
 * list kind with the deleted objects as items. dryRun deletes nothing and
 * answers what would be deleted. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "selector.h"

struct delcol_ctx {
	struct selector *ls, *fs;
	cJSON *items; /* the matching objects, parsed */
};

static void delcol_one(void *ud, const struct store_kv *kv)
{
	struct delcol_ctx *c = ud;
	cJSON *obj = cJSON_Parse(kv->value);

	if (obj && api_match(c->ls, c->fs, obj))
		cJSON_AddItemToArray(c->items, obj);
	else
		cJSON_Delete(obj);
}

/* Stamp a deleted object's last state with the deletion revision. */
static void delcol_set_rv(cJSON *obj, int64_t rev)
{
	cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	char rv[24];

	snprintf(rv, sizeof(rv), "%lld", (long long)rev);
	cJSON_DeleteItemFromObjectCaseSensitive(md, "resourceVersion");
	cJSON_AddStringToObject(md, "resourceVersion", rv);
}

/* 403 before anything is deleted if the type forbids deleting one of
 * them (the namespaces the server needs): all or none. */
static bool delcol_forbidden(struct http_req *req, const struct res_type *rt, const cJSON *items)
{
	const struct res_type *st = res_stored(rt); /* a view's hooks are its storage's */
	const cJSON *o;
	char msg[700];

	cJSON_ArrayForEach(o, items)
	{
		const char *why = st->delete_forbidden ? st->delete_forbidden(o) : NULL;
		const char *name = json_str(o, "metadata.name") ?: "";
		cJSON *d;

		if (!why)
			continue;
		snprintf(msg, sizeof(msg), "%s \"%s\" is forbidden: %s", res_qualified(rt), name,
			 why);
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "name", name);
		if (rt->group[0])
			cJSON_AddStringToObject(d, "group", rt->group);
		cJSON_AddStringToObject(d, "kind", rt->plural);
		api_status(req, 403, "Forbidden", msg, d);
		return true;
	}
	return false;
}

/* Delete every listed object; items become their deleted states. Returns
 * the count deleted, or a negative errno after replying. */
static int delcol_delete(struct api *a, struct http_req *req, const struct res_type *rt,
			 cJSON *items)
{
	cJSON *o;
	int n = 0;

	cJSON_ArrayForEach(o, items)
	{
		const char *ns = json_str(o, "metadata.namespace") ?: "";
		const char *name = json_str(o, "metadata.name") ?: "";
		int64_t rev = api_store_delete(a, rt, ns, name, true);
		char key[600];
		const struct store_kv *kv;
		cJSON *cur;

		if (rev == -ENOENT)
			continue; /* gone already (an earlier cascade) */
		if (rev < 0) {
			api_status_store_err(a, req, rt, name, rev);
			return (int)rev;
		}
		n++;
		if (rev > 0) {
			delcol_set_rv(o, rev);
			continue;
		}
		/* marked, not removed (a Terminating namespace): its new state */
		api_key(key, sizeof(key), rt, ns, name);
		kv = store_get(a->store, key);
		cur = kv ? cJSON_Parse(kv->value) : NULL;
		if (cur)
			cJSON_ReplaceItemViaPointer(items, o, cur);
		o = cur ? cur : o;
	}
	return n;
}

void api_delete_collection(struct api *a, struct http_req *req, const struct api_target *t)
{
	struct delcol_ctx c = {0};
	cJSON *opts = NULL, *list = NULL, *md;
	char prefix[400], rv[24];
	bool dry = false;
	int n = 0;

	if (api_delete_opts_parse(req, &opts, &dry))
		return;
	if (api_selectors(req, t->rt, &c.ls, &c.fs))
		goto out;
	c.items = cJSON_CreateArray();
	api_prefix(prefix, sizeof(prefix), t->rt, t->has_ns ? t->ns : NULL);
	store_list(a->store, prefix, delcol_one, &c);
	snprintf(rv, sizeof(rv), "%lld", (long long)store_rev(a->store));
	if (delcol_forbidden(req, t->rt, c.items))
		goto out;
	if (!dry) {
		n = delcol_delete(a, req, t->rt, c.items);
		if (n < 0)
			goto out;
	}
	list = cJSON_CreateObject();
	cJSON_AddStringToObject(list, "kind", t->rt->list_kind);
	cJSON_AddStringToObject(list, "apiVersion", t->rt->api_version);
	md = cJSON_AddObjectToObject(list, "metadata");
	cJSON_AddStringToObject(md, "resourceVersion", rv);
	{
		cJSON *o;

		/* the stored objects, answered in the target's view */
		cJSON_ArrayForEach(o, c.items) res_view(t->rt, o);
	}
	cJSON_AddItemToObject(list, "items", c.items);
	c.items = NULL;
	api_reply_json(req, 200, list);
	/* answered once the deletions are durable, as a single delete is */
	if (n)
		http_req_defer(req);
out:
	cJSON_Delete(list);
	cJSON_Delete(c.items);
	cJSON_Delete(opts);
	sel_free(c.ls);
	sel_free(c.fs);
}
