/* res_events: events.k8s.io/v1 Event, a view of the core/v1 Events (one
 * stored object, two forms: resource.h "Views"). The conversion is
 * upstream's (pkg/apis/events/v1/conversion.go): regarding is
 * involvedObject, note is message, reportingController is
 * reportingComponent, and the core-only source, firstTimestamp,
 * lastTimestamp and count are the deprecated* fields; the rest carry over.
 * Creates through events.k8s.io get its stricter checks (ValidateEventCreate
 * for events/v1), in the view's field names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "res_util.h"

/* events validation.go limits */
#define EV_REPORTING_INSTANCE_MAX 128
#define EV_ACTION_MAX		  128
#define EV_REASON_MAX		  128
#define EV_NOTE_MAX		  1024

extern const struct res_type res_events;

/* {core name, events.k8s.io name} */
static const char *const ev_renames[][2] = {
    {"involvedObject", "regarding"},
    {"message", "note"},
    {"reportingComponent", "reportingController"},
    {"source", "deprecatedSource"},
    {"firstTimestamp", "deprecatedFirstTimestamp"},
    {"lastTimestamp", "deprecatedLastTimestamp"},
    {"count", "deprecatedCount"},
};

/* Rename obj[from] to `to` where it stands (members keep their order). */
static void ev_rename(cJSON *obj, const char *from, const char *to)
{
	cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, from);
	char *n;

	if (!it || cJSON_GetObjectItemCaseSensitive(obj, to))
		return;
	n = strdup(to);
	if (!n)
		return;
	if (!(it->type & cJSON_StringIsConst))
		free(it->string);
	it->type &= ~cJSON_StringIsConst;
	it->string = n;
}

/* Go omits these when empty in the view that has omitempty on them. */
static void ev_drop_empty(cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (cJSON_IsNull(v) || (cJSON_IsString(v) && !v->valuestring[0]) ||
	    (cJSON_IsNumber(v) && v->valuedouble == 0))
		cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
}

static void ev_from_storage(cJSON *obj)
{
	for (size_t i = 0; i < sizeof(ev_renames) / sizeof(ev_renames[0]); i++)
		ev_rename(obj, ev_renames[i][0], ev_renames[i][1]);
	ev_drop_empty(obj, "reportingController");
	ev_drop_empty(obj, "reportingInstance");
	ev_drop_empty(obj, "deprecatedCount");
}

static void ev_to_storage(cJSON *obj)
{
	for (size_t i = 0; i < sizeof(ev_renames) / sizeof(ev_renames[0]); i++)
		ev_rename(obj, ev_renames[i][1], ev_renames[i][0]);
	/* core/v1 has no omitempty on these two */
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(obj, "reportingComponent"))) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "reportingComponent");
		cJSON_AddStringToObject(obj, "reportingComponent", "");
	}
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(obj, "reportingInstance"))) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "reportingInstance");
		cJSON_AddStringToObject(obj, "reportingInstance", "");
	}
}

/* A required string of at most max bytes (0: no limit). */
static void ev_check_str(const cJSON *obj, const char *key, size_t max, bool required,
			 struct verrs *e)
{
	const cJSON *v = res_typed(obj, key, key, RES_STR, e);
	char d[64];

	if (!v && res_get(obj, key))
		return;
	if (required && (!v || !v->valuestring[0])) {
		verrs_required(e, key, "");
		return;
	}
	if (v && max && strlen(v->valuestring) > max) {
		snprintf(d, sizeof(d), "can have at most %zu characters", max);
		verrs_invalid(e, key, "\"\"", d);
	}
}

/* ValidateEventCreate for events.k8s.io/v1 (the view form); updates keep
 * the core checks only. */
static void ev_validate_v1(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	static const char *const unset[] = {"deprecatedFirstTimestamp", "deprecatedLastTimestamp",
					    "deprecatedCount", NULL};
	const char *type = json_str(obj, "type");
	const cJSON *ctl, *ser;
	char d[RES_VAL + 32];

	if (old)
		return;
	ser = res_typed(obj, "series", "series", RES_OBJ, e);
	if (ser) {
		long long n = 0;

		if (!res_int(ser, "count", &n) || n < 2)
			verrs_invalid(e, "series.count", "\"\"", "should be at least 2");
		if (!json_str(ser, "lastObservedTime"))
			verrs_required(e, "series.lastObservedTime", "");
	}
	if (!json_str(obj, "eventTime"))
		verrs_required(e, "eventTime", "");
	if (!type || (strcmp(type, "Normal") && strcmp(type, "Warning"))) {
		snprintf(d, sizeof(d), "has invalid value: %.*s", RES_VAL, type ? type : "");
		verrs_invalid(e, "type", "\"\"", d);
	}
	for (int i = 0; unset[i]; i++) {
		const cJSON *v = res_get(obj, unset[i]);

		if (v && !(cJSON_IsNumber(v) && v->valuedouble == 0))
			verrs_invalid(e, unset[i], "\"\"", "needs to be unset");
	}
	ev_check_str(obj, "reportingController", 0, true, e);
	ctl = res_get(obj, "reportingController");
	if (cJSON_IsString(ctl) && ctl->valuestring[0])
		res_check_qualified_name(e, "reportingController", ctl->valuestring);
	ev_check_str(obj, "reportingInstance", EV_REPORTING_INSTANCE_MAX, true, e);
	ev_check_str(obj, "action", EV_ACTION_MAX, true, e);
	ev_check_str(obj, "reason", EV_REASON_MAX, true, e);
	ev_check_str(obj, "note", EV_NOTE_MAX, false, e);
}

const struct res_type res_events_v1 = {
    .plural = "events",
    .singular = "event",
    .kind = "Event",
    .list_kind = "EventList",
    .group = "events.k8s.io",
    .version = "v1",
    .api_version = "events.k8s.io/v1",
    .namespaced = true,
    .short_names = {"ev", NULL},
    .unconditional_update = true,
    .validate = ev_validate_v1,
    .storage = &res_events,
    .to_storage = ev_to_storage,
    .from_storage = ev_from_storage,
};
