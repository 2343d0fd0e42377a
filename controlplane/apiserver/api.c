/* api: request entry point — authentication, routing, group commit. */
#include <errno.h>
#include <malloc.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "log.h"

/* How often old watch history is dropped, and bookmarks are sent. */
#define API_COMPACT_INTERVAL  5.0
#define API_BOOKMARK_INTERVAL 30.0

static void api_compact_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct api *a = w->data;

	api_watch_poke(a);

	if (store_compact(a->store) < 0)
		pr_warn("store: compaction failed");
	/* Slow watchers were closed: give their freed buffers' pages back to
	 * the system (what glibc kept in the heap) rather than stay resident. */
	if (a->trim_wanted) {
		a->trim_wanted = false;
		malloc_trim(0);
	}
}

static void api_bookmark_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	api_watch_bookmarks(w->data);
}

int api_init(struct api *a, struct ev_loop *loop, struct store *st, const char *svc_cidr,
	     const char *node_port_range, const struct api_config *cfg)
{
	int err;

	memset(a, 0, sizeof(*a));
	a->loop = loop;
	a->store = st;
	a->cfg = *cfg;
	snprintf(a->svc_cidr, sizeof(a->svc_cidr), "%s", svc_cidr);
	snprintf(a->node_port_range, sizeof(a->node_port_range), "%s", node_port_range);
	err = api_alloc_rebuild(a);
	if (err)
		goto err_alloc;
	err = store_subscribe(st, api_watch_on_event, a);
	if (err)
		goto err_alloc;
	ev_timer_init(&a->compact_timer, api_compact_cb, API_COMPACT_INTERVAL,
		      API_COMPACT_INTERVAL);
	a->compact_timer.data = a;
	ev_timer_start(loop, &a->compact_timer);
	ev_timer_init(&a->bookmark_timer, api_bookmark_cb, API_BOOKMARK_INTERVAL,
		      API_BOOKMARK_INTERVAL);
	a->bookmark_timer.data = a;
	ev_timer_start(loop, &a->bookmark_timer);
	return 0;

err_alloc:
	alloc_free(&a->alloc.svc_ips);
	alloc_free(&a->alloc.node_ports);
	return err;
}

void api_commit(struct api *a)
{
	if (a->commit && store_dirty(a->store))
		a->commit(a->commit_ud);
}

struct api_reserve_ctx {
	struct api *a;
	const struct res_type *rt;
};

static void api_reserve_one(void *ud, const struct store_kv *kv)
{
	struct api_reserve_ctx *c = ud;
	cJSON *obj = cJSON_Parse(kv->value);

	if (!obj) {
		pr_warn("alloc: %s is not valid JSON; what it holds is not reserved", kv->key);
		return;
	}
	c->rt->reserve(&c->a->alloc, obj, kv->key);
	cJSON_Delete(obj);
}

int api_alloc_rebuild(struct api *a)
{
	struct res_alloc *ra = &a->alloc;
	int err;

	alloc_free(&ra->svc_ips);
	alloc_free(&ra->node_ports);
	err = alloc_ip_init(&ra->svc_ips, a->svc_cidr);
	if (!err)
		err = alloc_port_init(&ra->node_ports, a->node_port_range);
	if (err)
		return err;
	for (int i = 0; i < res_ntypes; i++) {
		struct api_reserve_ctx c = {a, res_types[i]};
		char prefix[300];

		if (!c.rt->reserve)
			continue;
		api_prefix(prefix, sizeof(prefix), c.rt, NULL);
		store_list(a->store, prefix, api_reserve_one, &c);
	}
	pr_info("alloc: %u of %u cluster IPs and %u node ports in use", ra->svc_ips.used,
		ra->svc_ips.size, ra->node_ports.used);
	return 0;
}

void api_fini(struct api *a)
{
	ev_timer_stop(a->loop, &a->compact_timer);
	ev_timer_stop(a->loop, &a->bookmark_timer);
	store_unsubscribe(a->store, api_watch_on_event, a);
	alloc_free(&a->alloc.svc_ips);
	alloc_free(&a->alloc.node_ports);
}

static bool api_token_ok(struct api *a, struct http_req *req)
{
	const char *h = http_req_header(req, "Authorization");
	bool ok = false;

	if (!h)
		return a->cfg.anonymous_plain;
	if (strncasecmp(h, "Bearer ", 7))
		return false;
	h += 7;
	for (const char **t = a->cfg.tokens; t && *t; t++) {
		size_t n = strlen(*t);
		unsigned char diff = 0;

		if (strlen(h) != n)
			continue;
		/* constant time: do not leak how much of a token matched */
		for (size_t i = 0; i < n; i++)
			diff |= (unsigned char)(h[i] ^ (*t)[i]);
		ok |= diff == 0;
	}
	return ok;
}

static void api_method_not_allowed(struct http_req *req)
{
	api_status(req, 405, "MethodNotAllowed",
		   "the server does not allow this method on the requested resource", NULL);
}

/* A read answered while this loop iteration holds uncommitted writes may
 * have seen them: hold it with them, so it goes out only once they are
 * durable (or is replaced by the 500 if their commit fails). */
static void api_hold_read(struct api *a, struct http_req *req)
{
	if (store_dirty(a->store))
		http_req_defer(req);
}

static void api_dispatch(struct api *a, struct http_req *req, const struct api_target *t)
{
	const char *m = http_req_method(req);
	const char *watch = http_req_query(req, "watch");

	if (!t->has_name) {
		if (!strcmp(m, "GET")) {
			if (watch && api_parse_bool(watch))
				api_watch(a, req, t, api_wants_table(req));
			else {
				api_list(a, req, t);
				api_hold_read(a, req);
			}
		} else if (!strcmp(m, "POST")) {
			api_create(a, req, t);
		} else if (!strcmp(m, "DELETE") && !t->rt->no_deletecollection) {
			api_delete_collection(a, req, t);
		} else {
			api_method_not_allowed(req);
		}
		return;
	}
	if (!strcmp(t->sub, "scale")) {
		if (!strcmp(m, "GET") || !strcmp(m, "PUT") || !strcmp(m, "PATCH"))
			api_scale(a, req, t);
		else
			api_method_not_allowed(req);
		return;
	}
	if (!strcmp(t->sub, "binding") || !strcmp(t->sub, "eviction")) {
		if (strcmp(m, "POST"))
			api_method_not_allowed(req);
		else if (!strcmp(t->sub, "binding"))
			api_binding(a, req, t);
		else
			api_eviction(a, req, t);
		return;
	}
	if (!strcmp(m, "GET")) {
		api_get(a, req, t);
		api_hold_read(a, req);
	} else if (!strcmp(m, "PUT"))
		api_update(a, req, t);
	else if (!strcmp(m, "PATCH"))
		api_patch(a, req, t);
	else if (!strcmp(m, "DELETE") && !t->sub[0])
		api_delete(a, req, t);
	else
		api_method_not_allowed(req);
}

static const char *api_public[] = {"/healthz", "/livez", "/readyz", NULL};

void api_handle(void *ud, struct http_req *req)
{
	struct api *a = ud;
	const char *path = http_req_path(req);
	struct api_target t;

	a->n_requests++;
	for (const char **p = api_public; *p; p++) {
		if (!strcmp(path, *p)) {
			http_reply(req, 200, "text/plain; charset=utf-8", "ok", 2);
			return;
		}
	}
	if (api_path_is(path, "/version")) {
		api_discovery(a, req, path);
		return;
	}
	if (!api_token_ok(a, req)) {
		api_status(req, 401, "Unauthorized", "Unauthorized", NULL);
		return;
	}
	http_req_authenticated(req);
	if (!strcmp(path, "/metrics") && a->metrics) {
		char *buf = malloc(65536);

		if (buf) {
			size_t n = a->metrics(a->metrics_ud, buf, 65536);

			http_reply(req, 200, "text/plain; version=0.0.4", buf,
				   n < 65536 ? n : 65535);
			free(buf);
		}
		return;
	}
	if (api_discovery(a, req, path))
		return;
	switch (api_route(path, &t)) {
	case 0:
		break;
	case -EINVAL: /* as Go's net/url refuses a bad escape */
		api_status(req, 400, "BadRequest", "invalid URL escape in the request path", NULL);
		return;
	default:
		api_status(req, 404, "NotFound", "the server could not find the requested resource",
			   cJSON_CreateObject());
		return;
	}
	api_dispatch(a, req, &t);
}
