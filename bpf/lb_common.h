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
#define LB_LAYOUT_VERSION 1

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

/* skiff_stats: per-CPU counters, one slot per event. The *_FAIL_* entries
 * are the failure-reason table printed by `skiffctl backends` and exported
 * as skiff_lb_events_total{event=...}. */
enum lb_stat {
	LB_STAT_CONNECT = 0,	  /* connect4 translated a socket */
	LB_STAT_SENDMSG,	  /* sendmsg4 translated a datagram */
	LB_STAT_AFFINITY_HIT,	  /* choice taken from the affinity LRU */
	LB_STAT_FALLBACK,	  /* chosen from serving+terminating */
	LB_STAT_RECV_XLATE,	  /* recvmsg4 restored the service address */
	LB_STAT_PEER_XLATE,	  /* getpeername4 restored the service address */
	LB_STAT_RELEASE,	  /* sock_release counted a connection down */
	LB_STAT_FAIL_NO_BACKEND,  /* service without usable endpoints: refused */
	LB_STAT_FAIL_STALE_SLOT,  /* slot/backend missing (mid-update): refused */
	LB_STAT_FAIL_SOCK_STORE,  /* no socket storage: translated, not counted */
	LB_STAT_FAIL_RNAT_UPDATE, /* UDP reply mapping not stored */
	LB_STAT_FAIL_UNDERFLOW,	  /* release found a count already at 0 */
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
};
#endif

/* Pinned object names under --bpf-pin-dir (maps are pinned by their BPF
 * name, links under links/). */
#define LB_PIN_SVC   "skiff_svc"
#define LB_PIN_BE    "skiff_be"
#define LB_PIN_CONN  "skiff_conn"
#define LB_PIN_SEL   "skiff_sel"
#define LB_PIN_AFF   "skiff_aff"
#define LB_PIN_RNAT  "skiff_rnat"
#define LB_PIN_SOCK  "skiff_sock"
#define LB_PIN_STATS "skiff_stats"
#define LB_PIN_LINKS "links"

#endif
