/* server_ctrl: the controllers and the scheduler skiff-server runs, each
 * started once this server leads its Lease (kube-controller-manager's
 * controllers under kube-system/kube-controller-manager, the scheduler
 * under kube-system/kube-scheduler, as upstream), stopped if it stops
 * leading; the few that only keep the server's own objects whole
 * (namespace finalization, default ServiceAccounts, aggregated roles)
 * run on every server. --controllers picks which run. */
#ifndef SKIFF_SERVER_CTRL_H
#define SKIFF_SERVER_CTRL_H

#include <stddef.h>

struct api;
struct ev_loop;
struct server_config;
struct server_ctrls;

/* 0, or -errno when one that runs on every server could not start. */
int server_ctrls_start(struct api *a, struct ev_loop *loop, const struct server_config *c,
		       struct server_ctrls **out);
void server_ctrls_stop(struct server_ctrls *sc);
/* Their Prometheus lines (the scheduler's), appended to buf. */
size_t server_ctrls_metrics(const struct server_ctrls *sc, char *buf, size_t len);

#endif
