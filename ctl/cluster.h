/* cluster: internal interface of `skiffctl cluster` (cmd_cluster.c and the
 * cluster_*.c modules), prefix cl_. A local cluster is a set of network
 * namespaces (a bridge namespace, the control plane, K nodes), a cgroup v2
 * subtree, processes in them and a state directory; every name is derived
 * from the cluster's name so `delete` can find leftovers without state. */
#ifndef SKIFF_CLUSTER_H
#define SKIFF_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <cjson/cJSON.h>

#define CL_DEFAULT_NAME "skiff"
#define CL_DEFAULT_ROOT "/var/lib/skiff/clusters"
#define CL_NETNS_DIR	"/run/netns"
#define CL_MAX_NODES	200
#define CL_NAME_MAX	32
#define CL_API_PORT	6443
/* skiff-node's default /healthz listener, inside each node's netns. */
#define CL_NODE_HEALTHZ_PORT 10256

/* A cluster's names and paths, all derived from name and the state root. */
struct cl_cluster {
	char name[CL_NAME_MAX + 1];
	char dir[4096];	   /* <root>/<name> */
	char cgroup[4096]; /* <cgroup v2 root>/sk-<name> */
	int nodes;	   /* K */
	unsigned subnet;   /* the /24 in host order, e.g. 172.30.7.0 */
	int api_port;	   /* the loopback forwarder's port */
	/* Node lifecycle settings given to skiff-server (short: a local
	 * cluster is for rehearsing failures); each skiff-node renews its
	 * Lease at a quarter of grace_secs, upstream's 10 s of 40 s. */
	int grace_secs;			    /* --node-monitor-grace-period */
	int tol_not_ready, tol_unreachable; /* --default-*-toleration-seconds */
	bool random_lb;			    /* the nodes' --lb-algorithm random */
	bool ipt_mode;			    /* the nodes' --proxy-mode iptables */
};

/* `cluster create`'s node lifecycle defaults: a stopped node's pods run
 * elsewhere within about twenty seconds (upstream: 40 s and 300 s). */
#define CL_DEFAULT_GRACE 10
#define CL_DEFAULT_TOL	 10
/* What a manifest written before these settings means: upstream's. */
#define CL_UPSTREAM_GRACE 40

/* --- cluster_state.c: names, paths, manifest --- */

/* [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most CL_NAME_MAX bytes. */
bool cl_name_valid(const char *name);
/* --state-dir, else $SKIFF_CLUSTER_DIR, else CL_DEFAULT_ROOT. */
const char *cl_state_root(const char *flag);
/* Fill c's name, dir and cgroup (nodes/subnet/port untouched). -errno. */
int cl_init(struct cl_cluster *c, const char *root, const char *name);
/* "sk-<name>-net", "sk-<name>-cp", "sk-<name>-node-<i>" (i >= 1). */
void cl_netns_name(const struct cl_cluster *c, int node, bool cp, char *buf, size_t len);
/* "sk-<name>-ext-<n>": an outside machine on the cluster's network. */
void cl_ext_netns_name(const struct cl_cluster *c, int n, char *buf, size_t len);
/* "<name>-node-<i>": the node's Kubernetes name (--hostname-override). */
void cl_node_name(const struct cl_cluster *c, int i, char *buf, size_t len);
/* The node index of "node-3", "3" or "<name>-node-3"; 0 when none. */
int cl_node_index(const struct cl_cluster *c, const char *arg);
/* <dir>/nodes/<name>-node-<i> and, with what, a file in it. */
void cl_node_dir(const struct cl_cluster *c, int i, const char *what, char *buf, size_t len);
/* dotted address of host number h in the subnet (.2 control plane, .10+i nodes). */
void cl_addr(const struct cl_cluster *c, unsigned h, char *buf, size_t len);
#define CL_HOST_BRIDGE	1
#define CL_HOST_CP	2
#define CL_HOST_NODE(i) (10u + (unsigned)(i))
/* LoadBalancer addresses skiff-server hands out (--loadbalancer-ip-range),
 * after the last possible node; then the outside machines of
 * `cluster external N`. */
#define CL_HOST_LB_FIRST 211u
#define CL_HOST_LB_LAST	 240u
#define CL_MAX_EXTERNAL	 10
#define CL_HOST_EXT(n)	 (240u + (unsigned)(n))
/* Write <dir>/manifest.json (atomically) / read it into c. -errno. */
int cl_manifest_write(const struct cl_cluster *c);
int cl_manifest_read(struct cl_cluster *c);
/* A free 172.30.X.0/24: not routed on the host (read-only look at
 * /proc/net/route) and not used by another cluster under root. -ENOSPC. */
int cl_pick_subnet(const char *root, unsigned *subnet);
/* mkdir -p with mode 0700. -errno. */
int cl_mkdir_p(const char *path);
/* Read a small file whole (malloc'd, NUL-terminated) or NULL. */
char *cl_read_file(const char *path);

/* --- cluster_cgroup.c --- */

/* The cgroup v2 mount to use: /sys/fs/cgroup/unified (hybrid) or
 * /sys/fs/cgroup (pure v2). -ENOENT if neither. */
int cl_cgroup_root(char *buf, size_t len);
/* <cluster cgroup>/<child> ("server", "forward", "<name>-node-<i>"). */
void cl_cgroup_child(const struct cl_cluster *c, const char *child, char *buf, size_t len);
/* Number of processes in the cgroup and its descendants; -errno. */
int cl_cgroup_count(const char *cg);
/* SIGKILL everything in cg and below and wait until it is empty. */
int cl_cgroup_kill(const char *cg);
/* Node i's cgroup into cg and the number of processes in it; -errno
 * after printing why. */
int cl_node_procs(const struct cl_cluster *c, int i, char *cg, size_t len);
/* Kill and remove cg with its descendants (ENOENT is success). */
int cl_cgroup_remove(const char *cg);
/* On a hybrid host, the same tree in each cgroup v1 hierarchy (runc makes
 * the pods' there: memory, cpu, pids, ...), its processes already gone:
 * the number of hierarchies it was found in, or -errno. */
int cl_cgroup_remove_v1(const struct cl_cluster *c);

/* --- cluster_net.c: namespaces and links over libnl --- */

/* Create /run/netns/<ns> (a new netns with lo up). -EEXIST if present. */
int cl_netns_create(const char *ns);
/* Unmount and remove /run/netns/<ns>; ENOENT is success. */
int cl_netns_remove(const char *ns);
/* An fd of the named netns (O_RDONLY|O_CLOEXEC) or -errno. */
int cl_netns_open(const char *ns);
/* In bridge_ns: bridge "br0" with addr .1 (made once), and a veth whose
 * peer is moved into ns as eth0 with address host/24, both up. */
int cl_net_bridge(const char *bridge_ns, const struct cl_cluster *c);
/* A route in namespace ns to dst_cidr via gateway via (replaced if there). */
int cl_net_route(const char *ns, const char *dst_cidr, const char *via);
int cl_net_attach(const char *bridge_ns, const char *ns, const char *ifname,
		  const struct cl_cluster *c, unsigned host);
/* Names of /run/netns entries that belong to c (exact patterns). */
/* Set ifname (a member's bridge-side veth in bridge_ns) up or down: a node
 * powered off is also cut off the cluster's network. */
int cl_net_link_set(const char *bridge_ns, const char *ifname, bool up);
/* The namespace of outside machine n (1..CL_MAX_EXTERNAL): attached to the
 * bridge with address CL_HOST_EXT(n), made once. Its name into buf. */
int cl_external(const struct cl_cluster *c, int n, char *buf, size_t len);
/* Node i's bridge-side veth: its name, and setting it up or down. */
void cl_node_ifname(int i, char *buf, size_t len);
int cl_node_link(const struct cl_cluster *c, int i, bool up);
int cl_netns_list(const struct cl_cluster *c, char ***names, int *n);

/* --- cluster_proc.c: processes --- */

/* fork + exec argv with the child in netns (path or NULL), in cgroup cg,
 * in its own session, stdout/stderr appended to log, fd keep_fd (>= 0)
 * as fd 3. Returns the pid or -errno. */
pid_t cl_spawn(char *const argv[], const char *netns, const char *cg, const char *log, int keep_fd);
/* Write pid to a pid file / read one (0 if none). */
int cl_pid_write(const char *path, pid_t pid);
pid_t cl_pid_read(const char *path);
/* pid is alive and a member of cgroup cg itself (guards against a
 * recycled pid in a stale pid file). */
bool cl_pid_in_cgroup(pid_t pid, const char *cg);
/* The child pid has exited (reaped here); only for our own children. */
bool cl_child_exited(pid_t pid);
/* HTTP GET /healthz on addr:port from inside netns: 200 → 0, else -errno
 * (-EAGAIN for a non-200 answer). */
int cl_http_healthz(const char *netns, const char *addr, int port);
/* Directory holding this skiffctl (to find skiff-server/skiff-node). */
int cl_bin_path(const char *prog, char *buf, size_t len);

/* --- cluster_forward.c --- */

/* The hidden `cluster forward` mode: accept on fd listen_fd (127.0.0.1 in
 * the root netns) and, per connection, connect from inside netns_path to
 * upstream (addr:port), splicing bytes both ways. Runs until killed. */
int cl_forward_run(int listen_fd, const char *netns_path, const char *upstream);
/* A listening TCP socket on 127.0.0.1 with a kernel-chosen port. */
int cl_forward_listen(int *port);

/* --- cluster_up.c / cluster_down.c --- */

struct cl_create_opts {
	const char *root;
	const char *name;
	int nodes;
	int wait_secs;
	bool retain;					/* keep what was made when create fails */
	int grace_secs, tol_not_ready, tol_unreachable; /* see struct cl_cluster */
	bool random_lb;					/* see struct cl_cluster */
	bool ipt_mode;					/* see struct cl_cluster */
};

int cl_create(const struct cl_create_opts *co, bool json);
int cl_node_start(struct cl_cluster *c, int i, int wait_secs);
int cl_node_restart(struct cl_cluster *c, int i, int wait_secs);
int cl_node_stop(struct cl_cluster *c, int i);
/* Remove everything of the cluster, from the manifest and by name. */
int cl_delete(const char *root, const char *name, bool quiet);

#endif
