/* ctrl_endpointslice: kube-controller-manager's endpointslice controller.
 * A Service with a selector is queued ("ns/name") when it changes, when a
 * pod it selects (before or after) changes in a way that could change an
 * endpoint, when one of its managed slices changes, and when the zone of a
 * node one of its pods runs on changes. Its sync computes the endpoints
 * of the pods it selects, grouped by their resolved port list, and
 * reconciles them with the slices it manages as upstream's reconciler
 * does: an endpoint stays in the slice it is in (updated there if it
 * changed), a slice that loses everything is deleted, the endpoints left
 * over fill the slices being written anyway, then new slices of at most
 * 100 (the last partial one into the existing slice it fills best), and a
 * slice that would be deleted is rewritten instead of a new one being
 * created. A slice whose content is already right is not written. Only
 * slices labelled managed-by endpointslice-controller.k8s.io are touched:
 * skiff-server's own `kubernetes` and `kube-dns` slices (managed-by
 * skiff-server) and hand-written ones are not. */
#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apiserver/api.h"
#include "controllers.h"
#include "jcmp.h"
#include "log.h"
#include "strmap.h"

#define EPS_MAX_PER_SLICE 100 /* upstream's --max-endpoints-per-slice default */
/* Services are looked at again this often, so a slice write rolled back by
 * a failed commit (no event follows) is made again. */
#define EPS_RESYNC 30.0

struct ctrl_endpointslice {
	struct api *a;
	const struct res_type *rt;
	struct ctrl_queue *q;
	struct eps_index *x;
	struct ctrl_informer *slice_inf, *node_inf;
	struct strmap by_svc; /* "ns/svc" -> struct strmap * of its managed slices' names */
};

/* ---------------------------------------------------------------- slices */

/* The Service key ("ns/svc") of a slice this controller manages; false
 * for any other slice. */
static bool eps_slice_service(const char *key, const cJSON *slice, char *buf, size_t len)
{
	const char *by = eps_label(slice, EPS_LABEL_MANAGED_BY);
	const char *svc = eps_label(slice, EPS_LABEL_SERVICE);
	char ns[EPS_KEY];

	if (!slice || !by || strcmp(by, EPS_MANAGER) || !svc || !*svc || !eps_split_key(key, ns))
		return false;
	return (size_t)snprintf(buf, len, "%s/%s", ns, svc) < len;
}

static void eps_track(struct ctrl_endpointslice *c, const char *svc, const char *key, bool add)
{
	struct strmap *m = strmap_get(&c->by_svc, svc);
	const char *name = strchr(key, '/') + 1;

	if (!m && add) {
		m = calloc(1, sizeof(*m));
		if (!m || strmap_put(&c->by_svc, svc, m, NULL)) {
			free(m);
			pr_err("endpointslice: out of memory indexing %s", key);
			return;
		}
		strmap_init(m);
	}
	if (add && strmap_put(m, name, (void *)1, NULL))
		pr_err("endpointslice: out of memory indexing %s", key);
	if (!add && m) {
		strmap_del(m, name);
		if (!m->n) {
			strmap_del(&c->by_svc, svc);
			strmap_free(m);
			free(m);
		}
	}
}

static void eps_slice_changed(struct ctrl_endpointslice *c, const char *key, const cJSON *obj,
			      const cJSON *old)
{
	char was[2 * EPS_KEY], is[2 * EPS_KEY];
	bool had = eps_slice_service(key, old, was, sizeof(was));
	bool has = eps_slice_service(key, obj, is, sizeof(is));

	if (had && (!has || strcmp(was, is))) {
		eps_track(c, was, key, false);
		ctrl_queue_add(c->q, was);
	}
	if (has) {
		eps_track(c, is, key, true);
		ctrl_queue_add(c->q, is);
	}
}

static void eps_slice_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	eps_slice_changed(ud, key, obj, old);
}

static void eps_slice_remove(void *ud, const char *key, const cJSON *old)
{
	eps_slice_changed(ud, key, NULL, old);
}

static const struct informer_ops eps_slice_ops = {.upsert = eps_slice_upsert,
						  .remove = eps_slice_remove};

/* ----------------------------------------------------------------- nodes */

struct eps_node_walk {
	struct ctrl_endpointslice *c;
	const char *node;
};

static void eps_node_pod(void *ud, const char *key, const cJSON *pod)
{
	struct eps_node_walk *w = ud;
	const char *node = json_str(pod, "spec.nodeName");

	if (node && !strcmp(node, w->node))
		eps_index_touch_pod(w->c->x, key);
}

/* A node's zone label changed (rare): the Services of its pods are
 * queued, found by a walk over the pods. */
static void eps_node_changed(struct ctrl_endpointslice *c, const char *key, const cJSON *obj,
			     const cJSON *old)
{
	const char *was = old ? eps_label(old, EPS_LABEL_ZONE) : NULL;
	const char *is = obj ? eps_label(obj, EPS_LABEL_ZONE) : NULL;
	struct eps_node_walk w = {c, key};

	if ((!was && !is) || (was && is && !strcmp(was, is)))
		return;
	ctrl_informer_foreach(eps_index_pods(c->x), eps_node_pod, &w);
}

static void eps_node_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	eps_node_changed(ud, key, obj, old);
}

static void eps_node_remove(void *ud, const char *key, const cJSON *old)
{
	eps_node_changed(ud, key, NULL, old);
}

static const struct informer_ops eps_node_ops = {.upsert = eps_node_upsert,
						 .remove = eps_node_remove};

/* ------------------------------------------------------------ the plan */

struct eps_want {
	const char *pod; /* name: new endpoints go in this order */
	cJSON *ep;
	bool used; /* placed */
};

/* The desired endpoints with one resolved port list. */
struct eps_group {
	char *portkey;
	cJSON *ports;
	struct eps_want **v;
	size_t n, cap;
	struct strmap by_id; /* endpoint identity -> struct eps_want * */
	bool has_slice;	     /* a kept or updated slice holds this group */
};

enum { EPS_KEEP, EPS_UPDATE, EPS_DELETE };

struct eps_have {
	const cJSON *obj;
	const char *name;
	char *portkey;
	bool owned; /* by this Service (uid): only then reusable */
	int state;
	cJSON *eps;	     /* EPS_UPDATE: the endpoints to store */
	const cJSON *ports;  /* EPS_UPDATE: the ports to store (a group's) */
	struct eps_group *g; /* its group (NULL: none wants it) */
};

struct eps_plan {
	struct ctrl_endpointslice *c;
	const cJSON *svc;
	char ns[EPS_KEY];
	const char *name;
	struct eps_group *g;
	size_t ng, gcap;
	struct eps_have *h;
	size_t nh, hcap;
	cJSON *labels, *owner;
	int err;
};

static struct eps_group *eps_group_find(struct eps_plan *p, const char *portkey)
{
	for (size_t i = 0; i < p->ng; i++)
		if (!strcmp(p->g[i].portkey, portkey))
			return &p->g[i];
	return NULL;
}

/* The group of portkey, made (taking ports) if new; NULL: no memory. */
static struct eps_group *eps_group_get(struct eps_plan *p, char *portkey, cJSON *ports)
{
	struct eps_group *g = eps_group_find(p, portkey);

	if (g) {
		free(portkey);
		cJSON_Delete(ports);
		return g;
	}
	if (p->ng == p->gcap) {
		size_t cap = p->gcap ? 2 * p->gcap : 4;
		struct eps_group *v = realloc(p->g, cap * sizeof(*v));

		if (!v)
			goto nomem;
		p->g = v;
		p->gcap = cap;
	}
	g = &p->g[p->ng++];
	memset(g, 0, sizeof(*g));
	g->portkey = portkey;
	g->ports = ports;
	strmap_init(&g->by_id);
	return g;
nomem:
	free(portkey);
	cJSON_Delete(ports);
	return NULL;
}

static int eps_group_add(struct eps_group *g, const char *pod, cJSON *ep)
{
	struct eps_want *w = calloc(1, sizeof(*w));
	char id[800];

	if (!w || !ep)
		goto nomem;
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 16;
		struct eps_want **v = realloc(g->v, cap * sizeof(*v));

		if (!v)
			goto nomem;
		g->v = v;
		g->cap = cap;
	}
	w->pod = pod;
	w->ep = ep;
	eps_endpoint_id(ep, id, sizeof(id));
	/* two pods with one IP (a stale status): the first one counts */
	if (strmap_get(&g->by_id, id)) {
		cJSON_Delete(ep);
		free(w);
		return 0;
	}
	if (strmap_put(&g->by_id, id, w, NULL))
		goto nomem;
	g->v[g->n++] = w;
	return 0;
nomem:
	cJSON_Delete(ep);
	free(w);
	return -ENOMEM;
}

static cJSON *eps_slice_endpoint(struct eps_plan *p, const cJSON *pod)
{
	const char *node = json_str(pod, "spec.nodeName");

	return eps_endpoint(p->svc, p->ns, node ? ctrl_informer_get(p->c->node_inf, node) : NULL,
			    pod, eps_pod_ipv4(pod));
}

static void eps_plan_pod(void *ud, const cJSON *pod)
{
	struct eps_plan *p = ud;
	struct eps_group *g;
	cJSON *ports;
	char *key;

	if (p->err || !eps_pod_in_endpoints(pod, true))
		return;
	ports = eps_pod_ports(p->svc, pod);
	key = ports ? eps_portkey(ports) : NULL;
	if (!key) {
		cJSON_Delete(ports);
		p->err = -ENOMEM;
		return;
	}
	g = eps_group_get(p, key, ports);
	if (!g ||
	    eps_group_add(g, json_str(pod, "metadata.name") ?: "", eps_slice_endpoint(p, pod)))
		p->err = -ENOMEM;
}

static void eps_plan_slice(void *ud, const char *name, void *val)
{
	struct eps_plan *p = ud;
	char key[2 * EPS_KEY];
	const cJSON *obj;
	struct eps_have *h;

	snprintf(key, sizeof(key), "%s/%s", p->ns, name);
	obj = ctrl_informer_get(p->c->slice_inf, key);
	if (!obj || p->err)
		return;
	if (p->nh == p->hcap) {
		size_t cap = p->hcap ? 2 * p->hcap : 8;
		struct eps_have *v = realloc(p->h, cap * sizeof(*v));

		if (!v) {
			p->err = -ENOMEM;
			return;
		}
		p->h = v;
		p->hcap = cap;
	}
	h = &p->h[p->nh++];
	memset(h, 0, sizeof(*h));
	h->obj = obj;
	h->name = json_str(obj, "metadata.name");
	h->state = EPS_DELETE;
	h->portkey = eps_portkey(cJSON_GetObjectItemCaseSensitive(obj, "ports"));
	if (!h->portkey)
		p->err = -ENOMEM;
}

static int eps_want_cmp(const void *a, const void *b)
{
	const struct eps_want *x = *(struct eps_want *const *)a, *y = *(struct eps_want *const *)b;

	return strcmp(x->pod, y->pod);
}

static int eps_append(cJSON *arr, const cJSON *ep)
{
	cJSON *d = cJSON_Duplicate(ep, 1);

	if (!d)
		return -ENOMEM;
	cJSON_AddItemToArray(arr, d);
	return 0;
}

/* Step 1 for one existing slice: keep what it holds that is still
 * wanted (updated in place), note whether it must be written. */
static int eps_reconcile_have(struct eps_plan *p, struct eps_have *h)
{
	const cJSON *e, *old = cJSON_GetObjectItemCaseSensitive(h->obj, "endpoints");
	bool changed = false;
	cJSON *eps;

	h->owned = eps_owned(h->obj, p->svc);
	h->g = h->owned ? eps_group_find(p, h->portkey) : NULL;
	if (!h->g)
		return 0; /* EPS_DELETE */
	eps = cJSON_CreateArray();
	if (!eps)
		return -ENOMEM;
	cJSON_ArrayForEach(e, old)
	{
		struct eps_want *w;
		char id[800];

		eps_endpoint_id(e, id, sizeof(id));
		w = strmap_get(&h->g->by_id, id);
		if (!w || w->used) {
			changed = true;
			continue;
		}
		w->used = true;
		if (jcmp_equal(e, w->ep) != 1)
			changed = true;
		if (eps_append(eps, w->ep)) {
			cJSON_Delete(eps);
			return -ENOMEM;
		}
	}
	if (changed && !cJSON_GetArraySize(eps)) {
		cJSON_Delete(eps);
		return 0; /* EPS_DELETE, reusable */
	}
	h->g->has_slice = true;
	h->ports = h->g->ports;
	h->eps = eps;
	/* the Service's labels or this controller's owner reference moved */
	h->state = changed || jcmp_equal(json_at(h->obj, "metadata.labels"), p->labels) != 1 ||
			   jcmp_equal(json_at(h->obj, "metadata.ownerReferences"), p->owner) != 1
		       ? EPS_UPDATE
		       : EPS_KEEP;
	return 0;
}

static int eps_write_new(struct eps_plan *p, struct eps_group *g, cJSON *eps);

/* The kept slice of g that n more endpoints fill best (getSliceToFill). */
static struct eps_have *eps_slice_to_fill(struct eps_plan *p, struct eps_group *g, int n)
{
	struct eps_have *best = NULL;

	for (size_t i = 0; i < p->nh; i++) {
		struct eps_have *h = &p->h[i];
		int have = cJSON_GetArraySize(h->eps);

		if (h->g == g && h->state == EPS_KEEP && have + n <= EPS_MAX_PER_SLICE &&
		    (!best || have > cJSON_GetArraySize(best->eps)))
			best = h;
	}
	return best;
}

/* Steps 3 and 4 for one group: place the endpoints no slice holds. */
static int eps_reconcile_group(struct eps_plan *p, struct eps_group *g)
{
	struct eps_want **rem = calloc(g->n + 1, sizeof(*rem));
	size_t nrem = 0, i = 0;
	int err = 0;

	if (!rem)
		return -ENOMEM;
	for (size_t j = 0; j < g->n; j++)
		if (!g->v[j]->used)
			rem[nrem++] = g->v[j];
	qsort(rem, nrem, sizeof(*rem), eps_want_cmp);
	/* into the slices written anyway */
	for (size_t j = 0; j < p->nh && i < nrem; j++) {
		struct eps_have *h = &p->h[j];

		while (h->g == g && h->state == EPS_UPDATE &&
		       cJSON_GetArraySize(h->eps) < EPS_MAX_PER_SLICE && i < nrem && !err)
			err = eps_append(h->eps, rem[i++]->ep);
	}
	while (i < nrem && !err) {
		size_t n = nrem - i < EPS_MAX_PER_SLICE ? nrem - i : EPS_MAX_PER_SLICE;
		struct eps_have *fill = eps_slice_to_fill(p, g, (int)n);
		cJSON *eps = fill ? fill->eps : cJSON_CreateArray();

		if (!eps) {
			err = -ENOMEM;
			break;
		}
		for (size_t k = 0; k < n && !err; k++)
			err = eps_append(eps, rem[i++]->ep);
		if (fill)
			fill->state = EPS_UPDATE;
		else if (!err)
			err = eps_write_new(p, g, eps);
		else
			cJSON_Delete(eps);
		g->has_slice = true;
	}
	/* a Service without endpoints keeps one empty slice (the placeholder) */
	if (!err && !g->has_slice && !g->n) {
		cJSON *eps = cJSON_CreateArray();

		err = eps ? eps_write_new(p, g, eps) : -ENOMEM;
		g->has_slice = true;
	}
	free(rem);
	return err;
}

/* ------------------------------------------------------------ the writes */

static int eps_store_update(struct eps_plan *p, const struct eps_have *h, const cJSON *eps,
			    const cJSON *ports)
{
	cJSON *obj = cJSON_Duplicate(h->obj, 1), *md;
	char msg[512];
	int code = 0;
	int64_t rev;

	if (!obj)
		return -ENOMEM;
	md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	eps_set(obj, "endpoints", cJSON_Duplicate(eps, 1));
	eps_set(obj, "ports", cJSON_Duplicate(ports, 1));
	eps_set(md, "labels", cJSON_Duplicate(p->labels, 1));
	eps_set(md, "ownerReferences", cJSON_Duplicate(p->owner, 1));
	rev = api_store_update(p->c->a, p->c->rt, p->ns, "", obj, eps_rev(h->obj), &code, msg,
			       sizeof(msg));
	cJSON_Delete(obj);
	if (rev < 0) {
		pr_err("endpointslice %s/%s: cannot update: %s", p->ns, h->name, msg);
		return (int)rev;
	}
	pr_debug("endpointslice %s/%s: %d endpoints", p->ns, h->name, cJSON_GetArraySize(eps));
	return 0;
}

/* A new slice (eps consumed): into a slice that would be deleted if there
 * is one (upstream's finalize: an update instead of a delete and a
 * create), else created. */
static int eps_write_new(struct eps_plan *p, struct eps_group *g, cJSON *eps)
{
	cJSON *obj, *md;
	char msg[512], prefix[EPS_KEY + 1];
	int code = 0, err;

	for (size_t i = 0; i < p->nh; i++) {
		struct eps_have *h = &p->h[i];

		if (h->state == EPS_DELETE && h->owned) {
			h->state = EPS_UPDATE;
			h->eps = eps;
			h->ports = g->ports;
			/* it holds g's endpoints now: only g's may fill it */
			h->g = g;
			return 0;
		}
	}
	obj = cJSON_CreateObject();
	if (!obj) {
		cJSON_Delete(eps);
		return -ENOMEM;
	}
	cJSON_AddStringToObject(obj, "kind", p->c->rt->kind);
	cJSON_AddStringToObject(obj, "apiVersion", p->c->rt->api_version);
	md = cJSON_AddObjectToObject(obj, "metadata");
	snprintf(prefix, sizeof(prefix), "%s-", p->name);
	cJSON_AddStringToObject(md, "generateName", prefix);
	cJSON_AddItemToObject(md, "labels", cJSON_Duplicate(p->labels, 1));
	cJSON_AddItemToObject(md, "ownerReferences", cJSON_Duplicate(p->owner, 1));
	cJSON_AddStringToObject(obj, "addressType", "IPv4");
	cJSON_AddItemToObject(obj, "endpoints", eps);
	cJSON_AddItemToObject(obj, "ports", cJSON_Duplicate(g->ports, 1));
	err = api_store_create(p->c->a, p->c->rt, p->ns, obj, &code, msg, sizeof(msg));
	if (err)
		pr_err("endpointslice %s: cannot create a slice for service %s: %s", p->ns, p->name,
		       msg);
	else
		pr_debug("endpointslice %s/%s: created, %d endpoints", p->ns,
			 json_str(obj, "metadata.name") ?: "", cJSON_GetArraySize(eps));
	cJSON_Delete(obj);
	/* -EEXIST: the generated name was taken; the retry draws another */
	return err;
}

static int eps_apply(struct eps_plan *p)
{
	int err = 0, e;

	for (size_t i = 0; i < p->nh; i++) {
		struct eps_have *h = &p->h[i];

		if (h->state == EPS_UPDATE)
			e = eps_store_update(p, h, h->eps, h->ports);
		else if (h->state == EPS_DELETE)
			e = (int)api_store_delete(p->c->a, p->c->rt, p->ns, h->name, false);
		else
			continue;
		if (e == -ENOENT)
			e = 0;
		if (e < 0 && !err)
			err = e;
	}
	return err;
}

static void eps_plan_free(struct eps_plan *p)
{
	for (size_t i = 0; i < p->ng; i++) {
		struct eps_group *g = &p->g[i];

		for (size_t j = 0; j < g->n; j++) {
			cJSON_Delete(g->v[j]->ep);
			free(g->v[j]);
		}
		free(g->v);
		strmap_free(&g->by_id);
		free(g->portkey);
		cJSON_Delete(g->ports);
	}
	for (size_t i = 0; i < p->nh; i++) {
		free(p->h[i].portkey);
		cJSON_Delete(p->h[i].eps);
	}
	free(p->g);
	free(p->h);
	cJSON_Delete(p->labels);
	cJSON_Delete(p->owner);
}

static int eps_sync(void *ud, const char *key)
{
	struct ctrl_endpointslice *c = ud;
	struct eps_plan p = {.c = c};
	const struct selector *sel = eps_index_selector(c->x, key);
	struct strmap *mine = strmap_get(&c->by_svc, key);
	int err;

	p.name = eps_split_key(key, p.ns);
	if (!p.name)
		return 0;
	p.svc = ctrl_informer_get(eps_index_services(c->x), key);
	if (mine)
		strmap_foreach(mine, eps_plan_slice, &p);
	/* gone, or no selector (any more): its slices are deleted (upstream
	 * leaves that to the garbage collector and keeps them when the
	 * selector goes; neither leaves stale endpoints behind here) */
	if (!p.svc || !sel)
		goto apply;
	p.labels = eps_service_labels(p.svc);
	p.owner = eps_owner_refs(p.svc);
	if (!p.labels || !p.owner)
		p.err = -ENOMEM;
	if (!p.err) {
		eps_set(p.labels, EPS_LABEL_SERVICE, cJSON_CreateString(p.name));
		eps_set(p.labels, EPS_LABEL_MANAGED_BY, cJSON_CreateString(EPS_MANAGER));
		eps_index_foreach_pod(c->x, p.ns, sel, eps_plan_pod, &p);
	}
	/* no endpoints at all: the placeholder's group (no ports) */
	if (!p.err && !p.ng) {
		char *k = strdup("");
		cJSON *none = cJSON_CreateArray();

		if (!k || !none || !eps_group_get(&p, k, none))
			p.err = -ENOMEM;
	}
	for (size_t i = 0; i < p.nh && !p.err; i++)
		p.err = eps_reconcile_have(&p, &p.h[i]);
	for (size_t i = 0; i < p.ng && !p.err; i++)
		p.err = eps_reconcile_group(&p, &p.g[i]);
apply:
	err = p.err ? p.err : eps_apply(&p);
	eps_plan_free(&p);
	return err;
}

static void eps_after(void *ud)
{
	struct ctrl_endpointslice *c = ud;

	api_commit(c->a);
}

static bool eps_wanted(const cJSON *svc)
{
	return svc != NULL;
}

static void eps_free_set(void *ud, const char *key, void *val)
{
	strmap_free(val);
	free(val);
}

void ctrl_endpointslice_stop(struct ctrl_endpointslice *c)
{
	if (!c)
		return;
	eps_index_free(c->x);
	ctrl_informer_free(c->slice_inf);
	ctrl_informer_free(c->node_inf);
	ctrl_queue_free(c->q);
	strmap_foreach(&c->by_svc, eps_free_set, NULL);
	strmap_free(&c->by_svc);
	free(c);
}

int ctrl_endpointslice_start(struct api *a, struct ev_loop *loop, struct ctrl_endpointslice **out)
{
	struct ctrl_endpointslice *c = calloc(1, sizeof(*c));
	int err = -ENOMEM;

	if (!c)
		return -ENOMEM;
	c->a = a;
	c->rt = res_lookup("discovery.k8s.io", "v1", "endpointslices");
	strmap_init(&c->by_svc);
	c->q = ctrl_queue_new(loop, eps_sync, eps_after, c);
	c->x = c->q ? eps_index_new(a, c->q) : NULL;
	c->slice_inf = ctrl_informer_new(a->store, "/registry/endpointslices/", &eps_slice_ops, c);
	c->node_inf = ctrl_informer_new(a->store, "/registry/nodes/", &eps_node_ops, c);
	if (!c->rt || !c->q || !c->x || !c->slice_inf || !c->node_inf)
		goto err;
	/* slices and nodes before the Services' list queues every Service */
	err = ctrl_informer_start(c->slice_inf);
	if (!err)
		err = ctrl_informer_start(c->node_inf);
	if (!err)
		err = eps_index_start(c->x);
	if (err)
		goto err;
	ctrl_queue_resync(c->q, eps_index_services(c->x), EPS_RESYNC, eps_wanted);
	*out = c;
	return 0;
err:
	ctrl_endpointslice_stop(c);
	return err;
}
