/* join: a new node's first contact with the cluster (kubeadm's token
 * discovery, k3s's /cacerts): fetch the CA without trusting anything, pin it
 * by the hash the operator gave, trade the join token for the node's own
 * credential over a connection verified with that CA, and keep the result
 * as <state-dir>/kubeconfig. */
#ifndef SKIFF_JOIN_H
#define SKIFF_JOIN_H

#include <stdbool.h>
#include <stddef.h>

struct join_opts {
	const char *server;    /* --server https://addr:6443 */
	const char *token;     /* --token <id>.<secret> */
	const char *ca_hash;   /* --discovery-token-ca-cert-hash, NULL if skip_ca */
	bool skip_ca;	       /* --discovery-token-unsafe-skip-ca-verification */
	const char *state_dir; /* --state-dir */
	const char *node_name; /* the node's name (--hostname-override) */
};

/* Check the join flags before anything runs (no network): token format,
 * hash format, --server given, a hash or the explicit unsafe skip.
 * Returns 0 or -EINVAL with the message (naming the flag) in err. */
int join_check_opts(const struct join_opts *o, char *err, size_t errlen);

/* Join and write <state-dir>/kubeconfig (its path into path). Returns 0,
 * or a negative errno with the reason in err, starting "join: ":
 * -EPERM for a CA hash mismatch or a refused token, -EIO for transport
 * errors, -EPROTO for answers that are not what the protocol says. */
int join_node(const struct join_opts *o, char *path, size_t pathlen, char *err, size_t errlen);

#endif
