// SPDX-License-Identifier: GPL-2.0
/* tc_lb: Skiff's load balancer for traffic from outside the cluster
 * (NodePort, externalIPs, LoadBalancer addresses), on the node's external
 * interface (tc clsact ingress and egress). The socket-level programs never
 * see this traffic: it comes from no socket on the node.
 *
 * A new flow to a frontend (a service entry flagged LB_SVC_F_EXTERNAL) gets
 * a backend from the same maps and the same least-busy choice as connect4
 * (lb_maps.bpf.h), counted in the same skiff_conn counters until it closes,
 * and two skiff_ct entries: ORIG (client -> frontend) and REPLY (how its
 * replies arrive). Then every packet is translated:
 *  - a backend on this node: DNAT to it, the stack routes it to the pod;
 *    the pod's reply leaves through this interface, where egress restores
 *    the frontend as its source. The client's address is kept.
 *  - a backend on another node (Cluster policy): DNAT and SNAT to this
 *    node's address and a port of its own, sent out again (bpf_redirect_neigh),
 *    so the reply comes back here, where ingress restores both addresses and
 *    sends it to the client.
 * TCP flows are released (the count goes down) at RST or at the second FIN;
 * silent ones by skiff-node's flow GC through skiff_ct_release. ORIG
 * entries hold the backend's address, so a flow outlives its backend's
 * removal from the service (it drains) and a restart of skiff-node (the
 * maps are pinned, the tc filters stay attached).
 *
 * ARP requests for the addresses in skiff_l2 (LoadBalancer addresses this
 * node announces) are answered with the interface's MAC.
 */
#include "lb_maps.bpf.h"
#include <bpf/bpf_endian.h>

/* Not in vmlinux.h (uapi macros). */
#define TC_ACT_OK	   0
#define TC_ACT_SHOT	   2
#define ETH_P_IP	   0x0800
#define ETH_P_ARP	   0x0806
#define ETH_HLEN	   14
#define AF_INET		   2
#define IP_MF		   0x2000
#define IP_OFFSET	   0x1fff
#define ARPOP_REQUEST	   1
#define ARPOP_REPLY	   2
#define TCP_FLAG_FIN	   0x01
#define TCP_FLAG_SYN	   0x02
#define TCP_FLAG_RST	   0x04
#define TCP_FLAG_ACK	   0x10
#define ICMP_DEST_UNREACH  3
#define ICMP_TIME_EXCEEDED 11
#define L4_OFF		   (ETH_HLEN + sizeof(struct iphdr))

/* (5-tuple, direction) -> flow. LRU: under pressure the oldest flows go
 * first (their counts are then lost until the GC's next full pass sees
 * nothing to release — documented in docs/dataplane.md). Two entries per
 * flow; sized by --max-flows. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct lb4_ct_key);
	__type(value, struct lb4_ct_val);
	__uint(max_entries, LB_DEF_MAX_FLOWS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_ct SEC(".maps");

/* The node's own addresses on the external interface: a packet to one of
 * them and a NodePort is for the NodePort frontend (vip 0). Written by
 * skiff-node at start. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __be32);
	__type(value, __u8);
	__uint(max_entries, 64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_local SEC(".maps");

/* LoadBalancer addresses this node answers ARP for (chosen by the proxy:
 * every node for Cluster policy, nodes with a local endpoint for Local). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __be32);
	__type(value, __u8);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_l2 SEC(".maps");

/* (LoadBalancer address, client prefix) -> 1: the clients a frontend
 * flagged LB_SVC_F_SRC_RANGES accepts (loadBalancerSourceRanges). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct lb4_srcrange_key);
	__type(value, __u8);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_srcrange SEC(".maps");

/* [0]: the node's address, interface and SNAT ports (struct lb4_tc_cfg). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct lb4_tc_cfg);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} skiff_tccfg SEC(".maps");

/* The parsed headers of an IPv4 TCP/UDP packet. */
struct pkt {
	__be32 saddr, daddr;
	__be16 sport, dport;
	__u8 proto;
	__u8 tcp_flags;
};

/* 0 and p filled for an unfragmented IPv4 TCP/UDP packet without IP
 * options; 1 for a fragment (counted by the caller if it matters); -1 for
 * anything else (passed). */
LB_INLINE int parse(struct __sk_buff *skb, struct pkt *p)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return -1;
	if (ip->ihl != 5 || (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP))
		return -1;
	p->saddr = ip->saddr;
	p->daddr = ip->daddr;
	p->proto = ip->protocol;
	if (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return 1;
	if (p->proto == IPPROTO_TCP) {
		struct tcphdr *th = (void *)(ip + 1);

		if ((void *)(th + 1) > end)
			return -1;
		p->sport = th->source;
		p->dport = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
	} else {
		struct udphdr *uh = (void *)(ip + 1);

		if ((void *)(uh + 1) > end)
			return -1;
		p->sport = uh->source;
		p->dport = uh->dest;
		p->tcp_flags = 0;
	}
	return 0;
}

/* Rewrite the source (src) or destination address and port, fixing the IP
 * and L4 checksums (a UDP checksum of 0 stays 0). */
LB_INLINE int rewrite(struct __sk_buff *skb, __u8 proto, int src, __be32 old_a, __be32 new_a,
		      __be16 old_p, __be16 new_p)
{
	__u32 csum_off = L4_OFF + (proto == IPPROTO_TCP ? __builtin_offsetof(struct tcphdr, check)
							: __builtin_offsetof(struct udphdr, check));
	__u32 a_off = ETH_HLEN + (src ? __builtin_offsetof(struct iphdr, saddr)
				      : __builtin_offsetof(struct iphdr, daddr));
	__u32 p_off = L4_OFF + (src ? 0 : 2);
	__u64 mangled = proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;

	if (old_a != new_a) {
		if (bpf_l4_csum_replace(skb, csum_off, old_a, new_a,
					BPF_F_PSEUDO_HDR | mangled | sizeof(new_a)) ||
		    bpf_l3_csum_replace(skb, ETH_HLEN + __builtin_offsetof(struct iphdr, check),
					old_a, new_a, sizeof(new_a)) ||
		    bpf_skb_store_bytes(skb, a_off, &new_a, sizeof(new_a), 0))
			return -1;
	}
	if (old_p != new_p) {
		if (bpf_l4_csum_replace(skb, csum_off, old_p, new_p, mangled | sizeof(new_p)) ||
		    bpf_skb_store_bytes(skb, p_off, &new_p, sizeof(new_p), 0))
			return -1;
	}
	return 0;
}

/* The route from src to dst (f filled; flags: BPF_FIB_LOOKUP_*): 0, or -1
 * when there is none. It leaves through another interface than the packet
 * came in on for a pod on this node. */
LB_INLINE int fib(struct __sk_buff *skb, __be32 src, __be32 dst, __u32 flags,
		  struct bpf_fib_lookup *f, long *rc)
{
	__builtin_memset(f, 0, sizeof(*f));
	f->family = AF_INET;
	f->ipv4_src = src;
	f->ipv4_dst = dst;
	f->ifindex = skb->ifindex;
	f->tot_len = (__u16)(skb->len - ETH_HLEN);
	*rc = bpf_fib_lookup(skb, f, sizeof(*f), flags);
	return *rc == BPF_FIB_LKUP_RET_SUCCESS || *rc == BPF_FIB_LKUP_RET_NO_NEIGH ? 0 : -1;
}

/* The interface the route from src to dst leaves through, into *oif. */
LB_INLINE int route(struct __sk_buff *skb, __be32 src, __be32 dst, __u32 *oif)
{
	struct bpf_fib_lookup f;
	long rc;

	if (fib(skb, src, dst, BPF_FIB_LOOKUP_SKIP_NEIGH, &f, &rc))
		return -1;
	*oif = f.ifindex;
	return 0;
}

/* Out of the interface the route to dst says: with the neighbour's MAC
 * from the same FIB lookup when it is known (one lookup), else through
 * bpf_redirect_neigh, which resolves it. Another interface than the one
 * the packet came in on (a pod on this node): the stack delivers it. */
LB_INLINE int route_out(struct __sk_buff *skb, __be32 src, __be32 dst)
{
	struct bpf_fib_lookup f;
	long rc;

	if (fib(skb, src, dst, 0, &f, &rc)) {
		stat_inc(LB_STAT_TC_DROP_NO_ROUTE);
		return TC_ACT_SHOT;
	}
	if (f.ifindex != skb->ifindex)
		return TC_ACT_OK;
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
		return bpf_redirect_neigh(f.ifindex, NULL, 0, 0);
	if (bpf_skb_store_bytes(skb, 0, f.dmac, 6, 0) || bpf_skb_store_bytes(skb, 6, f.smac, 6, 0))
		return TC_ACT_SHOT;
	return bpf_redirect(f.ifindex, 0);
}

/* Count the flow down once, whoever (datapath or GC) closes it first. */
LB_INLINE void release(struct lb4_ct_val *o)
{
	__u32 old = __sync_fetch_and_or(&o->flags, LB_CT_F_RELEASED);

	if ((old & LB_CT_F_COUNTED) && !(old & LB_CT_F_RELEASED)) {
		conn_add(o->backend_id, -1);
		stat_inc(LB_STAT_TC_CLOSED);
	}
}

#define LB_LAST_NS_GRAIN 100000000ULL /* 100 ms */

/* TCP state of a flow from one packet's flags (dir: LB_CT_ORIG/REPLY). */
LB_INLINE void track(struct lb4_ct_val *o, __u8 tcp_flags, int dir)
{
	__u32 fin = dir == LB_CT_ORIG ? LB_CT_F_FIN_ORIG : LB_CT_F_FIN_REPLY;
	__u64 now = bpf_ktime_get_ns();

	/* the GC reads it in seconds: a write per packet would only move the
	 * cache line between CPUs */
	if (now - o->last_ns > LB_LAST_NS_GRAIN)
		o->last_ns = now;
	if (dir == LB_CT_REPLY && !(o->flags & LB_CT_F_SEEN_REPLY))
		__sync_fetch_and_or(&o->flags, LB_CT_F_SEEN_REPLY);
	if (tcp_flags & TCP_FLAG_RST) {
		release(o);
		return;
	}
	if (tcp_flags & TCP_FLAG_FIN) {
		__u32 old = __sync_fetch_and_or(&o->flags, fin);

		if ((old | fin) & LB_CT_F_FIN_ORIG && (old | fin) & LB_CT_F_FIN_REPLY)
			release(o);
	}
}

/* The skiff_ct key of packet p going way dir. */
LB_INLINE void pkt_key(const struct pkt *p, __u8 dir, struct lb4_ct_key *k)
{
	k->saddr = p->saddr;
	k->daddr = p->daddr;
	k->sport = p->sport;
	k->dport = p->dport;
	k->proto = p->proto;
	k->dir = dir;
	k->pad = 0;
}

/* A reply (p) of the flow whose REPLY entry is v: its ORIG entry's state. */
LB_INLINE void reply_track(const struct lb4_ct_val *v, const struct pkt *p)
{
	struct lb4_ct_key ok = {.saddr = v->addr,
				.daddr = v->nat_addr,
				.sport = v->port,
				.dport = v->nat_port,
				.proto = p->proto,
				.dir = LB_CT_ORIG};
	struct lb4_ct_val *o = bpf_map_lookup_elem(&skiff_ct, &ok);

	if (o)
		track(o, p->tcp_flags, LB_CT_REPLY);
}

/* The frontend of a packet to daddr:dport: its own entry (externalIP,
 * LoadBalancer address), else the NodePort entry when daddr is the node's. */
LB_INLINE struct lb4_svc_val *frontend(const struct pkt *p, struct lb4_svc_key *key)
{
	struct lb4_svc_val *svc;

	key->vip = p->daddr;
	key->port = p->dport;
	key->proto = p->proto;
	key->slot = 0;
	svc = bpf_map_lookup_elem(&skiff_svc, key);
	if (svc && (svc->flags & LB_SVC_F_EXTERNAL))
		return svc;
	if (!bpf_map_lookup_elem(&skiff_local, &p->daddr))
		return NULL;
	key->vip = LB_NODEPORT_VIP;
	svc = bpf_map_lookup_elem(&skiff_svc, key);
	return svc && (svc->flags & LB_SVC_F_EXTERNAL) ? svc : NULL;
}

/* A closed flow's SNAT tuple is taken over by another client no sooner
 * than this after its last packet, and than Linux's TIME_WAIT (60 s) after
 * its creation (by the same client at once: see snat_try). Waiting for
 * the flow GC would leave a busy frontend without ports. */
#define LB_SNAT_REUSE_NS 1000000000ULL
#define LB_TIME_WAIT_NS	 60000000000ULL

/* Take the REPLY key rk for a new flow: free, or held by a flow that is
 * gone (replaced, evicted) or closed a while ago. 0 or -1. */
LB_INLINE int snat_try(struct lb4_ct_key *rk, const struct lb4_ct_val *rv, __u64 now)
{
	struct lb4_ct_val *old, *o;
	struct lb4_ct_key ok = {};

	if (!bpf_map_update_elem(&skiff_ct, rk, rv, BPF_NOEXIST))
		return 0;
	old = bpf_map_lookup_elem(&skiff_ct, rk);
	if (!old)
		return -1;
	ok.saddr = old->addr;
	ok.daddr = old->nat_addr;
	ok.sport = old->port;
	ok.dport = old->nat_port;
	ok.proto = rk->proto;
	ok.dir = LB_CT_ORIG;
	o = bpf_map_lookup_elem(&skiff_ct, &ok);
	if (o && o->nat_port == rk->dport && o->nat_addr == rk->daddr && o->addr == rk->saddr &&
	    !(o->flags & LB_CT_F_RELEASED))
		return -1; /* a live flow's */
	/* The backend may hold the tuple in TIME_WAIT. The same client
	 * (address and port) may open it again at once: its sequence numbers
	 * and timestamps go on from the old flow's, as for a connection reused
	 * without NAT. Another client's would be refused (PAWS) until the
	 * TIME_WAIT ends. */
	if ((old->addr != rv->addr || old->port != rv->port) &&
	    (now - old->created_ns < LB_TIME_WAIT_NS || (o && now - o->last_ns < LB_SNAT_REUSE_NS)))
		return -1;
	return bpf_map_update_elem(&skiff_ct, rk, rv, BPF_ANY) ? -1 : 0;
}

/* A REPLY entry for a remote backend: the client's own port if it can be
 * had (the usual case: a client's ports differ), else a random one of the
 * SNAT range. The port chosen, or 0. */
LB_INLINE __be16 snat_reserve(struct lb4_ct_key *rk, const struct lb4_ct_val *rv,
			      const struct lb4_tc_cfg *cfg, __be16 client_port, __u64 now)
{
	__u32 span = (__u32)cfg->snat_hi - cfg->snat_lo + 1;

	rk->dport = client_port;
	if (bpf_ntohs(client_port) >= 1024 && !snat_try(rk, rv, now))
		return client_port;
	for (int i = 0; i < 8; i++) {
		rk->dport = bpf_htons((__u16)(cfg->snat_lo + bpf_get_prandom_u32() % span));
		if (!snat_try(rk, rv, now))
			return rk->dport;
	}
	return 0;
}

/* A new flow to a frontend: pick, reserve, store. The ORIG entry or NULL
 * (the packet is then dropped; *reason says why). */
LB_INLINE struct lb4_ct_val *flow_new(struct __sk_buff *skb, const struct pkt *p,
				      struct lb4_ct_key *ok, __u32 *reason)
{
	__u32 zero = 0, oif = 0, id;
	struct lb4_tc_cfg *cfg = bpf_map_lookup_elem(&skiff_tccfg, &zero);
	struct lb4_svc_key key = {};
	struct lb4_svc_val *svc;
	struct lb4_backend *be;
	struct lb_pick pick = {};
	struct lb4_ct_key rk = {};
	struct lb4_ct_val rv = {}, ov = {};
	__u64 now = bpf_ktime_get_ns();

	*reason = 0;
	svc = frontend(p, &key);
	if (!svc || !cfg)
		return NULL;
	if (svc->flags & LB_SVC_F_SRC_RANGES) {
		struct lb4_srcrange_key sk = {.prefixlen = 64, .vip = key.vip, .addr = p->saddr};

		if (!bpf_map_lookup_elem(&skiff_srcrange, &sk)) {
			*reason = LB_STAT_TC_DROP_SOURCE;
			return NULL;
		}
	}
	be = lb4_pick(LB_AFF_CLIENT_ADDR | p->saddr, &key, svc, &pick, reason);
	if (!be) {
		*reason = LB_STAT_TC_DROP_NO_BACKEND;
		return NULL;
	}
	if (route(skb, p->saddr, be->addr, &oif)) {
		*reason = LB_STAT_TC_DROP_NO_ROUTE;
		return NULL;
	}
	id = pick.backend_id;
	rk.saddr = be->addr;
	rk.sport = be->port;
	rk.proto = p->proto;
	rk.dir = LB_CT_REPLY;
	rv.addr = p->saddr;
	rv.port = p->sport;
	rv.nat_addr = p->daddr;
	rv.nat_port = p->dport;
	rv.created_ns = now;
	ov.addr = be->addr;
	ov.port = be->port;
	if (oif == skb->ifindex) {
		/* another node's pod: its reply must come back through here */
		if (svc->flags & LB_SVC_F_LOCAL) {
			*reason = LB_STAT_TC_DROP_REMOTE;
			return NULL;
		}
		rk.daddr = cfg->node_addr;
		ov.nat_addr = cfg->node_addr;
		ov.nat_port = snat_reserve(&rk, &rv, cfg, p->sport, now);
		if (!ov.nat_port) {
			*reason = LB_STAT_TC_DROP_NO_PORT;
			return NULL;
		}
		ov.flags = LB_CT_F_SNAT;
	} else {
		rk.daddr = p->saddr;
		rk.dport = p->sport;
		if (bpf_map_update_elem(&skiff_ct, &rk, &rv, BPF_ANY)) {
			*reason = LB_STAT_TC_DROP_CT_FULL;
			return NULL;
		}
	}
	ov.backend_id = id;
	ov.flags |= LB_CT_F_COUNTED;
	ov.last_ns = now;
	ov.created_ns = now;
	if (bpf_map_update_elem(&skiff_ct, ok, &ov, BPF_ANY)) {
		bpf_map_delete_elem(&skiff_ct, &rk);
		*reason = LB_STAT_TC_DROP_CT_FULL;
		return NULL;
	}
	conn_add(id, 1);
	stat_inc(LB_STAT_TC_NEW);
	return bpf_map_lookup_elem(&skiff_ct, ok);
}

/* Answer an ARP request for an address in skiff_l2 in place: the request
 * becomes the reply and goes back out of the interface it came in on. */
LB_INLINE int arp_answer(struct __sk_buff *skb)
{
	/* Ethernet + ARP for IPv4 over Ethernet: 14 + 28 bytes. */
	struct {
		__u8 dst[6], src[6];
		__be16 proto;
		__be16 htype, ptype;
		__u8 hlen, plen;
		__be16 op;
		__u8 sha[6], spa[4], tha[6], tpa[4];
	} __attribute__((packed)) a;
	__u32 zero = 0;
	struct lb4_tc_cfg *cfg = bpf_map_lookup_elem(&skiff_tccfg, &zero);
	__be32 tpa;

	if (!cfg || bpf_skb_load_bytes(skb, 0, &a, sizeof(a)))
		return TC_ACT_OK;
	if (a.op != bpf_htons(ARPOP_REQUEST) || a.hlen != 6 || a.plen != 4 ||
	    a.ptype != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	__builtin_memcpy(&tpa, a.tpa, 4);
	if (!bpf_map_lookup_elem(&skiff_l2, &tpa))
		return TC_ACT_OK;
	__builtin_memcpy(a.dst, a.sha, 6);
	__builtin_memcpy(a.src, cfg->mac, 6);
	a.op = bpf_htons(ARPOP_REPLY);
	__builtin_memcpy(a.tha, a.sha, 6);
	__builtin_memcpy(a.tpa, a.spa, 4);
	__builtin_memcpy(a.sha, cfg->mac, 6);
	__builtin_memcpy(a.spa, &tpa, 4);
	if (bpf_skb_store_bytes(skb, 0, &a, sizeof(a), 0))
		return TC_ACT_OK;
	stat_inc(LB_STAT_TC_ARP);
	return bpf_redirect(skb->ifindex, 0);
}

/* A 32-bit checksum sum folded to the 16-bit one's complement. */
LB_INLINE __u16 csum_fold(__s64 sum)
{
	__u32 s = (__u32)sum;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/* An ICMP error (destination unreachable — "fragmentation needed" for PMTU
 * discovery — or time exceeded) about a packet of a flow: the packet it
 * quotes is a reply as the client saw it (frontend -> client); the backend
 * must see it about its own packet (backend -> client, or -> node:SNAT
 * port), sent to it. The quoted header, the ICMP checksum and the outer
 * addresses are rewritten; the quoted L4 checksum is left (nobody checks it). */
LB_INLINE int icmp_error(struct __sk_buff *skb)
{
	struct {
		struct iphdr ip;
		__u8 type, code;
		__be16 csum;
		__be32 rest;
		struct iphdr in;
		__be16 sport, dport;
	} __attribute__((packed)) h;
	struct quoted {
		struct iphdr in;
		__be16 sport, dport;
	} q, old; /* 24 bytes, 4-aligned: what bpf_csum_diff takes */
	struct lb4_ct_key ok = {};
	struct lb4_ct_val *o;
	__be32 osrc, odst;
	__s64 d;

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &h, sizeof(h)) || h.ip.ihl != 5 || h.in.ihl != 5 ||
	    (h.type != ICMP_DEST_UNREACH && h.type != ICMP_TIME_EXCEEDED) ||
	    (h.in.protocol != IPPROTO_TCP && h.in.protocol != IPPROTO_UDP))
		return TC_ACT_OK;
	ok.saddr = h.in.daddr;
	ok.daddr = h.in.saddr;
	ok.sport = h.dport;
	ok.dport = h.sport;
	ok.proto = h.in.protocol;
	ok.dir = LB_CT_ORIG;
	o = bpf_map_lookup_elem(&skiff_ct, &ok);
	if (!o)
		return TC_ACT_OK;
	old.in = h.in;
	old.sport = h.sport;
	old.dport = h.dport;
	q = old;
	q.sport = o->port;
	q.dport = h.dport;
	q.in.saddr = o->addr;
	osrc = h.ip.saddr;
	odst = o->addr;
	if (o->flags & LB_CT_F_SNAT) {
		q.in.daddr = o->nat_addr;
		q.dport = o->nat_port;
		osrc = o->nat_addr; /* the backend knows this node, not the router */
	}
	q.in.check = 0;
	q.in.check = csum_fold(bpf_csum_diff(NULL, 0, (__be32 *)&q, sizeof(q.in), 0));
	d = bpf_csum_diff((__be32 *)&old, sizeof(old), (__be32 *)&q, sizeof(q), 0);
	if (d < 0 ||
	    bpf_skb_store_bytes(skb, ETH_HLEN + sizeof(struct iphdr) + 8, &q, sizeof(q), 0) ||
	    bpf_l4_csum_replace(skb, ETH_HLEN + sizeof(struct iphdr) + 2, 0, (__u32)d, 0) ||
	    bpf_l3_csum_replace(skb, ETH_HLEN + __builtin_offsetof(struct iphdr, check), h.ip.saddr,
				osrc, sizeof(osrc)) ||
	    bpf_l3_csum_replace(skb, ETH_HLEN + __builtin_offsetof(struct iphdr, check), h.ip.daddr,
				odst, sizeof(odst)) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN + __builtin_offsetof(struct iphdr, saddr), &osrc,
				sizeof(osrc), 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN + __builtin_offsetof(struct iphdr, daddr), &odst,
				sizeof(odst), 0))
		return TC_ACT_SHOT;
	stat_inc(LB_STAT_TC_ICMP);
	return route_out(skb, osrc, odst);
}

SEC("tc")
int skiff_tc_ingress(struct __sk_buff *skb)
{
	struct lb4_ct_key k = {};
	struct lb4_ct_val *v, *o;
	struct pkt p = {};
	__u32 reason = 0;
	int r;

	if (skb->protocol == (__u32)bpf_htons(ETH_P_ARP))
		return arp_answer(skb);
	r = parse(skb, &p);
	if (r < 0 && skb->protocol == (__u32)bpf_htons(ETH_P_IP)) {
		void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
		struct iphdr *ip = data + ETH_HLEN;

		if ((void *)(ip + 1) <= end && ip->protocol == IPPROTO_ICMP)
			return icmp_error(skb);
	}
	if (r < 0)
		return TC_ACT_OK;
	if (r > 0) {
		/* no ports to look the frontend up by */
		if (bpf_map_lookup_elem(&skiff_local, &p.daddr) ||
		    bpf_map_lookup_elem(&skiff_l2, &p.daddr))
			stat_inc(LB_STAT_TC_FRAG);
		return TC_ACT_OK;
	}
	/* a remote backend's reply to this node's SNAT address */
	pkt_key(&p, LB_CT_REPLY, &k);
	v = bpf_map_lookup_elem(&skiff_ct, &k);
	if (v) {
		__be32 client = v->addr, fe = v->nat_addr;
		__be16 cport = v->port, feport = v->nat_port;

		reply_track(v, &p);
		if (rewrite(skb, p.proto, 0, p.daddr, client, p.dport, cport) ||
		    rewrite(skb, p.proto, 1, p.saddr, fe, p.sport, feport))
			return TC_ACT_SHOT;
		stat_inc(LB_STAT_TC_REPLY);
		return route_out(skb, fe, client);
	}

	/* a client's packet to a frontend */
	k.dir = LB_CT_ORIG;
	o = bpf_map_lookup_elem(&skiff_ct, &k);
	if (!o || ((o->flags & LB_CT_F_RELEASED) && p.proto == IPPROTO_TCP &&
		   (p.tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN)) {
		/* new: TCP only from a SYN (a closed flow's 4-tuple reused is
		 * new too); UDP from any datagram */
		if (p.proto == IPPROTO_TCP &&
		    (p.tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) != TCP_FLAG_SYN) {
			struct lb4_svc_key key = {};

			if (frontend(&p, &key))
				stat_inc(LB_STAT_TC_CT_MISS);
			return TC_ACT_OK;
		}
		o = flow_new(skb, &p, &k, &reason);
		if (!o) {
			if (!reason)
				return TC_ACT_OK; /* not a frontend */
			stat_inc(reason);
			return TC_ACT_SHOT;
		}
	}
	track(o, p.tcp_flags, LB_CT_ORIG);
	{
		__be32 dst = o->addr, src = p.saddr;
		__be16 dport = o->port, sport = p.sport;

		if (o->flags & LB_CT_F_SNAT) {
			src = o->nat_addr;
			sport = o->nat_port;
		}
		if (rewrite(skb, p.proto, 0, p.daddr, dst, p.dport, dport) ||
		    rewrite(skb, p.proto, 1, p.saddr, src, p.sport, sport))
			return TC_ACT_SHOT;
		return route_out(skb, src, dst);
	}
}

SEC("tc")
int skiff_tc_egress(struct __sk_buff *skb)
{
	struct lb4_ct_key k;
	struct lb4_ct_val *v;
	struct pkt p = {};

	if (parse(skb, &p))
		return TC_ACT_OK;
	/* a local backend's reply to its client */
	pkt_key(&p, LB_CT_REPLY, &k);
	v = bpf_map_lookup_elem(&skiff_ct, &k);
	if (!v || v->addr != p.daddr)
		return TC_ACT_OK; /* not ours, or a SNAT entry (matched at ingress) */
	{
		__be32 fe = v->nat_addr;
		__be16 feport = v->nat_port;

		reply_track(v, &p);
		if (rewrite(skb, p.proto, 1, p.saddr, fe, p.sport, feport))
			return TC_ACT_SHOT;
		stat_inc(LB_STAT_TC_REPLY);
	}
	return TC_ACT_OK;
}

/* Run by skiff-node's flow GC (BPF_PROG_TEST_RUN) for an ORIG flow it
 * found expired: count it down unless the datapath already did, then
 * delete its entries. The GC read the table a while ago: if the client
 * reused the 5-tuple since (a SYN on the closed flow made a new one, a new
 * created_ns), the key is another flow's and stays. Checked and deleted
 * here, next to the datapath, the window is a few instructions instead of
 * the GC's whole pass (where a reused flow lost its entry: the next
 * packet missed and the node reset the connection). */
SEC("syscall")
int skiff_ct_release(struct lb4_ct_release_args *a)
{
	/* every input read once, up front: the verifier refuses a context
	 * read through a pointer the compiler moved */
	struct lb4_ct_key k = a->key, rk;
	__u64 created = a->created_ns, last = a->last_ns;
	__u32 remove = a->remove, old;
	struct lb4_ct_val *o = bpf_map_lookup_elem(&skiff_ct, &k), *r;

	a->released = a->removed = a->reused = 0;
	if (!o)
		return 0;
	if ((created && o->created_ns != created) || (last && o->last_ns != last)) {
		a->reused = 1;
		return 0;
	}
	old = __sync_fetch_and_or(&o->flags, LB_CT_F_RELEASED);
	if ((old & LB_CT_F_COUNTED) && !(old & LB_CT_F_RELEASED)) {
		conn_add(o->backend_id, -1);
		a->released = 1;
	}
	rk = lb4_ct_reply_key(&k, o);
	/* the reply entry only while it still answers this flow: the same
	 * client may have taken the tuple over for another frontend since */
	r = bpf_map_lookup_elem(&skiff_ct, &rk);
	if (r && (r->addr != k.saddr || r->port != k.sport || r->nat_addr != k.daddr ||
		  r->nat_port != k.dport))
		r = NULL;
	if ((remove & LB_CT_RM_REPLY) && r) {
		if (bpf_map_delete_elem(&skiff_ct, &rk) == 0)
			a->removed++;
	} else if (r) {
		/* kept (a random SNAT port: the backend holds the tuple in
		 * TIME_WAIT): its 60 s start now, at the flow's end */
		r->created_ns = bpf_ktime_get_ns();
	}
	if ((remove & LB_CT_RM_ORIG) && bpf_map_delete_elem(&skiff_ct, &k) == 0)
		a->removed++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
