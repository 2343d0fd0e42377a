/* ctrl_informer: lib/informer.h's contract over the store itself — the
 * initial list is the store's current state, the watch is its stream of
 * committed events (so a controller never sees a write that was rolled
 * back), and the cache is a hash of parsed objects by key. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "controllers.h"
#include "log.h"
#include "store/store.h"
#include "strmap.h"

struct ctrl_informer {
	struct store *st;
	char *prefix;
	size_t prefix_len;
	const struct informer_ops *ops;
	void *ud;
	struct strmap cache; /* key -> parsed object (cJSON *) */
	bool subscribed;
};

struct ctrl_informer *ctrl_informer_new(struct store *st, const char *prefix,
					const struct informer_ops *ops, void *ud)
{
	struct ctrl_informer *inf = calloc(1, sizeof(*inf));

	if (!inf)
		return NULL;
	inf->st = st;
	inf->prefix = strdup(prefix);
	inf->prefix_len = strlen(prefix);
	inf->ops = ops;
	inf->ud = ud;
	strmap_init(&inf->cache);
	if (!inf->prefix) {
		ctrl_informer_free(inf);
		return NULL;
	}
	return inf;
}

/* Store the new state of key (obj NULL: gone) and tell the controller. */
static void ci_apply(struct ctrl_informer *inf, const char *skey, const char *value)
{
	const char *key = skey + inf->prefix_len;
	cJSON *obj = value ? cJSON_Parse(value) : NULL, *old;
	void *prev;

	if (value && !obj) {
		pr_err("controllers: %s does not parse; ignored", skey);
		return;
	}
	if (!obj) {
		old = strmap_del(&inf->cache, key);
		if (old && inf->ops->remove)
			inf->ops->remove(inf->ud, key, old);
		cJSON_Delete(old);
		return;
	}
	if (strmap_put(&inf->cache, key, obj, &prev) < 0) {
		cJSON_Delete(obj);
		pr_err("controllers: out of memory caching %s", skey);
		return;
	}
	old = prev;
	if (inf->ops->upsert)
		inf->ops->upsert(inf->ud, key, obj, old);
	cJSON_Delete(old);
}

static void ci_on_kv(void *ud, const struct store_kv *kv)
{
	ci_apply(ud, kv->key, kv->value);
}

static void ci_on_event(void *ud, const struct store_event *ev)
{
	struct ctrl_informer *inf = ud;

	if (strncmp(ev->key, inf->prefix, inf->prefix_len))
		return;
	ci_apply(inf, ev->key, ev->type == STORE_DELETED ? NULL : ev->value);
}

int ctrl_informer_start(struct ctrl_informer *inf)
{
	int err;

	store_list(inf->st, inf->prefix, ci_on_kv, inf);
	if (inf->ops->synced)
		inf->ops->synced(inf->ud);
	err = store_subscribe(inf->st, ci_on_event, inf);
	if (err)
		return err;
	inf->subscribed = true;
	return 0;
}

static void ci_free_obj(void *ud, const char *key, void *val)
{
	cJSON_Delete(val);
}

void ctrl_informer_free(struct ctrl_informer *inf)
{
	if (!inf)
		return;
	if (inf->subscribed)
		store_unsubscribe(inf->st, ci_on_event, inf);
	strmap_foreach(&inf->cache, ci_free_obj, NULL);
	strmap_free(&inf->cache);
	free(inf->prefix);
	free(inf);
}

const cJSON *ctrl_informer_get(const struct ctrl_informer *inf, const char *key)
{
	return strmap_get(&inf->cache, key);
}

struct ci_each {
	void (*fn)(void *ud, const char *key, const cJSON *obj);
	void *ud;
};

static void ci_each_cb(void *ud, const char *key, void *val)
{
	struct ci_each *c = ud;

	c->fn(c->ud, key, val);
}

void ctrl_informer_foreach(const struct ctrl_informer *inf,
			   void (*fn)(void *ud, const char *key, const cJSON *obj), void *ud)
{
	struct ci_each c = {fn, ud};

	strmap_foreach(&inf->cache, ci_each_cb, &c);
}
