/* kubelet: the node agent half of skiff-node (the other half is the
 * proxy). It registers this node (capacity, addresses, conditions; the
 * podCIDR skiff-server allocates), keeps its Lease in kube-node-lease
 * renewed, and runs the pods bound to it: each pod gets a sandbox (a
 * network namespace on the node's bridge, sandbox.h) and its containers run
 * as OCI containers under runc (runtime.h); their state is reported through
 * pods/<name>/status. Everything runs on skiff-node's libev loop and talks
 * to the API server with the node's own credential.
 *
 * Files: kubelet.c (start, stop, wiring), kl_node.c (Node and Lease),
 * kl_pods.c (pod workers: converge each pod), kl_spec.c (pod spec ->
 * runtime spec), kl_status.c (pod status); runtime_*.c, shim.c, oci_spec.c,
 * images.c, cgroups.c (the runtime); sandbox.c, netns.c, ipam.c,
 * podfiles.c (the network). docs/kubelet.md has the layout.
 */
#ifndef SKIFF_KUBELET_H
#define SKIFF_KUBELET_H

#include <stdbool.h>
#include <stdint.h>

struct ev_loop;
struct kclient;
struct kubelet;

struct kubelet_opts {
	const char *node_name;
	const char *root_dir;	    /* --root-dir (default /var/lib/skiff-node) */
	const char *node_ip;	    /* --node-ip, NULL: the first IPv4 of this namespace */
	const char *cluster_dns;    /* --cluster-dns (default 10.96.0.10) */
	const char *cluster_domain; /* --cluster-domain (default cluster.local) */
	const char *shim_exe;	    /* NULL: skiff-shim next to this binary */
	const char *runc;	    /* --runc (default "runc") */
	const char *cgroup_parent;  /* pods' cgroups, relative (default "skiff") */
	uint32_t max_pods;	    /* --max-pods (default 110) */
	double lease_secs;	    /* --node-lease-renew-interval (default 10) */
	double status_secs;	    /* status report at least this often (default 300) */
	uint64_t log_max_size;	    /* --container-log-max-size bytes (default 10 MiB) */
	int kubelet_port;	    /* --kubelet-port (default 10250), -1: no server */
};

/* Defaults for the fields left 0/NULL. */
void kubelet_opts_defaults(struct kubelet_opts *o);

struct kubelet *kubelet_new(struct ev_loop *loop, struct kclient *c, const struct kubelet_opts *o);
/* Register the node and start the Lease, then the pods. 0 or -errno. */
int kubelet_start(struct kubelet *k);
/* Stop watching and free; running containers keep running (a restart
 * adopts them). */
void kubelet_free(struct kubelet *k);

/* For /healthz and logs. */
bool kubelet_ready(const struct kubelet *k);

#endif
