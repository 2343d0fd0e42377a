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

/* A page walk into a text: "key=value;" per accepted key. Keys whose
 * value holds "skip" are visited but not accepted (a selector miss). */
struct page_log {
	char text[8192];
	char last[128]; /* the last key accepted */
	size_t visited;
};

static bool page_cb(void *ud, const struct store_kv *kv)
{
	struct page_log *l = ud;
	size_t n = strlen(l->text);

	l->visited++;
	if (strstr(kv->value, "skip"))
		return false;
	snprintf(l->text + n, sizeof(l->text) - n, "%s=%s;", kv->key, kv->value);
	snprintf(l->last, sizeof(l->last), "%s", kv->key);
	return true;
}

static void snap_cb(void *ud, const struct store_kv *kv)
{
	page_cb(ud, kv);
}

/* List the prefix at rev in pages of `limit`, each page starting after the
 * last key of the one before, into l; checks remaining on every page. */
static void list_pages(struct store *st, const char *prefix, int64_t rev, size_t limit,
		       struct page_log *l)
{
	char last[128] = "";
	struct store_page pg = {.prefix = prefix, .rev = rev, .limit = limit};

	for (;;) {
		int n = store_list_at(st, &pg, page_cb, l);

		assert_true(n >= 0);
		assert_true((size_t)n <= limit);
		if (!pg.remaining)
			break;
		/* more is left only after a full page */
		assert_int_equal(n, limit);
		/* the next page starts after this page's last accepted key */
		snprintf(last, sizeof(last), "%s", l->last);
		pg.start = last;
		pg.after = true;
	}
}

static void test_list_at_revision(void **state)
{
	struct store *st = open_mem(1000);
	struct page_log snap = {0}, pages = {0};
	struct store_page pg = {.prefix = "/registry/s/", .limit = 2};
	char key[64], val[64];
	int64_t rev;

	for (int i = 0; i < 7; i++) {
		snprintf(key, sizeof(key), "/registry/s/ns/o%d", i);
		snprintf(val, sizeof(val), "{\"v\":%d}", i);
		store_create(st, key, val);
	}
	store_create(st, "/registry/t/ns/o0", "{}");
	store_commit(st);
	rev = store_rev(st);
	store_list(st, "/registry/s/", snap_cb, &snap);
	/* after the first page: deletes, updates, creates, a delete and
	 * re-create, in the listed range and beside it */
	store_delete(st, "/registry/s/ns/o1", 0, NULL);
	store_update(st, "/registry/s/ns/o3", "{\"v\":33}", 0);
	store_update(st, "/registry/s/ns/o3", "{\"v\":333}", 0);
	store_create(st, "/registry/s/ns/o25", "{\"v\":25}");
	store_create(st, "/registry/s/ns/o9", "{\"v\":9}");
	store_delete(st, "/registry/s/ns/o6", 0, NULL);
	store_create(st, "/registry/s/ns/o6", "{\"v\":66}");
	store_create(st, "/registry/s/ns/a", "{}");
	store_create(st, "/registry/t/ns/o1", "{}");
	store_commit(st);
	list_pages(st, "/registry/s/", rev, 2, &pages);
	assert_string_equal(pages.text, snap.text);
	/* every page size gives the same snapshot */
	for (size_t lim = 1; lim <= 8; lim++) {
		struct page_log p = {0};

		list_pages(st, "/registry/s/", rev, lim, &p);
		assert_string_equal(p.text, snap.text);
	}
	/* remaining counts what existed at rev after the page: 7 - 2 */
	pages = (struct page_log){0};
	pg.rev = rev;
	assert_int_equal(store_list_at(st, &pg, page_cb, &pages), 2);
	assert_int_equal(pg.remaining, 5);
	/* at the current revision it is the current state: 9 objects */
	pg = (struct store_page){.prefix = "/registry/s/", .rev = store_rev(st), .limit = 2};
	assert_int_equal(store_list_at(st, &pg, page_cb, &pages), 2);
	assert_int_equal(pg.remaining, 7);
	/* an inclusive start, and a start before the prefix */
	pages = (struct page_log){0};
	pg =
	    (struct store_page){.prefix = "/registry/s/", .start = "/registry/s/ns/o5", .rev = rev};
	assert_int_equal(store_list_at(st, &pg, page_cb, &pages), 2);
	assert_string_equal(pages.text, "/registry/s/ns/o5={\"v\":5};/registry/s/ns/o6={\"v\":6};");
	assert_int_equal(pg.remaining, 0);
	pages = (struct page_log){0};
	pg = (struct store_page){.prefix = "/registry/s/", .start = "/a", .rev = rev};
	assert_int_equal(store_list_at(st, &pg, page_cb, &pages), 7);
	/* a revision ahead of the store */
	pg.rev = store_rev(st) + 1;
	assert_int_equal(store_list_at(st, &pg, page_cb, &pages), -EINVAL);
	store_close(st);
}

/* Keys the callback does not accept are visited but do not fill the page,
 * and are still counted in remaining (upstream's hasMore). */
static void test_list_at_filtered(void **state)
{
	struct store *st = open_mem(1000);
	struct page_log l = {0};
	struct store_page pg = {.prefix = "/r/", .limit = 2};

	store_create(st, "/r/a", "{\"skip\":1}");
	store_create(st, "/r/b", "{}");
	store_create(st, "/r/c", "{\"skip\":1}");
	store_create(st, "/r/d", "{}");
	store_create(st, "/r/e", "{\"skip\":1}");
	store_commit(st);
	pg.rev = store_rev(st);
	assert_int_equal(store_list_at(st, &pg, page_cb, &l), 2);
	assert_string_equal(l.text, "/r/b={};/r/d={};");
	assert_int_equal(l.visited, 4);
	assert_int_equal(pg.remaining, 1);
	store_close(st);
}

/* Random writes after a snapshot: every paged walk at its revision equals
 * the snapshot, whatever happened since. */
static void test_list_at_random(void **state)
{
	struct store *st = open_mem(100000);
	unsigned seed = 7;

	for (int round = 0; round < 20; round++) {
		struct page_log snap = {0}, pages = {0};
		int64_t rev;

		for (int i = 0; i < 40; i++) {
			char key[32], val[32];
			const struct store_kv *kv;

			seed = seed * 1103515245 + 12345;
			snprintf(key, sizeof(key), "/p/%02u", (seed >> 8) % 60);
			snprintf(val, sizeof(val), "{\"r\":%d}", round * 100 + i);
			kv = store_get(st, key);
			if (!kv)
				store_create(st, key, val);
			else if ((seed >> 20) % 3 == 0)
				store_delete(st, key, 0, NULL);
			else
				store_update(st, key, val, 0);
			if (i == 20) {
				store_commit(st);
				rev = store_rev(st);
				snap = (struct page_log){0};
				store_list(st, "/p/", snap_cb, &snap);
			}
		}
		store_commit(st);
		list_pages(st, "/p/", rev, 1 + round % 7, &pages);
		assert_string_equal(pages.text, snap.text);
	}
	store_close(st);
}

/* A revision older than the retained history cannot be rebuilt. */
static void test_list_at_compacted(void **state)
{
	struct store *st = open_mem(3);
	struct page_log l = {0};
	struct store_page pg = {.prefix = "/k/", .rev = 2};
	char key[32];

	for (int i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "/k/%d", i);
		store_create(st, key, "{}");
	}
	store_commit(st);
	sleep(2);
	assert_int_equal(store_compact(st), 0);
	assert_int_equal(store_list_at(st, &pg, page_cb, &l), -ERANGE);
	pg.rev = store_oldest_rev(st);
	assert_int_equal(store_list_at(st, &pg, page_cb, &l), 7);
	store_close(st);
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
	    cmocka_unit_test(test_list_at_revision),
	    cmocka_unit_test(test_list_at_filtered),
	    cmocka_unit_test(test_list_at_random),
	    cmocka_unit_test(test_list_at_compacted),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
