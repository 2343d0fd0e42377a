/* api_watch: the watch stream (k8s-api.md §9).
 *
 * Each watcher owns a chunked HTTP stream and a filter. Committed store
 * events are turned into one JSON line each and queued on every matching
 * stream; the connection is woken and flushes them. A write never waits
 * for a watcher: a watcher whose unsent backlog would pass the limit is
 * closed at once and its buffer freed (a client that stopped reading would
 * never see a final ERROR event anyway); it re-watches and, if its
 * resourceVersion is gone by then, gets 410 and re-lists.
 */
#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "log.h"
#include "selector.h"

struct api_watch {
	struct api *a;
	struct api_watch *prev, *next;
	const struct res_type *rt;
	char prefix[400];
	struct selector *ls, *fs;
	bool table, bookmarks, sent_columns, ended;
	const char *partial; /* PartialObjectMetadata of this meta group/version */
	struct http_stream *st;
	ev_timer timeout;
	int64_t last_rev;
};

static void watch_unlink(struct api_watch *w)
{
	struct api *a = w->a;

	if (w->prev)
		w->prev->next = w->next;
	else if (a->watches == w)
		a->watches = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
}

static void watch_on_close(void *ud)
{
	struct api_watch *w = ud;

	ev_timer_stop(w->a->loop, &w->timeout);
	watch_unlink(w);
	w->a->nwatches--;
	sel_free(w->ls);
	sel_free(w->fs);
	free(w);
}

static void watch_end(struct api_watch *w)
{
	if (w->ended)
		return;
	w->ended = true;
	ev_timer_stop(w->a->loop, &w->timeout);
	http_stream_end(w->st);
}

static void watch_timeout_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	watch_end(t->data);
}

static bool watch_too_slow(const struct api_watch *w, size_t more)
{
	const struct api *a = w->a;
	size_t mine = http_stream_buffered(w->st) + more;
	size_t total = http_streams_buffered(a->http) + more;
	size_t cap = a->cfg.watch_buffer_total;

	if (mine > (size_t)a->cfg.watch_buffer_max)
		return true;
	return cap && total > cap && mine > cap / (size_t)(a->nwatches > 0 ? a->nwatches : 1);
}

static void watch_send_line(struct api_watch *w, const char *type, const char *obj, size_t len)
{
	char head[48];
	int n;

	if (w->ended)
		return;
	n = snprintf(head, sizeof(head), "{\"type\":\"%s\",\"object\":", type);
	/* Checked before queueing, so the backlog never passes the limit. And
	 * all watchers together share --watch-buffer-total-bytes: past it, a
	 * watcher holding more than its fair share is closed, so a hundred
	 * stalled watchers cannot hold a hundred times the per-watcher limit. */
	if (watch_too_slow(w, (size_t)n + len + 2)) {
		pr_warn("watch %s: client too slow (%zu bytes queued), closing", w->prefix,
			http_stream_buffered(w->st));
		w->a->n_watch_closed_slow++;
		w->a->trim_wanted = true;
		w->ended = true;
		ev_timer_stop(w->a->loop, &w->timeout);
		http_stream_abort(w->st);
		return;
	}
	if (http_stream_write(w->st, head, (size_t)n) || http_stream_write(w->st, obj, len) ||
	    http_stream_write(w->st, "}\n", 2))
		watch_end(w);
}

static void watch_send_obj(struct api_watch *w, const char *type, const cJSON *obj, const char *raw)
{
	char *s;

	if (w->table) {
		cJSON *t = api_table_new(w->rt, !w->sent_columns);

		w->sent_columns = true;
		cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(t, "metadata"),
					"resourceVersion",
					json_str(obj, "metadata.resourceVersion") ?: "");
		api_table_add_row(t, w->rt, obj, time(NULL));
		s = cJSON_PrintUnformatted(t);
		cJSON_Delete(t);
	} else if (w->partial) {
		cJSON *p = api_partial(obj, w->partial);

		s = p ? cJSON_PrintUnformatted(p) : NULL;
		cJSON_Delete(p);
	} else if (raw && !w->rt->storage) {
		watch_send_line(w, type, raw, strlen(raw));
		return;
	} else if (w->rt->storage) {
		/* obj is shared with the other watchers: convert a copy */
		cJSON *v = cJSON_Duplicate(obj, true);

		res_view(w->rt, v);
		s = v ? cJSON_PrintUnformatted(v) : NULL;
		cJSON_Delete(v);
	} else {
		s = cJSON_PrintUnformatted(obj);
	}
	if (s)
		watch_send_line(w, type, s, strlen(s));
	free(s);
}

/* One event for one watcher; new/prev are parsed lazily and shared. */
struct watch_ev {
	const struct store_event *ev;
	cJSON *cur, *prev;
	bool parsed;
};

static void watch_parse(struct watch_ev *e)
{
	if (e->parsed)
		return;
	e->parsed = true;
	e->cur = e->ev->value ? cJSON_Parse(e->ev->value) : NULL;
	e->prev = e->ev->prev ? cJSON_Parse(e->ev->prev) : NULL;
}

static void watch_deliver(struct api_watch *w, struct watch_ev *e)
{
	const struct store_event *ev = e->ev;
	/* a view's objects are converted, so they are parsed as filtered ones */
	bool filtered = w->ls || w->fs || w->rt->storage || w->partial;
	bool now_m, was_m;

	if (w->ended || ev->rev <= w->last_rev || strncmp(ev->key, w->prefix, strlen(w->prefix)))
		return;
	w->last_rev = ev->rev;
	if (!filtered && !w->table) {
		static const char *types[] = {"ADDED", "MODIFIED", "DELETED"};

		watch_send_line(w, types[ev->type], ev->value, strlen(ev->value));
		return;
	}
	watch_parse(e);
	if (!e->cur)
		return;
	switch (ev->type) {
	case STORE_ADDED:
		if (api_match(w->ls, w->fs, e->cur))
			watch_send_obj(w, "ADDED", e->cur, ev->value);
		break;
	case STORE_DELETED:
		if (api_match(w->ls, w->fs, e->cur))
			watch_send_obj(w, "DELETED", e->cur, ev->value);
		break;
	case STORE_MODIFIED:
		now_m = api_match(w->ls, w->fs, e->cur);
		was_m = e->prev && api_match(w->ls, w->fs, e->prev);
		if (now_m)
			watch_send_obj(w, was_m ? "MODIFIED" : "ADDED", e->cur, ev->value);
		else if (was_m) {
			/* stopped matching: DELETED with the previous content at
			 * the new revision (the upstream cacher's behaviour) */
			cJSON *p = cJSON_Duplicate(e->prev, true);
			cJSON *md = cJSON_GetObjectItemCaseSensitive(p, "metadata");
			char rv[24];

			snprintf(rv, sizeof(rv), "%lld", (long long)ev->rev);
			cJSON_DeleteItemFromObjectCaseSensitive(md, "resourceVersion");
			cJSON_AddStringToObject(md, "resourceVersion", rv);
			watch_send_obj(w, "DELETED", p, NULL);
			cJSON_Delete(p);
		}
		break;
	}
}

static void watch_free_ev(struct watch_ev *e)
{
	cJSON_Delete(e->cur);
	cJSON_Delete(e->prev);
}

void api_watch_on_event(void *ud, const struct store_event *ev)
{
	struct api *a = ud;
	struct watch_ev e = {.ev = ev};

	for (struct api_watch *w = a->watches; w; w = w->next)
		watch_deliver(w, &e);
	watch_free_ev(&e);
}

static void watch_replay_cb(void *ud, const struct store_event *ev)
{
	struct watch_ev e = {.ev = ev};

	watch_deliver(ud, &e);
	watch_free_ev(&e);
}

static void watch_initial_cb(void *ud, const struct store_kv *kv)
{
	struct api_watch *w = ud;
	cJSON *obj;

	if (!w->ls && !w->fs && !w->table && !w->partial && !w->rt->storage) {
		watch_send_line(w, "ADDED", kv->value, kv->value_len);
		return;
	}
	obj = cJSON_Parse(kv->value);
	if (obj && api_match(w->ls, w->fs, obj))
		watch_send_obj(w, "ADDED", obj, kv->value);
	cJSON_Delete(obj);
}

static void watch_bookmark(struct api_watch *w)
{
	char line[256];
	int n;

	n = snprintf(line, sizeof(line),
		     "{\"kind\":\"%s\",\"apiVersion\":\"%s\",\"metadata\":{\"resourceVersion\":"
		     "\"%lld\"}}",
		     w->partial ? "PartialObjectMetadata" : w->rt->kind,
		     w->partial ? w->partial : w->rt->api_version,
		     (long long)store_rev(w->a->store));
	watch_send_line(w, "BOOKMARK", line, (size_t)n);
}

void api_watch_bookmarks(struct api *a)
{
	for (struct api_watch *w = a->watches; w; w = w->next)
		if (w->bookmarks && !w->table)
			watch_bookmark(w);
}

void api_watch_stats(const struct api *a, size_t *total, size_t *max)
{
	*total = *max = 0;
	for (const struct api_watch *w = a->watches; w; w = w->next) {
		size_t n = w->ended ? 0 : http_stream_buffered(w->st);

		*total += n;
		if (n > *max)
			*max = n;
	}
}

void api_watch_poke(struct api *a)
{
	for (struct api_watch *w = a->watches; w; w = w->next)
		if (!w->ended)
			http_stream_poke(w->st);
}

void api_watch(struct api *a, struct http_req *req, const struct api_target *t,
	       const struct api_media *m)
{
	const char *tos = http_req_query(req, "timeoutSeconds");
	const char *bm = http_req_query(req, "allowWatchBookmarks");
	struct api_watch *w;
	int64_t from = 0;
	double timeout;
	char msg[300];

	if (api_parse_rv(req, &from))
		return;
	if (from > store_rev(a->store)) {
		/* Ahead of the store (it was lost or replaced): the client must
		 * re-list, not get older events as if they were new. */
		api_status_rv_too_large(req, from, store_rev(a->store));
		return;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		api_status(req, 500, "InternalError", "Internal error occurred: out of memory",
			   NULL);
		return;
	}
	if (api_selectors(req, t->rt, &w->ls, &w->fs)) {
		free(w);
		return;
	}
	w->a = a;
	w->rt = t->rt;
	w->table = m->view == API_VIEW_TABLE;
	w->partial = m->view == API_VIEW_PARTIAL ? m->meta_gv : NULL;
	w->bookmarks = bm && api_parse_bool(bm);
	api_prefix(w->prefix, sizeof(w->prefix), t->rt, t->has_ns ? t->ns : NULL);
	if (t->has_name) {
		/* a watch on a single object path is not a Kubernetes route */
		sel_free(w->ls);
		sel_free(w->fs);
		free(w);
		api_status(req, 405, "MethodNotAllowed",
			   "the server does not allow this method on the requested resource", NULL);
		return;
	}
	w->st = http_reply_stream(req, "application/json", watch_on_close, w);
	if (!w->st) {
		sel_free(w->ls);
		sel_free(w->fs);
		free(w);
		api_status(req, 500, "InternalError", "Internal error occurred: out of memory",
			   NULL);
		return;
	}
	w->next = a->watches;
	if (a->watches)
		a->watches->prev = w;
	a->watches = w;
	a->nwatches++;

	/* upstream ends a watch without timeoutSeconds after 30-60 minutes */
	timeout = tos ? strtod(tos, NULL) : 1800 + rand() % 1800;
	if (timeout <= 0)
		timeout = 1800;
	ev_timer_init(&w->timeout, watch_timeout_cb, timeout, 0.);
	w->timeout.data = w;
	ev_timer_start(a->loop, &w->timeout);

	if (from == 0) {
		/* "" and "0": synthetic ADDED for everything, then changes */
		w->last_rev = store_rev(a->store);
		store_list(a->store, w->prefix, watch_initial_cb, w);
		return;
	}
	if (store_replay(a->store, from, watch_replay_cb, w) == -ERANGE) {
		snprintf(
		    msg, sizeof(msg),
		    "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
		    "\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource "
		    "version: %lld (%lld)\",\"reason\":\"Expired\",\"code\":410}}\n",
		    (long long)from, (long long)store_oldest_rev(a->store));
		http_stream_write(w->st, msg, strlen(msg));
		watch_end(w);
		return;
	}
	if (w->last_rev < from)
		w->last_rev = from;
}
