/* types_events: the events.k8s.io/v1 tables (Event, the structured view
 * of the same objects as core/v1 Event). */
#ifndef SKIFF_SCHEMA_TYPES_EVENTS_H
#define SKIFF_SCHEMA_TYPES_EVENTS_H

#include "schema.h"

extern const struct sch_type sch_events_v1_Event;
extern const struct sch_type sch_events_v1_EventList;
extern const struct sch_type sch_events_v1_EventSeries;

#endif
