/* proxy_ipt: skiff-node's proxy in iptables mode (--proxy-mode iptables):
 * a Service and its EndpointSlices, as proxy.c parsed them, become
 * kube-proxy's iptables layout through dataplane/ipt (written by
 * difference, at most every --iptables-min-sync-period), and, beyond
 * kube-proxy, every few seconds the live conntrack count of each endpoint
 * weights its statistic probability, so a busy endpoint gets fewer new
 * connections (only the services whose balance moved are rewritten).
 */
#ifndef SKIFF_PROXY_IPT_H
#define SKIFF_PROXY_IPT_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "proxy_model.h"

struct ev_loop;
struct ipt_opts;
struct pipt;

/* node: this node's name (Local policies). NULL on -ENOMEM or bad opts. */
struct pipt *pipt_new(struct ev_loop *loop, const struct ipt_opts *o, const char *node,
		      double weight_period);
void pipt_free(struct pipt *pi);
/* Service svc_key ("ns/name") is m with these slices now; m NULL: it is
 * gone (or needs no proxying). 0, or the first ipt_set error. */
int pipt_service(struct pipt *pi, const char *svc_key, const struct pm_service *m,
		 const cJSON *const *slices, uint32_t nslices);
/* Counters for logs: restores run, failed, service ports set. */
void pipt_counts(const struct pipt *pi, uint64_t *syncs, uint64_t *failures, uint32_t *ports,
		 char *last_error, size_t len);

#endif
