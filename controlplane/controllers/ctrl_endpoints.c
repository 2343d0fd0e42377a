/* ctrl_endpoints: kube-controller-manager's endpoints controller, for the
 * clients that still read core/v1 Endpoints (`kubectl get endpoints`,
 * older client libraries). A Service with a selector has an Endpoints of
 * its name: every pod it selects that has an IP and is not terminal is an
 * address (Ready, or any with publishNotReadyAddresses) or a
 * notReadyAddress, under each Service port the pod resolves; the subsets
 * are repacked as upstream's RepackSubsets (the ports offered by the same
 * set of addresses share a subset; addresses sorted by IP and uid). The
 * object is labelled as the Service plus skip-mirror (the mirroring
 * controller must not copy it back into slices) and written only when its
 * subsets or labels differ. The Endpoints of a Service without a selector
 * are left alone; a deleted Service's Endpoints are deleted, except
 * `kubernetes`, which skiff-server maintains itself (bootstrap.c). */
#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apiserver/api.h"
#include "controllers.h"
#include "jcmp.h"
#include "log.h"

#define EPC_RESYNC 30.0

struct ctrl_endpoints {
	struct api *a;
	const struct res_type *rt;
	struct ctrl_queue *q;
	struct eps_index *x;
	struct ctrl_informer *ep_inf;
};

/* An Endpoints changed (a client edited or deleted ours): its Service
 * says again what it must hold. */
static void epc_ep_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	struct ctrl_endpoints *c = ud;

	if (eps_index_selector(c->x, key))
		ctrl_queue_add(c->q, key);
}

static void epc_ep_remove(void *ud, const char *key, const cJSON *old)
{
	epc_ep_upsert(ud, key, NULL, old);
}

static const struct informer_ops epc_ep_ops = {.upsert = epc_ep_upsert, .remove = epc_ep_remove};

/* One address under one port: what RepackSubsets starts from. */
struct epc_addr {
	const char *ip, *uid;
	bool ready;
	cJSON *addr; /* EndpointAddress */
};

struct epc_port {
	char *key;   /* the port, printed: its identity */
	cJSON *port; /* EndpointPort, NULL: none (a headless Service without ports) */
	struct epc_addr **v;
	size_t n, cap;
	char *set; /* the identities of its addresses, in order */
	bool done;
};

struct epc_plan {
	const cJSON *svc;
	char ns[EPS_KEY];
	const char *name;
	struct epc_port *p;
	size_t np, pcap;
	struct epc_addr **all; /* every address made, to free */
	size_t nall, allcap;
	int err;
};

static int epc_addr_cmp(const void *a, const void *b)
{
	const struct epc_addr *x = *(struct epc_addr *const *)a, *y = *(struct epc_addr *const *)b;
	int r = strcmp(x->ip, y->ip);

	return r ? r : strcmp(x->uid, y->uid);
}

static int epc_port_cmp(const void *a, const void *b)
{
	const struct epc_port *x = *(struct epc_port *const *)a, *y = *(struct epc_port *const *)b;

	return strcmp(x->key, y->key);
}

static struct epc_port *epc_port_get(struct epc_plan *pl, cJSON *port)
{
	char *key = port ? cJSON_PrintUnformatted(port) : strdup("");
	struct epc_port *p;

	if (!key)
		goto nomem;
	for (size_t i = 0; i < pl->np; i++) {
		if (!strcmp(pl->p[i].key, key)) {
			free(key);
			cJSON_Delete(port);
			return &pl->p[i];
		}
	}
	if (pl->np == pl->pcap) {
		size_t cap = pl->pcap ? 2 * pl->pcap : 4;
		struct epc_port *v = realloc(pl->p, cap * sizeof(*v));

		if (!v)
			goto nomem;
		pl->p = v;
		pl->pcap = cap;
	}
	p = &pl->p[pl->np++];
	memset(p, 0, sizeof(*p));
	p->key = key;
	p->port = port;
	return p;
nomem:
	free(key);
	cJSON_Delete(port);
	return NULL;
}

static int epc_port_add(struct epc_plan *pl, cJSON *port, struct epc_addr *a)
{
	struct epc_port *p = epc_port_get(pl, port);

	if (!p)
		return -ENOMEM;
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 16;
		struct epc_addr **v = realloc(p->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = a;
	return 0;
}

static struct epc_addr *epc_addr_new(struct epc_plan *pl, const cJSON *pod, bool ready)
{
	struct epc_addr *a = calloc(1, sizeof(*a));
	const char *host = eps_pod_hostname(pod, pl->svc), *node = json_str(pod, "spec.nodeName");
	cJSON *ref;

	if (!a || !(a->addr = cJSON_CreateObject()))
		goto nomem;
	if (pl->nall == pl->allcap) {
		size_t cap = pl->allcap ? 2 * pl->allcap : 16;
		struct epc_addr **v = realloc(pl->all, cap * sizeof(*v));

		if (!v)
			goto nomem;
		pl->all = v;
		pl->allcap = cap;
	}
	pl->all[pl->nall++] = a;
	a->ip = eps_pod_ipv4(pod);
	a->uid = json_str(pod, "metadata.uid") ?: "";
	a->ready = ready;
	cJSON_AddStringToObject(a->addr, "ip", a->ip);
	if (host)
		cJSON_AddStringToObject(a->addr, "hostname", host);
	if (node && *node)
		cJSON_AddStringToObject(a->addr, "nodeName", node);
	ref = cJSON_AddObjectToObject(a->addr, "targetRef");
	cJSON_AddStringToObject(ref, "kind", "Pod");
	cJSON_AddStringToObject(ref, "namespace", pl->ns);
	cJSON_AddStringToObject(ref, "name", json_str(pod, "metadata.name") ?: "");
	cJSON_AddStringToObject(ref, "uid", a->uid);
	return a;
nomem:
	if (a)
		cJSON_Delete(a->addr);
	free(a);
	return NULL;
}

/* EndpointPort of a Service port (the name only when it has one). */
static cJSON *epc_port(const cJSON *sp, int port)
{
	const char *name = json_str(sp, "name"), *app = json_str(sp, "appProtocol");
	cJSON *p = cJSON_CreateObject();

	if (!p)
		return NULL;
	if (name && *name)
		cJSON_AddStringToObject(p, "name", name);
	cJSON_AddNumberToObject(p, "port", port);
	cJSON_AddStringToObject(p, "protocol", json_str(sp, "protocol") ?: "TCP");
	if (app)
		cJSON_AddStringToObject(p, "appProtocol", app);
	return p;
}

static void epc_plan_pod(void *ud, const cJSON *pod)
{
	struct epc_plan *pl = ud;
	bool pub = cJSON_IsTrue(json_at(pl->svc, "spec.publishNotReadyAddresses"));
	const cJSON *ports = json_at(pl->svc, "spec.ports"), *sp;
	const char *cip = json_str(pl->svc, "spec.clusterIP");
	struct epc_addr *a;

	/* terminating pods only when not-ready ones are published anyway */
	if (pl->err || !eps_pod_in_endpoints(pod, pub))
		return;
	a = epc_addr_new(pl, pod, pub || eps_pod_ready(pod));
	if (!a) {
		pl->err = -ENOMEM;
		return;
	}
	/* a headless Service without ports still lists its addresses */
	if (!cJSON_GetArraySize(ports) && cip && !strcmp(cip, "None"))
		pl->err = epc_port_add(pl, NULL, a);
	cJSON_ArrayForEach(sp, ports)
	{
		int port = eps_pod_port(pod, sp);
		cJSON *p;

		if (port < 0 || pl->err)
			continue;
		p = epc_port(sp, port);
		pl->err = p ? epc_port_add(pl, p, a) : -ENOMEM;
	}
}

/* The address set of p as a string ("ip/uid/ready,..." sorted). */
static int epc_port_set(struct epc_port *p)
{
	size_t len = 1;

	qsort(p->v, p->n, sizeof(*p->v), epc_addr_cmp);
	for (size_t i = 0; i < p->n; i++)
		len += strlen(p->v[i]->ip) + strlen(p->v[i]->uid) + 4;
	p->set = malloc(len);
	if (!p->set)
		return -ENOMEM;
	*p->set = 0;
	for (size_t i = 0; i < p->n; i++) {
		strcat(p->set, p->v[i]->ip);
		strcat(p->set, "/");
		strcat(p->set, p->v[i]->uid);
		strcat(p->set, p->v[i]->ready ? "/1," : "/0,");
	}
	return 0;
}

/* RepackSubsets: the ports with one address set become one subset. */
static cJSON *epc_subsets(struct epc_plan *pl)
{
	struct epc_port **order = calloc(pl->np + 1, sizeof(*order));
	cJSON *subsets = cJSON_CreateArray();

	if (!order || !subsets)
		goto nomem;
	for (size_t i = 0; i < pl->np; i++) {
		order[i] = &pl->p[i];
		if (epc_port_set(&pl->p[i]))
			goto nomem;
	}
	qsort(order, pl->np, sizeof(*order), epc_port_cmp);
	for (size_t i = 0; i < pl->np; i++) {
		struct epc_port *p = order[i];
		cJSON *ss, *ready, *notready, *ports;

		if (p->done || !p->n)
			continue;
		ss = cJSON_CreateObject();
		cJSON_AddItemToArray(subsets, ss);
		ready = cJSON_CreateArray();
		notready = cJSON_CreateArray();
		ports = cJSON_CreateArray();
		for (size_t k = 0; k < p->n; k++)
			cJSON_AddItemToArray(p->v[k]->ready ? ready : notready,
					     cJSON_Duplicate(p->v[k]->addr, 1));
		for (size_t j = i; j < pl->np; j++) {
			struct epc_port *q = order[j];

			if (q->done || strcmp(q->set, p->set))
				continue;
			q->done = true;
			if (q->port)
				cJSON_AddItemToArray(ports, cJSON_Duplicate(q->port, 1));
		}
		/* omitempty, as upstream serializes them */
		cJSON_AddItemToObject(ss, "addresses", ready);
		cJSON_AddItemToObject(ss, "notReadyAddresses", notready);
		cJSON_AddItemToObject(ss, "ports", ports);
		if (!cJSON_GetArraySize(ready))
			cJSON_DeleteItemFromObjectCaseSensitive(ss, "addresses");
		if (!cJSON_GetArraySize(notready))
			cJSON_DeleteItemFromObjectCaseSensitive(ss, "notReadyAddresses");
		if (!cJSON_GetArraySize(ports))
			cJSON_DeleteItemFromObjectCaseSensitive(ss, "ports");
	}
	free(order);
	return subsets;
nomem:
	free(order);
	cJSON_Delete(subsets);
	return NULL;
}

static void epc_plan_free(struct epc_plan *pl)
{
	for (size_t i = 0; i < pl->np; i++) {
		free(pl->p[i].key);
		free(pl->p[i].set);
		free(pl->p[i].v);
		cJSON_Delete(pl->p[i].port);
	}
	for (size_t i = 0; i < pl->nall; i++) {
		cJSON_Delete(pl->all[i]->addr);
		free(pl->all[i]);
	}
	free(pl->p);
	free(pl->all);
}

/* Absent and [] subsets are the same (upstream omits an empty list). */
static bool epc_same_subsets(const cJSON *a, const cJSON *b)
{
	if (!cJSON_GetArraySize(a) && !cJSON_GetArraySize(b))
		return true;
	return jcmp_equal(a, b) == 1;
}

static int epc_write(struct ctrl_endpoints *c, struct epc_plan *pl, cJSON *subsets, cJSON *labels)
{
	char key[2 * EPS_KEY], msg[512];
	const cJSON *have;
	cJSON *obj, *md;
	int code = 0;
	int64_t rev;

	snprintf(key, sizeof(key), "%s/%s", pl->ns, pl->name);
	have = ctrl_informer_get(c->ep_inf, key);
	if (have && epc_same_subsets(json_at(have, "subsets"), subsets) &&
	    jcmp_equal(json_at(have, "metadata.labels"), labels) == 1)
		return 0;
	obj = have ? cJSON_Duplicate(have, 1) : cJSON_CreateObject();
	if (!obj)
		return -ENOMEM;
	if (!have) {
		cJSON_AddStringToObject(obj, "kind", c->rt->kind);
		cJSON_AddStringToObject(obj, "apiVersion", c->rt->api_version);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(obj, "metadata"), "name", pl->name);
	}
	md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	eps_set(md, "labels", cJSON_Duplicate(labels, 1));
	eps_set(obj, "subsets", cJSON_Duplicate(subsets, 1));
	if (have)
		rev = api_store_update(c->a, c->rt, pl->ns, "", obj, eps_rev(have), &code, msg,
				       sizeof(msg));
	else
		rev = api_store_create(c->a, c->rt, pl->ns, obj, &code, msg, sizeof(msg));
	cJSON_Delete(obj);
	if (rev < 0) {
		pr_err("endpoints %s: cannot write: %s", key, msg);
		return (int)rev;
	}
	pr_debug("endpoints %s: %d subsets", key, cJSON_GetArraySize(subsets));
	return 0;
}

static int epc_sync(void *ud, const char *key)
{
	struct ctrl_endpoints *c = ud;
	struct epc_plan pl = {0};
	const struct selector *sel = eps_index_selector(c->x, key);
	cJSON *subsets = NULL, *labels = NULL;
	int err;

	pl.name = eps_split_key(key, pl.ns);
	if (!pl.name)
		return 0;
	pl.svc = ctrl_informer_get(eps_index_services(c->x), key);
	if (!pl.svc) {
		/* the Service is gone: so are its Endpoints (not the server's) */
		if (!ctrl_informer_get(c->ep_inf, key) ||
		    (!strcmp(pl.ns, "default") && !strcmp(pl.name, "kubernetes")))
			return 0;
		err = (int)api_store_delete(c->a, c->rt, pl.ns, pl.name, false);
		return err == -ENOENT || err > 0 ? 0 : err;
	}
	if (!sel)
		return 0;
	eps_index_foreach_pod(c->x, pl.ns, sel, epc_plan_pod, &pl);
	err = pl.err;
	if (!err && !(subsets = epc_subsets(&pl)))
		err = -ENOMEM;
	if (!err && !(labels = eps_service_labels(pl.svc)))
		err = -ENOMEM;
	if (!err) {
		eps_set(labels, EPS_LABEL_SKIP_MIRROR, cJSON_CreateString("true"));
		err = epc_write(c, &pl, subsets, labels);
	}
	cJSON_Delete(subsets);
	cJSON_Delete(labels);
	epc_plan_free(&pl);
	return err;
}

static void epc_after(void *ud)
{
	struct ctrl_endpoints *c = ud;

	api_commit(c->a);
}

static bool epc_wanted(const cJSON *svc)
{
	return svc != NULL;
}

void ctrl_endpoints_stop(struct ctrl_endpoints *c)
{
	if (!c)
		return;
	eps_index_free(c->x);
	ctrl_informer_free(c->ep_inf);
	ctrl_queue_free(c->q);
	free(c);
}

int ctrl_endpoints_start(struct api *a, struct ev_loop *loop, struct ctrl_endpoints **out)
{
	struct ctrl_endpoints *c = calloc(1, sizeof(*c));
	int err = -ENOMEM;

	if (!c)
		return -ENOMEM;
	c->a = a;
	c->rt = res_lookup("", "v1", "endpoints");
	c->q = ctrl_queue_new(loop, epc_sync, epc_after, c);
	c->x = c->q ? eps_index_new(a, c->q) : NULL;
	c->ep_inf = ctrl_informer_new(a->store, "/registry/endpoints/", &epc_ep_ops, c);
	if (!c->rt || !c->q || !c->x || !c->ep_inf)
		goto err;
	/* the Endpoints before the Services' list queues every Service */
	err = ctrl_informer_start(c->ep_inf);
	if (!err)
		err = eps_index_start(c->x);
	if (err)
		goto err;
	ctrl_queue_resync(c->q, eps_index_services(c->x), EPC_RESYNC, epc_wanted);
	*out = c;
	return 0;
err:
	ctrl_endpoints_stop(c);
	return err;
}
