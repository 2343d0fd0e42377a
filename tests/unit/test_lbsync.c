/* Unit tests for dataplane/lbsync.c against real BPF maps created here with
 * bpf_map_create (same types, key and value layouts as bpf/sock_lb.bpf.c).
 * Needs root (CAP_BPF); without it every test is skipped.
 *
 * The table of transitions programs one service among many, changes its
 * endpoints, and checks (1) the number of map writes lbsync issued, (2) by
 * diffing snapshots of the maps, that only that service's entries and its
 * backends changed, and (3) the resulting layout read back from the maps:
 * slot 0 count/ready_count, ready endpoints first, then serving+terminating.
 *
 * Endpoint lists are written "R1 F2": R = ready (ready+serving), F =
 * fallback (serving+terminating); N < 100 is 10.0.0.N:8080, N >= 100 the
 * first endpoint of background service N-100 (10.1.(N-100).1:8080), so a
 * backend can be shared with another service. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lb_common.h"
#include "lbsync.h"
#include "log.h"
#include "proxy_model.h"

/* Small capacities: enough for the background plus the target. */
#define T_MAX_SERVICES 256
#define T_MAX_BACKENDS 1024
/* Background services: vip 10.96.1.(i+1):80, endpoints 10.1.i.1-3. */
#define T_BACKGROUND 50
#define T_PORT	     8080

struct maps {
	struct lbmap_fds fds;
	struct lbsync *s;
};

static int map_new(enum bpf_map_type type, const char *name, size_t ksz, size_t vsz, uint32_t max,
		   uint32_t flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = flags);

	return bpf_map_create(type, name, ksz, vsz, max, &o);
}

/* The four maps lbsync writes, as sock_lb.bpf.c declares them. */
static int maps_create(struct maps *m, uint32_t max_services, uint32_t max_backends)
{
	lbmap_fds_init(&m->fds);
	m->fds.svc =
	    map_new(BPF_MAP_TYPE_HASH, "skiff_svc", sizeof(struct lb4_svc_key),
		    sizeof(struct lb4_svc_val), max_services + max_backends, BPF_F_NO_PREALLOC);
	m->fds.be = map_new(BPF_MAP_TYPE_ARRAY, "skiff_be", sizeof(uint32_t),
			    sizeof(struct lb4_backend), max_backends, 0);
	m->fds.conn = map_new(BPF_MAP_TYPE_ARRAY, "skiff_conn", sizeof(uint32_t),
			      sizeof(struct lb4_conn), max_backends, 0);
	m->fds.sel = map_new(BPF_MAP_TYPE_PERCPU_ARRAY, "skiff_sel", sizeof(uint32_t),
			     sizeof(uint64_t), max_backends, 0);
	if (m->fds.svc < 0 || m->fds.be < 0 || m->fds.conn < 0 || m->fds.sel < 0)
		return -errno;
	m->s = lbsync_new(&m->fds, max_services, max_backends);
	return m->s ? 0 : -ENOMEM;
}

static void maps_destroy(struct maps *m)
{
	lbsync_free(m->s);
	lbmap_close(&m->fds);
	free(m);
}

static int setup(void **state)
{
	struct maps *m = calloc(1, sizeof(*m));
	int r;

	assert_non_null(m);
	r = maps_create(m, T_MAX_SERVICES, T_MAX_BACKENDS);
	*state = m;
	if (r) {
		/* Not root / no BPF: the tests skip (see skip_without_maps). */
		lbmap_close(&m->fds);
		lbsync_free(m->s);
		m->s = NULL;
	}
	return 0;
}

static int teardown(void **state)
{
	maps_destroy(*state);
	return 0;
}

static struct maps *get_maps(void **state)
{
	struct maps *m = *state;

	if (!m->s) {
		print_message("BPF maps cannot be created (needs root): skipping\n");
		skip();
	}
	return m;
}

/* --- desired state from text --- */

struct want {
	struct lbsync_be be[64];
	uint32_t n, nready;
};

static uint32_t addr_of(int n)
{
	char ip[32];
	struct in_addr a;

	if (n < 100)
		snprintf(ip, sizeof(ip), "10.0.0.%d", n);
	else
		snprintf(ip, sizeof(ip), "10.1.%d.1", n - 100);
	assert_int_equal(inet_pton(AF_INET, ip, &a), 1);
	return a.s_addr;
}

/* "R1 F2 R3" -> ready ones first (as proxy_model delivers them), in input
 * order within each part; with dedupe, a repeated address counts once (as
 * lbsync programs it). */
static void want_parse(const char *text, struct want *w, bool dedupe)
{
	struct lbsync_be all[64];
	uint32_t n = 0, i;
	const char *p = text;

	memset(w, 0, sizeof(*w));
	while (*p) {
		char kind;
		int num, used;

		if (*p == ' ') {
			p++;
			continue;
		}
		assert_int_equal(sscanf(p, "%c%d%n", &kind, &num, &used), 2);
		assert_true(kind == 'R' || kind == 'F');
		p += used;
		for (i = 0; dedupe && i < n; i++)
			if (all[i].addr == addr_of(num))
				break;
		if (dedupe && i < n)
			continue;
		all[n].addr = addr_of(num);
		all[n].port = htons(T_PORT);
		all[n].state =
		    kind == 'R' ? LB_BE_READY | LB_BE_SERVING : LB_BE_SERVING | LB_BE_TERMINATING;
		n++;
	}
	for (i = 0; i < n; i++)
		if (all[i].state & LB_BE_READY)
			w->be[w->n++] = all[i];
	w->nready = w->n;
	for (i = 0; i < n; i++)
		if (!(all[i].state & LB_BE_READY))
			w->be[w->n++] = all[i];
}

static struct lb4_svc_key svc_key(uint32_t vip_host_order, uint16_t port)
{
	struct lb4_svc_key k = {
	    .vip = htonl(vip_host_order), .port = htons(port), .proto = IPPROTO_TCP};

	return k;
}

/* The service under test, 10.96.0.1:80/TCP (set in main). */
static struct lb4_svc_key target;

static int set_text(struct maps *m, const struct lb4_svc_key *k, const char *text, uint16_t flags)
{
	struct want w;
	struct lbsync_svc s;

	want_parse(text, &w, false);
	s.flags = flags;
	s.affinity_timeout = flags ? 10800 : 0;
	s.n = w.n;
	s.nready = w.nready;
	s.be = w.be;
	return lbsync_set(m->s, k, &s);
}

static void background(struct maps *m)
{
	for (int i = 0; i < T_BACKGROUND; i++) {
		struct lb4_svc_key k = svc_key((10u << 24) | (96u << 16) | (1u << 8) | (i + 1), 80);
		struct lbsync_be be[3];
		struct lbsync_svc s = {.n = 3, .nready = 3, .be = be};

		for (int j = 0; j < 3; j++) {
			be[j].addr = htonl((10u << 24) | (1u << 16) | ((uint32_t)i << 8) | (j + 1));
			be[j].port = htons(T_PORT);
			be[j].state = LB_BE_READY | LB_BE_SERVING;
		}
		assert_int_equal(lbsync_set(m->s, &k, &s), 0);
	}
}

/* --- reading the maps back --- */

/* "R10.0.0.1" / "F10.0.0.2" of a backend id, from skiff_be. */
static void be_text(struct maps *m, uint32_t id, char *buf, size_t len)
{
	struct lb4_backend b;
	char ip[INET_ADDRSTRLEN];
	struct in_addr a;

	assert_int_equal(bpf_map_lookup_elem(m->fds.be, &id, &b), 0);
	a.s_addr = b.addr;
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	snprintf(buf, len, "%c%s:%u/%u", b.state & LB_BE_READY ? 'R' : 'F', ip, ntohs(b.port),
		 b.proto);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The service as the BPF program would see it matches text: slot 0 counts,
 * slots 1..ready_count = the ready set, the rest = the fallback set, each
 * backend's entry right, and no slot beyond count. */
static void check_service(struct maps *m, const struct lb4_svc_key *k, const char *text,
			  const char *what)
{
	struct want w;
	struct lb4_svc_val v0, v;
	struct lb4_svc_key sk = *k;
	char *got[64], *exp[64];
	uint32_t i;

	want_parse(text, &w, true);
	sk.slot = 0;
	if (bpf_map_lookup_elem(m->fds.svc, &sk, &v0))
		fail_msg("%s: no slot 0", what);
	if (v0.count != w.n || v0.ready_count != w.nready)
		fail_msg("%s: count %u ready %u, want %u/%u", what, v0.count, v0.ready_count, w.n,
			 w.nready);
	for (i = 0; i < w.n; i++) {
		char ip[INET_ADDRSTRLEN];
		struct in_addr a = {.s_addr = w.be[i].addr};

		sk.slot = (uint16_t)(i + 1);
		if (bpf_map_lookup_elem(m->fds.svc, &sk, &v))
			fail_msg("%s: slot %u missing", what, i + 1);
		got[i] = malloc(64);
		exp[i] = malloc(64);
		be_text(m, v.backend_id, got[i], 64);
		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		snprintf(exp[i], 64, "%c%s:%u/%u", w.be[i].state & LB_BE_READY ? 'R' : 'F', ip,
			 T_PORT, IPPROTO_TCP);
	}
	/* Order inside each part is free: compare the parts as sets. */
	qsort(got, w.nready, sizeof(char *), cmp_str);
	qsort(exp, w.nready, sizeof(char *), cmp_str);
	qsort(got + w.nready, w.n - w.nready, sizeof(char *), cmp_str);
	qsort(exp + w.nready, w.n - w.nready, sizeof(char *), cmp_str);
	for (i = 0; i < w.n; i++) {
		if (strcmp(got[i], exp[i]))
			fail_msg("%s: slot part %s: got %s, want %s", what,
				 i < w.nready ? "ready" : "fallback", got[i], exp[i]);
	}
	for (i = 0; i < w.n; i++) {
		free(got[i]);
		free(exp[i]);
	}
	sk.slot = (uint16_t)(w.n + 1);
	if (!bpf_map_lookup_elem(m->fds.svc, &sk, &v))
		fail_msg("%s: slot %u beyond count is still there", what, w.n + 1);
}

/* Whole-map snapshots, to see what really changed. */
struct snap {
	struct lb4_svc_key keys[2048];
	struct lb4_svc_val vals[2048];
	uint32_t n;
	struct lb4_backend be[T_MAX_BACKENDS];
};

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct lb4_svc_key));
}

static void snap_take(struct maps *m, struct snap *s)
{
	struct lb4_svc_key k, next;
	void *prev = NULL;
	uint32_t id;

	s->n = 0;
	while (bpf_map_get_next_key(m->fds.svc, prev, &next) == 0) {
		assert_true(s->n < 2048);
		k = next;
		prev = &k;
		s->keys[s->n++] = k;
	}
	qsort(s->keys, s->n, sizeof(s->keys[0]), key_cmp);
	for (uint32_t i = 0; i < s->n; i++)
		assert_int_equal(bpf_map_lookup_elem(m->fds.svc, &s->keys[i], &s->vals[i]), 0);
	for (id = 0; id < T_MAX_BACKENDS; id++)
		assert_int_equal(bpf_map_lookup_elem(m->fds.be, &id, &s->be[id]), 0);
}

/* Entries that differ between a and b; fails if one belongs to a service
 * other than only_vip. */
static int snap_diff(const struct snap *a, const struct snap *b, uint32_t only_vip)
{
	uint32_t i = 0, j = 0;
	int changes = 0;

	while (i < a->n || j < b->n) {
		int c = i >= a->n ? 1 : j >= b->n ? -1 : key_cmp(&a->keys[i], &b->keys[j]);
		const struct lb4_svc_key *k = c <= 0 ? &a->keys[i] : &b->keys[j];

		if (c == 0 && !memcmp(&a->vals[i], &b->vals[j], sizeof(a->vals[i]))) {
			i++;
			j++;
			continue;
		}
		if (k->vip != only_vip)
			fail_msg("an entry of another service changed (vip %08x slot %u)", k->vip,
				 k->slot);
		changes++;
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
	}
	for (i = 0; i < T_MAX_BACKENDS; i++)
		changes += memcmp(&a->be[i], &b->be[i], sizeof(a->be[i])) != 0;
	return changes;
}

/* --- the transition table --- */

struct transition {
	const char *name;
	const char *before;
	const char *after;
	int writes;  /* map writes lbsync issues (updates + deletes) */
	int changes; /* entries that really differ afterwards */
};

static const struct transition transitions[] = {
    /* Same set, other order: a backend keeps its slot. */
    {"unchanged, shuffled", "R1 R2 R3 F4", "F4 R3 R1 R2", 0, 0},
    {"unchanged, a duplicate in the input", "R1 R2", "R1 R2 R2 R1", 0, 0},
    /* New backend: selection counter reset, its entry, its slot, slot 0. */
    {"add a new endpoint", "R1 R2 R3", "R1 R2 R3 R4", 4, 3},
    /* A backend another service already has: only slot + slot 0. */
    {"add an endpoint shared with another service", "R1 R2", "R1 R2 R100", 2, 2},
    /* Slot 0, the freed last slot, the backend turns draining. */
    {"remove the last endpoint", "R1 R2 R3", "R1 R2", 3, 3},
    /* The last one moves into the hole: one more slot write. */
    {"remove an endpoint in the middle", "R1 R2 R3", "R1 R3", 4, 4},
    {"remove an endpoint shared with another service", "R1 R100", "R1", 2, 2},
    {"replace one endpoint by a new one", "R1 R2 R3", "R1 R2 R4", 4, 3},
    /* Its state and ready_count change; it stays in its slot. */
    {"the last ready endpoint starts terminating", "R1 R2 R3", "R1 R2 F3", 2, 2},
    {"a middle endpoint starts terminating", "R1 R2 R3", "R1 F2 R3", 4, 4},
    {"a terminating endpoint goes away", "R1 F2", "R1", 3, 3},
    {"only terminating endpoints left", "R1 R2", "F1 F2", 3, 3},
    {"every endpoint goes away", "R1 R2", "", 5, 5},
    {"endpoints for a service that had none", "", "F1 R2 F3 R4", 13, 9},
    /* 4 slots + slot 0 + 1 delete, 3 backends draining, 1 state change,
     * 2 new backends x 2 (their selection resets change nothing). */
    {"a larger change", "R1 R2 R3 R4 R5 F6", "R7 R2 F3 R5 R8", 14, 12},
};

static void test_transitions(void **state)
{
	struct maps *m = get_maps(state);
	static struct snap a, b;

	for (size_t i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++) {
		const struct transition *t = &transitions[i];
		uint64_t w0;
		int changes;

		/* Fresh maps and mirror for each row: many services, then ours. */
		lbsync_free(m->s);
		lbmap_close(&m->fds);
		assert_int_equal(maps_create(m, T_MAX_SERVICES, T_MAX_BACKENDS), 0);
		background(m);
		assert_int_equal(set_text(m, &target, t->before, 0), 0);
		check_service(m, &target, t->before, t->name);

		snap_take(m, &a);
		w0 = lbsync_stats(m->s)->map_writes;
		assert_int_equal(set_text(m, &target, t->after, 0), 0);
		snap_take(m, &b);
		changes = snap_diff(&a, &b, target.vip);
		check_service(m, &target, t->after, t->name);
		if ((int)(lbsync_stats(m->s)->map_writes - w0) != t->writes ||
		    changes != t->changes)
			fail_msg("%s: %d writes, %d entries changed; want %d and %d", t->name,
				 (int)(lbsync_stats(m->s)->map_writes - w0), changes, t->writes,
				 t->changes);
		assert_int_equal(lbsync_stats(m->s)->map_errors, 0);
	}
}

/* A second identical pass over every service writes nothing. */
static void test_unchanged_writes_nothing(void **state)
{
	struct maps *m = get_maps(state);
	uint64_t w0;

	background(m);
	assert_int_equal(set_text(m, &target, "R1 R2 F3", LB_SVC_F_AFFINITY), 0);
	w0 = lbsync_stats(m->s)->map_writes;
	background(m);
	assert_int_equal(set_text(m, &target, "F3 R2 R1", LB_SVC_F_AFFINITY), 0);
	assert_int_equal(lbsync_stats(m->s)->map_writes, w0);
	assert_int_equal(lbsync_stats(m->s)->services, T_BACKGROUND + 1);
	assert_int_equal(lbsync_stats(m->s)->backends, T_BACKGROUND * 3 + 3);
	assert_int_equal(lbsync_stats(m->s)->slots, T_BACKGROUND * 3 + 3);

	/* Turning affinity off rewrites slot 0 only. */
	assert_int_equal(set_text(m, &target, "R1 R2 F3", 0), 0);
	assert_int_equal(lbsync_stats(m->s)->map_writes, w0 + 1);
	{
		struct lb4_svc_val v0;

		assert_int_equal(bpf_map_lookup_elem(m->fds.svc, &target, &v0), 0);
		assert_int_equal(v0.flags, 0);
		assert_int_equal(v0.affinity_timeout, 0);
		assert_int_not_equal(v0.backend_id, 0); /* the service id */
	}
}

/* Slot order, explicitly: ready first whatever the input order. */
static void test_slot_order(void **state)
{
	struct maps *m = get_maps(state);
	struct lbsync_be be[4];
	struct lbsync_svc s = {.n = 4, .nready = 2, .be = be};
	struct lb4_svc_key k = target;
	struct lb4_svc_val v;

	/* proxy_model hands ready ones first; lbsync keeps that split. */
	for (int i = 0; i < 4; i++) {
		be[i].addr = addr_of(i + 1);
		be[i].port = htons(T_PORT);
		be[i].state =
		    i < 2 ? LB_BE_READY | LB_BE_SERVING : LB_BE_SERVING | LB_BE_TERMINATING;
	}
	assert_int_equal(lbsync_set(m->s, &k, &s), 0);
	for (uint16_t slot = 1; slot <= 4; slot++) {
		struct lb4_backend b;

		k.slot = slot;
		assert_int_equal(bpf_map_lookup_elem(m->fds.svc, &k, &v), 0);
		assert_int_equal(bpf_map_lookup_elem(m->fds.be, &v.backend_id, &b), 0);
		if (slot <= 2)
			assert_true(b.state & LB_BE_READY);
		else
			assert_int_equal(b.state, LB_BE_SERVING | LB_BE_TERMINATING);
	}
	/* Both ready ones go terminating and both fallback ones turn ready:
	 * the parts swap. */
	for (int i = 0; i < 4; i++)
		be[i].state =
		    i >= 2 ? LB_BE_READY | LB_BE_SERVING : LB_BE_SERVING | LB_BE_TERMINATING;
	{
		struct lbsync_be swapped[4] = {be[2], be[3], be[0], be[1]};

		s.be = swapped;
		assert_int_equal(lbsync_set(m->s, &target, &s), 0);
	}
	check_service(m, &target, "R3 R4 F1 F2", "parts swapped");
}

/* Full sync: what was not set since mark_begin is removed. */
static void test_mark_sweep(void **state)
{
	struct maps *m = get_maps(state);
	struct lb4_svc_key k0 = svc_key((10u << 24) | (96u << 16) | (1u << 8) | 1, 80);
	struct lb4_svc_val v;

	background(m);
	assert_int_equal(set_text(m, &target, "R1", 0), 0);
	lbsync_mark_begin(m->s);
	assert_int_equal(set_text(m, &target, "R1 R2", 0), 0);
	assert_int_equal(lbsync_sweep(m->s), T_BACKGROUND);
	assert_int_equal(lbsync_stats(m->s)->services, 1);
	assert_int_equal(lbsync_stats(m->s)->slots, 2);
	assert_int_not_equal(bpf_map_lookup_elem(m->fds.svc, &k0, &v), 0);
	check_service(m, &target, "R1 R2", "after sweep");
	/* Everything else is gone from skiff_svc. */
	{
		struct lb4_svc_key k, next;
		void *prev = NULL;
		int n = 0;

		while (bpf_map_get_next_key(m->fds.svc, prev, &next) == 0) {
			k = next;
			prev = &k;
			assert_int_equal(k.vip, target.vip);
			n++;
		}
		assert_int_equal(n, 3);
	}
	/* The background's backends drain: state 0 until gc. */
	assert_int_equal(lbsync_gc(m->s), T_BACKGROUND * 3);
	assert_int_equal(lbsync_stats(m->s)->backends, 2);
	assert_int_equal(lbsync_del(m->s, &target), 0);
	assert_int_equal(lbsync_del(m->s, &target), -ENOENT);
	assert_int_not_equal(bpf_map_lookup_elem(m->fds.svc, &target, &v), 0);
}

/* A removed backend keeps its id while connections are open. */
static void test_draining_gc(void **state)
{
	struct maps *m = get_maps(state);
	struct lb4_svc_key k = target;
	struct lb4_svc_val v;
	struct lb4_conn c = {.active = 2};
	struct lb4_backend b;
	uint32_t id;

	assert_int_equal(set_text(m, &target, "R1 R2", 0), 0);
	k.slot = 2;
	assert_int_equal(bpf_map_lookup_elem(m->fds.svc, &k, &v), 0);
	id = v.backend_id;
	/* The BPF program counts connections; play its part. */
	assert_int_equal(bpf_map_update_elem(m->fds.conn, &id, &c, BPF_ANY), 0);
	assert_int_equal(set_text(m, &target, "R1", 0), 0);
	assert_int_equal(bpf_map_lookup_elem(m->fds.be, &id, &b), 0);
	assert_int_equal(b.state, 0);	      /* draining */
	assert_int_equal(b.addr, addr_of(2)); /* still names the pod */
	assert_int_equal(lbsync_gc(m->s), 0);
	assert_int_equal(lbsync_stats(m->s)->draining, 1);

	/* Back before its connections closed: the same id, state restored. */
	assert_int_equal(set_text(m, &target, "R1 R2", 0), 0);
	assert_int_equal(bpf_map_lookup_elem(m->fds.svc, &k, &v), 0);
	assert_int_equal(v.backend_id, id);
	assert_int_equal(lbsync_gc(m->s), 0);
	assert_int_equal(lbsync_stats(m->s)->draining, 0);

	/* Gone again, connections closed: gc frees the id and zeroes it. */
	assert_int_equal(set_text(m, &target, "R1", 0), 0);
	c.active = 0;
	assert_int_equal(bpf_map_update_elem(m->fds.conn, &id, &c, BPF_ANY), 0);
	assert_int_equal(lbsync_gc(m->s), 1);
	assert_int_equal(bpf_map_lookup_elem(m->fds.be, &id, &b), 0);
	assert_int_equal(b.proto, 0);
	assert_int_equal(lbsync_stats(m->s)->backends, 1);
	/* The freed id is reused by the next new backend. */
	assert_int_equal(set_text(m, &target, "R1 R9", 0), 0);
	assert_int_equal(bpf_map_lookup_elem(m->fds.svc, &k, &v), 0);
	assert_int_equal(v.backend_id, id);
}

/* A restart: a new lbsync adopts the maps and then writes nothing for the
 * same desired state; ids and counters survive. */
static void test_adopt(void **state)
{
	struct maps *m = get_maps(state);
	struct lbsync *s2;
	struct lb4_svc_key k = target;
	struct lb4_svc_val before, after;
	uint32_t svcs, bes, slots;

	background(m);
	assert_int_equal(set_text(m, &target, "R1 R2 F3", LB_SVC_F_AFFINITY), 0);
	/* A backend left draining by the previous run. */
	assert_int_equal(set_text(m, &target, "R1 R2", LB_SVC_F_AFFINITY), 0);
	assert_int_equal(set_text(m, &target, "R1 R2 F3", LB_SVC_F_AFFINITY), 0);
	assert_int_equal(set_text(m, &target, "R1 F3", LB_SVC_F_AFFINITY), 0);
	k.slot = 0;
	assert_int_equal(bpf_map_lookup_elem(m->fds.svc, &k, &before), 0);
	svcs = lbsync_stats(m->s)->services;
	bes = lbsync_stats(m->s)->backends;
	slots = lbsync_stats(m->s)->slots;

	s2 = lbsync_new(&m->fds, T_MAX_SERVICES, T_MAX_BACKENDS);
	assert_non_null(s2);
	lbsync_free(m->s);
	m->s = s2;
	assert_int_equal(lbsync_adopt(m->s), 0);
	assert_int_equal(lbsync_stats(m->s)->services, svcs);
	assert_int_equal(lbsync_stats(m->s)->backends, bes);
	assert_int_equal(lbsync_stats(m->s)->slots, slots);
	assert_int_equal(lbsync_stats(m->s)->map_writes, 0);

	lbsync_mark_begin(m->s);
	background(m);
	assert_int_equal(set_text(m, &target, "F3 R1", LB_SVC_F_AFFINITY), 0);
	assert_int_equal(lbsync_sweep(m->s), 0);
	assert_int_equal(lbsync_stats(m->s)->map_writes, 0);
	assert_int_equal(bpf_map_lookup_elem(m->fds.svc, &k, &after), 0);
	assert_memory_equal(&before, &after, sizeof(before)); /* same service id */
	/* The draining backend is known as such and collected. */
	assert_int_equal(lbsync_gc(m->s), 1);
	assert_int_equal(lbsync_verify(m->s), 0);
}

/* Periodic reconcile repairs foreign writes and drift. */
static void test_verify_repairs(void **state)
{
	struct maps *m = get_maps(state);
	struct lb4_svc_key k = target, stray = target;
	struct lb4_svc_val v, bogus = {.backend_id = 999};
	struct lb4_backend b;
	uint32_t id;

	background(m);
	assert_int_equal(set_text(m, &target, "R1 R2 R3", 0), 0);
	assert_int_equal(lbsync_verify(m->s), 0);

	k.slot = 2;
	assert_int_equal(bpf_map_lookup_elem(m->fds.svc, &k, &v), 0);
	id = v.backend_id;
	assert_int_equal(bpf_map_update_elem(m->fds.svc, &k, &bogus, BPF_ANY), 0); /* wrong slot */
	stray.slot = 7;
	assert_int_equal(bpf_map_update_elem(m->fds.svc, &stray, &bogus, BPF_ANY), 0); /* stray */
	assert_int_equal(bpf_map_lookup_elem(m->fds.be, &id, &b), 0);
	b.state = 0;
	assert_int_equal(bpf_map_update_elem(m->fds.be, &id, &b, BPF_ANY), 0); /* backend */
	k.slot = 0;
	assert_int_equal(bpf_map_delete_elem(m->fds.svc, &k), 0); /* lost slot 0 */

	assert_int_equal(lbsync_verify(m->s), 4);
	assert_int_equal(lbsync_stats(m->s)->repairs, 4);
	check_service(m, &target, "R1 R2 R3", "after repair");
	assert_int_not_equal(bpf_map_lookup_elem(m->fds.svc, &stray, &v), 0);
	assert_int_equal(lbsync_verify(m->s), 0);
}

/* Out of backend ids: the service is refused whole, nothing half-written. */
static void test_out_of_ids(void **state)
{
	struct maps *m = get_maps(state);
	struct lb4_svc_val v;
	struct lb4_svc_key k = target;

	lbsync_free(m->s);
	lbmap_close(&m->fds);
	/* Backend ids 1..3 (0 means none). */
	assert_int_equal(maps_create(m, 4, 4), 0);
	assert_int_equal(set_text(m, &target, "R1 R2 R3 R4", 0), -ENOSPC);
	assert_int_equal(lbsync_stats(m->s)->services, 0);
	assert_int_not_equal(bpf_map_lookup_elem(m->fds.svc, &k, &v), 0);
	/* The ids taken on the way are draining, then free again. */
	assert_int_equal(lbsync_gc(m->s), 3);
	assert_int_equal(set_text(m, &target, "R1 R2 R3", 0), 0);
	check_service(m, &target, "R1 R2 R3", "after ENOSPC");
	/* An existing service that cannot grow keeps what it had. */
	assert_int_equal(set_text(m, &target, "R1 R2 R3 R4", 0), -ENOSPC);
	check_service(m, &target, "R1 R2 R3", "failed growth");
}

/* A Service with 40 ports (a pm_service once kept 32) and one slice:
 * every service port reaches the maps with its backend. */
static void test_forty_ports(void **state)
{
	struct maps *m = get_maps(state);
	char *json = malloc(16384);
	struct pm_service svc;
	cJSON *sdoc, *ldoc;
	size_t off;

	assert_non_null(json);
	off = snprintf(json, 16384, "{\"spec\":{\"clusterIP\":\"10.96.7.7\",\"ports\":[");
	for (int i = 0; i < 40; i++)
		off += snprintf(json + off, 16384 - off, "%s{\"name\":\"p%d\",\"port\":%d}",
				i ? "," : "", i, 1000 + i);
	snprintf(json + off, 16384 - off, "]}}");
	sdoc = cJSON_Parse(json);
	off = snprintf(json, 16384,
		       "{\"addressType\":\"IPv4\",\"endpoints\":[{\"addresses\":"
		       "[\"10.0.0.1\"]}],\"ports\":[");
	for (int i = 0; i < 40; i++)
		off += snprintf(json + off, 16384 - off, "%s{\"name\":\"p%d\",\"port\":%d}",
				i ? "," : "", i, 2000 + i);
	snprintf(json + off, 16384 - off, "]}");
	ldoc = cJSON_Parse(json);
	assert_non_null(sdoc);
	assert_non_null(ldoc);
	assert_int_equal(pm_service_parse(sdoc, &svc), 0);
	assert_int_equal(svc.nports, 40);
	for (uint32_t i = 0; i < svc.nports; i++) {
		struct pm_endpoints e = {0};
		struct lb4_svc_key k = {
		    .vip = svc.vip, .port = htons(svc.ports[i].port), .proto = IPPROTO_TCP};
		struct lbsync_svc w;
		struct lb4_svc_val v;
		struct lb4_backend b;

		assert_int_equal(pm_endpoints_add_slice(&e, ldoc, &svc.ports[i], svc.vip, NULL), 0);
		pm_endpoints_finish(&e);
		w = (struct lbsync_svc){.n = e.n, .nready = e.nready, .be = e.be};
		assert_int_equal(lbsync_set(m->s, &k, &w), 0);
		pm_endpoints_free(&e);
		k.slot = 1;
		assert_int_equal(bpf_map_lookup_elem(m->fds.svc, &k, &v), 0);
		assert_int_equal(bpf_map_lookup_elem(m->fds.be, &v.backend_id, &b), 0);
		assert_int_equal(ntohs(b.port), 2000 + i);
	}
	assert_int_equal(lbsync_stats(m->s)->services, 40);
	pm_service_free(&svc);
	cJSON_Delete(sdoc);
	cJSON_Delete(ldoc);
	free(json);
}

/* The BPF service map itself full (sized below what lbsync may use): the
 * write fails, lbsync says so (-E2BIG) and counts it; nothing silent. */
static void test_full_map(void **state)
{
	struct maps *m = get_maps(state);
	uint64_t errors;
	int r;

	lbsync_free(m->s);
	lbmap_close(&m->fds);
	/* the service map holds 4 + 8 entries, lbsync may use 4 ids, 8 backends */
	assert_int_equal(maps_create(m, 4, 8), 0);
	assert_int_equal(set_text(m, &target, "R1 R2 R3 R4 R5 R6 R7", 0), 0); /* 8 entries */
	errors = lbsync_stats(m->s)->map_errors;
	r = set_text(m,
		     &(struct lb4_svc_key){
			 .vip = htonl(0x0a600002), .port = htons(80), .proto = IPPROTO_TCP},
		     "R1 R2 R3 R4 R5", 0);
	assert_int_equal(r, -E2BIG);
	assert_true(lbsync_stats(m->s)->map_errors > errors);
}

/* More backends than slot 0 can count: the first LB_MAX_SLOTS serve and
 * the caller hears of the rest (-EOVERFLOW). */
static void test_too_many_backends(void **state)
{
	struct maps *m = get_maps(state);
	uint32_t n = LB_MAX_SLOTS + 1;
	struct lbsync_be *be = calloc(n, sizeof(*be));
	struct lbsync_svc w = {.n = n, .nready = n, .be = be};
	struct lb4_svc_key k0 = target;
	struct lb4_svc_val v0;

	assert_non_null(be);
	lbsync_free(m->s);
	lbmap_close(&m->fds);
	assert_int_equal(maps_create(m, 4, n + 2), 0);
	for (uint32_t i = 0; i < n; i++) {
		be[i].addr = htonl((10u << 24) | (2u << 16) | i);
		be[i].port = htons(T_PORT);
		be[i].state = LB_BE_READY | LB_BE_SERVING;
	}
	assert_int_equal(lbsync_set(m->s, &target, &w), -EOVERFLOW);
	k0.slot = 0;
	assert_int_equal(bpf_map_lookup_elem(m->fds.svc, &k0, &v0), 0);
	assert_int_equal(v0.count, LB_MAX_SLOTS);
	free(be);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_transitions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unchanged_writes_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_slot_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mark_sweep, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_draining_gc, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_adopt, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_verify_repairs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_out_of_ids, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_forty_ports, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_full_map, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_too_many_backends, setup, teardown),
	};

	log_set_level(LOG_ERR); /* lbsync's warnings are expected here */
	target = svc_key((10u << 24) | (96u << 16) | 1, 80);
	return cmocka_run_group_tests_name("lbsync", tests, NULL, NULL);
}
