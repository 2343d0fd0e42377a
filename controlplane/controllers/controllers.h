/* controllers: reconcilers that run inside skiff-server (client-go's
 * pattern): an informer keeps a cache of one resource from the store and
 * reports changes through the same struct informer_ops as lib/informer.h
 * (so a controller can later run out of process on the HTTP informer); a
 * work queue holds the keys that need a look, deduplicated, and retries a
 * failed key with exponential back-off; the reconcile function reads the
 * cache and writes the difference through the API server's own pipeline
 * (validation, hooks, allocations), which commits like a request.
 */
#ifndef SKIFF_CONTROLLERS_H
#define SKIFF_CONTROLLERS_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "informer.h"

struct ev_loop;
struct store;
struct api;

/* ---- in-process informer over the store (ctrl_informer.c) ---- */

struct ctrl_informer;

/* Cache every object whose store key starts with prefix
 * ("/registry/namespaces/"); keys given to ops are "namespace/name" or
 * "name", as lib/informer.h's. Nothing is read until ctrl_informer_start. */
struct ctrl_informer *ctrl_informer_new(struct store *st, const char *prefix,
					const struct informer_ops *ops, void *ud);
/* List (upsert for each object, then synced) and follow committed events.
 * 0 or -errno. */
int ctrl_informer_start(struct ctrl_informer *inf);
void ctrl_informer_free(struct ctrl_informer *inf);
/* The cached object of key, or NULL. */
const cJSON *ctrl_informer_get(const struct ctrl_informer *inf, const char *key);
void ctrl_informer_foreach(const struct ctrl_informer *inf,
			   void (*fn)(void *ud, const char *key, const cJSON *obj), void *ud);

/* ---- work queue (ctrl_queue.c) ---- */

struct ctrl_queue;

/* sync(ud, key) reconciles one key: 0 when done, a negative errno to be
 * retried after a back-off (5 ms doubling to 5 min per key, as client-go's
 * default rate limiter). after(ud) runs once after each round of syncs
 * (the controllers commit there). */
struct ctrl_queue *ctrl_queue_new(struct ev_loop *loop, int (*sync)(void *ud, const char *key),
				  void (*after)(void *ud), void *ud);
/* Queue key unless it is queued already; it is processed from the loop. */
int ctrl_queue_add(struct ctrl_queue *q, const char *key);
size_t ctrl_queue_len(const struct ctrl_queue *q);
/* Every period seconds, queue each key of inf whose cached object wanted()
 * accepts, so a key whose write was rolled back by a failed commit (no
 * event follows) is looked at again. Stopped by ctrl_queue_free. */
void ctrl_queue_resync(struct ctrl_queue *q, const struct ctrl_informer *inf, double period,
		       bool (*wanted)(const cJSON *obj));
void ctrl_queue_free(struct ctrl_queue *q);

/* ---- which controllers run (ctrl_enabled.c) ---- */

/* Every controller's name, as --controllers spells it (kube-controller-
 * manager's names; the scheduler is "scheduler"). */
#define CTRL_NAMES                                                                                 \
	"namespace", "serviceaccount", "clusterrole-aggregation", "scheduler", "endpointslice",    \
	    "endpoints", "replicaset", "deployment", "statefulset", "garbagecollector",            \
	    "nodelifecycle", "job", "persistentvolume-binder"
/* --controllers: "*", "foo", "-foo", comma-separated. 0, or -EINVAL with
 * err naming the unknown entry. */
int ctrl_set_enabled(const char *spec, char *err, size_t elen);
bool ctrl_enabled(const char *name);

/* ---- leader election (ctrl_leader.c) ---- */

/* Campaign for the Lease kube-system/<name> (client-go's leaderelection,
 * kube-controller-manager's timings): on_lead when this server holds it
 * (possibly before ctrl_leader_start returns: a lone server leads at
 * once), on_lost when it could not renew it in time. */
struct ctrl_leader;
int ctrl_leader_start(struct api *a, struct ev_loop *loop, const char *name,
		      void (*on_lead)(void *ud), void (*on_lost)(void *ud), void *ud,
		      struct ctrl_leader **out);
bool ctrl_leader_leading(const struct ctrl_leader *l);
/* Stop campaigning; a held Lease is released (ReleaseOnCancel). */
void ctrl_leader_stop(struct ctrl_leader *l);

/* ---- events (ctrl_event.c) ---- */

/* An event recorder for one component ("default-scheduler",
 * "replicaset-controller"): Events written through the API pipeline, the
 * same one again (same object, type, reason, message) within ten minutes
 * counted on the existing Event rather than repeated. */
struct ctrl_events;
struct ctrl_events *ctrl_events_new(struct api *a, const char *component);
void ctrl_events_free(struct ctrl_events *r);
/* Record an event about obj (its kind, name, namespace, uid, apiVersion
 * become the involvedObject); type "Normal" or "Warning"; reason
 * CamelCase ("FailedScheduling"). Best effort: a failure is only logged.
 * Committed with the controller's other writes (api_commit). */
void ctrl_event(struct ctrl_events *r, const cJSON *obj, const char *type, const char *reason,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ---- the controllers ---- */

/* Namespace: a Terminating namespace (or one deleted without finalizers)
 * loses everything in it, then the namespace itself is removed. */
struct ctrl_namespace;
int ctrl_namespace_start(struct api *a, struct ev_loop *loop, struct ctrl_namespace **out);
void ctrl_namespace_stop(struct ctrl_namespace *c);

/* ServiceAccount: every namespace not being deleted has a `default`
 * ServiceAccount, created with it and again when deleted. */
struct ctrl_serviceaccount;
int ctrl_serviceaccount_start(struct api *a, struct ev_loop *loop,
			      struct ctrl_serviceaccount **out);
void ctrl_serviceaccount_stop(struct ctrl_serviceaccount *c);

/* ClusterRole aggregation: the rules of a ClusterRole with
 * aggregationRule.clusterRoleSelectors are the union of those of every
 * other ClusterRole its selectors match. The stored aggregated roles are
 * filled before it returns (so the default admin/edit/view serve whole
 * from the first request), then kept so. */
struct ctrl_rbac_aggregate;
int ctrl_rbac_aggregate_start(struct api *a, struct ev_loop *loop,
			      struct ctrl_rbac_aggregate **out);
void ctrl_rbac_aggregate_stop(struct ctrl_rbac_aggregate *c);

/* PersistentVolume binder and local-path provisioner (ctrl_pv.c):
 * claims bind to fitting volumes, claims of a rancher.io/local-path class
 * get a hostPath volume on the node of their first scheduled pod
 * (WaitForFirstConsumer), released volumes are deleted or kept by their
 * reclaim policy. */
struct ctrl_pv;
int ctrl_pv_start(struct api *a, struct ev_loop *loop, struct ctrl_pv **out);
void ctrl_pv_stop(struct ctrl_pv *c);

/* StatefulSet (ctrl_statefulset*.c): pods <set>-<i> with stable
 * hostname/subdomain and claims <template>-<set>-<i> made before them,
 * OrderedReady (one at a time, each Running and Ready before the next,
 * removed in reverse) or Parallel; RollingUpdate in reverse ordinal order
 * down to the partition, or OnDelete; ControllerRevisions as history;
 * status for `kubectl rollout status`. */
struct ctrl_statefulset;
int ctrl_statefulset_start(struct api *a, struct ev_loop *loop, struct ctrl_statefulset **out);
void ctrl_statefulset_stop(struct ctrl_statefulset *c);

#endif
