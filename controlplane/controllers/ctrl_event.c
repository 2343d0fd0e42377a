/* ctrl_event: the controllers' event recorder (client-go's EventRecorder
 * with its correlator, simplified). An event about an object is written as
 * a core/v1 Event `<object>.<hex>` in the object's namespace; the same
 * (object uid, type, reason, message) again within ten minutes bumps that
 * Event's count and lastTimestamp instead of making a new one, as
 * upstream's aggregation does, so a pod that cannot be scheduled for an
 * hour is one Event with a count, not thousands. The recorder remembers
 * at most CE_MAX recent events (the oldest is forgotten first). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "apiserver/api.h"
#include "controllers.h"
#include "ktime.h"
#include "log.h"
#include "strmap.h"

#define CE_MAX	  4096
#define CE_WINDOW 600 /* seconds an Event is bumped rather than repeated */

struct ce_seen {
	char *key;
	char name[300]; /* the Event's name */
	char ns[254];
	int count;
	time_t last;
	struct ce_seen *older, *newer; /* recency list */
};

struct ctrl_events {
	struct api *a;
	char component[64];
	struct strmap seen; /* correlation key -> struct ce_seen */
	struct ce_seen *oldest, *newest;
	size_t n;
	unsigned seq;
};

struct ctrl_events *ctrl_events_new(struct api *a, const char *component)
{
	struct ctrl_events *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->a = a;
	snprintf(r->component, sizeof(r->component), "%s", component);
	strmap_init(&r->seen);
	return r;
}

static void ce_unlink(struct ctrl_events *r, struct ce_seen *s)
{
	if (s->older)
		s->older->newer = s->newer;
	else
		r->oldest = s->newer;
	if (s->newer)
		s->newer->older = s->older;
	else
		r->newest = s->older;
	s->older = s->newer = NULL;
}

static void ce_push(struct ctrl_events *r, struct ce_seen *s)
{
	s->older = r->newest;
	s->newer = NULL;
	if (r->newest)
		r->newest->newer = s;
	else
		r->oldest = s;
	r->newest = s;
}

static void ce_forget(struct ctrl_events *r, struct ce_seen *s)
{
	ce_unlink(r, s);
	strmap_del(&r->seen, s->key);
	free(s->key);
	free(s);
	r->n--;
}

void ctrl_events_free(struct ctrl_events *r)
{
	if (!r)
		return;
	while (r->oldest)
		ce_forget(r, r->oldest);
	strmap_free(&r->seen);
	free(r);
}

/* Bump the remembered Event s: count+1, lastTimestamp now. false if it is
 * gone (deleted, expired) and a new one must be made. */
static bool ce_bump(struct ctrl_events *r, struct ce_seen *s, const char *now)
{
	const struct res_type *rt = res_lookup("", "v1", "events");
	char key[600], msg[256];
	const struct store_kv *kv;
	cJSON *ev;
	int code;
	int64_t rev;

	api_key(key, sizeof(key), rt, s->ns, s->name);
	kv = store_get(r->a->store, key);
	if (!kv || !(ev = cJSON_Parse(kv->value)))
		return false;
	cJSON_DeleteItemFromObjectCaseSensitive(ev, "count");
	cJSON_AddNumberToObject(ev, "count", s->count + 1);
	cJSON_DeleteItemFromObjectCaseSensitive(ev, "lastTimestamp");
	cJSON_AddStringToObject(ev, "lastTimestamp", now);
	rev = api_store_update(r->a, rt, s->ns, "", ev, kv->mod_rev, &code, msg, sizeof(msg));
	cJSON_Delete(ev);
	if (rev < 0)
		return false;
	s->count++;
	return true;
}

void ctrl_event(struct ctrl_events *r, const cJSON *obj, const char *type, const char *reason,
		const char *fmt, ...)
{
	const struct res_type *rt = res_lookup("", "v1", "events");
	const char *kind = json_str(obj, "kind"), *name = json_str(obj, "metadata.name");
	const char *ns = json_str(obj, "metadata.namespace"), *uid = json_str(obj, "metadata.uid");
	char message[1024], now[32], ename[300], emsg[256];
	struct ce_seen *s;
	cJSON *ev, *io;
	char *key;
	size_t klen;
	va_list ap;
	int code;

	if (!r || !name)
		return;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (!ns || !*ns)
		ns = "default"; /* upstream puts a cluster object's events there */
	api_meta_now(now);
	klen = strlen(uid ? uid : name) + strlen(type) + strlen(reason) + strlen(message) + 4;
	key = malloc(klen);
	if (!key)
		return;
	snprintf(key, klen, "%s\n%s\n%s\n%s", uid ? uid : name, type, reason, message);
	s = strmap_get(&r->seen, key);
	if (s && time(NULL) - s->last < CE_WINDOW && ce_bump(r, s, now)) {
		s->last = time(NULL);
		ce_unlink(r, s);
		ce_push(r, s);
		free(key);
		return;
	}
	if (s)
		ce_forget(r, s);
	/* upstream's name: the object's name and a hex timestamp */
	snprintf(ename, sizeof(ename), "%.200s.%llx%04x", name, (unsigned long long)time(NULL),
		 ++r->seq & 0xffff);
	ev = cJSON_CreateObject();
	if (!ev) {
		free(key);
		return;
	}
	cJSON_AddStringToObject(ev, "apiVersion", "v1");
	cJSON_AddStringToObject(ev, "kind", "Event");
	cJSON *md = cJSON_AddObjectToObject(ev, "metadata");
	cJSON_AddStringToObject(md, "name", ename);
	cJSON_AddStringToObject(md, "namespace", ns);
	io = cJSON_AddObjectToObject(ev, "involvedObject");
	if (kind)
		cJSON_AddStringToObject(io, "kind", kind);
	cJSON_AddStringToObject(io, "name", name);
	if (json_str(obj, "metadata.namespace"))
		cJSON_AddStringToObject(io, "namespace", json_str(obj, "metadata.namespace"));
	if (uid)
		cJSON_AddStringToObject(io, "uid", uid);
	if (json_str(obj, "apiVersion"))
		cJSON_AddStringToObject(io, "apiVersion", json_str(obj, "apiVersion"));
	if (json_str(obj, "metadata.resourceVersion"))
		cJSON_AddStringToObject(io, "resourceVersion",
					json_str(obj, "metadata.resourceVersion"));
	cJSON_AddStringToObject(ev, "reason", reason);
	cJSON_AddStringToObject(ev, "message", message);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(ev, "source"), "component", r->component);
	cJSON_AddStringToObject(ev, "firstTimestamp", now);
	cJSON_AddStringToObject(ev, "lastTimestamp", now);
	cJSON_AddNumberToObject(ev, "count", 1);
	cJSON_AddStringToObject(ev, "type", type);
	/* set, as upstream's events.k8s.io recorder does: clients that read
	 * Events through events.k8s.io/v1 (the python client's model) refuse
	 * a null eventTime */
	{
		char micro[40];

		ktime_micro_now(micro, sizeof(micro));
		cJSON_AddStringToObject(ev, "eventTime", micro);
	}
	cJSON_AddStringToObject(ev, "reportingComponent", r->component);
	cJSON_AddStringToObject(ev, "reportingInstance", "");
	code = api_store_create(r->a, rt, ns, ev, &code, emsg, sizeof(emsg));
	cJSON_Delete(ev);
	if (code) {
		pr_debug("event %s/%s not recorded: %s", ns, ename, emsg);
		free(key);
		return;
	}
	s = calloc(1, sizeof(*s));
	if (!s || strmap_put(&r->seen, key, s, NULL)) {
		free(s);
		free(key);
		return;
	}
	s->key = key;
	snprintf(s->name, sizeof(s->name), "%s", ename);
	snprintf(s->ns, sizeof(s->ns), "%s", ns);
	s->count = 1;
	s->last = time(NULL);
	ce_push(r, s);
	if (++r->n > CE_MAX)
		ce_forget(r, r->oldest);
}
