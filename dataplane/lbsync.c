/* lbsync: program the socket-LB maps by difference against a mirror. */
#include "lbsync.h"

#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"

/* Mirror of one service port: slot 0 as programmed and its slots. */
struct sp {
	struct lb4_svc_key key; /* slot 0 */
	struct lb4_svc_val val; /* slot 0 as in the map */
	uint32_t *ids;		/* ids[i] is in slot i+1; 0 = hole */
	uint32_t nids;
	uint64_t mark; /* full-sync generation that last set it */
};

/* Mirror of one backend id. */
struct be {
	struct lb4_backend b; /* as in the map */
	uint32_t id;
	uint32_t refs;	/* slots referencing it */
	uint64_t stamp; /* lbsync_set call that last wanted it */
	uint8_t region; /* in that call: 1 ready, 2 fallback, 0 placed */
};

struct lbsync {
	struct lbmap_fds fds; /* borrowed */
	uint32_t max_services, max_backends;
	void *sp_root;	   /* tree of struct sp by key */
	void *be_root;	   /* tree of struct be by (addr, port, proto) */
	struct be **by_id; /* [max_backends] */
	uint32_t be_next;  /* next never-used backend id */
	uint32_t *be_free; /* freed ids (stack) */
	uint32_t be_nfree;
	uint8_t *svc_used; /* [max_services + 1] */
	uint32_t svc_next;
	uint32_t *draining; /* ids with refs == 0 still in the map */
	uint32_t ndraining, capdraining;
	uint64_t gen;
	uint64_t stamp; /* counts lbsync_set calls */
	struct lbsync_stats st;
};

static int sp_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct sp *)a)->key, &((const struct sp *)b)->key,
		      sizeof(struct lb4_svc_key));
}

static int be_cmp(const void *a, const void *b)
{
	const struct lb4_backend *x = &((const struct be *)a)->b, *y = &((const struct be *)b)->b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return (int)x->proto - (int)y->proto;
}

/* --- map writes (counted) --- */

static int map_put(struct lbsync *s, int fd, const void *k, const void *v)
{
	s->st.map_writes++;
	if (bpf_map_update_elem(fd, k, v, BPF_ANY)) {
		int e = -errno;

		s->st.map_errors++;
		pr_warn("lbsync: map update: %s", strerror(-e));
		return e;
	}
	return 0;
}

static int map_del(struct lbsync *s, int fd, const void *k)
{
	s->st.map_writes++;
	if (bpf_map_delete_elem(fd, k) && errno != ENOENT) {
		int e = -errno;

		s->st.map_errors++;
		pr_warn("lbsync: map delete: %s", strerror(-e));
		return e;
	}
	return 0;
}

static struct lb4_svc_key slot_key(const struct lb4_svc_key *k, uint32_t slot)
{
	struct lb4_svc_key r = *k;

	r.slot = (uint16_t)slot;
	return r;
}

/* --- backends --- */

static void draining_add(struct lbsync *s, uint32_t id)
{
	if (s->ndraining == s->capdraining) {
		uint32_t cap = s->capdraining ? s->capdraining * 2 : 64;
		uint32_t *d = realloc(s->draining, cap * sizeof(*d));

		if (!d)
			return; /* gc will not see it; the id is only leaked */
		s->draining = d;
		s->capdraining = cap;
	}
	s->draining[s->ndraining++] = id;
}

static void draining_del(struct lbsync *s, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < s->ndraining; i++) {
		if (s->draining[i] == id) {
			s->draining[i] = s->draining[--s->ndraining];
			return;
		}
	}
}

static uint32_t be_alloc_id(struct lbsync *s)
{
	if (s->be_nfree)
		return s->be_free[--s->be_nfree];
	while (s->be_next < s->max_backends && s->by_id[s->be_next])
		s->be_next++;
	if (s->be_next >= s->max_backends)
		return 0;
	return s->be_next++;
}

/* Zero a fresh id's per-CPU selection total (a freed id's is stale). */
static void be_reset_sel(struct lbsync *s, uint32_t id)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *zero;

	if (ncpu <= 0)
		return;
	zero = calloc((size_t)ncpu, sizeof(*zero));
	if (!zero)
		return;
	map_put(s, s->fds.sel, &id, zero);
	free(zero);
}

/* Find or create the backend and take a reference; write its entry if it
 * is new or its state changed. */
static struct be *be_get(struct lbsync *s, const struct lbsync_be *want, uint8_t proto)
{
	struct be probe = {.b = {.addr = want->addr, .port = want->port, .proto = proto}};
	void *node = tfind(&probe, &s->be_root, be_cmp);
	struct be *b;

	if (node) {
		b = *(struct be **)node;
		if (b->refs == 0)
			draining_del(s, b->id);
		b->refs++;
		if (b->b.state != want->state) {
			b->b.state = want->state;
			map_put(s, s->fds.be, &b->id, &b->b);
		}
		return b;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->b = probe.b;
	b->b.state = want->state;
	b->id = be_alloc_id(s);
	if (!b->id) {
		pr_warn("lbsync: no free backend id (--max-backends %u)", s->max_backends);
		free(b);
		return NULL;
	}
	if (!tsearch(b, &s->be_root, be_cmp)) {
		s->be_free[s->be_nfree++] = b->id;
		free(b);
		return NULL;
	}
	s->by_id[b->id] = b;
	b->refs = 1;
	s->st.backends++;
	be_reset_sel(s, b->id);
	map_put(s, s->fds.be, &b->id, &b->b);
	return b;
}

/* Drop a reference; the last one turns the backend into a draining one. */
static void be_unref(struct lbsync *s, uint32_t id)
{
	struct be *b = id < s->max_backends ? s->by_id[id] : NULL;

	if (!b || !b->refs)
		return;
	if (--b->refs)
		return;
	b->b.state = 0;
	map_put(s, s->fds.be, &b->id, &b->b);
	draining_add(s, id);
}

/* Forget a backend whose last connection is gone and free its id. */
static void be_free(struct lbsync *s, struct be *b)
{
	struct lb4_backend zero = {0};

	map_put(s, s->fds.be, &b->id, &zero);
	tdelete(b, &s->be_root, be_cmp);
	s->by_id[b->id] = NULL;
	s->be_free[s->be_nfree++] = b->id;
	s->st.backends--;
	free(b);
}

/* --- service ids --- */

static uint32_t svc_alloc_id(struct lbsync *s)
{
	uint32_t i;

	for (i = 0; i < s->max_services; i++) {
		uint32_t id = s->svc_next;

		s->svc_next = s->svc_next % s->max_services + 1;
		if (!s->svc_used[id]) {
			s->svc_used[id] = 1;
			return id;
		}
	}
	return 0;
}

static void svc_free_id(struct lbsync *s, uint32_t id)
{
	if (id && id <= s->max_services)
		s->svc_used[id] = 0;
}

/* --- lifecycle --- */

struct lbsync *lbsync_new(const struct lbmap_fds *fds, uint32_t max_services, uint32_t max_backends)
{
	struct lbsync *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->fds = *fds;
	s->max_services = max_services;
	s->max_backends = max_backends;
	s->by_id = calloc(max_backends, sizeof(*s->by_id));
	s->be_free = calloc(max_backends, sizeof(*s->be_free));
	s->svc_used = calloc((size_t)max_services + 1, 1);
	if (!s->by_id || !s->be_free || !s->svc_used) {
		lbsync_free(s);
		return NULL;
	}
	s->be_next = 1; /* id 0 means "none" */
	s->svc_next = 1;
	return s;
}

static void free_sp(void *p)
{
	struct sp *sp = p;

	free(sp->ids);
	free(sp);
}

void lbsync_free(struct lbsync *s)
{
	if (!s)
		return;
	tdestroy(s->sp_root, free_sp);
	tdestroy(s->be_root, free);
	free(s->by_id);
	free(s->be_free);
	free(s->svc_used);
	free(s->draining);
	free(s);
}

const struct lbsync_stats *lbsync_stats(const struct lbsync *s)
{
	return &s->st;
}

/* --- service ports --- */

static struct sp *sp_find(struct lbsync *s, const struct lb4_svc_key *key)
{
	struct sp probe;
	void *node;

	probe.key = slot_key(key, 0);
	node = tfind(&probe, &s->sp_root, sp_cmp);
	return node ? *(struct sp **)node : NULL;
}

int lbsync_set(struct lbsync *s, const struct lb4_svc_key *key, const struct lbsync_svc *want)
{
	struct lb4_svc_val v0 = {0};
	struct sp *sp = sp_find(s, key);
	bool fresh = false;
	uint32_t *ids, *want_ids;
	uint32_t n = want->n, i, nw = 0, nready = 0;
	bool overflow = n > LB_MAX_SLOTS;
	int err = 0;

	/* slot 0 counts in 16 bits: the first LB_MAX_SLOTS serve, the caller
	 * hears of the rest (-EOVERFLOW) */
	if (overflow)
		n = LB_MAX_SLOTS;
	if (!sp) {
		sp = calloc(1, sizeof(*sp));
		if (!sp)
			return -ENOMEM;
		sp->key = slot_key(key, 0);
		sp->val.backend_id = svc_alloc_id(s);
		if (!sp->val.backend_id) {
			pr_warn("lbsync: no free service id (--max-services %u)", s->max_services);
			free(sp);
			return -ENOSPC;
		}
		if (!tsearch(sp, &s->sp_root, sp_cmp)) {
			svc_free_id(s, sp->val.backend_id);
			free(sp);
			return -ENOMEM;
		}
		s->st.services++;
		fresh = true;
	}
	sp->mark = s->gen;

	/* 1. Resolve every wanted backend to an id (references taken),
	 * dropping duplicates. */
	ids = calloc(n ? n : 1, sizeof(*ids));
	want_ids = calloc(n ? n : 1, sizeof(*want_ids));
	if (!ids || !want_ids) {
		free(ids);
		free(want_ids);
		return -ENOMEM;
	}
	s->stamp++;
	for (i = 0; i < n; i++) {
		struct be *b = be_get(s, &want->be[i], key->proto);

		if (!b) {
			while (nw--)
				be_unref(s, want_ids[nw]);
			free(ids);
			free(want_ids);
			if (fresh)
				lbsync_del(s, key);
			return -ENOSPC;
		}
		if (b->stamp == s->stamp) {
			be_unref(s, b->id); /* same address twice */
			continue;
		}
		b->stamp = s->stamp;
		b->region = i < want->nready ? 1 : 2;
		nready += b->region == 1;
		want_ids[nw++] = b->id;
	}
	n = nw;

	/* 2. Placement: a backend that stays in its region keeps its slot;
	 * newcomers fill the holes. Removing one endpoint thus rewrites one
	 * slot (the last one moves into the hole), adding one writes one. */
	for (i = 0; i < n && i < sp->nids; i++) {
		struct be *b = sp->ids[i] < s->max_backends ? s->by_id[sp->ids[i]] : NULL;
		uint8_t region = i < nready ? 1 : 2;

		if (b && b->stamp == s->stamp && b->region == region) {
			ids[i] = b->id;
			b->region = 0;
		}
	}
	{
		uint32_t pos[3] = {0, 0, nready}; /* next free slot per region */

		for (i = 0; i < nw; i++) {
			struct be *b = s->by_id[want_ids[i]];
			uint32_t end = b->region == 1 ? nready : n;

			if (!b->region)
				continue;
			while (pos[b->region] < end && ids[pos[b->region]])
				pos[b->region]++;
			ids[pos[b->region]] = b->id;
			b->region = 0;
		}
	}
	free(want_ids);

	/* 2. Slots that changed, then slot 0, then slots beyond the new count:
	 * a reader never sees a count covering a slot not yet written. */
	for (i = 0; i < n; i++) {
		if (i < sp->nids && sp->ids[i] == ids[i])
			continue;
		{
			struct lb4_svc_key k = slot_key(key, i + 1);
			struct lb4_svc_val v = {.backend_id = ids[i]};
			int r = map_put(s, s->fds.svc, &k, &v);

			err = err ? err : r;
		}
	}
	v0.backend_id = sp->val.backend_id;
	v0.count = (uint16_t)n;
	v0.ready_count = (uint16_t)nready;
	v0.affinity_timeout = want->affinity_timeout;
	v0.flags = want->flags;
	if (fresh || memcmp(&v0, &sp->val, sizeof(v0))) {
		int r = map_put(s, s->fds.svc, &sp->key, &v0);

		err = err ? err : r;
		sp->val = v0;
	}
	for (i = n; i < sp->nids; i++) {
		struct lb4_svc_key k = slot_key(key, i + 1);

		map_del(s, s->fds.svc, &k);
	}

	/* 3. Release the old references. */
	for (i = 0; i < sp->nids; i++)
		be_unref(s, sp->ids[i]);
	s->st.slots += n;
	s->st.slots -= sp->nids;
	free(sp->ids);
	sp->ids = ids;
	sp->nids = n;
	return err ? err : overflow ? -EOVERFLOW : 0;
}

int lbsync_del(struct lbsync *s, const struct lb4_svc_key *key)
{
	struct sp *sp = sp_find(s, key);
	uint32_t i;

	if (!sp)
		return -ENOENT;
	/* Slot 0 first: from then on the address is no service. */
	map_del(s, s->fds.svc, &sp->key);
	for (i = 0; i < sp->nids; i++) {
		struct lb4_svc_key k = slot_key(&sp->key, i + 1);

		map_del(s, s->fds.svc, &k);
		be_unref(s, sp->ids[i]);
	}
	s->st.slots -= sp->nids;
	s->st.services--;
	svc_free_id(s, sp->val.backend_id);
	tdelete(sp, &s->sp_root, sp_cmp);
	free_sp(sp);
	return 0;
}

void lbsync_mark_begin(struct lbsync *s)
{
	s->gen++;
}

struct sp_list {
	struct lb4_svc_key *keys;
	size_t n, cap;
	uint64_t gen;
	bool all;
};

static void collect_sp(const void *node, VISIT which, void *ud)
{
	const struct sp *sp = *(struct sp *const *)node;
	struct sp_list *l = ud;

	if (which != postorder && which != leaf)
		return;
	if (!l->all && sp->mark == l->gen)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct lb4_svc_key *k = realloc(l->keys, cap * sizeof(*k));

		if (!k)
			return;
		l->keys = k;
		l->cap = cap;
	}
	l->keys[l->n++] = sp->key;
}

int lbsync_sweep(struct lbsync *s)
{
	struct sp_list l = {.gen = s->gen};
	size_t i;

	twalk_r(s->sp_root, collect_sp, &l);
	for (i = 0; i < l.n; i++)
		lbsync_del(s, &l.keys[i]);
	free(l.keys);
	return (int)l.n;
}

int lbsync_gc(struct lbsync *s)
{
	uint32_t i = 0;
	int freed = 0;

	while (i < s->ndraining) {
		uint32_t id = s->draining[i];
		struct lb4_conn c = {0};
		struct be *b = s->by_id[id];

		if (!b || b->refs) {
			s->draining[i] = s->draining[--s->ndraining];
			continue;
		}
		if (bpf_map_lookup_elem(s->fds.conn, &id, &c) == 0 && c.active) {
			i++;
			continue;
		}
		s->draining[i] = s->draining[--s->ndraining];
		be_free(s, b);
		freed++;
	}
	s->st.draining = s->ndraining;
	return freed;
}

/* --- adoption --- */

static int adopt_backends(struct lbsync *s)
{
	uint32_t id;

	for (id = 1; id < s->max_backends; id++) {
		struct lb4_backend b;
		struct be *e;

		if (bpf_map_lookup_elem(s->fds.be, &id, &b))
			return -errno;
		if (!b.proto)
			continue;
		e = calloc(1, sizeof(*e));
		if (!e)
			return -ENOMEM;
		e->b = b;
		e->id = id;
		if (!tsearch(e, &s->be_root, be_cmp) ||
		    *(struct be **)tfind(e, &s->be_root, be_cmp) != e) {
			/* Duplicate address: keep the first, drain this id. */
			struct lb4_backend zero = {0};

			free(e);
			map_put(s, s->fds.be, &id, &zero);
			continue;
		}
		s->by_id[id] = e;
		s->st.backends++;
	}
	return 0;
}

/* Find or make the mirror entry of a service port during adoption. */
static struct sp *adopt_sp(struct lbsync *s, const struct lb4_svc_key *k)
{
	struct sp *sp = sp_find(s, k);

	if (sp)
		return sp;
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return NULL;
	sp->key = slot_key(k, 0);
	if (!tsearch(sp, &s->sp_root, sp_cmp)) {
		free(sp);
		return NULL;
	}
	return sp;
}

static int sp_grow(struct sp *sp, uint32_t n)
{
	uint32_t *ids;

	if (n <= sp->nids)
		return 0;
	ids = realloc(sp->ids, n * sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	memset(ids + sp->nids, 0, (n - sp->nids) * sizeof(*ids));
	sp->ids = ids;
	sp->nids = n;
	return 0;
}

static void fix_adopted(const void *node, VISIT which, void *ud)
{
	struct sp *sp = *(struct sp *const *)node;
	struct lbsync *s = ud;
	uint32_t i;

	if (which != postorder && which != leaf)
		return;
	/* Slots beyond count (an interrupted update) or without a backend
	 * are holes; lbsync_set rewrites them. */
	for (i = 0; i < sp->nids; i++) {
		uint32_t id = sp->ids[i];

		if (i >= sp->val.count || id >= s->max_backends || !s->by_id[id]) {
			sp->ids[i] = 0;
			continue;
		}
		s->by_id[id]->refs++;
	}
	s->st.slots += sp->nids;
}

int lbsync_adopt(struct lbsync *s)
{
	struct lb4_svc_key key, next;
	struct sp_list orphans = {.all = true};
	void *prev = NULL;
	uint32_t id;
	size_t i;
	int err;

	err = adopt_backends(s);
	if (err)
		return err;
	while (bpf_map_get_next_key(s->fds.svc, prev, &next) == 0) {
		struct lb4_svc_val v;
		struct sp *sp;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(s->fds.svc, &key, &v))
			continue;
		sp = adopt_sp(s, &key);
		if (!sp)
			return -ENOMEM;
		if (key.slot == 0) {
			sp->val = v;
		} else {
			if (sp_grow(sp, key.slot))
				return -ENOMEM;
			sp->ids[key.slot - 1] = v.backend_id;
		}
	}
	/* Service ports with slots but no slot 0, or whose service id another
	 * one already has, are leftovers of an interrupted run: remove them
	 * from map and mirror (no references are counted yet). */
	memset(s->svc_used, 0, (size_t)s->max_services + 1);
	twalk_r(s->sp_root, collect_sp, &orphans);
	for (i = 0; i < orphans.n; i++) {
		struct sp *sp = sp_find(s, &orphans.keys[i]);
		uint32_t sid = sp->val.backend_id, j;

		if (sid && sid <= s->max_services && !s->svc_used[sid]) {
			s->svc_used[sid] = 1;
			s->st.services++;
			continue;
		}
		map_del(s, s->fds.svc, &sp->key);
		for (j = 0; j < sp->nids; j++) {
			struct lb4_svc_key k = slot_key(&sp->key, j + 1);

			map_del(s, s->fds.svc, &k);
		}
		tdelete(sp, &s->sp_root, sp_cmp);
		free_sp(sp);
	}
	free(orphans.keys);
	twalk_r(s->sp_root, fix_adopted, s);
	for (id = 1; id < s->max_backends; id++) {
		struct be *b = s->by_id[id];

		if (b && !b->refs) {
			if (b->b.state) {
				b->b.state = 0;
				map_put(s, s->fds.be, &id, &b->b);
			}
			draining_add(s, id);
		}
	}
	s->st.draining = s->ndraining;
	pr_info("lbsync: adopted %u service ports, %u backends (%u draining)", s->st.services,
		s->st.backends, s->ndraining);
	return 0;
}

/* --- full reconcile --- */

struct verify_ctx {
	struct lbsync *s;
	int repairs;
};

static void verify_sp(const void *node, VISIT which, void *ud)
{
	const struct sp *sp = *(struct sp *const *)node;
	struct verify_ctx *vc = ud;
	struct lbsync *s = vc->s;
	struct lb4_svc_val v;
	uint32_t i;

	if (which != postorder && which != leaf)
		return;
	for (i = 0; i < sp->nids; i++) {
		struct lb4_svc_key k = slot_key(&sp->key, i + 1);
		struct lb4_svc_val want = {.backend_id = sp->ids[i]};

		if (!sp->ids[i])
			continue;
		if (bpf_map_lookup_elem(s->fds.svc, &k, &v) || memcmp(&v, &want, sizeof(v))) {
			map_put(s, s->fds.svc, &k, &want);
			vc->repairs++;
		}
	}
	if (bpf_map_lookup_elem(s->fds.svc, &sp->key, &v) || memcmp(&v, &sp->val, sizeof(v))) {
		map_put(s, s->fds.svc, &sp->key, &sp->val);
		vc->repairs++;
	}
}

int lbsync_verify(struct lbsync *s)
{
	struct verify_ctx vc = {.s = s};
	struct lb4_svc_key key, next, *stray = NULL;
	size_t nstray = 0, cap = 0, i;
	void *prev = NULL;
	uint32_t id;

	/* Entries the mirror does not know: written by someone else. */
	while (bpf_map_get_next_key(s->fds.svc, prev, &next) == 0) {
		const struct sp *sp;

		key = next;
		prev = &key;
		sp = sp_find(s, &key);
		if (sp && (key.slot == 0 || (key.slot <= sp->nids && sp->ids[key.slot - 1])))
			continue;
		if (nstray == cap) {
			struct lb4_svc_key *n;

			cap = cap ? cap * 2 : 16;
			n = realloc(stray, cap * sizeof(*n));
			if (!n)
				break;
			stray = n;
		}
		stray[nstray++] = key;
	}
	for (i = 0; i < nstray; i++)
		map_del(s, s->fds.svc, &stray[i]);
	vc.repairs += (int)nstray;
	free(stray);

	twalk_r(s->sp_root, verify_sp, &vc);

	for (id = 1; id < s->max_backends; id++) {
		struct lb4_backend b;
		const struct be *e = s->by_id[id];
		struct lb4_backend want = {0};

		if (e)
			want = e->b;
		if (bpf_map_lookup_elem(s->fds.be, &id, &b))
			return -errno;
		if (memcmp(&b, &want, sizeof(b))) {
			map_put(s, s->fds.be, &id, &want);
			vc.repairs++;
		}
	}
	s->st.repairs += (uint64_t)vc.repairs;
	if (vc.repairs)
		pr_warn("lbsync: full reconcile repaired %d map entries", vc.repairs);
	return vc.repairs;
}
