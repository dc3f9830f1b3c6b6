from scheduler.core.refusal import Refusal

"""Data-zone job sets: scheduled in time by the optimizer, dispatched at their starts. The public surface."""

from scheduler.jobs.dispatch import on_job_started
from scheduler.jobs.jobsets import (
           NewJobSet,
           create,
           latest_run,
           may_use_jobs,
           plan_run,
           replan,
           run_jobs,
           runs_of,
           visible,
)
from scheduler.jobs.models import DataJob, JobRun, JobSet

__all__ = ["DataJob", "JobRun", "JobSet", "Refusal", "NewJobSet", "create", "latest_run", "may_use_jobs", "plan_run", "replan", "run_jobs",
           "runs_of", "on_job_started", "visible"]
