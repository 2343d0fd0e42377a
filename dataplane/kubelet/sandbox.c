/* sandbox: the node's pod bridge, per pod a veth pair from the bridge into the pod's network
 * namespace with an address from the podCIDR, and the routes to other nodes' podCIDRs. All
 * netlink through libnl-route; a socket opened inside a pod's namespace configures that side. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include "kubelet/sandbox.h"
#include "log.h"

struct sb {
	char root[401];
	char bridge[IFNAMSIZ];
	int mtu;
	struct sb_ipam ipam;
	/* The node-side rtnetlink socket; libnl sockets are not thread-safe and pod workers may
	 * call in from several threads, so every use holds lock. */
	struct nl_sock *nl;
	pthread_mutex_t lock;
	int br_ifindex;
};

/* libnl's NLE_* codes as errno values, for the module's -errno contract. */
static int nl_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return -ENODEV;
	case NLE_PERM:
	case NLE_NOACCESS:
		return -EPERM;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_INVAL:
	case NLE_RANGE:
		return -EINVAL;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

static int nl_open(struct nl_sock **out)
{
	struct nl_sock *s = nl_socket_alloc();
	int rc;

	if (!s)
		return -ENOMEM;
	rc = nl_connect(s, NETLINK_ROUTE);
	if (rc < 0) {
		nl_socket_free(s);
		return nl_errno(rc);
	}
	*out = s;
	return 0;
}

static int nl_open_cb(void *ud)
{
	return nl_open(ud);
}

/* An rtnetlink socket in the namespace open as nsfd. */
static int nl_open_in(int nsfd, struct nl_sock **out)
{
	return sb_netns_run(nsfd, nl_open_cb, out);
}

/* ifindex of name, 0 if there is none, or -errno. */
static int link_index(struct nl_sock *s, const char *name)
{
	struct rtnl_link *l;
	int rc = rtnl_link_get_kernel(s, 0, name, &l);

	if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV)
		return 0;
	if (rc < 0)
		return nl_errno(rc);
	rc = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	return rc;
}

/* Bring ifindex up with mtu (0: leave it) and, if master > 0, enslave it to master. */
/* Up, with mtu (0: as is), master (0: none) and the MAC address mac (NULL: as is). */
static int link_setup(struct nl_sock *s, int ifindex, int mtu, int master, const unsigned char *mac)
{
	struct rtnl_link *cur, *want;
	int rc = rtnl_link_get_kernel(s, ifindex, NULL, &cur);

	if (rc < 0)
		return nl_errno(rc);
	want = rtnl_link_alloc();
	if (!want) {
		rtnl_link_put(cur);
		return -ENOMEM;
	}
	rtnl_link_set_flags(want, IFF_UP);
	if (mtu)
		rtnl_link_set_mtu(want, mtu);
	if (master > 0)
		rtnl_link_set_master(want, master);
	if (mac) {
		struct nl_addr *ll = nl_addr_build(AF_LLC, mac, 6);

		if (ll) {
			rtnl_link_set_addr(want, ll);
			nl_addr_put(ll);
		}
	}
	rc = rtnl_link_change(s, cur, want, 0);
	rtnl_link_put(want);
	rtnl_link_put(cur);
	return rc < 0 ? nl_errno(rc) : 0;
}

/* Put a.b.c.d/prefix on ifindex; an address already there is kept (NLM_F_REPLACE). */
static int addr_set(struct nl_sock *s, int ifindex, uint32_t host, int prefix)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	uint32_t be = htonl(host);
	struct nl_addr *local;
	int rc;

	if (!a)
		return -ENOMEM;
	local = nl_addr_build(AF_INET, &be, 4);
	if (!local) {
		rtnl_addr_put(a);
		return -ENOMEM;
	}
	nl_addr_set_prefixlen(local, prefix);
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_local(a, local);
	rc = rtnl_addr_add(s, a, NLM_F_REPLACE);
	nl_addr_put(local);
	rtnl_addr_put(a);
	return rc < 0 ? nl_errno(rc) : 0;
}

/* A route in the main table to dst (host order) /prefix via gw on ifindex (0: any), with
 * protocol proto; the caller adds or deletes it. */
static struct rtnl_route *route_build(uint32_t dst, int prefix, uint32_t gw, int ifindex,
				      uint8_t proto)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	uint32_t bdst = htonl(dst), bgw = htonl(gw);
	struct nl_addr *d = nl_addr_build(AF_INET, &bdst, 4);
	struct nl_addr *g = nl_addr_build(AF_INET, &bgw, 4);

	if (!r || !nh || !d || !g) {
		if (r)
			rtnl_route_put(r);
		if (nh)
			rtnl_route_nh_free(nh);
		nl_addr_put(d);
		nl_addr_put(g);
		return NULL;
	}
	nl_addr_set_prefixlen(d, prefix);
	rtnl_route_set_family(r, AF_INET);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_protocol(r, proto);
	rtnl_route_set_scope(r, RT_SCOPE_UNIVERSE);
	rtnl_route_set_type(r, RTN_UNICAST);
	rtnl_route_set_dst(r, d);
	rtnl_route_nh_set_gateway(nh, g);
	if (ifindex)
		rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_add_nexthop(r, nh); /* r owns nh now */
	nl_addr_put(d);
	nl_addr_put(g);
	return r;
}

static int route_replace(struct nl_sock *s, uint32_t dst, int prefix, uint32_t gw, int ifindex,
			 uint8_t proto)
{
	struct rtnl_route *r = route_build(dst, prefix, gw, ifindex, proto);
	int rc;

	if (!r)
		return -ENOMEM;
	rc = rtnl_route_add(s, r, NLM_F_REPLACE);
	rtnl_route_put(r);
	return rc < 0 ? nl_errno(rc) : 0;
}

/* Pods reach other nodes' podCIDRs through this node, so the node's namespace forwards. The
 * setting is per network namespace: the node's, never touched by tests in the root one. */
static int enable_forwarding(void)
{
	char c = 0;
	int fd = open("/proc/sys/net/ipv4/ip_forward", O_RDWR | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (read(fd, &c, 1) == 1 && c == '1')
		goto out;
	if (pwrite(fd, "1", 1, 0) != 1)
		rc = -errno;
out:
	close(fd);
	return rc;
}

/* The bridge: adopted if it is there (it must be a bridge), else created; then up with its
 * address, the podCIDR's first one, which is the pods' default gateway. */
static int bridge_ensure(struct sb *sb, char *err, size_t len)
{
	struct rtnl_link *l;
	int rc = link_index(sb->nl, sb->bridge);

	if (rc > 0) {
		struct rtnl_link *cur;
		const char *type;

		if (rtnl_link_get_kernel(sb->nl, rc, NULL, &cur) < 0) {
			snprintf(err, len, "bridge %s: vanished while adopting it", sb->bridge);
			return -ENODEV;
		}
		type = rtnl_link_get_type(cur);
		if (!type || strcmp(type, "bridge") != 0) {
			snprintf(err, len, "interface %s exists and is not a bridge", sb->bridge);
			rtnl_link_put(cur);
			return -EEXIST;
		}
		rtnl_link_put(cur);
	} else if (rc == 0) {
		l = rtnl_link_bridge_alloc();
		if (!l)
			return -ENOMEM;
		rtnl_link_set_name(l, sb->bridge);
		rtnl_link_set_mtu(l, sb->mtu);
		rc = rtnl_link_add(sb->nl, l, NLM_F_CREATE);
		rtnl_link_put(l);
		if (rc < 0 && rc != -NLE_EXIST) {
			snprintf(err, len, "create bridge %s: %s", sb->bridge, nl_geterror(rc));
			return nl_errno(rc);
		}
		rc = link_index(sb->nl, sb->bridge);
	}
	if (rc <= 0) {
		snprintf(err, len, "bridge %s: %s", sb->bridge, strerror(rc ? -rc : ENODEV));
		return rc ? rc : -ENODEV;
	}
	sb->br_ifindex = rc;
	/* A fixed MAC, 0a:58:<gateway IP>: a bridge left to choose takes the
	 * lowest of its ports' and changes it when that pod's veth goes, and
	 * every other pod's neighbour entry for the gateway is then wrong
	 * until it is probed away (seen: a pod's DNS silent for 20 s after
	 * another pod on its node was deleted). */
	unsigned char mac[6] = {
	    0x0a, 0x58, sb->ipam.gw >> 24, sb->ipam.gw >> 16, sb->ipam.gw >> 8, sb->ipam.gw};

	rc = link_setup(sb->nl, sb->br_ifindex, sb->mtu, 0, mac);
	if (rc == 0)
		rc = addr_set(sb->nl, sb->br_ifindex, sb->ipam.gw, sb->ipam.prefix);
	if (rc < 0)
		snprintf(err, len, "bridge %s: set up: %s", sb->bridge, strerror(-rc));
	return rc;
}

int sb_new(const struct sb_opts *o, struct sb **out, char *err, size_t len)
{
	const char *br = o->bridge && *o->bridge ? o->bridge : "skiff0";
	char dir[600];
	struct sb *sb;
	int rc;

	if (!o->root_dir || !*o->root_dir) {
		snprintf(err, len, "sandbox: no root directory");
		return -EINVAL;
	}
	/* Room for pods/<63-byte uid>/<file> in the 512-byte paths of struct sb_pod/sb_files. */
	if (strlen(o->root_dir) > 400) {
		snprintf(err, len, "root directory path longer than 400 bytes");
		return -ENAMETOOLONG;
	}
	if (strlen(br) >= IFNAMSIZ) {
		snprintf(err, len, "bridge name \"%s\" is longer than %d characters", br,
			 IFNAMSIZ - 1);
		return -EINVAL;
	}
	if (o->mtu && (o->mtu < 576 || o->mtu > 65535)) {
		snprintf(err, len, "MTU %d out of range (576..65535)", o->mtu);
		return -EINVAL;
	}
	sb = calloc(1, sizeof(*sb));
	if (!sb)
		return -ENOMEM;
	pthread_mutex_init(&sb->lock, NULL);
	snprintf(sb->root, sizeof(sb->root), "%s", o->root_dir);
	snprintf(sb->bridge, sizeof(sb->bridge), "%s", br);
	sb->mtu = o->mtu ? o->mtu : 1500;
	snprintf(dir, sizeof(dir), "%s/pods", sb->root);
	rc = sb_mkdir_p(dir);
	if (rc < 0) {
		snprintf(err, len, "mkdir %s: %s", dir, strerror(-rc));
		goto out_free;
	}
	snprintf(dir, sizeof(dir), "%s/ipam", sb->root);
	rc = sb_ipam_init(&sb->ipam, dir, o->pod_cidr, err, len);
	if (rc < 0)
		goto out_free;
	rc = nl_open(&sb->nl);
	if (rc < 0) {
		snprintf(err, len, "rtnetlink socket: %s", strerror(-rc));
		goto out_free;
	}
	rc = bridge_ensure(sb, err, len);
	if (rc < 0)
		goto out_sock;
	rc = enable_forwarding();
	if (rc < 0)
		pr_warn("sandbox: cannot enable IPv4 forwarding (pods will not reach other nodes): "
			"%s",
			strerror(-rc));
	*out = sb;
	return 0;
out_sock:
	nl_socket_free(sb->nl);
out_free:
	pthread_mutex_destroy(&sb->lock);
	free(sb);
	return rc;
}

void sb_free(struct sb *sb)
{
	if (!sb)
		return;
	nl_socket_free(sb->nl);
	pthread_mutex_destroy(&sb->lock);
	free(sb);
}

/* "veth" + the UID's first 8 hex digits (a Kubernetes UID is a UUID, so the name shows which pod
 * it is); a UID not starting with 8 hex digits gets its FNV-1a hash instead. */
static void veth_name(const char *uid, char out[16])
{
	uint32_t h = 2166136261u;
	int hex = 1;

	for (int i = 0; i < 8; i++) {
		char c = uid[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			hex = 0;
		if (!c)
			break;
	}
	if (hex) {
		snprintf(out, 16, "veth%.8s", uid);
		for (char *p = out + 4; *p; p++)
			*p = (*p >= 'A' && *p <= 'F') ? *p - 'A' + 'a' : *p;
		return;
	}
	for (const char *p = uid; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	snprintf(out, 16, "veth%08x", h);
}

/* sb_new keeps root short enough for every path under it; the check is for the compiler. */
static int pod_paths(const struct sb *sb, const char *uid, struct sb_pod *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->uid, sizeof(p->uid), "%s", uid);
	veth_name(uid, p->veth_host);
	if (snprintf(p->netns_path, sizeof(p->netns_path), "%s/pods/%s/netns", sb->root, uid) >=
	    (int)sizeof(p->netns_path))
		return -ENAMETOOLONG;
	return 0;
}

/* The veth pair, its pod side created as eth0 straight in the pod's namespace (so it never
 * clashes with the node's own eth0), with the MAC address 0a:58:<the pod IP> (as CNI's bridge
 * plugin): a pod IP handed out again comes with the same MAC, so a neighbour entry that the
 * bridge or another pod still holds for it stays right. A new random MAC made a reused IP
 * unreachable for seconds (until the stale entry was probed away). */
static int veth_create(struct sb *sb, const char *host, int nsfd, uint32_t ip)
{
	struct rtnl_link *l = rtnl_link_veth_alloc(), *peer;
	unsigned char mac[6] = {0x0a, 0x58, ip >> 24, ip >> 16, ip >> 8, ip};
	struct nl_addr *ll;
	int rc;

	if (!l)
		return -ENOMEM;
	rtnl_link_set_name(l, host);
	rtnl_link_set_mtu(l, sb->mtu);
	peer = rtnl_link_veth_get_peer(l);
	rtnl_link_set_name(peer, "eth0");
	rtnl_link_set_mtu(peer, sb->mtu);
	ll = nl_addr_build(AF_LLC, mac, sizeof(mac));
	if (ll) {
		rtnl_link_set_addr(peer, ll);
		nl_addr_put(ll);
	}
	rtnl_link_set_ns_fd(peer, nsfd);
	rtnl_link_put(peer);
	rc = rtnl_link_add(sb->nl, l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_veth_release(l);
	return rc < 0 ? nl_errno(rc) : 0;
}

/* Inside the pod: lo and eth0 up, the pod IP on eth0, default route via the bridge. */
static int pod_side(struct sb *sb, struct nl_sock *ps, uint32_t ip, char *err, size_t len)
{
	int lo = link_index(ps, "lo"), eth = link_index(ps, "eth0"), rc;
	const char *step = "lo up";

	if (lo <= 0 || eth <= 0) {
		snprintf(err, len, "pod namespace: %s missing", lo <= 0 ? "lo" : "eth0");
		return -ENODEV;
	}
	rc = link_setup(ps, lo, 0, 0, NULL);
	if (rc == 0) {
		step = "eth0 up";
		rc = link_setup(ps, eth, sb->mtu, 0, NULL);
	}
	if (rc == 0) {
		step = "eth0 address";
		rc = addr_set(ps, eth, ip, sb->ipam.prefix);
	}
	if (rc == 0) {
		step = "default route";
		rc = route_replace(ps, 0, 0, sb->ipam.gw, eth, RTPROT_BOOT);
	}
	if (rc < 0)
		snprintf(err, len, "pod namespace: %s: %s", step, strerror(-rc));
	return rc;
}

int sb_pod_up(struct sb *sb, const char *uid, struct sb_pod *out, char *err, size_t len)
{
	struct nl_sock *ps = NULL;
	char dir[600];
	struct in_addr a;
	int adopted, nsfd, rc, host;

	if (!sb_uid_valid(uid)) {
		snprintf(err, len, "invalid pod UID \"%s\"", uid ? uid : "");
		return -EINVAL;
	}
	if (pod_paths(sb, uid, out) < 0) {
		snprintf(err, len, "pod directory path too long");
		return -ENAMETOOLONG;
	}
	snprintf(dir, sizeof(dir), "%s/pods/%s", sb->root, uid);
	rc = sb_mkdir_p(dir);
	if (rc < 0) {
		snprintf(err, len, "mkdir %s: %s", dir, strerror(-rc));
		return rc;
	}
	rc = sb_netns_ensure(out->netns_path, &adopted);
	if (rc < 0) {
		snprintf(err, len, "network namespace %s: %s", out->netns_path, strerror(-rc));
		return rc;
	}
	rc = sb_ipam_alloc(&sb->ipam, uid, out->ip);
	if (rc < 0) {
		snprintf(err, len, "allocate an IP from %s: %s", sb->ipam.dir,
			 rc == -ENOSPC ? "the podCIDR is exhausted" : strerror(-rc));
		return rc;
	}
	inet_pton(AF_INET, out->ip, &a);
	nsfd = open(out->netns_path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) {
		rc = -errno;
		snprintf(err, len, "open %s: %s", out->netns_path, strerror(-rc));
		return rc;
	}
	rc = nl_open_in(nsfd, &ps);
	if (rc < 0) {
		snprintf(err, len, "rtnetlink socket in the pod: %s", strerror(-rc));
		goto out_ns;
	}
	pthread_mutex_lock(&sb->lock);
	rc = link_index(ps, "eth0");
	if (rc == 0) {
		/* A fresh (or emptied) namespace. The host name is taken only when the UID's 8 hex
		 * digits match another live pod's, or its namespace lives on unmounted: either way
		 * not ours to delete. */
		rc = link_index(sb->nl, out->veth_host);
		if (rc > 0) {
			snprintf(err, len,
				 "host interface %s exists (another pod whose UID starts alike?)",
				 out->veth_host);
			rc = -EEXIST;
			goto out_unlock;
		}
		if (rc == 0)
			rc = veth_create(sb, out->veth_host, nsfd, ntohl(a.s_addr));
		if (rc < 0) {
			snprintf(err, len, "create veth %s: %s", out->veth_host, strerror(-rc));
			goto out_unlock;
		}
	} else if (rc < 0) {
		snprintf(err, len, "pod namespace: %s", strerror(-rc));
		goto out_unlock;
	}
	host = link_index(sb->nl, out->veth_host);
	if (host <= 0) {
		rc = host ? host : -ENODEV;
		snprintf(err, len, "host interface %s: %s (the pod's eth0 has another peer?)",
			 out->veth_host, strerror(-rc));
		goto out_unlock;
	}
	rc = link_setup(sb->nl, host, sb->mtu, sb->br_ifindex, NULL);
	if (rc < 0) {
		snprintf(err, len, "attach %s to %s: %s", out->veth_host, sb->bridge,
			 strerror(-rc));
		goto out_unlock;
	}
	rc = pod_side(sb, ps, ntohl(a.s_addr), err, len);
	if (rc == 0 && adopted)
		pr_debug("sandbox: adopted pod %s (%s)", uid, out->ip);
out_unlock:
	pthread_mutex_unlock(&sb->lock);
	nl_socket_free(ps);
out_ns:
	close(nsfd);
	return rc;
}

int sb_pod_down(struct sb *sb, const char *uid)
{
	struct sb_pod p;
	struct nl_sock *ps;
	int nsfd, rc, eth;

	if (!sb_uid_valid(uid))
		return -EINVAL;
	if (pod_paths(sb, uid, &p) < 0)
		return -ENAMETOOLONG;
	/* Deleting eth0 from inside removes the pair at once, even while processes of the pod
	 * still hold the namespace; and the host name is never trusted (see sb_pod_up). */
	if (sb_netns_mounted(p.netns_path) == 1) {
		nsfd = open(p.netns_path, O_RDONLY | O_CLOEXEC);
		if (nsfd >= 0 && nl_open_in(nsfd, &ps) == 0) {
			eth = link_index(ps, "eth0");
			if (eth > 0) {
				struct rtnl_link *l = rtnl_link_alloc();

				if (l) {
					rtnl_link_set_ifindex(l, eth);
					rc = rtnl_link_delete(ps, l);
					if (rc < 0)
						pr_warn("sandbox: pod %s: delete eth0: %s", uid,
							nl_geterror(rc));
					rtnl_link_put(l);
				}
			}
			nl_socket_free(ps);
		}
		if (nsfd >= 0)
			close(nsfd);
	}
	rc = sb_netns_remove(p.netns_path);
	if (rc < 0)
		return rc;
	return sb_ipam_release(&sb->ipam, uid);
}

struct uidset {
	char (*v)[64];
	int n, cap;
};

static void uidset_add(void *ud, const char *uid)
{
	struct uidset *s = ud;

	for (int i = 0; i < s->n; i++)
		if (strcmp(s->v[i], uid) == 0)
			return;
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 16;
		void *v = realloc(s->v, cap * sizeof(*s->v));

		if (!v)
			return;
		s->v = v;
		s->cap = cap;
	}
	snprintf(s->v[s->n++], 64, "%s", uid);
}

static void uidset_add_ip(void *ud, const char *uid, const char *ipa)
{
	uidset_add(ud, uid);
}

int sb_list(struct sb *sb, void (*fn)(void *ud, const char *uid), void *ud)
{
	struct uidset s = {0};
	char path[600];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int rc;

	snprintf(path, sizeof(path), "%s/pods", sb->root);
	d = opendir(path);
	if (!d && errno != ENOENT)
		return -errno;
	while (d && (de = readdir(d))) {
		if (!sb_uid_valid(de->d_name))
			continue;
		if (snprintf(path, sizeof(path), "%s/pods/%s/netns", sb->root, de->d_name) <
			(int)sizeof(path) &&
		    lstat(path, &st) == 0)
			uidset_add(&s, de->d_name);
	}
	if (d)
		closedir(d);
	rc = sb_ipam_each(&sb->ipam, uidset_add_ip, &s);
	for (int i = 0; rc == 0 && i < s.n; i++)
		fn(ud, s.v[i]);
	free(s.v);
	return rc;
}

int sb_set_peer_routes(struct sb *sb, const char *const *cidrs, const char *const *gateways, int n)
{
	uint32_t *dst = NULL, *gw = NULL;
	int *pfx = NULL, rc = 0;
	struct nl_cache *cache = NULL;
	struct nl_object *o;

	if (n < 0)
		return -EINVAL;
	if (n) {
		dst = calloc(n, sizeof(*dst));
		gw = calloc(n, sizeof(*gw));
		pfx = calloc(n, sizeof(*pfx));
		if (!dst || !gw || !pfx) {
			rc = -ENOMEM;
			goto out;
		}
	}
	for (int i = 0; i < n; i++) {
		struct in_addr a;

		if (sb_parse_cidr(cidrs[i], &dst[i], &pfx[i]) < 0 ||
		    inet_pton(AF_INET, gateways[i], &a) != 1) {
			rc = -EINVAL;
			goto out;
		}
		gw[i] = ntohl(a.s_addr);
		/* The route keys on the network, as the kernel stores it. */
		dst[i] &= pfx[i] ? ~0u << (32 - pfx[i]) : 0;
		/* Our own podCIDR is on the bridge, never via a peer. */
		if (dst[i] == sb->ipam.net && pfx[i] == sb->ipam.prefix) {
			rc = -EINVAL;
			goto out;
		}
	}
	pthread_mutex_lock(&sb->lock);
	rc = rtnl_route_alloc_cache(sb->nl, AF_INET, 0, &cache);
	if (rc < 0) {
		rc = nl_errno(rc);
		goto out_unlock;
	}
	/* Ours (by protocol) that are no longer wanted go; the wanted ones are (re)placed below. */
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *r = (struct rtnl_route *)o;
		struct nl_addr *d = rtnl_route_get_dst(r);
		uint32_t h = 0;
		int keep = 0, p;

		if (rtnl_route_get_protocol(r) != SB_RTPROT ||
		    rtnl_route_get_table(r) != RT_TABLE_MAIN || !d ||
		    nl_addr_get_family(d) != AF_INET)
			continue;
		p = nl_addr_get_prefixlen(d);
		if (nl_addr_get_len(d) == 4)
			h = ntohl(*(uint32_t *)nl_addr_get_binary_addr(d));
		for (int i = 0; i < n && !keep; i++)
			keep = dst[i] == h && pfx[i] == p;
		if (!keep) {
			int e = rtnl_route_delete(sb->nl, r, 0);

			if (e < 0 && e != -NLE_OBJ_NOTFOUND)
				rc = nl_errno(e);
		}
	}
	for (int i = 0; i < n; i++) {
		int e = route_replace(sb->nl, dst[i], pfx[i], gw[i], 0, SB_RTPROT);

		if (e < 0) {
			pr_warn("sandbox: route %s via %s: %s", cidrs[i], gateways[i],
				strerror(-e));
			rc = e;
		}
	}
	nl_cache_free(cache);
out_unlock:
	pthread_mutex_unlock(&sb->lock);
out:
	free(dst);
	free(gw);
	free(pfx);
	return rc;
}

int sb_in_netns(const struct sb_pod *p, int (*fn)(void *ud), void *ud)
{
	int nsfd = open(p->netns_path, O_RDONLY | O_CLOEXEC), rc;

	if (nsfd < 0)
		return -errno;
	rc = sb_netns_run(nsfd, fn, ud);
	close(nsfd);
	return rc;
}
