/* autoscaling/v2 metrics: what an autoscaler scales on (MetricSpec and its
 * five sources, each with a MetricTarget) and what it last read
 * (MetricStatus, the same five shapes with a MetricValueStatus). Exactly
 * one source field matching `type` is set in each. */
#include "types_autoscaling.h"
#include "types_common.h"

static const struct sch_field metric_identifier_fields[] = {
    SF_STR("name", 1, REQ, "The metric's name."),
    SF_OBJ("selector", 2, sch_meta_v1_LabelSelector, 0,
	   "Passed to the metrics server to narrow the metric down; unset selects by name "
	   "only."),
};

const struct sch_type sch_autoscaling_v2_MetricIdentifier = {
    .name = "io.k8s.api.autoscaling.v2.MetricIdentifier",
    .desc = "Names a metric, optionally narrowed by a label selector.",
    .fields = SCH_FIELDS(metric_identifier_fields),
};

static const struct sch_field metric_target_fields[] = {
    SF_STR("type", 1, REQ, "Which field holds the target: Utilization, Value or AverageValue."),
    SF_SCALAR("value", 2, SCH_QUANTITY, 0, "The metric's target value."),
    SF_SCALAR("averageValue", 3, SCH_QUANTITY, 0,
	      "The target of the metric averaged over the relevant pods."),
    SF_I32("averageUtilization", 4, 0,
	   "The target of the pods' average use as a percentage of their requests; for "
	   "Resource and ContainerResource metrics only."),
};

const struct sch_type sch_autoscaling_v2_MetricTarget = {
    .name = "io.k8s.api.autoscaling.v2.MetricTarget",
    .desc = "The value, average value or average utilization a metric should be kept at.",
    .fields = SCH_FIELDS(metric_target_fields),
};

static const struct sch_field metric_value_status_fields[] = {
    SF_SCALAR("value", 1, SCH_QUANTITY, 0, "The metric's current value."),
    SF_SCALAR("averageValue", 2, SCH_QUANTITY, 0,
	      "The metric's current value averaged over the relevant pods."),
    SF_I32("averageUtilization", 3, 0,
	   "The pods' current average use as a percentage of their requests."),
};

const struct sch_type sch_autoscaling_v2_MetricValueStatus = {
    .name = "io.k8s.api.autoscaling.v2.MetricValueStatus",
    .desc = "The current value of a metric.",
    .fields = SCH_FIELDS(metric_value_status_fields),
};

/* --- sources --- */

/* The pieces the five sources and five statuses are made of. */
#define METRIC_ID_FIELD(num)                                                                       \
	SF_OBJ("metric", num, sch_autoscaling_v2_MetricIdentifier, REQ, "Which metric.")
#define METRIC_TARGET_FIELD(num)                                                                   \
	SF_OBJ("target", num, sch_autoscaling_v2_MetricTarget, REQ,                                \
	       "The value (or pods' average) to keep the metric at.")
#define METRIC_CURRENT_FIELD(num)                                                                  \
	SF_OBJ("current", num, sch_autoscaling_v2_MetricValueStatus, REQ,                          \
	       "The metric's value (or pods' average) as last read.")
#define METRIC_DESCRIBED_OBJECT_FIELD(num)                                                         \
	SF_OBJ("describedObject", num, sch_autoscaling_v2_CrossVersionObjectReference, REQ,        \
	       "The object the metric describes.")
#define METRIC_RESOURCE_NAME_FIELD SF_STR("name", 1, REQ, "The resource, e.g. cpu or memory.")
#define METRIC_CONTAINER_FIELD                                                                     \
	SF_STR("container", 3, REQ, "The container, in each pod of the target, whose use counts.")

static const struct sch_field object_source_fields[] = {
    METRIC_DESCRIBED_OBJECT_FIELD(1),
    METRIC_TARGET_FIELD(2),
    METRIC_ID_FIELD(3),
};

const struct sch_type sch_autoscaling_v2_ObjectMetricSource = {
    .name = "io.k8s.api.autoscaling.v2.ObjectMetricSource",
    .desc = "Scale on a metric of one Kubernetes object, such as requests per second on an "
	    "Ingress.",
    .fields = SCH_FIELDS(object_source_fields),
};

/* Pods and External sources differ in where the metric comes from, not in
 * shape. */
static const struct sch_field id_target_fields[] = {
    METRIC_ID_FIELD(1),
    METRIC_TARGET_FIELD(2),
};

const struct sch_type sch_autoscaling_v2_PodsMetricSource = {
    .name = "io.k8s.api.autoscaling.v2.PodsMetricSource",
    .desc = "Scale on a metric every pod of the target reports, averaged over the pods.",
    .fields = SCH_FIELDS(id_target_fields),
};

const struct sch_type sch_autoscaling_v2_ExternalMetricSource = {
    .name = "io.k8s.api.autoscaling.v2.ExternalMetricSource",
    .desc = "Scale on a metric from outside the cluster, such as a queue length.",
    .fields = SCH_FIELDS(id_target_fields),
};

static const struct sch_field resource_source_fields[] = {
    METRIC_RESOURCE_NAME_FIELD,
    METRIC_TARGET_FIELD(2),
};

const struct sch_type sch_autoscaling_v2_ResourceMetricSource = {
    .name = "io.k8s.api.autoscaling.v2.ResourceMetricSource",
    .desc = "Scale on a resource the pods request (cpu, memory), averaged over the pods.",
    .fields = SCH_FIELDS(resource_source_fields),
};

static const struct sch_field container_resource_source_fields[] = {
    METRIC_RESOURCE_NAME_FIELD,
    METRIC_TARGET_FIELD(2),
    METRIC_CONTAINER_FIELD,
};

const struct sch_type sch_autoscaling_v2_ContainerResourceMetricSource = {
    .name = "io.k8s.api.autoscaling.v2.ContainerResourceMetricSource",
    .desc = "Scale on a resource one named container of each pod requests.",
    .fields = SCH_FIELDS(container_resource_source_fields),
};

static const struct sch_field metric_spec_fields[] = {
    SF_STR("type", 1, REQ,
	   "The source: ContainerResource, External, Object, Pods or Resource, naming the "
	   "field that is set."),
    SF_OBJ("object", 2, sch_autoscaling_v2_ObjectMetricSource, 0,
	   "A metric of one Kubernetes object."),
    SF_OBJ("pods", 3, sch_autoscaling_v2_PodsMetricSource, 0,
	   "A per-pod metric averaged over the target's pods."),
    SF_OBJ("resource", 4, sch_autoscaling_v2_ResourceMetricSource, 0,
	   "A requested resource averaged over the target's pods."),
    SF_OBJ("containerResource", 7, sch_autoscaling_v2_ContainerResourceMetricSource, 0,
	   "A requested resource of one container in each pod."),
    SF_OBJ("external", 5, sch_autoscaling_v2_ExternalMetricSource, 0,
	   "A metric from outside the cluster."),
};

const struct sch_type sch_autoscaling_v2_MetricSpec = {
    .name = "io.k8s.api.autoscaling.v2.MetricSpec",
    .desc = "One metric to scale on: its type and the matching source.",
    .fields = SCH_FIELDS(metric_spec_fields),
};

/* --- statuses --- */

static const struct sch_field object_status_fields[] = {
    METRIC_ID_FIELD(1),
    METRIC_CURRENT_FIELD(2),
    METRIC_DESCRIBED_OBJECT_FIELD(3),
};

const struct sch_type sch_autoscaling_v2_ObjectMetricStatus = {
    .name = "io.k8s.api.autoscaling.v2.ObjectMetricStatus",
    .desc = "The last reading of a metric of one Kubernetes object.",
    .fields = SCH_FIELDS(object_status_fields),
};

static const struct sch_field id_current_fields[] = {
    METRIC_ID_FIELD(1),
    METRIC_CURRENT_FIELD(2),
};

const struct sch_type sch_autoscaling_v2_PodsMetricStatus = {
    .name = "io.k8s.api.autoscaling.v2.PodsMetricStatus",
    .desc = "The last reading of a per-pod metric.",
    .fields = SCH_FIELDS(id_current_fields),
};

const struct sch_type sch_autoscaling_v2_ExternalMetricStatus = {
    .name = "io.k8s.api.autoscaling.v2.ExternalMetricStatus",
    .desc = "The last reading of a metric from outside the cluster.",
    .fields = SCH_FIELDS(id_current_fields),
};

static const struct sch_field resource_status_fields[] = {
    METRIC_RESOURCE_NAME_FIELD,
    METRIC_CURRENT_FIELD(2),
};

const struct sch_type sch_autoscaling_v2_ResourceMetricStatus = {
    .name = "io.k8s.api.autoscaling.v2.ResourceMetricStatus",
    .desc = "The last reading of a requested resource averaged over the pods.",
    .fields = SCH_FIELDS(resource_status_fields),
};

static const struct sch_field container_resource_status_fields[] = {
    METRIC_RESOURCE_NAME_FIELD,
    METRIC_CURRENT_FIELD(2),
    METRIC_CONTAINER_FIELD,
};

const struct sch_type sch_autoscaling_v2_ContainerResourceMetricStatus = {
    .name = "io.k8s.api.autoscaling.v2.ContainerResourceMetricStatus",
    .desc = "The last reading of a requested resource of one container in each pod.",
    .fields = SCH_FIELDS(container_resource_status_fields),
};

static const struct sch_field metric_status_fields[] = {
    SF_STR("type", 1, REQ,
	   "The source: ContainerResource, External, Object, Pods or Resource, naming the "
	   "field that is set."),
    SF_OBJ("object", 2, sch_autoscaling_v2_ObjectMetricStatus, 0,
	   "The reading of an object metric."),
    SF_OBJ("pods", 3, sch_autoscaling_v2_PodsMetricStatus, 0, "The reading of a per-pod metric."),
    SF_OBJ("resource", 4, sch_autoscaling_v2_ResourceMetricStatus, 0,
	   "The reading of a requested resource."),
    SF_OBJ("containerResource", 7, sch_autoscaling_v2_ContainerResourceMetricStatus, 0,
	   "The reading of one container's requested resource."),
    SF_OBJ("external", 5, sch_autoscaling_v2_ExternalMetricStatus, 0,
	   "The reading of an external metric."),
};

const struct sch_type sch_autoscaling_v2_MetricStatus = {
    .name = "io.k8s.api.autoscaling.v2.MetricStatus",
    .desc = "The last reading of one metric: its type and the matching status.",
    .fields = SCH_FIELDS(metric_status_fields),
};
