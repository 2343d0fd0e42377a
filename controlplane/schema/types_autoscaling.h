/* types_autoscaling: the HorizontalPodAutoscaler tables — autoscaling/v1
 * and the v2 object, spec and status (types_autoscaling.c), the v2 metric
 * sources, targets and statuses (types_autoscaling_metrics.c). The v1
 * Scale subresource body lives with the other option/subresource types. */
#ifndef SKIFF_SCHEMA_TYPES_AUTOSCALING_H
#define SKIFF_SCHEMA_TYPES_AUTOSCALING_H

#include "schema.h"

extern const struct sch_type sch_autoscaling_v1_HorizontalPodAutoscaler;
extern const struct sch_type sch_autoscaling_v1_HorizontalPodAutoscalerList;
extern const struct sch_type sch_autoscaling_v1_HorizontalPodAutoscalerSpec;
extern const struct sch_type sch_autoscaling_v1_HorizontalPodAutoscalerStatus;
extern const struct sch_type sch_autoscaling_v1_CrossVersionObjectReference;

extern const struct sch_type sch_autoscaling_v2_HorizontalPodAutoscaler;
extern const struct sch_type sch_autoscaling_v2_HorizontalPodAutoscalerList;
extern const struct sch_type sch_autoscaling_v2_HorizontalPodAutoscalerSpec;
extern const struct sch_type sch_autoscaling_v2_HorizontalPodAutoscalerStatus;
extern const struct sch_type sch_autoscaling_v2_HorizontalPodAutoscalerCondition;
extern const struct sch_type sch_autoscaling_v2_HorizontalPodAutoscalerBehavior;
extern const struct sch_type sch_autoscaling_v2_HPAScalingRules;
extern const struct sch_type sch_autoscaling_v2_HPAScalingPolicy;
extern const struct sch_type sch_autoscaling_v2_CrossVersionObjectReference;

extern const struct sch_type sch_autoscaling_v2_MetricSpec;
extern const struct sch_type sch_autoscaling_v2_MetricIdentifier;
extern const struct sch_type sch_autoscaling_v2_MetricTarget;
extern const struct sch_type sch_autoscaling_v2_ObjectMetricSource;
extern const struct sch_type sch_autoscaling_v2_PodsMetricSource;
extern const struct sch_type sch_autoscaling_v2_ResourceMetricSource;
extern const struct sch_type sch_autoscaling_v2_ContainerResourceMetricSource;
extern const struct sch_type sch_autoscaling_v2_ExternalMetricSource;
extern const struct sch_type sch_autoscaling_v2_MetricStatus;
extern const struct sch_type sch_autoscaling_v2_MetricValueStatus;
extern const struct sch_type sch_autoscaling_v2_ObjectMetricStatus;
extern const struct sch_type sch_autoscaling_v2_PodsMetricStatus;
extern const struct sch_type sch_autoscaling_v2_ResourceMetricStatus;
extern const struct sch_type sch_autoscaling_v2_ContainerResourceMetricStatus;
extern const struct sch_type sch_autoscaling_v2_ExternalMetricStatus;

#endif
