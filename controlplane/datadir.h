/* datadir: ownership and identity of skiff-server's data dir.
 *
 * One server owns a data dir: an exclusive lock on <dir>/lock is taken
 * before anything in the dir is opened or written, and held until exit. A
 * data dir that once held a cluster remembers it: the cluster's id is kept
 * both in the store and in <dir>/cluster-id, so a store that was deleted,
 * truncated, damaged or swapped is refused instead of being served as a new
 * empty cluster.
 */
#ifndef SKIFF_DATADIR_H
#define SKIFF_DATADIR_H

#include <stdbool.h>
#include "store/store.h"

struct datadir;

/* Create the dir if needed and lock it. -EBUSY (logged with the holder's
 * pid) when another process owns it. */
int datadir_open(const char *dir, struct datadir **out);
/* Releases the lock. */
void datadir_close(struct datadir *d);

/* Open <dir>/store.db (opts->path is set here) and check that it holds the
 * cluster this data dir held. Refused (-EUCLEAN, with a message saying what
 * to do) when the store is unreadable, or empty or of another cluster while
 * the data dir held one. reset: start a new empty cluster instead (an
 * unreadable store.db is kept aside as store.db.broken-<unix time>), or
 * adopt a store of another cluster. A new cluster gets its id here. */
int datadir_open_store(struct datadir *d, struct store_opts *opts, bool reset, struct store **out);

#endif
