/* Unit tests of the controller framework: the in-process informer over the
 * store (list, committed events only, cache) and the work queue
 * (deduplication, back-off retries, a new change cutting a back-off short). */
#include <errno.h>
#include <ev.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "controllers/controllers.h"
#include "store/store.h"

static struct store *open_mem(void)
{
	struct store_opts o = {.path = ":memory:", .history_min_events = 100, .nosync = true};
	struct store *st = NULL;

	assert_int_equal(store_open(&o, &st), 0);
	return st;
}

struct seen {
	int upserts, removes, synced;
	char last_key[64];
	char last_name[64];
	int old_present;
};

static void on_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	struct seen *s = ud;
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(md, "name");

	s->upserts++;
	s->old_present += old != NULL;
	snprintf(s->last_key, sizeof(s->last_key), "%s", key);
	snprintf(s->last_name, sizeof(s->last_name), "%s", cJSON_IsString(n) ? n->valuestring : "");
}

static void on_remove(void *ud, const char *key, const cJSON *old)
{
	struct seen *s = ud;

	s->removes++;
	snprintf(s->last_key, sizeof(s->last_key), "%s", key);
}

static void on_synced(void *ud)
{
	((struct seen *)ud)->synced++;
}

static const struct informer_ops ops = {on_upsert, on_remove, on_synced};

static void test_informer(void **state)
{
	struct store *st = open_mem();
	struct seen s = {0};
	struct ctrl_informer *inf;

	assert_true(store_create(st, "/registry/services/default/a",
				 "{\"metadata\":{\"name\":\"a\"}}") > 0);
	assert_true(
	    store_create(st, "/registry/pods/default/p", "{\"metadata\":{\"name\":\"p\"}}") > 0);
	assert_int_equal(store_commit(st), 0);
	inf = ctrl_informer_new(st, "/registry/services/", &ops, &s);
	assert_non_null(inf);
	assert_int_equal(ctrl_informer_start(inf), 0);
	/* the list: only the prefix, keyed namespace/name, then synced */
	assert_int_equal(s.upserts, 1);
	assert_int_equal(s.synced, 1);
	assert_string_equal(s.last_key, "default/a");
	assert_non_null(ctrl_informer_get(inf, "default/a"));
	assert_null(ctrl_informer_get(inf, "default/p"));

	/* a write is seen only once it is committed */
	assert_true(store_update(st, "/registry/services/default/a",
				 "{\"metadata\":{\"name\":\"a\",\"labels\":{\"x\":\"1\"}}}",
				 0) > 0);
	assert_int_equal(s.upserts, 1);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(s.upserts, 2);
	assert_int_equal(s.old_present, 1);
	assert_non_null(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(ctrl_informer_get(inf, "default/a"), "metadata"),
	    "labels"));

	/* many keys: the cache grows and keeps every one */
	for (int i = 0; i < 300; i++) {
		char key[64], val[96];

		snprintf(key, sizeof(key), "/registry/services/ns%d/s%d", i % 7, i);
		snprintf(val, sizeof(val), "{\"metadata\":{\"name\":\"s%d\"}}", i);
		assert_true(store_create(st, key, val) > 0);
	}
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(s.upserts, 302);
	assert_string_equal(
	    cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(ctrl_informer_get(inf, "ns3/s178"), "metadata"),
		"name")
		->valuestring,
	    "s178");

	assert_true(store_delete(st, "/registry/services/default/a", 0, NULL) > 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(s.removes, 1);
	assert_string_equal(s.last_key, "default/a");
	assert_null(ctrl_informer_get(inf, "default/a"));
	ctrl_informer_free(inf);
	store_close(st);
}

struct qstate {
	struct ev_loop *loop;
	int calls[4];
	int fail_first; /* key "b" fails this many times */
	int rounds;
	ev_tstamp b_times[8];
	int nb;
};

static int q_sync(void *ud, const char *key)
{
	struct qstate *q = ud;
	int i = key[0] - 'a';

	q->calls[i]++;
	if (i == 1) {
		q->b_times[q->nb < 8 ? q->nb++ : 7] = ev_time();
		if (q->calls[1] <= q->fail_first)
			return -EAGAIN;
	}
	return 0;
}

static void q_after(void *ud)
{
	((struct qstate *)ud)->rounds++;
}

static void q_stop(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

static void run_for(struct ev_loop *loop, double secs)
{
	ev_timer t;

	ev_timer_init(&t, q_stop, secs, 0);
	ev_timer_start(loop, &t);
	ev_run(loop, 0);
	ev_timer_stop(loop, &t);
}

static void test_queue(void **state)
{
	struct qstate s = {.loop = ev_loop_new(0), .fail_first = 3};
	struct ctrl_queue *q = ctrl_queue_new(s.loop, q_sync, q_after, &s);

	assert_non_null(q);
	/* deduplicated: a key added three times is synced once */
	assert_int_equal(ctrl_queue_add(q, "a"), 0);
	assert_int_equal(ctrl_queue_add(q, "a"), 0);
	assert_int_equal(ctrl_queue_add(q, "a"), 0);
	assert_int_equal(ctrl_queue_len(q), 1);
	run_for(s.loop, 0.05);
	assert_int_equal(s.calls[0], 1);
	assert_true(s.rounds >= 1);
	assert_int_equal(ctrl_queue_len(q), 0);

	/* a failing key is retried with growing delays until it succeeds */
	assert_int_equal(ctrl_queue_add(q, "b"), 0);
	run_for(s.loop, 0.5);
	assert_int_equal(s.calls[1], 4);
	assert_true(s.b_times[2] - s.b_times[1] > s.b_times[1] - s.b_times[0]);
	assert_int_equal(ctrl_queue_len(q), 0);

	/* a new change during a long back-off is looked at at once */
	s.fail_first = 100;
	s.calls[1] = 0;
	s.nb = 0;
	assert_int_equal(ctrl_queue_add(q, "b"), 0);
	run_for(s.loop, 0.2); /* several failures: the next wait is long */
	{
		int before = s.calls[1];

		assert_true(before >= 3);
		assert_int_equal(ctrl_queue_add(q, "b"), 0);
		run_for(s.loop, 0.01);
		assert_int_equal(s.calls[1], before + 1);
	}
	ctrl_queue_free(q);
	ev_loop_destroy(s.loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_informer),
	    cmocka_unit_test(test_queue),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
