/* cluster_net: the cluster's network namespaces (named like iproute2's,
 * bind-mounted at /run/netns/<name>) and their links over libnl: a bridge
 * in the cluster's own namespace and one veth pair per member namespace.
 * Netlink sockets are opened after setns() into the namespace they work
 * on, so nothing here ever addresses the root namespace's links. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include "cluster.h"

#define CL_BRIDGE "br0"
#define CL_PEER	  "eth0"

static void cl_netns_path(const char *ns, char *buf, size_t len)
{
	snprintf(buf, len, CL_NETNS_DIR "/%s", ns);
}

int cl_netns_open(const char *ns)
{
	char path[256];
	int fd;

	cl_netns_path(ns, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* libnl's error code as an errno, with its message on stderr. */
static int cl_nlerr(int nlerr, const char *what)
{
	if (nlerr == -NLE_EXIST)
		return -EEXIST;
	fprintf(stderr, "error: netlink: %s: %s\n", what, nl_geterror(nlerr));
	return nlerr == -NLE_NOMEM ? -ENOMEM : nlerr == -NLE_PERM ? -EPERM : -EIO;
}

/* A route netlink socket bound to netns ns: the socket keeps the
 * namespace it was created in after this thread switches back. */
static int cl_nl_in(const char *ns, struct nl_sock **out)
{
	int self, fd, r = 0;
	struct nl_sock *sk;

	fd = cl_netns_open(ns);
	if (fd < 0)
		return fd;
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		r = -errno;
		goto close_fd;
	}
	if (setns(fd, CLONE_NEWNET)) {
		r = -errno;
		goto close_self;
	}
	sk = nl_socket_alloc();
	if (!sk)
		r = -ENOMEM;
	else if ((r = nl_connect(sk, NETLINK_ROUTE))) {
		nl_socket_free(sk);
		r = cl_nlerr(r, "connect");
	} else
		*out = sk;
	/* Back to where we were; failing that, stop before doing anything
	 * in the wrong namespace. */
	if (setns(self, CLONE_NEWNET))
		abort();
close_self:
	close(self);
close_fd:
	close(fd);
	return r;
}

int cl_netns_create(const char *ns)
{
	char path[256];
	int fd, self, r = 0;

	if (mkdir(CL_NETNS_DIR, 0755) && errno != EEXIST)
		return -errno;
	cl_netns_path(ns, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0)
		return -errno;
	close(fd);
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		r = -errno;
		goto unlink_file;
	}
	/* As `ip netns add`: a new namespace for this thread, pinned by a
	 * bind mount of its nsfs file, then back to the original one. */
	if (unshare(CLONE_NEWNET)) {
		r = -errno;
		goto close_self;
	}
	if (mount("/proc/thread-self/ns/net", path, NULL, MS_BIND, NULL))
		r = -errno;
	if (setns(self, CLONE_NEWNET))
		abort();
close_self:
	close(self);
unlink_file:
	if (r)
		unlink(path);
	return r;
}

int cl_netns_remove(const char *ns)
{
	char path[256];

	cl_netns_path(ns, path, sizeof(path));
	if (umount2(path, MNT_DETACH) && errno != EINVAL && errno != ENOENT)
		return -errno;
	return unlink(path) && errno != ENOENT ? -errno : 0;
}

/* Set link (of sk's namespace) up or down. */
static int cl_link_updown(struct nl_sock *sk, struct rtnl_link *link, bool up)
{
	struct rtnl_link *change = rtnl_link_alloc();
	int r;

	if (!change)
		return -ENOMEM;
	if (up)
		rtnl_link_set_flags(change, IFF_UP);
	else
		rtnl_link_unset_flags(change, IFF_UP);
	r = rtnl_link_change(sk, link, change, 0);
	rtnl_link_put(change);
	return r ? cl_nlerr(r, up ? "link up" : "link down") : 0;
}

/* Set link name up in sk's namespace; with addr (host order) also give it
 * addr/24. */
static int cl_link_setup(struct nl_sock *sk, const char *name, unsigned addr)
{
	struct rtnl_link *link = NULL;
	struct rtnl_addr *a = NULL;
	struct nl_addr *local = NULL;
	uint32_t be = htonl(addr);
	int r;

	r = rtnl_link_get_kernel(sk, 0, name, &link);
	if (r)
		return cl_nlerr(r, name);
	r = cl_link_updown(sk, link, true);
	if (r || !addr)
		goto out;
	a = rtnl_addr_alloc();
	local = nl_addr_build(AF_INET, &be, sizeof(be));
	if (!a || !local) {
		r = -ENOMEM;
		goto out;
	}
	nl_addr_set_prefixlen(local, 24);
	rtnl_addr_set_ifindex(a, rtnl_link_get_ifindex(link));
	r = rtnl_addr_set_local(a, local);
	if (!r)
		r = rtnl_addr_add(sk, a, 0);
	if (r)
		r = cl_nlerr(r, "address");
out:
	nl_addr_put(local);
	if (a)
		rtnl_addr_put(a);
	rtnl_link_put(link);
	return r;
}

int cl_net_bridge(const char *bridge_ns, const struct cl_cluster *c)
{
	struct nl_sock *sk;
	struct rtnl_link *br;
	int r;

	r = cl_nl_in(bridge_ns, &sk);
	if (r)
		return r;
	r = cl_link_setup(sk, "lo", 0);
	if (r)
		goto free_sk;
	br = rtnl_link_bridge_alloc();
	if (!br) {
		r = -ENOMEM;
		goto free_sk;
	}
	rtnl_link_set_name(br, CL_BRIDGE);
	r = rtnl_link_add(sk, br, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(br);
	if (r && r != -NLE_EXIST) {
		r = cl_nlerr(r, "bridge");
		goto free_sk;
	}
	r = cl_link_setup(sk, CL_BRIDGE, c->subnet | CL_HOST_BRIDGE);
	if (r == -EEXIST)
		r = 0;
free_sk:
	nl_socket_free(sk);
	return r;
}

int cl_net_attach(const char *bridge_ns, const char *ns, const char *ifname,
		  const struct cl_cluster *c, unsigned host)
{
	struct nl_sock *sk_br = NULL, *sk = NULL;
	struct rtnl_link *veth = NULL, *peer, *b;
	int r, nsfd, br;

	nsfd = cl_netns_open(ns);
	if (nsfd < 0)
		return nsfd;
	r = cl_nl_in(bridge_ns, &sk_br);
	if (r)
		goto close_ns;
	r = cl_nl_in(ns, &sk);
	if (r)
		goto free_br;
	r = rtnl_link_get_kernel(sk_br, 0, CL_BRIDGE, &b);
	if (r) {
		r = cl_nlerr(r, CL_BRIDGE);
		goto free_sk;
	}
	br = rtnl_link_get_ifindex(b);
	rtnl_link_put(b);
	veth = rtnl_link_veth_alloc();
	if (!veth) {
		r = -ENOMEM;
		goto free_sk;
	}
	/* The bridge end stays in the cluster's namespace, enslaved and up;
	 * the peer is created directly inside ns, so it never exists in the
	 * root namespace even for a moment. */
	rtnl_link_set_name(veth, ifname);
	rtnl_link_set_master(veth, br);
	rtnl_link_set_flags(veth, IFF_UP);
	peer = rtnl_link_veth_get_peer(veth);
	rtnl_link_set_name(peer, CL_PEER);
	rtnl_link_set_ns_fd(peer, nsfd);
	rtnl_link_put(peer);
	r = rtnl_link_add(sk_br, veth, NLM_F_CREATE | NLM_F_EXCL);
	if (r) {
		r = cl_nlerr(r, ifname);
		goto free_veth;
	}
	r = cl_link_setup(sk, "lo", 0);
	if (!r)
		r = cl_link_setup(sk, CL_PEER, c->subnet | host);
free_veth:
	rtnl_link_put(veth);
free_sk:
	nl_socket_free(sk);
free_br:
	nl_socket_free(sk_br);
close_ns:
	close(nsfd);
	return r;
}

int cl_net_link_set(const char *bridge_ns, const char *ifname, bool up)
{
	struct rtnl_link *link = NULL;
	struct nl_sock *sk = NULL;
	int r;

	r = cl_nl_in(bridge_ns, &sk);
	if (r)
		return r;
	r = rtnl_link_get_kernel(sk, 0, ifname, &link);
	if (r) {
		r = cl_nlerr(r, ifname);
	} else {
		r = cl_link_updown(sk, link, up);
		rtnl_link_put(link);
	}
	nl_socket_free(sk);
	return r;
}

void cl_node_ifname(int i, char *buf, size_t len)
{
	snprintf(buf, len, "v-node-%d", i);
}

int cl_node_link(const struct cl_cluster *c, int i, bool up)
{
	char br[96], ifn[32];

	cl_netns_name(c, 0, false, br, sizeof(br));
	cl_node_ifname(i, ifn, sizeof(ifn));
	return cl_net_link_set(br, ifn, up);
}

/* ns is one of c's: sk-<name>-net, sk-<name>-cp, sk-<name>-node-<digits>
 * or sk-<name>-ext-<digits> (exact, so cluster "a" never matches cluster
 * "a-b"'s namespaces). */
static bool cl_netns_ours(const struct cl_cluster *c, const char *ns)
{
	char pre[64];
	size_t n;
	const char *s;

	n = (size_t)snprintf(pre, sizeof(pre), "sk-%s-", c->name);
	if (strncmp(ns, pre, n))
		return false;
	s = ns + n;
	if (!strcmp(s, "net") || !strcmp(s, "cp"))
		return true;
	if (!strncmp(s, "node-", 5) && s[5])
		s += 5;
	else if (!strncmp(s, "ext-", 4) && s[4])
		s += 4;
	else
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int cl_netns_list(const struct cl_cluster *c, char ***names, int *n)
{
	DIR *d = opendir(CL_NETNS_DIR);
	struct dirent *e;
	char **v = NULL;
	int k = 0;

	*names = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		char **nv;

		if (!cl_netns_ours(c, e->d_name))
			continue;
		nv = realloc(v, (size_t)(k + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[k] = strdup(e->d_name);
		if (v[k])
			k++;
	}
	closedir(d);
	*names = v;
	*n = k;
	return 0;
}

int cl_net_route(const char *ns, const char *dst_cidr, const char *via)
{
	struct nl_sock *sk = NULL;
	struct rtnl_route *rt = NULL;
	struct rtnl_nexthop *nh = NULL;
	struct nl_addr *dst = NULL, *gw = NULL;
	int r;

	r = cl_nl_in(ns, &sk);
	if (r)
		return r;
	rt = rtnl_route_alloc();
	nh = rtnl_route_nh_alloc();
	if (!rt || !nh || nl_addr_parse(dst_cidr, AF_INET, &dst) ||
	    nl_addr_parse(via, AF_INET, &gw)) {
		r = -EINVAL;
		goto out;
	}
	rtnl_route_set_family(rt, AF_INET);
	rtnl_route_set_dst(rt, dst);
	rtnl_route_nh_set_gateway(nh, gw);
	rtnl_route_add_nexthop(rt, nh);
	nh = NULL; /* the route owns it */
	r = rtnl_route_add(sk, rt, NLM_F_REPLACE);
	if (r)
		r = cl_nlerr(r, "route");
out:
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(dst);
	nl_addr_put(gw);
	if (rt)
		rtnl_route_put(rt);
	nl_socket_free(sk);
	return r;
}

int cl_external(const struct cl_cluster *c, int n, char *buf, size_t len)
{
	char br[96], ifn[32], path[256];
	int r;

	if (n < 1 || n > CL_MAX_EXTERNAL)
		return -ERANGE;
	cl_ext_netns_name(c, n, buf, len);
	cl_netns_path(buf, path, sizeof(path));
	if (!access(path, F_OK))
		return 0; /* made before */
	cl_netns_name(c, 0, false, br, sizeof(br));
	snprintf(ifn, sizeof(ifn), "v-ext-%d", n);
	r = cl_netns_create(buf);
	if (!r)
		r = cl_net_attach(br, buf, ifn, c, CL_HOST_EXT(n));
	if (r)
		cl_netns_remove(buf);
	return r;
}
