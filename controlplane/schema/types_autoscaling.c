/* HorizontalPodAutoscaler, autoscaling/v1 (CPU target only) and v2
 * (object, spec, status, scaling behavior). Both versions are views of the
 * same stored objects. */
#include "types_autoscaling.h"
#include "types_common.h"

/* Fields both versions share word for word. */
#define HPA_MIN_REPLICAS_FIELD                                                                     \
	SF_I32("minReplicas", 2, 0,                                                                \
	       "The fewest replicas the autoscaler scales down to. Defaults to 1; 0 needs the "    \
	       "HPAScaleToZero feature and an Object or External metric.")
#define HPA_MAX_REPLICAS_FIELD                                                                     \
	SF_I32("maxReplicas", 3, REQ,                                                              \
	       "The most replicas the autoscaler scales up to; not below minReplicas.")
#define HPA_OBSERVED_GENERATION_FIELD                                                              \
	SF_I64("observedGeneration", 1, 0, "The metadata.generation the autoscaler last acted on.")
#define HPA_LAST_SCALE_TIME_FIELD                                                                  \
	SF_TIME("lastScaleTime", 2, 0,                                                             \
		"When the autoscaler last changed the replica count; it paces further changes.")
#define HPA_DESIRED_REPLICAS_FIELD                                                                 \
	SF_I32("desiredReplicas", 4, REQ, "The replica count the autoscaler last computed.")

/* The target reference is the same in both versions, except that v1 marks
 * it atomic for server-side apply. */
static const struct sch_field cross_version_ref_fields[] = {
    SF_STR("kind", 1, REQ, "The kind of the referenced object, e.g. Deployment."),
    SF_STR("name", 2, REQ, "The name of the referenced object, in the autoscaler's namespace."),
    SF_STR("apiVersion", 3, OM, "The API version of the referenced object, e.g. apps/v1."),
};

const struct sch_type sch_autoscaling_v1_CrossVersionObjectReference = {
    .name = "io.k8s.api.autoscaling.v1.CrossVersionObjectReference",
    .desc = "Names an object in the same namespace by kind, name and API version.",
    .flags = SCH_F_ATOMIC,
    .fields = SCH_FIELDS(cross_version_ref_fields),
};

const struct sch_type sch_autoscaling_v2_CrossVersionObjectReference = {
    .name = "io.k8s.api.autoscaling.v2.CrossVersionObjectReference",
    .desc = "Names an object in the same namespace by kind, name and API version.",
    .fields = SCH_FIELDS(cross_version_ref_fields),
};

/* --- autoscaling/v1 --- */

static const struct sch_field hpa1_spec_fields[] = {
    SF_OBJ("scaleTargetRef", 1, sch_autoscaling_v1_CrossVersionObjectReference, REQ,
	   "The object to scale, through its scale subresource."),
    HPA_MIN_REPLICAS_FIELD,
    HPA_MAX_REPLICAS_FIELD,
    SF_I32("targetCPUUtilizationPercentage", 4, 0,
	   "The average CPU use to aim for, as a percentage of the pods' CPU requests; "
	   "unset uses the default policy."),
};

const struct sch_type sch_autoscaling_v1_HorizontalPodAutoscalerSpec = {
    .name = "io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerSpec",
    .desc = "What to scale, between which bounds, towards which CPU use.",
    .fields = SCH_FIELDS(hpa1_spec_fields),
};

static const struct sch_field hpa1_status_fields[] = {
    HPA_OBSERVED_GENERATION_FIELD,
    HPA_LAST_SCALE_TIME_FIELD,
    SF_I32("currentReplicas", 3, REQ, "The replica count last seen on the target."),
    HPA_DESIRED_REPLICAS_FIELD,
    SF_I32("currentCPUUtilizationPercentage", 5, 0,
	   "The average CPU use of the pods now, as a percentage of their requests (70 "
	   "means 70% of the requested CPU)."),
};

const struct sch_type sch_autoscaling_v1_HorizontalPodAutoscalerStatus = {
    .name = "io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerStatus",
    .desc = "The state of an autoscaler as last observed by its controller.",
    .fields = SCH_FIELDS(hpa1_status_fields),
};

SCH_KIND_TYPE_FL(sch_autoscaling_v1_HorizontalPodAutoscaler,
		 "io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler",
		 "Adjusts the replica count of a scalable object to keep its pods' average CPU use "
		 "near a target.",
		 "autoscaling", "v1", "HorizontalPodAutoscaler",
		 sch_autoscaling_v1_HorizontalPodAutoscalerSpec, REQ,
		 "The target, bounds and CPU goal of the autoscaler.",
		 sch_autoscaling_v1_HorizontalPodAutoscalerStatus);

SCH_DEFINE_LIST(sch_autoscaling_v1_HorizontalPodAutoscalerList,
		sch_autoscaling_v1_HorizontalPodAutoscaler,
		"io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerList", "autoscaling", "v1",
		"HorizontalPodAutoscaler", "The HorizontalPodAutoscalers in this list.");

/* --- autoscaling/v2: behavior --- */

static const struct sch_field hpa_policy_fields[] = {
    SF_STR("type", 1, REQ,
	   "Pods (value is a pod count) or Percent (value is a percentage of the current "
	   "replicas)."),
    SF_I32("value", 2, REQ, "How much change the policy allows; greater than zero."),
    SF_I32("periodSeconds", 3, REQ,
	   "The window over which the change is limited, 1 to 1800 seconds."),
};

const struct sch_type sch_autoscaling_v2_HPAScalingPolicy = {
    .name = "io.k8s.api.autoscaling.v2.HPAScalingPolicy",
    .desc = "A limit on how much the replica count may change within a time window.",
    .fields = SCH_FIELDS(hpa_policy_fields),
};

static const struct sch_field hpa_rules_fields[] = {
    SF_I32("stabilizationWindowSeconds", 3, 0,
	   "How many seconds of past recommendations to consider, 0 to 3600; by default 0 "
	   "when scaling up and 300 when scaling down."),
    SF_STR("selectPolicy", 1, 0,
	   "Which policy wins: Max (the default, the largest change), Min, or Disabled (no "
	   "scaling in this direction)."),
    SF_OBJS("policies", 2, sch_autoscaling_v2_HPAScalingPolicy, ATOM | OM,
	    "The policies to choose from; by default up to doubling or 4 pods per 15s up, "
	    "and any amount per 15s down."),
    SF_SCALAR("tolerance", 4, SCH_QUANTITY, 0,
	      "The relative gap between current and desired metric values below which nothing "
	      "changes (0.01 is 1%); unset uses the cluster default of 10% (beta, behind "
	      "HPAConfigurableTolerance)."),
};

const struct sch_type sch_autoscaling_v2_HPAScalingRules = {
    .name = "io.k8s.api.autoscaling.v2.HPAScalingRules",
    .desc = "Scaling in one direction: rate limits, a stabilization window against "
	    "flapping, and a tolerance on metric noise.",
    .fields = SCH_FIELDS(hpa_rules_fields),
};

static const struct sch_field hpa_behavior_fields[] = {
    SF_OBJ("scaleUp", 1, sch_autoscaling_v2_HPAScalingRules, 0,
	   "Rules for scaling up; by default the larger of 4 pods or doubling per 60s, "
	   "without stabilization."),
    SF_OBJ("scaleDown", 2, sch_autoscaling_v2_HPAScalingRules, 0,
	   "Rules for scaling down; by default down to minReplicas with a 300s "
	   "stabilization window."),
};

const struct sch_type sch_autoscaling_v2_HorizontalPodAutoscalerBehavior = {
    .name = "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerBehavior",
    .desc = "How fast the autoscaler may scale up and down.",
    .fields = SCH_FIELDS(hpa_behavior_fields),
};

/* --- autoscaling/v2: object --- */

static const struct sch_field hpa2_spec_fields[] = {
    SF_OBJ("scaleTargetRef", 1, sch_autoscaling_v2_CrossVersionObjectReference, REQ,
	   "The object to scale, through its scale subresource; its pods supply the "
	   "metrics."),
    HPA_MIN_REPLICAS_FIELD,
    HPA_MAX_REPLICAS_FIELD,
    SF_OBJS("metrics", 4, sch_autoscaling_v2_MetricSpec, ATOM | OM,
	    "The metrics to scale on; each proposes a replica count from its ratio of "
	    "current to target value and the largest wins. Defaults to 80% average CPU."),
    SF_OBJ("behavior", 5, sch_autoscaling_v2_HorizontalPodAutoscalerBehavior, 0,
	   "Rate limits and stabilization for scaling up and down; defaults apply when "
	   "unset."),
};

const struct sch_type sch_autoscaling_v2_HorizontalPodAutoscalerSpec = {
    .name = "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec",
    .desc = "What to scale, between which bounds, on which metrics and how fast.",
    .fields = SCH_FIELDS(hpa2_spec_fields),
};

static const struct sch_field hpa2_condition_fields[] = {
    SCH_CONDITION_TYPE_STATUS("The condition: ScalingActive, AbleToScale, ScalingLimited or "
			      "ScaledToZero."),
    SCH_CONDITION_TRANSITION(3),
    SCH_CONDITION_REASON_MESSAGE(4, 5),
    SF_I64("observedGeneration", 6, 0,
	   "The metadata.generation the condition was computed for; older than the "
	   "current generation means out of date."),
};

const struct sch_type sch_autoscaling_v2_HorizontalPodAutoscalerCondition = {
    .name = "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerCondition",
    .desc = "One observation about an autoscaler at a point in time.",
    .fields = SCH_FIELDS(hpa2_condition_fields),
};

static const struct sch_field hpa2_status_fields[] = {
    HPA_OBSERVED_GENERATION_FIELD,
    HPA_LAST_SCALE_TIME_FIELD,
    SF_I32("currentReplicas", 3, OM, "The replica count last seen on the target."),
    HPA_DESIRED_REPLICAS_FIELD,
    SF_OBJS("currentMetrics", 5, sch_autoscaling_v2_MetricStatus, ATOM,
	    "The values of the metrics as last read."),
    SCH_CONDITIONS_FIELD(
	6, sch_autoscaling_v2_HorizontalPodAutoscalerCondition,
	"Whether the autoscaler can scale and whether it is held back, one entry per type."),
};

const struct sch_type sch_autoscaling_v2_HorizontalPodAutoscalerStatus = {
    .name = "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus",
    .desc = "The state of an autoscaler as last observed by its controller.",
    .fields = SCH_FIELDS(hpa2_status_fields),
};

SCH_KIND_TYPE_FL(sch_autoscaling_v2_HorizontalPodAutoscaler,
		 "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler",
		 "Adjusts the replica count of a scalable object from the metrics it is given, "
		 "within bounds and rate limits.",
		 "autoscaling", "v2", "HorizontalPodAutoscaler",
		 sch_autoscaling_v2_HorizontalPodAutoscalerSpec, REQ,
		 "The target, bounds, metrics and behavior of the autoscaler.",
		 sch_autoscaling_v2_HorizontalPodAutoscalerStatus);

SCH_DEFINE_LIST(sch_autoscaling_v2_HorizontalPodAutoscalerList,
		sch_autoscaling_v2_HorizontalPodAutoscaler,
		"io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerList", "autoscaling", "v2",
		"HorizontalPodAutoscaler", "The HorizontalPodAutoscalers in this list.");
