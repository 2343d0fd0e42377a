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
#include "strhash.h"

struct ci_ent {
	char *key;
	cJSON *obj;
	struct ci_ent *next;
};

struct ctrl_informer {
	struct store *st;
	char *prefix;
	size_t prefix_len;
	const struct informer_ops *ops;
	void *ud;
	struct ci_ent **bucket; /* chained hash, power-of-two size, grown at load 1 */
	size_t nbucket, n;
	bool subscribed;
};

static struct ci_ent **ci_slot(const struct ctrl_informer *inf, const char *key)
{
	struct ci_ent **p = &inf->bucket[strhash(key) & (inf->nbucket - 1)];

	while (*p && strcmp((*p)->key, key))
		p = &(*p)->next;
	return p;
}

static int ci_grow(struct ctrl_informer *inf)
{
	size_t nb = inf->nbucket * 2;
	struct ci_ent **b = calloc(nb, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < inf->nbucket; i++) {
		for (struct ci_ent *e = inf->bucket[i], *next; e; e = next) {
			size_t j = strhash(e->key) & (nb - 1);

			next = e->next;
			e->next = b[j];
			b[j] = e;
		}
	}
	free(inf->bucket);
	inf->bucket = b;
	inf->nbucket = nb;
	return 0;
}

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
	inf->nbucket = 64;
	inf->bucket = calloc(inf->nbucket, sizeof(*inf->bucket));
	if (!inf->prefix || !inf->bucket) {
		ctrl_informer_free(inf);
		return NULL;
	}
	return inf;
}

/* Store the new state of key (obj NULL: gone) and tell the controller. */
static void ci_apply(struct ctrl_informer *inf, const char *skey, const char *value)
{
	const char *key = skey + inf->prefix_len;
	struct ci_ent **slot, *e;
	cJSON *obj = value ? cJSON_Parse(value) : NULL, *old;

	if (value && !obj) {
		pr_err("controllers: %s does not parse; ignored", skey);
		return;
	}
	slot = ci_slot(inf, key);
	e = *slot;
	if (!obj) {
		if (!e)
			return;
		*slot = e->next;
		inf->n--;
		if (inf->ops->remove)
			inf->ops->remove(inf->ud, key, e->obj);
		cJSON_Delete(e->obj);
		free(e->key);
		free(e);
		return;
	}
	if (!e) {
		if (inf->n >= inf->nbucket && ci_grow(inf) == 0)
			slot = ci_slot(inf, key);
		e = calloc(1, sizeof(*e));
		if (!e || !(e->key = strdup(key))) {
			free(e);
			cJSON_Delete(obj);
			pr_err("controllers: out of memory caching %s", skey);
			return;
		}
		*slot = e;
		inf->n++;
	}
	old = e->obj;
	e->obj = obj;
	if (inf->ops->upsert)
		inf->ops->upsert(inf->ud, e->key, obj, old);
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

void ctrl_informer_free(struct ctrl_informer *inf)
{
	if (!inf)
		return;
	if (inf->subscribed)
		store_unsubscribe(inf->st, ci_on_event, inf);
	for (size_t i = 0; inf->bucket && i < inf->nbucket; i++) {
		for (struct ci_ent *e = inf->bucket[i], *next; e; e = next) {
			next = e->next;
			cJSON_Delete(e->obj);
			free(e->key);
			free(e);
		}
	}
	free(inf->bucket);
	free(inf->prefix);
	free(inf);
}

const cJSON *ctrl_informer_get(const struct ctrl_informer *inf, const char *key)
{
	const struct ci_ent *e = *ci_slot(inf, key);

	return e ? e->obj : NULL;
}

void ctrl_informer_foreach(const struct ctrl_informer *inf,
			   void (*fn)(void *ud, const char *key, const cJSON *obj), void *ud)
{
	for (size_t i = 0; i < inf->nbucket; i++)
		for (const struct ci_ent *e = inf->bucket[i]; e; e = e->next)
			fn(ud, e->key, e->obj);
}
