/* events.k8s.io/v1 Event: who reported what about which object. The same
 * stored objects as core/v1 Event; the deprecated* fields carry the core
 * view's fields across. */
#include "types_events.h"
#include "types_common.h"

static const struct sch_field event_series_fields[] = {
    SF_I32("count", 1, REQ, "How many times the event occurred up to the last heartbeat."),
    SF_SCALAR("lastObservedTime", 2, SCH_MICROTIME, REQ,
	      "When the series was last seen before the last heartbeat."),
};

const struct sch_type sch_events_v1_EventSeries = {
    .name = "io.k8s.api.events.v1.EventSeries",
    .desc = "A repeating event summarized as a count and a last-seen time; reporters decide "
	    "how often to update it.",
    .fields = SCH_FIELDS(event_series_fields),
};

static const struct sch_field event_fields[] = {
    SF_TYPEMETA,
    /* Unlike most kinds, Event's metadata has no omitempty upstream. */
    SF_OBJ("metadata", 1, sch_meta_v1_ObjectMeta, 0,
	   "Standard object metadata: name, namespace, labels, annotations and the fields "
	   "the server maintains."),
    SF_SCALAR("eventTime", 2, SCH_MICROTIME, REQ, "When the event was first observed."),
    SF_OBJ("series", 3, sch_events_v1_EventSeries, 0,
	   "The series this event stands for; unset for a one-off event."),
    SF_STR("reportingController", 4, OM,
	   "The controller that emitted the event, e.g. kubernetes.io/kubelet; required "
	   "for new events."),
    SF_STR("reportingInstance", 5, OM,
	   "Which instance of that controller emitted it (at most 128 characters); "
	   "required for new events."),
    SF_STR("action", 6, OM,
	   "The machine-readable action taken or failed on the regarding object (at most "
	   "128 characters); required for new events."),
    SF_STR("reason", 7, OM,
	   "Why the action was taken, human-readable (at most 128 characters); required "
	   "for new events."),
    SF_OBJ("regarding", 8, sch_core_v1_ObjectReference, 0,
	   "The object the event is about, usually one the reporting controller manages."),
    SF_OBJ("related", 9, sch_core_v1_ObjectReference, 0,
	   "A second object involved, e.g. one the action created or deleted."),
    SF_STR("note", 10, OM,
	   "A human-readable description of what happened; at most 1kB is expected, "
	   "readers should accept up to 64kB."),
    SF_STR("type", 11, OM, "Normal or Warning (more may come); required for new events."),
    SF_OBJ("deprecatedSource", 12, sch_core_v1_EventSource, 0,
	   "The core/v1 source field, kept for compatibility."),
    SF_TIME("deprecatedFirstTimestamp", 13, 0,
	    "The core/v1 firstTimestamp field, kept for compatibility."),
    SF_TIME("deprecatedLastTimestamp", 14, 0,
	    "The core/v1 lastTimestamp field, kept for compatibility."),
    SF_I32("deprecatedCount", 15, OM, "The core/v1 count field, kept for compatibility."),
};

const struct sch_type sch_events_v1_Event = {
    .name = "io.k8s.api.events.v1.Event",
    .desc = "A report of something that happened in the cluster, usually a state change. "
	    "Events expire; treat them as best-effort information.",
    .fields = SCH_FIELDS(event_fields),
    .group = "events.k8s.io",
    .version = "v1",
    .kind = "Event",
};

SCH_DEFINE_LIST(sch_events_v1_EventList, sch_events_v1_Event, "io.k8s.api.events.v1.EventList",
		"events.k8s.io", "v1", "Event", "The Events in this list.");
