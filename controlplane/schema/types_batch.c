/* batch/v1 Job: pods run to completion, with the policies that decide
 * when failures fail the Job and when enough indexes succeeded. */
#include "types_batch.h"
#include "types_common.h"

/* --- pod failure policy --- */

static const struct sch_field pfp_exit_codes_fields[] = {
    SF_STR("containerName", 1, 0,
	   "Only check this container (or init container) of the pod template; unset "
	   "checks all of them."),
    SF_STR("operator", 2, REQ,
	   "In: some checked exit code is in values. NotIn: some checked exit code is not. "
	   "Containers that exited 0 are never checked."),
    SF_SCALAR("values", 3, SCH_INT32, SCH_F_LIST | SCH_F_LIST_SET | SCH_F_PB_PACKED | REQ,
	      "The exit codes, sorted and distinct, 1 to 255 of them; 0 is not allowed with "
	      "In."),
};

const struct sch_type sch_batch_v1_PodFailurePolicyOnExitCodesRequirement = {
    .name = "io.k8s.api.batch.v1.PodFailurePolicyOnExitCodesRequirement",
    .desc = "Matches a failed pod by the exit codes of its terminated containers.",
    .fields = SCH_FIELDS(pfp_exit_codes_fields),
};

static const struct sch_field pfp_pod_conditions_fields[] = {
    SF_STR("type", 1, REQ, "The pod condition type to look for."),
    SF_STR("status", 2, REQ,
	   "The status the condition must have (True, False or Unknown). Defaults to "
	   "True."),
};

const struct sch_type sch_batch_v1_PodFailurePolicyOnPodConditionsPattern = {
    .name = "io.k8s.api.batch.v1.PodFailurePolicyOnPodConditionsPattern",
    .desc = "Matches a failed pod by one of its conditions.",
    .fields = SCH_FIELDS(pfp_pod_conditions_fields),
};

static const struct sch_field pfp_rule_fields[] = {
    SF_STR("action", 1, REQ,
	   "FailJob (fail the Job, stop its pods), FailIndex (fail only this index), "
	   "Ignore (do not count the failure) or Count (count it as usual). Unknown "
	   "actions skip the rule."),
    SF_OBJ("onExitCodes", 2, sch_batch_v1_PodFailurePolicyOnExitCodesRequirement, 0,
	   "Match on container exit codes; exclusive with onPodConditions."),
    SF_OBJS("onPodConditions", 3, sch_batch_v1_PodFailurePolicyOnPodConditionsPattern, ATOM,
	    "Match when any of these patterns (at most 20) matches a pod condition; "
	    "exclusive with onExitCodes."),
};

const struct sch_type sch_batch_v1_PodFailurePolicyRule = {
    .name = "io.k8s.api.batch.v1.PodFailurePolicyRule",
    .desc = "What to do with a failed pod that matches the rule's exit codes or conditions.",
    .fields = SCH_FIELDS(pfp_rule_fields),
};

static const struct sch_field pfp_fields[] = {
    SF_OBJS("rules", 1, sch_batch_v1_PodFailurePolicyRule, ATOM | REQ,
	    "Rules tried in order, at most 20; the first match decides, and with no match "
	    "the failure counts towards backoffLimit."),
};

const struct sch_type sch_batch_v1_PodFailurePolicy = {
    .name = "io.k8s.api.batch.v1.PodFailurePolicy",
    .desc = "How failed pods affect the Job beyond counting towards backoffLimit.",
    .fields = SCH_FIELDS(pfp_fields),
};

/* --- success policy --- */

static const struct sch_field success_rule_fields[] = {
    SF_STR("succeededIndexes", 1, 0,
	   "Indexes that must all succeed, as comma-separated numbers and ranges such as "
	   "\"1,3-5,7\", within 0..completions-1."),
    SF_I32("succeededCount", 2, 0,
	   "How many indexes (of succeededIndexes, when set) must succeed."),
};

const struct sch_type sch_batch_v1_SuccessPolicyRule = {
    .name = "io.k8s.api.batch.v1.SuccessPolicyRule",
    .desc = "A condition on succeeded indexes that declares the Job successful; at least one "
	    "field must be set.",
    .fields = SCH_FIELDS(success_rule_fields),
};

static const struct sch_field success_policy_fields[] = {
    SF_OBJS("rules", 1, sch_batch_v1_SuccessPolicyRule, ATOM | REQ,
	    "Alternative rules, 1 to 20, tried in order; when one is met the Job gets "
	    "SuccessCriteriaMet and its remaining pods are stopped."),
};

const struct sch_type sch_batch_v1_SuccessPolicy = {
    .name = "io.k8s.api.batch.v1.SuccessPolicy",
    .desc = "When an Indexed Job counts as succeeded before all its completions are done.",
    .fields = SCH_FIELDS(success_policy_fields),
};

/* --- Job --- */

static const struct sch_field job_spec_fields[] = {
    SF_I32("parallelism", 1, 0, "How many pods may run at once."),
    SF_I32("completions", 2, 0,
	   "How many pods must succeed; unset means the first success completes the Job."),
    SF_I64("activeDeadlineSeconds", 3, 0,
	   "Seconds after startTime the Job may stay active before the system stops it; "
	   "the clock stops while the Job is suspended."),
    SF_OBJ("podFailurePolicy", 11, sch_batch_v1_PodFailurePolicy, 0,
	   "Rules on how pod failures count; not allowed with restartPolicy OnFailure."),
    SF_OBJ("successPolicy", 16, sch_batch_v1_SuccessPolicy, 0,
	   "When an Indexed Job counts as succeeded early; immutable once set."),
    SF_I32("backoffLimit", 7, 0,
	   "How many retries before the Job is marked failed. Defaults to 6."),
    SF_I32("backoffLimitPerIndex", 12, 0,
	   "Retries allowed per index of an Indexed Job whose pods never restart; "
	   "immutable."),
    SF_I32("maxFailedIndexes", 13, 0,
	   "How many indexes may fail before the whole Job fails; needs "
	   "backoffLimitPerIndex."),
    SF_OBJ("selector", 4, sch_meta_v1_LabelSelector, 0,
	   "Which pods the Job counts; normally generated by the system."),
    SF_BOOL("manualSelector", 5, 0,
	    "When true, the user picks selector and pod labels instead of the system; "
	    "leave unset unless you know why."),
    SF_OBJ("template", 6, sch_core_v1_PodTemplateSpec, REQ,
	   "The pods to run. Its restartPolicy must be Never or OnFailure."),
    SF_I32("ttlSecondsAfterFinished", 8, 0,
	   "Seconds after the Job finishes before it may be deleted automatically; 0 "
	   "means right away, unset means never."),
    SF_STR("completionMode", 9, 0,
	   "NonIndexed (the default: any completions successes) or Indexed (one success "
	   "per index 0..completions-1)."),
    SF_BOOL("suspend", 10, 0,
	    "When true, no pods are created and running ones are deleted. Defaults to "
	    "false."),
    SF_STR("podReplacementPolicy", 14, 0,
	   "When to create a replacement pod: TerminatingOrFailed, or Failed (wait until "
	   "the old pod is fully terminated; required with podFailurePolicy)."),
    SF_STR("managedBy", 15, 0,
	   "The controller that reconciles the Job, as a domain-prefixed path; unset or "
	   "kubernetes.io/job-controller means the built-in one."),
};

const struct sch_type sch_batch_v1_JobSpec = {
    .name = "io.k8s.api.batch.v1.JobSpec",
    .desc = "What a Job runs and when it counts as done or failed.",
    .fields = SCH_FIELDS(job_spec_fields),
};

static const struct sch_field job_condition_fields[] = {
    SCH_CONDITION_TYPE_STATUS("The condition: Complete, Failed, Suspended, FailureTarget or "
			      "SuccessCriteriaMet."),
    SCH_CONDITION_TIME("lastProbeTime", 3, "When the condition was last checked."),
    SCH_CONDITION_TRANSITION(4),
    SCH_CONDITION_REASON_MESSAGE(5, 6),
};

const struct sch_type sch_batch_v1_JobCondition = {
    .name = "io.k8s.api.batch.v1.JobCondition",
    .desc = "One observation about a Job at a point in time.",
    .fields = SCH_FIELDS(job_condition_fields),
};

static const struct sch_field uncounted_fields[] = {
    SF_STRS("succeeded", 1, SCH_F_LIST_SET | OM, "UIDs of succeeded pods not yet counted."),
    SF_STRS("failed", 2, SCH_F_LIST_SET | OM, "UIDs of failed pods not yet counted."),
};

const struct sch_type sch_batch_v1_UncountedTerminatedPods = {
    .name = "io.k8s.api.batch.v1.UncountedTerminatedPods",
    .desc = "Pods that finished but are not yet in the Job's counters: the controller adds "
	    "a UID here, drops the pod's finalizer, then moves the UID into a counter.",
    .fields = SCH_FIELDS(uncounted_fields),
};

static const struct sch_field job_status_fields[] = {
    {
	.name = "conditions",
	.pb = 1,
	.kind = SCH_OBJECT,
	/* listType=atomic for server-side apply; strategic merge still
	 * merges by type (patchMergeKey). */
	.flags = SCH_F_LIST | SCH_F_ATOMIC | SCH_F_OMITEMPTY,
	.type = &sch_batch_v1_JobCondition,
	.merge_key = "type",
	.desc = "The latest observations of the Job's state; a finished Job has Complete or "
		"Failed set to True, never both.",
    },
    SF_TIME("startTime", 2, 0,
	    "When the controller started the Job; reset whenever it is resumed from "
	    "suspension."),
    SF_TIME("completionTime", 3, 0,
	    "When the Job completed successfully; set only then, and never changed "
	    "afterwards."),
    SF_I32("active", 4, OM,
	   "Pending and running pods that are not terminating; 0 once the Job finished."),
    SF_I32("succeeded", 5, OM, "Pods that reached phase Succeeded."),
    SF_I32("failed", 6, OM, "Pods that reached phase Failed."),
    SF_I32("terminating", 11, 0, "Pending or running pods that have a deletionTimestamp."),
    SF_STR("completedIndexes", 7, OM,
	   "Succeeded indexes of an Indexed Job, as increasing numbers and ranges "
	   "(\"1,3-5,7\")."),
    SF_STR("failedIndexes", 10, 0,
	   "Failed indexes when backoffLimitPerIndex is set, in the completedIndexes "
	   "format."),
    SF_OBJ("uncountedTerminatedPods", 8, sch_batch_v1_UncountedTerminatedPods, 0,
	   "Finished pods the controller has not yet added to the counters."),
    SF_I32("ready", 9, 0, "Pods whose Ready condition is true."),
};

const struct sch_type sch_batch_v1_JobStatus = {
    .name = "io.k8s.api.batch.v1.JobStatus",
    .desc = "The state of a Job as last observed by its controller.",
    .fields = SCH_FIELDS(job_status_fields),
};

SCH_KIND_TYPE(sch_batch_v1_Job, "io.k8s.api.batch.v1.Job",
	      "Runs pods until a given number of them succeed.", "batch", "v1", "Job",
	      sch_batch_v1_JobSpec, "What the Job runs and its completion rules.",
	      sch_batch_v1_JobStatus);

SCH_DEFINE_LIST(sch_batch_v1_JobList, sch_batch_v1_Job, "io.k8s.api.batch.v1.JobList", "batch",
		"v1", "Job", "The Jobs in this list.");
