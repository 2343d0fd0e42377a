/* store_sqlite: the embedded store backend on SQLite in WAL mode.
 *
 * Two tables: `kv` holds the current value of every key, `log` one row per
 * revision (the watch history that survives a restart); `meta` the revision
 * counters and `identity` the cluster id. A transaction is opened at the
 * first write of an event-loop iteration and committed by store_commit();
 * with synchronous=FULL the WAL is fsynced before COMMIT returns, so an
 * acknowledged write survives SIGKILL and power loss.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "log.h"
#include "store.h"

struct sq_be {
	sqlite3 *db;
	sqlite3_stmt *put_kv, *del_kv, *put_log, *set_meta;
	bool in_txn;
};

static const char *sq_schema =
    "CREATE TABLE IF NOT EXISTS kv(key TEXT PRIMARY KEY, value TEXT NOT NULL,"
    " create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS log(rev INTEGER PRIMARY KEY, type INTEGER NOT NULL,"
    " key TEXT NOT NULL, value TEXT, prev TEXT, ts INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS identity(k TEXT PRIMARY KEY, v TEXT NOT NULL);";

/* SQLite's result code as a negative errno, so that callers (and the
 * Status a client gets) can tell a full disk from a broken one. */
static int sq_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -EUCLEAN;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	default:
		return -EIO;
	}
}

static int sq_exec(struct sq_be *b, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(b->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		pr_err("store: sqlite: %s: %s", sql, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return sq_errno(rc);
	}
	return 0;
}

static int sq_prepare(struct sq_be *b, const char *sql, sqlite3_stmt **st)
{
	int rc = sqlite3_prepare_v2(b->db, sql, -1, st, NULL);

	if (rc != SQLITE_OK)
		pr_err("store: sqlite: %s: %s", sql, sqlite3_errmsg(b->db));
	return sq_errno(rc);
}

/* The first column of the first row as an integer, 0 if there is none. */
static int sq_int(struct sq_be *b, const char *sql, int64_t *v)
{
	sqlite3_stmt *st;
	int rc, err = sq_prepare(b, sql, &st);

	if (err)
		return err;
	rc = sqlite3_step(st);
	*v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return sq_errno(rc);
}

static int sq_load(void *be, store_kv_cb kv_cb, store_event_cb ev_cb, void *ud, int64_t *rev,
		   int64_t *compact_rev)
{
	struct sq_be *b = be;
	sqlite3_stmt *st;
	int rc, err;

	if ((err = sq_int(b, "SELECT v FROM meta WHERE k='compact'", compact_rev)) ||
	    (err = sq_int(b, "SELECT v FROM meta WHERE k='rev'", rev)))
		return err;
	if ((err = sq_prepare(b, "SELECT key, value, create_rev, mod_rev FROM kv", &st)))
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_kv kv = {
		    .key = (const char *)sqlite3_column_text(st, 0),
		    .value = (const char *)sqlite3_column_text(st, 1),
		    .value_len = (size_t)sqlite3_column_bytes(st, 1),
		    .create_rev = sqlite3_column_int64(st, 2),
		    .mod_rev = sqlite3_column_int64(st, 3),
		};
		kv_cb(ud, &kv);
		if (kv.mod_rev > *rev)
			*rev = kv.mod_rev;
	}
	if (rc != SQLITE_DONE)
		goto err_step;
	sqlite3_finalize(st);

	if ((err = sq_prepare(b, "SELECT rev, type, key, value, prev, ts FROM log ORDER BY rev",
			      &st)))
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_event ev = {
		    .rev = sqlite3_column_int64(st, 0),
		    .type = (enum store_ev_type)sqlite3_column_int(st, 1),
		    .key = (const char *)sqlite3_column_text(st, 2),
		    .value = (const char *)sqlite3_column_text(st, 3),
		    .prev = (const char *)sqlite3_column_text(st, 4),
		    .ts = (time_t)sqlite3_column_int64(st, 5),
		};
		ev_cb(ud, &ev);
		if (ev.rev > *rev)
			*rev = ev.rev;
	}
	if (rc != SQLITE_DONE)
		goto err_step;
	sqlite3_finalize(st);
	return 0;

err_step:
	/* a truncated or damaged file: name SQLite's reason */
	pr_err("store: reading the store: %s", sqlite3_errmsg(b->db));
	sqlite3_finalize(st);
	return sq_errno(rc);
}

static int sq_begin(void *be)
{
	struct sq_be *b = be;

	int err;

	if (b->in_txn)
		return 0;
	err = sq_exec(b, "BEGIN IMMEDIATE");
	if (err)
		return err;
	b->in_txn = true;
	return 0;
}

static int sq_step_reset(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		pr_err("store: sqlite step: %s", sqlite3_errstr(rc));
		return sq_errno(rc);
	}
	return 0;
}

static int sq_log(struct sq_be *b, const struct store_event *ev)
{
	int err;

	sqlite3_bind_int64(b->put_log, 1, ev->rev);
	sqlite3_bind_int(b->put_log, 2, ev->type);
	sqlite3_bind_text(b->put_log, 3, ev->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(b->put_log, 4, ev->value, -1, SQLITE_STATIC);
	if (ev->prev)
		sqlite3_bind_text(b->put_log, 5, ev->prev, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(b->put_log, 5);
	sqlite3_bind_int64(b->put_log, 6, (int64_t)ev->ts);
	err = sq_step_reset(b->put_log);
	if (err)
		return err;
	sqlite3_bind_int64(b->set_meta, 1, ev->rev);
	return sq_step_reset(b->set_meta);
}

static int sq_put(void *be, const struct store_event *ev, int64_t create_rev)
{
	struct sq_be *b = be;
	int err = sq_begin(b);

	if (err)
		return err;
	sqlite3_bind_text(b->put_kv, 1, ev->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(b->put_kv, 2, ev->value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(b->put_kv, 3, create_rev);
	sqlite3_bind_int64(b->put_kv, 4, ev->rev);
	err = sq_step_reset(b->put_kv);
	return err ? err : sq_log(b, ev);
}

static int sq_del(void *be, const struct store_event *ev)
{
	struct sq_be *b = be;
	int err = sq_begin(b);

	if (err)
		return err;
	sqlite3_bind_text(b->del_kv, 1, ev->key, -1, SQLITE_STATIC);
	err = sq_step_reset(b->del_kv);
	return err ? err : sq_log(b, ev);
}

static int sq_rollback(void *be)
{
	struct sq_be *b = be;

	if (!b->in_txn)
		return 0;
	b->in_txn = false;
	/* SQLite may have rolled back already (it does on SQLITE_FULL and
	 * some I/O errors); ROLLBACK needs no disk space in WAL mode. */
	return sqlite3_get_autocommit(b->db) ? 0 : sq_exec(b, "ROLLBACK");
}

static int sq_commit(void *be)
{
	struct sq_be *b = be;
	int err;

	if (!b->in_txn)
		return 0;
	err = sq_exec(b, "COMMIT");
	if (err) {
		/* a failed COMMIT may leave the transaction open: drop it so
		 * that the next batch starts clean once space returns */
		sq_rollback(b);
		return err;
	}
	b->in_txn = false;
	return 0;
}

static int sq_compact(void *be, int64_t rev)
{
	struct sq_be *b = be;
	sqlite3_stmt *st;
	int err;

	if ((err = sq_begin(b)))
		return err;
	if ((err = sq_prepare(b, "DELETE FROM log WHERE rev <= ?", &st)))
		return err;
	sqlite3_bind_int64(st, 1, rev);
	err = sq_step_reset(st);
	sqlite3_finalize(st);
	if (err)
		return err;
	if ((err = sq_prepare(b, "INSERT OR REPLACE INTO meta(k, v) VALUES('compact', ?)", &st)))
		return err;
	sqlite3_bind_int64(st, 1, rev);
	err = sq_step_reset(st);
	sqlite3_finalize(st);
	return err;
}

static int sq_get_id(void *be, char *buf, size_t len)
{
	struct sq_be *b = be;
	sqlite3_stmt *st;
	int rc, err = sq_prepare(b, "SELECT v FROM identity WHERE k='cluster'", &st);

	if (err)
		return err;
	rc = sqlite3_step(st);
	snprintf(buf, len, "%s",
		 rc == SQLITE_ROW && sqlite3_column_text(st, 0)
		     ? (const char *)sqlite3_column_text(st, 0)
		     : "");
	sqlite3_finalize(st);
	return sq_errno(rc);
}

static int sq_set_id(void *be, const char *id)
{
	struct sq_be *b = be;
	sqlite3_stmt *st;
	int err;

	if ((err = sq_begin(b)))
		return err;
	if ((err =
		 sq_prepare(b, "INSERT OR REPLACE INTO identity(k, v) VALUES('cluster', ?)", &st)))
		goto err_rollback;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	err = sq_step_reset(st);
	sqlite3_finalize(st);
	if (err)
		goto err_rollback;
	return sq_commit(b);

err_rollback:
	sq_rollback(b);
	return err;
}

static void sq_close(void *be)
{
	struct sq_be *b = be;

	if (!b)
		return;
	sq_rollback(b);
	sqlite3_finalize(b->put_kv);
	sqlite3_finalize(b->del_kv);
	sqlite3_finalize(b->put_log);
	sqlite3_finalize(b->set_meta);
	sqlite3_close(b->db);
	free(b);
}

static const struct store_backend_ops sq_ops = {
    .name = "sqlite",
    .load = sq_load,
    .begin = sq_begin,
    .put = sq_put,
    .del = sq_del,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .compact = sq_compact,
    .get_id = sq_get_id,
    .set_id = sq_set_id,
    .close = sq_close,
};

/* PRAGMA quick_check reads every page: a truncated or damaged file is an
 * error here, with SQLite's description, instead of a store that silently
 * lacks objects. It costs about as much as the load that follows. */
static int sq_check(struct sq_be *b, const char *path)
{
	sqlite3_stmt *st;
	const char *res;
	int rc, err = sq_prepare(b, "PRAGMA quick_check", &st);

	if (err)
		return err;
	rc = sqlite3_step(st);
	res = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	if (rc != SQLITE_ROW || !res || strcmp(res, "ok")) {
		pr_err("store: %s is damaged: %s", path, res ? res : sqlite3_errmsg(b->db));
		err = rc == SQLITE_ROW || rc == SQLITE_DONE ? -EUCLEAN : sq_errno(rc);
	}
	sqlite3_finalize(st);
	return err;
}

/* Cap the database (tests exercise a full store with it). */
static int sq_cap(struct sq_be *b, size_t bytes)
{
	char sql[64];
	int64_t page;
	int err = sq_int(b, "PRAGMA page_size", &page);

	if (err || !bytes)
		return err;
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count=%lld",
		 (long long)((int64_t)bytes / (page > 0 ? page : 4096)));
	return sq_exec(b, sql);
}

int store_sqlite_open(const struct store_opts *o, void **be, const struct store_backend_ops **ops)
{
	const char *path = o->path ? o->path : ":memory:";
	struct sq_be *b;
	int rc, err;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	rc = sqlite3_open_v2(
	    path, &b->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		pr_err("store: cannot open %s: %s", path, sqlite3_errmsg(b->db));
		err = sq_errno(rc);
		goto err_close;
	}
	/* EXCLUSIVE (set before the first WAL access): one process owns the
	 * file, as the data-dir lock already ensures, and SQLite keeps the WAL
	 * index in memory instead of a -shm file it would have to create —
	 * which a full disk refuses, so a restart could not even read.
	 * WAL: one fsync per commit; FULL: fsync the WAL at every COMMIT,
	 * which is what makes an acknowledged write durable. */
	if ((err = sq_exec(b, "PRAGMA locking_mode=EXCLUSIVE")) ||
	    (err = sq_exec(b, "PRAGMA journal_mode=WAL")) ||
	    (err = sq_exec(b, o->nosync ? "PRAGMA synchronous=OFF" : "PRAGMA synchronous=FULL")) ||
	    (err = sq_exec(b, "PRAGMA busy_timeout=5000")) || (err = sq_check(b, path)) ||
	    (err = sq_exec(b, sq_schema)) || (err = sq_cap(b, o->max_db_bytes)))
		goto err_close;
	if ((err = sq_prepare(b,
			      "INSERT OR REPLACE INTO kv(key, value, create_rev, mod_rev)"
			      " VALUES(?, ?, ?, ?)",
			      &b->put_kv)) ||
	    (err = sq_prepare(b, "DELETE FROM kv WHERE key = ?", &b->del_kv)) ||
	    (err = sq_prepare(b,
			      "INSERT INTO log(rev, type, key, value, prev, ts)"
			      " VALUES(?, ?, ?, ?, ?, ?)",
			      &b->put_log)) ||
	    (err =
		 sq_prepare(b, "INSERT OR REPLACE INTO meta(k, v) VALUES('rev', ?)", &b->set_meta)))
		goto err_close;
	*be = b;
	*ops = &sq_ops;
	return 0;

err_close:
	sq_close(b);
	return err;
}
