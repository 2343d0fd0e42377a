/* ctrl_servicelb: the ServiceLB controller (k3s's ServiceLB, MetalLB's
 * address management): every Service of type LoadBalancer without a
 * spec.loadBalancerClass gets an address from --loadbalancer-ip-range,
 * written as status.loadBalancer.ingress [{ip, ipMode: VIP}] through the
 * services/status subresource, for skiff-node to answer on.
 *
 * The address is spec.loadBalancerIP when the Service asks for one (it
 * must be in the range and not held by another Service), else the lowest
 * free one; it stays the Service's until the Service is deleted, stops
 * being a LoadBalancer or asks for another address. A Service that cannot
 * have one (a conflict, an address outside the range, the range used up)
 * stays pending with a Warning Event AllocationFailed, and is looked at
 * again whenever an address is given back. What is held lives only in
 * memory: at start it is rebuilt from the Services' statuses, so a restart
 * (or a new leader) moves no address; a status address outside the range
 * (the range changed) is replaced.
 *
 * Keys are "namespace/name"; the sync reads the Service from the cache and
 * writes only a status that differs. */
#include <ctype.h>
#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apiserver/api.h"
#include "controllers.h"
#include "jcmp.h"
#include "log.h"
#include "registry/alloc.h"
#include "strmap.h"

#define CSL_COMPONENT "service-lb-controller"
/* Every LoadBalancer is looked at again this often, so a status write
 * rolled back by a failed commit (no event follows) is made again. */
#define CSL_RESYNC 30.0
/* The largest range: a /8, whose bitmap is 2 MiB (as --service-cluster-ip-range). */
#define CSL_MAX_ADDRS (1u << 24)

/* What one Service has from the controller. */
struct csl_svc {
	uint32_t ip;  /* its address, host order; 0: none */
	char *warned; /* the last AllocationFailed message, not repeated by resyncs */
};

struct ctrl_servicelb {
	struct api *a;
	struct ctrl_informer *inf;
	struct ctrl_queue *q;
	struct ctrl_events *ev;
	struct alloc_range range; /* the addresses, a bit set when held */
	struct strmap svcs;	  /* "ns/name" -> struct csl_svc */
	struct strmap owners;	  /* "a.b.c.d" -> "ns/name" (malloc'd): who holds it */
	struct strmap waiting;	  /* "ns/name" -> (void *)1: pending, retried on a release */
};

int ctrl_servicelb_parse_range(const char *s, uint32_t *first, uint32_t *last, char *why,
			       size_t len)
{
	char ip[32], tail;
	const char *sep = strpbrk(s, "-/");
	unsigned plen;
	uint32_t a, b, host;

	snprintf(why, len,
		 "must be FIRST-LAST (IPv4 addresses, FIRST <= LAST) or a CIDR such as "
		 "172.30.5.96/27");
	if (!sep || (size_t)(sep - s) >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, (size_t)(sep - s));
	ip[sep - s] = 0;
	if (alloc_parse_ip(ip, &a))
		return -EINVAL;
	if (*sep == '-') {
		if (alloc_parse_ip(sep + 1, &b) || b < a)
			return -EINVAL;
	} else {
		if (!isdigit((unsigned char)sep[1]) || sscanf(sep + 1, "%u%c", &plen, &tail) != 1 ||
		    plen > 32)
			return -EINVAL;
		host = plen ? ~0u >> plen : ~0u;
		if (a & host) {
			alloc_format_ip(a & ~host, ip, sizeof(ip));
			snprintf(why, len, "host bits set: the network is %s/%u", ip, plen);
			return -EINVAL;
		}
		b = a | host;
		if (plen <= 30) {
			/* the network and broadcast addresses are not handed out;
			 * a /31 or /32 has neither (RFC 3021) */
			a++;
			b--;
		}
	}
	if (b - a >= CSL_MAX_ADDRS) {
		snprintf(why, len, "more than %u addresses", CSL_MAX_ADDRS);
		return -E2BIG;
	}
	*first = a;
	*last = b;
	return 0;
}

/* Is svc one this controller gives an address to? */
static bool csl_wanted(const cJSON *svc)
{
	const char *type = json_str(svc, "spec.type");
	const char *cls = json_str(svc, "spec.loadBalancerClass");

	return type && !strcmp(type, "LoadBalancer") && !(cls && *cls);
}

/* Is svc worth a look: one we serve, or one whose status we may clear? */
static bool csl_interesting(const cJSON *svc)
{
	return csl_wanted(svc) ||
	       (!json_str(svc, "spec.loadBalancerClass") &&
		cJSON_GetArraySize(json_at(svc, "status.loadBalancer.ingress")) > 0);
}

/* The first ingress IPv4 address of svc's status (host order), or 0. */
static uint32_t csl_status_ip(const cJSON *svc)
{
	const cJSON *ing = cJSON_GetArrayItem(json_at(svc, "status.loadBalancer.ingress"), 0);
	uint32_t ip;

	return alloc_parse_ip(json_str(ing, "ip"), &ip) ? 0 : ip;
}

static void csl_svc_free(struct csl_svc *s)
{
	if (!s)
		return;
	free(s->warned);
	free(s);
}

/* The state of key, made if absent (NULL: no memory). */
static struct csl_svc *csl_state(struct ctrl_servicelb *c, const char *key)
{
	struct csl_svc *s = strmap_get(&c->svcs, key);

	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s || strmap_put(&c->svcs, key, s, NULL)) {
		free(s);
		return NULL;
	}
	return s;
}

/* Mark ip as key's. 0, or -ERANGE, -EEXIST, -ENOMEM. */
static int csl_take(struct ctrl_servicelb *c, struct csl_svc *s, const char *key, uint32_t ip)
{
	char buf[32], *owner = strdup(key);
	int err = owner ? alloc_reserve(&c->range, ip) : -ENOMEM;

	if (!err) {
		alloc_format_ip(ip, buf, sizeof(buf));
		err = strmap_put(&c->owners, buf, owner, NULL);
		if (err)
			alloc_release(&c->range, ip);
	}
	if (err) {
		free(owner);
		return err;
	}
	s->ip = ip;
	return 0;
}

static void csl_queue_waiting(void *ud, const char *key, void *val)
{
	struct ctrl_servicelb *c = ud;

	ctrl_queue_add(c->q, key);
}

/* Give s's address back; the pending Services get a look. */
static void csl_give_back(struct ctrl_servicelb *c, struct csl_svc *s, const char *key)
{
	char buf[32];

	if (!s || !s->ip)
		return;
	alloc_format_ip(s->ip, buf, sizeof(buf));
	free(strmap_del(&c->owners, buf));
	alloc_release(&c->range, s->ip);
	pr_info("servicelb: %s released %s", key, buf);
	s->ip = 0;
	strmap_foreach(&c->waiting, csl_queue_waiting, c);
}

/* Forget key: its address back, its pending mark gone. */
static void csl_forget(struct ctrl_servicelb *c, const char *key)
{
	struct csl_svc *s = strmap_del(&c->svcs, key);

	strmap_del(&c->waiting, key);
	csl_give_back(c, s, key);
	csl_svc_free(s);
}

/* The lowest address not held (the range's own alloc_next rotates). */
static int csl_lowest_free(const struct alloc_range *r, uint32_t *ip)
{
	for (uint32_t i = 0; r->used < r->size && i < r->size; i++) {
		if (!(i % 64) && r->bits[i / 64] == ~0ull) {
			i += 63; /* a full word */
			continue;
		}
		if (!(r->bits[i / 64] & (1ull << (i % 64)))) {
			*ip = r->base + i;
			return 0;
		}
	}
	return -ENOSPC;
}

/* Choose key's address into s->ip. 0 (*fresh: newly taken), or -errno
 * with why naming the reason for the Warning. */
static int csl_assign(struct ctrl_servicelb *c, const cJSON *svc, const char *key,
		      struct csl_svc *s, bool *fresh, char *why, size_t len)
{
	const char *want = json_str(svc, "spec.loadBalancerIP"), *owner;
	char buf[32];
	uint32_t ip;
	int err;

	*fresh = false;
	if (!want || !*want) {
		if (s->ip)
			return 0;
		if (csl_lowest_free(&c->range, &ip)) {
			snprintf(why, len, "no available IPs in --loadbalancer-ip-range %s",
				 c->range.desc);
			return -ENOSPC;
		}
	} else {
		if (alloc_parse_ip(want, &ip)) {
			snprintf(why, len, "spec.loadBalancerIP \"%.64s\" is not an IPv4 address",
				 want);
			return -EINVAL;
		}
		if (s->ip == ip)
			return 0;
		alloc_format_ip(ip, buf, sizeof(buf));
		if (!alloc_contains(&c->range, ip)) {
			snprintf(why, len,
				 "spec.loadBalancerIP %s is not in --loadbalancer-ip-range %s", buf,
				 c->range.desc);
			return -ERANGE;
		}
		owner = strmap_get(&c->owners, buf);
		if (owner) {
			snprintf(why, len,
				 "spec.loadBalancerIP %s is already in use by service \"%.253s\"",
				 buf, owner);
			return -EEXIST;
		}
		/* asked for another address: the old one goes back */
		csl_give_back(c, s, key);
	}
	err = csl_take(c, s, key, ip);
	if (err) {
		snprintf(why, len, "%s", strerror(-err));
		return err;
	}
	*fresh = true;
	return 0;
}

/* Write svc's status.loadBalancer as lb (consumed) unless it is so. */
static int csl_write_status(struct ctrl_servicelb *c, const cJSON *svc, cJSON *lb)
{
	const struct res_type *rt = res_lookup("", "v1", "services");
	const cJSON *cur = json_at(svc, "status.loadBalancer");
	cJSON *dup, *st;
	int err;

	if (!lb)
		return -ENOMEM;
	if (cur ? jcmp_equal(cur, lb) > 0 : !lb->child) {
		cJSON_Delete(lb);
		return 0;
	}
	dup = cJSON_Duplicate(svc, true);
	st = dup ? cJSON_GetObjectItemCaseSensitive(dup, "status") : NULL;
	if (dup && !cJSON_IsObject(st)) {
		cJSON_DeleteItemFromObjectCaseSensitive(dup, "status");
		st = cJSON_AddObjectToObject(dup, "status");
	}
	if (!st) {
		cJSON_Delete(dup);
		cJSON_Delete(lb);
		return -ENOMEM;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(st, "loadBalancer");
	cJSON_AddItemToObject(st, "loadBalancer", lb);
	err = ctrl_update(c->a, rt, "status", dup, "cannot write status.loadBalancer");
	cJSON_Delete(dup);
	return err == -ENOENT ? 0 : err;
}

/* {"ingress": [{"ip": ip, "ipMode": "VIP"}]}, or {} for ip 0. */
static cJSON *csl_lb_status(uint32_t ip)
{
	cJSON *lb = cJSON_CreateObject(), *ing, *e;
	char buf[32];

	if (!lb || !ip)
		return lb;
	alloc_format_ip(ip, buf, sizeof(buf));
	ing = cJSON_AddArrayToObject(lb, "ingress");
	e = cJSON_CreateObject();
	if (!ing || !e) {
		cJSON_Delete(e);
		cJSON_Delete(lb);
		return NULL;
	}
	cJSON_AddItemToArray(ing, e);
	cJSON_AddStringToObject(e, "ip", buf);
	cJSON_AddStringToObject(e, "ipMode", "VIP");
	return lb;
}

static int csl_sync(void *ud, const char *key)
{
	struct ctrl_servicelb *c = ud;
	const cJSON *svc = ctrl_informer_get(c->inf, key);
	struct csl_svc *s;
	char why[512], buf[32];
	bool fresh;
	int err;

	if (!csl_wanted(svc)) {
		csl_forget(c, key);
		/* no longer a LoadBalancer (one with a class is another's) */
		if (svc && !json_str(svc, "spec.loadBalancerClass"))
			return csl_write_status(c, svc, csl_lb_status(0));
		return 0;
	}
	s = csl_state(c, key);
	if (!s)
		return -ENOMEM;
	err = csl_assign(c, svc, key, s, &fresh, why, sizeof(why));
	if (err == -ENOMEM)
		return err;
	if (err) {
		/* pending: no address shown, another look when one frees */
		csl_give_back(c, s, key);
		strmap_put(&c->waiting, key, (void *)1, NULL);
		if (!s->warned || strcmp(s->warned, why)) {
			ctrl_event(c->ev, svc, "Warning", "AllocationFailed",
				   "Failed to allocate IP for \"%s\": %s", key, why);
			free(s->warned);
			s->warned = strdup(why);
		}
		return csl_write_status(c, svc, csl_lb_status(0));
	}
	strmap_del(&c->waiting, key);
	free(s->warned);
	s->warned = NULL;
	err = csl_write_status(c, svc, csl_lb_status(s->ip));
	if (fresh && !err) {
		alloc_format_ip(s->ip, buf, sizeof(buf));
		pr_info("servicelb: %s assigned %s", key, buf);
		ctrl_event(c->ev, svc, "Normal", "IPAllocated", "Assigned IP [\"%s\"]", buf);
	}
	return err;
}

static void csl_after(void *ud)
{
	struct ctrl_servicelb *c = ud;

	api_commit(c->a);
}

static void csl_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	struct ctrl_servicelb *c = ud;

	if (csl_interesting(obj) || strmap_get(&c->svcs, key))
		ctrl_queue_add(c->q, key);
}

static void csl_remove(void *ud, const char *key, const cJSON *old)
{
	struct ctrl_servicelb *c = ud;

	if (strmap_get(&c->svcs, key))
		ctrl_queue_add(c->q, key);
}

/* Rebuilding at start: a Service keeps the in-range address its status
 * shows. Pass 1 takes those that also ask for it (spec.loadBalancerIP),
 * pass 2 the others, so a duplicate goes to the one that asked. */
struct csl_rebuild {
	struct ctrl_servicelb *c;
	bool asked;
};

static void csl_rebuild_one(void *ud, const char *key, const cJSON *svc)
{
	struct csl_rebuild *r = ud;
	const char *want = json_str(svc, "spec.loadBalancerIP");
	uint32_t ip = csl_status_ip(svc), wip;
	struct csl_svc *s;

	if (!ip || !csl_wanted(svc) || strmap_get(&r->c->svcs, key))
		return;
	if (want && *want && (alloc_parse_ip(want, &wip) || wip != ip))
		return; /* asks for another: the sync moves it */
	if (r->asked != (want && *want))
		return;
	s = csl_state(r->c, key);
	if (s && csl_take(r->c, s, key, ip))
		csl_forget(r->c, key); /* outside the range, or taken: a new one */
}

static void csl_synced(void *ud)
{
	struct ctrl_servicelb *c = ud;
	struct csl_rebuild r = {c, true};

	ctrl_informer_foreach(c->inf, csl_rebuild_one, &r);
	r.asked = false;
	ctrl_informer_foreach(c->inf, csl_rebuild_one, &r);
	pr_info("servicelb: %u of %u addresses of %s in use", c->range.used, c->range.size,
		c->range.desc);
}

static const struct informer_ops csl_ops = {
    .upsert = csl_upsert, .remove = csl_remove, .synced = csl_synced};

static int csl_range_init(struct alloc_range *r, const char *spec)
{
	uint32_t first, last;
	char a[32], b[32], why[128];
	int err = ctrl_servicelb_parse_range(spec, &first, &last, why, sizeof(why));

	if (err)
		return err;
	memset(r, 0, sizeof(*r));
	r->base = first;
	r->size = last - first + 1;
	r->bits = calloc((r->size + 63) / 64, sizeof(uint64_t));
	if (!r->bits)
		return -ENOMEM;
	alloc_format_ip(first, a, sizeof(a));
	alloc_format_ip(last, b, sizeof(b));
	snprintf(r->desc, sizeof(r->desc), "%s-%s", a, b);
	return 0;
}

static void csl_free_owner(void *ud, const char *key, void *val)
{
	free(val);
}

static void csl_free_svc(void *ud, const char *key, void *val)
{
	csl_svc_free(val);
}

void ctrl_servicelb_stop(struct ctrl_servicelb *c)
{
	if (!c)
		return;
	ctrl_informer_free(c->inf);
	ctrl_queue_free(c->q);
	ctrl_events_free(c->ev);
	strmap_foreach(&c->owners, csl_free_owner, NULL);
	strmap_free(&c->owners);
	strmap_foreach(&c->svcs, csl_free_svc, NULL);
	strmap_free(&c->svcs);
	strmap_free(&c->waiting);
	alloc_free(&c->range);
	free(c);
}

int ctrl_servicelb_start(struct api *a, struct ev_loop *loop, const char *range,
			 struct ctrl_servicelb **out)
{
	struct ctrl_servicelb *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	c->a = a;
	strmap_init(&c->svcs);
	strmap_init(&c->owners);
	strmap_init(&c->waiting);
	err = csl_range_init(&c->range, range);
	if (err)
		goto err;
	err = -ENOMEM;
	c->q = ctrl_queue_new(loop, csl_sync, csl_after, c);
	c->ev = ctrl_events_new(a, CSL_COMPONENT);
	c->inf = ctrl_informer_new(a->store, "/registry/services/", &csl_ops, c);
	if (!c->q || !c->ev || !c->inf)
		goto err;
	err = ctrl_informer_start(c->inf);
	if (err)
		goto err;
	ctrl_queue_resync(c->q, c->inf, CSL_RESYNC, csl_wanted);
	*out = c;
	return 0;
err:
	ctrl_servicelb_stop(c);
	return err;
}
