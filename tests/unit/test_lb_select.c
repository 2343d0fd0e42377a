/* Unit tests of the socket-LB selection policy (bpf/lb_select.h), compiled
 * for userspace from the same header the BPF program uses. Slots live in a
 * table here; the BPF program reads the same fields from its maps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <linux/types.h>

/* One service slot as the BPF program would see it. */
struct tslot {
	__u32 id;     /* backend id, 0 = slot missing (mid-update) */
	__u8 state;   /* LB_BE_* */
	__u64 active; /* active connections */
};

struct sel_env {
	struct tslot *slots; /* slots[0] is slot 1 */
	__u32 nslots;
	__u32 *rng; /* xorshift32 state */
};

#define LB_INLINE	     static inline
#define LB_LOOP(n, fn, data) test_loop((n), (fn), (data))

static void test_loop(__u32 n, long (*fn)(__u32, void *), void *data)
{
	__u32 i;

	for (i = 0; i < n; i++)
		if (fn(i, data))
			break;
}

static __u32 sel_env_rand(struct sel_env *env)
{
	__u32 x = *env->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*env->rng = x;
	return x;
}

static int sel_env_slot(struct sel_env *env, __u32 slot, __u32 *id, __u8 *state, __u64 *active)
{
	struct tslot *t;

	if (slot < 1 || slot > env->nslots)
		return -1;
	t = &env->slots[slot - 1];
	if (!t->id)
		return -1;
	*id = t->id;
	*state = t->state;
	*active = t->active;
	return 0;
}

#include "lb_select.h"

#define RDY (LB_BE_READY | LB_BE_SERVING)
#define TRM (LB_BE_SERVING | LB_BE_TERMINATING)

static __u32 seed = 0x12345678;

static struct sel_env env_of(struct tslot *slots, __u32 n)
{
	struct sel_env e = {.slots = slots, .nslots = n, .rng = &seed};

	return e;
}

static struct lb4_svc_val svc_of(__u16 count, __u16 ready)
{
	struct lb4_svc_val v = {.backend_id = 7, .count = count, .ready_count = ready};

	return v;
}

/* Table-driven exact-scan cases: the least active usable slot must win,
 * whatever the random tie-break does. */
static void test_least_conn_table(void **state)
{
	static const struct {
		const char *desc;
		__u16 count, ready;
		struct tslot slots[6];
		int want_slot; /* -1: no pick */
		__u8 want_fallback;
	} cases[] = {
	    {"least active wins", 3, 3, {{1, RDY, 3}, {2, RDY, 1}, {3, RDY, 2}}, 2, 0},
	    {"first slot least", 3, 3, {{1, RDY, 0}, {2, RDY, 1}, {3, RDY, 2}}, 1, 0},
	    {"fallback ignored while ready exist",
	     3,
	     1,
	     {{1, RDY, 50}, {2, TRM, 0}, {3, TRM, 0}},
	     1,
	     0},
	    {"ready slot whose backend lost READY is skipped",
	     3,
	     3,
	     {{1, TRM, 0}, {2, RDY, 4}, {3, RDY, 9}},
	     2,
	     0},
	    {"stale slot skipped", 3, 3, {{0, 0, 0}, {2, RDY, 4}, {3, RDY, 2}}, 3, 0},
	    {"terminating fallback", 2, 0, {{1, TRM, 3}, {2, TRM, 1}}, 2, 1},
	    {"terminating but not serving is unusable",
	     2,
	     0,
	     {{1, LB_BE_TERMINATING, 0}, {2, LB_BE_TERMINATING, 0}},
	     -1,
	     0},
	    {"no endpoints", 0, 0, {{0, 0, 0}}, -1, 0},
	    {"ready_count beyond count is clamped",
	     2,
	     9,
	     {{1, RDY, 5}, {2, RDY, 6}, {3, RDY, 0}},
	     1,
	     0},
	};
	size_t i;
	int trial;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tslot slots[6];
		struct lb4_svc_val svc = svc_of(cases[i].count, cases[i].ready);
		struct sel_env env;
		struct lb_pick pick = {0};

		memcpy(slots, cases[i].slots, sizeof(slots));
		env = env_of(slots, 6);
		for (trial = 0; trial < 50; trial++) {
			int r = lb_select(&env, &svc, NULL, &pick);

			if (cases[i].want_slot < 0) {
				if (r != -1)
					fail_msg("%s: picked slot %u", cases[i].desc, pick.slot);
				continue;
			}
			if (r != 0 || pick.slot != cases[i].want_slot ||
			    pick.fallback != cases[i].want_fallback)
				fail_msg("%s: r=%d slot=%u fallback=%u", cases[i].desc, r,
					 pick.slot, pick.fallback);
			assert_int_equal(pick.backend_id, slots[pick.slot - 1].id);
		}
	}
}

/* Ties are broken uniformly: three idle backends share 3000 picks about
 * evenly and the busy one gets none. */
static void test_ties_uniform(void **state)
{
	struct tslot slots[] = {{1, RDY, 0}, {2, RDY, 0}, {3, RDY, 0}, {4, RDY, 5}};
	struct sel_env env = env_of(slots, 4);
	struct lb4_svc_val svc = svc_of(4, 4);
	unsigned hits[5] = {0};
	struct lb_pick pick = {0};
	int i;

	(void)state;
	for (i = 0; i < 3000; i++) {
		assert_int_equal(lb_select(&env, &svc, NULL, &pick), 0);
		hits[pick.slot]++;
	}
	for (i = 1; i <= 3; i++)
		assert_in_range(hits[i], 850, 1150);
	assert_int_equal(hits[4], 0);
}

/* LB_SVC_F_RANDOM: connections are ignored (the busy backend gets its
 * quarter), a not-ready slot and a missing one are never picked, and the
 * terminating fallback still applies. */
static void test_random(void **state)
{
	struct tslot slots[] = {{1, RDY, 0}, {2, RDY, 0}, {3, RDY, 0}, {4, RDY, 500}};
	struct tslot gaps[] = {{1, RDY, 0}, {0, 0, 0}, {3, TRM, 0}, {4, RDY, 0}};
	struct tslot term[] = {{1, TRM, 0}, {2, TRM, 9}};
	struct sel_env env = env_of(slots, 4);
	struct lb4_svc_val svc = svc_of(4, 4);
	unsigned hits[5] = {0};
	struct lb_pick pick = {0};
	int i;

	(void)state;
	svc.flags = LB_SVC_F_RANDOM;
	for (i = 0; i < 4000; i++) {
		assert_int_equal(lb_select(&env, &svc, NULL, &pick), 0);
		hits[pick.slot]++;
	}
	for (i = 1; i <= 4; i++)
		assert_in_range(hits[i], 850, 1150);

	env = env_of(gaps, 4);
	memset(hits, 0, sizeof(hits));
	for (i = 0; i < 2000; i++)
		if (!lb_select(&env, &svc, NULL, &pick))
			hits[pick.slot]++;
	assert_int_equal(hits[2] + hits[3], 0);
	assert_in_range(hits[1], 800, 1200);
	assert_in_range(hits[4], 800, 1200);

	env = env_of(term, 2);
	svc = svc_of(2, 0);
	svc.flags = LB_SVC_F_RANDOM;
	assert_int_equal(lb_select(&env, &svc, NULL, &pick), 0);
	assert_int_equal(pick.fallback, 1);
}

/* Counting up as connections are made keeps an exact scan perfectly even. */
static void test_exact_balance(void **state)
{
	struct tslot slots[10];
	struct sel_env env = env_of(slots, 10);
	struct lb4_svc_val svc = svc_of(10, 10);
	struct lb_pick pick = {0};
	int i;

	(void)state;
	for (i = 0; i < 10; i++)
		slots[i] = (struct tslot){(__u32)(i + 1), RDY, 0};
	for (i = 0; i < 1000; i++) {
		assert_int_equal(lb_select(&env, &svc, NULL, &pick), 0);
		slots[pick.slot - 1].active++;
	}
	for (i = 0; i < 10; i++)
		assert_int_equal(slots[i].active, 100);
}

/* Held connections on one backend push new ones to the others. */
static void test_least_conn_held(void **state)
{
	struct tslot slots[] = {{1, RDY, 5}, {2, RDY, 0}, {3, RDY, 0}};
	struct sel_env env = env_of(slots, 3);
	struct lb4_svc_val svc = svc_of(3, 3);
	struct lb_pick pick = {0};
	int i;

	(void)state;
	for (i = 0; i < 10; i++) {
		assert_int_equal(lb_select(&env, &svc, NULL, &pick), 0);
		assert_int_not_equal(pick.slot, 1);
		slots[pick.slot - 1].active++;
	}
	assert_int_equal(slots[1].active, 5);
	assert_int_equal(slots[2].active, 5);
}

/* P2C (more than LB_EXACT_MAX slots): never the most loaded (it always
 * loses its pair), and the mean load picked is about n/3 (the expected
 * minimum of two distinct uniform picks), well below random's n/2. */
static void test_p2c_prefers_less_loaded(void **state)
{
	enum { N = 100, TRIALS = 20000 };
	struct tslot slots[N];
	struct sel_env env = env_of(slots, N);
	struct lb4_svc_val svc = svc_of(N, N);
	struct lb_pick pick = {0};
	double sum = 0;
	int i;

	(void)state;
	for (i = 0; i < N; i++)
		slots[i] = (struct tslot){(__u32)(i + 1), RDY, (__u64)i};
	for (i = 0; i < TRIALS; i++) {
		assert_int_equal(lb_select(&env, &svc, NULL, &pick), 0);
		assert_int_not_equal(pick.slot, N);
		assert_int_equal(pick.backend_id, pick.slot);
		sum += (double)slots[pick.slot - 1].active;
	}
	sum /= TRIALS;
	if (sum < 30.0 || sum > 36.5)
		fail_msg("mean picked load %.2f, want about 33", sum);
}

/* P2C keeps a large service balanced: 64 backends, 6400 connections. */
static void test_p2c_balance(void **state)
{
	enum { N = 64 };
	struct tslot slots[N];
	struct sel_env env = env_of(slots, N);
	struct lb4_svc_val svc = svc_of(N, N);
	struct lb_pick pick = {0};
	__u64 lo = ~0ULL, hi = 0;
	int i;

	(void)state;
	for (i = 0; i < N; i++)
		slots[i] = (struct tslot){(__u32)(i + 1), RDY, 0};
	for (i = 0; i < N * 100; i++) {
		assert_int_equal(lb_select(&env, &svc, NULL, &pick), 0);
		slots[pick.slot - 1].active++;
	}
	for (i = 0; i < N; i++) {
		lo = slots[i].active < lo ? slots[i].active : lo;
		hi = slots[i].active > hi ? slots[i].active : hi;
	}
	if (hi - lo > 8)
		fail_msg("p2c spread %llu..%llu", (unsigned long long)lo, (unsigned long long)hi);
}

/* P2C over a large service where most slots are stale still finds the
 * usable ones most of the time and never returns a stale one. */
static void test_p2c_stale_slots(void **state)
{
	enum { N = 40 };
	struct tslot slots[N];
	struct sel_env env = env_of(slots, N);
	struct lb4_svc_val svc = svc_of(N, N);
	struct lb_pick pick = {0};
	int i, ok = 0;

	(void)state;
	for (i = 0; i < N; i++)
		slots[i] = (struct tslot){(i % 2) ? (__u32)(i + 1) : 0, RDY, 0};
	for (i = 0; i < 1000; i++) {
		if (lb_select(&env, &svc, NULL, &pick))
			continue;
		ok++;
		assert_int_not_equal(slots[pick.slot - 1].id, 0);
	}
	assert_true(ok > 990);
}

/* Terminating fallback under P2C uses only the fallback range. */
static void test_p2c_fallback(void **state)
{
	enum { N = 50 };
	struct tslot slots[N];
	struct sel_env env = env_of(slots, N);
	struct lb4_svc_val svc = svc_of(N, 0);
	struct lb_pick pick = {0};
	int i;

	(void)state;
	for (i = 0; i < N; i++)
		slots[i] = (struct tslot){(__u32)(i + 1), TRM, 0};
	for (i = 0; i < 200; i++) {
		assert_int_equal(lb_select(&env, &svc, NULL, &pick), 0);
		assert_int_equal(pick.fallback, 1);
	}
}

/* Affinity: a valid hint wins over a less loaded backend; an invalid one
 * (moved out of the usable range, slot reused by another backend, backend
 * no longer ready) is ignored and least-conn decides. */
static void test_affinity_hint(void **state)
{
	static const struct {
		const char *desc;
		__u16 count, ready;
		struct tslot slots[3];
		struct lb_pick hint;
		int want_slot;
		__u8 want_affinity;
	} cases[] = {
	    {"valid hint wins", 3, 3, {{1, RDY, 9}, {2, RDY, 0}, {3, RDY, 1}}, {1, 1, 0, 0}, 1, 1},
	    {"hint slot now holds another backend",
	     3,
	     3,
	     {{4, RDY, 9}, {2, RDY, 0}, {3, RDY, 1}},
	     {1, 1, 0, 0},
	     2,
	     0},
	    {"hint backend moved to the fallback range",
	     3,
	     2,
	     {{2, RDY, 5}, {3, RDY, 6}, {1, TRM, 0}},
	     {1, 3, 0, 0},
	     1,
	     0},
	    {"hint backend lost READY",
	     3,
	     3,
	     {{1, TRM, 0}, {2, RDY, 3}, {3, RDY, 1}},
	     {1, 1, 0, 0},
	     3,
	     0},
	    {"hint slot beyond count", 2, 2, {{1, RDY, 0}, {2, RDY, 1}}, {3, 3, 0, 0}, 1, 0},
	    {"hint kept in fallback mode", 2, 0, {{1, TRM, 7}, {2, TRM, 0}}, {1, 1, 0, 0}, 1, 1},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tslot slots[3];
		struct lb4_svc_val svc = svc_of(cases[i].count, cases[i].ready);
		struct sel_env env;
		struct lb_pick pick = {0};
		int r;

		memcpy(slots, cases[i].slots, sizeof(slots));
		env = env_of(slots, 3);
		r = lb_select(&env, &svc, &cases[i].hint, &pick);
		if (r || pick.slot != cases[i].want_slot || pick.affinity != cases[i].want_affinity)
			fail_msg("%s: r=%d slot=%u affinity=%u", cases[i].desc, r, pick.slot,
				 pick.affinity);
	}
}

static void test_affinity_timeout(void **state)
{
	const __u64 s = 1000000000ULL;

	(void)state;
	assert_true(lb_affinity_fresh(100 * s, 100 * s, 10));
	assert_true(lb_affinity_fresh(100 * s, 110 * s, 10));
	assert_false(lb_affinity_fresh(100 * s, 110 * s + 1, 10));
	assert_true(lb_affinity_fresh(100 * s, 99 * s, 10)); /* other CPU's clock */
	assert_true(lb_affinity_fresh(0, 10800 * s, 10800));
	assert_false(lb_affinity_fresh(0, 86401 * s, 86400));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_least_conn_table),
	    cmocka_unit_test(test_ties_uniform),
	    cmocka_unit_test(test_exact_balance),
	    cmocka_unit_test(test_least_conn_held),
	    cmocka_unit_test(test_p2c_prefers_less_loaded),
	    cmocka_unit_test(test_p2c_balance),
	    cmocka_unit_test(test_p2c_stale_slots),
	    cmocka_unit_test(test_p2c_fallback),
	    cmocka_unit_test(test_random),
	    cmocka_unit_test(test_affinity_hint),
	    cmocka_unit_test(test_affinity_timeout),
	};

	return cmocka_run_group_tests_name("lb_select", tests, NULL, NULL);
}
