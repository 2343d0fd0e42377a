/* bootstrap: the objects a fresh cluster starts with. */
#ifndef SKIFF_BOOTSTRAP_H
#define SKIFF_BOOTSTRAP_H

struct api;

struct bootstrap_opts {
	const char *api_ip; /* address the kubernetes Service points at */
	int api_port;
	const char *cluster_dns; /* kube-dns ClusterIP, NULL/"" for none */
	const char *dns_ip;	 /* kube-dns endpoint address, NULL if none routable */
	int dns_port;
};

int bootstrap_run(struct api *a, const struct bootstrap_opts *o);

/* Create an object of group/v1 plural from its JSON unless it exists. */
int bootstrap_create(struct api *a, const char *plural, const char *group, const char *ns,
		     const char *json);
/* Replace `field` of a stored object if it differs (server address moved). */
int bootstrap_refresh(struct api *a, const char *key, const char *field, const char *json);

/* The default RBAC policy (bootstrap_rbac.c): upstream's default
 * ClusterRoles and ClusterRoleBindings, created when missing and brought
 * back to their rules while annotated autoupdate "true", as
 * kube-apiserver's RBAC bootstrap controller does. */
int bootstrap_rbac(struct api *a);

/* The server's join token (bootstrap_rbac.c): <data_dir>/join-token holds
 * a bootstrap token whose kube-system Secret exists; when the file is
 * missing, or its token was deleted or has expired, a new one is made
 * (ttl seconds, 0 = no expiry). */
int bootstrap_join_token(struct api *a, const char *data_dir, long long ttl);

#endif
