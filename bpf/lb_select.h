/* lb_select.h: which backend a new connection goes to. Shared by the BPF
 * program and the userspace unit tests (tests/unit/test_lb_select.c), so the
 * policy tested is the policy that runs.
 *
 * Policy:
 *  - usable set: the ready slots (1..ready_count) when there are any, else
 *    the serving+terminating slots (ready_count+1..count) — Kubernetes'
 *    terminating-endpoint fallback;
 *  - ClientIP affinity: a remembered (slot, backend) wins while it is fresh
 *    and still in the usable set;
 *  - otherwise least active connections: an exact scan when the usable set
 *    has at most LB_EXACT_MAX slots, power-of-two-choices above that; ties
 *    are broken uniformly at random;
 *  - or, for a service flagged LB_SVC_F_RANDOM, a uniformly random usable
 *    slot whatever its connections (kube-proxy's and Cilium's default:
 *    kept to compare against).
 *
 * The includer defines, before including this file:
 *   struct sel_env;   whatever the accessors need
 *   LB_INLINE        "static __always_inline" (BPF) or "static inline"
 *   LB_LOOP(n, fn, data)  run long fn(__u32 i, void *data) for i < n
 *   static __u32 sel_env_rand(struct sel_env *env);
 *   static int sel_env_slot(struct sel_env *env, __u32 slot, __u32 *backend_id,
 *                          __u8 *state, __u64 *active);
 *       0 and the slot's backend id, LB_BE_* state and active connections;
 *       non-zero when the slot or its backend does not exist (a service
 *       being rewritten), in which case the slot is skipped.
 */
#ifndef SKIFF_LB_SELECT_H
#define SKIFF_LB_SELECT_H

#include "lb_common.h"

/* Result of a selection. */
struct lb_pick {
	__u32 backend_id; /* host */
	__u16 slot;	  /* host: slot the backend was found in */
	__u8 fallback;	  /* 1: taken from serving+terminating */
	__u8 affinity;	  /* 1: taken from the affinity hint */
};

/* The usable slot range of a service: slots first..first+n-1 whose backend
 * must have state bit *need. Returns 0 (ready set), 1 (fallback set) or -1
 * (no usable endpoint). */
LB_INLINE int lb_usable_range(const struct lb4_svc_val *svc, __u32 *first, __u32 *n, __u8 *need)
{
	__u32 count = svc->count;
	__u32 ready = svc->ready_count;

	/* A torn or corrupt entry must not widen the range. */
	if (ready > count)
		ready = count;
	if (ready > 0) {
		*first = 1;
		*n = ready;
		*need = LB_BE_READY;
		return 0;
	}
	if (count > 0) {
		*first = 1;
		*n = count;
		/* Serving is what matters for the fallback: a backend also
		 * listed as ready by another service keeps its bits. */
		*need = LB_BE_SERVING;
		return 1;
	}
	return -1;
}

/* Is an affinity entry last used at last_ns still valid at now_ns?
 * timeout_s is in seconds (Kubernetes' timeoutSeconds, 1..86400). */
LB_INLINE int lb_affinity_fresh(__u64 last_ns, __u64 now_ns, __u32 timeout_s)
{
	if (now_ns < last_ns)
		return 1; /* clock read on another CPU a moment earlier */
	return now_ns - last_ns <= (__u64)timeout_s * 1000000000ULL;
}

/* State of an exact scan, passed to the per-slot step. The environment is
 * held by value: the BPF step runs as a bpf_loop() callback, which only
 * gets this one pointer to the caller's stack. */
struct lb_scan {
	struct sel_env env;
	__u64 best;	    /* least active count seen */
	__u32 first;	    /* first slot of the usable range */
	__u32 ties;	    /* slots seen with that count */
	struct lb_pick out; /* current choice */
	__u8 need;	    /* state bit the backend must have */
};

/* One slot of the exact scan: keep the least active; among equals keep
 * each with probability 1/ties (reservoir sampling), so equal backends share
 * load evenly. Returns 0 (continue), as bpf_loop() callbacks do. */
static long lb_scan_step(__u32 i, void *data)
{
	struct lb_scan *sc = (struct lb_scan *)data;
	__u32 id;
	__u8 state;
	__u64 active;

	if (sel_env_slot(&sc->env, sc->first + i, &id, &state, &active))
		return 0;
	if (!(state & sc->need))
		return 0;
	if (active < sc->best) {
		sc->best = active;
		sc->ties = 1;
	} else if (active == sc->best) {
		sc->ties++;
		if (sel_env_rand(&sc->env) % sc->ties)
			return 0;
	} else {
		return 0;
	}
	sc->out.backend_id = id;
	sc->out.slot = (__u16)(sc->first + i);
	return 0;
}

/* Least active among first..first+n-1 (n <= LB_EXACT_MAX). The includer's
 * LB_LOOP(n, fn, data) runs fn(i, data) for i in 0..n-1: bpf_loop() in BPF
 * (the verifier checks the step once instead of once per slot and path),
 * a plain loop in userspace. */
LB_INLINE int lb_pick_exact(struct sel_env *env, __u32 first, __u32 n, __u8 need,
			    struct lb_pick *out)
{
	struct lb_scan sc = {};

	sc.env = *env;
	sc.best = ~0ULL;
	sc.first = first;
	sc.need = need;
	if (n > LB_EXACT_MAX)
		n = LB_EXACT_MAX;
	LB_LOOP(n, lb_scan_step, &sc);
	if (!sc.ties)
		return -1;
	out->backend_id = sc.out.backend_id;
	out->slot = sc.out.slot;
	return 0;
}

/* Power-of-two-choices among first..first+n-1 (n >= 2): two distinct random
 * slots, the less active wins, a tie is a coin flip. Near-optimal balance at
 * O(1) cost (Mitzenmacher). Stale slots are retried a few times. */
LB_INLINE int lb_pick_p2c(struct sel_env *env, __u32 first, __u32 n, __u8 need, struct lb_pick *out)
{
	__u32 t;

	for (t = 0; t < LB_P2C_TRIES; t++) {
		__u32 a = sel_env_rand(env) % n;
		__u32 b = sel_env_rand(env) % (n - 1);
		__u32 id_a = 0, id_b = 0;
		__u8 st_a = 0, st_b = 0;
		__u64 act_a = 0, act_b = 0;
		int ok_a, ok_b, take_a;

		if (b >= a)
			b++; /* uniform over the other n-1 slots */
		ok_a = !sel_env_slot(env, first + a, &id_a, &st_a, &act_a) && (st_a & need);
		ok_b = !sel_env_slot(env, first + b, &id_b, &st_b, &act_b) && (st_b & need);
		if (!ok_a && !ok_b)
			continue;
		if (ok_a && ok_b) {
			if (act_a != act_b)
				take_a = act_a < act_b;
			else
				take_a = sel_env_rand(env) & 1;
		} else {
			take_a = ok_a;
		}
		out->backend_id = take_a ? id_a : id_b;
		out->slot = (__u16)(first + (take_a ? a : b));
		return 0;
	}
	return -1;
}

/* Uniformly random among first..first+n-1, blind to connections; a slot
 * that is stale or lacks the state is retried a few times. */
LB_INLINE int lb_pick_random(struct sel_env *env, __u32 first, __u32 n, __u8 need,
			     struct lb_pick *out)
{
	__u32 t;

	for (t = 0; t < LB_P2C_TRIES; t++) {
		__u32 a = sel_env_rand(env) % n, id = 0;
		__u8 st = 0;
		__u64 act = 0;

		if (sel_env_slot(env, first + a, &id, &st, &act) || !(st & need))
			continue;
		out->backend_id = id;
		out->slot = (__u16)(first + a);
		return 0;
	}
	return -1;
}

/* Pick a backend for a new connection to svc. hint (may be NULL) is the
 * client's affinity entry; it is used only if its slot still holds that
 * backend in the usable range with the needed state. Returns 0 or -1. */
LB_INLINE int lb_select(struct sel_env *env, const struct lb4_svc_val *svc,
			const struct lb_pick *hint, struct lb_pick *out)
{
	__u32 first, n;
	__u8 need;
	int set, err;

	set = lb_usable_range(svc, &first, &n, &need);
	if (set < 0)
		return -1;
	out->fallback = (__u8)set;
	out->affinity = 0;
	if (hint && hint->slot >= first && hint->slot < first + n) {
		__u32 id;
		__u8 state;
		__u64 active;

		if (!sel_env_slot(env, hint->slot, &id, &state, &active) &&
		    id == hint->backend_id && (state & need)) {
			out->backend_id = id;
			out->slot = hint->slot;
			out->affinity = 1;
			return 0;
		}
	}
	if (svc->flags & LB_SVC_F_RANDOM)
		err = lb_pick_random(env, first, n, need, out);
	else if (n <= LB_EXACT_MAX)
		err = lb_pick_exact(env, first, n, need, out);
	else
		err = lb_pick_p2c(env, first, n, need, out);
	return err;
}

#endif
