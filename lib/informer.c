/* informer: list+watch cache of one resource on libev (k8s-api.md §12). */
#include "informer.h"

#include <errno.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "kclient.h"
#include "log.h"

/* Page size of a list, as kube-proxy's reflector uses. */
#define INF_PAGE 500
/* Back-off after a failure: 1 s doubling to 30 s, +-20% jitter. */
#define INF_BACKOFF_MIN 1.0
#define INF_BACKOFF_MAX 30.0
/* Watch timeoutSeconds: random in [300, 600) so many watchers don't end
 * in lockstep. */
#define INF_WATCH_MIN  300
#define INF_WATCH_SPAN 300

struct inf_entry {
	char *key;
	cJSON *obj;
	uint64_t gen; /* list generation that last saw it */
};

enum inf_next { INF_RELIST, INF_WATCH };

struct informer {
	struct kclient *c;
	struct ev_loop *loop;
	char *path;
	char *query; /* "&labelSelector=..&fieldSelector=.." (escaped), or NULL */
	char *name;
	struct informer_ops ops;
	void *ud;
	bool strip_managed_fields;

	void *root; /* tsearch tree of struct inf_entry */
	size_t size;
	uint64_t gen;

	struct kreq *list; /* list page request in flight */
	char *cont;	   /* URL-escaped continue token of the next page */
	struct kwatch *watch;
	bool relist_wanted; /* set from on_line (410): acted on in on_done */
	char rv[64];
	ev_timer timer; /* relist/re-watch, possibly after back-off */
	enum inf_next next;
	double backoff;
	struct informer_stats st;
};

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct inf_entry *)a)->key, ((const struct inf_entry *)b)->key);
}

static struct inf_entry *cache_find(const struct informer *inf, const char *key)
{
	struct inf_entry probe = {.key = (char *)key};
	void *n = tfind(&probe, &inf->root, entry_cmp);

	return n ? *(struct inf_entry **)n : NULL;
}

bool informer_key(const cJSON *obj, char *buf, size_t len)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *ns = cJSON_GetObjectItemCaseSensitive(md, "namespace");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(md, "name");
	int n;

	if (!cJSON_IsString(name) || !name->valuestring[0])
		return false;
	if (cJSON_IsString(ns) && ns->valuestring[0])
		n = snprintf(buf, len, "%s/%s", ns->valuestring, name->valuestring);
	else
		n = snprintf(buf, len, "%s", name->valuestring);
	return n > 0 && (size_t)n < len;
}

static const char *obj_rv(const cJSON *obj)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *rv = cJSON_GetObjectItemCaseSensitive(md, "resourceVersion");

	return cJSON_IsString(rv) ? rv->valuestring : NULL;
}

static void set_rv(struct informer *inf, const char *rv)
{
	if (rv && rv[0]) {
		snprintf(inf->rv, sizeof(inf->rv), "%s", rv);
		snprintf(inf->st.rv, sizeof(inf->st.rv), "%s", rv);
	}
}

/* Insert or replace; takes ownership of obj. Reports an upsert unless the
 * object is unchanged (same resourceVersion, as after a re-list). */
static void cache_upsert(struct informer *inf, const char *key, cJSON *obj)
{
	struct inf_entry *e = cache_find(inf, key);
	cJSON *old;

	if (inf->strip_managed_fields)
		cJSON_DeleteItemFromObjectCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "managedFields");
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e || !(e->key = strdup(key)) || !tsearch(e, &inf->root, entry_cmp)) {
			pr_err("informer %s: out of memory", inf->name);
			if (e)
				free(e->key);
			free(e);
			cJSON_Delete(obj);
			return;
		}
		inf->size++;
		e->obj = obj;
		e->gen = inf->gen;
		if (inf->ops.upsert)
			inf->ops.upsert(inf->ud, key, obj, NULL);
		return;
	}
	e->gen = inf->gen;
	old = e->obj;
	{
		const char *a = obj_rv(old), *b = obj_rv(obj);

		if (a && b && !strcmp(a, b)) {
			cJSON_Delete(obj);
			return;
		}
	}
	e->obj = obj;
	if (inf->ops.upsert)
		inf->ops.upsert(inf->ud, key, obj, old);
	cJSON_Delete(old);
}

static void cache_remove(struct informer *inf, const char *key)
{
	struct inf_entry *e = cache_find(inf, key);

	if (!e)
		return;
	tdelete(e, &inf->root, entry_cmp);
	inf->size--;
	if (inf->ops.remove)
		inf->ops.remove(inf->ud, e->key, e->obj);
	cJSON_Delete(e->obj);
	free(e->key);
	free(e);
}

/* --- scheduling --- */

static void schedule(struct informer *inf, enum inf_next next, bool after_error)
{
	double delay = 0;

	if (after_error) {
		/* jitter: +-20% */
		delay = inf->backoff * (0.8 + 0.4 * ((double)random() / RAND_MAX));
		inf->backoff *= 2;
		if (inf->backoff > INF_BACKOFF_MAX)
			inf->backoff = INF_BACKOFF_MAX;
	}
	inf->next = next;
	ev_timer_stop(inf->loop, &inf->timer);
	ev_timer_set(&inf->timer, delay, 0.);
	ev_timer_start(inf->loop, &inf->timer);
}

static void fail(struct informer *inf, enum inf_next next, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct informer *inf, enum inf_next next, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(inf->st.last_error, sizeof(inf->st.last_error), fmt, ap);
	va_end(ap);
	inf->st.errors++;
	pr_warn("informer %s: %s (retrying in ~%.0f s)", inf->name, inf->st.last_error,
		inf->backoff);
	schedule(inf, next, true);
}

/* --- list --- */

struct list_walk {
	struct informer *inf;
	char **stale;
	size_t n, cap;
};

static void collect_stale(const void *node, VISIT which, void *ud)
{
	const struct inf_entry *e = *(struct inf_entry *const *)node;
	struct list_walk *w = ud;

	if (which != postorder && which != leaf)
		return;
	if (e->gen == w->inf->gen)
		return;
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		char **s = realloc(w->stale, cap * sizeof(*s));

		if (!s)
			return;
		w->stale = s;
		w->cap = cap;
	}
	w->stale[w->n] = strdup(e->key);
	if (w->stale[w->n])
		w->n++;
}

/* Move one page's items into the cache. 0, or -EINVAL if items is not
 * a list. */
static int apply_page(struct informer *inf, cJSON *doc)
{
	cJSON *items = cJSON_GetObjectItemCaseSensitive(doc, "items");
	cJSON *it;
	char key[512];

	if (!cJSON_IsArray(items) && !cJSON_IsNull(items) && items)
		return -EINVAL;
	/* Detach each item so the cache owns it without a copy. */
	while (cJSON_IsArray(items) && (it = cJSON_DetachItemFromArray(items, 0))) {
		if (!informer_key(it, key, sizeof(key))) {
			cJSON_Delete(it);
			continue;
		}
		cache_upsert(inf, key, it);
	}
	return 0;
}

static void start_watch(struct informer *inf);
static void list_page(struct informer *inf);

/* The last page is in: drop what the list no longer has, report synced and
 * watch from the list's resourceVersion. */
static void list_finish(struct informer *inf)
{
	struct list_walk w = {.inf = inf};
	size_t i;

	/* Objects the list no longer has were deleted while we were away. */
	twalk_r(inf->root, collect_stale, &w);
	for (i = 0; i < w.n; i++) {
		cache_remove(inf, w.stale[i]);
		free(w.stale[i]);
	}
	free(w.stale);

	inf->st.lists++;
	inf->st.synced = true;
	inf->st.last_error[0] = 0;
	inf->backoff = INF_BACKOFF_MIN;
	if (inf->ops.synced)
		inf->ops.synced(inf->ud);
	start_watch(inf);
}

/* One page answered (on the loop, from kclient): apply it, then ask for the
 * next one or finish. */
static void on_list_page(void *ud, const struct kresp *r)
{
	struct informer *inf = ud;
	bool continued = inf->cont != NULL;
	cJSON *doc, *md, *c, *rv;

	inf->list = NULL; /* freed by kclient after this returns */
	free(inf->cont);
	inf->cont = NULL;
	if (r->status == 0) {
		fail(inf, INF_RELIST, "list %s: %s", inf->path, r->err);
		return;
	}
	if (r->status != 200) {
		if (r->status == 410 && continued) {
			/* continue token expired: start over now */
			schedule(inf, INF_RELIST, false);
			return;
		}
		fail(inf, INF_RELIST, "list %s: HTTP %ld%s", inf->path, r->status,
		     r->status == 404 ? " (resource not served by this API server)" : "");
		return;
	}
	doc = cJSON_ParseWithLength(r->body, r->len);
	if (!doc || apply_page(inf, doc)) {
		cJSON_Delete(doc);
		fail(inf, INF_RELIST, "list %s: malformed answer", inf->path);
		return;
	}
	md = cJSON_GetObjectItemCaseSensitive(doc, "metadata");
	rv = cJSON_GetObjectItemCaseSensitive(md, "resourceVersion");
	c = cJSON_GetObjectItemCaseSensitive(md, "continue");
	if (cJSON_IsString(c) && c->valuestring[0]) {
		inf->cont = kclient_escape(c->valuestring);
		cJSON_Delete(doc);
		if (!inf->cont) {
			fail(inf, INF_RELIST, "out of memory");
			return;
		}
		list_page(inf);
		return;
	}
	set_rv(inf, cJSON_IsString(rv) ? rv->valuestring : NULL);
	cJSON_Delete(doc);
	list_finish(inf);
}

/* Ask for one page (the first unless inf->cont is set). The answer comes
 * on the loop, so a slow API server never blocks the loop's other work. */
static void list_page(struct informer *inf)
{
	char path[2048];
	int n;

	n = snprintf(path, sizeof(path), "%s?limit=%d%s%s%s", inf->path, INF_PAGE,
		     inf->query ? inf->query : "", inf->cont ? "&continue=" : "",
		     inf->cont ? inf->cont : "");
	if (n < 0 || (size_t)n >= sizeof(path)) {
		free(inf->cont);
		inf->cont = NULL;
		fail(inf, INF_RELIST, "list path too long");
		return;
	}
	inf->list = kreq_get(inf->c, inf->loop, path, on_list_page, inf);
	if (!inf->list) {
		free(inf->cont);
		inf->cont = NULL;
		fail(inf, INF_RELIST, "cannot start list of %s", inf->path);
	}
}

/* (Re)list from the first page. Items are applied page by page; those not
 * seen by the end (older gen) are removed in list_finish. */
static void do_list(struct informer *inf)
{
	inf->gen++;
	free(inf->cont);
	inf->cont = NULL;
	list_page(inf);
}

/* --- watch --- */

static void on_line(void *ud, const char *line, size_t len)
{
	struct informer *inf = ud;
	cJSON *ev = cJSON_ParseWithLength(line, len);
	cJSON *type, *obj;
	char key[512];

	if (!ev) {
		pr_warn("informer %s: unparsable watch line", inf->name);
		goto out;
	}
	type = cJSON_GetObjectItemCaseSensitive(ev, "type");
	obj = cJSON_GetObjectItemCaseSensitive(ev, "object");
	if (!cJSON_IsString(type) || !cJSON_IsObject(obj))
		goto out;
	if (!strcmp(type->valuestring, "BOOKMARK")) {
		set_rv(inf, obj_rv(obj));
		goto out;
	}
	if (!strcmp(type->valuestring, "ERROR")) {
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(obj, "code");
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(obj, "message");

		inf->relist_wanted = true;
		inf->st.errors++;
		snprintf(inf->st.last_error, sizeof(inf->st.last_error), "watch error %d: %s",
			 cJSON_IsNumber(code) ? code->valueint : 0,
			 cJSON_IsString(msg) ? msg->valuestring : "");
		pr_info("informer %s: %s; re-listing", inf->name, inf->st.last_error);
		goto out;
	}
	if (!informer_key(obj, key, sizeof(key)))
		goto out;
	inf->backoff = INF_BACKOFF_MIN;
	inf->st.events++;
	set_rv(inf, obj_rv(obj));
	if (!strcmp(type->valuestring, "DELETED")) {
		cache_remove(inf, key);
	} else if (!strcmp(type->valuestring, "ADDED") || !strcmp(type->valuestring, "MODIFIED")) {
		obj = cJSON_DetachItemViaPointer(ev, obj);
		cache_upsert(inf, key, obj);
	}
out:
	cJSON_Delete(ev);
}

static void on_done(void *ud, long status, const char *body, const char *err)
{
	struct informer *inf = ud;

	inf->watch = NULL; /* freed by kclient after this returns */
	inf->st.watch_restarts++;
	if (inf->relist_wanted) {
		inf->relist_wanted = false;
		/* 410 inside the stream: our version is too old. Any other
		 * ERROR event: back off first. */
		if (strstr(inf->st.last_error, "error 410"))
			schedule(inf, INF_RELIST, false);
		else
			schedule(inf, INF_RELIST, true);
		return;
	}
	if (status == 200) {
		pr_debug("informer %s: watch ended, re-watching from %s", inf->name, inf->rv);
		schedule(inf, INF_WATCH, false);
	} else if (status == 410) {
		schedule(inf, INF_RELIST, false);
	} else if (status == 0) {
		fail(inf, INF_WATCH, "watch %s: %s", inf->path, err ? err : "connection lost");
	} else {
		(void)body;
		fail(inf, INF_RELIST, "watch %s: HTTP %ld", inf->path, status);
	}
}

static void start_watch(struct informer *inf)
{
	char path[2048];
	int n;

	n = snprintf(path, sizeof(path),
		     "%s?watch=1&resourceVersion=%s&allowWatchBookmarks=true&timeoutSeconds=%ld%s",
		     inf->path, inf->rv, INF_WATCH_MIN + random() % INF_WATCH_SPAN,
		     inf->query ? inf->query : "");
	if (n < 0 || (size_t)n >= sizeof(path)) {
		fail(inf, INF_RELIST, "watch path too long");
		return;
	}
	inf->relist_wanted = false;
	inf->watch = kwatch_start(inf->c, inf->loop, path, on_line, on_done, inf);
	if (!inf->watch)
		fail(inf, INF_WATCH, "cannot start watch of %s", inf->path);
}

static void on_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct informer *inf = (struct informer *)((char *)t - offsetof(struct informer, timer));

	(void)loop;
	(void)revents;
	if (inf->next == INF_WATCH && inf->rv[0])
		start_watch(inf);
	else
		do_list(inf);
}

/* --- public --- */

/* The selectors as a query suffix; 0 or -ENOMEM. */
static int inf_query(struct informer *inf, const struct informer_opts *o)
{
	const char *ls = o->label_selector && *o->label_selector ? o->label_selector : NULL;
	const char *fs = o->field_selector && *o->field_selector ? o->field_selector : NULL;
	char *l = ls ? kclient_escape(ls) : NULL, *f = fs ? kclient_escape(fs) : NULL;
	int err = 0;

	if ((ls && !l) || (fs && !f) ||
	    ((l || f) && asprintf(&inf->query, "%s%s%s%s", l ? "&labelSelector=" : "", l ? l : "",
				  f ? "&fieldSelector=" : "", f ? f : "") < 0)) {
		inf->query = NULL;
		err = -ENOMEM;
	}
	free(l);
	free(f);
	return err;
}

struct informer *informer_new(struct kclient *c, struct ev_loop *loop,
			      const struct informer_opts *o, const struct informer_ops *ops,
			      void *ud)
{
	struct informer *inf = calloc(1, sizeof(*inf));

	if (!inf)
		return NULL;
	inf->c = c;
	inf->loop = loop;
	inf->path = strdup(o->path);
	inf->strip_managed_fields = o->strip_managed_fields;
	inf->name = strdup(o->name ? o->name : o->path);
	if (!inf->path || !inf->name || inf_query(inf, o)) {
		informer_free(inf);
		return NULL;
	}
	if (ops)
		inf->ops = *ops;
	inf->ud = ud;
	inf->backoff = INF_BACKOFF_MIN;
	ev_timer_init(&inf->timer, on_timer, 0., 0.);
	return inf;
}

void informer_start(struct informer *inf)
{
	schedule(inf, INF_RELIST, false);
}

static void free_entry(void *p)
{
	struct inf_entry *e = p;

	cJSON_Delete(e->obj);
	free(e->key);
	free(e);
}

void informer_free(struct informer *inf)
{
	if (!inf)
		return;
	if (inf->watch)
		kwatch_stop(inf->watch);
	kreq_cancel(inf->list);
	free(inf->cont);
	if (inf->loop)
		ev_timer_stop(inf->loop, &inf->timer);
	tdestroy(inf->root, free_entry);
	free(inf->path);
	free(inf->name);
	free(inf->query);
	free(inf);
}

const struct informer_stats *informer_stats(const struct informer *inf)
{
	return &inf->st;
}

size_t informer_size(const struct informer *inf)
{
	return inf->size;
}

const cJSON *informer_get(const struct informer *inf, const char *key)
{
	const struct inf_entry *e = cache_find(inf, key);

	return e ? e->obj : NULL;
}

struct foreach_ctx {
	void (*fn)(void *ud, const char *key, const cJSON *obj);
	void *ud;
};

static void foreach_visit(const void *node, VISIT which, void *ud)
{
	const struct inf_entry *e = *(struct inf_entry *const *)node;
	struct foreach_ctx *ctx = ud;

	if (which == postorder || which == leaf)
		ctx->fn(ctx->ud, e->key, e->obj);
}

void informer_foreach(const struct informer *inf,
		      void (*fn)(void *ud, const char *key, const cJSON *obj), void *ud)
{
	struct foreach_ctx ctx = {fn, ud};

	twalk_r(inf->root, foreach_visit, &ctx);
}
