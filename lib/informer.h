/* informer: a list+watch cache of one Kubernetes resource on a libev loop
 * (k8s-api.md §12), shared by skiff-node's proxy and kubelet.
 *
 * Nothing blocks the loop: list pages (kreq_get) and the watch (kwatch)
 * are both driven by it, so a slow API server delays only this informer.
 * It lists (paginated, consistent read), then watches from the list's
 * resourceVersion with bookmarks; a clean end of the stream re-watches from
 * the last version seen, 410 Gone (before or inside the stream) re-lists, and
 * errors back off (1 s doubling to 30 s, with jitter) before re-listing or
 * re-watching. A re-list replaces the cache and reports only differences:
 * upserts for new or changed objects and removes for vanished ones.
 * resourceVersion is treated as an opaque string throughout.
 */
#ifndef SKIFF_INFORMER_H
#define SKIFF_INFORMER_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct ev_loop;
struct kclient;
struct informer;

/* Callbacks run on the loop. key is "namespace/name" ("name" when the
 * resource is cluster-scoped). Objects belong to the cache: obj stays valid
 * until the next event for the same key, old until the callback returns. */
struct informer_ops {
	void (*upsert)(void *ud, const char *key, const cJSON *obj, const cJSON *old);
	void (*remove)(void *ud, const char *key, const cJSON *old);
	/* A (re)list has been applied: the cache matches the server. */
	void (*synced)(void *ud);
};

struct informer_opts {
	const char *path;	    /* collection path, e.g. "/api/v1/services" */
	const char *label_selector; /* may be NULL */
	const char *field_selector; /* may be NULL ("spec.nodeName=n1") */
	const char *name;	    /* for logs and metrics, e.g. "services" */
	/* Cache objects without metadata.managedFields (client-go's
	 * TransformStripManagedFields): a reader that never looks at them
	 * should not hold them, often half of an object's size. */
	bool strip_managed_fields;
};

struct informer_stats {
	uint64_t lists;		 /* completed (re)lists */
	uint64_t watch_restarts; /* watches that ended and were restarted */
	uint64_t events;	 /* ADDED/MODIFIED/DELETED applied */
	uint64_t errors;	 /* failed requests and ERROR events */
	bool synced;		 /* at least one list applied */
	char last_error[256];	 /* "" when the last request worked */
	char rv[64];		 /* last resourceVersion seen */
};

struct informer *informer_new(struct kclient *c, struct ev_loop *loop,
			      const struct informer_opts *o, const struct informer_ops *ops,
			      void *ud);
/* Start listing (from the loop, right away). */
void informer_start(struct informer *inf);
/* Stop watching and free the cache. No callbacks are made. */
void informer_free(struct informer *inf);

const struct informer_stats *informer_stats(const struct informer *inf);
size_t informer_size(const struct informer *inf);
/* The cached object for key, or NULL. */
const cJSON *informer_get(const struct informer *inf, const char *key);
/* Call fn for every cached object (order unspecified). */
void informer_foreach(const struct informer *inf,
		      void (*fn)(void *ud, const char *key, const cJSON *obj), void *ud);

/* "namespace/name" (or "name") of an object into buf; false if unnamed. */
bool informer_key(const cJSON *obj, char *buf, size_t len);

#endif
