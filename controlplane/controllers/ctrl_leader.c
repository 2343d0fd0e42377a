/* ctrl_leader: leader election on a coordination.k8s.io/v1 Lease, as
 * client-go's leaderelection with kube-controller-manager's defaults
 * (lease 15 s, renew deadline 10 s, retry every 2 s). The Lease is
 * kube-system/<name> ("kube-controller-manager", "kube-scheduler"); its
 * holderIdentity is "<hostname>_<random>". A candidate takes the Lease
 * when it is free or when its holder has not renewed it for a whole
 * leaseDurationSeconds as observed on this server's own monotonic clock
 * (upstream's rule: clocks of different servers are never compared). The
 * leader renews every retry period; if renewing fails for the renew
 * deadline it stops leading (on_lost) and becomes a candidate again. With
 * one skiff-server it leads from its first look; several servers sharing
 * a store (the HA setup) run the controllers on one of them. */
#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "apiserver/api.h"
#include "controllers.h"
#include "ktime.h"
#include "log.h"

#define CL_LEASE_S 15.0
#define CL_RENEW_S 10.0
#define CL_RETRY_S 2.0
#define CL_NS	   "kube-system"

struct ctrl_leader {
	struct api *a;
	struct ev_loop *loop;
	char name[64];
	char id[128];
	bool leading;
	ev_tstamp last_renew; /* leading: last successful renewal */
	/* candidate: the holder's record as last seen, and when it changed */
	char seen[256];
	ev_tstamp seen_at;
	ev_timer t;
	void (*on_lead)(void *ud);
	void (*on_lost)(void *ud);
	void *ud;
};

static cJSON *cl_lease(const struct ctrl_leader *l, const char *now, int transitions,
		       const char *acquired)
{
	cJSON *o = cJSON_CreateObject(), *md, *spec;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "apiVersion", "coordination.k8s.io/v1");
	cJSON_AddStringToObject(o, "kind", "Lease");
	md = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(md, "name", l->name);
	cJSON_AddStringToObject(md, "namespace", CL_NS);
	spec = cJSON_AddObjectToObject(o, "spec");
	cJSON_AddStringToObject(spec, "holderIdentity", l->id);
	cJSON_AddNumberToObject(spec, "leaseDurationSeconds", CL_LEASE_S);
	cJSON_AddStringToObject(spec, "acquireTime", acquired ? acquired : now);
	cJSON_AddStringToObject(spec, "renewTime", now);
	cJSON_AddNumberToObject(spec, "leaseTransitions", transitions);
	return o;
}

/* One look at the Lease: renew it, take it, or watch its holder. true if
 * this server holds it afterwards. */
static bool cl_try(struct ctrl_leader *l)
{
	const struct res_type *rt = res_lookup("coordination.k8s.io", "v1", "leases");
	const char *holder, *renew, *acq;
	const struct store_kv *kv;
	char key[600], now[40], msg[256], rec[256];
	cJSON *cur, *next;
	int code, trans;
	int64_t r;

	if (!rt)
		return false;
	ktime_micro_now(now, sizeof(now));
	api_key(key, sizeof(key), rt, CL_NS, l->name);
	kv = store_get(l->a->store, key);
	if (!kv) {
		next = cl_lease(l, now, 0, NULL);
		r = next ? api_store_create(l->a, rt, CL_NS, next, &code, msg, sizeof(msg))
			 : -ENOMEM;
		cJSON_Delete(next);
		return r == 0;
	}
	cur = cJSON_Parse(kv->value);
	if (!cur)
		return false;
	holder = json_str(cur, "spec.holderIdentity");
	renew = json_str(cur, "spec.renewTime");
	acq = json_str(cur, "spec.acquireTime");
	trans = cJSON_IsNumber(json_at(cur, "spec.leaseTransitions"))
		    ? json_at(cur, "spec.leaseTransitions")->valueint
		    : 0;
	if (holder && *holder && strcmp(holder, l->id)) {
		/* someone else's: theirs until it stops changing for a lease */
		snprintf(rec, sizeof(rec), "%s %s", holder, renew ? renew : "");
		if (strcmp(rec, l->seen)) {
			snprintf(l->seen, sizeof(l->seen), "%s", rec);
			l->seen_at = ev_now(l->loop);
		}
		if (ev_now(l->loop) - l->seen_at < CL_LEASE_S) {
			cJSON_Delete(cur);
			return false;
		}
		trans++;
		acq = NULL;
	} else if (!holder || !*holder) {
		trans++; /* released by its last holder */
		acq = NULL;
	}
	next = cl_lease(l, now, trans, acq);
	r = next ? api_store_update(l->a, rt, CL_NS, "", next, kv->mod_rev, &code, msg, sizeof(msg))
		 : -ENOMEM;
	cJSON_Delete(next);
	cJSON_Delete(cur);
	if (r < 0)
		pr_debug("leader election %s: %s", l->name, msg);
	return r >= 0;
}

static void cl_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctrl_leader *l = w->data;
	bool held = cl_try(l);

	api_commit(l->a);
	if (held) {
		l->last_renew = ev_now(loop);
		if (!l->leading) {
			l->leading = true;
			pr_info("leader election: %s is led by %s", l->name, l->id);
			if (l->on_lead)
				l->on_lead(l->ud);
		}
	} else if (l->leading && ev_now(loop) - l->last_renew >= CL_RENEW_S) {
		l->leading = false;
		pr_warn("leader election: %s lost (no renewal for %.0f s)", l->name, CL_RENEW_S);
		if (l->on_lost)
			l->on_lost(l->ud);
	}
}

int ctrl_leader_start(struct api *a, struct ev_loop *loop, const char *name,
		      void (*on_lead)(void *ud), void (*on_lost)(void *ud), void *ud,
		      struct ctrl_leader **out)
{
	struct ctrl_leader *l = calloc(1, sizeof(*l));
	char host[64] = "skiff-server";
	unsigned char rnd[8] = {0};

	if (!l)
		return -ENOMEM;
	l->a = a;
	l->loop = loop;
	snprintf(l->name, sizeof(l->name), "%s", name);
	gethostname(host, sizeof(host) - 1);
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		pr_warn("leader election: getrandom failed; the identity is less unique");
	snprintf(l->id, sizeof(l->id), "%.60s_%02x%02x%02x%02x-%02x%02x-%02x%02x", host, rnd[0],
		 rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	l->on_lead = on_lead;
	l->on_lost = on_lost;
	l->ud = ud;
	ev_timer_init(&l->t, cl_tick, CL_RETRY_S, CL_RETRY_S);
	l->t.data = l;
	ev_timer_start(loop, &l->t);
	*out = l;
	/* the first look now: a lone server leads before it serves */
	cl_tick(loop, &l->t, 0);
	return 0;
}

bool ctrl_leader_leading(const struct ctrl_leader *l)
{
	return l && l->leading;
}

void ctrl_leader_stop(struct ctrl_leader *l)
{
	const struct res_type *rt = res_lookup("coordination.k8s.io", "v1", "leases");
	char key[600], msg[128];
	const struct store_kv *kv;
	cJSON *cur;
	int code;

	if (!l)
		return;
	ev_timer_stop(l->loop, &l->t);
	/* release (ReleaseOnCancel): the next server need not wait a lease */
	if (l->leading && rt) {
		api_key(key, sizeof(key), rt, CL_NS, l->name);
		kv = store_get(l->a->store, key);
		cur = kv ? cJSON_Parse(kv->value) : NULL;
		if (cur && !strcmp(json_str(cur, "spec.holderIdentity") ?: "", l->id)) {
			cJSON *spec = cJSON_GetObjectItemCaseSensitive(cur, "spec");

			cJSON_DeleteItemFromObjectCaseSensitive(spec, "holderIdentity");
			cJSON_DeleteItemFromObjectCaseSensitive(spec, "leaseDurationSeconds");
			cJSON_DeleteItemFromObjectCaseSensitive(spec, "acquireTime");
			cJSON_DeleteItemFromObjectCaseSensitive(spec, "renewTime");
			/* committed by the server's final commit: at shutdown
			 * the HTTP side (api_commit's replies) is gone already */
			api_store_update(l->a, rt, CL_NS, "", cur, kv->mod_rev, &code, msg,
					 sizeof(msg));
		}
		cJSON_Delete(cur);
	}
	free(l);
}
