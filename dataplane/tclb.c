/* tclb: load/attach the tc path, its configuration and its flow GC. */
#include "tclb.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpflb.h"
#include "lb_common.h"
#include "log.h"
#include "tc_lb.skel.h"

/* tc filter identity: one of ours per hook, replaced in place on restart. */
#define TCLB_HANDLE   0x5c1f
#define TCLB_PRIORITY 1
/* Flow timeouts (seconds of silence), Cilium's defaults: an established
 * TCP flow 6 h, a TCP flow that never got a reply and any UDP flow 60 s; a
 * closed flow's entries linger 2 s for the last ACKs (its SNAT port may be
 * taken over after 1 s, see tc_lb.bpf.c). */
#define TCLB_TCP_ESTABLISHED 21600
#define TCLB_TCP_SYN	     60
#define TCLB_UDP	     60
#define TCLB_CLOSE_LINGER    2
/* A reply entry of a random SNAT port is kept this long (Linux's
 * TIME_WAIT): the backend may refuse another client's SYN on the tuple. */
#define TCLB_TIME_WAIT 60

static int if_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIFHWADDR, &ifr))
		r = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(s);
	return r;
}

/* The interface's IPv4 addresses into skiff_local (replacing what was
 * there); the first one is the node's SNAT address. */
static int local_addrs(struct tclb *t, const char *ifname, int local_fd)
{
	struct ifaddrs *ifa, *i;
	uint32_t key;
	uint8_t one = 1;
	int n = 0;

	while (!bpf_map_get_next_key(local_fd, NULL, &key))
		bpf_map_delete_elem(local_fd, &key);
	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    strcmp(i->ifa_name, ifname))
			continue;
		key = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
		if (!n)
			t->node_addr = key;
		if (bpf_map_update_elem(local_fd, &key, &one, BPF_ANY) == 0)
			n++;
	}
	freeifaddrs(ifa);
	return n ? 0 : -EADDRNOTAVAIL;
}

/* The interface's clsact qdisc, made unless there is one (a restart, or
 * another tc user: it is shared, only our filters are ours). */
static int clsact(struct tclb *t)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = t->ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, q, .handle = TCLB_HANDLE, .priority = TCLB_PRIORITY);
	int r;

	/* a filter of ours there means the qdisc is too: skip the create,
	 * which libbpf would report as an error when it exists */
	hook.attach_point = BPF_TC_INGRESS;
	if (bpf_tc_query(&hook, &q) == 0)
		return 0;
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	r = bpf_tc_hook_create(&hook);
	return r == -EEXIST ? 0 : r;
}

static int attach(struct tclb *t, enum bpf_tc_attach_point where, int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = t->ifindex, .attach_point = where);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TCLB_HANDLE, .priority = TCLB_PRIORITY,
			    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);

	return bpf_tc_attach(&hook, &opts);
}

int tclb_open(struct tclb *t, const struct tclb_opts *o, char *err, size_t errlen)
{
	struct bpf_object_open_opts oo = {.sz = sizeof(oo), .pin_root_path = o->pin_dir};
	struct lb4_tc_cfg cfg = {0};
	struct tc_lb_bpf *s;
	uint32_t zero = 0;
	int r;

	memset(t, 0, sizeof(*t));
	t->ct_fd = t->l2_fd = t->release_fd = t->range_fd = -1;
	t->ifindex = (int)if_nametoindex(o->ifname);
	if (!t->ifindex) {
		r = -errno;
		snprintf(err, errlen, "--external-interface %s: %s", o->ifname, strerror(-r));
		return r;
	}
	s = tc_lb_bpf__open_opts(&oo);
	if (!s) {
		r = -errno;
		snprintf(err, errlen, "open the tc BPF object: %s", strerror(-r));
		return r;
	}
	t->skel = s;
	bpflb_size_shared(s->obj, o->max_services, o->max_backends);
	bpf_map__set_max_entries(s->maps.skiff_ct, o->max_flows ? o->max_flows : LB_DEF_MAX_FLOWS);
	r = tc_lb_bpf__load(s);
	if (r) {
		snprintf(err, errlen,
			 "loading the tc programs failed: %s (run with -v for the verifier log; "
			 "pinned maps of another size: skiff-node --cleanup)",
			 strerror(-r));
		goto fail;
	}
	r = local_addrs(t, o->ifname, bpf_map__fd(s->maps.skiff_local));
	if (r) {
		snprintf(err, errlen, "--external-interface %s: no IPv4 address: %s", o->ifname,
			 strerror(-r));
		goto fail;
	}
	cfg.node_addr = t->node_addr;
	cfg.ifindex = (uint32_t)t->ifindex;
	cfg.snat_lo = LB_SNAT_LO;
	cfg.snat_hi = LB_SNAT_HI;
	r = if_mac(o->ifname, cfg.mac);
	if (!r && bpf_map_update_elem(bpf_map__fd(s->maps.skiff_tccfg), &zero, &cfg, BPF_ANY))
		r = -errno;
	if (r) {
		snprintf(err, errlen, "--external-interface %s: configuration: %s", o->ifname,
			 strerror(-r));
		goto fail;
	}
	/* egress first: by the time new flows are translated at ingress,
	 * their replies are translated back */
	r = clsact(t);
	if (!r)
		r = attach(t, BPF_TC_EGRESS, bpf_program__fd(s->progs.skiff_tc_egress));
	if (!r)
		r = attach(t, BPF_TC_INGRESS, bpf_program__fd(s->progs.skiff_tc_ingress));
	if (r) {
		snprintf(err, errlen, "attach to %s (tc clsact): %s", o->ifname, strerror(-r));
		goto fail;
	}
	t->ct_fd = bpf_map__fd(s->maps.skiff_ct);
	t->l2_fd = bpf_map__fd(s->maps.skiff_l2);
	t->release_fd = bpf_program__fd(s->progs.skiff_ct_release);
	t->range_fd = bpf_map__fd(s->maps.skiff_srcrange);
	return 0;
fail:
	tc_lb_bpf__destroy(s);
	t->skel = NULL;
	return r;
}

void tclb_close(struct tclb *t)
{
	if (t->skel)
		tc_lb_bpf__destroy(t->skel);
	t->skel = NULL;
	t->ct_fd = t->l2_fd = t->release_fd = t->range_fd = -1;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Seconds of silence after which an ORIG flow is over. */
static uint64_t flow_timeout(const struct lb4_ct_key *k, const struct lb4_ct_val *o)
{
	if (o->flags & LB_CT_F_RELEASED)
		return TCLB_CLOSE_LINGER;
	if (k->proto != IPPROTO_TCP)
		return TCLB_UDP;
	return (o->flags & LB_CT_F_SEEN_REPLY) ? TCLB_TCP_ESTABLISHED : TCLB_TCP_SYN;
}

struct keyvec {
	struct lb4_ct_key *v;
	size_t n, cap;
};

static int keyvec_add(struct keyvec *kv, const struct lb4_ct_key *k)
{
	if (kv->n == kv->cap) {
		size_t cap = kv->cap ? kv->cap * 2 : 64;
		struct lb4_ct_key *nv = realloc(kv->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		kv->v = nv;
		kv->cap = cap;
	}
	kv->v[kv->n++] = *k;
	return 0;
}

/* End an expired flow through the datapath's own program: counted down
 * once (its atomic flag), then its entries (remove: LB_CT_RM_*) deleted
 * unless the 5-tuple holds a newer flow by now. A syscall program's
 * context comes back in ctx_in (the kernel refuses ctx_out for them with
 * EINVAL: the first version passed it, and no expired flow was ever
 * counted down). A failure is counted and logged once. */
static void expire(struct tclb *t, const struct lb4_ct_key *k, const struct lb4_ct_val *v,
		   uint32_t remove)
{
	struct lb4_ct_release_args a = {
	    .key = *k, .created_ns = v->created_ns, .last_ns = v->last_ns, .remove = remove};
	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, ro, .ctx_in = &a, .ctx_size_in = sizeof(a));

	if (bpf_prog_test_run_opts(t->release_fd, &ro)) {
		if (!t->gc.errors++)
			pr_warn("tc path: flow GC: skiff_ct_release: %s", strerror(errno));
		return;
	}
	t->gc.expired += a.released > 0;
	t->gc.removed += (uint64_t)a.removed;
	t->gc.reused += a.reused > 0;
}

/* What the GC does with one entry: keep it, or queue it (and, for an
 * expired flow, its reply entry) for deletion. */
static int gc_entry(struct tclb *t, const struct lb4_ct_key *k, const struct lb4_ct_val *v,
		    uint64_t now, struct keyvec *del, uint32_t *flows)
{
	if (k->dir == LB_CT_ORIG) {
		uint64_t idle = now > v->last_ns ? (now - v->last_ns) / 1000000000ULL : 0;

		if (idle < flow_timeout(k, v)) {
			(*flows)++;
			return 0;
		}
		/* a random SNAT port's tuple may be in TIME_WAIT at the backend:
		 * its reply entry stays, so no other client gets it (orphan rule) */
		expire(t, k, v,
		       (v->flags & LB_CT_F_SNAT) && v->nat_port != k->sport
			   ? LB_CT_RM_ORIG
			   : LB_CT_RM_ORIG | LB_CT_RM_REPLY);
		return 0;
	}
	/* a reply entry whose flow is gone (replaced, evicted) */
	{
		struct lb4_ct_key ok = {.saddr = v->addr,
					.daddr = v->nat_addr,
					.sport = v->port,
					.dport = v->nat_port,
					.proto = k->proto,
					.dir = LB_CT_ORIG};
		struct lb4_ct_val o;
		bool mine;

		uint64_t keep =
		    k->daddr != v->addr && k->dport != v->port ? TCLB_TIME_WAIT : TCLB_CLOSE_LINGER;

		if (now - v->created_ns < keep * 1000000000ULL)
			return 0;
		mine = bpf_map_lookup_elem(t->ct_fd, &ok, &o) == 0;
		if (mine) {
			struct lb4_ct_key rk = lb4_ct_reply_key(&ok, &o);

			mine = !memcmp(&rk, k, sizeof(*k));
		}
		return !mine && keyvec_add(del, k) ? -ENOMEM : 0;
	}
}

#define TCLB_GC_BATCH 1024 /* entries read per syscall */

int tclb_gc(struct tclb *t)
{
	static struct lb4_ct_key keys[TCLB_GC_BATCH];
	static struct lb4_ct_val vals[TCLB_GC_BATCH];
	struct lb4_ct_key in, out;
	struct keyvec del = {0};
	uint64_t now = mono_ns();
	uint32_t flows = 0;
	bool first = true;
	int r = 0;

	if (t->ct_fd < 0)
		return 0;
	/* the table in batches: a pass over 100,000 flows is a few hundred
	 * syscalls, not 200,000 */
	for (;;) {
		__u32 n = TCLB_GC_BATCH;
		int br =
		    bpf_map_lookup_batch(t->ct_fd, first ? NULL : &in, &out, keys, vals, &n, NULL);

		if (br && errno != ENOENT) {
			r = -errno;
			break;
		}
		for (__u32 i = 0; i < n && !r; i++)
			r = gc_entry(t, &keys[i], &vals[i], now, &del, &flows);
		if (br || r)
			break; /* ENOENT: that was the last batch */
		in = out;
		first = false;
	}
	for (size_t i = 0; i < del.n; i += TCLB_GC_BATCH) {
		__u32 n = (__u32)(del.n - i < TCLB_GC_BATCH ? del.n - i : TCLB_GC_BATCH);

		/* a key already gone (evicted) stops a batch: finish it one by one */
		if (bpf_map_delete_batch(t->ct_fd, &del.v[i], &n, NULL) == 0) {
			t->gc.removed += n;
			continue;
		}
		t->gc.removed += n;
		for (size_t j = i + n; j < del.n && j < i + TCLB_GC_BATCH; j++)
			if (bpf_map_delete_elem(t->ct_fd, &del.v[j]) == 0)
				t->gc.removed++;
	}
	free(del.v);
	t->gc.flows = flows;
	return r;
}

int tclb_set_l2(struct tclb *t, const uint32_t *addrs, uint32_t n)
{
	uint32_t key, next, *prev = NULL;
	uint8_t one = 1;
	struct {
		uint32_t *v;
		size_t n;
	} gone = {0};
	int r = 0;

	if (t->l2_fd < 0)
		return 0;
	while (bpf_map_get_next_key(t->l2_fd, prev, &next) == 0) {
		bool want = false;

		key = next;
		prev = &key;
		for (uint32_t i = 0; i < n && !want; i++)
			want = addrs[i] == key;
		if (!want) {
			uint32_t *g = realloc(gone.v, (gone.n + 1) * sizeof(*g));

			if (!g) {
				r = -ENOMEM;
				break;
			}
			gone.v = g;
			gone.v[gone.n++] = key;
		}
	}
	for (size_t i = 0; i < gone.n; i++)
		bpf_map_delete_elem(t->l2_fd, &gone.v[i]);
	free(gone.v);
	for (uint32_t i = 0; i < n; i++)
		if (bpf_map_update_elem(t->l2_fd, &addrs[i], &one, BPF_ANY) && !r)
			r = -errno;
	return r;
}

int tclb_set_ranges(struct tclb *t, uint32_t vip, const struct pm_cidr *r, uint32_t n)
{
	struct lb4_srcrange_key k, next, *prev = NULL;
	struct {
		struct lb4_srcrange_key *v;
		size_t n;
	} old = {0};
	uint8_t one = 1;
	int rc = 0;

	if (t->range_fd < 0)
		return 0;
	/* this frontend's entries that are not wanted any more */
	while (bpf_map_get_next_key(t->range_fd, prev, &next) == 0) {
		bool want = false;

		k = next;
		prev = &k;
		if (k.vip != vip)
			continue;
		for (uint32_t i = 0; i < n && !want; i++)
			want = k.prefixlen == 32u + r[i].len && k.addr == r[i].addr;
		if (!want) {
			struct lb4_srcrange_key *g = realloc(old.v, (old.n + 1) * sizeof(*g));

			if (!g) {
				rc = -ENOMEM;
				break;
			}
			old.v = g;
			old.v[old.n++] = k;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		struct lb4_srcrange_key nk = {
		    .prefixlen = 32u + r[i].len, .vip = vip, .addr = r[i].addr};

		if (bpf_map_update_elem(t->range_fd, &nk, &one, BPF_ANY) && !rc)
			rc = -errno;
	}
	for (size_t i = 0; i < old.n; i++)
		bpf_map_delete_elem(t->range_fd, &old.v[i]);
	free(old.v);
	return rc;
}

int tclb_unpin_all(const char *pin_dir, const char *ifname, char *err, size_t errlen)
{
	static const char *const maps[] = {LB_PIN_CT, LB_PIN_LOCAL, LB_PIN_L2, LB_PIN_TCCFG,
					   LB_PIN_SRCRANGE};
	char path[4200];
	int r = 0;

	if (ifname && *ifname) {
		int ifindex = (int)if_nametoindex(ifname);
		enum bpf_tc_attach_point pts[] = {BPF_TC_INGRESS, BPF_TC_EGRESS};

		for (size_t i = 0; ifindex && i < 2; i++) {
			DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
					    .attach_point = pts[i]);
			DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TCLB_HANDLE,
					    .priority = TCLB_PRIORITY);

			bpf_tc_detach(&hook, &opts); /* -ENOENT: not attached */
		}
	}
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, maps[i]);
		if (unlink(path) && errno != ENOENT && !r) {
			r = -errno;
			snprintf(err, errlen, "unlink %s: %s", path, strerror(errno));
		}
	}
	return r;
}
