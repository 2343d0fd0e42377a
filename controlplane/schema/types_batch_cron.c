/* batch/v1 CronJob: Jobs created from a template on a cron schedule. */
#include "types_batch.h"
#include "types_common.h"

static const struct sch_field job_template_fields[] = {
    {
	.name = "metadata",
	.pb = 1,
	.kind = SCH_OBJECT,
	.flags = SCH_F_OMITEMPTY,
	.type = &sch_meta_v1_ObjectMeta,
	.desc = "Labels, annotations and other metadata given to every Job made from the "
		"template.",
    },
    {
	.name = "spec",
	.pb = 2,
	.kind = SCH_OBJECT,
	.flags = SCH_F_OMITEMPTY,
	.type = &sch_batch_v1_JobSpec,
	.desc = "The spec of every Job made from the template.",
    },
};

const struct sch_type sch_batch_v1_JobTemplateSpec = {
    .name = "io.k8s.api.batch.v1.JobTemplateSpec",
    .desc = "The Job a CronJob creates at each scheduled time.",
    .fields = SCH_FIELDS(job_template_fields),
};

static const struct sch_field cron_spec_fields[] = {
    {
	.name = "schedule",
	.pb = 1,
	.kind = SCH_STRING,
	.flags = SCH_F_REQUIRED,
	.desc = "When to run, in cron syntax (\"*/5 * * * *\", \"@hourly\").",
    },
    {
	.name = "timeZone",
	.pb = 8,
	.kind = SCH_STRING,
	.desc = "The tz database name the schedule is read in (\"Europe/Paris\"); unset uses "
		"the controller manager's time zone.",
    },
    {
	.name = "startingDeadlineSeconds",
	.pb = 2,
	.kind = SCH_INT64,
	.desc = "How late a missed run may still start; runs later than that count as failed.",
    },
    {
	.name = "concurrencyPolicy",
	.pb = 3,
	.kind = SCH_STRING,
	.flags = SCH_F_OMITEMPTY,
	.desc = "What to do when a run is due while the previous one still runs: Allow (the "
		"default), Forbid (skip the new run) or Replace (stop the old one).",
    },
    {
	.name = "suspend",
	.pb = 4,
	.kind = SCH_BOOL,
	.desc = "When true, no further runs start; running Jobs are left alone. Defaults to "
		"false.",
    },
    {
	.name = "jobTemplate",
	.pb = 5,
	.kind = SCH_OBJECT,
	.flags = SCH_F_REQUIRED,
	.type = &sch_batch_v1_JobTemplateSpec,
	.desc = "The Job to create at each run.",
    },
    {
	.name = "successfulJobsHistoryLimit",
	.pb = 6,
	.kind = SCH_INT32,
	.desc = "How many successful Jobs to keep. Defaults to 3.",
    },
    {
	.name = "failedJobsHistoryLimit",
	.pb = 7,
	.kind = SCH_INT32,
	.desc = "How many failed Jobs to keep. Defaults to 1.",
    },
};

const struct sch_type sch_batch_v1_CronJobSpec = {
    .name = "io.k8s.api.batch.v1.CronJobSpec",
    .desc = "When a CronJob runs, what it runs, and how much history it keeps.",
    .fields = SCH_FIELDS(cron_spec_fields),
};

static const struct sch_field cron_status_fields[] = {
    {
	.name = "active",
	.pb = 1,
	.kind = SCH_OBJECT,
	.flags = SCH_F_LIST | SCH_F_ATOMIC | SCH_F_OMITEMPTY,
	.type = &sch_core_v1_ObjectReference,
	.desc = "References to the Jobs currently running.",
    },
    {
	.name = "lastScheduleTime",
	.pb = 4,
	.kind = SCH_TIME,
	.desc = "When a Job was last scheduled.",
    },
    {
	.name = "lastSuccessfulTime",
	.pb = 5,
	.kind = SCH_TIME,
	.desc = "When a Job last completed successfully.",
    },
};

const struct sch_type sch_batch_v1_CronJobStatus = {
    .name = "io.k8s.api.batch.v1.CronJobStatus",
    .desc = "The state of a CronJob as last observed by its controller.",
    .fields = SCH_FIELDS(cron_status_fields),
};

SCH_KIND_TYPE(sch_batch_v1_CronJob, "io.k8s.api.batch.v1.CronJob",
	      "Creates a Job from a template at each time of a cron schedule.", "batch", "v1",
	      "CronJob", sch_batch_v1_CronJobSpec, "The schedule and the Job to run.",
	      sch_batch_v1_CronJobStatus);

SCH_LIST_TYPE(sch_batch_v1_CronJobList, "io.k8s.api.batch.v1.CronJobList", sch_batch_v1_CronJob,
	      "batch", "v1", "CronJobList", "CronJobs");
