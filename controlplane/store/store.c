/* store: in-memory watch cache + history ring over a durable backend.
 * See store.h for the contract. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "log.h"
#include "store.h"
#include "store_tree.h"

/* One retained history event (owns its strings). The revisions of `prev`
 * let a failed batch be rolled back without reading the disk. */
struct shist {
	struct store_event ev;
	int64_t prev_create_rev, prev_mod_rev;
};

struct store_sub {
	store_event_cb cb;
	void *ud;
};

/* Hard cap on retained events whatever their age, so that a write storm
 * cannot grow the ring without bound (each event holds two documents). */
#define STORE_HISTORY_HARD_MAX 200000

struct store {
	void *be;
	const struct store_backend_ops *ops;
	struct stree tree; /* current objects by key (store_tree.h) */
	size_t nobjs;
	int64_t rev;	       /* last revision handed out */
	int64_t committed_rev; /* last durable revision */
	int64_t compact_rev;   /* history starts after this */
	/* history ring: hist[(hstart + i) % hcap], i < hlen */
	struct shist *hist;
	size_t hstart, hlen, hcap;
	size_t hist_min;
	int hist_secs;
	struct store_sub *subs;
	size_t nsubs;
	bool dispatching;
	int batch_err;	       /* first backend error of the open batch */
	uint64_t corrupt_rows; /* skipped at load */
	uint64_t rolled_back;  /* writes undone by failed commits */
	char id[STORE_ID_MAX];
};

static void sobj_free(struct sobj *o)
{
	free(o->key);
	free(o->value);
	free(o);
}

static struct sobj *store_find(const struct store *st, const char *key)
{
	return stree_find(&st->tree, key);
}

static struct shist *hist_at(const struct store *st, size_t i)
{
	return &st->hist[(st->hstart + i) % st->hcap];
}

static void hist_free_ev(struct shist *h)
{
	free((char *)h->ev.key);
	free((char *)h->ev.value);
	free((char *)h->ev.prev);
	memset(h, 0, sizeof(*h));
}

static int hist_push(struct store *st, const struct store_event *ev, int64_t prev_create_rev,
		     int64_t prev_mod_rev)
{
	struct shist *h;

	if (st->hlen == st->hcap) {
		size_t ncap = st->hcap ? st->hcap * 2 : 1024;
		struct shist *n = calloc(ncap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		for (size_t i = 0; i < st->hlen; i++)
			n[i] = *hist_at(st, i);
		free(st->hist);
		st->hist = n;
		st->hstart = 0;
		st->hcap = ncap;
	}
	h = &st->hist[(st->hstart + st->hlen) % st->hcap];
	h->ev = *ev;
	h->prev_create_rev = prev_create_rev;
	h->prev_mod_rev = prev_mod_rev;
	h->ev.key = strdup(ev->key);
	h->ev.value = ev->value ? strdup(ev->value) : NULL;
	h->ev.prev = ev->prev ? strdup(ev->prev) : NULL;
	if (!h->ev.key || (ev->value && !h->ev.value) || (ev->prev && !h->ev.prev)) {
		hist_free_ev(h);
		return -ENOMEM;
	}
	st->hlen++;
	return 0;
}

static void hist_pop_front(struct store *st)
{
	struct shist *h = hist_at(st, 0);

	st->compact_rev = h->ev.rev;
	hist_free_ev(h);
	st->hstart = (st->hstart + 1) % st->hcap;
	st->hlen--;
}

/* Replace the cache entry for key (value NULL deletes); takes `value`, a
 * malloc'ed string, also on failure. On failure the entry is unchanged. */
static int cache_adopt(struct store *st, const char *key, char *value, int64_t create_rev,
		       int64_t mod_rev)
{
	struct sobj *o = store_find(st, key);

	if (!value) {
		if (o) {
			stree_remove(&st->tree, o);
			sobj_free(o);
			st->nobjs--;
		}
		return 0;
	}
	if (!o) {
		o = calloc(1, sizeof(*o));
		if (!o || !(o->key = strdup(key))) {
			free(o);
			free(value);
			return -ENOMEM;
		}
		stree_insert(&st->tree, o);
		st->nobjs++;
	}
	free(o->value);
	o->value = value;
	o->kv.key = o->key;
	o->kv.value = o->value;
	o->kv.value_len = strlen(value);
	o->kv.create_rev = create_rev;
	o->kv.mod_rev = mod_rev;
	return 0;
}

/* Copy a value into the cache (value NULL deletes). */
static int cache_set(struct store *st, const char *key, const char *value, int64_t create_rev,
		     int64_t mod_rev)
{
	char *v = NULL;

	if (value && !(v = strdup(value)))
		return -ENOMEM;
	return cache_adopt(st, key, v, create_rev, mod_rev);
}

/* Every stored value is one serialized object; anything else (a damaged
 * or hand-edited row) would be spliced raw into LIST and watch output. */
static bool load_is_object(const char *value)
{
	cJSON *o = value ? cJSON_Parse(value) : NULL;
	bool ok = cJSON_IsObject(o);

	cJSON_Delete(o);
	return ok;
}

static void load_skip(struct store *st, const char *what, const char *key, int64_t rev,
		      const char *why)
{
	st->corrupt_rows++;
	pr_err("store: skipping corrupt %s row: key %s, revision %lld: %s", what,
	       key ? key : "(null)", (long long)rev, why);
}

static void load_kv(void *ud, const struct store_kv *kv)
{
	struct store *st = ud;

	if (!kv->key || !load_is_object(kv->value)) {
		load_skip(st, "object", kv->key, kv->mod_rev, "the value is not a JSON object");
		return;
	}
	if (cache_set(st, kv->key, kv->value, kv->create_rev, kv->mod_rev))
		pr_err("store: out of memory loading %s", kv->key);
}

static void load_ev(void *ud, const struct store_event *ev)
{
	struct store *st = ud;

	/* the type indexes name tables (api_watch.c): check it here, once */
	if ((unsigned)ev->type > STORE_DELETED) {
		load_skip(st, "history", ev->key, ev->rev, "unknown event type");
		return;
	}
	if (!ev->key || !load_is_object(ev->value) || (ev->prev && !load_is_object(ev->prev))) {
		load_skip(st, "history", ev->key, ev->rev, "the value is not a JSON object");
		return;
	}
	if (hist_push(st, ev, 0, 0))
		pr_err("store: out of memory loading history at %lld", (long long)ev->rev);
}

int store_open(const struct store_opts *opts, struct store **out)
{
	struct store *st;
	int err;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->hist_min = opts->history_min_events ? opts->history_min_events : 10000;
	st->hist_secs = opts->history_min_seconds ? opts->history_min_seconds : 300;
	err = store_sqlite_open(opts, &st->be, &st->ops);
	if (err)
		goto err_free;
	err = st->ops->load(st->be, load_kv, load_ev, st, &st->rev, &st->compact_rev);
	if (!err)
		err = st->ops->get_id(st->be, st->id, sizeof(st->id));
	if (err) {
		pr_err("store: loading %s failed", opts->path ? opts->path : ":memory:");
		goto err_close;
	}
	st->committed_rev = st->rev;
	if (st->hlen && hist_at(st, 0)->ev.rev - 1 > st->compact_rev)
		st->compact_rev = hist_at(st, 0)->ev.rev - 1;
	if (!st->hlen)
		st->compact_rev = st->rev;
	pr_info("store: %s: %zu objects, revision %lld, history from %lld%s", st->ops->name,
		st->nobjs, (long long)st->rev, (long long)st->compact_rev,
		st->corrupt_rows ? " (corrupt rows skipped, see above)" : "");
	*out = st;
	return 0;

err_close:
	st->ops->close(st->be);
err_free:
	free(st);
	return err;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	st->ops->close(st->be);
	stree_destroy(&st->tree, sobj_free);
	while (st->hlen)
		hist_pop_front(st);
	free(st->hist);
	free(st->subs);
	free(st);
}

int64_t store_rev(const struct store *st)
{
	return st->rev;
}

int64_t store_next_rev(const struct store *st)
{
	return st->rev + 1;
}

int64_t store_oldest_rev(const struct store *st)
{
	return st->compact_rev;
}

bool store_dirty(const struct store *st)
{
	return st->rev != st->committed_rev;
}

const struct store_kv *store_get(const struct store *st, const char *key)
{
	struct sobj *o = store_find(st, key);

	return o ? &o->kv : NULL;
}

size_t store_list(const struct store *st, const char *prefix, store_kv_cb cb, void *ud)
{
	size_t first = stree_rank(&st->tree, prefix, false);
	size_t end = stree_prefix_end(&st->tree, prefix);
	struct stree_iter it;

	stree_iter_init(&it, &st->tree, first);
	for (size_t i = first; cb && i < end; i++)
		cb(ud, &stree_iter_next(&it)->kv);
	return end > first ? end - first : 0;
}

size_t store_count(const struct store *st, const char *prefix)
{
	return store_list(st, prefix, NULL, NULL);
}

/* A key written after the listed revision: its first and last events
 * after it (the first one's prev is the state at the revision, the last
 * one says whether it exists now). */
struct page_chg {
	const struct shist *first, *last;
};

static int page_chg_cmp(const void *a, const void *b)
{
	const struct page_chg *x = a, *y = b;
	int c = strcmp(x->first->ev.key, y->first->ev.key);

	/* ties by revision: the first of a key's events comes first */
	if (c)
		return c;
	return x->first->ev.rev < y->first->ev.rev ? -1 : x->first->ev.rev > y->first->ev.rev;
}

/* Does key lie in the page's range (prefix, from start on)? */
static bool page_in_range(const struct store_page *pg, const char *key, size_t plen)
{
	int c;

	if (strncmp(key, pg->prefix, plen))
		return false;
	if (!pg->start)
		return true;
	c = strcmp(key, pg->start);
	return pg->after ? c > 0 : c >= 0;
}

/* The keys of the range written after pg->rev, sorted by key, one entry
 * per key. Returns the count or -ENOMEM; *out is malloc'ed (NULL if 0). */
static ssize_t page_changes(const struct store *st, const struct store_page *pg,
			    struct page_chg **out)
{
	size_t lo = 0, hi = st->hlen, plen = strlen(pg->prefix), n = 0, k = 0;
	struct page_chg *c;

	*out = NULL;
	/* binary search for the first event after rev (the ring is in
	 * revision order, uncommitted writes at its end) */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (hist_at(st, mid)->ev.rev <= pg->rev)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == st->hlen)
		return 0;
	c = malloc((st->hlen - lo) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (size_t i = lo; i < st->hlen; i++) {
		const struct shist *h = hist_at(st, i);

		if (page_in_range(pg, h->ev.key, plen))
			c[n++] = (struct page_chg){h, h};
	}
	qsort(c, n, sizeof(*c), page_chg_cmp);
	/* fold each key's run into one entry: its first and last event */
	for (size_t i = 0; i < n; i++) {
		if (k && !strcmp(c[k - 1].first->ev.key, c[i].first->ev.key))
			c[k - 1].last = c[i].last;
		else
			c[k++] = c[i];
	}
	*out = c;
	return (ssize_t)k;
}

/* The key's state at the page's revision: the first later event undone. */
static bool page_chg_at(const struct page_chg *c, struct store_kv *kv)
{
	const struct shist *h = c->first;

	if (h->ev.type == STORE_ADDED)
		return false; /* created after rev: absent then */
	*kv = (struct store_kv){
	    .key = h->ev.key,
	    .value = h->ev.prev,
	    .value_len = strlen(h->ev.prev),
	    .create_rev = h->prev_create_rev,
	    .mod_rev = h->prev_mod_rev,
	};
	return true;
}

int store_list_at(const struct store *st, struct store_page *pg, store_page_cb cb, void *ud)
{
	struct page_chg *chg;
	ssize_t nchg;
	size_t ci, cend, cj = 0, accepted = 0;
	struct stree_iter it;
	const struct sobj *o;

	pg->remaining = 0;
	if (pg->rev < st->compact_rev)
		return -ERANGE;
	if (pg->rev > st->rev)
		return -EINVAL;
	nchg = page_changes(st, pg, &chg);
	if (nchg < 0)
		return (int)nchg;
	ci = pg->start ? stree_rank(&st->tree, pg->start, pg->after) : 0;
	if (ci < stree_rank(&st->tree, pg->prefix, false))
		ci = stree_rank(&st->tree, pg->prefix, false);
	cend = stree_prefix_end(&st->tree, pg->prefix);
	stree_iter_init(&it, &st->tree, ci);
	o = ci < cend ? stree_iter_next(&it) : NULL;
	/* Merge the current keys of the range with the changed ones: a key
	 * not changed since rev is listed as it is now, a changed one as its
	 * first later event found it. o is the current key of rank ci. */
	while ((ci < cend || cj < (size_t)nchg) && (!pg->limit || accepted < pg->limit)) {
		const struct page_chg *c = cj < (size_t)nchg ? &chg[cj] : NULL;
		int cmp = !o ? 1 : !c ? -1 : strcmp(o->key, c->first->ev.key);
		struct store_kv kv;

		if (cmp < 0) {
			accepted += cb(ud, &o->kv);
			ci++;
			o = ci < cend ? stree_iter_next(&it) : NULL;
			continue;
		}
		if (cmp == 0) {
			ci++;
			o = ci < cend ? stree_iter_next(&it) : NULL;
		}
		cj++;
		if (page_chg_at(c, &kv))
			accepted += cb(ud, &kv);
	}
	/* What is left, as it was at rev: the current keys after the walk,
	 * corrected by the changed ones (deleted since: +1, created: -1). */
	pg->remaining = cend > ci ? cend - ci : 0;
	for (; cj < (size_t)nchg; cj++) {
		bool then = chg[cj].first->ev.type != STORE_ADDED;
		bool now = chg[cj].last->ev.type != STORE_DELETED;

		pg->remaining += then;
		pg->remaining -= now;
	}
	free(chg);
	return (int)accepted;
}

/* Stage one write: into the history ring (which is also the undo log of
 * the batch), then into the backend's open transaction. A backend error
 * fails the batch instead of this one request: SQLite may have dropped the
 * whole transaction with it (it does on SQLITE_FULL), so the batch's
 * earlier writes are gone too, and later ones must not reach the backend
 * where they would be committed one by one. */
static int64_t store_write(struct store *st, enum store_ev_type type, const char *key,
			   const char *value, const char *prev, int64_t create_rev,
			   int64_t prev_mod_rev)
{
	struct store_event ev = {
	    .rev = st->rev + 1,
	    .type = type,
	    .key = key,
	    .value = value,
	    .prev = prev,
	    .ts = time(NULL),
	};
	int err;

	err = hist_push(st, &ev, create_rev, prev_mod_rev);
	if (err)
		return err;
	st->rev = ev.rev;
	if (st->batch_err)
		return ev.rev;
	err = type == STORE_DELETED ? st->ops->del(st->be, &ev)
				    : st->ops->put(st->be, &ev, create_rev);
	if (err) {
		pr_err("store: writing %s at revision %lld: %s; the batch fails", key,
		       (long long)ev.rev, strerror(-err));
		st->batch_err = err;
	}
	return ev.rev;
}

/* The cache could not take a staged write: fail the batch (it is rolled
 * back at commit) rather than let memory and disk differ. */
static int64_t store_staged(struct store *st, int64_t rev, int err)
{
	if (err && !st->batch_err)
		st->batch_err = err;
	return rev;
}

int64_t store_create(struct store *st, const char *key, const char *value)
{
	int64_t rev;

	if (store_find(st, key))
		return -EEXIST;
	rev = store_write(st, STORE_ADDED, key, value, NULL, st->rev + 1, 0);
	if (rev < 0)
		return rev;
	return store_staged(st, rev, cache_set(st, key, value, rev, rev));
}

int64_t store_update(struct store *st, const char *key, const char *value, int64_t expected_rev)
{
	struct sobj *o = store_find(st, key);
	int64_t rev, create_rev;

	if (!o)
		return -ENOENT;
	if (expected_rev > 0 && expected_rev != o->kv.mod_rev)
		return -ESTALE;
	create_rev = o->kv.create_rev;
	/* o->value stays valid until cache_set replaces it */
	rev = store_write(st, STORE_MODIFIED, key, value, o->value, create_rev, o->kv.mod_rev);
	if (rev < 0)
		return rev;
	return store_staged(st, rev, cache_set(st, key, value, create_rev, rev));
}

int64_t store_delete(struct store *st, const char *key, int64_t expected_rev, const char *last)
{
	struct sobj *o = store_find(st, key);
	int64_t rev;

	if (!o)
		return -ENOENT;
	if (expected_rev > 0 && expected_rev != o->kv.mod_rev)
		return -ESTALE;
	rev = store_write(st, STORE_DELETED, key, last ? last : o->value, o->value,
			  o->kv.create_rev, o->kv.mod_rev);
	if (rev < 0)
		return rev;
	cache_set(st, key, NULL, 0, 0);
	return rev;
}

/* Undo the open batch, newest write first, from the history ring: each
 * event holds the state it replaced. Memory then equals the disk again. */
static int store_rollback(struct store *st)
{
	int err = 0;

	st->ops->rollback(st->be);
	while (st->hlen) {
		struct shist *h = hist_at(st, st->hlen - 1);

		if (h->ev.rev <= st->committed_rev)
			break;
		/* prev is handed to the cache: no allocation for an update */
		if (cache_adopt(st, h->ev.key, (char *)h->ev.prev, h->prev_create_rev,
				h->prev_mod_rev))
			err = -ENOTRECOVERABLE;
		h->ev.prev = NULL;
		hist_free_ev(h);
		st->hlen--;
		st->rolled_back++;
	}
	st->rev = st->committed_rev;
	st->batch_err = 0;
	return err;
}

int store_commit(struct store *st)
{
	int64_t from = st->committed_rev;
	int err;

	if (!store_dirty(st))
		return 0;
	err = st->batch_err ? st->batch_err : st->ops->commit(st->be);
	if (err) {
		pr_err("store: commit of revisions %lld-%lld failed: %s; rolled back",
		       (long long)from + 1, (long long)st->rev, strerror(-err));
		return store_rollback(st) ?: err;
	}
	st->committed_rev = st->rev;
	/* Dispatch in revision order; a subscriber may unsubscribe itself. */
	for (size_t i = 0; i < st->hlen; i++) {
		struct shist *h = hist_at(st, i);

		if (h->ev.rev <= from)
			continue;
		st->dispatching = true;
		for (size_t s = 0; s < st->nsubs; s++)
			if (st->subs[s].cb)
				st->subs[s].cb(st->subs[s].ud, &h->ev);
		st->dispatching = false;
	}
	/* compact the subscriber array (unsubscribe during dispatch leaves holes) */
	size_t j = 0;
	for (size_t s = 0; s < st->nsubs; s++)
		if (st->subs[s].cb)
			st->subs[j++] = st->subs[s];
	st->nsubs = j;
	return 0;
}

int store_subscribe(struct store *st, store_event_cb cb, void *ud)
{
	struct store_sub *n = realloc(st->subs, (st->nsubs + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	st->subs = n;
	st->subs[st->nsubs++] = (struct store_sub){cb, ud};
	return 0;
}

void store_unsubscribe(struct store *st, store_event_cb cb, void *ud)
{
	for (size_t s = 0; s < st->nsubs; s++) {
		if (st->subs[s].cb == cb && st->subs[s].ud == ud) {
			if (st->dispatching) {
				st->subs[s].cb = NULL;
			} else {
				memmove(&st->subs[s], &st->subs[s + 1],
					(st->nsubs - s - 1) * sizeof(*st->subs));
				st->nsubs--;
			}
			return;
		}
	}
}

int store_replay(const struct store *st, int64_t from_rev, store_event_cb cb, void *ud)
{
	size_t lo = 0, hi = st->hlen;

	if (from_rev < st->compact_rev)
		return -ERANGE;
	/* binary search for the first event with rev > from_rev */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (hist_at(st, mid)->ev.rev <= from_rev)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < st->hlen; i++) {
		const struct shist *h = hist_at(st, i);

		if (h->ev.rev > st->committed_rev)
			break;
		cb(ud, &h->ev);
	}
	return 0;
}

int store_compact(struct store *st)
{
	time_t cutoff = time(NULL) - st->hist_secs;
	int64_t before = st->compact_rev;
	int err;

	/* Compaction is its own small transaction, never mixed with writes
	 * that are not acknowledged yet. */
	if (store_dirty(st))
		return 0;

	while (st->hlen > st->hist_min) {
		struct shist *h = hist_at(st, 0);

		if (h->ev.rev > st->committed_rev)
			break;
		if (h->ev.ts >= cutoff && st->hlen <= STORE_HISTORY_HARD_MAX)
			break;
		hist_pop_front(st);
	}
	if (st->compact_rev == before)
		return 0;
	/* On failure the dropped rows stay on disk, which is harmless: the
	 * next compaction deletes everything up to its mark. */
	err = st->ops->compact(st->be, st->compact_rev);
	if (err) {
		st->ops->rollback(st->be);
		return err;
	}
	return st->ops->commit(st->be);
}

uint64_t store_corrupt_rows(const struct store *st)
{
	return st->corrupt_rows;
}

uint64_t store_rolled_back(const struct store *st)
{
	return st->rolled_back;
}

const char *store_cluster_id(const struct store *st)
{
	return st->id;
}

int store_set_cluster_id(struct store *st, const char *id)
{
	int err;

	if (store_dirty(st))
		return -EBUSY;
	if (strlen(id) >= sizeof(st->id))
		return -ENAMETOOLONG;
	err = st->ops->set_id(st->be, id);
	if (err)
		return err;
	snprintf(st->id, sizeof(st->id), "%s", id);
	return 0;
}
