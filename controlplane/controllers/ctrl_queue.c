/* ctrl_queue: client-go's rate-limited work queue on the libev loop. A key
 * is queued once however often it is added; a round (a zero-delay timer,
 * which unlike an idle watcher also runs while requests keep the loop busy)
 * syncs up to CQ_ROUND keys, then calls after() so their writes commit
 * together; a key whose sync fails waits 5 ms * 2^failures (at most 5 min)
 * before it is tried again, and a later success forgets its failures. */
#include <errno.h>
#include <ev.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "controllers.h"
#include "strhash.h"

#define CQ_ROUND     128   /* keys per round: bounds the loop's pause */
#define CQ_BASE_WAIT 0.005 /* seconds, first retry */
#define CQ_MAX_WAIT  300.0 /* seconds, longest retry delay */

struct cq_item {
	char *key;
	unsigned fails;
	bool waiting;	      /* in back-off, not in the FIFO */
	ev_tstamp not_before; /* waiting: when it may run again */
	struct cq_item *next; /* FIFO or waiting list */
	struct cq_item *hnext;
};

struct ctrl_queue {
	struct ev_loop *loop;
	int (*sync)(void *ud, const char *key);
	void (*after)(void *ud);
	void *ud;
	ev_timer kick; /* zero-delay: run a round in the next loop iteration */
	ev_timer retry;
	ev_timer resync;
	const struct ctrl_informer *resync_inf;
	bool (*resync_wanted)(const cJSON *obj);
	struct cq_item *head, *tail; /* ready, in order */
	struct cq_item *waiting;     /* in back-off (unordered) */
	struct cq_item *bucket[256]; /* every tracked key, chained by hnext */
	size_t n;
};

static struct cq_item **cq_find(struct ctrl_queue *q, const char *key)
{
	struct cq_item **p = &q->bucket[strhash(key) & 255];

	while (*p && strcmp((*p)->key, key))
		p = &(*p)->hnext;
	return p;
}

static void cq_push(struct ctrl_queue *q, struct cq_item *it)
{
	it->waiting = false;
	it->next = NULL;
	if (q->tail)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	if (!ev_is_active(&q->kick))
		ev_timer_start(q->loop, &q->kick);
}

static void cq_unwait(struct ctrl_queue *q, struct cq_item *it)
{
	for (struct cq_item **p = &q->waiting; *p; p = &(*p)->next) {
		if (*p == it) {
			*p = it->next;
			return;
		}
	}
}

static void cq_arm_retry(struct ctrl_queue *q)
{
	ev_tstamp first = 0;

	ev_timer_stop(q->loop, &q->retry);
	for (struct cq_item *it = q->waiting; it; it = it->next)
		if (!first || it->not_before < first)
			first = it->not_before;
	if (!first)
		return;
	ev_timer_set(&q->retry, first > ev_now(q->loop) ? first - ev_now(q->loop) : 0, 0);
	ev_timer_start(q->loop, &q->retry);
}

static void cq_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctrl_queue *q = w->data;
	struct cq_item **p = &q->waiting;

	while (*p) {
		struct cq_item *it = *p;

		if (it->not_before <= ev_now(loop) + 0.0005) {
			*p = it->next;
			cq_push(q, it);
		} else {
			p = &it->next;
		}
	}
	cq_arm_retry(q);
}

int ctrl_queue_add(struct ctrl_queue *q, const char *key)
{
	struct cq_item **slot = cq_find(q, key), *it = *slot;

	if (it) {
		/* a new change is worth a look now, not after the back-off */
		if (it->waiting) {
			cq_unwait(q, it);
			cq_push(q, it);
			cq_arm_retry(q);
		}
		return 0;
	}
	it = calloc(1, sizeof(*it));
	if (!it || !(it->key = strdup(key))) {
		free(it);
		return -ENOMEM;
	}
	*slot = it;
	q->n++;
	cq_push(q, it);
	return 0;
}

static void cq_forget(struct ctrl_queue *q, struct cq_item *it)
{
	struct cq_item **slot = cq_find(q, it->key);

	*slot = it->hnext;
	q->n--;
	free(it->key);
	free(it);
}

static void cq_kick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctrl_queue *q = w->data;
	int done = 0;

	while (q->head && done++ < CQ_ROUND) {
		struct cq_item *it = q->head;
		double wait;

		q->head = it->next;
		if (!q->head)
			q->tail = NULL;
		if (q->sync(q->ud, it->key) == 0) {
			cq_forget(q, it);
			continue;
		}
		wait = CQ_BASE_WAIT * (double)(1u << (it->fails < 16 ? it->fails : 16));
		if (it->fails < 32)
			it->fails++;
		it->waiting = true;
		it->not_before = ev_now(loop) + (wait < CQ_MAX_WAIT ? wait : CQ_MAX_WAIT);
		it->next = q->waiting;
		q->waiting = it;
	}
	if (q->after)
		q->after(q->ud);
	if (q->head)
		ev_timer_start(loop, w); /* more than a round's worth: go on next time */
	cq_arm_retry(q);
}

static void cq_resync_one(void *ud, const char *key, const cJSON *obj)
{
	struct ctrl_queue *q = ud;

	if (q->resync_wanted(obj))
		ctrl_queue_add(q, key);
}

static void cq_resync_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctrl_queue *q = w->data;

	ctrl_informer_foreach(q->resync_inf, cq_resync_one, q);
}

struct ctrl_queue *ctrl_queue_new(struct ev_loop *loop, int (*sync)(void *ud, const char *key),
				  void (*after)(void *ud), void *ud)
{
	struct ctrl_queue *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->loop = loop;
	q->sync = sync;
	q->after = after;
	q->ud = ud;
	ev_timer_init(&q->kick, cq_kick_cb, 0, 0);
	q->kick.data = q;
	ev_init(&q->retry, cq_retry_cb);
	q->retry.data = q;
	ev_init(&q->resync, cq_resync_cb);
	q->resync.data = q;
	return q;
}

void ctrl_queue_resync(struct ctrl_queue *q, const struct ctrl_informer *inf, double period,
		       bool (*wanted)(const cJSON *obj))
{
	ev_timer_stop(q->loop, &q->resync);
	q->resync_inf = inf;
	q->resync_wanted = wanted;
	ev_timer_set(&q->resync, period, period);
	ev_timer_start(q->loop, &q->resync);
}

size_t ctrl_queue_len(const struct ctrl_queue *q)
{
	return q->n;
}

void ctrl_queue_free(struct ctrl_queue *q)
{
	if (!q)
		return;
	ev_timer_stop(q->loop, &q->kick);
	ev_timer_stop(q->loop, &q->retry);
	ev_timer_stop(q->loop, &q->resync);
	for (size_t i = 0; i < sizeof(q->bucket) / sizeof(q->bucket[0]); i++) {
		for (struct cq_item *it = q->bucket[i], *next; it; it = next) {
			next = it->hnext;
			free(it->key);
			free(it);
		}
	}
	free(q);
}
