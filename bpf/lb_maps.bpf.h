/* lb_maps.bpf.h: the maps both BPF objects use (sock_lb.bpf.c at the
 * socket, tc_lb.bpf.c on the node's external interfaces) and the choice of
 * a backend over them. Every map is pinned by name under --bpf-pin-dir:
 * the object loaded second finds them pinned and shares them, so a flow
 * from outside and a connect() from a pod count in the same per-backend
 * active counters. Included once per BPF object, never by userspace. */
#ifndef SKIFF_LB_MAPS_BPF_H
#define SKIFF_LB_MAPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define LB_INLINE static __always_inline
/* bpf_loop (5.17+): the verifier checks the callback once. */
#define LB_LOOP(n, fn, data) bpf_loop((n), (fn), (data), 0)
#include "lb_common.h"

/* Capacities below are defaults; skiff-node sets the real sizes between
 * open and load (--max-services, --max-backends). */

/* (vip, port, proto, slot) -> service or backend slot. One entry per
 * service plus one per backend reference: sized max_services+max_backends.
 * No prealloc: only userspace writes it, memory grows with use. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct lb4_svc_key);
	__type(value, struct lb4_svc_val);
	__uint(max_entries, LB_DEF_MAX_SERVICES + LB_DEF_MAX_BACKENDS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_svc SEC(".maps");

/* backend id -> backend; an array: ids are dense (allocated by skiff-node
 * from 1), lookups are a bounds check and an offset. 8 bytes per id. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct lb4_backend);
	__uint(max_entries, LB_DEF_MAX_BACKENDS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_be SEC(".maps");

/* backend id -> active connections. Shared (not per CPU) because selection
 * compares the exact totals; updated with atomic adds. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct lb4_conn);
	__uint(max_entries, LB_DEF_MAX_BACKENDS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_conn SEC(".maps");

/* backend id -> selections (connections + datagrams sent), per CPU so the
 * hot path never bounces a cache line for a statistic. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, LB_DEF_MAX_BACKENDS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_sel SEC(".maps");

/* (client netns, service id) -> backend, for sessionAffinity ClientIP.
 * LRU: an evicted entry only costs the client its stickiness. Sized
 * max_services. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct lb4_aff_key);
	__type(value, struct lb4_aff_val);
	__uint(max_entries, LB_DEF_MAX_SERVICES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_aff SEC(".maps");

/* (socket, backend) -> service address for unconnected UDP replies. LRU:
 * an entry lives as long as the exchange is recent. Sized max_services. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct lb4_rnat_key);
	__type(value, struct lb4_rnat_val);
	__uint(max_entries, LB_DEF_MAX_SERVICES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_rnat SEC(".maps");

/* Per-socket record of the translation; freed with the socket. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__type(key, int);
	__type(value, struct lb4_sock);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_sock SEC(".maps");

/* enum lb_stat -> count, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, LB_STAT_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_stats SEC(".maps");

/* Selection environment: the service key whose slots are being read. */
struct sel_env {
	struct lb4_svc_key key;
};

LB_INLINE __u32 sel_env_rand(struct sel_env *env)
{
	return bpf_get_prandom_u32();
}

LB_INLINE int sel_env_slot(struct sel_env *env, __u32 slot, __u32 *backend_id, __u8 *state,
			   __u64 *active)
{
	struct lb4_svc_key key = env->key;
	struct lb4_svc_val *sv;
	struct lb4_backend *be;
	struct lb4_conn *conn;
	__u32 id;

	key.slot = (__u16)slot;
	sv = bpf_map_lookup_elem(&skiff_svc, &key);
	if (!sv)
		return -1;
	id = sv->backend_id;
	be = bpf_map_lookup_elem(&skiff_be, &id);
	conn = bpf_map_lookup_elem(&skiff_conn, &id);
	if (!be || !conn || !be->proto)
		return -1;
	*backend_id = id;
	*state = be->state;
	*active = conn->active;
	return 0;
}

#include "lb_select.h"

LB_INLINE void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&skiff_stats, &idx);

	if (v)
		*v += 1; /* per CPU: no atomic needed */
}

LB_INLINE void conn_add(__u32 id, __s64 delta)
{
	struct lb4_conn *c = bpf_map_lookup_elem(&skiff_conn, &id);

	if (!c)
		return;
	if (delta < 0 && c->active == 0) {
		stat_inc(LB_STAT_FAIL_UNDERFLOW);
		return;
	}
	__sync_fetch_and_add(&c->active, delta);
}

/* Undo the count of a socket that is being released or re-connected. */
LB_INLINE void sock_uncount(struct lb4_sock *s)
{
	if (s->flags & LB_SOCK_F_COUNTED) {
		s->flags &= ~LB_SOCK_F_COUNTED;
		conn_add(s->backend_id, -1);
		stat_inc(LB_STAT_RELEASE);
	}
}

/* Service lookup + selection (+ affinity bookkeeping). client is who
 * ClientIP affinity remembers: the socket's netns cookie, or
 * LB_AFF_CLIENT_ADDR | the source address on the tc path. Returns the
 * backend or NULL; *reason is the lb_stat to count on failure. */
LB_INLINE struct lb4_backend *lb4_pick(__u64 client, struct lb4_svc_key *key,
				       struct lb4_svc_val *svc, struct lb_pick *pick, __u32 *reason)
{
	struct sel_env env = {.key = *key};
	struct lb4_aff_key akey = {};
	struct lb4_aff_val *aff, nval = {};
	struct lb_pick hint = {}, *hp = NULL;
	struct lb4_backend *be;
	__u64 now = 0;
	__u64 *selp;
	__u32 id;

	if (svc->flags & LB_SVC_F_AFFINITY) {
		now = bpf_ktime_get_ns();
		akey.netns = client;
		akey.svc_id = svc->backend_id;
		aff = bpf_map_lookup_elem(&skiff_aff, &akey);
		if (aff && lb_affinity_fresh(aff->last_ns, now, svc->affinity_timeout)) {
			hint.backend_id = aff->backend_id;
			hint.slot = aff->slot;
			hp = &hint;
		}
	}
	if (lb_select(&env, svc, hp, pick)) {
		*reason = LB_STAT_FAIL_NO_BACKEND;
		return NULL;
	}
	id = pick->backend_id;
	be = bpf_map_lookup_elem(&skiff_be, &id);
	if (!be || !be->proto) {
		*reason = LB_STAT_FAIL_STALE_SLOT;
		return NULL;
	}
	if (svc->flags & LB_SVC_F_AFFINITY) {
		nval.last_ns = now;
		nval.backend_id = id;
		nval.slot = pick->slot;
		bpf_map_update_elem(&skiff_aff, &akey, &nval, BPF_ANY);
		if (pick->affinity)
			stat_inc(LB_STAT_AFFINITY_HIT);
	}
	if (pick->fallback)
		stat_inc(LB_STAT_FALLBACK);
	selp = bpf_map_lookup_elem(&skiff_sel, &id);
	if (selp)
		*selp += 1; /* per CPU */
	return be;
}

#endif
