/* kl_events: the kubelet's Events about its pods, in upstream kubelet's
 * reasons and words (Pulled, Created, Started, Killing, BackOff,
 * Unhealthy, Failed, FailedCreatePodSandBox), so `kubectl describe pod`
 * and `kubectl get events` tell what happened on the node. They go out as
 * POSTs that nobody waits for. The same event about the same pod again
 * within ten minutes is a PATCH of the first one's count and
 * lastTimestamp (upstream's aggregation), so a probe failing every second
 * is one Event with a count, not thousands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cjson/cJSON.h"
#include "kclient.h"
#include "kl_int.h"
#include "kl_pod.h"
#include "ktime.h"
#include "log.h"
#include "strmap.h"

#define KE_WINDOW 600 /* seconds an Event is counted rather than repeated */
#define KE_MAX	  2048

struct ke_seen {
	char name[320];
	int count;
	time_t last;
};

struct kl_events {
	struct strmap seen; /* "<uid>\n<reason>\n<message>" -> struct ke_seen */
	unsigned seq;
};

static void ke_done(void *ud, const struct kresp *r)
{
	if (r->status >= 300 && r->status != 404)
		pr_debug("kubelet: an event was not recorded (%ld)", r->status);
}

static void ke_free_one(void *ud, const char *key, void *val)
{
	free(val);
}

static void ke_forget_all(struct kl_events *e)
{
	strmap_foreach(&e->seen, ke_free_one, NULL);
	strmap_free(&e->seen); /* and empty again */
}

void kl_events_free(struct kubelet *k)
{
	if (!k->events)
		return;
	ke_forget_all(k->events);
	free(k->events);
	k->events = NULL;
}

void kl_event(struct kl_pod *p, const char *ctr, const char *type, const char *reason,
	      const char *fmt, ...)
{
	struct kubelet *k = p->pp->k;
	struct ke_seen *s;
	char msg[1024], key[1400], now[32], path[700], fp[128];
	cJSON *ev, *io, *md;
	char *body;
	va_list ap;

	if (!k->events) {
		k->events = calloc(1, sizeof(*k->events));
		if (!k->events)
			return;
		strmap_init(&k->events->seen);
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ktime_now(now, sizeof(now));
	snprintf(key, sizeof(key), "%s\n%s\n%s", p->uid, reason, msg);
	s = strmap_get(&k->events->seen, key);
	if (s && time(NULL) - s->last < KE_WINDOW) {
		char patch[160];

		s->count++;
		s->last = time(NULL);
		snprintf(patch, sizeof(patch), "{\"count\":%d,\"lastTimestamp\":\"%s\"}", s->count,
			 now);
		snprintf(path, sizeof(path), "/api/v1/namespaces/%s/events/%s", p->ns, s->name);
		kreq_send(k->c, k->loop, "PATCH", path, "application/merge-patch+json", patch,
			  strlen(patch), ke_done, NULL);
		return;
	}
	ev = cJSON_CreateObject();
	if (!ev)
		return;
	if (!s) {
		if (k->events->seen.n >= KE_MAX)
			ke_forget_all(k->events); /* coarse, and rare: counts restart */
		s = calloc(1, sizeof(*s));
		if (s && strmap_put(&k->events->seen, key, s, NULL)) {
			free(s);
			s = NULL;
		}
	}
	md = cJSON_AddObjectToObject(ev, "metadata");
	char name[320];

	snprintf(name, sizeof(name), "%.200s.%llx%04x", p->name, (unsigned long long)time(NULL),
		 ++k->events->seq & 0xffff);
	cJSON_AddStringToObject(md, "name", name);
	cJSON_AddStringToObject(md, "namespace", p->ns);
	io = cJSON_AddObjectToObject(ev, "involvedObject");
	cJSON_AddStringToObject(io, "kind", "Pod");
	cJSON_AddStringToObject(io, "namespace", p->ns);
	cJSON_AddStringToObject(io, "name", p->name);
	cJSON_AddStringToObject(io, "uid", p->uid);
	cJSON_AddStringToObject(io, "apiVersion", "v1");
	if (ctr) {
		snprintf(fp, sizeof(fp), "spec.containers{%.100s}", ctr);
		cJSON_AddStringToObject(io, "fieldPath", fp);
	}
	cJSON_AddStringToObject(ev, "reason", reason);
	cJSON_AddStringToObject(ev, "message", msg);
	cJSON *src = cJSON_AddObjectToObject(ev, "source");

	cJSON_AddStringToObject(src, "component", "kubelet");
	cJSON_AddStringToObject(src, "host", k->o.node_name);
	cJSON_AddStringToObject(ev, "firstTimestamp", now);
	cJSON_AddStringToObject(ev, "lastTimestamp", now);
	cJSON_AddNumberToObject(ev, "count", 1);
	cJSON_AddStringToObject(ev, "type", type);
	{
		char micro[40]; /* see ctrl_event.c: events.k8s.io readers need it */

		ktime_micro_now(micro, sizeof(micro));
		cJSON_AddStringToObject(ev, "eventTime", micro);
	}
	cJSON_AddStringToObject(ev, "reportingComponent", "kubelet");
	cJSON_AddStringToObject(ev, "reportingInstance", k->o.node_name);
	body = cJSON_PrintUnformatted(ev);
	cJSON_Delete(ev);
	if (!body)
		return;
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/events", p->ns);
	kreq_send(k->c, k->loop, "POST", path, "application/json", body, strlen(body), ke_done,
		  NULL);
	free(body);
	if (s) {
		snprintf(s->name, sizeof(s->name), "%s", name);
		s->count = 1;
		s->last = time(NULL);
	}
}
