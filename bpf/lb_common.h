/* lb_common.h: the keys, values, flags and counters of Skiff's socket-level
 * service load balancer, shared by bpf/sock_lb.bpf.c, dataplane/ and skiffctl.
 *
 * Model (DESIGN.md §5, Cilium's lb4 service/backend-slot layout):
 *   skiff_svc   (vip, port, proto, slot) -> service entry (slot 0) or
 *               backend id (slots 1..count)
 *   skiff_be    backend id -> (addr, port, proto, state)
 *   skiff_conn  backend id -> active connections (shared, atomic)
 *   skiff_sel   backend id -> selections (per CPU)
 *   skiff_aff   (client netns, service id) -> backend (LRU, ClientIP affinity)
 *   skiff_rnat  (socket, backend addr, port) -> service addr (LRU, UDP replies)
 *   skiff_sock  socket storage: the translation done for a connected socket
 *   skiff_stats per-CPU event/failure counters (enum lb_stat)
 * and for the tc path (bpf/tc_lb.bpf.c, traffic from outside the cluster):
 *   skiff_ct    (5-tuple, direction) -> flow (LRU): DNAT/SNAT state
 *   skiff_local node address -> 1: where a NodePort frontend (vip 0) listens
 *   skiff_l2    address -> 1: LoadBalancer addresses this node answers ARP for
 *   skiff_tccfg the node's address, its interface's MAC, the SNAT port range
 *   skiff_srcrange (frontend, client prefix) -> 1: loadBalancerSourceRanges
 *
 * Only fixed-width types; every struct has explicit padding so that BPF and
 * userspace agree on size and layout. "be" = network byte order, "host" =
 * CPU byte order.
 */
#ifndef SKIFF_LB_COMMON_H
#define SKIFF_LB_COMMON_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Layout version, for humans and skiffctl output: bump it when a struct
 * below changes. Adoption of pinned maps checks type, key/value size and
 * capacity (libbpf's reuse check); a change that keeps the sizes must also
 * rename the maps. */
#define LB_LAYOUT_VERSION 2

/* Default map capacities (overridable at load: --max-services,
 * --max-backends). A "service" here is one (vip, port, proto). */
#define LB_DEF_MAX_SERVICES 65536
#define LB_DEF_MAX_BACKENDS 262144

/* Services with at most this many usable endpoints are scanned exactly for
 * the least active one; larger ones use power-of-two-choices. 32 keeps the
 * scan (3 map lookups per slot) cheap and within the verifier's budget. */
#define LB_EXACT_MAX 32
/* P2C: pairs tried before giving up when picks hit stale slots. */
#define LB_P2C_TRIES 4
/* Largest slot count a service may have (slot is a u16; slot 0 is the
 * service entry itself). */
#define LB_MAX_SLOTS 65535

/* Key of skiff_svc. */
struct lb4_svc_key {
	__be32 vip;  /* be: service (cluster) IP */
	__be16 port; /* be: service port */
	__u16 slot;  /* host: 0 = service entry, 1..count = backend slots */
	__u8 proto;  /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad[3]; /* zero */
};

/* Service flags (slot 0 .flags). */
#define LB_SVC_F_AFFINITY 0x1 /* sessionAffinity: ClientIP */
#define LB_SVC_F_RANDOM	  0x2 /* uniform random choice (skiff-node --lb-algorithm random) */
/* A frontend of traffic from outside (NodePort, externalIP, LoadBalancer
 * address): the tc path translates packets to it; ClusterIP entries it
 * leaves alone. */
#define LB_SVC_F_EXTERNAL 0x4
/* externalTrafficPolicy Local: the slots hold this node's endpoints only
 * and the client's address is kept (no SNAT). */
#define LB_SVC_F_LOCAL 0x8
/* loadBalancerSourceRanges: only clients in skiff_srcrange for this
 * frontend's address may open flows to it. */
#define LB_SVC_F_SRC_RANGES 0x10

/* The vip of a NodePort frontend: every address in skiff_local. */
#define LB_NODEPORT_VIP 0

/* Value of skiff_svc. Slot 0 uses every field but backend_id, which holds
 * the service id instead; slots 1..count use only backend_id.
 * Slots 1..ready_count hold ready endpoints; slots ready_count+1..count hold
 * endpoints that are serving and terminating (the fallback set, used only
 * when ready_count is 0). Unusable endpoints are not in slots at all. */
struct lb4_svc_val {
	__u32 backend_id;	/* host: slot>0 backend id; slot 0 service id */
	__u16 count;		/* host: slot 0: number of backend slots */
	__u16 ready_count;	/* host: slot 0: leading slots that are ready */
	__u32 affinity_timeout; /* host: slot 0: seconds of ClientIP affinity */
	__u16 flags;		/* host: slot 0: LB_SVC_F_* */
	__u16 pad;		/* zero */
};

/* Backend states (lb4_backend.state), from EndpointSlice conditions. A
 * backend with no bit set is no longer in any service but still has
 * connections (draining); its id is not reused until they are gone. */
#define LB_BE_READY	  0x1
#define LB_BE_SERVING	  0x2
#define LB_BE_TERMINATING 0x4

/* Value of skiff_be (array indexed by backend id; id 0 is never used). */
struct lb4_backend {
	__be32 addr; /* be: endpoint IP */
	__be16 port; /* be: endpoint port */
	__u8 proto;  /* IPPROTO_TCP / IPPROTO_UDP; 0 = slot unused */
	__u8 state;  /* LB_BE_* */
};

/* Value of skiff_conn (array by backend id): connections currently open to
 * the backend through a translation (TCP and connected UDP). Incremented in
 * connect4, decremented in sock_release; userspace only reads it. */
struct lb4_conn {
	__u64 active; /* host: open sockets translated to this backend */
};

/* Key/value of skiff_aff (LRU). The client is identified by its network
 * namespace (one per pod): at connect() time the socket has no source
 * address yet, which is why socket-level balancers key ClientIP affinity
 * on the netns cookie. */
struct lb4_aff_key {
	__u64 netns;  /* host: bpf_get_netns_cookie() of the client */
	__u32 svc_id; /* host: service id (slot 0 backend_id) */
	__u32 pad;    /* zero */
};

struct lb4_aff_val {
	__u64 last_ns;	  /* host: bpf_ktime_get_ns() of the last use */
	__u32 backend_id; /* host */
	__u16 slot;	  /* host: slot it was found in (checked on reuse) */
	__u16 pad;	  /* zero */
};

/* ClientIP affinity on the tc path: the client is its source address,
 * kept in .netns with this bit set (netns cookies never have it). */
#define LB_AFF_CLIENT_ADDR (1ULL << 63)

/* Key/value of skiff_rnat (LRU): for unconnected UDP, sendmsg4 records which
 * service address a datagram to a backend stood for, so recvmsg4 can show
 * the reply as coming from the service. */
struct lb4_rnat_key {
	__u64 cookie; /* host: bpf_get_socket_cookie() */
	__be32 addr;  /* be: backend IP */
	__be16 port;  /* be: backend port */
	__u16 pad;    /* zero */
};

struct lb4_rnat_val {
	__be32 vip;  /* be */
	__be16 port; /* be */
	__u16 pad;   /* zero */
};

/* Socket storage (skiff_sock): what connect4 did to this socket. */
#define LB_SOCK_F_COUNTED 0x1 /* skiff_conn[backend_id] was incremented */

struct lb4_sock {
	__be32 vip;	  /* be: service IP the application asked for */
	__be32 addr;	  /* be: backend IP it was sent to */
	__be16 vport;	  /* be */
	__be16 port;	  /* be */
	__u32 backend_id; /* host */
	__u32 flags;	  /* host: LB_SOCK_F_* */
	__u32 pad;	  /* zero */
};

/* ---- the tc path ---- */

/* skiff_ct key: a packet's 5-tuple as it arrives, and which way it goes.
 * ORIG: client -> frontend (ingress of the external interface). REPLY:
 * backend -> client (a local backend's reply, at egress) or backend ->
 * node address:SNAT port (a remote backend's reply, at ingress). */
struct lb4_ct_key {
	__be32 saddr; /* be */
	__be32 daddr; /* be */
	__be16 sport; /* be */
	__be16 dport; /* be */
	__u8 proto;   /* IPPROTO_TCP / IPPROTO_UDP */
	__u8 dir;     /* LB_CT_ORIG / LB_CT_REPLY */
	__u16 pad;    /* zero */
};

#define LB_CT_ORIG  0
#define LB_CT_REPLY 1

/* Flow flags (ORIG entries), set with atomic or. */
#define LB_CT_F_COUNTED	   0x01 /* skiff_conn[backend_id] was incremented */
#define LB_CT_F_RELEASED   0x02 /* ... and decremented again (closed or expired) */
#define LB_CT_F_FIN_ORIG   0x04 /* the client sent FIN */
#define LB_CT_F_FIN_REPLY  0x08 /* the backend sent FIN */
#define LB_CT_F_SEEN_REPLY 0x10 /* a reply went back: the flow is established */
#define LB_CT_F_SNAT	   0x20 /* remote backend: source rewritten to the node */

/* skiff_ct value. ORIG: where packets go (addr:port, from nat_addr:nat_port
 * when SNAT). REPLY: what a reply is restored to: it goes to addr:port
 * (the client) from nat_addr:nat_port (the frontend); the ORIG key is
 * (addr, nat_addr, port, nat_port). */
struct lb4_ct_val {
	__be32 addr;	  /* be */
	__be32 nat_addr;  /* be */
	__be16 port;	  /* be */
	__be16 nat_port;  /* be */
	__u32 backend_id; /* host: ORIG */
	__u32 flags;	  /* host: ORIG: LB_CT_F_* */
	__u32 pad;	  /* zero */
	__u64 last_ns;	  /* host: bpf_ktime_get_ns() of the last packet (ORIG) */
	__u64 created_ns; /* host */
};

/* skiff_srcrange key (LPM trie): the frontend address, then the client
 * prefix; prefixlen = 32 + the CIDR's length. */
struct lb4_srcrange_key {
	__u32 prefixlen; /* host */
	__be32 vip;	 /* be */
	__be32 addr;	 /* be */
};

/* skiff_tccfg[0]. */
struct lb4_tc_cfg {
	__be32 node_addr; /* be: the external interface's address (SNAT source) */
	__u32 ifindex;	  /* host: the external interface */
	__u8 mac[6];	  /* its MAC (ARP replies) */
	__u16 snat_lo;	  /* host: SNAT source ports snat_lo..snat_hi */
	__u16 snat_hi;	  /* host */
	__u16 pad;	  /* zero */
};

/* Default SNAT ports: above Linux's ephemeral range (32768-60999), so a
 * translated flow never takes the 5-tuple of the node's own sockets. */
#define LB_SNAT_LO 61000
#define LB_SNAT_HI 65535
/* skiff_ct capacity (two entries per flow) unless --max-flows says. */
#define LB_DEF_MAX_FLOWS 131072

/* The REPLY key of ORIG flow k with value o: its backend's address and
 * port towards the node (SNAT) or the client. One definition for the
 * datapath's GC program and skiff-node's GC. */
static inline __attribute__((always_inline)) struct lb4_ct_key
lb4_ct_reply_key(const struct lb4_ct_key *k, const struct lb4_ct_val *o)
{
	struct lb4_ct_key r = {
	    .saddr = o->addr, .sport = o->port, .proto = k->proto, .dir = LB_CT_REPLY};

	r.daddr = (o->flags & LB_CT_F_SNAT) ? o->nat_addr : k->saddr;
	r.dport = (o->flags & LB_CT_F_SNAT) ? o->nat_port : k->sport;
	return r;
}

/* Argument of the BPF_PROG_TYPE_SYSCALL program skiff_ct_release, run by
 * skiff-node's flow GC (BPF_PROG_TEST_RUN) for an expired flow: its count
 * goes down once, whichever of the GC and the datapath gets there first. */
struct lb4_ct_release_args {
	struct lb4_ct_key key; /* the ORIG key */
	__u64 created_ns;      /* the flow the GC read: another one there is left alone */
	__u64 last_ns;	       /* its last packet as read: a flow that woke up is left too */
	__u32 remove;	       /* LB_CT_RM_*: entries to delete after the release */
	__s32 released;	       /* out: 1 if this call decremented */
	__s32 removed;	       /* out: entries deleted */
	__s32 reused;	       /* out: 1 if the key holds a newer or woken flow (untouched) */
	__u32 pad;
};

#define LB_CT_RM_ORIG  1 /* the ORIG entry */
#define LB_CT_RM_REPLY 2 /* and its REPLY entry */

/* skiff_stats: per-CPU counters, one slot per event. The *_FAIL_* entries
 * are the failure-reason table printed by `skiffctl backends` and exported
 * as skiff_lb_events_total{event=...}. */
enum lb_stat {
	LB_STAT_CONNECT = 0,	    /* connect4 translated a socket */
	LB_STAT_SENDMSG,	    /* sendmsg4 translated a datagram */
	LB_STAT_AFFINITY_HIT,	    /* choice taken from the affinity LRU */
	LB_STAT_FALLBACK,	    /* chosen from serving+terminating */
	LB_STAT_RECV_XLATE,	    /* recvmsg4 restored the service address */
	LB_STAT_PEER_XLATE,	    /* getpeername4 restored the service address */
	LB_STAT_RELEASE,	    /* sock_release counted a connection down */
	LB_STAT_FAIL_NO_BACKEND,    /* service without usable endpoints: refused */
	LB_STAT_FAIL_STALE_SLOT,    /* slot/backend missing (mid-update): refused */
	LB_STAT_FAIL_SOCK_STORE,    /* no socket storage: translated, not counted */
	LB_STAT_FAIL_RNAT_UPDATE,   /* UDP reply mapping not stored */
	LB_STAT_FAIL_UNDERFLOW,	    /* release found a count already at 0 */
	LB_STAT_TC_NEW,		    /* tc: a new flow from outside translated */
	LB_STAT_TC_REPLY,	    /* tc: a reply restored (packets) */
	LB_STAT_TC_ARP,		    /* tc: ARP request for a LoadBalancer address answered */
	LB_STAT_TC_CLOSED,	    /* tc: a flow closed (FIN both ways or RST) */
	LB_STAT_TC_DROP_NO_BACKEND, /* tc: dropped, frontend without usable endpoints */
	LB_STAT_TC_DROP_NO_PORT,    /* tc: dropped, no free SNAT port */
	LB_STAT_TC_DROP_CT_FULL,    /* tc: dropped, the flow could not be stored */
	LB_STAT_TC_DROP_NO_ROUTE,   /* tc: dropped, no route to the backend */
	LB_STAT_TC_DROP_REMOTE,	    /* tc: dropped, Local policy frontend chose a remote backend */
	LB_STAT_TC_DROP_SOURCE,	    /* tc: dropped, client outside loadBalancerSourceRanges */
	LB_STAT_TC_ICMP,	    /* tc: an ICMP error about a flow sent on to its backend */
	LB_STAT_TC_CT_MISS,	    /* tc: mid-flow packet to a frontend without a flow (passed) */
	LB_STAT_TC_FRAG,	    /* tc: IP fragment to a frontend (passed untranslated) */
	LB_STAT_MAX,
};

#ifndef __VMLINUX_H__
/* Names for metrics and skiffctl, indexed by enum lb_stat. */
static const char *const lb_stat_names[LB_STAT_MAX] __attribute__((unused)) = {
    [LB_STAT_CONNECT] = "connect",
    [LB_STAT_SENDMSG] = "sendmsg",
    [LB_STAT_AFFINITY_HIT] = "affinity_hit",
    [LB_STAT_FALLBACK] = "terminating_fallback",
    [LB_STAT_RECV_XLATE] = "recvmsg_xlate",
    [LB_STAT_PEER_XLATE] = "getpeername_xlate",
    [LB_STAT_RELEASE] = "release",
    [LB_STAT_FAIL_NO_BACKEND] = "fail_no_backend",
    [LB_STAT_FAIL_STALE_SLOT] = "fail_stale_slot",
    [LB_STAT_FAIL_SOCK_STORE] = "fail_sock_storage",
    [LB_STAT_FAIL_RNAT_UPDATE] = "fail_rnat_update",
    [LB_STAT_FAIL_UNDERFLOW] = "fail_count_underflow",
    [LB_STAT_TC_NEW] = "tc_new_flow",
    [LB_STAT_TC_REPLY] = "tc_reply",
    [LB_STAT_TC_ARP] = "tc_arp_reply",
    [LB_STAT_TC_CLOSED] = "tc_flow_closed",
    [LB_STAT_TC_DROP_NO_BACKEND] = "tc_drop_no_backend",
    [LB_STAT_TC_DROP_NO_PORT] = "tc_drop_no_snat_port",
    [LB_STAT_TC_DROP_CT_FULL] = "tc_drop_flow_table",
    [LB_STAT_TC_DROP_NO_ROUTE] = "tc_drop_no_route",
    [LB_STAT_TC_DROP_REMOTE] = "tc_drop_local_policy_remote",
    [LB_STAT_TC_DROP_SOURCE] = "tc_drop_source_range",
    [LB_STAT_TC_ICMP] = "tc_icmp_error",
    [LB_STAT_TC_CT_MISS] = "tc_flow_miss",
    [LB_STAT_TC_FRAG] = "tc_fragment",
};
#endif

/* Pinned object names under --bpf-pin-dir (maps are pinned by their BPF
 * name, links under links/). */
#define LB_PIN_SVC	"skiff_svc"
#define LB_PIN_BE	"skiff_be"
#define LB_PIN_CONN	"skiff_conn"
#define LB_PIN_SEL	"skiff_sel"
#define LB_PIN_AFF	"skiff_aff"
#define LB_PIN_RNAT	"skiff_rnat"
#define LB_PIN_SOCK	"skiff_sock"
#define LB_PIN_STATS	"skiff_stats"
#define LB_PIN_CT	"skiff_ct"
#define LB_PIN_LOCAL	"skiff_local"
#define LB_PIN_L2	"skiff_l2"
#define LB_PIN_TCCFG	"skiff_tccfg"
#define LB_PIN_SRCRANGE "skiff_srcrange"
#define LB_PIN_LINKS	"links"

#endif
