/* kubelet: start, stop and the options (kubelet.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "kl_int.h"
#include "log.h"

void kubelet_opts_defaults(struct kubelet_opts *o)
{
	if (!o->root_dir)
		o->root_dir = "/var/lib/skiff-node";
	if (!o->cluster_dns)
		o->cluster_dns = "10.96.0.10";
	if (!o->cluster_domain)
		o->cluster_domain = "cluster.local";
	if (!o->runc)
		o->runc = "runc";
	if (!o->cgroup_parent)
		o->cgroup_parent = "skiff";
	if (!o->max_pods)
		o->max_pods = 110;
	if (o->lease_secs <= 0)
		o->lease_secs = 10;
	if (o->status_secs <= 0)
		o->status_secs = 300;
	if (!o->log_max_size)
		o->log_max_size = 10 << 20;
	if (!o->kubelet_port)
		o->kubelet_port = 10250;
}

struct kubelet *kubelet_new(struct ev_loop *loop, struct kclient *c, const struct kubelet_opts *o)
{
	struct kubelet *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->loop = loop;
	k->c = c;
	k->o = *o;
	kubelet_opts_defaults(&k->o);
	return k;
}

int kubelet_start(struct kubelet *k)
{
	int r = kl_node_start(k);

	/* after kl_node_start: the serving certificate names the node's IP */
	if (!r && k->o.kubelet_port > 0)
		r = kl_server_start(k);
	return r;
}

void kubelet_free(struct kubelet *k)
{
	if (!k)
		return;
	kl_server_stop(k);
	kl_pods_stop(k);
	kl_node_stop(k);
	kl_events_free(k);
	free(k);
}

bool kubelet_ready(const struct kubelet *k)
{
	return k && k->ready;
}
