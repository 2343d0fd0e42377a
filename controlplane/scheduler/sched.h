/* scheduler: kube-scheduler's default profile inside skiff-server. Pods
 * without spec.nodeName (and with no other schedulerName) are bound to a
 * node that passes the filters (Ready, schedulable, resources, node
 * selector and affinity, taints, host ports, topology spread, hostname
 * anti-affinity) and scores best; a pod no node fits gets PodScheduled=False
 * with upstream's message and a FailedScheduling event, and is looked at
 * again when a node or a pod changes. See docs/scheduler.md. */
#ifndef SKIFF_SCHED_H
#define SKIFF_SCHED_H

#include <stddef.h>
#include <stdint.h>

struct api;
struct ev_loop;
struct sched;

/* Follow pods and nodes in the store and schedule from the loop. 0 or
 * -errno. */
int sched_start(struct api *a, struct ev_loop *loop, struct sched **out);
void sched_stop(struct sched *s);

struct sched_stats {
	uint64_t scheduled;	/* pods bound */
	uint64_t unschedulable; /* attempts that found no node */
	uint64_t bind_errors;	/* binds that failed or were rolled back */
	uint64_t rounds;	/* queue rounds that bound at least one pod (one commit each) */
};
void sched_stats(const struct sched *s, struct sched_stats *out);
/* Prometheus text of the stats into buf; the length written. */
size_t sched_metrics(const struct sched *s, char *buf, size_t len);

#endif
