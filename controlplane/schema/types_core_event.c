/* types_core_event: core/v1 tables for Event (the same objects the
 * events.k8s.io/v1 view shows under other field names). */
#include "types_core.h"
#include "types_meta.h"
#include "types_def.h"

static const struct sch_field sch_core_v1_EventSource_fields[] = {
    SF_STR("component", 1, OM, "The component that reported the event."),
    SF_STR("host", 2, OM, "The node name the event was reported from."),
};
CORE_TYPE(EventSource, 0, "Who reported an event.");

static const struct sch_field sch_core_v1_EventSeries_fields[] = {
    SF_I32("count", 1, OM, "How many times the event has occurred in this series."),
    SF_SCALAR("lastObservedTime", 2, SCH_MICROTIME, OM, "When the last occurrence was seen."),
};
CORE_TYPE(EventSeries, 0, "A series of repeated occurrences of one event.");

static const struct sch_field sch_core_v1_Event_fields[] = {
    SF_TYPEMETA,
    /* Without omitempty in Go, unlike the other kinds. */
    SF_OBJ("metadata", 1, sch_meta_v1_ObjectMeta, REQ,
	   "Standard object metadata: name, namespace, labels, annotations and the fields "
	   "the server maintains."),
    SF_OBJ("involvedObject", 2, sch_core_v1_ObjectReference, REQ, "The object the event is about."),
    SF_STR("reason", 3, OM, "A short CamelCase reason for the object's transition."),
    SF_STR("message", 4, OM, "A human-readable description of what happened."),
    SF_OBJ("source", 5, sch_core_v1_EventSource, OM,
	   "Who reported the event; replaced by reportingComponent and reportingInstance."),
    SF_TIME("firstTimestamp", 6, OM, "When the event was first recorded."),
    SF_TIME("lastTimestamp", 7, OM, "When the event was last recorded."),
    SF_I32("count", 8, OM, "How many times the event has occurred."),
    SF_STR("type", 9, OM, "Normal or Warning."),
    SF_SCALAR("eventTime", 10, SCH_MICROTIME, OM,
	      "When the event was first observed, in microseconds."),
    SF_OBJ("series", 11, sch_core_v1_EventSeries, 0,
	   "The series the event belongs to, if repeated."),
    SF_STR("action", 12, OM, "What was done, or failed, about the object."),
    SF_OBJ("related", 13, sch_core_v1_ObjectReference, 0, "A second object involved, if any."),
    SF_STR("reportingComponent", 14, 0,
	   "The controller that emitted the event, e.g. kubernetes.io/kubelet."),
    SF_STR("reportingInstance", 15, 0, "The instance of that controller, e.g. the kubelet's node."),
};
CORE_KIND(Event, "A report of something that happened in the cluster, about one object.");
CORE_LIST(Event, "The events.");
