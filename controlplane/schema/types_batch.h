/* types_batch: the batch/v1 tables — Job and its failure/success policies
 * (types_batch.c), CronJob (types_batch_cron.c). */
#ifndef SKIFF_SCHEMA_TYPES_BATCH_H
#define SKIFF_SCHEMA_TYPES_BATCH_H

#include "schema.h"

extern const struct sch_type sch_batch_v1_Job;
extern const struct sch_type sch_batch_v1_JobList;
extern const struct sch_type sch_batch_v1_JobSpec;
extern const struct sch_type sch_batch_v1_JobStatus;
extern const struct sch_type sch_batch_v1_JobCondition;
extern const struct sch_type sch_batch_v1_UncountedTerminatedPods;
extern const struct sch_type sch_batch_v1_PodFailurePolicy;
extern const struct sch_type sch_batch_v1_PodFailurePolicyRule;
extern const struct sch_type sch_batch_v1_PodFailurePolicyOnExitCodesRequirement;
extern const struct sch_type sch_batch_v1_PodFailurePolicyOnPodConditionsPattern;
extern const struct sch_type sch_batch_v1_SuccessPolicy;
extern const struct sch_type sch_batch_v1_SuccessPolicyRule;

extern const struct sch_type sch_batch_v1_CronJob;
extern const struct sch_type sch_batch_v1_CronJobList;
extern const struct sch_type sch_batch_v1_CronJobSpec;
extern const struct sch_type sch_batch_v1_CronJobStatus;
extern const struct sch_type sch_batch_v1_JobTemplateSpec;

#endif
