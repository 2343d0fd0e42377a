/* ctrl_endpointslice_index: what the EndpointSlice and Endpoints
 * controllers share — the Services and Pods informers with a
 * per-namespace index (each namespace's pod names and its Services'
 * parsed selectors), so a pod's change queues only the Services of its
 * namespace whose selector matches its old or new labels (upstream's
 * GetPodServiceMemberships) and a sync lists only its namespace's pods;
 * and the pod facts both controllers read (upstream's podutil and
 * endpointutil helpers). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apiserver/api.h"
#include "controllers.h"
#include "jcmp.h"
#include "log.h"
#include "selector.h"
#include "strmap.h"

struct eps_ns {
	struct strmap pods; /* pod name -> (void *)1 */
	struct strmap svcs; /* service name -> struct selector * (NULL: none) */
};

struct eps_index {
	struct ctrl_queue *q;
	struct ctrl_informer *svc_inf, *pod_inf;
	struct strmap nss; /* namespace -> struct eps_ns * */
};

/* "ns/name" split into ns (of size EPS_KEY) and the name's start. */
const char *eps_split_key(const char *key, char *ns)
{
	const char *slash = strchr(key, '/');
	size_t n = slash ? (size_t)(slash - key) : 0;

	if (!slash || n >= EPS_KEY)
		return NULL;
	memcpy(ns, key, n);
	ns[n] = 0;
	return slash + 1;
}

static struct eps_ns *eps_ns_get(struct eps_index *x, const char *ns, bool make)
{
	struct eps_ns *n = strmap_get(&x->nss, ns);

	if (n || !make)
		return n;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	strmap_init(&n->pods);
	strmap_init(&n->svcs);
	if (strmap_put(&x->nss, ns, n, NULL)) {
		free(n);
		return NULL;
	}
	return n;
}

/* ExternalName Services get no endpoints (upstream issue 105986), and a
 * selector that is absent or {} selects nothing: both have no selector. */
static struct selector *eps_svc_selector(const cJSON *svc)
{
	const char *type = json_str(svc, "spec.type");

	if (type && !strcmp(type, "ExternalName"))
		return NULL;
	return sel_from_map(json_at(svc, "spec.selector"));
}

static void eps_svc_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	struct eps_index *x = ud;
	char ns[EPS_KEY];
	const char *name = eps_split_key(key, ns);
	struct eps_ns *n = name ? eps_ns_get(x, ns, true) : NULL;
	void *prev = NULL;

	if (!n || strmap_put(&n->svcs, name, eps_svc_selector(obj), &prev))
		pr_err("endpoints: out of memory indexing service %s", key);
	sel_free(prev);
	ctrl_queue_add(x->q, key);
}

static void eps_svc_remove(void *ud, const char *key, const cJSON *old)
{
	struct eps_index *x = ud;
	char ns[EPS_KEY];
	const char *name = eps_split_key(key, ns);
	struct eps_ns *n = name ? eps_ns_get(x, ns, false) : NULL;

	if (n)
		sel_free(strmap_del(&n->svcs, name));
	ctrl_queue_add(x->q, key);
}

static const struct informer_ops eps_svc_ops = {.upsert = eps_svc_upsert, .remove = eps_svc_remove};

bool eps_pod_ready(const cJSON *pod)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, json_at(pod, "status.conditions"))
	{
		const char *t = json_str(c, "type"), *s = json_str(c, "status");

		if (t && !strcmp(t, "Ready"))
			return s && !strcmp(s, "True");
	}
	return false;
}

const char *eps_pod_ipv4(const cJSON *pod)
{
	const cJSON *ip;
	const char *s = json_str(pod, "status.podIP");

	if (s && *s && !strchr(s, ':'))
		return s;
	cJSON_ArrayForEach(ip, json_at(pod, "status.podIPs"))
	{
		s = json_str(ip, "ip");
		if (s && *s && !strchr(s, ':'))
			return s;
	}
	return NULL;
}

/* ShouldPodBeInEndpoints: not terminal (Succeeded, Failed), has an IP, and
 * not being deleted unless terminating pods are wanted. */
bool eps_pod_in_endpoints(const cJSON *pod, bool include_terminating)
{
	const char *phase = json_str(pod, "status.phase");

	if (phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed")))
		return false;
	if (!eps_pod_ipv4(pod))
		return false;
	return include_terminating || !json_at(pod, "metadata.deletionTimestamp");
}

/* ShouldSetHostname: the pod names a hostname and this Service as its
 * subdomain (the namespace is the same: the index is per namespace). */
const char *eps_pod_hostname(const cJSON *pod, const cJSON *svc)
{
	const char *h = json_str(pod, "spec.hostname"), *sub = json_str(pod, "spec.subdomain");
	const char *name = json_str(svc, "metadata.name");

	return h && *h && sub && name && !strcmp(sub, name) ? h : NULL;
}

/* podutil.FindPort: a numeric targetPort as is (absent: the port itself,
 * as defaulted); a named one is the containerPort of that name and the
 * Service port's protocol in one of the pod's containers. The port, or
 * -ENOENT. */
int eps_pod_port(const cJSON *pod, const cJSON *sp)
{
	const cJSON *tp = cJSON_GetObjectItemCaseSensitive(sp, "targetPort"), *c, *p;
	const char *proto = json_str(sp, "protocol") ?: "TCP";

	if (cJSON_IsNumber(tp) && tp->valueint > 0)
		return tp->valueint;
	if (!cJSON_IsString(tp)) {
		tp = cJSON_GetObjectItemCaseSensitive(sp, "port");
		return cJSON_IsNumber(tp) && tp->valueint > 0 ? tp->valueint : -ENOENT;
	}
	cJSON_ArrayForEach(c, json_at(pod, "spec.containers"))
	{
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c, "ports"))
		{
			const char *n = json_str(p, "name"), *pp = json_str(p, "protocol") ?: "TCP";
			const cJSON *cp = cJSON_GetObjectItemCaseSensitive(p, "containerPort");

			if (n && !strcmp(n, tp->valuestring) && !strcmp(pp, proto) &&
			    cJSON_IsNumber(cp))
				return cp->valueint;
		}
	}
	return -ENOENT;
}

/* Could the change from old to obj change any endpoint? (upstream's
 * podEndpointsChanged, plus the container ports named targetPorts read) */
static bool eps_pod_changed(const cJSON *old, const cJSON *obj)
{
	static const char *const fields[] = {"metadata.labels",
					     "metadata.deletionTimestamp",
					     "metadata.uid",
					     "spec.nodeName",
					     "spec.hostname",
					     "spec.subdomain",
					     "spec.containers",
					     "status.podIP",
					     "status.podIPs",
					     "status.phase",
					     NULL};

	if (!old || eps_pod_ready(old) != eps_pod_ready(obj))
		return true;
	for (const char *const *f = fields; *f; f++)
		if (jcmp_equal(json_at(old, *f), json_at(obj, *f)) != 1)
			return true;
	return false;
}

struct eps_pod_change {
	struct eps_index *x;
	const char *ns;
	const cJSON *labels[2];
};

static void eps_queue_if_selects(void *ud, const char *name, void *val)
{
	struct eps_pod_change *ch = ud;
	char key[2 * EPS_KEY];

	if (!val || !((ch->labels[0] && sel_match_labels(val, ch->labels[0])) ||
		      (ch->labels[1] && sel_match_labels(val, ch->labels[1]))))
		return;
	snprintf(key, sizeof(key), "%s/%s", ch->ns, name);
	ctrl_queue_add(ch->x->q, key);
}

/* A pod (obj NULL: deleted; old NULL: new) changed: queue the Services of
 * its namespace that select it before or after. */
static void eps_pod_changed_queue(struct eps_index *x, const char *key, const cJSON *obj,
				  const cJSON *old)
{
	static const cJSON none = {.type = cJSON_Object};
	char ns[EPS_KEY];
	const char *name = eps_split_key(key, ns);
	struct eps_ns *n = name ? eps_ns_get(x, ns, obj != NULL) : NULL;
	struct eps_pod_change ch = {x, ns, {NULL, NULL}};

	if (!n) {
		if (name && obj)
			pr_err("endpoints: out of memory indexing pod %s", key);
		return;
	}
	if (obj && strmap_put(&n->pods, name, (void *)1, NULL))
		pr_err("endpoints: out of memory indexing pod %s", key);
	if (!obj)
		strmap_del(&n->pods, name);
	if (obj && !eps_pod_changed(old, obj))
		return;
	if (old)
		ch.labels[0] = json_at(old, "metadata.labels") ?: &none;
	if (obj)
		ch.labels[1] = json_at(obj, "metadata.labels") ?: &none;
	strmap_foreach(&n->svcs, eps_queue_if_selects, &ch);
}

void eps_index_touch_pod(struct eps_index *x, const char *key)
{
	const cJSON *pod = ctrl_informer_get(x->pod_inf, key);

	if (pod)
		eps_pod_changed_queue(x, key, pod, NULL);
}

static void eps_pod_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	eps_pod_changed_queue(ud, key, obj, old);
}

static void eps_pod_remove(void *ud, const char *key, const cJSON *old)
{
	eps_pod_changed_queue(ud, key, NULL, old);
}

static const struct informer_ops eps_pod_ops = {.upsert = eps_pod_upsert, .remove = eps_pod_remove};

struct eps_index *eps_index_new(struct api *a, struct ctrl_queue *q)
{
	struct eps_index *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->q = q;
	strmap_init(&x->nss);
	x->svc_inf = ctrl_informer_new(a->store, "/registry/services/", &eps_svc_ops, x);
	x->pod_inf = ctrl_informer_new(a->store, "/registry/pods/", &eps_pod_ops, x);
	if (!x->svc_inf || !x->pod_inf) {
		eps_index_free(x);
		return NULL;
	}
	return x;
}

int eps_index_start(struct eps_index *x)
{
	/* pods first: the Services' initial list queues every one of them */
	int err = ctrl_informer_start(x->pod_inf);

	return err ? err : ctrl_informer_start(x->svc_inf);
}

static void eps_free_sel(void *ud, const char *key, void *val)
{
	sel_free(val);
}

static void eps_free_ns(void *ud, const char *key, void *val)
{
	struct eps_ns *n = val;

	strmap_foreach(&n->svcs, eps_free_sel, NULL);
	strmap_free(&n->svcs);
	strmap_free(&n->pods);
	free(n);
}

void eps_index_free(struct eps_index *x)
{
	if (!x)
		return;
	ctrl_informer_free(x->svc_inf);
	ctrl_informer_free(x->pod_inf);
	strmap_foreach(&x->nss, eps_free_ns, NULL);
	strmap_free(&x->nss);
	free(x);
}

const struct ctrl_informer *eps_index_services(const struct eps_index *x)
{
	return x->svc_inf;
}

const struct ctrl_informer *eps_index_pods(const struct eps_index *x)
{
	return x->pod_inf;
}

const struct selector *eps_index_selector(const struct eps_index *x, const char *key)
{
	char ns[EPS_KEY];
	const char *name = eps_split_key(key, ns);
	struct eps_ns *n = name ? strmap_get(&x->nss, ns) : NULL;

	return n ? strmap_get(&n->svcs, name) : NULL;
}

struct eps_pod_walk {
	const struct eps_index *x;
	const char *ns;
	const struct selector *sel;
	void (*fn)(void *ud, const cJSON *pod);
	void *ud;
};

static void eps_pod_walk_one(void *ud, const char *name, void *val)
{
	struct eps_pod_walk *w = ud;
	char key[2 * EPS_KEY];
	const cJSON *pod;

	snprintf(key, sizeof(key), "%s/%s", w->ns, name);
	pod = ctrl_informer_get(w->x->pod_inf, key);
	if (pod && sel_match_labels(w->sel, json_at(pod, "metadata.labels")))
		w->fn(w->ud, pod);
}

void eps_index_foreach_pod(const struct eps_index *x, const char *ns, const struct selector *sel,
			   void (*fn)(void *ud, const cJSON *pod), void *ud)
{
	struct eps_pod_walk w = {x, ns, sel, fn, ud};
	struct eps_ns *n = strmap_get(&x->nss, ns);

	if (n && sel)
		strmap_foreach(&n->pods, eps_pod_walk_one, &w);
}

cJSON *eps_service_labels(const cJSON *svc)
{
	const cJSON *l, *ip = cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(svc, "spec"), "clusterIP");
	cJSON *out = cJSON_CreateObject();

	if (!out)
		return NULL;
	cJSON_ArrayForEach(l, json_at(svc, "metadata.labels"))
	{
		if (cJSON_IsString(l) && strcmp(l->string, EPS_LABEL_HEADLESS))
			cJSON_AddStringToObject(out, l->string, l->valuestring);
	}
	/* upstream marks the endpoints of a headless Service */
	if (cJSON_IsString(ip) && !strcmp(ip->valuestring, "None"))
		cJSON_AddStringToObject(out, EPS_LABEL_HEADLESS, "");
	return out;
}

/* Set or replace key of obj with item (consumed). */
void eps_set(cJSON *obj, const char *key, cJSON *item)
{
	if (cJSON_GetObjectItemCaseSensitive(obj, key))
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item);
	else
		cJSON_AddItemToObject(obj, key, item);
}

long long eps_rev(const cJSON *obj)
{
	const char *rv = json_str(obj, "metadata.resourceVersion");

	return rv ? strtoll(rv, NULL, 10) : 0;
}
