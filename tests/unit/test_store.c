/* Unit tests of the revisioned store (store.c + store_sqlite.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>
#include "store/store.h"

struct evlog {
	int n;
	int64_t revs[64];
	int types[64];
	char keys[64][64];
};

static void log_ev(void *ud, const struct store_event *ev)
{
	struct evlog *l = ud;

	if (l->n < 64) {
		l->revs[l->n] = ev->rev;
		l->types[l->n] = ev->type;
		snprintf(l->keys[l->n], 64, "%s", ev->key);
		l->n++;
	}
}

static struct store *open_mem(size_t hist)
{
	struct store_opts o = {.path = ":memory:",
			       .history_min_events = hist,
			       .history_min_seconds = 1,
			       .nosync = true};
	struct store *st = NULL;

	assert_int_equal(store_open(&o, &st), 0);
	return st;
}

static void test_revisions_and_conditions(void **state)
{
	struct store *st = open_mem(100);

	assert_int_equal(store_rev(st), 0);
	assert_int_equal(store_create(st, "/registry/a/x", "{\"v\":1}"), 1);
	assert_int_equal(store_create(st, "/registry/a/x", "{}"), -EEXIST);
	assert_int_equal(store_create(st, "/registry/a/y", "{\"v\":2}"), 2);
	/* conditional update: stale revision refused, right one accepted */
	assert_int_equal(store_update(st, "/registry/a/x", "{\"v\":3}", 2), -ESTALE);
	assert_int_equal(store_update(st, "/registry/a/x", "{\"v\":3}", 1), 3);
	assert_int_equal(store_update(st, "/registry/a/none", "{}", 0), -ENOENT);
	assert_string_equal(store_get(st, "/registry/a/x")->value, "{\"v\":3}");
	assert_int_equal(store_get(st, "/registry/a/x")->create_rev, 1);
	assert_int_equal(store_get(st, "/registry/a/x")->mod_rev, 3);
	assert_int_equal(store_delete(st, "/registry/a/y", 1, NULL), -ESTALE);
	assert_int_equal(store_delete(st, "/registry/a/y", 2, NULL), 4);
	assert_null(store_get(st, "/registry/a/y"));
	assert_int_equal(store_delete(st, "/registry/a/y", 0, NULL), -ENOENT);
	assert_int_equal(store_commit(st), 0);
	store_close(st);
}

static void count_cb(void *ud, const struct store_kv *kv)
{
	char *buf = ud;

	strcat(buf, kv->key);
	strcat(buf, ";");
}

static void test_list_prefix_order(void **state)
{
	struct store *st = open_mem(100);
	char buf[512] = "";

	store_create(st, "/registry/services/b/z", "{}");
	store_create(st, "/registry/services/a/y", "{}");
	store_create(st, "/registry/services/a/x", "{}");
	store_create(st, "/registry/servicesX/a/x", "{}");
	store_create(st, "/registry/pods/a/x", "{}");
	assert_int_equal(store_list(st, "/registry/services/", count_cb, buf), 3);
	assert_string_equal(
	    buf, "/registry/services/a/x;/registry/services/a/y;/registry/services/b/z;");
	assert_int_equal(store_count(st, "/registry/services/a/"), 2);
	assert_int_equal(store_count(st, "/registry/nothing/"), 0);
	store_close(st);
}

static void test_watch_and_replay(void **state)
{
	struct store *st = open_mem(100);
	struct evlog live = {0}, replay = {0};

	assert_int_equal(store_subscribe(st, log_ev, &live), 0);
	store_create(st, "/k/1", "{}");
	store_create(st, "/k/2", "{}");
	/* nothing is dispatched before the commit makes it durable */
	assert_int_equal(live.n, 0);
	assert_true(store_dirty(st));
	assert_int_equal(store_commit(st), 0);
	assert_false(store_dirty(st));
	assert_int_equal(live.n, 2);
	assert_int_equal(live.revs[0], 1);
	assert_int_equal(live.types[1], STORE_ADDED);
	store_update(st, "/k/1", "{\"a\":1}", 0);
	store_delete(st, "/k/2", 0, NULL);
	/* replay sees only committed events */
	assert_int_equal(store_replay(st, 1, log_ev, &replay), 0);
	assert_int_equal(replay.n, 1);
	store_commit(st);
	assert_int_equal(live.n, 4);
	assert_int_equal(live.types[2], STORE_MODIFIED);
	assert_int_equal(live.types[3], STORE_DELETED);
	replay.n = 0;
	assert_int_equal(store_replay(st, 2, log_ev, &replay), 0);
	assert_int_equal(replay.n, 2);
	assert_int_equal(replay.revs[0], 3);
	assert_int_equal(replay.revs[1], 4);
	store_unsubscribe(st, log_ev, &live);
	store_create(st, "/k/3", "{}");
	store_commit(st);
	assert_int_equal(live.n, 4);
	store_close(st);
}

static void test_compaction_gives_erange(void **state)
{
	struct store *st = open_mem(3);
	struct evlog l = {0};
	char key[32];

	for (int i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "/k/%d", i);
		store_create(st, key, "{}");
	}
	store_commit(st);
	sleep(2); /* history_min_seconds = 1: everything is old enough now */
	assert_int_equal(store_compact(st), 0);
	/* at least 3 revisions are kept: 8, 9, 10 */
	assert_int_equal(store_oldest_rev(st), 7);
	assert_int_equal(store_replay(st, 7, log_ev, &l), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(store_replay(st, 6, log_ev, &l), -ERANGE);
	assert_int_equal(store_replay(st, 1, log_ev, &l), -ERANGE);
	store_close(st);
}

/* A store file in a new temporary dir: dir is a mkdtemp template. */
static void tmp_store(char *dir, char *path, size_t len, struct store_opts *o)
{
	assert_non_null(mkdtemp(dir));
	snprintf(path, len, "%s/store.db", dir);
	o->path = path;
}

static void rm_store(char *dir, char *path, size_t len)
{
	static const char *const files[] = {"store.db", "store.db-wal", "store.db-shm"};

	for (size_t i = 0; i < 3; i++) {
		snprintf(path, len, "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void test_durable_reopen(void **state)
{
	char dir[] = "/tmp/skiff-store-XXXXXX", path[128];
	struct store_opts o = {.history_min_events = 100, .history_min_seconds = 300};
	struct store *st;
	struct evlog l = {0};

	tmp_store(dir, path, sizeof(path), &o);
	assert_int_equal(store_open(&o, &st), 0);
	store_create(st, "/k/a", "{\"a\":1}");
	store_create(st, "/k/b", "{\"b\":1}");
	store_delete(st, "/k/b", 0, "{\"b\":\"last\"}");
	store_commit(st);
	store_create(st, "/k/uncommitted", "{}"); /* never committed: must vanish */
	store_close(st);

	assert_int_equal(store_open(&o, &st), 0);
	assert_int_equal(store_rev(st), 3);
	assert_non_null(store_get(st, "/k/a"));
	assert_null(store_get(st, "/k/b"));
	assert_null(store_get(st, "/k/uncommitted"));
	/* history survives the restart: a watcher can resume from rev 1 */
	assert_int_equal(store_replay(st, 1, log_ev, &l), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.types[1], STORE_DELETED);
	assert_int_equal(store_create(st, "/k/c", "{}"), 4);
	store_commit(st);
	store_close(st);
	rm_store(dir, path, sizeof(path));
}

/* A batch the backend refuses (the database is full) is rolled back as a
 * whole: memory equals the disk again, no event is dispatched, the
 * revisions are handed out again, and the next batch works. */
static void test_failed_commit_rolls_back(void **state)
{
	struct store_opts o = {.path = ":memory:",
			       .history_min_events = 100,
			       .history_min_seconds = 300,
			       .nosync = true,
			       .max_db_bytes = 128 * 1024};
	struct store *st = NULL;
	struct evlog live = {0}, replay = {0};
	size_t big_len = 512 * 1024;
	char *big = malloc(big_len + 16);
	const struct store_kv *kv;

	assert_non_null(big);
	snprintf(big, 16, "{\"v\":\"");
	memset(big + 6, 'x', big_len);
	strcpy(big + 6 + big_len, "\"}");
	assert_int_equal(store_open(&o, &st), 0);
	assert_int_equal(store_create(st, "/k/a", "{\"v\":1}"), 1);
	assert_int_equal(store_create(st, "/k/del", "{\"d\":1}"), 2);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_subscribe(st, log_ev, &live), 0);

	/* one batch: an update, a delete, then a create too big for the disk */
	assert_int_equal(store_update(st, "/k/a", "{\"v\":2}", 1), 3);
	assert_int_equal(store_delete(st, "/k/del", 0, NULL), 4);
	assert_int_equal(store_create(st, "/k/big", big), 5);
	assert_int_equal(store_commit(st), -ENOSPC);
	assert_false(store_dirty(st));
	assert_int_equal(store_rev(st), 2);
	assert_int_equal(store_rolled_back(st), 3);
	assert_int_equal(live.n, 0);
	kv = store_get(st, "/k/a");
	assert_non_null(kv);
	assert_string_equal(kv->value, "{\"v\":1}");
	assert_int_equal(kv->create_rev, 1);
	assert_int_equal(kv->mod_rev, 1);
	kv = store_get(st, "/k/del");
	assert_non_null(kv);
	assert_string_equal(kv->value, "{\"d\":1}");
	assert_int_equal(kv->create_rev, 2);
	assert_int_equal(kv->mod_rev, 2);
	assert_null(store_get(st, "/k/big"));
	assert_int_equal(store_count(st, "/k/"), 2);
	assert_int_equal(store_replay(st, 0, log_ev, &replay), 0);
	assert_int_equal(replay.n, 2);

	/* the next batch gets the rolled-back revision and is dispatched */
	assert_int_equal(store_update(st, "/k/a", "{\"v\":3}", 1), 3);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(live.n, 1);
	assert_int_equal(live.revs[0], 3);
	assert_int_equal(live.types[0], STORE_MODIFIED);
	assert_string_equal(live.keys[0], "/k/a");
	store_close(st);
	free(big);
}

static void exec_sql(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* Rows that are not JSON objects, or history rows of an unknown type, are
 * skipped at load and counted, never served. */
static void test_corrupt_rows_skipped(void **state)
{
	char dir[] = "/tmp/skiff-store-XXXXXX", path[128];
	struct store_opts o = {.history_min_events = 100, .history_min_seconds = 300};
	struct store *st;
	struct evlog l = {0};

	tmp_store(dir, path, sizeof(path), &o);
	assert_int_equal(store_open(&o, &st), 0);
	store_create(st, "/k/a", "{\"a\":1}");
	store_create(st, "/k/b", "{\"b\":1}");
	store_create(st, "/k/c", "{\"c\":1}");
	store_update(st, "/k/c", "{\"c\":2}", 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_corrupt_rows(st), 0);
	store_close(st);

	exec_sql(path, "UPDATE kv SET value='{\"b\":' WHERE key='/k/b';"
		       "UPDATE log SET type=7 WHERE rev=4;"
		       "UPDATE log SET value='[1]' WHERE rev=1;");
	assert_int_equal(store_open(&o, &st), 0);
	assert_int_equal(store_corrupt_rows(st), 3);
	assert_null(store_get(st, "/k/b"));
	assert_string_equal(store_get(st, "/k/a")->value, "{\"a\":1}");
	assert_string_equal(store_get(st, "/k/c")->value, "{\"c\":2}");
	assert_int_equal(store_count(st, "/k/"), 2);
	/* history: revisions 2 and 3 remain, 1 and 4 are gone */
	assert_int_equal(store_replay(st, 1, log_ev, &l), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.revs[0], 2);
	assert_int_equal(l.revs[1], 3);
	/* the revision counter still covers the skipped rows */
	assert_int_equal(store_rev(st), 4);
	store_close(st);
	rm_store(dir, path, sizeof(path));
}

static void test_cluster_id(void **state)
{
	char dir[] = "/tmp/skiff-store-XXXXXX", path[128];
	struct store_opts o = {.history_min_events = 100, .history_min_seconds = 300};
	struct store *st;

	tmp_store(dir, path, sizeof(path), &o);
	assert_int_equal(store_open(&o, &st), 0);
	assert_string_equal(store_cluster_id(st), "");
	store_create(st, "/k/a", "{}");
	/* not inside a batch that is not durable yet */
	assert_int_equal(store_set_cluster_id(st, "c1"), -EBUSY);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_set_cluster_id(st, "c1"), 0);
	assert_string_equal(store_cluster_id(st), "c1");
	store_close(st);
	assert_int_equal(store_open(&o, &st), 0);
	assert_string_equal(store_cluster_id(st), "c1");
	store_close(st);
	/* a file that is not a database is an error, not an empty store */
	rm_store(dir, path, sizeof(path));
	strcpy(dir, "/tmp/skiff-store-XXXXXX");
	tmp_store(dir, path, sizeof(path), &o);
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		for (int i = 0; i < 512; i++)
			fputs("garbage!", f);
		fclose(f);
	}
	assert_int_equal(store_open(&o, &st), -EUCLEAN);
	rm_store(dir, path, sizeof(path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_revisions_and_conditions),
	    cmocka_unit_test(test_list_prefix_order),
	    cmocka_unit_test(test_watch_and_replay),
	    cmocka_unit_test(test_compaction_gives_erange),
	    cmocka_unit_test(test_durable_reopen),
	    cmocka_unit_test(test_failed_commit_rolls_back),
	    cmocka_unit_test(test_corrupt_rows_skipped),
	    cmocka_unit_test(test_cluster_id),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
