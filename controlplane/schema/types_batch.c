/* batch/v1 Job: pods run to completion, with the policies that decide
 * when failures fail the Job and when enough indexes succeeded. */
#include "types_batch.h"
#include "types_common.h"

/* --- pod failure policy --- */

static const struct sch_field pfp_exit_codes_fields[] = {
    {
	.name = "containerName",
	.pb = 1,
	.kind = SCH_STRING,
	.desc = "Only check this container (or init container) of the pod template; unset "
		"checks all of them.",
    },
    {
	.name = "operator",
	.pb = 2,
	.kind = SCH_STRING,
	.flags = SCH_F_REQUIRED,
	.desc = "In: some checked exit code is in values. NotIn: some checked exit code is not. "
		"Containers that exited 0 are never checked.",
    },
    {
	.name = "values",
	.pb = 3,
	.kind = SCH_INT32,
	.flags = SCH_F_LIST | SCH_F_LIST_SET | SCH_F_PB_PACKED | SCH_F_REQUIRED,
	.desc = "The exit codes, sorted and distinct, 1 to 255 of them; 0 is not allowed with "
		"In.",
    },
};

const struct sch_type sch_batch_v1_PodFailurePolicyOnExitCodesRequirement = {
    .name = "io.k8s.api.batch.v1.PodFailurePolicyOnExitCodesRequirement",
    .desc = "Matches a failed pod by the exit codes of its terminated containers.",
    .fields = SCH_FIELDS(pfp_exit_codes_fields),
};

static const struct sch_field pfp_pod_conditions_fields[] = {
    {
	.name = "type",
	.pb = 1,
	.kind = SCH_STRING,
	.flags = SCH_F_REQUIRED,
	.desc = "The pod condition type to look for.",
    },
    {
	.name = "status",
	.pb = 2,
	.kind = SCH_STRING,
	.flags = SCH_F_REQUIRED,
	.desc = "The status the condition must have (True, False or Unknown). Defaults to "
		"True.",
    },
};

const struct sch_type sch_batch_v1_PodFailurePolicyOnPodConditionsPattern = {
    .name = "io.k8s.api.batch.v1.PodFailurePolicyOnPodConditionsPattern",
    .desc = "Matches a failed pod by one of its conditions.",
    .fields = SCH_FIELDS(pfp_pod_conditions_fields),
};

static const struct sch_field pfp_rule_fields[] = {
    {
	.name = "action",
	.pb = 1,
	.kind = SCH_STRING,
	.flags = SCH_F_REQUIRED,
	.desc = "FailJob (fail the Job, stop its pods), FailIndex (fail only this index), "
		"Ignore (do not count the failure) or Count (count it as usual). Unknown "
		"actions skip the rule.",
    },
    {
	.name = "onExitCodes",
	.pb = 2,
	.kind = SCH_OBJECT,
	.type = &sch_batch_v1_PodFailurePolicyOnExitCodesRequirement,
	.desc = "Match on container exit codes; exclusive with onPodConditions.",
    },
    {
	.name = "onPodConditions",
	.pb = 3,
	.kind = SCH_OBJECT,
	.flags = SCH_F_LIST | SCH_F_ATOMIC,
	.type = &sch_batch_v1_PodFailurePolicyOnPodConditionsPattern,
	.desc = "Match when any of these patterns (at most 20) matches a pod condition; "
		"exclusive with onExitCodes.",
    },
};

const struct sch_type sch_batch_v1_PodFailurePolicyRule = {
    .name = "io.k8s.api.batch.v1.PodFailurePolicyRule",
    .desc = "What to do with a failed pod that matches the rule's exit codes or conditions.",
    .fields = SCH_FIELDS(pfp_rule_fields),
};

static const struct sch_field pfp_fields[] = {
    {
	.name = "rules",
	.pb = 1,
	.kind = SCH_OBJECT,
	.flags = SCH_F_LIST | SCH_F_ATOMIC | SCH_F_REQUIRED,
	.type = &sch_batch_v1_PodFailurePolicyRule,
	.desc = "Rules tried in order, at most 20; the first match decides, and with no match "
		"the failure counts towards backoffLimit.",
    },
};

const struct sch_type sch_batch_v1_PodFailurePolicy = {
    .name = "io.k8s.api.batch.v1.PodFailurePolicy",
    .desc = "How failed pods affect the Job beyond counting towards backoffLimit.",
    .fields = SCH_FIELDS(pfp_fields),
};

/* --- success policy --- */

static const struct sch_field success_rule_fields[] = {
    {
	.name = "succeededIndexes",
	.pb = 1,
	.kind = SCH_STRING,
	.desc = "Indexes that must all succeed, as comma-separated numbers and ranges such as "
		"\"1,3-5,7\", within 0..completions-1.",
    },
    {
	.name = "succeededCount",
	.pb = 2,
	.kind = SCH_INT32,
	.desc = "How many indexes (of succeededIndexes, when set) must succeed.",
    },
};

const struct sch_type sch_batch_v1_SuccessPolicyRule = {
    .name = "io.k8s.api.batch.v1.SuccessPolicyRule",
    .desc = "A condition on succeeded indexes that declares the Job successful; at least one "
	    "field must be set.",
    .fields = SCH_FIELDS(success_rule_fields),
};

static const struct sch_field success_policy_fields[] = {
    {
	.name = "rules",
	.pb = 1,
	.kind = SCH_OBJECT,
	.flags = SCH_F_LIST | SCH_F_ATOMIC | SCH_F_REQUIRED,
	.type = &sch_batch_v1_SuccessPolicyRule,
	.desc = "Alternative rules, 1 to 20, tried in order; when one is met the Job gets "
		"SuccessCriteriaMet and its remaining pods are stopped.",
    },
};

const struct sch_type sch_batch_v1_SuccessPolicy = {
    .name = "io.k8s.api.batch.v1.SuccessPolicy",
    .desc = "When an Indexed Job counts as succeeded before all its completions are done.",
    .fields = SCH_FIELDS(success_policy_fields),
};

/* --- Job --- */

static const struct sch_field job_spec_fields[] = {
    {
	.name = "parallelism",
	.pb = 1,
	.kind = SCH_INT32,
	.desc = "How many pods may run at once.",
    },
    {
	.name = "completions",
	.pb = 2,
	.kind = SCH_INT32,
	.desc = "How many pods must succeed; unset means the first success completes the Job.",
    },
    {
	.name = "activeDeadlineSeconds",
	.pb = 3,
	.kind = SCH_INT64,
	.desc = "Seconds after startTime the Job may stay active before the system stops it; "
		"the clock stops while the Job is suspended.",
    },
    {
	.name = "podFailurePolicy",
	.pb = 11,
	.kind = SCH_OBJECT,
	.type = &sch_batch_v1_PodFailurePolicy,
	.desc = "Rules on how pod failures count; not allowed with restartPolicy OnFailure.",
    },
    {
	.name = "successPolicy",
	.pb = 16,
	.kind = SCH_OBJECT,
	.type = &sch_batch_v1_SuccessPolicy,
	.desc = "When an Indexed Job counts as succeeded early; immutable once set.",
    },
    {
	.name = "backoffLimit",
	.pb = 7,
	.kind = SCH_INT32,
	.desc = "How many retries before the Job is marked failed. Defaults to 6.",
    },
    {
	.name = "backoffLimitPerIndex",
	.pb = 12,
	.kind = SCH_INT32,
	.desc = "Retries allowed per index of an Indexed Job whose pods never restart; "
		"immutable.",
    },
    {
	.name = "maxFailedIndexes",
	.pb = 13,
	.kind = SCH_INT32,
	.desc = "How many indexes may fail before the whole Job fails; needs "
		"backoffLimitPerIndex.",
    },
    {
	.name = "selector",
	.pb = 4,
	.kind = SCH_OBJECT,
	.type = &sch_meta_v1_LabelSelector,
	.desc = "Which pods the Job counts; normally generated by the system.",
    },
    {
	.name = "manualSelector",
	.pb = 5,
	.kind = SCH_BOOL,
	.desc = "When true, the user picks selector and pod labels instead of the system; "
		"leave unset unless you know why.",
    },
    {
	.name = "template",
	.pb = 6,
	.kind = SCH_OBJECT,
	.flags = SCH_F_REQUIRED,
	.type = &sch_core_v1_PodTemplateSpec,
	.desc = "The pods to run. Its restartPolicy must be Never or OnFailure.",
    },
    {
	.name = "ttlSecondsAfterFinished",
	.pb = 8,
	.kind = SCH_INT32,
	.desc = "Seconds after the Job finishes before it may be deleted automatically; 0 "
		"means right away, unset means never.",
    },
    {
	.name = "completionMode",
	.pb = 9,
	.kind = SCH_STRING,
	.desc = "NonIndexed (the default: any completions successes) or Indexed (one success "
		"per index 0..completions-1).",
    },
    {
	.name = "suspend",
	.pb = 10,
	.kind = SCH_BOOL,
	.desc = "When true, no pods are created and running ones are deleted. Defaults to "
		"false.",
    },
    {
	.name = "podReplacementPolicy",
	.pb = 14,
	.kind = SCH_STRING,
	.desc = "When to create a replacement pod: TerminatingOrFailed, or Failed (wait until "
		"the old pod is fully terminated; required with podFailurePolicy).",
    },
    {
	.name = "managedBy",
	.pb = 15,
	.kind = SCH_STRING,
	.desc = "The controller that reconciles the Job, as a domain-prefixed path; unset or "
		"kubernetes.io/job-controller means the built-in one.",
    },
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
    {
	.name = "succeeded",
	.pb = 1,
	.kind = SCH_STRING,
	.flags = SCH_F_LIST | SCH_F_LIST_SET | SCH_F_OMITEMPTY,
	.desc = "UIDs of succeeded pods not yet counted.",
    },
    {
	.name = "failed",
	.pb = 2,
	.kind = SCH_STRING,
	.flags = SCH_F_LIST | SCH_F_LIST_SET | SCH_F_OMITEMPTY,
	.desc = "UIDs of failed pods not yet counted.",
    },
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
    {
	.name = "startTime",
	.pb = 2,
	.kind = SCH_TIME,
	.desc = "When the controller started the Job; reset whenever it is resumed from "
		"suspension.",
    },
    {
	.name = "completionTime",
	.pb = 3,
	.kind = SCH_TIME,
	.desc = "When the Job completed successfully; set only then, and never changed "
		"afterwards.",
    },
    {
	.name = "active",
	.pb = 4,
	.kind = SCH_INT32,
	.flags = SCH_F_OMITEMPTY,
	.desc = "Pending and running pods that are not terminating; 0 once the Job finished.",
    },
    {
	.name = "succeeded",
	.pb = 5,
	.kind = SCH_INT32,
	.flags = SCH_F_OMITEMPTY,
	.desc = "Pods that reached phase Succeeded.",
    },
    {
	.name = "failed",
	.pb = 6,
	.kind = SCH_INT32,
	.flags = SCH_F_OMITEMPTY,
	.desc = "Pods that reached phase Failed.",
    },
    {
	.name = "terminating",
	.pb = 11,
	.kind = SCH_INT32,
	.desc = "Pending or running pods that have a deletionTimestamp.",
    },
    {
	.name = "completedIndexes",
	.pb = 7,
	.kind = SCH_STRING,
	.flags = SCH_F_OMITEMPTY,
	.desc = "Succeeded indexes of an Indexed Job, as increasing numbers and ranges "
		"(\"1,3-5,7\").",
    },
    {
	.name = "failedIndexes",
	.pb = 10,
	.kind = SCH_STRING,
	.desc = "Failed indexes when backoffLimitPerIndex is set, in the completedIndexes "
		"format.",
    },
    {
	.name = "uncountedTerminatedPods",
	.pb = 8,
	.kind = SCH_OBJECT,
	.type = &sch_batch_v1_UncountedTerminatedPods,
	.desc = "Finished pods the controller has not yet added to the counters.",
    },
    {
	.name = "ready",
	.pb = 9,
	.kind = SCH_INT32,
	.desc = "Pods whose Ready condition is true.",
    },
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

SCH_LIST_TYPE(sch_batch_v1_JobList, "io.k8s.api.batch.v1.JobList", sch_batch_v1_Job, "batch", "v1",
	      "JobList", "Jobs");
