/* sandbox: a pod's network namespace on the node's bridge (libnl; never shelling out to ip),
 * the pod IP allocator (IPAM) behind it, and the pod's resolv.conf/hosts/hostname files. */
#ifndef SKIFF_KL_SANDBOX_H
#define SKIFF_KL_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

struct sb; /* per node */
struct sb_opts {
	const char *root_dir; /* <root>/pods/<uid>/netns files, <root>/ipam/ */
	const char *bridge; /* node bridge name, default "skiff0" (in the node's network namespace =
			       the namespace skiff-node runs in) */
	const char
	    *pod_cidr; /* this node's podCIDR, e.g. "10.244.1.0/24": bridge gets .1, pods .2.. */
	int mtu;       /* 0 = 1500 */
};
int sb_new(const struct sb_opts *o, struct sb **out, char *err, size_t len);
void sb_free(struct sb *sb);

struct sb_pod {
	char uid[64];
	char netns_path[512];
	char ip[16];
	char veth_host[16];
};
/* Create (or, if it exists from before a restart, adopt) the pod's netns: a bind-mounted netns
 * file at <root>/pods/<uid>/netns, a veth pair (host side "veth<8 hex of uid>" on the bridge, pod
 * side "eth0"), lo up, an address from the podCIDR (allocated in <root>/ipam, the same IP again on
 * adopt), default route via the bridge address. 0 or -errno with err set. */
int sb_pod_up(struct sb *sb, const char *uid, struct sb_pod *out, char *err, size_t len);
/* Remove everything of the pod: veth, netns (unmount + unlink), its IP. Idempotent. */
int sb_pod_down(struct sb *sb, const char *uid);
/* UIDs that have state under root_dir (netns file or IP), each once — for cleanup of leftovers at
 * start. */
int sb_list(struct sb *sb, void (*fn)(void *ud, const char *uid), void *ud);
/* Routes to other nodes' podCIDRs via their node addresses (from Node objects): set the whole
 * table, idempotent; only routes this module added (protocol SB_RTPROT) are touched. */
int sb_set_peer_routes(struct sb *sb, const char *const *cidrs, const char *const *gateways, int n);
/* Run fn inside the pod's netns (setns on this thread and back), e.g. to open a probe socket:
 * sockets keep the namespace they were created in. fn's result, or -errno if entering failed. */
int sb_in_netns(const struct sb_pod *p, int (*fn)(void *ud), void *ud);

/* The pod's /etc/resolv.conf, /etc/hosts and hostname files under <root>/pods/<uid>/ from the pod
 * spec (cJSON): dnsPolicy ClusterFirst (default): nameserver <cluster_dns>, search
 * <ns>.svc.<zone> svc.<zone> <zone> (+ the node's searches), options ndots:5; Default: the node's
 * /etc/resolv.conf; None: only dnsConfig; dnsConfig nameservers/searches/options merged as
 * upstream; hosts: localhost lines + "<podIP> <hostname>[.<subdomain>.<ns>.svc.<zone>] <hostname>"
 * + hostAliases; hostname = spec.hostname or the pod name (63 chars). Paths returned for bind
 * mounts. */
struct sb_files {
	char resolv[512], hosts[512], hostname_file[512];
	char hostname[64];
};
int sb_pod_files(const char *root_dir, const char *uid, const cJSON *pod, const char *pod_ip,
		 const char *cluster_dns, const char *zone, struct sb_files *out, char *err,
		 size_t len);
/* The same with the node's resolv.conf read from host_resolv instead of /etc/resolv.conf (the
 * kubelet's --resolv-conf; tests). */
int sb_pod_files_host(const char *root_dir, const char *uid, const cJSON *pod, const char *pod_ip,
		      const char *cluster_dns, const char *zone, const char *host_resolv,
		      struct sb_files *out, char *err, size_t len);

/* --- module internals, shared by sandbox.c, netns.c, ipam.c and the unit tests --- */

/* The route protocol number that marks peer routes as ours (rtnetlink's RTPROT_* range above
 * the kernel's and routing daemons' well-known values; see /etc/iproute2/rt_protos). */
#define SB_RTPROT 0xd5

/* A pod UID usable as one path component and in interface names: 1..63 of [A-Za-z0-9._-], not
 * starting with '.'. */
int sb_uid_valid(const char *uid);

/* IPAM: one file per allocated IP under dir, named by the dotted address and holding the pod UID,
 * so a restart hands the same IP to the same UID. Lowest free address first; never the network,
 * the gateway (.1) or the broadcast address. */
struct sb_ipam {
	char dir[512];
	uint32_t net;	/* host byte order */
	int prefix;	/* 8..30 */
	uint32_t gw;	/* net + 1 */
	uint32_t bcast; /* last address of the range */
};
/* Parse "a.b.c.d/p" (host bits must be zero) and create dir. */
int sb_ipam_init(struct sb_ipam *ip, const char *dir, const char *cidr, char *err, size_t len);
/* The UID's IP: the one it already has, else the lowest free one. -ENOSPC when exhausted. */
int sb_ipam_alloc(const struct sb_ipam *ip, const char *uid, char out[16]);
/* The UID's IP if it has one: 0, or -ENOENT. */
int sb_ipam_lookup(const struct sb_ipam *ip, const char *uid, char out[16]);
/* Release every IP the UID holds; 0 also when it held none. */
int sb_ipam_release(const struct sb_ipam *ip, const char *uid);
/* Call fn for the UID of each allocated IP. */
int sb_ipam_each(const struct sb_ipam *ip, void (*fn)(void *ud, const char *uid, const char *ipa),
		 void *ud);

/* Parse "a.b.c.d/p" into a host-order network and prefix: 0 or -EINVAL. */
int sb_parse_cidr(const char *s, uint32_t *net, int *prefix);

/* mkdir -p (mode 0755): 0 or -errno. */
int sb_mkdir_p(const char *path);

/* Network namespaces as bind-mounted files (as `ip netns add` makes them, without ip). */
/* Make path a mount of a new network namespace, or keep the one already mounted there (*adopted
 * = 1). */
int sb_netns_ensure(const char *path, int *adopted);
/* Unmount and unlink path; 0 if it was not there. */
int sb_netns_remove(const char *path);
/* Whether path is a mounted network namespace (1), not one (0), or -errno. */
int sb_netns_mounted(const char *path);
/* Run fn with this thread in the network namespace open as nsfd, then return to the previous one.
 * -errno if entering failed; aborts if returning failed (the thread would stay in the pod). */
int sb_netns_run(int nsfd, int (*fn)(void *ud), void *ud);

#endif
