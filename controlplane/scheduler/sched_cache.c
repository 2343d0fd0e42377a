/* sched_cache: kube-scheduler's cache — what every node holds (requested
 * cpu and memory, pod count, host ports, pods by owner), kept from the
 * informers' events and from the scheduler's own binds (assumed until
 * their event comes back), so a decision reads counters instead of
 * walking the store. A node the pods name but whose Node object is gone
 * keeps their accounting until they go, as upstream's imaginary nodes. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json_path.h"
#include "quantity.h"
#include "sched_int.h"
#include "strhash.h"

/* upstream's DefaultMilliCPURequest and DefaultMemoryRequest */
#define SCHED_DEFAULT_CPU 100
#define SCHED_DEFAULT_MEM (200LL * 1024 * 1024)

void sched_cache_init(struct sched *s)
{
	strmap_init(&s->nodes);
	strmap_init(&s->pods);
	strmap_init(&s->owners);
}

static void sc_free_pod(void *ud, const char *key, void *val)
{
	struct sched_pod *p = val;

	free(p->key);
	free(p);
}

static void sc_free_owner(void *ud, const char *key, void *val)
{
	struct sched_owner *o = val;

	free(o->uid);
	free(o->count);
	free(o);
}

void sched_cache_fini(struct sched *s)
{
	strmap_foreach(&s->pods, sc_free_pod, NULL);
	strmap_free(&s->pods);
	strmap_foreach(&s->owners, sc_free_owner, NULL);
	strmap_free(&s->owners);
	for (int i = 0; i < s->nslot; i++) {
		if (s->slot[i]) {
			free(s->slot[i]->name);
			free(s->slot[i]);
		}
	}
	free(s->slot);
	strmap_free(&s->nodes);
}

/* Quantity.MilliValue / Value: rounded up, as upstream. */
static int64_t sc_quantity(const cJSON *q, bool milli)
{
	double v;

	if (!cJSON_IsString(q) || quantity_parse(q->valuestring, &v) < 0)
		return 0;
	return (int64_t)ceil(milli ? v * 1000.0 - 1e-9 : v - 1e-9);
}

/* A container's requests; a limit without a request counts as the
 * request, which is what upstream's defaulting stores. */
static void sc_container_req(const cJSON *c, struct sched_res *r, bool *has_cpu, bool *has_mem)
{
	const cJSON *req = json_at(c, "resources.requests"), *lim = json_at(c, "resources.limits");
	const cJSON *cpu = cJSON_GetObjectItemCaseSensitive(req, "cpu");
	const cJSON *mem = cJSON_GetObjectItemCaseSensitive(req, "memory");

	if (!cpu)
		cpu = cJSON_GetObjectItemCaseSensitive(lim, "cpu");
	if (!mem)
		mem = cJSON_GetObjectItemCaseSensitive(lim, "memory");
	r->cpu = sc_quantity(cpu, true);
	r->mem = sc_quantity(mem, false);
	*has_cpu = cpu != NULL;
	*has_mem = mem != NULL;
}

static void sc_add(struct sched_res *a, const struct sched_res *b)
{
	a->cpu += b->cpu;
	a->mem += b->mem;
}

static void sc_max(struct sched_res *a, const struct sched_res *b)
{
	if (b->cpu > a->cpu)
		a->cpu = b->cpu;
	if (b->mem > a->mem)
		a->mem = b->mem;
}

/* One pass of PodRequests: nonzero substitutes the defaults for absent
 * requests of each container. */
static void sc_requests(const cJSON *spec, bool nonzero, struct sched_res *out)
{
	struct sched_res sum = {0}, sidecars = {0}, init = {0}, r;
	const cJSON *c;
	bool hc, hm;

	cJSON_ArrayForEach(c, json_at(spec, "containers"))
	{
		sc_container_req(c, &r, &hc, &hm);
		if (nonzero && !hc)
			r.cpu = SCHED_DEFAULT_CPU;
		if (nonzero && !hm)
			r.mem = SCHED_DEFAULT_MEM;
		sc_add(&sum, &r);
	}
	/* a sidecar (restartPolicy Always) runs beside everything after it:
	 * it adds to the sum, and to every later init container's peak */
	cJSON_ArrayForEach(c, json_at(spec, "initContainers"))
	{
		const char *rp = json_str(c, "restartPolicy");

		sc_container_req(c, &r, &hc, &hm);
		if (nonzero && !hc)
			r.cpu = SCHED_DEFAULT_CPU;
		if (nonzero && !hm)
			r.mem = SCHED_DEFAULT_MEM;
		if (rp && !strcmp(rp, "Always")) {
			sc_add(&sum, &r);
			sc_add(&sidecars, &r);
			r = sidecars;
		} else {
			sc_add(&r, &sidecars);
		}
		sc_max(&init, &r);
	}
	sc_max(&sum, &init);
	r.cpu = sc_quantity(json_at(spec, "overhead.cpu"), true);
	r.mem = sc_quantity(json_at(spec, "overhead.memory"), false);
	sc_add(&sum, &r);
	*out = sum;
}

void sched_pod_requests(const cJSON *spec, struct sched_res *req, struct sched_res *nonzero)
{
	sc_requests(spec, false, req);
	sc_requests(spec, true, nonzero);
}

int sched_pod_ports(const cJSON *spec, struct sched_port *ports, int max)
{
	static const char *const lists[] = {"containers", "initContainers"};
	int n = 0;

	for (size_t l = 0; l < 2; l++) {
		const cJSON *c, *p;

		cJSON_ArrayForEach(c, json_at(spec, lists[l]))
		{
			cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c, "ports"))
			{
				const cJSON *hp = cJSON_GetObjectItemCaseSensitive(p, "hostPort");
				const char *ip = json_str(p, "hostIP"),
					   *proto = json_str(p, "protocol");

				if (!cJSON_IsNumber(hp) || hp->valueint <= 0 || n >= max)
					continue;
				/* HostPortInfo.sanitize: no IP is every IP */
				snprintf(ports[n].ip, sizeof(ports[n].ip), "%s",
					 ip && *ip ? ip : "0.0.0.0");
				snprintf(ports[n].proto, sizeof(ports[n].proto), "%s",
					 proto && *proto ? proto : "TCP");
				ports[n].port = hp->valueint;
				n++;
			}
		}
	}
	return n;
}

const char *sched_owner_uid(const cJSON *pod)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, json_at(pod, "metadata.ownerReferences"))
	{
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "controller")))
			return json_str(r, "uid");
	}
	return NULL;
}

struct sched_owner *sched_owner_of(struct sched *s, const cJSON *pod, bool create)
{
	const char *uid = sched_owner_uid(pod);
	struct sched_owner *o;

	if (!uid || !*uid)
		return NULL;
	o = strmap_get(&s->owners, uid);
	if (o || !create)
		return o;
	o = calloc(1, sizeof(*o));
	if (!o || !(o->uid = strdup(uid)) || strmap_put(&s->owners, uid, o, NULL) < 0) {
		if (o)
			free(o->uid);
		free(o);
		return NULL;
	}
	return o;
}

static int sc_owner_count(struct sched_owner *o, int idx, int d)
{
	if (idx >= o->cap) {
		int cap = o->cap ? o->cap : 16;
		int *c;

		while (cap <= idx)
			cap *= 2;
		c = realloc(o->count, (size_t)cap * sizeof(*c));
		if (!c)
			return -ENOMEM;
		memset(c + o->cap, 0, (size_t)(cap - o->cap) * sizeof(*c));
		o->count = c;
		o->cap = cap;
	}
	o->count[idx] += d;
	o->total += d;
	return 0;
}

static void sc_node_read(struct sched_node *n)
{
	const cJSON *al = json_at(n->obj, "status.allocatable");

	n->alloc.cpu = sc_quantity(cJSON_GetObjectItemCaseSensitive(al, "cpu"), true);
	n->alloc.mem = sc_quantity(cJSON_GetObjectItemCaseSensitive(al, "memory"), false);
	n->alloc_pods = sc_quantity(cJSON_GetObjectItemCaseSensitive(al, "pods"), false);
}

struct sched_node *sched_node_get(struct sched *s, const char *name, bool create)
{
	struct sched_node *n = strmap_get(&s->nodes, name);
	int idx;

	if (n || !create)
		return n;
	n = calloc(1, sizeof(*n));
	if (!n || !(n->name = strdup(name)))
		goto err;
	/* the lowest free slot, so owner counters stay small */
	for (idx = 0; idx < s->nslot && s->slot[idx]; idx++)
		;
	if (idx == s->slot_cap) {
		int cap = s->slot_cap ? s->slot_cap * 2 : 64;
		struct sched_node **sl = realloc(s->slot, (size_t)cap * sizeof(*sl));

		if (!sl)
			goto err;
		memset(sl + s->slot_cap, 0, (size_t)(cap - s->slot_cap) * sizeof(*sl));
		s->slot = sl;
		s->slot_cap = cap;
	}
	if (strmap_put(&s->nodes, name, n, NULL) < 0)
		goto err;
	n->idx = idx;
	n->hash = strhash(name);
	s->slot[idx] = n;
	if (idx == s->nslot)
		s->nslot++;
	return n;
err:
	if (n)
		free(n->name);
	free(n);
	return NULL;
}

static void sc_node_drop_if_empty(struct sched *s, struct sched_node *n)
{
	if (n->obj || n->npods)
		return;
	strmap_del(&s->nodes, n->name);
	s->slot[n->idx] = NULL;
	while (s->nslot && !s->slot[s->nslot - 1])
		s->nslot--;
	free(n->name);
	free(n);
}

int sched_node_set(struct sched *s, const char *name, const cJSON *obj)
{
	struct sched_node *n = sched_node_get(s, name, obj != NULL);

	if (!n)
		return obj ? -ENOMEM : 0;
	if (obj && !n->obj)
		s->nreal++;
	else if (!obj && n->obj)
		s->nreal--;
	n->obj = obj;
	if (obj)
		sc_node_read(n);
	else
		sc_node_drop_if_empty(s, n);
	return 0;
}

static void sc_unlink(struct sched *s, struct sched_pod *p)
{
	struct sched_node *n = p->node;

	if (p->prev)
		p->prev->next = p->next;
	else
		n->pods = p->next;
	if (p->next)
		p->next->prev = p->prev;
	n->req.cpu -= p->req.cpu;
	n->req.mem -= p->req.mem;
	n->nonzero.cpu -= p->nonzero.cpu;
	n->nonzero.mem -= p->nonzero.mem;
	n->npods--;
	n->nanti -= p->anti;
	n->nports -= p->nports;
	if (p->owner) {
		sc_owner_count(p->owner, n->idx, -1);
		if (!p->owner->total) {
			strmap_del(&s->owners, p->owner->uid);
			sc_free_owner(NULL, NULL, p->owner);
		}
		p->owner = NULL;
	}
	p->node = NULL;
	sc_node_drop_if_empty(s, n);
}

bool sched_pod_del(struct sched *s, const char *key)
{
	struct sched_pod *p = strmap_del(&s->pods, key);

	if (!p)
		return false;
	sc_unlink(s, p);
	sc_free_pod(NULL, NULL, p);
	return true;
}

int sched_pod_add(struct sched *s, const char *key, const cJSON *obj, const char *node,
		  bool assumed)
{
	struct sched_pod *p = strmap_get(&s->pods, key);
	const cJSON *spec = json_at(obj, "spec");
	struct sched_node *n;

	if (p) {
		sc_unlink(s, p);
	} else {
		p = calloc(1, sizeof(*p));
		if (!p || !(p->key = strdup(key)) || strmap_put(&s->pods, key, p, NULL) < 0) {
			if (p)
				free(p->key);
			free(p);
			return -ENOMEM;
		}
	}
	n = sched_node_get(s, node, true);
	p->owner = n ? sched_owner_of(s, obj, true) : NULL;
	if (!n || (p->owner && sc_owner_count(p->owner, n->idx, 1) < 0)) {
		strmap_del(&s->pods, key);
		sc_free_pod(NULL, NULL, p);
		return -ENOMEM;
	}
	p->obj = obj;
	p->assumed = assumed;
	sched_pod_requests(spec, &p->req, &p->nonzero);
	p->nports = sched_pod_ports(spec, p->ports, SCHED_MAX_PORTS);
	p->anti =
	    json_at(spec,
		    "affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution") !=
	    NULL;
	p->node = n;
	p->prev = NULL;
	p->next = n->pods;
	if (n->pods)
		n->pods->prev = p;
	n->pods = p;
	sc_add(&n->req, &p->req);
	sc_add(&n->nonzero, &p->nonzero);
	n->npods++;
	n->nanti += p->anti;
	n->nports += p->nports;
	return 0;
}
