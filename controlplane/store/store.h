/* store: the revisioned key-value store behind the API.
 *
 * Keys are "/registry/<resource>/<ns>/<name>" (cluster-scoped: no <ns>).
 * Values are serialized JSON objects. One global revision increases on every
 * write and is the Kubernetes resourceVersion. All current objects are held
 * in memory (the watch cache); the backend (SQLite by default) makes them
 * durable. Writes are grouped: they are visible in memory at once but only
 * acknowledged (and dispatched to watchers) after store_commit() made them
 * durable, so one fsync covers every write of one event-loop iteration.
 * Such a group of writes is a batch: it becomes durable as a whole or, when
 * the backend fails (disk full), is rolled back as a whole.
 */
#ifndef SKIFF_STORE_H
#define SKIFF_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum store_ev_type { STORE_ADDED = 0, STORE_MODIFIED = 1, STORE_DELETED = 2 };

/* One current object. `value` is NUL-terminated JSON owned by the store. */
struct store_kv {
	const char *key;
	const char *value;
	size_t value_len;
	int64_t create_rev;
	int64_t mod_rev;
};

/* One committed change, as kept in the history ring and given to watchers.
 * For DELETED, `value` is the last state with the deletion revision stamped. */
struct store_event {
	int64_t rev;
	enum store_ev_type type;
	const char *key;
	const char *value; /* new state (ADDED/MODIFIED) or last state (DELETED) */
	const char *prev;  /* previous state, NULL for ADDED */
	time_t ts;
};

struct store;

typedef void (*store_event_cb)(void *ud, const struct store_event *ev);
typedef void (*store_kv_cb)(void *ud, const struct store_kv *kv);

/* Backend operations: the seam for an etcd backend later. */
struct store_backend_ops {
	const char *name;
	/* Load every current key and the retained history, in revision order. */
	int (*load)(void *be, store_kv_cb kv_cb, store_event_cb ev_cb, void *ud, int64_t *rev,
		    int64_t *compact_rev);
	int (*begin)(void *be);
	int (*put)(void *be, const struct store_event *ev, int64_t create_rev);
	int (*del)(void *be, const struct store_event *ev);
	/* On failure the open transaction is rolled back. */
	int (*commit)(void *be);
	/* Drop the open transaction, if any. */
	int (*rollback)(void *be);
	int (*compact)(void *be, int64_t rev);
	/* The cluster identity ("" if none was ever set) and setting it in a
	 * transaction of its own. */
	int (*get_id)(void *be, char *buf, size_t len);
	int (*set_id)(void *be, const char *id);
	void (*close)(void *be);
};

struct store_opts {
	const char *path;	   /* SQLite file; NULL or ":memory:" for tests */
	size_t history_min_events; /* keep at least this many revisions (10000) */
	int history_min_seconds;   /* and at least this much time (300) */
	bool nosync;		   /* tests only: skip fsync */
	size_t max_db_bytes;	   /* tests only: the backend's size cap, 0 = none */
};

/* Longest cluster identity (a UUID is 36 characters). */
#define STORE_ID_MAX 64

int store_open(const struct store_opts *opts, struct store **out);
void store_close(struct store *st);

int64_t store_rev(const struct store *st);
/* Oldest revision a watch may resume from (events with rev > this are kept). */
int64_t store_oldest_rev(const struct store *st);

/* Current value or NULL. */
const struct store_kv *store_get(const struct store *st, const char *key);
/* Every key with the prefix, in key order; returns the count visited. */
size_t store_list(const struct store *st, const char *prefix, store_kv_cb cb, void *ud);
size_t store_count(const struct store *st, const char *prefix);

/* One page of a list as it was at an earlier revision (a consistent paged
 * list: every page of it lists the state at the first page's revision). */
struct store_page {
	const char *prefix;
	const char *start; /* first key to consider; NULL: the prefix's first */
	bool after;	   /* start itself is excluded */
	int64_t rev;	   /* the revision whose state is listed */
	size_t limit;	   /* stop after this many accepted keys; 0: no limit */
	/* out: keys (with the prefix) present at rev after the last key
	 * visited, accepted or not; 0 when the walk reached the end */
	size_t remaining;
};

/* Visit a key: return true to count it against the page's limit (it
 * matched the caller's selectors). */
typedef bool (*store_page_cb)(void *ud, const struct store_kv *kv);

/* Visit, in key order, the keys with pg->prefix from pg->start on as they
 * were at pg->rev, until pg->limit of them were accepted. The state at rev
 * is the current state with the retained events after rev undone, so the
 * cost is O((visited + log n) log n + e log e) for e events after rev,
 * never a scan of the whole history per key. For a key rebuilt from the
 * history, create_rev and mod_rev are 0 when the event came from disk (the
 * value's own metadata holds its resourceVersion). Returns the count
 * accepted, -ERANGE when rev is older than the retained history (410
 * Expired), -EINVAL when rev is ahead of the store, or -ENOMEM. */
int store_list_at(const struct store *st, struct store_page *pg, store_page_cb cb, void *ud);

/* Writes. `value` is copied. Return the new revision (> 0) or a negative
 * errno: -EEXIST (create on a present key), -ENOENT (missing key),
 * -ESTALE (expected_rev given and not equal to mod_rev), -ENOMEM. A backend
 * failure is not reported here: it fails the whole batch at store_commit(),
 * so that every request of a batch gets the same answer. */
int64_t store_create(struct store *st, const char *key, const char *value);
int64_t store_update(struct store *st, const char *key, const char *value, int64_t expected_rev);
/* last: the document the DELETED event carries (the last state with the
 * deletion revision stamped); NULL uses the current value. */
int64_t store_delete(struct store *st, const char *key, int64_t expected_rev, const char *last);
/* The revision the next write will get (to stamp resourceVersion before writing). */
int64_t store_next_rev(const struct store *st);

/* Make pending writes durable and dispatch them to subscribers.
 * Returns 0, or the backend's negative errno (-ENOSPC: disk full, -EIO...):
 * then every write of the batch was rolled back — memory equals disk again,
 * no event of the batch is ever dispatched, and its revisions are handed out
 * again — so the caller answers the held requests with an error and goes on.
 * -ENOTRECOVERABLE: the rollback itself failed (out of memory); memory and
 * disk disagree and the caller must stop. */
int store_commit(struct store *st);
bool store_dirty(const struct store *st);

/* Called after commit for each event, in revision order. */
int store_subscribe(struct store *st, store_event_cb cb, void *ud);
void store_unsubscribe(struct store *st, store_event_cb cb, void *ud);

/* Replay retained events with rev > from_rev; -ERANGE if from_rev is
 * older than the history (the caller answers 410 Expired). */
int store_replay(const struct store *st, int64_t from_rev, store_event_cb cb, void *ud);

/* Drop history that is older than both limits. */
int store_compact(struct store *st);

/* Rows skipped at load because their value is not a JSON object or their
 * event type is unknown (each is logged with its key and revision). */
uint64_t store_corrupt_rows(const struct store *st);
/* Writes rolled back by failed commits, since the start. */
uint64_t store_rolled_back(const struct store *st);

/* The identity of the cluster this store holds: "" if none was set. */
const char *store_cluster_id(const struct store *st);
/* Set it durably, outside any batch (the store must not be dirty). */
int store_set_cluster_id(struct store *st, const char *id);

/* SQLite backend constructor (store_sqlite.c). */
int store_sqlite_open(const struct store_opts *opts, void **be,
		      const struct store_backend_ops **ops);

#endif
