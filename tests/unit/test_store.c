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
#include "store.h"

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

static void test_durable_reopen(void **state)
{
	char dir[] = "/tmp/skiff-store-XXXXXX", path[128];
	struct store_opts o = {.history_min_events = 100, .history_min_seconds = 300};
	struct store *st;
	struct evlog l = {0};

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/store.db", dir);
	o.path = path;
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
	unlink(path);
	snprintf(path, sizeof(path), "%s/store.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/store.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_revisions_and_conditions),
	    cmocka_unit_test(test_list_prefix_order),
	    cmocka_unit_test(test_watch_and_replay),
	    cmocka_unit_test(test_compaction_gives_erange),
	    cmocka_unit_test(test_durable_reopen),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
