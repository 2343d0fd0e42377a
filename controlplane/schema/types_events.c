/* events.k8s.io/v1 Event: who reported what about which object. The same
 * stored objects as core/v1 Event; the deprecated* fields carry the core
 * view's fields across. */
#include "types_events.h"
#include "types_common.h"

static const struct sch_field event_series_fields[] = {
    {
	.name = "count",
	.pb = 1,
	.kind = SCH_INT32,
	.flags = SCH_F_REQUIRED,
	.desc = "How many times the event occurred up to the last heartbeat.",
    },
    {
	.name = "lastObservedTime",
	.pb = 2,
	.kind = SCH_MICROTIME,
	.flags = SCH_F_REQUIRED,
	.desc = "When the series was last seen before the last heartbeat.",
    },
};

const struct sch_type sch_events_v1_EventSeries = {
    .name = "io.k8s.api.events.v1.EventSeries",
    .desc = "A repeating event summarized as a count and a last-seen time; reporters decide "
	    "how often to update it.",
    .fields = SCH_FIELDS(event_series_fields),
};

static const struct sch_field event_fields[] = {
    {
	/* Unlike most kinds, Event's metadata has no omitempty upstream. */
	.name = "metadata",
	.pb = 1,
	.kind = SCH_OBJECT,
	.type = &sch_meta_v1_ObjectMeta,
	.desc = "Standard object metadata: name, namespace, labels, annotations and the "
		"fields the server maintains.",
    },
    {
	.name = "eventTime",
	.pb = 2,
	.kind = SCH_MICROTIME,
	.flags = SCH_F_REQUIRED,
	.desc = "When the event was first observed.",
    },
    {
	.name = "series",
	.pb = 3,
	.kind = SCH_OBJECT,
	.type = &sch_events_v1_EventSeries,
	.desc = "The series this event stands for; unset for a one-off event.",
    },
    {
	.name = "reportingController",
	.pb = 4,
	.kind = SCH_STRING,
	.flags = SCH_F_OMITEMPTY,
	.desc = "The controller that emitted the event, e.g. kubernetes.io/kubelet; required "
		"for new events.",
    },
    {
	.name = "reportingInstance",
	.pb = 5,
	.kind = SCH_STRING,
	.flags = SCH_F_OMITEMPTY,
	.desc = "Which instance of that controller emitted it (at most 128 characters); "
		"required for new events.",
    },
    {
	.name = "action",
	.pb = 6,
	.kind = SCH_STRING,
	.flags = SCH_F_OMITEMPTY,
	.desc = "The machine-readable action taken or failed on the regarding object (at most "
		"128 characters); required for new events.",
    },
    {
	.name = "reason",
	.pb = 7,
	.kind = SCH_STRING,
	.flags = SCH_F_OMITEMPTY,
	.desc = "Why the action was taken, human-readable (at most 128 characters); required "
		"for new events.",
    },
    {
	.name = "regarding",
	.pb = 8,
	.kind = SCH_OBJECT,
	.flags = SCH_F_OMITEMPTY,
	.type = &sch_core_v1_ObjectReference,
	.desc = "The object the event is about, usually one the reporting controller manages.",
    },
    {
	.name = "related",
	.pb = 9,
	.kind = SCH_OBJECT,
	.type = &sch_core_v1_ObjectReference,
	.desc = "A second object involved, e.g. one the action created or deleted.",
    },
    {
	.name = "note",
	.pb = 10,
	.kind = SCH_STRING,
	.flags = SCH_F_OMITEMPTY,
	.desc = "A human-readable description of what happened; at most 1kB is expected, "
		"readers should accept up to 64kB.",
    },
    {
	.name = "type",
	.pb = 11,
	.kind = SCH_STRING,
	.flags = SCH_F_OMITEMPTY,
	.desc = "Normal or Warning (more may come); required for new events.",
    },
    {
	.name = "deprecatedSource",
	.pb = 12,
	.kind = SCH_OBJECT,
	.flags = SCH_F_OMITEMPTY,
	.type = &sch_core_v1_EventSource,
	.desc = "The core/v1 source field, kept for compatibility.",
    },
    {
	.name = "deprecatedFirstTimestamp",
	.pb = 13,
	.kind = SCH_TIME,
	.flags = SCH_F_OMITEMPTY,
	.desc = "The core/v1 firstTimestamp field, kept for compatibility.",
    },
    {
	.name = "deprecatedLastTimestamp",
	.pb = 14,
	.kind = SCH_TIME,
	.flags = SCH_F_OMITEMPTY,
	.desc = "The core/v1 lastTimestamp field, kept for compatibility.",
    },
    {
	.name = "deprecatedCount",
	.pb = 15,
	.kind = SCH_INT32,
	.flags = SCH_F_OMITEMPTY,
	.desc = "The core/v1 count field, kept for compatibility.",
    },
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

SCH_LIST_TYPE(sch_events_v1_EventList, "io.k8s.api.events.v1.EventList", sch_events_v1_Event,
	      "events.k8s.io", "v1", "EventList", "Events");
