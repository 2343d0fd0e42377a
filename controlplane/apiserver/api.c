/* api: request entry point — authentication, routing, group commit. */
#include <errno.h>
#include <malloc.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "auth/audit.h"
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
	alloc_free(&a->alloc.pod_cidrs);
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
	alloc_free(&ra->pod_cidrs);
	err = alloc_ip_init(&ra->svc_ips, a->svc_cidr);
	if (!err)
		err = alloc_port_init(&ra->node_ports, a->node_port_range);
	/* a /24 per node, as kube-controller-manager's --node-cidr-mask-size */
	if (!err && a->cfg.cluster_cidr)
		err = alloc_cidr_init(&ra->pod_cidrs, a->cfg.cluster_cidr, 24, &ra->pod_net);
	ra->pod_block_bits = 24;
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
	alloc_free(&a->alloc.pod_cidrs);
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

	/* a virtual (review) resource is create-only: nothing to list or get */
	if (t->rt->review) {
		if (t->has_name || strcmp(m, "POST"))
			api_method_not_allowed(req);
		else
			api_create(a, req, t);
		return;
	}
	if (!t->has_name) {
		if (!strcmp(m, "GET")) {
			struct api_media md;

			if (watch && api_parse_bool(watch)) {
				if (!api_accept(req, API_READ_WATCH, &md))
					api_watch(a, req, t, &md);
			} else {
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
	if (!strcmp(t->sub, "log")) {
		if (strcmp(m, "GET"))
			api_method_not_allowed(req);
		else
			api_pod_log(a, req, t);
		return;
	}
	if (!strcmp(t->sub, "token")) {
		if (strcmp(m, "POST"))
			api_method_not_allowed(req);
		else
			api_token_request(a, req, t);
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

/* The audit event of a request: begun once the asker is known (user NULL
 * for a 401), written when the response has gone out (http's done hook). */
static void api_audit(struct api *a, struct http_req *req, const struct api_auth_req *ar,
		      const struct api_target *t)
{
	struct audit_user au, ai;
	struct audit_req_info info = {0};
	const char *gv[AUTH_MAX_GROUPS], *giv[AUTH_MAX_GROUPS];
	struct audit_event *ev;
	char uri[2048], verb[16];
	size_t n;

	if (!a->audit)
		return;
	n = (size_t)snprintf(uri, sizeof(uri), "%s", http_req_path(req));
	if (n < sizeof(uri))
		http_req_query_text(req, uri + n, sizeof(uri) - n);
	info.request_uri = uri;
	info.source_ip = http_req_peer(req);
	info.user_agent = http_req_header(req, "User-Agent");
	info.verb = ar->at.verb ? ar->at.verb : api_method_verb(req, verb, sizeof(verb));
	if (ar->authenticated) {
		for (int i = 0; i < ar->user.ngroups; i++)
			gv[i] = ar->user.groups[i];
		au = (struct audit_user){ar->user.name, ar->user.uid, gv, ar->user.ngroups};
		info.user = &au;
	}
	if (ar->impersonated) {
		for (int i = 0; i < ar->imp.ngroups; i++)
			giv[i] = ar->imp.groups[i];
		ai = (struct audit_user){ar->imp.name, ar->imp.uid, giv, ar->imp.ngroups};
		info.impersonated = &ai;
	}
	if (t && t->rt) {
		info.resource = t->rt->plural;
		info.subresource = t->sub;
		info.ns = t->has_ns ? t->ns : NULL;
		info.name = t->has_name ? t->name : NULL;
		info.api_group = t->rt->group;
		info.api_version = t->rt->version;
	}
	if (ar->at.verb && ar->authenticated) {
		info.decision = ar->allowed ? "allow" : "forbid";
		info.reason = ar->reason[0] ? ar->reason : NULL;
	}
	ev = audit_begin(a->audit, &info);
	if (!ev)
		return;
	http_reply_header(req, "Audit-Id", audit_event_id(ev));
	http_req_on_done(req, audit_end_cb, ev);
}

/* Discovery documents: /api, /api/v1, /apis, /apis/<g>, /apis/<g>/<v>
 * and the OpenAPI paths (longer /api paths name resources). */
static bool api_is_discovery(const char *path)
{
	int segs = 0;

	if (!strncmp(path, "/openapi/", 9) || !strcmp(path, "/swagger-2.0.0.pb-v1"))
		return true;
	for (const char *p = path; *p; p++)
		if (*p == '/' && p[1])
			segs++;
	if (api_path_is(path, "/api") || !strncmp(path, "/api/", 5))
		return segs <= 2;
	if (api_path_is(path, "/apis") || !strncmp(path, "/apis/", 6))
		return segs <= 3;
	return false;
}

/* The non-resource paths served to authenticated users: authorized as a
 * path (the lower-case method as verb), as upstream. true if answered. */
static bool api_handle_path(struct api *a, struct http_req *req, struct api_auth_req *ar,
			    const char *path)
{
	bool discovery = api_is_discovery(path);
	bool metrics = !strcmp(path, "/metrics") && a->metrics;
	bool join = api_path_is(path, "/skiff/v1/join");

	if (!discovery && !metrics && !join)
		return false;
	api_attrs_path(ar, req, path);
	/* the decision is part of the event: audit after deciding */
	if (!api_authorize(a, req, ar)) {
		api_audit(a, req, ar, NULL);
		return true;
	}
	api_audit(a, req, ar, NULL);
	if (join) {
		api_join(a, req, api_auth_user(ar));
	} else if (metrics) {
		char *buf = malloc(65536);

		if (buf) {
			size_t n = a->metrics(a->metrics_ud, buf, 65536);

			http_reply(req, 200, "text/plain; version=0.0.4", buf,
				   n < 65536 ? n : 65535);
			free(buf);
		}
	} else if (!api_discovery(a, req, path)) {
		api_status(req, 404, "NotFound", "the server could not find the requested resource",
			   cJSON_CreateObject());
	}
	return true;
}

void api_handle(void *ud, struct http_req *req)
{
	struct api *a = ud;
	const char *path = http_req_path(req);
	struct api_target t;
	struct api_auth_req *ar;

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
	if (api_path_is(path, "/cacerts") && a->ca_pem) {
		http_reply(req, 200, "application/x-pem-file", a->ca_pem, strlen(a->ca_pem));
		return;
	}
	ar = malloc(sizeof(*ar));
	if (!ar) {
		api_status(req, 500, "InternalError", "Internal error occurred: out of memory",
			   NULL);
		return;
	}
	if (api_authenticate(a, req, ar)) {
		/* the event still names what was asked (verb, objectRef) */
		bool routed = !api_is_discovery(path) && api_route(path, &t) == 0;

		if (routed)
			api_attrs_resource(ar, req, &t);
		api_audit(a, req, ar, routed ? &t : NULL);
		goto out;
	}
	if (api_handle_path(a, req, ar, path))
		goto out;
	switch (api_route(path, &t)) {
	case 0:
		break;
	case -EINVAL: /* as Go's net/url refuses a bad escape */
		api_audit(a, req, ar, NULL);
		api_status(req, 400, "BadRequest", "invalid URL escape in the request path", NULL);
		goto out;
	default:
		api_audit(a, req, ar, NULL);
		api_status(req, 404, "NotFound", "the server could not find the requested resource",
			   cJSON_CreateObject());
		goto out;
	}
	api_attrs_resource(ar, req, &t);
	if (!api_authorize(a, req, ar)) {
		api_audit(a, req, ar, &t);
		goto out;
	}
	api_audit(a, req, ar, &t);
	t.who = api_auth_user(ar);
	api_dispatch(a, req, &t);
out:
	free(ar);
}
