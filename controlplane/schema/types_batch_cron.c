/* batch/v1 CronJob: Jobs created from a template on a cron schedule. */
#include "types_batch.h"
#include "types_common.h"

static const struct sch_field job_template_fields[] = {
    SF_OBJ("metadata", 1, sch_meta_v1_ObjectMeta, 0,
	   "Labels, annotations and other metadata given to every Job made from the "
	   "template."),
    SF_OBJ("spec", 2, sch_batch_v1_JobSpec, 0, "The spec of every Job made from the template."),
};

const struct sch_type sch_batch_v1_JobTemplateSpec = {
    .name = "io.k8s.api.batch.v1.JobTemplateSpec",
    .desc = "The Job a CronJob creates at each scheduled time.",
    .fields = SCH_FIELDS(job_template_fields),
};

static const struct sch_field cron_spec_fields[] = {
    SF_STR("schedule", 1, REQ, "When to run, in cron syntax (\"*/5 * * * *\", \"@hourly\")."),
    SF_STR("timeZone", 8, 0,
	   "The tz database name the schedule is read in (\"Europe/Paris\"); unset uses "
	   "the controller manager's time zone."),
    SF_I64("startingDeadlineSeconds", 2, 0,
	   "How late a missed run may still start; runs later than that count as failed."),
    SF_STR("concurrencyPolicy", 3, OM,
	   "What to do when a run is due while the previous one still runs: Allow (the "
	   "default), Forbid (skip the new run) or Replace (stop the old one)."),
    SF_BOOL("suspend", 4, 0,
	    "When true, no further runs start; running Jobs are left alone. Defaults to "
	    "false."),
    SF_OBJ("jobTemplate", 5, sch_batch_v1_JobTemplateSpec, REQ, "The Job to create at each run."),
    SF_I32("successfulJobsHistoryLimit", 6, 0, "How many successful Jobs to keep. Defaults to 3."),
    SF_I32("failedJobsHistoryLimit", 7, 0, "How many failed Jobs to keep. Defaults to 1."),
};

const struct sch_type sch_batch_v1_CronJobSpec = {
    .name = "io.k8s.api.batch.v1.CronJobSpec",
    .desc = "When a CronJob runs, what it runs, and how much history it keeps.",
    .fields = SCH_FIELDS(cron_spec_fields),
};

static const struct sch_field cron_status_fields[] = {
    SF_OBJS("active", 1, sch_core_v1_ObjectReference, ATOM | OM,
	    "References to the Jobs currently running."),
    SF_TIME("lastScheduleTime", 4, 0, "When a Job was last scheduled."),
    SF_TIME("lastSuccessfulTime", 5, 0, "When a Job last completed successfully."),
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

SCH_DEFINE_LIST(sch_batch_v1_CronJobList, sch_batch_v1_CronJob, "io.k8s.api.batch.v1.CronJobList",
		"batch", "v1", "CronJob", "The CronJobs in this list.");
