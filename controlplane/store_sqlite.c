/* store_sqlite: the embedded store backend on SQLite in WAL mode.
 *
 * Two tables: `kv` holds the current value of every key, `log` one row per
 * revision (the watch history that survives a restart). A transaction is
 * opened at the first write of an event-loop iteration and committed by
 * store_commit(); with synchronous=FULL the WAL is fsynced before COMMIT
 * returns, so an acknowledged write survives SIGKILL and power loss.
 */
#include <errno.h>
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
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL);";

static int sq_exec(struct sq_be *b, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(b->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		pr_err("store: sqlite: %s: %s", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

static int sq_load(void *be, store_kv_cb kv_cb, store_event_cb ev_cb, void *ud, int64_t *rev,
		   int64_t *compact_rev)
{
	struct sq_be *b = be;
	sqlite3_stmt *st;
	int rc;

	*rev = 0;
	*compact_rev = 0;
	if (sqlite3_prepare_v2(b->db, "SELECT v FROM meta WHERE k='compact'", -1, &st, NULL))
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW)
		*compact_rev = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(b->db, "SELECT v FROM meta WHERE k='rev'", -1, &st, NULL))
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW)
		*rev = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);

	if (sqlite3_prepare_v2(b->db, "SELECT key, value, create_rev, mod_rev FROM kv", -1, &st,
			       NULL))
		return -EIO;
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
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -EIO;

	if (sqlite3_prepare_v2(b->db,
			       "SELECT rev, type, key, value, prev, ts FROM log ORDER BY rev", -1,
			       &st, NULL))
		return -EIO;
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
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

static int sq_begin(void *be)
{
	struct sq_be *b = be;

	if (b->in_txn)
		return 0;
	if (sq_exec(b, "BEGIN IMMEDIATE"))
		return -EIO;
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
		return -EIO;
	}
	return 0;
}

static int sq_log(struct sq_be *b, const struct store_event *ev)
{
	sqlite3_bind_int64(b->put_log, 1, ev->rev);
	sqlite3_bind_int(b->put_log, 2, ev->type);
	sqlite3_bind_text(b->put_log, 3, ev->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(b->put_log, 4, ev->value, -1, SQLITE_STATIC);
	if (ev->prev)
		sqlite3_bind_text(b->put_log, 5, ev->prev, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(b->put_log, 5);
	sqlite3_bind_int64(b->put_log, 6, (int64_t)ev->ts);
	if (sq_step_reset(b->put_log))
		return -EIO;
	sqlite3_bind_int64(b->set_meta, 1, ev->rev);
	return sq_step_reset(b->set_meta);
}

static int sq_put(void *be, const struct store_event *ev, int64_t create_rev)
{
	struct sq_be *b = be;

	if (sq_begin(b))
		return -EIO;
	sqlite3_bind_text(b->put_kv, 1, ev->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(b->put_kv, 2, ev->value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(b->put_kv, 3, create_rev);
	sqlite3_bind_int64(b->put_kv, 4, ev->rev);
	if (sq_step_reset(b->put_kv))
		return -EIO;
	return sq_log(b, ev);
}

static int sq_del(void *be, const struct store_event *ev)
{
	struct sq_be *b = be;

	if (sq_begin(b))
		return -EIO;
	sqlite3_bind_text(b->del_kv, 1, ev->key, -1, SQLITE_STATIC);
	if (sq_step_reset(b->del_kv))
		return -EIO;
	return sq_log(b, ev);
}

static int sq_commit(void *be)
{
	struct sq_be *b = be;

	if (!b->in_txn)
		return 0;
	b->in_txn = false;
	return sq_exec(b, "COMMIT");
}

static int sq_compact(void *be, int64_t rev)
{
	struct sq_be *b = be;
	sqlite3_stmt *st;
	int rc;

	if (sq_begin(b))
		return -EIO;
	if (sqlite3_prepare_v2(b->db, "DELETE FROM log WHERE rev <= ?", -1, &st, NULL))
		return -EIO;
	sqlite3_bind_int64(st, 1, rev);
	rc = sq_step_reset(st);
	sqlite3_finalize(st);
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(b->db, "INSERT OR REPLACE INTO meta(k, v) VALUES('compact', ?)", -1,
			       &st, NULL))
		return -EIO;
	sqlite3_bind_int64(st, 1, rev);
	rc = sq_step_reset(st);
	sqlite3_finalize(st);
	return rc;
}

static void sq_close(void *be)
{
	struct sq_be *b = be;

	if (!b)
		return;
	if (b->in_txn)
		sq_exec(b, "ROLLBACK");
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
    .compact = sq_compact,
    .close = sq_close,
};

int store_sqlite_open(const char *path, bool nosync, void **be,
		      const struct store_backend_ops **ops)
{
	struct sq_be *b;
	int err = -EIO;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	if (sqlite3_open_v2(path ? path : ":memory:", &b->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		pr_err("store: cannot open %s: %s", path, sqlite3_errmsg(b->db));
		goto err_close;
	}
	/* WAL: readers never block the writer; FULL: fsync the WAL at every
	 * COMMIT, which is what makes an acknowledged write durable. */
	if (sq_exec(b, "PRAGMA journal_mode=WAL") ||
	    sq_exec(b, nosync ? "PRAGMA synchronous=OFF" : "PRAGMA synchronous=FULL") ||
	    sq_exec(b, "PRAGMA busy_timeout=5000") || sq_exec(b, sq_schema))
		goto err_close;
	if (sqlite3_prepare_v2(b->db,
			       "INSERT OR REPLACE INTO kv(key, value, create_rev, mod_rev)"
			       " VALUES(?, ?, ?, ?)",
			       -1, &b->put_kv, NULL) ||
	    sqlite3_prepare_v2(b->db, "DELETE FROM kv WHERE key = ?", -1, &b->del_kv, NULL) ||
	    sqlite3_prepare_v2(b->db,
			       "INSERT INTO log(rev, type, key, value, prev, ts)"
			       " VALUES(?, ?, ?, ?, ?, ?)",
			       -1, &b->put_log, NULL) ||
	    sqlite3_prepare_v2(b->db, "INSERT OR REPLACE INTO meta(k, v) VALUES('rev', ?)", -1,
			       &b->set_meta, NULL)) {
		pr_err("store: prepare: %s", sqlite3_errmsg(b->db));
		goto err_close;
	}
	*be = b;
	*ops = &sq_ops;
	return 0;

err_close:
	sq_close(b);
	return err;
}
