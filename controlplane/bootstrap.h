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

#endif
